//! `outcodes` table. Schema only; behaviour lives in `crate::services`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "outcodes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub outcode: String,
    pub latitude: f64,
    pub longitude: f64,
    pub town: String,
    pub county: String,
    pub country: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
