//! Pages of the registry context: a supplier's own profile (overview and steps), the public
//! profile and the supplier search, and buyers' shortlists.

mod profile;
mod search;
mod shortlists;
// registry figures (issue 9)
mod figures;
pub use figures::FiguresPage;

pub use profile::{ProfileOverviewPage, ProfileStepPage};
pub use search::{SearchPage, SupplierPage};
pub use shortlists::{ShortlistPage, ShortlistsPage};
