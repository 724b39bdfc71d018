//! The pages, one module per area.

mod admin;
mod auth;
mod home;
mod profile;
mod registry;
mod shortlists;

pub use admin::AdminPage;
pub use auth::*;
pub use home::{Home, NotFound};
pub use profile::{ProfileOverviewPage, ProfileStepPage};
pub use registry::{SearchPage, SupplierPage};
pub use shortlists::{ShortlistPage, ShortlistsPage};
