//! Tendering: tenders and their requirement lines, market depth, the lot planner and the
//! opportunities matched to suppliers. The rules live in `domain::tendering`; the services
//! that store tenders and read the registry through its read model
//! (`services::registry::snapshots`, kept in memory by
//! [`crate::services::registry::pool`]) go here.
//!
//! * [`tenders`] — drafting, lines, lots, publishing, status changes, reading back;
//! * [`lines_csv`] — a schedule of lines uploaded as CSV, all or nothing;
//! * [`market`] — market depth, the lot planner and the evaluation of a buyer's lots,
//!   compiled against [`crate::services::registry::pool::SupplierPool`].

pub mod lines_csv;
pub mod market;
pub mod tenders;
// opportunities, interest and partners (issue 12)
pub mod interest;
pub mod opportunities;
pub mod partners;
// opportunity alerts and feeds (issue 12)
pub mod alerts;
pub mod feeds;
