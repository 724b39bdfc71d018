//! Anchorlink's backend: everything the server does that is not the web framework.
//!
//! * `entities` — the sea-orm schema, one module per table (never business rules);
//! * `services` — the operations, one folder per bounded context (`accounts`, `registry`,
//!   and room for `tendering`, `ocds`, `spend`), each taking a connection or transaction,
//!   the reference data, the acting user and typed input;
//! * `mail` — outgoing mail (SMTP or a dev outbox);
//! * `state` — the one `AppState` built at start-up.
//!
//! The pages (`app`, with Leptos) and the process (`server`, with axum) sit on top; the
//! pure rules sit below, in `domain`.

pub mod entities;
pub mod error;
pub mod mail;
pub mod services;
pub mod state;

pub use error::{ServiceError, ServiceResult};
pub use state::{AppConfig, AppState};
