//! The error a page or API client sees: field errors in full, internal failures as a
//! generic message (the whole chain is logged where a `backend::ServiceError` is converted).

use domain::validation::FieldErrors;
use serde::{Deserialize, Serialize};

/// The error a page or API client sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("please correct the highlighted fields")]
    Validation(FieldErrors),
    #[error("not found")]
    NotFound,
    #[error("you do not have permission to do that")]
    Forbidden,
    #[error("please sign in")]
    Unauthenticated,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidCredentials(String),
    /// A rate limit refused the request; the message says when to try again.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("something went wrong on our side; please try again")]
    Internal,
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// A single field error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.add(field, message);
        Self::Validation(errors)
    }

    /// Field errors, if this is a validation failure.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Validation(e) => Some(e),
            _ => None,
        }
    }

    /// Seconds a client should wait before trying again (`Retry-After`), when limited.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) => 422,
            Self::NotFound => 404,
            Self::Forbidden => 403,
            Self::Unauthenticated | Self::InvalidCredentials(_) => 401,
            Self::Conflict(_) => 409,
            Self::TooManyRequests { .. } => 429,
            Self::Internal | Self::Transport(_) => 500,
        }
    }
}

impl server_fn::error::FromServerFnError for AppError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        match value {
            server_fn::error::ServerFnErrorErr::Args(msg)
            | server_fn::error::ServerFnErrorErr::Deserialization(msg) => {
                Self::field("form", format!("the form could not be read: {msg}"))
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use backend::ServiceError;

    impl From<ServiceError> for AppError {
        fn from(e: ServiceError) -> Self {
            match e {
                ServiceError::NotFound => Self::NotFound,
                ServiceError::Conflict(m) => Self::Conflict(m),
                ServiceError::Validation(f) => Self::Validation(f),
                ServiceError::InvalidCredentials(m) => Self::InvalidCredentials(m),
                ServiceError::Unauthenticated => Self::Unauthenticated,
                ServiceError::Forbidden => Self::Forbidden,
                ServiceError::TooManyRequests {
                    message,
                    retry_after_secs,
                } => Self::TooManyRequests {
                    message,
                    retry_after_secs,
                },
                ServiceError::Db(db) => {
                    tracing::error!(error = ?db, "database error");
                    Self::Internal
                }
                ServiceError::Unexpected(err) => {
                    tracing::error!(error = format!("{err:#}"), "unexpected error");
                    Self::Internal
                }
            }
        }
    }
}
