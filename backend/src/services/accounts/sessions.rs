//! Who is signing in and who is acting: sign-in and sign-out, sessions (a cookie), API
//! tokens (a bearer header), and the one look-up every edge uses to turn either into the
//! [`CurrentUser`] and its typed [`Actor`].

use super::{audit, crypto, mails};
use crate::entities::{api_token, organisation, session, user};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::state::Env;
use chrono::Duration;
use domain::accounts::dto::CurrentUser;
use domain::accounts::{Actor, Membership, OrgStatus, Role, UserStatus};
use domain::text::Email;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::SecretString;

pub const SESSION_COOKIE: &str = "anchorlink_session";
pub const SESSION_DAYS: i64 = 14;

/// The session token in a request's `Cookie` headers, if any.
pub fn session_token(headers: &http::HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// A cookie's value from request headers.
pub fn cookie(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name && !v.is_empty()).then(|| v.to_owned())
        })
}

/// The signed-in user of a browser request (its session cookie), if any: the one look-up
/// behind server functions and cookie-authenticated downloads alike.
///
/// # Errors
/// The database failed.
pub async fn signed_in(
    db: &impl ConnectionTrait,
    headers: &http::HeaderMap,
) -> ServiceResult<Option<CurrentUser>> {
    match session_token(headers) {
        Some(token) => user_for_session(db, &token).await,
        None => Ok(None),
    }
}

/// Checks e-mail and password and opens a session, returning the cookie value.
///
/// Give it the plain connection, not a transaction: it checks the password (tens of
/// milliseconds of hashing) before it writes anything, and what it writes when it refuses
/// an unverified address — a fresh verification link and its mail — must be kept.
///
/// # Errors
/// `InvalidCredentials` with one message whatever was wrong; a separate message only once
/// the password is proven right (unverified address, suspended account).
pub async fn sign_in(
    db: &impl ConnectionTrait,
    env: &Env,
    raw_email: &str,
    password: SecretString,
) -> ServiceResult<String> {
    let wrong =
        || ServiceError::InvalidCredentials("The e-mail address or password is not right".into());
    let email = Email::parse(raw_email).ok();
    let found = match &email {
        Some(e) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(e.as_str()))
                .one(db)
                .await?
        }
        None => None,
    };
    let ok =
        crypto::verify_password(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let user = match (ok, found) {
        (true, Some(u)) => u,
        _ => return Err(wrong()),
    };
    if user.email_verified_at.is_none() {
        mails::verification_link(db, env, user.id, &user.email).await?;
        return Err(ServiceError::InvalidCredentials(
            "Confirm your e-mail address first: we have sent you a new link".into(),
        ));
    }
    if user.status == UserStatus::Suspended.slug() {
        return Err(ServiceError::InvalidCredentials(
            "This account is suspended. Contact the platform team.".into(),
        ));
    }
    open_session(db, user.id).await
}

/// Opens a session for a user and returns the cookie value.
///
/// # Errors
/// The insert failed.
pub async fn open_session(db: &impl ConnectionTrait, user_id: i64) -> ServiceResult<String> {
    let token = crypto::random_token();
    let at = now();
    // Expired sessions are swept here rather than by a background job.
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(at))
        .exec(db)
        .await?;
    session::ActiveModel {
        id: Set(crypto::digest(&token)),
        user_id: Set(user_id),
        created_at: Set(at),
        expires_at: Set(at + Duration::days(SESSION_DAYS)),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Ends a session.
///
/// # Errors
/// The delete failed.
pub async fn sign_out(db: &impl ConnectionTrait, token: &str) -> ServiceResult<()> {
    session::Entity::delete_by_id(crypto::digest(token))
        .exec(db)
        .await?;
    Ok(())
}

/// Where a user lands after signing in.
pub fn home_for(actor: &Actor) -> &'static str {
    match actor.role {
        Role::Admin => "/admin",
        Role::Buyer => "/suppliers",
        Role::Supplier => "/profile",
    }
}

fn unknown(what: &str, value: &str, user_id: i64) -> ServiceError {
    ServiceError::Unexpected(anyhow::anyhow!("user {user_id}: unknown {what} {value:?}"))
}

/// The user as the edges and services see them, with the typed actor.
async fn to_current(db: &impl ConnectionTrait, u: user::Model) -> ServiceResult<CurrentUser> {
    let org = match u.organisation_id {
        Some(id) => organisation::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let membership = match &org {
        Some(o) => Some(Membership {
            organisation_id: o.id,
            status: OrgStatus::from_slug(&o.status)
                .ok_or_else(|| unknown("organisation status", &o.status, u.id))?,
        }),
        None => None,
    };
    let actor = Actor {
        user_id: u.id,
        role: Role::from_slug(&u.role).ok_or_else(|| unknown("role", &u.role, u.id))?,
        status: UserStatus::from_slug(&u.status)
            .ok_or_else(|| unknown("status", &u.status, u.id))?,
        organisation: membership,
    };
    Ok(CurrentUser {
        actor,
        email: u.email,
        display_name: u.display_name,
        organisation_name: org.map(|o| o.name),
        email_verified: u.email_verified_at.is_some(),
    })
}

/// The user behind a session cookie value, if the session is live.
///
/// # Errors
/// The database failed.
pub async fn user_for_session(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<Option<CurrentUser>> {
    let Some(s) = session::Entity::find_by_id(crypto::digest(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if s.expires_at <= now() {
        return Ok(None);
    }
    match user::Entity::find_by_id(s.user_id).one(db).await? {
        Some(u) if u.status != UserStatus::Suspended.slug() => Ok(Some(to_current(db, u).await?)),
        _ => Ok(None),
    }
}

/// The user behind an API bearer token (as presented, with or without the `al_` prefix).
///
/// # Errors
/// The database failed.
pub async fn user_for_api_token(
    db: &impl ConnectionTrait,
    presented: &str,
) -> ServiceResult<Option<CurrentUser>> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::digest(bare_api_token(presented))))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() {
        return Ok(None);
    }
    match user::Entity::find_by_id(t.user_id).one(db).await? {
        Some(u) if u.status == UserStatus::Active.slug() => Ok(Some(to_current(db, u).await?)),
        _ => Ok(None),
    }
}

/// Issues an API token for a user; only its digest is kept.
///
/// # Errors
/// No such user, or the database failed.
pub async fn issue_api_token(
    db: &impl ConnectionTrait,
    raw_email: &str,
    label: &str,
) -> ServiceResult<String> {
    let email = Email::parse(raw_email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    let u = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let token = crypto::random_token();
    api_token::ActiveModel {
        user_id: Set(u.id),
        token_hash: Set(crypto::digest(&token)),
        label: Set(label.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(db, None, "issue_api_token", &u.email, label).await?;
    Ok(format!("al_{token}"))
}

/// Strips the `al_` prefix API tokens are shown with.
pub fn bare_api_token(presented: &str) -> &str {
    presented
        .trim()
        .strip_prefix("al_")
        .unwrap_or(presented.trim())
}
