//! Tenders: a buyer organisation's tender (drafted here or imported from another portal
//! as OCDS), its requirement lines (OCDS items) and its lots.

use crate::ident::{fk_cascade, fk_set_null, index, n};
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_100000_tendering"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(n("tenders"))
                .col(big_pk_auto(n("id")))
                // the buyer organisation that owns it (for imports: the importer's)
                .col(big_integer(n("organisation_id")))
                .col(big_integer_null(n("created_by")))
                // set for every tender: the prefix and id for ours, the given one for imports
                .col(string_len_null(n("ocid"), 200))
                // local | imported
                .col(string_len(n("source"), 16))
                .col(string_len_null(n("source_release_id"), 300))
                .col(timestamp_with_time_zone_null(n("source_release_date")))
                // the buyer as an imported notice names it (ours: the organisation)
                .col(string_len_null(n("buyer_name"), 300))
                .col(string_len_null(n("buyer_id_scheme"), 64))
                .col(string_len_null(n("buyer_id"), 200))
                .col(string_len(n("title"), 300))
                .col(text(n("description")).default(""))
                .col(big_integer_null(n("estimated_value_gbp")))
                .col(timestamp_with_time_zone_null(n("deadline")))
                .col(timestamp_with_time_zone_null(n("contract_start")))
                .col(timestamp_with_time_zone_null(n("contract_end")))
                // draft | published | closed | cancelled
                .col(string_len(n("status"), 16))
                // {"outcodes": [...]} or {"near": "PR1", "within_km": 20}
                .col(json_null(n("local_area")))
                // divide or explain (Procurement Act 2023 s.18): why one lot
                .col(text_null(n("single_lot_reason")))
                .col(integer_null(n("max_lots_bid_per_supplier")))
                .col(integer_null(n("max_lots_won_per_supplier")))
                // the planner constraints last used
                .col(json_null(n("plan_constraints")))
                // what an import found missing or odd (a list of sentences)
                .col(json_null(n("import_warnings")))
                .col(timestamp_with_time_zone_null(n("published_at")))
                .col(timestamp_with_time_zone(n("created_at")))
                .col(timestamp_with_time_zone(n("updated_at")))
                .foreign_key(&mut fk_cascade(
                    "tenders",
                    "organisation_id",
                    "organisations",
                ))
                .foreign_key(&mut fk_set_null("tenders", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("tenders", &["ocid"], true)).await?;
        m.create_index(index("tenders", &["organisation_id"], false))
            .await?;
        m.create_index(index("tenders", &["status"], false)).await?;

        m.create_table(
            Table::create()
                .table(n("tender_lots"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("tender_id")))
                .col(integer(n("position")))
                .col(string_len(n("title"), 300))
                .col(text(n("description")).default(""))
                // the lot's id in OCDS (imported lots keep theirs)
                .col(string_len_null(n("ocds_lot_id"), 200))
                .foreign_key(&mut fk_cascade("tender_lots", "tender_id", "tenders"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("tender_lots", &["tender_id", "position"], false))
            .await?;

        m.create_table(
            Table::create()
                .table(n("tender_items"))
                .col(big_pk_auto(n("id")))
                .col(big_integer(n("tender_id")))
                .col(integer(n("position")))
                .col(text(n("description")))
                // 8 digits without check digit; imported items may have none
                .col(string_len_null(n("cpv"), 8))
                .col(big_integer_null(n("value_gbp")))
                .col(double_null(n("quantity")))
                .col(string_len_null(n("unit"), 100))
                .col(string_len_null(n("delivery_postcode"), 10))
                .col(string_len_null(n("delivery_outcode"), 4))
                .col(big_integer_null(n("lot_id")))
                // the item's id in OCDS (imported items keep theirs)
                .col(string_len_null(n("ocds_item_id"), 200))
                .foreign_key(&mut fk_cascade("tender_items", "tender_id", "tenders"))
                .foreign_key(&mut fk_set_null("tender_items", "lot_id", "tender_lots"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("tender_items", &["tender_id", "position"], false))
            .await?;
        m.create_index(index("tender_items", &["lot_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["tender_items", "tender_lots", "tenders"] {
            m.drop_table(Table::drop().table(n(t)).to_owned()).await?;
        }
        Ok(())
    }
}
