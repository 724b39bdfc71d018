//! `uploads` table: a file a user sent, stored as `upload_chunks`. Behaviour lives in
//! `crate::services::spend::uploads`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub created_by: Option<i64>,
    pub content_type: String,
    pub size_bytes: i64,
    pub chunks: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
