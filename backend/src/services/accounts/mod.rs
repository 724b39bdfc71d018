//! Accounts: sign-up and e-mail verification, sessions and API tokens, teams and
//! invitations, and the platform team's console with its audit log.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod crypto;
pub mod limits;
pub mod mails;
pub mod sessions;
pub mod teams;
pub mod tokens;
