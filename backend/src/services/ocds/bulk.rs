//! Bulk import of other portals' OCDS files (`anchorlink ocds import FILE|DIR|-`): each
//! file is one unit of work (all of it or none of it, like an upload), and a release
//! already held here at the same release id and date is left alone, so running a nightly
//! feed twice imports nothing the second time and alerts nobody again. Every import asks
//! for alerts in its own transaction, as an upload does.

use super::import;
use crate::entities::{tender, user};
use crate::error::ServiceError;
use crate::state::AppState;
use domain::accounts::{Actor, Membership, OrgKind, OrgStatus, Role, UserStatus};
use domain::ocds::ImportedTender;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The organisation that holds notices imported from the command line without `--as`.
pub const PORTALS_ORGANISATION: &str = "Notices from other portals";

/// Who a bulk import runs as when no user is named: the platform's first active admin,
/// holding the notices in the organisation [`PORTALS_ORGANISATION`] (made on first use,
/// an active buyer organisation, so its notices are public and its buyers could plan
/// them) unless the admin belongs to one.
///
/// # Errors
/// `Validation` on `as` when there is no active admin; database failures.
pub async fn platform_importer(db: &impl ConnectionTrait) -> crate::error::ServiceResult<Actor> {
    let Some(admin) = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.slug()))
        .filter(user::Column::Status.eq(UserStatus::Active.slug()))
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?
    else {
        let mut errors = domain::validation::FieldErrors::new();
        errors.add(
            "as",
            "no active admin to import for: name the buyer with --as EMAIL \
             (or add an admin with `anchorlink users add --role admin`)",
        );
        return Err(errors.into());
    };
    let organisation_id = match admin.organisation_id {
        Some(id) => id,
        None => match crate::services::accounts::admin::find_buyer_org(db, PORTALS_ORGANISATION)
            .await?
        {
            Some(o) => o.id,
            None => {
                crate::services::accounts::auth::insert_organisation(
                    db,
                    OrgKind::Buyer,
                    PORTALS_ORGANISATION,
                )
                .await?
            }
        },
    };
    Ok(Actor {
        user_id: admin.id,
        role: Role::Admin,
        status: UserStatus::Active,
        organisation: Some(Membership {
            organisation_id,
            status: OrgStatus::Active,
        }),
    })
}

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
