//! Opportunities (issue 12): the suppliers interested in a lot, and the requests one
//! supplier sends another to bid for a lot together.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_100000_opportunities"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("lot_interests"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("lot_id")))
                // the supplier organisation
                .col(big_integer(n("supplier_id")))
                // the user who marked it (kept when the user goes)
                .col(big_integer_null(n("user_id")))
                .col(boolean(n("as_consortium")).default(false))
                .col(text_null(n("note")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade("lot_interests", "lot_id", "tender_lots"))
                .foreign_key(&mut fk_cascade(
                    "lot_interests",
                    "supplier_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("lot_interests", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("lot_interests", &["lot_id", "supplier_id"], true))
            .await?;
        m.create_index(index("lot_interests", &["supplier_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("partner_requests"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("lot_id")))
                .col(big_integer(n("from_supplier_id")))
                .col(big_integer_null(n("from_user_id")))
                .col(big_integer(n("to_supplier_id")))
                .col(text(n("message")).default(""))
                // pending | accepted | declined
                .col(string_len(n("status"), 16))
                .col(big_integer_null(n("answered_by")))
                .col(timestamp_with_time_zone_null(n("answered_at")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade("partner_requests", "lot_id", "tender_lots"))
                .foreign_key(&mut fk_cascade(
                    "partner_requests",
                    "from_supplier_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null(
                    "partner_requests",
                    "from_user_id",
                    "users",
                ))
                .foreign_key(&mut fk_cascade(
                    "partner_requests",
                    "to_supplier_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("partner_requests", "answered_by", "users"))
                .to_owned(),
        )
        .await?;
        // One request per (lot, from, to): asking again is refused, not re-sent.
        m.create_index(index(
            "partner_requests",
            &["lot_id", "from_supplier_id", "to_supplier_id"],
            true,
        ))
        .await?;
        m.create_index(index("partner_requests", &["to_supplier_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["partner_requests", "lot_interests"] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
