//! Server functions of the accounts context: sign-up, sign-in, password reset,
//! invitations, teams and the platform team's console. Each reads the state and the user
//! from context, calls one service (inside one transaction when it writes), and maps the
//! result; forms post here directly when JavaScript is off.

use crate::error::AppError;
use domain::accounts::dto::{AdminOverview, CurrentUser, MemberView};
use domain::forms::Flash;
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};
#[cfg(feature = "ssr")]
use backend::services::accounts::{admin, auth, limits, sessions, teams, tokens};
#[cfg(feature = "ssr")]
use backend::{AppState, ServiceError, ServiceResult};
#[cfg(feature = "ssr")]
use domain::accounts::Actor;
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
    let input = auth::SignUp {
        email,
        password: SecretString::from(password),
        organisation_name,
        legal_form,
    };
    let result: ServiceResult<_> = async {
        let client = web::client_address();
        limits::hit(&state.db, limits::SIGN_UP_PER_CLIENT, &client.0).await?;
        let checked = input.check().await?;
        let w = state.write().await?;
        auth::sign_up(&w, &state.env, checked).await?;
        Ok(w.commit().await?)
    }
    .await;
    finish("sign_up", &values, result, "", Some("/signup/check-email")).await
}

#[server(endpoint = "confirm-email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    let state = web::state()?;
    let result: ServiceResult<_> = async {
        let w = state.write().await?;
        auth::verify_email(&w, &token).await?;
        Ok(w.commit().await?)
    }
    .await;
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
    let result: ServiceResult<_> = async {
        let client = web::client_address();
        limits::hit(&state.db, limits::RESEND_PER_CLIENT, &client.0).await?;
        let address = limits::address_subject(&email);
        limits::hit(&state.db, limits::RESEND_PER_ADDRESS, &address).await?;
        let w = state.write().await?;
        auth::resend_verification(&w, &state.env, &email).await?;
        Ok(w.commit().await?)
    }
    .await;
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
    let result = signed_in_home(&state, &email, SecretString::from(password)).await;
    let destination = match &result {
        // Only paths of this site: no open redirect.
        Ok(_) if domain::forms::internal_path(&next).is_some() => next.clone(),
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

/// Signs in (setting the session cookie) and says where the user lands.
#[cfg(feature = "ssr")]
async fn signed_in_home(
    state: &AppState,
    email: &str,
    password: SecretString,
) -> ServiceResult<String> {
    // The plain connection, not a transaction: see `sessions::sign_in`.
    let client = web::client_address();
    let token = sessions::sign_in(&state.db, &state.env, &client, email, password).await?;
    web::set_cookie(
        state,
        sessions::session_cookie(&state.env),
        &token,
        sessions::SESSION_DAYS * 86_400,
    );
    let user = sessions::user_for_session(&state.db, &state.env, &token).await?;
    Ok(user
        .map_or("/", |u| sessions::home_for(&u.actor))
        .to_owned())
}

#[server(endpoint = "sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let state = web::state()?;
    if let Some(token) = web::cookie(sessions::session_cookie(&state.env)) {
        sessions::sign_out(&state.db, &token).await?;
    }
    web::set_cookie(&state, sessions::session_cookie(&state.env), "", 0);
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
    let result: ServiceResult<_> = async {
        let client = web::client_address();
        limits::hit(&state.db, limits::RESET_PER_CLIENT, &client.0).await?;
        let address = limits::address_subject(&email);
        limits::hit(&state.db, limits::RESET_PER_ADDRESS, &address).await?;
        let w = state.write().await?;
        auth::request_password_reset(&w, &email).await?;
        Ok(w.commit().await?)
    }
    .await;
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
    let result: ServiceResult<_> = async {
        // A dead link is refused before the password is hashed: no argon2 work for it.
        tokens::check(&state.db, &token, tokens::TokenPurpose::ResetPassword).await?;
        let password = auth::PasswordHash::check(SecretString::from(password)).await?;
        let w = state.write().await?;
        auth::reset_password(&w, &token, password).await?;
        Ok(w.commit().await?)
    }
    .await;
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
    respond(teams::invitation_details(&state.db, &token).await)
}

#[server(endpoint = "accept-invitation")]
pub async fn accept_invitation(
    token: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    let state = web::state()?;
    let values = serde_json::json!({ "display_name": display_name });
    let result: ServiceResult<_> = async {
        let password = auth::PasswordHash::check(SecretString::from(password)).await?;
        let w = state.write().await?;
        let session = teams::accept_invitation(&w, &token, &display_name, password).await?;
        w.commit().await?;
        web::set_cookie(
            &state,
            sessions::session_cookie(&state.env),
            &session,
            sessions::SESSION_DAYS * 86_400,
        );
        Ok(())
    }
    .await;
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
    let input = admin::BuyerAccessRequest {
        email,
        password: SecretString::from(password),
        organisation_name,
        job_title,
        message,
    };
    let result: ServiceResult<_> = async {
        let client = web::client_address();
        limits::hit(&state.db, limits::BUYER_ACCESS_PER_CLIENT, &client.0).await?;
        let checked = input.check().await?;
        let w = state.write().await?;
        admin::request_buyer_access(&w, &state.env, checked).await?;
        Ok(w.commit().await?)
    }
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

// ---- teams ------------------------------------------------------------------------------

#[server(endpoint = "team")]
pub async fn team() -> Result<Vec<MemberView>, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(teams::team(&state.db, &user.actor).await)
}

#[server(endpoint = "invite-colleague")]
pub async fn invite_colleague(email: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "email": email });
    act(
        "invite",
        values,
        "Invitation sent.",
        |state, actor| async move {
            let w = state.write().await?;
            teams::invite_colleague(&w, &state.env, &actor, &email).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

// ---- platform admin ---------------------------------------------------------------------

#[server(endpoint = "admin-overview")]
pub async fn get_admin_overview() -> Result<AdminOverview, AppError> {
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(admin::overview(&state.db, &user.actor).await)
}

/// Runs a form's action for the signed-in user and finishes the form.
#[cfg(feature = "ssr")]
async fn act<F, Fut>(
    form: &str,
    values: serde_json::Value,
    notice: &str,
    f: F,
) -> Result<(), AppError>
where
    F: FnOnce(AppState, Actor) -> Fut,
    Fut: std::future::Future<Output = Result<(), ServiceError>>,
{
    let state = web::state()?;
    let user = web::require_user().await?;
    let result = f(state, user.actor).await;
    finish(form, &values, result, notice, None).await
}

#[server(endpoint = "admin-create-buyer-org")]
pub async fn admin_create_buyer_org(name: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "name": name });
    act(
        "buyer_org",
        values,
        "Buyer organisation created.",
        |state, actor| async move {
            let w = state.write().await?;
            admin::create_buyer_org(&w, &actor, &name).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "admin-invite-buyer")]
pub async fn admin_invite_buyer(organisation_id: i64, email: String) -> Result<(), AppError> {
    let values = serde_json::json!({ "email": email });
    let form = format!("invite_{organisation_id}");
    act(
        &form,
        values,
        "Invitation sent.",
        |state, actor| async move {
            let w = state.write().await?;
            admin::invite_buyer(&w, &state.env, &actor, organisation_id, &email).await?;
            Ok(w.commit().await?)
        },
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
    act(
        "decide",
        serde_json::json!({}),
        "Decision recorded.",
        |state, actor| async move {
            let w = state.write().await?;
            admin::decide_join_request(&w, &actor, request_id, decision == "approve", org).await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "admin-verify-identifier")]
pub async fn admin_verify_identifier(id: i64, verified: String) -> Result<(), AppError> {
    act(
        "verify",
        serde_json::json!({}),
        "Identifier updated.",
        |state, actor| async move {
            let w = state.write().await?;
            admin::set_identifier_verified(&w, &actor, id, verified == "true").await?;
            Ok(w.commit().await?)
        },
    )
    .await
}

#[server(endpoint = "admin-buyer-identifier")]
pub async fn admin_buyer_identifier(
    organisation_id: i64,
    identifier_scheme: String,
    identifier: String,
) -> Result<(), AppError> {
    let values = serde_json::json!({
        "identifier_scheme": identifier_scheme,
        "identifier": identifier,
    });
    let form = format!("org_id_{organisation_id}");
    act(&form, values, "Org-id saved.", |state, actor| async move {
        let w = state.write().await?;
        admin::set_buyer_identifier(&w, &actor, organisation_id, &identifier_scheme, &identifier)
            .await?;
        Ok(w.commit().await?)
    })
    .await
}

#[server(endpoint = "admin-set-org-status")]
pub async fn admin_set_org_status(organisation_id: i64, suspended: String) -> Result<(), AppError> {
    act(
        "status",
        serde_json::json!({}),
        "Organisation status updated.",
        |state, actor| async move {
            let w = state.write().await?;
            admin::set_org_status(&w, &actor, organisation_id, suspended == "true").await?;
            Ok(w.commit().await?)
        },
    )
    .await
}
