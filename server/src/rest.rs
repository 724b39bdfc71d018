//! The REST API under `/api/v1`: bearer-token authentication, JSON in and out, and every
//! error as `{"errors": {"field": "message"}}`. Handlers are thin: one service call each.

use app::error::AppError;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::services::accounts::auth;
use backend::services::registry::{profiles as suppliers, search};
use backend::state::AppState;
use backend::ServiceError;
use domain::accounts::dto::CurrentUser;
use domain::registry::dto::{ProfilePatch, SearchQuery, SearchResults, SupplierProfile};
use serde_json::json;
use utoipa::OpenApi;

/// An API error as JSON.
pub struct ApiError(pub AppError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        Self(e.into())
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
        (status, Json(json!({ "errors": errors }))).into_response()
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
        let state = &AppState::from_ref(state);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let user = auth::user_for_api_token(&state.db, auth::bare_api_token(token))
            .await?
            .ok_or(ApiError(AppError::Unauthenticated))?;
        Ok(Self(user))
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

/// JSON body extraction whose failures use the API's error shape.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> axum::extract::FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError(AppError::field("body", e.body_text()))),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Anchorlink API", version = "1", description = "Registry of local suppliers for public buyers. Authenticate with `Authorization: Bearer <token>` from `anchorlink tokens issue`."),
    paths(list_suppliers, get_supplier, create_supplier, update_supplier, crate::export::api_suppliers_csv),
    components(schemas(ProfileBody, ErrorBody)),
    modifiers(&BearerAuth)
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

/// Documentation shape of a profile body (all fields optional on PUT).
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the JSON accepted by ProfilePatch for the OpenAPI document"
)]
struct ProfileBody {
    name: Option<String>,
    trading_name: Option<String>,
    #[schema(example = "worker_coop")]
    legal_form: Option<String>,
    postcode: Option<String>,
    cpv: Option<Vec<String>>,
    capability_statement: Option<String>,
    keywords: Option<Vec<String>>,
    employees: Option<u32>,
    turnover_gbp: Option<u64>,
    max_contract_value_gbp: Option<u64>,
    min_contract_value_gbp: Option<u64>,
    vat_number: Option<String>,
    website: Option<String>,
    year_founded: Option<i32>,
    service_radius_km: Option<u32>,
    service_outcodes: Option<Vec<String>>,
    ownership_model: Option<String>,
    local_staff_pct: Option<u8>,
    local_spend_pct: Option<u8>,
    published: Option<bool>,
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
pub fn router() -> Router<crate::SiteState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/suppliers", get(list_suppliers).post(create_supplier))
        .route("/suppliers/{id}", get(get_supplier).put(update_supplier))
        .route("/suppliers.csv", get(crate::export::api_suppliers_csv))
        .fallback(|| async { ApiError(AppError::NotFound) })
}

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// Search suppliers (buyers and admins).
#[utoipa::path(get, path = "/api/v1/suppliers", security(("bearer" = [])),
    params(
        ("q" = Option<String>, Query, description = "Words"),
        ("cpv" = Option<String>, Query, description = "CPV code; matches the code and its descendants"),
        ("near" = Option<String>, Query, description = "Postcode or outcode"),
        ("within_km" = Option<f64>, Query, description = "Radius from `near`, default 25"),
        ("legal_form" = Option<String>, Query, description = "Legal form slugs, comma-separated (any of)"),
        ("size" = Option<String>, Query, description = "micro, small, medium, large; comma-separated (any of)"),
        ("area" = Option<String>, Query, description = "Named areas: outcodes, comma-separated"),
        ("accreditation" = Option<String>, Query, description = "Accreditation kinds, comma-separated (all of)"),
        ("valid_on" = Option<String>, Query, description = "Accreditations valid on this date (YYYY-MM-DD)"),
        ("verified" = Option<bool>, Query), ("social_economy" = Option<bool>, Query),
        ("min_capacity" = Option<u64>, Query, description = "Largest contract the supplier takes ≥ this (£)"),
        ("sort" = Option<String>, Query, description = "relevance (default), distance, name, updated"),
        ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, description = "`{total, results, facets}`"), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn list_suppliers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    if !user.can_search() {
        return Err(ApiError(AppError::Forbidden));
    }
    Ok(Json(search::search(&state, &q).await?))
}

/// One supplier's published profile.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The profile"), (status = 404, body = ErrorBody)))]
async fn get_supplier(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    Path(id): Path<i64>,
) -> Result<Json<SupplierProfile>, ApiError> {
    Ok(Json(
        suppliers::public_profile(&state, user.as_ref(), id).await?,
    ))
}

/// A supplier user fills in and publishes its own organisation's profile.
#[utoipa::path(post, path = "/api/v1/suppliers", security(("bearer" = [])), request_body = ProfileBody,
    responses((status = 201, description = "The profile"), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_supplier(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(mut patch): JsonBody<ProfilePatch>,
) -> Result<(StatusCode, Json<SupplierProfile>), ApiError> {
    let org = suppliers::own_organisation(&user)?;
    let existing = suppliers::load_profile(&state.db, &state.cpv, org).await?;
    if existing.published {
        return Err(ApiError(AppError::Conflict(format!(
            "your organisation's profile already exists: PUT /api/v1/suppliers/{org}"
        ))));
    }
    let mut missing = domain::validation::FieldErrors::new();
    if patch.name.as_ref().is_none_or(|n| n.as_str().is_empty()) {
        missing.add("name", "name is required");
    }
    if patch.legal_form.is_none() {
        missing.add("legal_form", "legal_form is required");
    }
    if !missing.is_empty() {
        return Err(ApiError(AppError::Validation(missing)));
    }
    patch.published.get_or_insert(true);
    suppliers::apply_patch(&state, &user, org, &patch).await?;
    Ok((
        StatusCode::CREATED,
        Json(suppliers::load_profile(&state.db, &state.cpv, org).await?),
    ))
}

/// Changes a profile: only its own organisation's users (or an admin) may.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ProfileBody,
    responses((status = 200, description = "The profile"), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn update_supplier(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<ProfilePatch>,
) -> Result<Json<SupplierProfile>, ApiError> {
    suppliers::ensure_can_edit(&user, id)?;
    suppliers::apply_patch(&state, &user, id, &patch).await?;
    Ok(Json(
        suppliers::load_profile(&state.db, &state.cpv, id).await?,
    ))
}
