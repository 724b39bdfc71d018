//! Organisations (suppliers, buyers and the platform team alike), their users, sessions,
//! one-time e-mail tokens, invitations, buyer join requests, API tokens and the audit log.
//! Tenders, lots and spend data belong to an organisation too, so they will hang off
//! `organisations` without reshaping it.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000001_create_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("organisations"))
                .col(big_pk_auto(n("id")))
                // supplier | buyer | platform
                .col(string_len(n("kind"), 16))
                .col(string_len(n("name"), 200))
                // active | suspended
                .col(string_len(n("status"), 16).default("active"))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_index(index("organisations", &["kind", "name"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("users"))
                .col(big_pk_auto(n("id")))
                .col(string_len_uniq(n("email"), 254))
                .col(string_len(n("password_hash"), 200))
                .col(string_len(n("display_name"), 200).default(""))
                // supplier | buyer | admin
                .col(string_len(n("role"), 16))
                .col(big_integer_null(n("organisation_id")))
                // active | pending_approval | suspended
                .col(string_len(n("status"), 24).default("active"))
                .col(timestamp_with_time_zone_null(n("email_verified_at")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk_set_null(
                    "users",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", &["organisation_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("sessions"))
                // SHA-256 of the cookie value: a database leak does not leak live sessions.
                .col(string_len(n("id"), 64).primary_key())
                .col(big_integer(n("user_id")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("expires_at")))
                .foreign_key(&mut fk_cascade("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["user_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("email_tokens"))
                .col(string_len(n("token_hash"), 64).primary_key())
                .col(big_integer(n("user_id")))
                // verify_email | reset_password
                .col(string_len(n("purpose"), 24))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("expires_at")))
                .col(timestamp_with_time_zone_null(n("used_at")))
                .foreign_key(&mut fk_cascade("email_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("invitations"))
                .col(big_pk_auto(n("id")))
                .col(string_len_uniq(n("token_hash"), 64))
                .col(big_integer(n("organisation_id")))
                .col(string_len(n("email"), 254))
                .col(string_len(n("role"), 16))
                .col(big_integer_null(n("invited_by")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("expires_at")))
                .col(timestamp_with_time_zone_null(n("accepted_at")))
                .foreign_key(&mut fk_cascade(
                    "invitations",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("invitations", "invited_by", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("buyer_join_requests"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("user_id")))
                .col(string_len(n("organisation_name"), 200))
                .col(string_len(n("job_title"), 200).default(""))
                .col(text(n("message")).default(""))
                // pending | approved | rejected
                .col(string_len(n("status"), 16).default("pending"))
                .col(big_integer_null(n("decided_by")))
                .col(timestamp_with_time_zone_null(n("decided_at")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade("buyer_join_requests", "user_id", "users"))
                .foreign_key(&mut fk_set_null(
                    "buyer_join_requests",
                    "decided_by",
                    "users",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("api_tokens"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("user_id")))
                .col(string_len_uniq(n("token_hash"), 64))
                .col(string_len(n("label"), 100).default(""))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone_null(n("last_used_at")))
                .col(timestamp_with_time_zone_null(n("revoked_at")))
                .foreign_key(&mut fk_cascade("api_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(n("audit_log"))
                .col(big_pk_auto(n("id")))
                .col(big_integer_null(n("actor_user_id")))
                .col(string_len(n("action"), 64))
                .col(string_len(n("subject"), 200))
                .col(text(n("detail")).default(""))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_set_null("audit_log", "actor_user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["created_at"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("form_flashes"))
                // What a no-JavaScript form post carries back to the page it came from: the
                // user's input and the field errors, read once.
                .col(string_len(n("id"), 64).primary_key())
                .col(text(n("payload")))
                .col(timestamp_with_time_zone(n("created_at")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "form_flashes",
            "audit_log",
            "api_tokens",
            "buyer_join_requests",
            "invitations",
            "email_tokens",
            "sessions",
            "users",
            "organisations",
        ] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
