//! Who is signing in and who is acting: sign-in and sign-out, sessions (a cookie), API
//! tokens (a bearer header), and the one look-up every edge uses to turn either into the
//! [`CurrentUser`] and its typed [`Actor`].

use super::limits::{self, ClientAddress};
use super::{audit, crypto, mails};
use crate::entities::{api_token, organisation, session, user};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::state::Env;
use chrono::Duration;
use domain::accounts::dto::CurrentUser;
use domain::accounts::{Actor, Membership, OrgStatus, Role, UserStatus};
use domain::text::Email;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use secrecy::SecretString;

pub const SESSION_COOKIE: &str = "anchorlink_session";
/// The cookie's name over https: the `__Host-` prefix makes browsers refuse it unless it is
/// `Secure`, for the whole site and set by this host, so a neighbouring subdomain cannot
/// plant a session.
pub const SECURE_SESSION_COOKIE: &str = "__Host-anchorlink_session";
pub const SESSION_DAYS: i64 = 14;
/// A session unused for this long ends (ASVS 3.3.2 asks for 30 minutes at level 2);
/// `ANCHORLINK_SESSION_IDLE_MINUTES` changes it.
pub const DEFAULT_IDLE_MINUTES: i64 = 30;
/// A session's last use is written at most this often, so reading pages does not turn
/// every request into a write.
const TOUCH_EVERY_SECS: i64 = 60;

/// The session cookie's name where this site runs.
#[must_use]
pub fn session_cookie(env: &Env) -> &'static str {
    if env.config.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session token in a request's `Cookie` headers, if any.
pub fn session_token(env: &Env, headers: &http::HeaderMap) -> Option<String> {
    cookie(headers, session_cookie(env))
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
    env: &Env,
    headers: &http::HeaderMap,
) -> ServiceResult<Option<CurrentUser>> {
    match session_token(env, headers) {
        Some(token) => user_for_session(db, env, &token).await,
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
    client: &ClientAddress,
    raw_email: &str,
    password: SecretString,
) -> ServiceResult<String> {
    let wrong =
        || ServiceError::InvalidCredentials("The e-mail address or password is not right".into());
    // The limits come before the password is hashed: a refused burst costs no argon2 work.
    let account = limits::address_subject(raw_email);
    limits::hit(db, limits::SIGN_IN_PER_CLIENT, &client.0).await?;
    match limits::check(db, limits::SIGN_IN_FAILURES_PER_ACCOUNT, &account).await {
        Err(locked @ ServiceError::TooManyRequests { .. }) => {
            audit::record(db, None, "sign_in_locked_out", &account, &client.0).await?;
            return Err(locked);
        }
        other => other?,
    }
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
        (_, found) => {
            limits::record(db, limits::SIGN_IN_FAILURES_PER_ACCOUNT, &account).await?;
            audit::record(
                db,
                found.map(|u| u.id),
                "sign_in_failed",
                &account,
                &client.0,
            )
            .await?;
            return Err(wrong());
        }
    };
    limits::clear(db, limits::SIGN_IN_FAILURES_PER_ACCOUNT, &account).await?;
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
    if organisation_suspended(db, user.organisation_id).await? {
        return Err(ServiceError::InvalidCredentials(
            "Your organisation's account is suspended. Contact the platform team.".into(),
        ));
    }
    open_session(db, user.id).await
}

async fn organisation_suspended(
    db: &impl ConnectionTrait,
    organisation_id: Option<i64>,
) -> ServiceResult<bool> {
    let Some(id) = organisation_id else {
        return Ok(false);
    };
    Ok(organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|o| o.status == OrgStatus::Suspended.slug()))
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
        last_seen_at: Set(Some(at)),
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

/// An active user by e-mail address, as services see them (for the command line, which
/// acts for a named user).
///
/// # Errors
/// The database failed, or a stored role or status is unknown.
pub async fn active_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> ServiceResult<Option<CurrentUser>> {
    match user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?
    {
        Some(u) if u.status == UserStatus::Active.slug() => Ok(Some(to_current(db, u).await?)),
        _ => Ok(None),
    }
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
    env: &Env,
    token: &str,
) -> ServiceResult<Option<CurrentUser>> {
    let Some(s) = session::Entity::find_by_id(crypto::digest(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = now();
    let last_seen = s.last_seen_at.unwrap_or(s.created_at);
    if s.expires_at <= at || at - last_seen >= env.config.session_idle {
        session::Entity::delete_by_id(s.id).exec(db).await?;
        return Ok(None);
    }
    let user = match user::Entity::find_by_id(s.user_id).one(db).await? {
        Some(u) if u.status != UserStatus::Suspended.slug() => to_current(db, u).await?,
        _ => return Ok(None),
    };
    if user
        .actor
        .organisation
        .as_ref()
        .is_some_and(|m| m.status == OrgStatus::Suspended)
    {
        return Ok(None);
    }
    if (at - last_seen).num_seconds() >= TOUCH_EVERY_SECS {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(Some(at)))
            .filter(session::Column::Id.eq(s.id))
            .exec(db)
            .await?;
    }
    Ok(Some(user))
}

/// What an API token may do: `read` (GET and HEAD only) or `write` (everything its user
/// may do; tokens issued before scopes existed are `write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    #[must_use]
    pub const fn slug(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
        }
    }

    /// # Errors
    /// Field `scope` for anything but `read` or `write`.
    pub fn parse(s: &str) -> ServiceResult<Self> {
        match s.trim() {
            "read" => Ok(Self::Read),
            "write" => Ok(Self::Write),
            other => Err(ServiceError::field(
                "scope",
                format!("{other:?} is not a scope: use read or write"),
            )),
        }
    }

    /// True when the scope allows a request with this method.
    #[must_use]
    pub fn allows(self, method: &http::Method) -> bool {
        self == Self::Write
            || matches!(
                *method,
                http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
            )
    }
}

/// The caller behind an API token: the user and what the token may do.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user: CurrentUser,
    pub scope: TokenScope,
}

/// The user behind an API bearer token (as presented, with or without the `al_` prefix).
///
/// # Errors
/// The database failed.
pub async fn user_for_api_token(
    db: &impl ConnectionTrait,
    presented: &str,
) -> ServiceResult<Option<CurrentUser>> {
    Ok(api_caller(db, presented).await?.map(|c| c.user))
}

/// The caller behind an API bearer token, if the token is live (not revoked, not expired,
/// its user active); records when it was last used (at most once a minute).
///
/// # Errors
/// The database failed.
pub async fn api_caller(
    db: &impl ConnectionTrait,
    presented: &str,
) -> ServiceResult<Option<ApiCaller>> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::digest(bare_api_token(presented))))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let at = now();
    if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= at) {
        return Ok(None);
    }
    let scope = TokenScope::parse(&t.scope)?;
    let user = match user::Entity::find_by_id(t.user_id).one(db).await? {
        Some(u) if u.status == UserStatus::Active.slug() => to_current(db, u).await?,
        _ => return Ok(None),
    };
    if t.last_used_at
        .is_none_or(|l| (at - l).num_seconds() >= TOUCH_EVERY_SECS)
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(at)))
            .filter(api_token::Column::Id.eq(t.id))
            .exec(db)
            .await?;
    }
    Ok(Some(ApiCaller { user, scope }))
}

/// How a new API token is limited.
#[derive(Debug, Clone, Copy)]
pub struct TokenTerms {
    pub scope: TokenScope,
    /// None: until revoked.
    pub expires_in_days: Option<u32>,
}

impl Default for TokenTerms {
    fn default() -> Self {
        Self {
            scope: TokenScope::Write,
            expires_in_days: None,
        }
    }
}

/// Issues an API token for a user (reads and writes, no expiry); only its digest is kept.
///
/// # Errors
/// No such user, or the database failed.
pub async fn issue_api_token(
    db: &impl ConnectionTrait,
    raw_email: &str,
    label: &str,
) -> ServiceResult<String> {
    issue_api_token_with(db, raw_email, label, TokenTerms::default()).await
}

/// Issues an API token with a scope and an expiry; only its digest is kept.
///
/// # Errors
/// No such user, a zero expiry, or the database failed.
pub async fn issue_api_token_with(
    db: &impl ConnectionTrait,
    raw_email: &str,
    label: &str,
    terms: TokenTerms,
) -> ServiceResult<String> {
    let email = Email::parse(raw_email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    if terms.expires_in_days == Some(0) {
        return Err(ServiceError::field(
            "expires_in_days",
            "A token must last at least one day",
        ));
    }
    let u = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let token = crypto::random_token();
    let at = now();
    api_token::ActiveModel {
        user_id: Set(u.id),
        token_hash: Set(crypto::digest(&token)),
        label: Set(label.to_owned()),
        created_at: Set(at),
        expires_at: Set(terms
            .expires_in_days
            .map(|d| at + Duration::days(i64::from(d)))),
        scope: Set(terms.scope.slug().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        None,
        "issue_api_token",
        &u.email,
        &format!("{label} ({})", terms.scope.slug()),
    )
    .await?;
    Ok(format!("al_{token}"))
}

/// One API token as `anchorlink tokens list` shows it (never the token itself).
#[derive(Debug, Clone)]
pub struct TokenListing {
    pub id: i64,
    pub email: String,
    pub label: String,
    pub scope: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every API token (of one user when `email` is given), newest first.
///
/// # Errors
/// Not an e-mail address; the database failed.
pub async fn list_api_tokens(
    db: &impl ConnectionTrait,
    email: Option<&str>,
) -> ServiceResult<Vec<TokenListing>> {
    let mut users = user::Entity::find();
    if let Some(raw) = email {
        let e = Email::parse(raw).map_err(|e| ServiceError::field("email", e.to_string()))?;
        users = users.filter(user::Column::Email.eq(e.as_str()));
    }
    let emails: std::collections::HashMap<i64, String> = users
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.is_in(emails.keys().copied()))
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?;
    Ok(tokens
        .into_iter()
        .map(|t| TokenListing {
            id: t.id,
            email: emails.get(&t.user_id).cloned().unwrap_or_default(),
            label: t.label,
            scope: t.scope,
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Revokes one API token by its id.
///
/// # Errors
/// `NotFound` for an unknown or already revoked token; the database failed.
pub async fn revoke_api_token(db: &impl ConnectionTrait, id: i64) -> ServiceResult<()> {
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    audit::record(db, None, "revoke_api_token", &format!("token {id}"), "").await?;
    Ok(())
}

/// Revokes every live API token of a user (after a password reset).
///
/// # Errors
/// The database failed.
pub async fn revoke_user_api_tokens(db: &impl ConnectionTrait, user_id: i64) -> ServiceResult<u64> {
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Strips the `al_` prefix API tokens are shown with.
pub fn bare_api_token(presented: &str) -> &str {
    presented
        .trim()
        .strip_prefix("al_")
        .unwrap_or(presented.trim())
}
