//! The OCDS endpoints: a tender's release package (`GET /api/v1/tenders/{id}/ocds`) and
//! importing another portal's releases (`POST /api/v1/tenders/import`, and `…/preview`
//! which reads without writing). An import runs in one transaction in the request: the
//! 291 sample releases take well under the request budget; see the README.

use super::{ApiError, ApiUser, ErrorBody, MaybeApiUser};
use crate::SiteState;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::services::ocds::{export, import};
use backend::AppState;
use domain::tendering::dto::ImportResult;

/// The largest upload accepted (a package of a few thousand releases).
const IMPORT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new()
        .route("/tenders/{id}/ocds", get(tender_ocds))
        .route(
            "/tenders/import",
            post(import_ocds).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .route(
            "/tenders/import/preview",
            post(preview_ocds).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
}

/// The tender as an OCDS 1.1 release package with the lots extension.
#[utoipa::path(get, path = "/api/v1/tenders/{id}/ocds", params(("id" = i64, Path)),
    responses((status = 200, description = "An OCDS release package", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub(super) async fn tender_ocds(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let viewer = user.as_ref().map(|u| &u.actor);
    let package = export::package(&state.db, &state.env, viewer, id).await?;
    Ok((
        [(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"tender-{id}-ocds.json\""),
        )],
        Json(package),
    )
        .into_response())
}

/// Imports a release, a release package or a record package (buyers and admins): all or
/// nothing; the same ocid again updates the same tender.
#[utoipa::path(post, path = "/api/v1/tenders/import", security(("bearer" = [])),
    request_body(content = String, content_type = "application/json", description = "OCDS JSON"),
    responses((status = 201, body = ImportResult), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn import_ocds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: String,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let w = state.write().await?;
    let result = import::import(&w, &state.env, &user.actor, &body).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// Reads an upload as an import would, without writing: the tenders, their lots and
/// items, and the warnings.
#[utoipa::path(post, path = "/api/v1/tenders/import/preview", security(("bearer" = [])),
    request_body(content = String, content_type = "application/json", description = "OCDS JSON"),
    responses((status = 200, description = "The tenders as read"), (status = 422, body = ErrorBody)))]
pub(super) async fn preview_ocds(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    body: String,
) -> Result<Json<Vec<domain::ocds::ImportedTender>>, ApiError> {
    if !user.actor.can_search() {
        return Err(ApiError::from(backend::ServiceError::Forbidden));
    }
    Ok(Json(import::read(&state.env, &body)?))
}
