//! `tenders` table. Schema only; behaviour lives in `crate::services::tendering`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tenders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub created_by: Option<i64>,
    pub ocid: Option<String>,
    pub source: String,
    pub source_release_id: Option<String>,
    pub source_release_date: Option<DateTimeUtc>,
    pub buyer_name: Option<String>,
    pub buyer_id_scheme: Option<String>,
    pub buyer_id: Option<String>,
    pub title: String,
    pub description: String,
    pub estimated_value_gbp: Option<i64>,
    pub deadline: Option<DateTimeUtc>,
    pub contract_start: Option<DateTimeUtc>,
    pub contract_end: Option<DateTimeUtc>,
    pub status: String,
    pub local_area: Option<Json>,
    pub single_lot_reason: Option<String>,
    pub max_lots_bid_per_supplier: Option<i32>,
    pub max_lots_won_per_supplier: Option<i32>,
    pub plan_constraints: Option<Json>,
    pub import_warnings: Option<Json>,
    pub published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
