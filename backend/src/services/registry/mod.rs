//! The registry: supplier profiles, and everything other contexts read about suppliers —
//! the read model (`snapshots`), this process's views of it (`views`, with the search
//! index, and `pool`: every searchable supplier in memory), search, shortlists, saved
//! searches and exports.

pub mod changes;
pub mod cpv;
pub mod export;
// registry figures (issue 9)
pub mod figures;
pub mod pool;
pub mod profiles;
pub mod saved_searches;
pub mod search;
pub mod search_index;
pub mod shortlists;
pub mod snapshots;
pub mod views;
