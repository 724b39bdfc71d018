//! Server functions for background jobs: a job's progress, for its progress page.

use crate::error::AppError;
use domain::jobs::JobView;
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, respond};

/// A job's progress and result, for the user who asked for it (and admins).
#[server(endpoint = "job")]
pub async fn get_job(id: i64) -> Result<JobView, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(backend::jobs::view(&state.db, &user.actor, id).await)
}
