//! Opportunity alerts (issue 12): each user's alert setting, the record of which supplier
//! was matched to which lot, one delivery row per (user, lot) so no alert goes twice, the
//! one-click unsubscribe links, and the secrets of the private per-supplier feeds.

use crate::ident::{fk_cascade, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_110000_alerts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No row: alerts are immediate and nothing has been seen yet.
        m.create_table(
            Table::create()
                .table(n("alert_settings"))
                .col(big_integer(n("user_id")).primary_key())
                // immediate | daily | off
                .col(string_len(n("mode"), 16))
                // the in-app list shows matches newer than this as new
                .col(timestamp_with_time_zone_null(n("seen_until")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk_cascade("alert_settings", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("lot_matches"))
                .col(big_pk_auto(n("id")))
                // the supplier organisation
                .col(big_integer(n("supplier_id")))
                .col(big_integer(n("tender_id")))
                // the lot's id; 0 for a tender not divided into lots (one lot of everything)
                .col(big_integer(n("lot_id")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade(
                    "lot_matches",
                    "supplier_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_cascade("lot_matches", "tender_id", "tenders"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "lot_matches",
            &["supplier_id", "tender_id", "lot_id"],
            true,
        ))
        .await?;
        m.create_index(index("lot_matches", &["tender_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(n("alert_deliveries"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("user_id")))
                .col(big_integer(n("tender_id")))
                // as in `lot_matches`: 0 for an undivided tender
                .col(big_integer(n("lot_id")))
                // immediate | daily: the user's setting when the lot was matched
                .col(string_len(n("mode"), 16))
                // pending | sending | sent | skipped (the user turned alerts off meanwhile)
                .col(string_len(n("status"), 16))
                .col(integer(n("attempts")).default(0))
                // the message that carries it, fixed when it is claimed, so a retry after a
                // crash sends the same message (same Message-ID, same outbox file)
                .col(string_len_null(n("message_id"), 200))
                .col(timestamp_with_time_zone_null(n("claimed_at")))
                .col(timestamp_with_time_zone_null(n("sent_at")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade("alert_deliveries", "user_id", "users"))
                .foreign_key(&mut fk_cascade("alert_deliveries", "tender_id", "tenders"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "alert_deliveries",
            &["user_id", "tender_id", "lot_id"],
            true,
        ))
        .await?;
        m.create_index(index("alert_deliveries", &["status", "mode"], false))
            .await?;
        m.create_index(index("alert_deliveries", &["message_id"], false))
            .await?;
        // One per alert mail: its SHA-256 only, so a leaked table unsubscribes nobody.
        m.create_table(
            Table::create()
                .table(n("alert_unsubscribe_links"))
                .col(string_len(n("token_hash"), 64).primary_key())
                .col(big_integer(n("user_id")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade(
                    "alert_unsubscribe_links",
                    "user_id",
                    "users",
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("supplier_feed_tokens"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("supplier_id")))
                .col(string_len(n("token_hash"), 64))
                .col(big_integer_null(n("created_by")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone_null(n("revoked_at")))
                .foreign_key(&mut fk_cascade(
                    "supplier_feed_tokens",
                    "supplier_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("supplier_feed_tokens", &["token_hash"], true))
            .await?;
        m.create_index(index("supplier_feed_tokens", &["supplier_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "supplier_feed_tokens",
            "alert_unsubscribe_links",
            "alert_deliveries",
            "lot_matches",
            "alert_settings",
        ] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
