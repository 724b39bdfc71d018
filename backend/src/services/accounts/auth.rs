//! Accounts: sign-up, e-mail verification, sign-in, sessions, password reset, invitations,
//! API tokens. Every answer about an e-mail address is the same whether or not an account
//! exists, and takes as long.

use super::{audit, crypto};
use crate::entities::{api_token, email_token, invitation, organisation, session, user};
use crate::error::{ServiceError, ServiceResult};
use crate::mail::{Email as Mail, Mailer};
use crate::services::now;
use crate::services::registry::profiles;
use crate::state::AppState;
use chrono::Duration;
use domain::accounts::dto::CurrentUser;
use domain::registry::LegalForm;
use domain::text::{check_password, Email};
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use secrecy::SecretString;

pub const SESSION_COOKIE: &str = "anchorlink_session";
pub const SESSION_DAYS: i64 = 14;
const VERIFY_HOURS: i64 = 48;
const RESET_HOURS: i64 = 2;
const INVITE_DAYS: i64 = 14;

/// What a supplier types to sign up.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: String,
    pub password: SecretString,
    pub organisation_name: String,
    pub legal_form: String,
}

fn parse_email(raw: &str, errors: &mut FieldErrors) -> Option<Email> {
    match Email::parse(raw) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.add("email", e.to_string());
            None
        }
    }
}

fn check_new_password(password: &SecretString, errors: &mut FieldErrors) {
    use secrecy::ExposeSecret;
    if let Err(e) = check_password(password.expose_secret()) {
        errors.add("password", e.to_string());
    }
}

/// Creates an organisation with a draft profile and its first user, and sends a
/// verification link. An address already registered gets a "you already have an account"
/// mail instead; the caller's answer is the same either way.
///
/// # Errors
/// Validation of the fields, or an internal failure.
pub async fn sign_up(state: &AppState, input: SignUp) -> ServiceResult<()> {
    let mut errors = FieldErrors::new();
    let email = parse_email(&input.email, &mut errors);
    check_new_password(&input.password, &mut errors);
    let name = input.organisation_name.trim().to_owned();
    if name.is_empty() {
        errors.add("organisation_name", "Enter your organisation's name");
    } else if name.chars().count() > 200 {
        errors.add(
            "organisation_name",
            "Organisation name must be 200 characters or fewer",
        );
    }
    let legal_form = match LegalForm::from_slug(input.legal_form.trim()) {
        Some(f) => Some(f),
        None => {
            errors.add("legal_form", "Choose what kind of organisation you are");
            None
        }
    };
    let (Some(email), Some(legal_form)) = (email, legal_form) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // Hash first in every case, so both branches cost the same.
    let hash = crypto::hash_password(input.password).await?;
    let db = &state.db;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?;
    if existing.is_some() {
        send_later(
            &state.mailer,
            Mail {
                to: email.as_str().to_owned(),
                subject: "You already have an Anchorlink account".into(),
                body: format!(
                    "Someone (probably you) tried to sign up with this address, which already has an account.\n\n\
                     Sign in: {base}/login\nForgotten your password? {base}/forgot-password\n",
                    base = state.config.base_url
                ),
            },
        );
        return Ok(());
    }
    let txn = db.begin().await?;
    let at = now();
    let org = organisation::ActiveModel {
        kind: Set("supplier".into()),
        name: Set(name.clone()),
        status: Set("active".into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    profiles::create_draft_profile(&txn, org.id, &name, legal_form).await?;
    let user = user::ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(hash),
        display_name: Set(String::new()),
        role: Set("supplier".into()),
        organisation_id: Set(Some(org.id)),
        status: Set("active".into()),
        email_verified_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let token =
        issue_email_token(&txn, user.id, "verify_email", Duration::hours(VERIFY_HOURS)).await?;
    audit::record(
        &txn,
        Some(user.id),
        "sign_up",
        &format!("organisation {}", org.id),
        &name,
    )
    .await?;
    txn.commit().await?;
    send_later(
        &state.mailer,
        verification_mail(&state.config.base_url, email.as_str(), &token),
    );
    Ok(())
}

fn verification_mail(base: &str, to: &str, token: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your e-mail address for Anchorlink".into(),
        body: format!(
            "Welcome to Anchorlink.\n\nConfirm your e-mail address by opening this link (valid for 48 hours):\n\n\
             {base}/verify-email?token={token}\n\nIf you did not sign up, ignore this message.\n"
        ),
    }
}

/// Sends mail in the background: the request's answer and timing do not depend on it.
fn send_later(mailer: &Mailer, mail: Mail) {
    let mailer = mailer.clone();
    tokio::spawn(async move {
        let to = mail.to.clone();
        if let Err(e) = mailer.send(mail).await {
            tracing::error!(error = format!("{e:#}"), %to, "sending mail failed");
        }
    });
}

/// Sends mail and waits for it (used where the caller must know it went, e.g. invitations).
async fn send_now(mailer: &Mailer, mail: Mail) -> ServiceResult<()> {
    mailer.send(mail).await.map_err(ServiceError::Unexpected)
}

async fn issue_email_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: &str,
    valid_for: Duration,
) -> ServiceResult<String> {
    let token = crypto::random_token();
    let at = now();
    email_token::ActiveModel {
        token_hash: Set(crypto::digest(&token)),
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        created_at: Set(at),
        expires_at: Set(at + valid_for),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// Uses a one-time e-mail token, returning its user.
async fn redeem_email_token(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: &str,
) -> ServiceResult<user::Model> {
    let invalid = || {
        ServiceError::field(
            "token",
            "This link is invalid or has expired. Ask for a new one.",
        )
    };
    let row = email_token::Entity::find_by_id(crypto::digest(token.trim()))
        .one(db)
        .await?
        .filter(|t| t.purpose == purpose && t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(invalid)?;
    let user = user::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let mut used: email_token::ActiveModel = row.into();
    used.used_at = Set(Some(now()));
    used.update(db).await?;
    Ok(user)
}

/// Confirms an e-mail address from the link in the verification mail.
///
/// # Errors
/// The token is unknown, used or expired.
pub async fn verify_email(db: &sea_orm::DatabaseConnection, token: &str) -> ServiceResult<()> {
    let txn = db.begin().await?;
    let user = redeem_email_token(&txn, token, "verify_email").await?;
    let mut active: user::ActiveModel = user.into();
    active.email_verified_at = Set(Some(now()));
    active.updated_at = Set(now());
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Sends a fresh verification link if the address has an unverified account.
///
/// # Errors
/// Internal failures only: the answer never says whether the address is registered.
pub async fn resend_verification(state: &AppState, raw_email: &str) -> ServiceResult<()> {
    let Ok(email) = Email::parse(raw_email) else {
        return Err(ServiceError::field(
            "email",
            "Enter an e-mail address, like name@example.org",
        ));
    };
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&state.db)
        .await?
    {
        if u.email_verified_at.is_none() {
            let token = issue_email_token(
                &state.db,
                u.id,
                "verify_email",
                Duration::hours(VERIFY_HOURS),
            )
            .await?;
            send_later(
                &state.mailer,
                verification_mail(&state.config.base_url, &u.email, &token),
            );
        }
    }
    Ok(())
}

/// Checks e-mail and password and opens a session, returning the cookie value.
///
/// # Errors
/// `InvalidCredentials` with one message whatever was wrong; a separate message only once
/// the password is proven right (unverified address, suspended account).
pub async fn sign_in(
    state: &AppState,
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
                .one(&state.db)
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
        resend_verification(state, &user.email).await?;
        return Err(ServiceError::InvalidCredentials(
            "Confirm your e-mail address first: we have sent you a new link".into(),
        ));
    }
    if user.status == "suspended" {
        return Err(ServiceError::InvalidCredentials(
            "This account is suspended. Contact the platform team.".into(),
        ));
    }
    open_session(&state.db, user.id).await
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

async fn to_current(db: &impl ConnectionTrait, u: user::Model) -> ServiceResult<CurrentUser> {
    let org = match u.organisation_id {
        Some(id) => organisation::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let org_suspended = org.as_ref().is_some_and(|o| o.status == "suspended");
    Ok(CurrentUser {
        id: u.id,
        email: u.email,
        display_name: u.display_name,
        role: u.role,
        status: if org_suspended {
            "suspended".into()
        } else {
            u.status
        },
        organisation_id: u.organisation_id,
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
        Some(u) if u.status != "suspended" => Ok(Some(to_current(db, u).await?)),
        _ => Ok(None),
    }
}

/// The user behind an API bearer token.
///
/// # Errors
/// The database failed.
pub async fn user_for_api_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<Option<CurrentUser>> {
    let Some(t) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crypto::digest(token.trim())))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if t.revoked_at.is_some() {
        return Ok(None);
    }
    match user::Entity::find_by_id(t.user_id).one(db).await? {
        Some(u) if u.status == "active" => Ok(Some(to_current(db, u).await?)),
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

/// Sends a reset link if the address has an account. Same answer and timing either way.
///
/// # Errors
/// The address is not an e-mail address.
pub async fn request_password_reset(state: &AppState, raw_email: &str) -> ServiceResult<()> {
    let email = Email::parse(raw_email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    let state = state.clone();
    // Look-up, token and mail happen after the answer, so timing cannot reveal the account.
    tokio::spawn(async move {
        let result: ServiceResult<()> = async {
            if let Some(u) = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db).await? {
                let token = issue_email_token(&state.db, u.id, "reset_password", Duration::hours(RESET_HOURS)).await?;
                send_now(
                    &state.mailer,
                    Mail {
                        to: u.email.clone(),
                        subject: "Reset your Anchorlink password".into(),
                        body: format!(
                            "Choose a new password with this link (valid for 2 hours):\n\n{}/reset-password?token={token}\n\n\
                             If you did not ask for this, ignore this message; your password is unchanged.\n",
                            state.config.base_url
                        ),
                    },
                )
                .await?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::error!(error = ?e, "password reset mail failed");
        }
    });
    Ok(())
}

/// Sets a new password from a reset link, ends every session of the account and verifies
/// the address (the link proved the user reads that inbox).
///
/// # Errors
/// A weak password or an invalid link.
pub async fn reset_password(
    db: &sea_orm::DatabaseConnection,
    token: &str,
    password: SecretString,
) -> ServiceResult<()> {
    let mut errors = FieldErrors::new();
    check_new_password(&password, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = crypto::hash_password(password).await?;
    let txn = db.begin().await?;
    let u = redeem_email_token(&txn, token, "reset_password").await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(u.id))
        .exec(&txn)
        .await?;
    let id = u.id;
    let verified = u.email_verified_at.or(Some(now()));
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(hash);
    active.email_verified_at = Set(verified);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    audit::record(&txn, Some(id), "reset_password", "user", "").await?;
    txn.commit().await?;
    Ok(())
}

/// Creates a user directly (command line, tests): verified, active. Buyers and suppliers
/// join the organisation of the given name, created if missing.
///
/// # Errors
/// Bad e-mail, weak password, unknown role, or the address is taken.
pub async fn add_user(
    db: &sea_orm::DatabaseConnection,
    raw_email: &str,
    password: SecretString,
    role: &str,
    organisation_name: Option<&str>,
) -> ServiceResult<i64> {
    let mut errors = FieldErrors::new();
    let email = parse_email(raw_email, &mut errors);
    check_new_password(&password, &mut errors);
    if !["supplier", "buyer", "admin"].contains(&role) {
        errors.add("role", "Role must be supplier, buyer or admin");
    }
    if role != "admin" && organisation_name.map(str::trim).unwrap_or("").is_empty() {
        errors.add(
            "organisation",
            "Give the organisation the user belongs to (--organisation)",
        );
    }
    let Some(email) = email else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = crypto::hash_password(password).await?;
    let txn = db.begin().await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "email",
            "A user with this e-mail address already exists",
        ));
    }
    let at = now();
    let org_id = match organisation_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => {
            let kind = if role == "admin" { "platform" } else { role };
            let existing = organisation::Entity::find()
                .filter(organisation::Column::Kind.eq(kind))
                .filter(organisation::Column::Name.eq(name))
                .one(&txn)
                .await?;
            Some(match existing {
                Some(o) => o.id,
                None => {
                    let o = organisation::ActiveModel {
                        kind: Set(kind.into()),
                        name: Set(name.into()),
                        status: Set("active".into()),
                        created_at: Set(at),
                        updated_at: Set(at),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    if kind == "supplier" {
                        profiles::create_draft_profile(
                            &txn,
                            o.id,
                            name,
                            LegalForm::PrivateLimitedCompany,
                        )
                        .await?;
                    }
                    o.id
                }
            })
        }
        None => None,
    };
    let u = user::ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(hash),
        display_name: Set(String::new()),
        role: Set(role.to_owned()),
        organisation_id: Set(org_id),
        status: Set("active".into()),
        email_verified_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, None, "add_user", &u.email, role).await?;
    txn.commit().await?;
    Ok(u.id)
}

/// Invites someone to join an organisation; the link lets them choose a password.
///
/// # Errors
/// Bad address, an existing account, or mail failure.
pub async fn invite(
    state: &AppState,
    inviter: &CurrentUser,
    organisation_id: i64,
    role: &str,
    raw_email: &str,
) -> ServiceResult<()> {
    let email = Email::parse(raw_email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    let db = &state.db;
    if user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "email",
            "This person already has an Anchorlink account",
        ));
    }
    let org = organisation::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let token = crypto::random_token();
    let at = now();
    let txn = db.begin().await?;
    invitation::ActiveModel {
        token_hash: Set(crypto::digest(&token)),
        organisation_id: Set(organisation_id),
        email: Set(email.as_str().to_owned()),
        role: Set(role.to_owned()),
        invited_by: Set(Some(inviter.id)),
        created_at: Set(at),
        expires_at: Set(at + Duration::days(INVITE_DAYS)),
        accepted_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, Some(inviter.id), "invite", email.as_str(), &org.name).await?;
    send_now(
        &state.mailer,
        Mail {
            to: email.as_str().to_owned(),
            subject: format!("You are invited to join {} on Anchorlink", org.name),
            body: format!(
                "{} has invited you to join {} on Anchorlink.\n\nAccept (valid for 14 days):\n\n{}/invitations/{token}\n",
                inviter.email, org.name, state.config.base_url
            ),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The organisation name and address of a live invitation.
///
/// # Errors
/// Unknown, used or expired token.
pub async fn invitation_details(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<(String, String)> {
    let inv = live_invitation(db, token).await?;
    let org = organisation::Entity::find_by_id(inv.organisation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((org.name, inv.email))
}

async fn live_invitation(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<invitation::Model> {
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(crypto::digest(token.trim())))
        .one(db)
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > now())
        .ok_or_else(|| ServiceError::field("token", "This invitation is invalid, used or expired"))
}

/// Accepts an invitation: creates the user (verified: the link proved the inbox) and opens
/// a session.
///
/// # Errors
/// Weak password, invalid invitation.
pub async fn accept_invitation(
    db: &sea_orm::DatabaseConnection,
    token: &str,
    display_name: &str,
    password: SecretString,
) -> ServiceResult<String> {
    let mut errors = FieldErrors::new();
    check_new_password(&password, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = crypto::hash_password(password).await?;
    let txn = db.begin().await?;
    let inv = live_invitation(&txn, token).await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(inv.email.clone()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "token",
            "This invitation has already been used",
        ));
    }
    let at = now();
    let u = user::ActiveModel {
        email: Set(inv.email.clone()),
        password_hash: Set(hash),
        display_name: Set(display_name.trim().to_owned()),
        role: Set(inv.role.clone()),
        organisation_id: Set(Some(inv.organisation_id)),
        status: Set("active".into()),
        email_verified_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut accepted: invitation::ActiveModel = inv.into();
    accepted.accepted_at = Set(Some(at));
    accepted.update(&txn).await?;
    audit::record(&txn, Some(u.id), "accept_invitation", &u.email, "").await?;
    let session = open_session(&txn, u.id).await?;
    txn.commit().await?;
    Ok(session)
}
