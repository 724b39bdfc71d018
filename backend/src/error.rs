//! What services return: a small set of outcomes the edges (server functions, REST handlers,
//! the command line) map to pages, status codes and messages.

use domain::validation::FieldErrors;

/// What services return.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// A rate limit refused the attempt: the message says why and when to try again.
    #[error("too many requests: {message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("database error")]
    Db(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl ServiceError {
    /// A single field error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self::Validation(errors)
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(e: FieldErrors) -> Self {
        Self::Validation(e)
    }
}

/// Result alias for services.
pub type ServiceResult<T> = Result<T, ServiceError>;
