//! `tender_items` table: a tender's requirement lines. Schema only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tender_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tender_id: i64,
    pub position: i32,
    pub description: String,
    pub cpv: Option<String>,
    pub value_gbp: Option<i64>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_outcode: Option<String>,
    pub lot_id: Option<i64>,
    pub ocds_item_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
