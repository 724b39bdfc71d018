//! Anchorlink's backend: everything the server does that is not the web framework.
//!
//! * `entities` — the sea-orm schema, one module per table (never business rules);
//! * `services` — the operations, one folder per bounded context (`accounts`, `registry`,
//!   and room for `tendering`, `ocds`, `spend`), each taking a connection or transaction,
//!   the reference data, the acting user and typed input;
//! * `jobs` — the durable job queue and its worker;
//! * `mail` — outgoing mail (SMTP or a dev outbox), sent by a job;
//! * `state` — the one `AppState` built at start-up, and `Write`, the unit of work.
//!
//! The pages (`app`, with Leptos) and the process (`server`, with axum) sit on top; the
//! pure rules and the wire types sit below, in `domain`. Nothing here depends on Leptos,
//! so command-line tools and workers build without it.

pub mod entities;
pub mod error;
pub mod jobs;
pub mod mail;
pub mod services;
pub mod state;

pub use error::{ServiceError, ServiceResult};
pub use state::{AppConfig, AppState, Env, Write};
