//! The registry's REST endpoints (`/api/v1/suppliers…`) and the site's supplier downloads:
//! a search's whole result set or a shortlist as CSV, for a signed-in browser (session
//! cookie) or another system (bearer token). The rows come from the registry's read model
//! (`backend::services::registry::export`); this module only writes them as CSV.

use super::{
    page_error, ApiError, ApiPath, ApiQuery, ApiUser, ErrorBody, JsonBody, MaybeApiUser,
    SessionUser,
};
use crate::SiteState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::services::registry::export::{self, ExportRow};
use backend::services::registry::{cpv, profiles};
use backend::services::tendering::market::{self, Market};
use backend::AppState;
use domain::registry::dto::{
    CpvSuggestionView, ProfilePatch, SearchQuery, SearchResults, SupplierProfile,
};

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new()
        .route("/suppliers", get(list_suppliers).post(create_supplier))
        .route("/suppliers/{id}", get(get_supplier).put(update_supplier))
        .route("/suppliers.csv", get(api_suppliers_csv))
        .route("/cpv/suggest", get(suggest_cpv))
}

/// The download routes for the site (session cookie).
pub(super) fn site_router() -> Router<SiteState> {
    Router::new()
        .route("/suppliers/export.csv", get(search_csv))
        .route("/shortlists/{id}/export.csv", get(shortlist_csv))
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
        ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query),
        ("tender" = Option<i64>, Query, description = "Only the suppliers behind one of this tender's market-depth counts (the results then carry a `banner`)"),
        ("line" = Option<i64>, Query, description = "With `tender`: a line's count rather than the whole tender's"),
        ("kind" = Option<String>, Query, description = "With `tender`: capable (default), local, sme, social_economy, target, can_take_value")),
    responses((status = 200, description = "`{total, results, facets}`"), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn list_suppliers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let found =
        market::search_suppliers(&state.db, &state.env, Market::of(&state), &user.actor, &q)
            .await?;
    Ok(Json(found))
}

/// The query of `GET /api/v1/cpv/suggest`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub(super) struct SuggestQuery {
    /// A plain-language description of the work ("we prune and fell trees").
    q: String,
    /// Codes to leave out (already chosen or rejected), comma-separated.
    #[serde(default)]
    except: String,
}

/// The answer of `GET /api/v1/cpv/suggest`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(super) struct CpvSuggestions {
    suggestions: Vec<CpvSuggestionView>,
}

/// "What do you do?": CPV codes a plain-language description names, best first, each with
/// the reason (the CPV labels and the procurement thesaurus). Public: it reads reference
/// data only.
#[utoipa::path(get, path = "/api/v1/cpv/suggest", params(SuggestQuery),
    responses((status = 200, description = "Up to 10 suggestions, best first", body = CpvSuggestions), (status = 422, body = ErrorBody)))]
pub(super) async fn suggest_cpv(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<SuggestQuery>,
) -> Result<Json<CpvSuggestions>, ApiError> {
    if q.q.trim().is_empty() {
        return Err(ApiError(app::error::AppError::field(
            "q",
            "Describe the work in a few words.",
        )));
    }
    let except: Vec<String> = q.except.split(',').map(str::to_owned).collect();
    let suggestions = cpv::suggest_codes(
        &state.env,
        &state.views,
        &q.q,
        &except,
        cpv::MAX_SUGGESTIONS,
    );
    Ok(Json(CpvSuggestions { suggestions }))
}

/// One supplier's published profile.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", params(("id" = i64, Path)),
    responses((status = 200, description = "The profile", body = SupplierProfile), (status = 404, body = ErrorBody)))]
pub(super) async fn get_supplier(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SupplierProfile>, ApiError> {
    let viewer = user.as_ref().map(|u| &u.actor);
    Ok(Json(
        profiles::public_profile(&state.db, &state.env, viewer, id).await?,
    ))
}

/// A supplier user fills in and publishes its own organisation's profile.
#[utoipa::path(post, path = "/api/v1/suppliers", security(("bearer" = [])), request_body = ProfilePatch,
    responses((status = 201, description = "The profile", body = SupplierProfile), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn create_supplier(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(patch): JsonBody<ProfilePatch>,
) -> Result<(StatusCode, Json<SupplierProfile>), ApiError> {
    let w = state.write().await?;
    let org = profiles::create(&w, &state.env, &user.actor, &patch).await?;
    let profile = profiles::load_profile(&w, &state.env.cpv, org).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(profile)))
}

/// Changes a profile: only its own organisation's users (or an admin) may.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ProfilePatch,
    responses((status = 200, description = "The profile", body = SupplierProfile), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn update_supplier(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(patch): JsonBody<ProfilePatch>,
) -> Result<Json<SupplierProfile>, ApiError> {
    let w = state.write().await?;
    profiles::apply_patch(&w, &state.env, &user.actor, id, &patch).await?;
    let profile = profiles::load_profile(&w, &state.env.cpv, id).await?;
    w.commit().await?;
    Ok(Json(profile))
}

/// The columns, in order.
pub const COLUMNS: [&str; 13] = [
    "id",
    "name",
    "legal_form",
    "size",
    "postcode",
    "town",
    "distance_km",
    "cpv",
    "website",
    "email",
    "verified",
    "social_economy",
    "profile_url",
];

/// A cell that a spreadsheet would run as a formula is made inert (OWASP "CSV injection";
/// the one rule of every download, [`super::downloads::inert`]).
fn cell(s: &str) -> String {
    super::downloads::inert(s.to_owned())
}

/// The rows as CSV text, header first.
///
/// # Errors
/// Writing failed (it writes to memory, so only on a defect).
pub fn to_csv(rows: &[ExportRow]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for r in rows {
        w.write_record([
            r.id.to_string(),
            cell(&r.name),
            r.legal_form.clone(),
            r.size.clone().unwrap_or_default(),
            cell(r.postcode.as_deref().unwrap_or_default()),
            cell(&r.town),
            r.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
            r.cpv.clone(),
            cell(&r.website),
            cell(&r.email),
            r.verified.to_string(),
            r.social_economy.to_string(),
            r.profile_url.clone(),
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}

/// A CSV download named `file_name`.
fn download(rows: &[ExportRow], file_name: &str) -> Response {
    match to_csv(rows) {
        Ok(body) => {
            let disposition =
                HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
                    .unwrap_or_else(|_| {
                        HeaderValue::from_static("attachment; filename=\"suppliers.csv\"")
                    });
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("private, no-store"),
                    ),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "writing CSV failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side; please try again",
            )
                .into_response()
        }
    }
}

/// `name` reduced to a safe file-name part: lower-case ASCII letters, digits and dashes.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let parts: Vec<&str> = s.split('-').filter(|p| !p.is_empty()).collect();
    let joined = parts.join("-");
    if joined.is_empty() {
        "shortlist".into()
    } else {
        joined.chars().take(60).collect()
    }
}

fn dated(prefix: &str) -> String {
    format!(
        "{prefix}-{}.csv",
        backend::services::now().format("%Y-%m-%d")
    )
}

async fn search_csv(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    match export::search_rows(&state.db, &state.env, &state.views, &user.actor, &q).await {
        Ok(rows) => download(&rows, &dated("suppliers")),
        Err(e) => page_error(e),
    }
}

async fn shortlist_csv(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
) -> Response {
    match export::shortlist_rows(&state.db, &state.env, &user.actor, id).await {
        Ok((name, rows)) => download(&rows, &dated(&format!("shortlist-{}", slug(&name)))),
        Err(e) => page_error(e),
    }
}

/// `GET /api/v1/suppliers.csv?…`: the same parameters as `GET /api/v1/suppliers`, every
/// page of results as CSV (buyers and admins).
///
/// # Errors
/// As the JSON search: 401, 403, or 422 naming each bad parameter.
#[utoipa::path(get, path = "/api/v1/suppliers.csv", security(("bearer" = [])),
    params(("q" = Option<String>, Query, description = "Same parameters as GET /api/v1/suppliers")),
    responses((status = 200, description = "CSV: id,name,legal_form,size,postcode,town,distance_km,cpv,website,email,verified,social_economy,profile_url", content_type = "text/csv"),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn api_suppliers_csv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    let rows = export::search_rows(&state.db, &state.env, &state.views, &user.actor, &q).await?;
    Ok(download(&rows, &dated("suppliers")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> ExportRow {
        ExportRow {
            id: 7,
            name: name.into(),
            legal_form: "worker_coop".into(),
            size: Some("micro".into()),
            postcode: Some("PR1 2HE".into()),
            town: "Preston".into(),
            distance_km: Some(1.3),
            cpv: "77314000-4;77310000-6".into(),
            website: String::new(),
            email: "hello@example.coop".into(),
            verified: true,
            social_economy: false,
            profile_url: "http://localhost/suppliers/7".into(),
        }
    }

    #[test]
    fn csv_has_the_header_even_without_rows() {
        assert_eq!(
            to_csv(&[]).expect("csv"),
            format!("{}\n", COLUMNS.join(","))
        );
    }

    #[test]
    fn names_with_commas_and_quotes_are_quoted() {
        let csv = to_csv(&[row("Mow, Grow & \"Sow\" Co-op")]).expect("csv");
        let line = csv.lines().nth(1).expect("row");
        assert!(
            line.starts_with(
                "7,\"Mow, Grow & \"\"Sow\"\" Co-op\",worker_coop,micro,PR1 2HE,Preston,1.3,"
            ),
            "{line}"
        );
    }

    #[test]
    fn a_formula_in_a_name_is_made_inert() {
        let csv = to_csv(&[row("=HYPERLINK(\"http://evil\")")]).expect("csv");
        assert!(
            csv.lines()
                .nth(1)
                .expect("row")
                .starts_with("7,\"'=HYPERLINK("),
            "{csv}"
        );
    }

    #[test]
    fn file_names_are_plain_ascii() {
        assert_eq!(
            slug("Grounds maintenance – 2027 (local)"),
            "grounds-maintenance-2027-local"
        );
        assert_eq!(slug("“”"), "shortlist");
    }
}
