//! What buyers keep while they search: named shortlists of suppliers that belong to the
//! buyer organisation (shared with colleagues or private to their creator), and saved
//! searches, each the query string of a stable search URL.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000010_shortlists"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("shortlists"))
                .col(big_pk_auto(n("id")))
                // the buyer organisation that owns it
                .col(big_integer(n("organisation_id")))
                .col(big_integer_null(n("created_by")))
                .col(string_len(n("name"), 120))
                // colleagues of the same organisation see it; otherwise only its creator
                .col(boolean(n("shared")).default(false))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk_cascade(
                    "shortlists",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("shortlists", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("shortlists", &["organisation_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("shortlist_items"))
                .col(big_integer(n("shortlist_id")))
                // the supplier organisation
                .col(big_integer(n("supplier_id")))
                .col(big_integer_null(n("added_by")))
                .col(timestamp_with_time_zone(n("added_at")))
                .primary_key(Index::create().col(n("shortlist_id")).col(n("supplier_id")))
                .foreign_key(&mut fk_cascade(
                    "shortlist_items",
                    "shortlist_id",
                    "shortlists",
                ))
                .foreign_key(&mut fk_cascade(
                    "shortlist_items",
                    "supplier_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("shortlist_items", "added_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("shortlist_items", &["supplier_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("saved_searches"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("user_id")))
                .col(string_len(n("name"), 120))
                // the query string of the search URL, without `page`
                .col(text(n("query")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade("saved_searches", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("saved_searches", &["user_id", "name"], true))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["saved_searches", "shortlist_items", "shortlists"] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
