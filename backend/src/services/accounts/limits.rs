//! Rate limits on the doors an attacker knocks on: sign-in, sign-up, forgotten password,
//! resent verification links and buyer access requests.
//!
//! Each attempt is a row in `rate_limit_hits`, so every server process on the same database
//! counts the same attempts (a limit kept in one process's memory would be halved by a
//! second instance). A limit is a number of attempts in a sliding window, per subject: the
//! client's address, or the normalised e-mail address an attempt is about. Checks come
//! before any password hashing, so a refused burst costs one indexed count each.

use crate::entities::rate_limit_hit;
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// How many attempts of one kind a subject may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// The kind of attempt, stored with each hit.
    pub bucket: &'static str,
    pub max: u64,
    pub window_secs: i64,
    /// What the refusal tells the user (followed by when to try again).
    pub message: &'static str,
}

const FIFTEEN_MINUTES: i64 = 15 * 60;
const HOUR: i64 = 60 * 60;

/// Failed sign-ins to one account: after 10 in 15 minutes the account is locked until the
/// oldest of them is 15 minutes old (ASVS 2.2.1).
pub const SIGN_IN_FAILURES_PER_ACCOUNT: Limit = Limit {
    bucket: "sign_in_failed",
    max: 10,
    window_secs: FIFTEEN_MINUTES,
    message: "Too many failed sign-ins to this account. For your security it is locked for now: try again",
};

/// Sign-in attempts from one address (whatever the account): generous, since an office or
/// a proxy puts many people behind one address, but it stops one machine trying thousands
/// of accounts.
pub const SIGN_IN_PER_CLIENT: Limit = Limit {
    bucket: "sign_in_client",
    max: 100,
    window_secs: FIFTEEN_MINUTES,
    message: "Too many sign-in attempts from your network. Try again",
};

/// Sign-ups from one address.
pub const SIGN_UP_PER_CLIENT: Limit = Limit {
    bucket: "sign_up_client",
    max: 30,
    window_secs: HOUR,
    message: "Too many sign-ups from your network. Try again",
};

/// Reset links asked for, from one address.
pub const RESET_PER_CLIENT: Limit = Limit {
    bucket: "reset_client",
    max: 30,
    window_secs: HOUR,
    message: "Too many password reset requests from your network. Try again",
};

/// Reset links asked for one e-mail address (a mailbox is not to be flooded).
pub const RESET_PER_ADDRESS: Limit = Limit {
    bucket: "reset_address",
    max: 5,
    window_secs: HOUR,
    message: "Too many reset links were asked for this address. Check your inbox, or try again",
};

/// Verification links resent, from one address.
pub const RESEND_PER_CLIENT: Limit = Limit {
    bucket: "resend_client",
    max: 30,
    window_secs: HOUR,
    message: "Too many requests from your network. Try again",
};

/// Verification links resent to one e-mail address.
pub const RESEND_PER_ADDRESS: Limit = Limit {
    bucket: "resend_address",
    max: 5,
    window_secs: HOUR,
    message: "Too many links were sent to this address. Check your inbox, or try again",
};

/// Buyer access requests from one address.
pub const BUYER_ACCESS_PER_CLIENT: Limit = Limit {
    bucket: "buyer_access_client",
    max: 10,
    window_secs: HOUR,
    message: "Too many access requests from your network. Try again",
};

/// Who is asking: the client's address as the server sees it (the peer, or the header a
/// trusted proxy sets). Requests whose address is not known share one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    /// The subject for a request without a known address.
    #[must_use]
    pub fn unknown() -> Self {
        Self("unknown".into())
    }
}

/// The subject for limits about an e-mail address: trimmed and lower-cased, so `A@x.org`
/// and `a@x.org ` count together.
#[must_use]
pub fn address_subject(raw_email: &str) -> String {
    raw_email.trim().to_lowercase()
}

fn refusal(limit: Limit, retry_after_secs: i64) -> ServiceError {
    let secs = u64::try_from(retry_after_secs.max(1)).unwrap_or(1);
    let minutes = secs.div_ceil(60);
    let when = if minutes <= 1 {
        "in a minute".to_owned()
    } else {
        format!("in {minutes} minutes")
    };
    ServiceError::TooManyRequests {
        message: format!("{} {when}.", limit.message),
        retry_after_secs: secs,
    }
}

/// Refuses when the subject has used up the limit; records nothing.
///
/// # Errors
/// `TooManyRequests` with the seconds until the oldest counted attempt leaves the window;
/// database failures.
pub async fn check(db: &impl ConnectionTrait, limit: Limit, subject: &str) -> ServiceResult<()> {
    let at = now();
    let since = at - Duration::seconds(limit.window_secs);
    let in_window = || {
        rate_limit_hit::Entity::find()
            .filter(rate_limit_hit::Column::Bucket.eq(limit.bucket))
            .filter(rate_limit_hit::Column::Subject.eq(subject))
            .filter(rate_limit_hit::Column::At.gt(since))
    };
    let count = in_window().count(db).await?;
    if count < limit.max {
        return Ok(());
    }
    // The window frees a place when the oldest of the last `max` attempts leaves it.
    let skip = count - limit.max;
    let oldest = in_window()
        .order_by_asc(rate_limit_hit::Column::At)
        .offset(skip)
        .one(db)
        .await?
        .map_or(at, |h| h.at);
    let retry = (oldest + Duration::seconds(limit.window_secs) - at).num_seconds() + 1;
    Err(refusal(limit, retry))
}

/// Counts one attempt.
///
/// # Errors
/// Database failures.
pub async fn record(db: &impl ConnectionTrait, limit: Limit, subject: &str) -> ServiceResult<()> {
    let at = now();
    rate_limit_hit::ActiveModel {
        bucket: Set(limit.bucket.to_owned()),
        subject: Set(subject.to_owned()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // Hits older than the longest window count for nothing: swept as new ones arrive.
    rate_limit_hit::Entity::delete_many()
        .filter(rate_limit_hit::Column::At.lt(at - Duration::days(1)))
        .exec(db)
        .await?;
    Ok(())
}

/// Checks the limit, then counts this attempt.
///
/// # Errors
/// As [`check`] and [`record`].
pub async fn hit(db: &impl ConnectionTrait, limit: Limit, subject: &str) -> ServiceResult<()> {
    check(db, limit, subject).await?;
    record(db, limit, subject).await
}

/// Forgets a subject's attempts (a successful sign-in clears its failures).
///
/// # Errors
/// Database failures.
pub async fn clear(db: &impl ConnectionTrait, limit: Limit, subject: &str) -> ServiceResult<()> {
    rate_limit_hit::Entity::delete_many()
        .filter(rate_limit_hit::Column::Bucket.eq(limit.bucket))
        .filter(rate_limit_hit::Column::Subject.eq(subject))
        .exec(db)
        .await?;
    Ok(())
}
