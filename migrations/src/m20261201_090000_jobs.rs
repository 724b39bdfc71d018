//! The durable job queue: background work (mail, imports, alerts, spend files) written in
//! the same transaction as the change that asks for it, and run by a worker that holds a
//! lease on it, so work survives restarts and two server processes never run one job at
//! once.

use crate::ident::{fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_090000_jobs"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("jobs"))
                .col(big_pk_auto(n("id")))
                // which handler runs it, e.g. `send_mail`
                .col(string_len(n("kind"), 64))
                .col(json(n("payload")))
                // queued | running | done | failed
                .col(string_len(n("status"), 16))
                .col(integer(n("attempts")).default(0))
                .col(integer(n("max_attempts")))
                // not before; moved on by the backoff after a failure
                .col(timestamp_with_time_zone(n("run_at")))
                // the worker running it, and until when its claim holds
                .col(string_len_null(n("lease_owner"), 128))
                .col(timestamp_with_time_zone_null(n("lease_until")))
                .col(big_integer(n("progress_done")).default(0))
                .col(big_integer_null(n("progress_total")))
                .col(string_len(n("progress_note"), 500).default(""))
                .col(json_null(n("result")))
                .col(text_null(n("last_error")))
                // who asked, for showing the job's page to them (and admins) only
                .col(big_integer_null(n("requested_by_user")))
                .col(big_integer_null(n("requested_by_org")))
                // the same work asked for twice is one job
                .col(string_len_null(n("dedupe_key"), 200))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .col(timestamp_with_time_zone_null(n("finished_at")))
                .foreign_key(&mut fk_set_null("jobs", "requested_by_user", "users"))
                .foreign_key(&mut fk_set_null(
                    "jobs",
                    "requested_by_org",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("jobs", &["status", "run_at"], false))
            .await?;
        m.create_index(index("jobs", &["dedupe_key"], true)).await?;
        m.create_index(index("jobs", &["requested_by_user"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(n("jobs")).to_owned())
            .await
    }
}
