//! The pages, one folder per bounded context (as in every other layer), plus the home page
//! and the job progress page every context uses.

pub mod accounts;
mod home;
mod jobs;
pub mod ocds;
pub mod registry;
pub mod spend;
pub mod tendering;

pub use accounts::*;
pub use home::{Home, NotFound};
pub use jobs::JobPage;
pub use registry::*;
// tendering (issue 8)
pub use tendering::{TenderPage, TendersPage};
// tendering: the buyer's drafting pages (issue 8)
pub use tendering::{NewTenderPage, TenderEditPage};
// lot planner, publish and import pages (issue 8)
pub use tendering::{ImportPage, LotsPage, PublishPage};
// spend analysis (issue 9)
pub use spend::{SpendAnalysisPage, SpendListPage};
// spend: the column-mapping step
pub use spend::SpendColumnsPage;
// opportunities, interest and partners (issue 12)
pub use tendering::{
    AlertsPage, OpportunitiesPage, PartnerRequestPage, PartnersPage, TenderInterestPage,
};
