//! Pages of the accounts context: sign-up, sign-in, password reset, invitations, buyer
//! access requests, and the platform team's console.

mod admin;
mod auth;

pub use admin::AdminPage;
pub use auth::*;
