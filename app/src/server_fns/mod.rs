//! Server functions: the thin edge between pages and services, one module per bounded
//! context as in every other layer (`tendering`, `ocds` and `spend` will add theirs), plus
//! `jobs` for the progress page every context shares.

pub mod accounts;
pub mod jobs;
pub mod registry;
