//! `spend_analyses` table. Behaviour lives in `crate::services::spend`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_analyses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub created_by: Option<i64>,
    pub name: String,
    pub upload_id: Option<i64>,
    pub status: String,
    pub job_id: Option<i64>,
    pub columns_spec: Option<String>,
    pub layout: Option<Json>,
    pub area: Json,
    pub region: Json,
    pub assumptions: Json,
    pub figures: Option<Json>,
    pub rows_accepted: i64,
    pub rows_refused: i64,
    pub rows_blank: i64,
    pub total: i64,
    pub matched_total: i64,
    pub local_share: Option<f64>,
    pub sme_share: Option<f64>,
    pub social_economy_share: Option<f64>,
    pub error: Option<String>,
    pub error_fields: Option<Json>,
    pub revision: i32,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
