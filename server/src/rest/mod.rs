//! The REST API under `/api/v1` and the site's file downloads, one module per bounded
//! context (`registry` today; `tendering`, `ocds` and `spend` will add theirs). Here: what
//! every handler shares — the error shape `{"errors": {"field": "message"}}`, the caller
//! (an API token, or for downloads the session cookie), JSON bodies, the OpenAPI document.
//! Handlers are thin: who is calling, one service call, the answer.

pub mod ocds;
pub mod registry;
pub mod spend;
// CSV and XLSX downloads of tables (spend, issue 9)
pub mod downloads;
// registry figures (issue 9)
pub mod figures;
pub mod tendering;
// how path, query and body are read, and every refusal as the API's error shape (issue 13)
pub mod input;
pub use input::{ApiPath, ApiQuery, ErrorResponses, JsonBody};
// opportunities, interest and partners (issue 12)
pub mod opportunities;
// opportunity alerts: unsubscribe and feeds (issue 12)
pub mod alerts;

use crate::SiteState;
use app::error::AppError;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::services::accounts::sessions;
use backend::{AppState, ServiceError};
use domain::accounts::dto::CurrentUser;
use domain::registry::dto::{IdentifierInput, ProfilePatch, SupplierProfile};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::json;
use utoipa::OpenApi;

/// An API error as JSON.
pub struct ApiError(pub AppError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        Self(e.into())
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self(ServiceError::from(e).into())
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let errors = match &self.0 {
            AppError::Validation(fields) => serde_json::to_value(fields).unwrap_or_default(),
            AppError::Unauthenticated => {
                json!({ "authorization": "Send a valid API token as `Authorization: Bearer …`" })
            }
            AppError::Forbidden => json!({ "authorization": "This token may not do that" }),
            AppError::NotFound => json!({ "id": "not found" }),
            other => json!({ "request": other.to_string() }),
        };
        let mut response = (status, Json(json!({ "errors": errors }))).into_response();
        if let Some(secs) = self.0.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        response
    }
}

/// The user behind the request's bearer token.
pub struct ApiUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let caller = sessions::api_caller(&state.db, token)
            .await?
            .ok_or(ApiError(AppError::Unauthenticated))?;
        if !caller.scope.allows(&parts.method) {
            // A read-only token: 403, `{"errors": {"authorization": …}}`.
            return Err(ApiError(AppError::Forbidden));
        }
        Ok(Self(caller.user))
    }
}

/// Optional bearer token: public endpoints show more to members.
pub struct MaybeApiUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeApiUser
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Ok(Self(None));
        }
        ApiUser::from_request_parts(parts, state)
            .await
            .map(|u| Self(Some(u.0)))
    }
}

/// The signed-in user of a browser request (a download link on a page); a visitor is sent
/// to sign in and come back.
pub struct SessionUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for SessionUser
where
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let user = sessions::signed_in(&state.db, &state.env, &parts.headers)
            .await
            .map_err(page_error)?;
        user.map(Self).ok_or_else(|| {
            let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&format!(
                "/login?next={}",
                utf8_percent_encode(back, NEXT_PATH)
            ))
            .into_response()
        })
    }
}

/// What stays as it is in the `next` path after sign-in: unreserved characters and `/`,
/// so the path reads as a path; everything else (`?`, `&`, `=`…) is escaped.
const NEXT_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// An error as a short plain-text page with the right status (for downloads, which a
/// browser shows as a page).
pub fn page_error(e: ServiceError) -> Response {
    let e = AppError::from(e);
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = match &e {
        AppError::Validation(fields) => {
            let lines: Vec<String> = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
            format!("The search could not be exported:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    };
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Anchorlink API", version = "1", description = "Registry of local suppliers for public buyers. Authenticate with `Authorization: Bearer <token>` from `anchorlink tokens issue`."),
    paths(
        registry::list_suppliers,
        registry::get_supplier,
        registry::create_supplier,
        registry::update_supplier,
        registry::api_suppliers_csv,
        registry::suggest_cpv,
        // tendering and OCDS (issue 8)
        tendering::list_tenders,
        tendering::create_tender,
        tendering::get_tender,
        tendering::update_tender,
        tendering::upload_lines,
        tendering::market_depth,
        tendering::market_suppliers,
        tendering::lot_plan,
        tendering::save_lots,
        tendering::evaluate_lots,
        tendering::publish,
        tendering::close,
        tendering::cancel,
        ocds::tender_ocds,
        ocds::import_ocds,
        ocds::preview_ocds,
        // spend analysis (issue 9)
        spend::create_analysis,
        spend::list_analyses,
        spend::get_analysis,
        spend::get_categories,
        spend::get_leakage,
        spend::get_suppliers,
        spend::get_unmatched,
        spend::get_review,
        spend::post_review,
        // registry figures (issue 9)
        figures::get_figures,
        // opportunities, interest and partners (issue 12)
        opportunities::list_opportunities,
        opportunities::mark_interest,
        opportunities::withdraw_interest,
        opportunities::tender_interest,
        opportunities::tender_interest_csv_api,
        opportunities::lot_partners,
        opportunities::ask_partner,
        opportunities::list_partner_requests,
        opportunities::accept_partner,
        opportunities::decline_partner
    ),
    components(schemas(ProfilePatch, IdentifierInput, SupplierProfile, ErrorBody)),
    modifiers(&BearerAuth, &ErrorResponses)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every error: field name → message.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the error JSON for the OpenAPI document"
)]
pub(crate) struct ErrorBody {
    errors: std::collections::BTreeMap<String, String>,
}

/// Routes under `/api/v1`.
pub fn router() -> Router<SiteState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(registry::api_router())
        // tendering and OCDS (issue 8)
        .merge(tendering::api_router())
        .merge(ocds::api_router())
        // spend analysis (issue 9)
        .merge(spend::api_router())
        // registry figures (issue 9)
        .merge(figures::api_router())
        // opportunities, interest and partners (issue 12)
        .merge(opportunities::api_router())
        .fallback(|| async { ApiError(AppError::NotFound) })
        .layer(axum::middleware::map_response(input::json_errors))
}

/// The site's download routes (session cookie).
pub fn site_router() -> Router<SiteState> {
    registry::site_router()
        // spend analysis (issue 9)
        .merge(spend::site_router())
        // tendering: the editor's lines upload and template (issue 8)
        .merge(tendering::site_router())
        // the OCDS import page's upload (issue 8 pages)
        .merge(ocds::site_router())
        // registry figures (issue 9)
        .merge(figures::site_router())
        // the buyer's interest CSV (issue 12)
        .merge(opportunities::site_router())
        // opportunity alerts: unsubscribe and feeds (issue 12)
        .merge(alerts::site_router())
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
