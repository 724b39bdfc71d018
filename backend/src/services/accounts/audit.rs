//! The audit log: who did what to whom, for the platform team.

use crate::entities::audit_entry;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Records one action.
///
/// # Errors
/// The insert failed.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<i64>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        actor_user_id: Set(actor),
        action: Set(action.to_owned()),
        subject: Set(subject.to_owned()),
        detail: Set(detail.to_owned()),
        created_at: Set(crate::services::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
