//! Server functions: the thin edge between pages and services. Each reads the state and
//! user from context, calls one service, and maps the result. Forms post here directly when
//! JavaScript is off.

use crate::error::AppError;
use domain::accounts::dto::{AdminOverview, CurrentUser, MemberView};
use domain::forms::Flash;
use domain::registry::dto::{CpvView, ProfilePatch, SearchQuery, SearchResults, SupplierProfile};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};
#[cfg(feature = "ssr")]
use backend::services::accounts::{admin, auth};
#[cfg(feature = "ssr")]
use backend::services::registry::{profiles as suppliers, search};
#[cfg(feature = "ssr")]
use backend::ServiceError;
#[cfg(feature = "ssr")]
use secrecy::SecretString;

#[cfg(feature = "ssr")]
#[derive(serde::Serialize)]
struct NoValues {}

/// Who is signed in, and the flash a no-JavaScript form post left for this page.
#[server(endpoint = "page-context")]
pub async fn page_context() -> Result<(Option<CurrentUser>, Option<Flash>), AppError> {
    Ok((web::current_user().await?, web::take_flash().await?))
}

#[server(endpoint = "sign-up")]
pub async fn sign_up(
    email: String,
    password: String,
    organisation_name: String,
    legal_form: String,
) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({"email": email, "organisation_name": organisation_name, "legal_form": legal_form});
    let result = auth::sign_up(
        &state,
        auth::SignUp {
            email,
            password: SecretString::from(password),
            organisation_name,
            legal_form,
        },
    )
    .await;
    finish("sign_up", &values, result, "", Some("/signup/check-email")).await
}

#[server(endpoint = "confirm-email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    let state = web::state()?;
    let result = auth::verify_email(&state.db, &token).await;
    finish(
        "confirm_email",
        &NoValues {},
        result,
        "Your e-mail address is confirmed. Sign in to build your profile.",
        Some("/login"),
    )
    .await
}

#[server(endpoint = "resend-verification")]
pub async fn resend_verification(email: String) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "email": email });
    let result = auth::resend_verification(&state, &email).await;
    finish(
        "resend",
        &values,
        result,
        "If that address has an unconfirmed account, a new link is on its way.",
        None,
    )
    .await
}

#[server(endpoint = "sign-in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "email": email, "next": next });
    let result = auth::sign_in(&state, &email, SecretString::from(password)).await;
    let result = match result {
        Ok(token) => {
            web::set_cookie(
                &state,
                auth::SESSION_COOKIE,
                &token,
                auth::SESSION_DAYS * 86_400,
            );
            let user = auth::user_for_session(&state.db, &token).await;
            user.map(|u| u.map(|u| home_for(&u)).unwrap_or_else(|| "/".into()))
        }
        Err(e) => Err(e),
    };
    let destination = match &result {
        // Only same-site paths, never `//host`: no open redirect.
        Ok(home) if next.starts_with('/') && !next.starts_with("//") => next.clone(),
        Ok(home) => home.clone(),
        Err(_) => String::new(),
    };
    finish(
        "sign_in",
        &values,
        result.map(|_| ()),
        "",
        Some(&destination),
    )
    .await
}

/// Where a user lands after signing in.
#[cfg(feature = "ssr")]
fn home_for(u: &CurrentUser) -> String {
    match u.role.as_str() {
        "admin" => "/admin".into(),
        "buyer" => "/suppliers".into(),
        _ => "/profile".into(),
    }
}

#[server(endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = web::state()?;
    if let Some(token) = web::cookie(auth::SESSION_COOKIE) {
        auth::sign_out(&state.db, &token).await?;
    }
    web::set_cookie(&state, auth::SESSION_COOKIE, "", 0);
    finish(
        "sign_out",
        &NoValues {},
        Ok(()),
        "You have signed out.",
        Some("/"),
    )
    .await
}

#[server(endpoint = "forgot-password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "email": email });
    let result = auth::request_password_reset(&state, &email).await;
    finish(
        "forgot_password",
        &values,
        result,
        "If that address has an account, we have sent a link to reset the password. It is valid for 2 hours.",
        Some("/forgot-password/sent"),
    )
    .await
}

#[server(endpoint = "reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let state = web::state()?;
    let result = auth::reset_password(&state.db, &token, SecretString::from(password)).await;
    finish(
        "reset_password",
        &NoValues {},
        result,
        "Your password is changed. Sign in with the new one.",
        Some("/login"),
    )
    .await
}

#[server(endpoint = "invitation")]
pub async fn invitation_info(token: String) -> Result<(String, String), AppError> {
    let state = web::state()?;
    respond(auth::invitation_details(&state.db, &token).await)
}

#[server(endpoint = "accept-invitation")]
pub async fn accept_invitation(
    token: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "display_name": display_name });
    let result = auth::accept_invitation(
        &state.db,
        &token,
        &display_name,
        SecretString::from(password),
    )
    .await;
    let result = result.map(|session| {
        web::set_cookie(
            &state,
            auth::SESSION_COOKIE,
            &session,
            auth::SESSION_DAYS * 86_400,
        )
    });
    finish(
        "accept_invitation",
        &values,
        result,
        "Welcome to Anchorlink.",
        Some("/"),
    )
    .await
}

#[server(endpoint = "request-buyer-access")]
pub async fn request_buyer_access(
    email: String,
    password: String,
    organisation_name: String,
    job_title: String,
    message: String,
) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({"email": email, "organisation_name": organisation_name, "job_title": job_title, "message": message});
    let result = admin::request_buyer_access(
        &state,
        &email,
        SecretString::from(password),
        &organisation_name,
        &job_title,
        &message,
    )
    .await;
    finish(
        "buyer_access",
        &values,
        result,
        "Thank you. Confirm your e-mail address with the link we sent; the platform team will then review your request.",
        Some("/buyers/requested"),
    )
    .await
}

// ---- supplier profile ------------------------------------------------------------------

#[server(endpoint = "my-profile")]
pub async fn my_profile() -> Result<SupplierProfile, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let org = respond(suppliers::own_organisation(&user))?;
    respond(suppliers::load_profile(&state.db, &state.cpv, org).await)
}

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

#[server(endpoint = "save-profile")]
pub async fn save_profile(
    step: String,
    #[server(default)] p: ProfilePatch,
) -> Result<(), AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = match suppliers::own_organisation(&user) {
        Ok(org) => suppliers::apply_patch(&state, &user, org, &p).await,
        Err(e) => Err(e),
    };
    let next = next_step_path(&step);
    finish(
        "profile",
        &serde_json::json!({ "p": p }),
        result,
        "Saved.",
        Some(&next),
    )
    .await
}

/// Runs an edit on the signed-in supplier's own organisation.
#[cfg(feature = "ssr")]
async fn own_edit<F, Fut>(
    form: &str,
    values: serde_json::Value,
    notice: &str,
    f: F,
) -> Result<(), AppError>
where
    F: FnOnce(backend::AppState, CurrentUser, i64) -> Fut,
    Fut: std::future::Future<Output = Result<(), ServiceError>>,
{
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = match suppliers::own_organisation(&user) {
        Ok(org) => f(state, user, org).await,
        Err(e) => Err(e),
    };
    finish(form, &values, result, notice, None).await
}

#[server(endpoint = "add-identifier")]
pub async fn add_identifier(scheme: String, identifier: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "scheme": scheme, "identifier": identifier });
    own_edit("identifier", values, "Identifier added.", |s, u, org| async move {
        suppliers::add_identifier(&s, &u, org, &scheme, &identifier).await
    })
    .await
}

#[server(endpoint = "remove-identifier")]
pub async fn remove_identifier(id: i64) -> Result<(), AppError> {
    own_edit(
        "identifier",
        serde_json::json!({}),
        "Identifier removed.",
        |s, u, org| async move { suppliers::remove_identifier(&s, &u, org, id).await },
    )
    .await
}

#[server(endpoint = "add-cpv")]
pub async fn add_cpv(code: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "code": code });
    own_edit("cpv", values, "Capability added.", |s, u, org| async move {
        suppliers::add_cpv(&s, &u, org, &code).await
    })
    .await
}

#[server(endpoint = "remove-cpv")]
pub async fn remove_cpv(code: String) -> Result<(), AppError> {
    own_edit(
        "cpv",
        serde_json::json!({}),
        "Capability removed.",
        |s, u, org| async move { suppliers::remove_cpv(&s, &u, org, &code).await },
    )
    .await
}

#[server(endpoint = "search-cpv")]
pub async fn search_cpv(q: String) -> Result<Vec<CpvView>, AppError> {
    let state = web::state()?;
    Ok(state
        .cpv
        .search(q.trim(), 15)
        .into_iter()
        .map(|e| suppliers::cpv_view(&state.cpv, &e.code))
        .collect())
}

#[server(endpoint = "add-accreditation")]
pub async fn add_accreditation(
    kind: String,
    reference: String,
    expires_on: String,
) -> Result<(), AppError> {
    let values =
        serde_json::json!({ "kind": kind, "reference": reference, "expires_on": expires_on });
    own_edit(
        "accreditation",
        values,
        "Accreditation added.",
        |s, u, org| async move {
            suppliers::add_accreditation(&s, &u, org, &kind, &reference, &expires_on).await
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
        |s, u, org| async move { suppliers::remove_accreditation(&s, &u, org, id).await },
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
    own_edit(
        "contract",
        values,
        "Contract added.",
        |s, u, org| async move {
            suppliers::add_contract(&s, &u, org, &buyer_name, &value_gbp, &year, &description).await
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
        |s, u, org| async move { suppliers::remove_contract(&s, &u, org, id).await },
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
        |s, u, org| async move { suppliers::set_published(&s, &u, org, publish).await },
    )
    .await
}

#[server(endpoint = "team")]
pub async fn team() -> Result<Vec<MemberView>, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let org = respond(user.organisation_id.ok_or(ServiceError::Forbidden))?;
    respond(admin::members(&state.db, org).await)
}

#[server(endpoint = "invite-colleague")]
pub async fn invite_colleague(email: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "email": email });
    own_edit(
        "invite",
        values,
        "Invitation sent.",
        |s, u, org| async move { auth::invite(&s, &u, org, "supplier", &email).await },
    )
    .await
}

// ---- registry --------------------------------------------------------------------------

#[server(endpoint = "supplier")]
pub async fn get_supplier(id: i64) -> Result<SupplierProfile, AppError> {
    let state = web::state()?;
    let viewer = web::current_user().await?;
    respond(suppliers::public_profile(&state, viewer.as_ref(), id).await)
}

#[server(endpoint = "search-suppliers")]
pub async fn search_suppliers(
    #[server(default)] query: SearchQuery,
) -> Result<SearchResults, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = if user.can_search() {
        search::search(&state, &query).await
    } else {
        Err(ServiceError::Forbidden)
    };
    respond(result)
}

// ---- platform admin --------------------------------------------------------------------

#[server(endpoint = "admin-overview")]
pub async fn get_admin_overview() -> Result<AdminOverview, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(admin::overview(&state, &user).await)
}

/// Runs an admin action.
#[cfg(feature = "ssr")]
async fn admin_edit<F, Fut>(
    form: &str,
    values: serde_json::Value,
    notice: &str,
    f: F,
) -> Result<(), AppError>
where
    F: FnOnce(backend::AppState, CurrentUser) -> Fut,
    Fut: std::future::Future<Output = Result<(), ServiceError>>,
{
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = f(state, user).await;
    finish(form, &values, result, notice, None).await
}

#[server(endpoint = "admin-create-buyer-org")]
pub async fn admin_create_buyer_org(name: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "name": name });
    admin_edit(
        "buyer_org",
        values,
        "Buyer organisation created.",
        |s, u| async move { admin::create_buyer_org(&s, &u, &name).await.map(|_| ()) },
    )
    .await
}

#[server(endpoint = "admin-invite-buyer")]
pub async fn admin_invite_buyer(organisation_id: i64, email: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "email": email });
    admin_edit(
        &format!("invite_{organisation_id}"),
        values,
        "Invitation sent.",
        |s, u| async move { admin::invite_buyer(&s, &u, organisation_id, &email).await },
    )
    .await
}

#[server(endpoint = "admin-decide")]
pub async fn admin_decide(
    request_id: i64,
    decision: String,
    organisation_id: String,
) -> Result<(), AppError> {
    let org = organisation_id.trim().parse::<i64>().ok();
    admin_edit(
        "decide",
        serde_json::json!({}),
        "Decision recorded.",
        |s, u| async move {
            admin::decide_join_request(&s, &u, request_id, decision == "approve", org).await
        },
    )
    .await
}

#[server(endpoint = "admin-verify-identifier")]
pub async fn admin_verify_identifier(id: i64, verified: String) -> Result<(), AppError> {
    admin_edit(
        "verify",
        serde_json::json!({}),
        "Identifier updated.",
        |s, u| async move { admin::set_identifier_verified(&s, &u, id, verified == "true").await },
    )
    .await
}

#[server(endpoint = "admin-set-org-status")]
pub async fn admin_set_org_status(organisation_id: i64, suspended: String) -> Result<(), AppError> {
    admin_edit("status", serde_json::json!({}), "Organisation status updated.", |s, u| async move {
        admin::set_org_status(&s, &u, organisation_id, suspended == "true").await
    })
    .await
}
