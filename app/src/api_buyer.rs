//! Server functions for buyers' shortlists and saved searches. Like `api`, each reads the
//! state and user from context, calls one service and maps the result; forms post here
//! directly when JavaScript is off, and `finish` brings the browser back with a notice or
//! with the input and errors.

use crate::dto::{SavedSearchView, ShortlistSummary, ShortlistView};
use crate::error::AppError;
use leptos::server;

#[cfg(feature = "ssr")]
use crate::{
    error::ServiceError,
    services::shortlists,
    web::{self, finish},
};
#[cfg(feature = "ssr")]
use leptos::prelude::*;

/// Maps a loader's result, setting the HTTP status of an error.
#[cfg(feature = "ssr")]
fn respond<T>(r: Result<T, ServiceError>) -> Result<T, AppError> {
    r.map_err(|e| {
        let e = AppError::from(e);
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(code) = http::StatusCode::from_u16(e.status()) {
                res.set_status(code);
            }
        }
        e
    })
}

/// The form name under which a supplier's "Add to shortlist" form keeps its flash.
pub fn add_form_name(supplier_id: i64) -> String {
    format!("shortlist_add_{supplier_id}")
}

#[server(endpoint = "my-shortlists")]
pub async fn my_shortlists() -> Result<Vec<ShortlistSummary>, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(shortlists::list(&state.db, &user).await)
}

#[server(endpoint = "shortlist")]
pub async fn get_shortlist(id: i64) -> Result<ShortlistView, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(shortlists::get(&state.db, &user, id).await)
}

#[server(endpoint = "saved-searches")]
pub async fn my_saved_searches() -> Result<Vec<SavedSearchView>, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(shortlists::saved_searches(&state.db, &user).await)
}

#[server(endpoint = "create-shortlist")]
pub async fn create_shortlist(name: String, shared: Option<String>) -> Result<i64, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let shared = shared.is_some_and(|s| s == "true" || s == "on");
    let values = serde_json::json!({ "name": name });
    let result = shortlists::create(&state.db, &user, &name, shared).await;
    let next = result.as_ref().map(|id| format!("/shortlists/{id}")).unwrap_or_default();
    finish("create_shortlist", &values, result, "Shortlist created.", Some(&next).filter(|n| !n.is_empty()).map(String::as_str)).await
}

#[server(endpoint = "share-shortlist")]
pub async fn share_shortlist(id: i64, shared: String) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let shared = shared == "true";
    let notice = if shared { "Shortlist shared with your colleagues." } else { "Shortlist is now private to you." };
    let result = shortlists::set_shared(&state.db, &user, id, shared).await;
    finish("share_shortlist", &serde_json::json!({}), result, notice, None).await
}

#[server(endpoint = "delete-shortlist")]
pub async fn delete_shortlist(id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = shortlists::delete(&state.db, &user, id).await;
    let next = result.is_ok().then_some("/shortlists");
    finish("delete_shortlist", &serde_json::json!({}), result, "Shortlist deleted.", next).await
}

#[server(endpoint = "add-to-shortlist")]
pub async fn add_to_shortlist(supplier_id: i64, shortlist_id: Option<String>, new_name: Option<String>) -> Result<String, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let target = shortlists::AddTarget {
        shortlist_id: shortlist_id.unwrap_or_default(),
        new_name: new_name.unwrap_or_default(),
    };
    let values = serde_json::json!({ "shortlist_id": target.shortlist_id, "new_name": target.new_name });
    let result = shortlists::add_item(&state.db, &user, &target, supplier_id).await;
    let notice = match &result {
        Ok((_, name)) => format!("Added to “{name}”."),
        Err(_) => String::new(),
    };
    finish(&add_form_name(supplier_id), &values, result.map(|(_, name)| name), &notice, None).await
}

#[server(endpoint = "remove-from-shortlist")]
pub async fn remove_from_shortlist(id: i64, supplier_id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = shortlists::remove_item(&state.db, &user, id, supplier_id).await;
    finish("remove_item", &serde_json::json!({}), result, "Removed from the shortlist.", None).await
}

#[server(endpoint = "save-search")]
pub async fn save_search(name: String, query: String) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let values = serde_json::json!({ "name": name, "query": query });
    let result = shortlists::save_search(&state.db, &user, &name, &query).await;
    finish("save_search", &values, result.map(|_| ()), "Search saved. Find it under Shortlists.", None).await
}

#[server(endpoint = "delete-saved-search")]
pub async fn delete_saved_search(id: i64) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = shortlists::delete_saved_search(&state.db, &user, id).await;
    finish("delete_saved_search", &serde_json::json!({}), result, "Saved search deleted.", None).await
}
