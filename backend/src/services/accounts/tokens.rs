//! One-time links sent by e-mail (address verification, password reset): only a digest of
//! each token is stored, and a token works once, for its purpose, until it expires.

use super::crypto;
use crate::entities::{email_token, user};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

/// What a one-time link is for, and how long it stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    fn slug(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    fn valid_for(self) -> Duration {
        match self {
            Self::VerifyEmail => Duration::hours(48),
            Self::ResetPassword => Duration::hours(2),
        }
    }
}

/// Issues a token for a user; returns the token (to put in a link), storing its digest.
///
/// # Errors
/// The insert failed.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: TokenPurpose,
) -> ServiceResult<String> {
    let token = crypto::random_token();
    let at = now();
    email_token::ActiveModel {
        token_hash: Set(crypto::digest(&token)),
        user_id: Set(user_id),
        purpose: Set(purpose.slug().to_owned()),
        created_at: Set(at),
        expires_at: Set(at + purpose.valid_for()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

fn invalid() -> ServiceError {
    ServiceError::field(
        "token",
        "This link is invalid or has expired. Ask for a new one.",
    )
}

/// The live token row, if the token is unknown, used, expired or for another purpose:
/// the field error `token`.
async fn live(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: TokenPurpose,
) -> ServiceResult<email_token::Model> {
    email_token::Entity::find_by_id(crypto::digest(token.trim()))
        .one(db)
        .await?
        .filter(|t| t.purpose == purpose.slug() && t.used_at.is_none() && t.expires_at > now())
        .ok_or_else(invalid)
}

/// Checks that a token would be accepted, without using it (so that a dead link is refused
/// before a new password is hashed).
///
/// # Errors
/// Field `token` when it is unknown, used, expired or for another purpose.
pub async fn check(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: TokenPurpose,
) -> ServiceResult<()> {
    live(db, token, purpose).await.map(|_| ())
}

/// Uses a token, returning its user. The use is one conditional update (still unused and
/// unexpired), so of two requests racing with one link only one succeeds; the user's other
/// links for the same purpose are spent with it.
///
/// # Errors
/// Field `token` when it is unknown, used, expired or for another purpose.
pub async fn redeem(
    db: &impl ConnectionTrait,
    token: &str,
    purpose: TokenPurpose,
) -> ServiceResult<user::Model> {
    let row = live(db, token, purpose).await?;
    let at = now();
    let claimed = email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(Some(at)))
        .filter(email_token::Column::TokenHash.eq(row.token_hash.clone()))
        .filter(email_token::Column::UsedAt.is_null())
        .filter(email_token::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(invalid());
    }
    email_token::Entity::update_many()
        .col_expr(email_token::Column::UsedAt, Expr::value(Some(at)))
        .filter(email_token::Column::UserId.eq(row.user_id))
        .filter(email_token::Column::Purpose.eq(purpose.slug()))
        .filter(email_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    user::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .ok_or_else(invalid)
}
