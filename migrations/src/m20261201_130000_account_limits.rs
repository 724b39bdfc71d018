//! Abuse limits and tighter credentials (issue 10): the attempts a rate limit counts, kept
//! in the database so that every server process sees the same counts; a session's last
//! use, for the idle timeout; an API token's expiry and scope.

use crate::ident::{index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_130000_account_limits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("rate_limit_hits"))
                .col(big_pk_auto(n("id")))
                // what is limited, e.g. `sign_in_failed`, `sign_up_ip`
                .col(string_len(n("bucket"), 32))
                // whom it counts: a normalised e-mail address or a client address
                .col(string_len(n("subject"), 320))
                .col(timestamp_with_time_zone(n("at")))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "rate_limit_hits",
            &["bucket", "subject", "at"],
            false,
        ))
        .await?;
        m.create_index(index("rate_limit_hits", &["at"], false))
            .await?;
        // One column per statement: SQLite adds columns one at a time.
        m.alter_table(
            Table::alter()
                .table(n("sessions"))
                .add_column(timestamp_with_time_zone_null(n("last_seen_at")))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(n("api_tokens"))
                .add_column(timestamp_with_time_zone_null(n("expires_at")))
                .to_owned(),
        )
        .await?;
        // `read` (GET only) or `write` (everything the user may do, as before scopes)
        m.alter_table(
            Table::alter()
                .table(n("api_tokens"))
                .add_column(string_len(n("scope"), 8).default("write"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in [
            ("api_tokens", "scope"),
            ("api_tokens", "expires_at"),
            ("sessions", "last_seen_at"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(n(table))
                    .drop_column(n(column))
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(n("rate_limit_hits")).to_owned())
            .await
    }
}
