//! CSV exports of suppliers: a search's whole result set (every page, the same filters as
//! the search URL, capped at `EXPORT_CAP` rows) or a shortlist. Served to the signed-in
//! browser (session cookie) as downloads, and to other systems under `/api/v1` with a
//! bearer token.

use crate::rest::{ApiError, ApiUser};
use app::error::AppError;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use backend::services::accounts::auth;
use backend::services::registry::shortlists;
use backend::state::AppState;
use backend::ServiceError;
use domain::accounts::dto::CurrentUser;
use domain::registry::dto::SearchQuery;

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

/// The download routes for the site (session cookie).
pub fn router() -> Router<crate::SiteState> {
    Router::new()
        .route("/suppliers/export.csv", get(search_csv))
        .route("/shortlists/{id}/export.csv", get(shortlist_csv))
}

/// A cell that a spreadsheet would run as a formula is made inert (OWASP "CSV injection").
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The rows as CSV text, header first.
///
/// # Errors
/// Writing failed (it writes to memory, so only on a defect).
pub fn to_csv(rows: &[shortlists::ExportRow]) -> anyhow::Result<String> {
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
fn download(rows: &[shortlists::ExportRow], file_name: &str) -> Response {
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

/// The signed-in user of a browser request; a visitor is sent to sign in and come back.
pub struct SessionUser(pub CurrentUser);

impl<S: Send + Sync> FromRequestParts<S> for SessionUser
where
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &AppState::from_ref(state);
        let user = match app::web::cookie_from_headers(&parts.headers, auth::SESSION_COOKIE) {
            Some(token) => auth::user_for_session(&state.db, &token)
                .await
                .map_err(page_error)?,
            None => None,
        };
        user.map(Self).ok_or_else(|| {
            let back = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            Redirect::to(&format!("/login?next={}", encode(back))).into_response()
        })
    }
}

/// Percent-encodes everything but unreserved characters, for a query parameter.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An error as a short plain-text page with the right status.
fn page_error(e: ServiceError) -> Response {
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

async fn search_csv(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    match shortlists::search_rows(&state, &user, &q).await {
        Ok(rows) => download(&rows, &dated("suppliers")),
        Err(e) => page_error(e),
    }
}

async fn shortlist_csv(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
) -> Response {
    match shortlists::shortlist_rows(&state, &user, id).await {
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
        (status = 401, body = crate::rest::ErrorBody), (status = 422, body = crate::rest::ErrorBody)))]
pub async fn api_suppliers_csv(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let rows = shortlists::search_rows(&state, &user, &q).await?;
    Ok(download(&rows, &dated("suppliers")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str) -> shortlists::ExportRow {
        shortlists::ExportRow {
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
