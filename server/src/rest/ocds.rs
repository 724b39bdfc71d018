//! The OCDS endpoints: a tender's release package (`GET /api/v1/tenders/{id}/ocds`) and
//! importing another portal's releases (`POST /api/v1/tenders/import`, and `…/preview`
//! which reads without writing). An import runs in one transaction in the request: the
//! 291 sample releases take well under the request budget; see the README.

use super::{ApiError, ApiPath, ApiUser, ErrorBody, MaybeApiUser};
use crate::SiteState;
use axum::extract::{DefaultBodyLimit, State};
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
    ApiPath(id): ApiPath<i64>,
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

// ---- the import page's upload (`/tenders/import`, issue 8 pages) -----------------------

/// The site's OCDS route (session cookie): the import page's upload, a plain
/// `multipart/form-data` post so that a file can be sent without JavaScript.
pub(super) fn site_router() -> Router<SiteState> {
    Router::new().route(
        "/tenders/import/upload",
        // The limit is counted as the fields stream in (`read_upload`), so the extractor's
        // default 2 MB cap does not cut real packages short.
        post(upload_form).layer(DefaultBodyLimit::disable()),
    )
}

/// The `file` (or pasted `json`) of the upload form, at most the import's limit.
async fn read_upload(form: &mut axum::extract::Multipart) -> Result<String, backend::ServiceError> {
    use backend::ServiceError;
    let broke = |e: axum::extract::multipart::MultipartError| {
        ServiceError::field("file", format!("the upload broke off: {e}"))
    };
    let (mut file, mut pasted) = (Vec::new(), Vec::new());
    let mut total = 0usize;
    while let Some(mut field) = form.next_field().await.map_err(broke)? {
        let name = field.name().unwrap_or_default().to_owned();
        while let Some(chunk) = field.chunk().await.map_err(broke)? {
            total += chunk.len();
            if total > IMPORT_MAX_BYTES {
                return Err(ServiceError::field(
                    "file",
                    format!(
                        "the upload is larger than {} MB: split the package",
                        IMPORT_MAX_BYTES / (1024 * 1024)
                    ),
                ));
            }
            match name.as_str() {
                "file" => file.extend_from_slice(&chunk),
                "json" => pasted.extend_from_slice(&chunk),
                _ => {}
            }
        }
    }
    let bytes = if file.iter().all(u8::is_ascii_whitespace) {
        pasted
    } else {
        file
    };
    String::from_utf8(bytes)
        .map_err(|_| ServiceError::field("file", "the file is not text (OCDS is UTF-8 JSON)"))
}

/// Keeps an OCDS upload and goes to its preview; what is not OCDS goes back to the form
/// with the reason beside the file field (a one-time flash, as the pages' forms do).
async fn upload_form(
    State(state): State<AppState>,
    super::SessionUser(user): super::SessionUser,
    mut form: axum::extract::Multipart,
) -> Response {
    use axum::response::Redirect;
    let result = match read_upload(&mut form).await {
        Ok(text) => app::server_fns::ocds::keep_upload(&state, &user.actor, text).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/tenders/import?upload={id}")).into_response(),
        Err(e) => {
            let e = app::error::AppError::from(e);
            let mut errors = domain::validation::FieldErrors::new();
            match &e {
                app::error::AppError::Validation(f) => errors.merge(f.clone()),
                other => errors.add("form", other.to_string()),
            }
            let flash = domain::forms::Flash {
                form: "ocds_upload".into(),
                errors,
                ..Default::default()
            };
            let mut res = Redirect::to("/tenders/import").into_response();
            match backend::services::flash::put(&state.db, &flash).await {
                Ok(id) => {
                    let secure = if state.env.config.secure_cookies {
                        "; Secure"
                    } else {
                        ""
                    };
                    let cookie = format!(
                        "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600{secure}",
                        app::web::FLASH_COOKIE
                    );
                    if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
                        res.headers_mut().insert(header::SET_COOKIE, v);
                    }
                }
                Err(err) => tracing::error!(error = ?err, "storing the upload's flash failed"),
            }
            res
        }
    }
}
