//! Server functions: the thin edge between pages and services, one module per bounded
//! context as in every other layer, plus `jobs` for the progress page every context shares.

pub mod accounts;
pub mod jobs;
pub mod ocds;
pub mod registry;
pub mod spend;
pub mod tendering;
// opportunities, interest and partners (issue 12)
pub mod opportunities;
