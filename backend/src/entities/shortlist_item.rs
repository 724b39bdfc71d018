//! `shortlist_items` table. Schema only; behaviour lives in `crate::services`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "shortlist_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub shortlist_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub supplier_id: i64,
    pub added_by: Option<i64>,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
