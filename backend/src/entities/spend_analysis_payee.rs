//! `spend_analysis_payees` table: payees not attached (awaiting review or unmatched),
//! grouped by normalised name.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "spend_analysis_payees")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub analysis_id: i64,
    pub key: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub amount: i64,
    pub rows: i64,
    pub first_row: i64,
    pub candidates: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
