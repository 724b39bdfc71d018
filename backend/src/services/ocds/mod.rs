//! OCDS: exporting tenders as Open Contracting Data Standard release packages and importing
//! other portals' releases. The format's rules live in `domain::ocds`; here the tenders are
//! read from and written to the database.
//!
//! * [`export`] — a tender as a release package (public for published and imported
//!   tenders, drafts only to their organisation);
//! * [`import`] — a release or package into tenders, all or nothing in the caller's
//!   transaction, the same ocid updating the same tender.

pub mod export;
pub mod import;
// bulk import from files, for `anchorlink ocds import` (issue 12)
pub mod bulk;
