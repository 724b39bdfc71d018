//! A buyer organisation's own org-id (issue 8): the identifier its tenders' OCDS exports
//! give the buyer party (`parties[].identifier`, and the party id built from it), as other
//! portals identify the same council or trust. Set by the platform team.

use crate::ident::{index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_100000_buyer_identifiers"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds columns one at a time.
        // the org-id list, e.g. `GB-LAE` (local authorities in England) or `GB-COH`
        m.alter_table(
            Table::alter()
                .table(n("organisations"))
                .add_column(string_len_null(n("identifier_scheme"), 32))
                .to_owned(),
        )
        .await?;
        // the organisation's code on that list, e.g. `PRE`
        m.alter_table(
            Table::alter()
                .table(n("organisations"))
                .add_column(string_len_null(n("identifier"), 64))
                .to_owned(),
        )
        .await?;
        // one organisation per org-id (organisations without one are not compared)
        m.create_index(index(
            "organisations",
            &["identifier_scheme", "identifier"],
            true,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_organisations_identifier_scheme_identifier")
                .table(n("organisations"))
                .to_owned(),
        )
        .await?;
        for column in ["identifier", "identifier_scheme"] {
            m.alter_table(
                Table::alter()
                    .table(n("organisations"))
                    .drop_column(n(column))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
