//! Opportunity alerts' edges outside the Leptos app (issue 12): the one-click unsubscribe
//! page, which needs no sign-in and must answer a mail client's RFC 8058 `POST`, and the
//! Atom feeds. Both call `backend::services::tendering::{alerts, feeds}`.

use crate::SiteState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use backend::services::tendering::{alerts, feeds};
use backend::AppState;
use serde::Deserialize;

/// The site's unsubscribe page.
pub(super) fn site_router() -> Router<SiteState> {
    Router::new()
        .route("/alerts/unsubscribe", get(confirm).post(unsubscribe))
        .route("/feeds/opportunities.atom", get(public_feed))
        .route("/feeds/suppliers/{file}", get(supplier_feed))
}

const ATOM: &str = "application/atom+xml; charset=utf-8";

fn atom(xml: String) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, ATOM),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        xml,
    )
        .into_response()
}

/// The public feed of open lots: `cpv` (a division), `outcode`, `radius_km`.
async fn public_feed(
    State(state): State<AppState>,
    Query(q): Query<feeds::FeedQuery>,
    uri: axum::http::Uri,
) -> Result<Response, super::ApiError> {
    let filter = feeds::FeedFilter::parse(&state.env, &q)?;
    let path = uri
        .path_and_query()
        .map_or("/feeds/opportunities.atom", |p| p.as_str());
    Ok(atom(
        feeds::public_feed(&state.db, &state.env, &filter, path).await?,
    ))
}

/// A supplier's private feed; an unknown or revoked secret is not found.
async fn supplier_feed(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, super::ApiError> {
    let Some(secret) = file.strip_suffix(".atom") else {
        return Err(backend::ServiceError::NotFound.into());
    };
    match feeds::supplier_feed(&state.db, &state.env, secret).await? {
        Some(xml) => Ok(atom(xml)),
        None => Err(backend::ServiceError::NotFound.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct TokenParam {
    #[serde(default)]
    token: Option<String>,
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A small page in the site's style: works without JavaScript, one heading, one landmark.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Anchorlink</title>\
         <link rel=\"stylesheet\" href=\"/pkg/anchorlink.css\"></head><body>\
         <header class=\"site-header\"><a href=\"/\">Anchorlink</a></header>\
         <main id=\"main\" class=\"narrow\"><h1>{title}</h1>{body}</main></body></html>"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

fn unknown() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This unsubscribe link is not valid",
        "<p>Check that the whole link was copied from the e-mail. You can also \
         <a href=\"/login\">sign in</a> and change your alerts at \
         <a href=\"/alerts\">Alerts</a>.</p>",
    )
}

fn failed(e: &backend::ServiceError) -> Response {
    tracing::error!(error = ?e, "unsubscribe failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "<p>Nothing was changed. Please try again in a minute.</p>",
    )
}

/// `GET`: shows whose alerts the link stops and a button; a link scanner that follows
/// the link changes nothing.
async fn confirm(State(state): State<AppState>, Query(q): Query<TokenParam>) -> Response {
    let token = q.token.unwrap_or_default();
    match alerts::unsubscribe_target(&state.db, &token).await {
        Ok(Some(email)) => page(
            StatusCode::OK,
            "Stop opportunity alerts",
            &format!(
                "<p>Stop e-mails about new lots for <strong>{}</strong>? The lots stay on \
                 your opportunities page, and you can turn alerts on again at any time.</p>\
                 <form method=\"post\" action=\"/alerts/unsubscribe\">\
                 <input type=\"hidden\" name=\"token\" value=\"{}\">\
                 <button type=\"submit\" class=\"button\">Stop alert e-mails</button></form>",
                escape(&email),
                escape(&token)
            ),
        ),
        Ok(None) => unknown(),
        Err(e) => failed(&e),
    }
}

/// `POST`: the page's button (token in the form) or a mail client's one-click request
/// (RFC 8058: token in the URL, body `List-Unsubscribe=One-Click`). The token is the only
/// authority, so it is exempt from the same-origin check (see `security::same_origin`).
async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
    form: Result<Form<TokenParam>, axum::extract::rejection::FormRejection>,
) -> Response {
    let token = q
        .token
        .or_else(|| form.ok().and_then(|Form(f)| f.token))
        .unwrap_or_default();
    let result = async {
        let w = state.write().await?;
        alerts::unsubscribe(&w, &token).await?;
        w.commit().await?;
        Ok::<_, backend::ServiceError>(())
    }
    .await;
    match result {
        Ok(()) => page(
            StatusCode::OK,
            "Alert e-mails stopped",
            "<p>You will get no more e-mails about new lots. To turn them on again, \
             <a href=\"/login\">sign in</a> and choose at <a href=\"/alerts\">Alerts</a>.</p>",
        ),
        Err(backend::ServiceError::NotFound) => unknown(),
        Err(e) => failed(&e),
    }
}
