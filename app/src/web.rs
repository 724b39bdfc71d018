//! Request plumbing for server functions: the state, the signed-in user, cookies, and the
//! no-JavaScript path of forms (flash the input and errors, redirect back).

use crate::error::AppError;
use backend::services::accounts::sessions;
use backend::services::flash;
use backend::{AppState, ServiceError};
use domain::accounts::dto::CurrentUser;
use domain::forms::Flash;
use http::header::{ACCEPT, REFERER, SET_COOKIE};
use http::request::Parts;
use http::HeaderValue;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use serde::Serialize;
use std::collections::BTreeMap;

pub const FLASH_COOKIE: &str = "anchorlink_flash";

/// The shared state.
///
/// # Errors
/// `Internal` if the server was wired without it (a start-up defect).
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The client's address as the server sees it, for the rate limits (set by the server's
/// `client_address` layer; unknown outside a request).
pub fn client_address() -> backend::services::accounts::limits::ClientAddress {
    parts()
        .and_then(|p| {
            p.extensions
                .get::<backend::services::accounts::limits::ClientAddress>()
                .cloned()
        })
        .unwrap_or_else(backend::services::accounts::limits::ClientAddress::unknown)
}

/// A cookie's value from the request.
pub fn cookie(name: &str) -> Option<String> {
    sessions::cookie(&parts()?.headers, name)
}

/// Adds a `Set-Cookie` header: HttpOnly, SameSite=Lax, Secure behind TLS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) {
    if let Some(res) = use_context::<ResponseOptions>() {
        let secure = if state.env.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let header = format!(
            "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        );
        if let Ok(v) = HeaderValue::from_str(&header) {
            res.append_header(SET_COOKIE, v);
        }
    }
}

/// Sets the response's status to the error's.
pub fn set_status(err: &AppError) {
    if let Some(res) = use_context::<ResponseOptions>() {
        if let Ok(code) = http::StatusCode::from_u16(err.status()) {
            res.set_status(code);
        }
        if let Some(secs) = err.retry_after() {
            res.insert_header(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }
}

/// Maps a loader's result, setting the HTTP status of an error.
///
/// # Errors
/// The service error, converted for the page.
pub fn respond<T>(r: Result<T, ServiceError>) -> Result<T, AppError> {
    r.map_err(|e| {
        let e = AppError::from(e);
        set_status(&e);
        e
    })
}

/// The signed-in user, if any.
///
/// # Errors
/// Database failures.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = state()?;
    match parts() {
        Some(parts) => Ok(sessions::signed_in(&state.db, &state.env, &parts.headers).await?),
        None => Ok(None),
    }
}

/// The signed-in user, or `Unauthenticated` as a service error, for server functions
/// that hand it to `respond` or `finish` (a visitor gets the 401 status and, without
/// JavaScript, the way back to the form).
///
/// # Errors
/// Not signed in; database failures.
pub async fn signed_in() -> Result<CurrentUser, ServiceError> {
    let state = state().map_err(|_| anyhow::anyhow!("AppState missing from context"))?;
    let headers = parts().map(|p| p.headers).unwrap_or_default();
    sessions::signed_in(&state.db, &state.env, &headers)
        .await?
        .ok_or(ServiceError::Unauthenticated)
}

/// The signed-in user, or `Unauthenticated`.
///
/// # Errors
/// Not signed in.
pub async fn require_user() -> Result<CurrentUser, AppError> {
    match current_user().await? {
        Some(u) => Ok(u),
        None => Err(refuse(AppError::Unauthenticated).await),
    }
}

/// Sets the error's status and, for a plain form post, carries the message back to the
/// page the form was on (any form there shows it).
async fn refuse(err: AppError) -> AppError {
    set_status(&err);
    if is_plain_form_post() {
        if let Ok(state) = state() {
            let mut errors = domain::validation::FieldErrors::new();
            errors.add("form", err.to_string());
            put_flash(
                &state,
                &Flash {
                    form: ANY_FORM.into(),
                    errors,
                    ..Default::default()
                },
            )
            .await;
            leptos_axum::redirect(&referer());
        }
    }
    err
}

/// A flash for whichever form is on the page.
pub const ANY_FORM: &str = "*";

/// Whether this request is a plain HTML form post (every form outside an island, with or
/// without JavaScript): the browser asks for HTML, while an island or a script asks for JSON.
/// (Server functions also run inside page renders, which are GETs: those are not posts.)
pub fn is_plain_form_post() -> bool {
    parts()
        .filter(|p| p.method == http::Method::POST)
        .and_then(|p| {
            p.headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

fn referer() -> String {
    parts()
        .and_then(|p| {
            p.headers
                .get(REFERER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "/".into())
}

/// Form values as strings for re-display; passwords are never kept.
fn to_values(values: &impl Serialize) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(serde_json::Value::Object(map)) = serde_json::to_value(values) else {
        return out;
    };
    flatten("", &map, &mut out);
    out
}

fn flatten(
    prefix: &str,
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut BTreeMap<String, String>,
) {
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}[{k}]")
        };
        if k.contains("password") {
            continue;
        }
        match v {
            serde_json::Value::String(s) => {
                out.insert(key, s.clone());
            }
            serde_json::Value::Array(items) => {
                let joined: Vec<String> = items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| i.to_string())
                    })
                    .collect();
                out.insert(key, joined.join(", "));
            }
            serde_json::Value::Object(inner) => flatten(&key, inner, out),
            serde_json::Value::Null => {}
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

async fn put_flash(state: &AppState, flash: &Flash) {
    match flash::put(&state.db, flash).await {
        Ok(id) => set_cookie(state, FLASH_COOKIE, &id, 600),
        Err(e) => tracing::error!(error = ?e, "storing form flash failed"),
    }
}

/// Finishes a form's server function. On failure without JavaScript, the input and errors
/// go back to the page the form was on; with JavaScript the error is returned to the page.
/// On success, `next` (if any) is where the browser goes, with `notice` shown there.
///
/// # Errors
/// The service error, converted for the page.
pub async fn finish<T>(
    form: &str,
    values: &impl Serialize,
    result: Result<T, ServiceError>,
    notice: &str,
    next: Option<&str>,
) -> Result<T, AppError> {
    let state = state()?;
    match result {
        Ok(v) => {
            // A notice travels in the flash when the browser goes to another page (with or
            // without JavaScript); a caller asking for JSON on the same page shows it itself.
            if !notice.is_empty() && (is_plain_form_post() || next.is_some()) {
                put_flash(
                    &state,
                    &Flash {
                        form: form.into(),
                        notice: Some(notice.into()),
                        ..Default::default()
                    },
                )
                .await;
            }
            if let Some(to) = next {
                leptos_axum::redirect(to);
            }
            Ok(v)
        }
        Err(e) => {
            let err = AppError::from(e);
            set_status(&err);
            if is_plain_form_post() {
                let errors = match &err {
                    AppError::Validation(f) => f.clone(),
                    other => {
                        let mut f = domain::validation::FieldErrors::new();
                        f.add("form", other.to_string());
                        f
                    }
                };
                put_flash(
                    &state,
                    &Flash {
                        form: form.into(),
                        values: to_values(values),
                        errors,
                        notice: None,
                    },
                )
                .await;
                leptos_axum::redirect(&referer());
            }
            Err(err)
        }
    }
}

/// Carries a form's input back to its page without saving it, for a no-JavaScript form
/// button that changes the form itself (the tender editor's "Add a row"): the page
/// renders again from the input as typed. (With JavaScript "Add a row" is an island that
/// never posts.)
///
/// # Errors
/// `Internal` if the server was wired without its state.
pub async fn keep_input(form: &str, values: &impl Serialize) -> Result<(), AppError> {
    keep_input_at(form, values, &referer()).await
}

/// [`keep_input`], going back to `to` (a path on this site, say the same page with a query)
/// rather than to the page the form came from.
///
/// # Errors
/// `Internal` if the server was wired without its state.
pub async fn keep_input_at(form: &str, values: &impl Serialize, to: &str) -> Result<(), AppError> {
    let state = state()?;
    if is_plain_form_post() {
        put_flash(
            &state,
            &Flash {
                form: form.into(),
                values: to_values(values),
                ..Default::default()
            },
        )
        .await;
        leptos_axum::redirect(to);
    }
    Ok(())
}

/// Takes this browser's pending flash, if any.
///
/// # Errors
/// Database failures.
pub async fn take_flash() -> Result<Option<Flash>, AppError> {
    let state = state()?;
    match cookie(FLASH_COOKIE) {
        Some(id) => Ok(flash::take(&state.db, &id)
            .await
            .map_err(ServiceError::from)?),
        None => Ok(None),
    }
}
