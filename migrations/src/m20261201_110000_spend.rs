//! Spend analysis: uploaded payments files kept in the database in chunks (every server
//! process on one PostgreSQL can read them, which a file on one machine's disk is not),
//! the analyses and what they found, and each buyer's remembered matching decisions.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_110000_spend"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("uploads"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                .col(big_integer_null(n("created_by")))
                // `text/csv`, the XLSX type, or what the client said
                .col(string_len(n("content_type"), 200))
                .col(big_integer(n("size_bytes")))
                .col(integer(n("chunks")))
                .col(timestamp_with_time_zone(n("created_at")))
                .foreign_key(&mut fk_cascade(
                    "uploads",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("uploads", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("upload_chunks"))
                .col(big_integer(n("upload_id")))
                // 0-based position in the file; each chunk is at most 1 MiB
                .col(integer(n("seq")))
                .col(blob(n("data")))
                .primary_key(Index::create().col(n("upload_id")).col(n("seq")))
                .foreign_key(&mut fk_cascade("upload_chunks", "upload_id", "uploads"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(n("spend_analyses"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                .col(big_integer_null(n("created_by")))
                .col(string_len(n("name"), 200))
                .col(big_integer_null(n("upload_id")))
                // queued | running | done | failed
                .col(string_len(n("status"), 16))
                .col(big_integer_null(n("job_id")))
                // the buyer's `columns=` as given, and the mapping the job used
                .col(text_null(n("columns_spec")))
                .col(json_null(n("layout")))
                .col(json(n("area")))
                .col(json(n("region")))
                .col(json(n("assumptions")))
                // overall, per year, per category, leakage and LM3 (see the service)
                .col(json_null(n("figures")))
                .col(big_integer(n("rows_accepted")).default(0))
                .col(big_integer(n("rows_refused")).default(0))
                .col(big_integer(n("rows_blank")).default(0))
                .col(big_integer(n("total")).default(0))
                .col(big_integer(n("matched_total")).default(0))
                .col(double_null(n("local_share")))
                .col(double_null(n("sme_share")))
                .col(double_null(n("social_economy_share")))
                // why the file could not be analysed (columns not found, unreadable)
                .col(text_null(n("error")))
                .col(json_null(n("error_fields")))
                // bumped by each review decision: the job re-runs once per revision
                .col(integer(n("revision")).default(0))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone_null(n("finished_at")))
                .foreign_key(&mut fk_cascade(
                    "spend_analyses",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("spend_analyses", "created_by", "users"))
                .foreign_key(&mut fk_set_null("spend_analyses", "upload_id", "uploads"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("spend_analyses", &["organisation_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(n("spend_analysis_suppliers"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("analysis_id")))
                // the supplier organisation; no foreign key: the analysis is a record of
                // what was paid, and stays when a supplier leaves the registry
                .col(big_integer(n("supplier_id")))
                .col(string_len(n("name"), 500))
                .col(big_integer(n("amount")))
                .col(big_integer(n("rows")))
                .col(double(n("confidence")))
                .col(boolean(n("local")))
                .col(boolean(n("region")))
                .col(boolean(n("sme")))
                .col(boolean(n("social_economy")))
                .col(boolean(n("real_living_wage")))
                .col(json(n("lm3")))
                .foreign_key(&mut fk_cascade(
                    "spend_analysis_suppliers",
                    "analysis_id",
                    "spend_analyses",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("spend_analysis_suppliers", &["analysis_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(n("spend_analysis_payees"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("analysis_id")))
                // the normalised payee name: the group and the alias key
                .col(string_len(n("key"), 1000))
                .col(string_len(n("name"), 1000))
                // review | unmatched
                .col(string_len(n("status"), 16))
                .col(string_len_null(n("reason"), 32))
                .col(big_integer(n("amount")))
                .col(big_integer(n("rows")))
                .col(big_integer(n("first_row")))
                .col(json_null(n("candidates")))
                .foreign_key(&mut fk_cascade(
                    "spend_analysis_payees",
                    "analysis_id",
                    "spend_analyses",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "spend_analysis_payees",
            &["analysis_id", "status"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(n("spend_refused_rows"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("analysis_id")))
                .col(big_integer(n("row")))
                .col(text(n("reason")))
                .col(big_integer_null(n("amount")))
                .foreign_key(&mut fk_cascade(
                    "spend_refused_rows",
                    "analysis_id",
                    "spend_analyses",
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("spend_refused_rows", &["analysis_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(n("spend_aliases"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("organisation_id")))
                // name | creditor_ref
                .col(string_len(n("key_kind"), 16))
                .col(string_len(n("key_value"), 1000))
                // confirmed | rejected | not_registered
                .col(string_len(n("decision"), 16))
                .col(big_integer_null(n("supplier_id")))
                .col(big_integer_null(n("decided_by")))
                .col(timestamp_with_time_zone(n("decided_at")))
                .foreign_key(&mut fk_cascade(
                    "spend_aliases",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("spend_aliases", "decided_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "spend_aliases",
            &["organisation_id", "key_kind", "key_value"],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "spend_aliases",
            "spend_refused_rows",
            "spend_analysis_payees",
            "spend_analysis_suppliers",
            "spend_analyses",
            "upload_chunks",
            "uploads",
        ] {
            m.drop_table(Table::drop().table(n(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
