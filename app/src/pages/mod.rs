//! The pages, one module per area.

mod admin;
mod auth;
mod home;
mod profile;
mod registry;

pub use admin::AdminPage;
pub use auth::*;
pub use home::{Home, NotFound};
pub use profile::{ProfileOverviewPage, ProfileStepPage};
pub use registry::{SearchPage, SupplierPage};
