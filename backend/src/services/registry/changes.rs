//! Records that a supplier's searchable data changed, inside the writer's transaction, so
//! that every process's search index can follow (see `search_index`).

use crate::entities::registry_change;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Asks for every index to rebuild (after bulk loads).
pub const EVERYTHING: i64 = 0;

/// Notes a change to one organisation (or `EVERYTHING`).
///
/// # Errors
/// The insert failed.
pub async fn changed(db: &impl ConnectionTrait, organisation_id: i64) -> Result<(), DbErr> {
    registry_change::ActiveModel {
        organisation_id: Set(organisation_id),
        changed_at: Set(crate::services::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
