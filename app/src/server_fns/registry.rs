//! Server functions of the registry context: a supplier's own profile, public profiles,
//! search, and buyers' shortlists and saved searches. Each reads the state and the user
//! from context, calls one service (inside one transaction when it writes), and maps the
//! result; forms post here directly when JavaScript is off, and `finish` brings the
//! browser back with a notice or with the input and errors.

use crate::error::AppError;
use domain::registry::dto::{
    CpvSuggestionView, CpvView, ProfilePatch, SavedSearchView, SearchQuery, SearchResults,
    ShortlistSummary, ShortlistView, SupplierProfile,
};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};
#[cfg(feature = "ssr")]
use backend::services::registry::{profiles, saved_searches, shortlists};
#[cfg(feature = "ssr")]
use backend::services::tendering::market::{self, Market};
#[cfg(feature = "ssr")]
use backend::{AppState, ServiceError, ServiceResult};
#[cfg(feature = "ssr")]
use domain::accounts::Actor;

/// The profile steps in order: (slug, title).
pub const PROFILE_STEPS: [(&str, &str); 7] = [
    ("identity", "Identity"),
    ("place", "Place and service area"),
    ("size", "Size"),
    ("social-value", "Social value"),
    ("capabilities", "Capabilities"),
    ("capacity", "Capacity and past contracts"),
    ("review", "Review, publish and team"),
];

/// The step after `step`, as a path.
pub fn next_step_path(step: &str) -> String {
    let i = PROFILE_STEPS
        .iter()
        .position(|(s, _)| *s == step)
        .unwrap_or(0);
    let next = PROFILE_STEPS.get(i + 1).map_or("review", |(s, _)| s);
    format!("/profile/{next}")
}

/// The form name under which a supplier's "Add to shortlist" form keeps its flash.
pub fn add_form_name(supplier_id: i64) -> String {
    format!("shortlist_add_{supplier_id}")
}

/// Runs a change to the signed-in supplier's own profile in one transaction and finishes
/// the form.
#[cfg(feature = "ssr")]
async fn own_edit<F, Fut>(
    form: &str,
    values: serde_json::Value,
    notice: &str,
    next: Option<&str>,
    f: F,
) -> Result<(), AppError>
where
    F: FnOnce(AppState, Actor, i64) -> Fut,
    Fut: std::future::Future<Output = Result<(), ServiceError>>,
{
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = match profiles::own_organisation(&user.actor) {
        Ok(org) => f(state, user.actor, org).await,
        Err(e) => Err(e),
    };
    finish(form, &values, result, notice, next).await
}

// ---- a supplier's own profile -----------------------------------------------------------

#[server(endpoint = "my-profile")]
pub async fn my_profile() -> Result<SupplierProfile, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(profiles::own_profile(&state.db, &state.env, &user.actor).await)
}

#[server(endpoint = "save-profile")]
pub async fn save_profile(
    step: String,
    #[server(default)] p: ProfilePatch,
) -> Result<(), AppError> {
    let next = next_step_path(&step);
    let values = serde_json::json!({ "p": p });
    own_edit(
        "profile",
        values,
        "Saved.",
        Some(&next),
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::apply_patch(&w, &state.env, &actor, org, &p).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "add-identifier")]
pub async fn add_identifier(scheme: String, identifier: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "scheme": scheme, "identifier": identifier });
    own_edit(
        "identifier",
        values,
        "Identifier added.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::add_identifier(&w, &actor, org, &scheme, &identifier).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "remove-identifier")]
pub async fn remove_identifier(id: i64) -> Result<(), AppError> {
    own_edit(
        "identifier",
        serde_json::json!({}),
        "Identifier removed.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::remove_identifier(&w, &actor, org, id).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "add-cpv")]
pub async fn add_cpv(code: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "code": code });
    own_edit(
        "cpv",
        values,
        "Capability added.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::add_cpv(&w, &state.env, &actor, org, &code).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "remove-cpv")]
pub async fn remove_cpv(code: String) -> Result<(), AppError> {
    own_edit(
        "cpv",
        serde_json::json!({}),
        "Capability removed.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::remove_cpv(&w, &actor, org, &code).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "search-cpv")]
pub async fn search_cpv(q: String) -> Result<Vec<CpvView>, AppError> {
    let state = web::state()?;
    Ok(backend::services::registry::cpv::find_codes(
        &state.env,
        &state.views,
        &q,
        15,
    ))
}

/// "What do you do?": CPV codes suggested for a plain-language description, with reasons.
/// `except` lists codes already chosen or rejected, comma-separated.
#[server(endpoint = "suggest-cpv")]
pub async fn suggest_cpv(
    description: String,
    except: String,
) -> Result<Vec<CpvSuggestionView>, AppError> {
    use backend::services::registry::cpv;
    let state = web::state()?;
    let except: Vec<String> = except.split(',').map(str::to_owned).collect();
    Ok(cpv::suggest_codes(
        &state.env,
        &state.views,
        &description,
        &except,
        cpv::MAX_SUGGESTIONS,
    ))
}

#[server(endpoint = "add-accreditation")]
pub async fn add_accreditation(
    kind: String,
    reference: String,
    expires_on: String,
) -> Result<(), AppError> {
    let values =
        serde_json::json!({ "kind": kind, "reference": reference, "expires_on": expires_on });
    let input = profiles::NewAccreditation {
        kind,
        reference,
        expires_on,
    };
    own_edit(
        "accreditation",
        values,
        "Accreditation added.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::add_accreditation(&w, &actor, org, &input).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "remove-accreditation")]
pub async fn remove_accreditation(id: i64) -> Result<(), AppError> {
    own_edit(
        "accreditation",
        serde_json::json!({}),
        "Accreditation removed.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::remove_accreditation(&w, &actor, org, id).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "add-contract")]
pub async fn add_contract(
    buyer_name: String,
    value_gbp: String,
    year: String,
    description: String,
) -> Result<(), AppError> {
    let values = serde_json::json!({ "buyer_name": buyer_name, "value_gbp": value_gbp, "year": year, "description": description });
    let input = profiles::NewContract {
        buyer_name,
        value_gbp,
        year,
        description,
    };
    own_edit(
        "contract",
        values,
        "Contract added.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::add_contract(&w, &actor, org, &input).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "remove-contract")]
pub async fn remove_contract(id: i64) -> Result<(), AppError> {
    own_edit(
        "contract",
        serde_json::json!({}),
        "Contract removed.",
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::remove_contract(&w, &actor, org, id).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "set-published")]
pub async fn set_published(publish: String) -> Result<(), AppError> {
    let publish = publish == "true";
    let notice = if publish {
        "Your profile is published: buyers can now find you."
    } else {
        "Your profile is withdrawn."
    };
    own_edit(
        "publish",
        serde_json::json!({}),
        notice,
        None,
        |state, actor, org| async move {
            let w = state.write().await?;
            profiles::set_published(&w, &state.env, &actor, org, publish).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

// ---- finding suppliers ------------------------------------------------------------------

#[server(endpoint = "supplier")]
pub async fn get_supplier(id: i64) -> Result<SupplierProfile, AppError> {
    let state = web::state()?;
    let viewer = web::current_user().await?;
    respond(
        profiles::public_profile(&state.db, &state.env, viewer.as_ref().map(|u| &u.actor), id)
            .await,
    )
}

#[server(endpoint = "search-suppliers")]
pub async fn search_suppliers(
    #[server(default)] query: SearchQuery,
) -> Result<SearchResults, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(
        market::search_suppliers(
            &state.db,
            &state.env,
            Market::of(&state),
            &user.actor,
            &query,
        )
        .await,
    )
}

// ---- shortlists and saved searches ------------------------------------------------------

#[server(endpoint = "my-shortlists")]
pub async fn my_shortlists() -> Result<Vec<ShortlistSummary>, AppError> {
    let state = web::state()?;
    respond(async { shortlists::list(&state.db, &web::signed_in().await?.actor).await }.await)
}

/// The shortlists the "Add to shortlist" controls offer: empty, without an error status,
/// for anyone but a buyer, since the pages showing those controls are public.
#[server(endpoint = "shortlist-choices")]
pub async fn shortlist_choices() -> Result<Vec<ShortlistSummary>, AppError> {
    let state = web::state()?;
    match web::current_user().await? {
        Some(user) if user.actor.buyer_organisation().is_some() => {
            respond(shortlists::list(&state.db, &user.actor).await)
        }
        _ => Ok(Vec::new()),
    }
}

#[server(endpoint = "shortlist")]
pub async fn get_shortlist(id: i64) -> Result<ShortlistView, AppError> {
    let state = web::state()?;
    respond(async { shortlists::get(&state.db, &web::signed_in().await?.actor, id).await }.await)
}

#[server(endpoint = "saved-searches")]
pub async fn my_saved_searches() -> Result<Vec<SavedSearchView>, AppError> {
    let state = web::state()?;
    respond(async { saved_searches::list(&state.db, &web::signed_in().await?.actor).await }.await)
}

/// Runs a buyer's change in one transaction (a visitor gets `Unauthenticated`).
#[cfg(feature = "ssr")]
async fn buyer_write<T, F, Fut>(f: F) -> ServiceResult<T>
where
    F: FnOnce(AppState, Actor) -> Fut,
    Fut: std::future::Future<Output = ServiceResult<T>>,
{
    let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing from context"))?;
    let actor = web::signed_in().await?.actor;
    f(state, actor).await
}

#[server(endpoint = "create-shortlist")]
pub async fn create_shortlist(name: String, shared: Option<String>) -> Result<i64, AppError> {
    let shared = shared.is_some_and(|s| s == "true" || s == "on");
    let values = serde_json::json!({ "name": name });
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        let id = shortlists::create(&w, &actor, &name, shared).await?;
        w.commit().await?;
        Ok(id)
    })
    .await;
    let next = result.as_ref().map(|id| format!("/shortlists/{id}")).ok();
    finish(
        "create_shortlist",
        &values,
        result,
        "Shortlist created.",
        next.as_deref(),
    )
    .await
}

#[server(endpoint = "share-shortlist")]
pub async fn share_shortlist(id: i64, shared: String) -> Result<(), AppError> {
    let shared = shared == "true";
    let notice = if shared {
        "Shortlist shared with your colleagues."
    } else {
        "Shortlist is now private to you."
    };
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        shortlists::set_shared(&w, &actor, id, shared).await?;
        Ok(w.commit().await?)
    })
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
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        shortlists::delete(&w, &actor, id).await?;
        Ok(w.commit().await?)
    })
    .await;
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
    let target = shortlists::AddTarget {
        shortlist_id: shortlist_id.unwrap_or_default(),
        new_name: new_name.unwrap_or_default(),
    };
    let values =
        serde_json::json!({ "shortlist_id": target.shortlist_id, "new_name": target.new_name });
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        let added = shortlists::add_item(&w, &actor, &target, supplier_id).await?;
        w.commit().await?;
        Ok(added)
    })
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
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        shortlists::remove_item(&w, &actor, id, supplier_id).await?;
        Ok(w.commit().await?)
    })
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
    let values = serde_json::json!({ "name": name, "query": query });
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        saved_searches::save(&w, &actor, &name, &query).await?;
        Ok(w.commit().await?)
    })
    .await;
    finish(
        "save_search",
        &values,
        result,
        "Search saved. Find it under Shortlists.",
        None,
    )
    .await
}

#[server(endpoint = "delete-saved-search")]
pub async fn delete_saved_search(id: i64) -> Result<(), AppError> {
    let result = buyer_write(|state, actor| async move {
        let w = state.write().await?;
        saved_searches::delete(&w, &actor, id).await?;
        Ok(w.commit().await?)
    })
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

// registry figures (issue 9)
/// The registry in figures (`/figures`): public; admins also get the admin figures.
#[server(endpoint = "registry-figures")]
pub async fn registry_figures() -> Result<domain::registry::figures::RegistryFigures, AppError> {
    let state = crate::web::state()?;
    let user = crate::web::current_user().await?;
    crate::web::respond(
        backend::services::registry::figures::figures(
            &state.db,
            &state.env,
            user.as_ref().map(|u| &u.actor),
        )
        .await,
    )
}
