//! Server functions for buyers' shortlists and saved searches. Like `api`, each reads the
//! state and user from context, calls one service and maps the result; forms post here
//! directly when JavaScript is off, and `finish` brings the browser back with a notice or
//! with the input and errors.

use crate::error::AppError;
use domain::registry::dto::{SavedSearchView, ShortlistSummary, ShortlistView};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};
#[cfg(feature = "ssr")]
use backend::services::accounts::auth;
#[cfg(feature = "ssr")]
use backend::services::registry::shortlists;
#[cfg(feature = "ssr")]
use backend::{AppState, ServiceError};
#[cfg(feature = "ssr")]
use domain::accounts::dto::CurrentUser;

/// The signed-in user, as a service error so that `respond` and `finish` give a visitor
/// the 401 status (and, without JavaScript, the way back to the form).
#[cfg(feature = "ssr")]
async fn signed_in(state: &AppState) -> Result<CurrentUser, ServiceError> {
    match web::cookie(auth::SESSION_COOKIE) {
        Some(token) => auth::user_for_session(&state.db, &token)
            .await?
            .ok_or(ServiceError::Unauthenticated),
        None => Err(ServiceError::Unauthenticated),
    }
}

/// The form name under which a supplier's "Add to shortlist" form keeps its flash.
pub fn add_form_name(supplier_id: i64) -> String {
    format!("shortlist_add_{supplier_id}")
}

#[server(endpoint = "my-shortlists")]
pub async fn my_shortlists() -> Result<Vec<ShortlistSummary>, AppError> {
    let state = web::state()?;
    respond(async { shortlists::list(&state.db, &signed_in(&state).await?).await }.await)
}

/// The shortlists the "Add to shortlist" controls offer: empty, without an error status,
/// for anyone but a buyer, since the pages showing those controls are public.
#[server(endpoint = "shortlist-choices")]
pub async fn shortlist_choices() -> Result<Vec<ShortlistSummary>, AppError> {
    let state = web::state()?;
    match web::current_user().await? {
        Some(user) if shortlists::buyer_organisation(&user).is_ok() => {
            respond(shortlists::list(&state.db, &user).await)
        }
        _ => Ok(Vec::new()),
    }
}

#[server(endpoint = "shortlist")]
pub async fn get_shortlist(id: i64) -> Result<ShortlistView, AppError> {
    let state = web::state()?;
    respond(async { shortlists::get(&state.db, &signed_in(&state).await?, id).await }.await)
}

#[server(endpoint = "saved-searches")]
pub async fn my_saved_searches() -> Result<Vec<SavedSearchView>, AppError> {
    let state = web::state()?;
    respond(async { shortlists::saved_searches(&state.db, &signed_in(&state).await?).await }.await)
}

#[server(endpoint = "create-shortlist")]
pub async fn create_shortlist(name: String, shared: Option<String>) -> Result<i64, AppError> {
    let state = web::state()?;
    let shared = shared.is_some_and(|s| s == "true" || s == "on");
    let values = serde_json::json!({ "name": name });
    let result =
        async { shortlists::create(&state.db, &signed_in(&state).await?, &name, shared).await }
            .await;
    let next = result
        .as_ref()
        .map(|id| format!("/shortlists/{id}"))
        .unwrap_or_default();
    finish(
        "create_shortlist",
        &values,
        result,
        "Shortlist created.",
        Some(&next).filter(|n| !n.is_empty()).map(String::as_str),
    )
    .await
}

#[server(endpoint = "share-shortlist")]
pub async fn share_shortlist(id: i64, shared: String) -> Result<(), AppError> {
    let state = web::state()?;
    let shared = shared == "true";
    let notice = if shared {
        "Shortlist shared with your colleagues."
    } else {
        "Shortlist is now private to you."
    };
    let result =
        async { shortlists::set_shared(&state.db, &signed_in(&state).await?, id, shared).await }
            .await;
    finish(
        "share_shortlist",
        &serde_json::json!({}),
        result,
        notice,
        None,
    )
    .await
}

#[server(endpoint = "delete-shortlist")]
pub async fn delete_shortlist(id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let result = async { shortlists::delete(&state.db, &signed_in(&state).await?, id).await }.await;
    let next = result.is_ok().then_some("/shortlists");
    finish(
        "delete_shortlist",
        &serde_json::json!({}),
        result,
        "Shortlist deleted.",
        next,
    )
    .await
}

#[server(endpoint = "add-to-shortlist")]
pub async fn add_to_shortlist(
    supplier_id: i64,
    shortlist_id: Option<String>,
    new_name: Option<String>,
) -> Result<String, AppError> {
    let state = web::state()?;
    let target = shortlists::AddTarget {
        shortlist_id: shortlist_id.unwrap_or_default(),
        new_name: new_name.unwrap_or_default(),
    };
    let values =
        serde_json::json!({ "shortlist_id": target.shortlist_id, "new_name": target.new_name });
    let result = async {
        shortlists::add_item(&state.db, &signed_in(&state).await?, &target, supplier_id).await
    }
    .await;
    let notice = match &result {
        Ok((_, name)) => format!("Added to “{name}”."),
        Err(_) => String::new(),
    };
    finish(
        &add_form_name(supplier_id),
        &values,
        result.map(|(_, name)| name),
        &notice,
        None,
    )
    .await
}

#[server(endpoint = "remove-from-shortlist")]
pub async fn remove_from_shortlist(id: i64, supplier_id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let result = async {
        shortlists::remove_item(&state.db, &signed_in(&state).await?, id, supplier_id).await
    }
    .await;
    finish(
        "remove_item",
        &serde_json::json!({}),
        result,
        "Removed from the shortlist.",
        None,
    )
    .await
}

#[server(endpoint = "save-search")]
pub async fn save_search(name: String, query: String) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "name": name, "query": query });
    let result = async {
        shortlists::save_search(&state.db, &signed_in(&state).await?, &name, &query).await
    }
    .await;
    finish(
        "save_search",
        &values,
        result.map(|_| ()),
        "Search saved. Find it under Shortlists.",
        None,
    )
    .await
}

#[server(endpoint = "delete-saved-search")]
pub async fn delete_saved_search(id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let result =
        async { shortlists::delete_saved_search(&state.db, &signed_in(&state).await?, id).await }
            .await;
    finish(
        "delete_saved_search",
        &serde_json::json!({}),
        result,
        "Saved search deleted.",
        None,
    )
    .await
}
