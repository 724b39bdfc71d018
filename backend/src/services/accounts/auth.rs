//! Accounts: sign-up, e-mail verification, password reset, and users made directly (the
//! command line). Every answer about an e-mail address is the same whether or not an
//! account exists, and takes as long.
//!
//! Inputs carrying a new password are checked — and the password hashed, tens of
//! milliseconds of work — by an async `check` before the caller opens its transaction, so
//! no transaction is held open while hashing.

use super::{audit, crypto, mails, sessions, tokens};
use crate::entities::{organisation, session, user};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{self, Enqueue};
use crate::services::now;
use crate::services::registry::profiles;
use crate::state::Env;
use domain::accounts::{password, CommonPasswords};
use domain::accounts::{OrgKind, OrgStatus, Role, UserStatus};
use domain::registry::LegalForm;
use domain::text::Email;
use domain::validation::FieldErrors;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use secrecy::{ExposeSecret, SecretString};
use std::sync::LazyLock;

/// A password that passed the rules, hashed (argon2id). Only `check` makes one.
#[derive(Clone)]
pub struct PasswordHash(String);

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(…)")
    }
}

impl PasswordHash {
    /// Checks a new password against the rules (errors under `password`) and hashes it.
    ///
    /// # Errors
    /// A weak password; the hashing task failed.
    pub async fn check(password: SecretString) -> ServiceResult<Self> {
        let mut errors = FieldErrors::new();
        check_new_password(&password, &[], &mut errors);
        errors.into_result(())?;
        Self::hash(password).await
    }

    async fn hash(password: SecretString) -> ServiceResult<Self> {
        Ok(Self(crypto::hash_password(password).await?))
    }
}

/// Passwords attackers try first: the shipped `data/common-passwords.txt`, built into the
/// binary (so a fresh install works offline) and parsed once, on the first new password.
static COMMON_PASSWORDS: LazyLock<CommonPasswords> = LazyLock::new(|| {
    CommonPasswords::from_text(include_str!("../../../../data/common-passwords.txt"))
});

/// Checks a new password (sign-up, reset, invitation, buyer request, `users add`): the
/// length rules, not a common password, and not built on `personal` (the user's email and
/// organisation name, when known). Errors go under `password`.
pub(crate) fn check_new_password(
    password: &SecretString,
    personal: &[&str],
    errors: &mut FieldErrors,
) {
    if let Err(e) =
        password::check_with_context(password.expose_secret(), &COMMON_PASSWORDS, personal)
    {
        errors.add("password", e.to_string());
    }
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

/// What a supplier types to sign up.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub email: String,
    pub password: SecretString,
    pub organisation_name: String,
    pub legal_form: String,
}

/// A sign-up whose every field passed its rules, password hashed.
#[derive(Debug, Clone)]
pub struct CheckedSignUp {
    email: Email,
    password: PasswordHash,
    organisation_name: String,
    legal_form: LegalForm,
}

impl SignUp {
    /// Checks every field (naming each bad one) and hashes the password.
    ///
    /// # Errors
    /// Field errors; the hashing task failed.
    pub async fn check(self) -> ServiceResult<CheckedSignUp> {
        let mut errors = FieldErrors::new();
        let email = parse_email(&self.email, &mut errors);
        check_new_password(
            &self.password,
            &[self.email.as_str(), self.organisation_name.as_str()],
            &mut errors,
        );
        let name = self.organisation_name.trim().to_owned();
        if name.is_empty() {
            errors.add("organisation_name", "Enter your organisation's name");
        } else if name.chars().count() > 200 {
            errors.add(
                "organisation_name",
                "Organisation name must be 200 characters or fewer",
            );
        }
        let legal_form = LegalForm::from_slug(self.legal_form.trim());
        if legal_form.is_none() {
            errors.add("legal_form", "Choose what kind of organisation you are");
        }
        let (Some(email), Some(legal_form), true) = (email, legal_form, errors.is_empty()) else {
            return Err(errors.into());
        };
        Ok(CheckedSignUp {
            email,
            // Hashed in every case, so a sign-up with a registered address costs the same.
            password: PasswordHash::hash(self.password).await?,
            organisation_name: name,
            legal_form,
        })
    }
}

/// Creates an organisation with a draft profile and its first user, and mails a
/// verification link. An address already registered gets a "you already have an account"
/// mail instead; the caller's answer is the same either way.
///
/// # Errors
/// Database failures.
pub async fn sign_up(
    db: &impl ConnectionTrait,
    env: &Env,
    input: CheckedSignUp,
) -> ServiceResult<()> {
    let base = &env.config.base_url;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(input.email.as_str()))
        .one(db)
        .await?;
    if existing.is_some() {
        mails::send(db, mails::already_registered(base, input.email.as_str())).await?;
        return Ok(());
    }
    let name = input.organisation_name;
    let org = insert_organisation(db, OrgKind::Supplier, &name).await?;
    profiles::create_draft_profile(db, org, &name, input.legal_form).await?;
    let user_id = insert_user(
        db,
        NewUserRow {
            email: input.email.as_str(),
            password: &input.password,
            display_name: "",
            role: Role::Supplier,
            organisation_id: Some(org),
            status: UserStatus::Active,
            verified: false,
        },
    )
    .await?;
    audit::record(
        db,
        Some(user_id),
        "sign_up",
        &format!("organisation {org}"),
        &name,
    )
    .await?;
    mails::verification_link(db, env, user_id, input.email.as_str()).await
}

/// Confirms an e-mail address from the link in the verification mail.
///
/// # Errors
/// The token is unknown, used or expired.
pub async fn verify_email(db: &impl ConnectionTrait, token: &str) -> ServiceResult<()> {
    let user = tokens::redeem(db, token, tokens::TokenPurpose::VerifyEmail).await?;
    let mut active: user::ActiveModel = user.into();
    active.email_verified_at = Set(Some(now()));
    active.updated_at = Set(now());
    active.update(db).await?;
    Ok(())
}

/// Mails a fresh verification link if the address has an unverified account.
///
/// # Errors
/// Not an e-mail address; internal failures. The answer never says whether the address
/// is registered.
pub async fn resend_verification(
    db: &impl ConnectionTrait,
    env: &Env,
    raw_email: &str,
) -> ServiceResult<()> {
    let Ok(email) = Email::parse(raw_email) else {
        return Err(ServiceError::field(
            "email",
            "Enter an e-mail address, like name@example.org",
        ));
    };
    if let Some(u) = user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(db)
        .await?
    {
        if u.email_verified_at.is_none() {
            mails::verification_link(db, env, u.id, &u.email).await?;
        }
    }
    Ok(())
}

/// Asks for a reset link to be mailed if the address has an account. Only a job is queued
/// here (the look-up happens in the background), so the answer and its timing are the
/// same either way.
///
/// # Errors
/// The address is not an e-mail address.
pub async fn request_password_reset(
    db: &impl ConnectionTrait,
    raw_email: &str,
) -> ServiceResult<()> {
    let email = Email::parse(raw_email).map_err(|e| ServiceError::field("email", e.to_string()))?;
    jobs::enqueue(
        db,
        &mails::PasswordResetMail {
            email: email.as_str().to_owned(),
        },
        Enqueue::now(),
    )
    .await?;
    Ok(())
}

/// Sets a new password from a reset link, ends every session and API token of the account,
/// spends its other reset links, and verifies the address (the link proved the user reads
/// that inbox).
///
/// # Errors
/// An invalid link.
pub async fn reset_password(
    db: &impl ConnectionTrait,
    token: &str,
    password: PasswordHash,
) -> ServiceResult<()> {
    let u = tokens::redeem(db, token, tokens::TokenPurpose::ResetPassword).await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(u.id))
        .exec(db)
        .await?;
    // Whoever took over the account may have made tokens: they go with the old password.
    sessions::revoke_user_api_tokens(db, u.id).await?;
    let id = u.id;
    let verified = u.email_verified_at.or(Some(now()));
    let mut active: user::ActiveModel = u.into();
    active.password_hash = Set(password.0);
    active.email_verified_at = Set(verified);
    active.updated_at = Set(now());
    active.update(db).await?;
    audit::record(db, Some(id), "reset_password", "user", "").await?;
    Ok(())
}

/// A user made directly (command line, tests), checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    email: Email,
    password: PasswordHash,
    role: Role,
    organisation_name: Option<String>,
}

impl NewUser {
    /// Checks the fields: suppliers and buyers need the organisation they belong to.
    ///
    /// # Errors
    /// Bad e-mail, weak password, unknown role, missing organisation.
    pub async fn check(
        raw_email: &str,
        password: SecretString,
        role: &str,
        organisation_name: Option<&str>,
    ) -> ServiceResult<Self> {
        let mut errors = FieldErrors::new();
        let email = parse_email(raw_email, &mut errors);
        check_new_password(
            &password,
            &[raw_email, organisation_name.unwrap_or_default()],
            &mut errors,
        );
        let role = Role::from_slug(role);
        if role.is_none() {
            errors.add("role", "Role must be supplier, buyer or admin");
        }
        let organisation_name = organisation_name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if role != Some(Role::Admin) && organisation_name.is_none() {
            errors.add(
                "organisation",
                "Give the organisation the user belongs to (--organisation)",
            );
        }
        let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
            return Err(errors.into());
        };
        Ok(Self {
            email,
            password: PasswordHash::hash(password).await?,
            role,
            organisation_name,
        })
    }
}

/// Creates a user directly: verified, active. Buyers and suppliers join the organisation
/// of the given name, created if missing (a supplier's with a draft profile).
///
/// # Errors
/// The address is taken (field `email`); database failures.
pub async fn add_user(db: &impl ConnectionTrait, input: NewUser) -> ServiceResult<i64> {
    if user::Entity::find()
        .filter(user::Column::Email.eq(input.email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Err(ServiceError::field(
            "email",
            "A user with this e-mail address already exists",
        ));
    }
    let org_id = match &input.organisation_name {
        Some(name) => {
            let kind = input.role.organisation_kind();
            let existing = organisation::Entity::find()
                .filter(organisation::Column::Kind.eq(kind.slug()))
                .filter(organisation::Column::Name.eq(name.as_str()))
                .one(db)
                .await?;
            Some(match existing {
                Some(o) => o.id,
                None => {
                    let id = insert_organisation(db, kind, name).await?;
                    if kind == OrgKind::Supplier {
                        profiles::create_draft_profile(
                            db,
                            id,
                            name,
                            LegalForm::PrivateLimitedCompany,
                        )
                        .await?;
                    }
                    id
                }
            })
        }
        None => None,
    };
    let id = insert_user(
        db,
        NewUserRow {
            email: input.email.as_str(),
            password: &input.password,
            display_name: "",
            role: input.role,
            organisation_id: org_id,
            status: UserStatus::Active,
            verified: true,
        },
    )
    .await?;
    audit::record(
        db,
        None,
        "add_user",
        input.email.as_str(),
        input.role.slug(),
    )
    .await?;
    Ok(id)
}

/// An active organisation of the given kind; returns its id.
///
/// # Errors
/// The insert failed.
pub(crate) async fn insert_organisation(
    db: &impl ConnectionTrait,
    kind: OrgKind,
    name: &str,
) -> ServiceResult<i64> {
    let at = now();
    let org = organisation::ActiveModel {
        kind: Set(kind.slug().to_owned()),
        name: Set(name.to_owned()),
        status: Set(OrgStatus::Active.slug().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(org.id)
}

/// A user row to insert.
pub(super) struct NewUserRow<'a> {
    pub email: &'a str,
    pub password: &'a PasswordHash,
    pub display_name: &'a str,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub status: UserStatus,
    /// The address is proven (an invitation link, the command line).
    pub verified: bool,
}

/// Inserts a user; returns its id.
///
/// # Errors
/// The insert failed.
pub(super) async fn insert_user(
    db: &impl ConnectionTrait,
    row: NewUserRow<'_>,
) -> ServiceResult<i64> {
    let at = now();
    let u = user::ActiveModel {
        email: Set(row.email.to_owned()),
        password_hash: Set(row.password.0.clone()),
        display_name: Set(row.display_name.to_owned()),
        role: Set(row.role.slug().to_owned()),
        organisation_id: Set(row.organisation_id),
        status: Set(row.status.slug().to_owned()),
        email_verified_at: Set(row.verified.then_some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(u.id)
}
