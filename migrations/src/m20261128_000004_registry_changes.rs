//! A change log of supplier organisations whose searchable data changed. Every server
//! process keeps its own search index and follows this log, so several processes on one
//! PostgreSQL database stay in step. `organisation_id = 0` asks for a full rebuild (bulk
//! loads such as `anchorlink seed`).

use crate::ident::{index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000004_registry_changes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("registry_changes"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                .col(timestamp_with_time_zone(n("changed_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("registry_changes", &["changed_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(n("registry_changes")).to_owned())
            .await
    }
}
