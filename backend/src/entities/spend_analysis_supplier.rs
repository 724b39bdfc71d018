//! `spend_analysis_suppliers` table: spend attached to one registered supplier.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_analysis_suppliers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub analysis_id: i64,
    pub supplier_id: i64,
    pub name: String,
    pub amount: i64,
    pub rows: i64,
    pub confidence: f64,
    pub local: bool,
    pub region: bool,
    pub sme: bool,
    pub social_economy: bool,
    pub real_living_wage: bool,
    pub lm3: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
