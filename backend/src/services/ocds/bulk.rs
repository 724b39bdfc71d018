//! Bulk import of other portals' OCDS files (`anchorlink ocds import FILE|DIR|-`): each
//! file is one unit of work (all of it or none of it, like an upload), and a release
//! already held here at the same release id and date is left alone, so running a nightly
//! feed twice imports nothing the second time and alerts nobody again. Every import asks
//! for alerts in its own transaction, as an upload does.

use super::import;
use crate::entities::tender;
use crate::error::ServiceError;
use crate::state::AppState;
use domain::accounts::Actor;
use domain::ocds::ImportedTender;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReport {
    /// Notices new here.
    pub imported: usize,
    /// Notices held here that changed (a newer release).
    pub updated: usize,
    /// Releases already held at the same release id and date: left alone.
    pub unchanged: usize,
    /// Why the file was refused (then nothing of it was written).
    pub refused: Option<String>,
}

/// The same release is already here: same ocid, same release id and same date.
async fn already_held(db: &impl ConnectionTrait, t: &ImportedTender) -> Result<bool, DbErr> {
    let Some(release_id) = t.release_id.as_deref() else {
        return Ok(false);
    };
    Ok(tender::Entity::find()
        .filter(tender::Column::Ocid.eq(t.ocid.as_str()))
        .one(db)
        .await?
        .is_some_and(|held| {
            held.source_release_id.as_deref() == Some(release_id)
                && held.source_release_date == t.date
        }))
}

fn reason(e: &ServiceError) -> String {
    match e {
        ServiceError::Validation(fields) => fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; "),
        ServiceError::Forbidden => {
            "only an active buyer (or an admin with an organisation) may import".to_owned()
        }
        other => format!("{other:#}"),
    }
}

/// Imports one file's text for the actor's organisation, in one transaction.
pub async fn import_file(state: &AppState, actor: &Actor, text: &str) -> FileReport {
    let tenders = match import::read(&state.env, text) {
        Ok(t) => t,
        Err(e) => {
            return FileReport {
                refused: Some(reason(&e)),
                ..FileReport::default()
            }
        }
    };
    let result = async {
        let w = state.write().await?;
        let mut fresh = Vec::new();
        let mut unchanged = 0;
        for t in tenders {
            if already_held(&w, &t).await? {
                unchanged += 1;
            } else {
                fresh.push(t);
            }
        }
        let done = if fresh.is_empty() {
            Vec::new()
        } else {
            import::import_tenders(&w, actor, &fresh).await?.tenders
        };
        w.commit().await?;
        Ok::<_, ServiceError>(FileReport {
            imported: done.iter().filter(|t| !t.updated && !t.unchanged).count(),
            updated: done.iter().filter(|t| t.updated).count(),
            unchanged: unchanged + done.iter().filter(|t| t.unchanged).count(),
            refused: None,
        })
    }
    .await;
    result.unwrap_or_else(|e| FileReport {
        refused: Some(reason(&e)),
        ..FileReport::default()
    })
}
