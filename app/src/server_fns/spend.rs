//! Server functions of the spend context: the buyer's analyses and one analysis's results,
//! for the pages. Uploads and review decisions are plain form posts to the site routes
//! `/spend/upload` and `/spend/{id}/review` (a file cannot travel through a server
//! function as a stream), which answer with the job's progress page.

use crate::error::AppError;
use domain::spend::dto::{AnalysisBundle, AnalysisListItem};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, respond};

/// The signed-in buyer organisation's analyses, newest first.
#[server(endpoint = "spend-analyses")]
pub async fn list_analyses() -> Result<Vec<AnalysisListItem>, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(backend::services::spend::analyses::list(&state.db, &user.actor).await)
}

/// One analysis with its breakdowns, for its owner buyer organisation and admins.
#[server(endpoint = "spend-analysis")]
pub async fn get_analysis(id: i64) -> Result<AnalysisBundle, AppError> {
    use backend::services::spend::analyses as a;
    let state = web::state()?;
    let user = web::require_user().await?;
    let (db, actor) = (&state.db, &user.actor);
    let bundle = async {
        Ok::<_, backend::ServiceError>(AnalysisBundle {
            summary: a::summary(db, actor, id).await?,
            categories: a::categories(db, actor, id).await?,
            leakage: a::leakage(db, actor, id).await?,
            suppliers: a::suppliers(db, actor, id).await?,
            review: a::review(db, actor, id).await?,
            unmatched: a::unmatched(db, actor, id).await?,
        })
    };
    respond(bundle.await)
}

/// The mapping step of an uploaded file: the columns found (with `columns`, the buyer's
/// choices as the API's `columns=` value, applied over them) and the first rows read
/// with them.
#[server(endpoint = "spend-columns")]
pub async fn column_preview(
    id: i64,
    columns: Option<String>,
) -> Result<domain::spend::dto::ColumnsPreview, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(
        backend::services::spend::mapping::preview(&state, &user.actor, id, columns.as_deref())
            .await,
    )
}
