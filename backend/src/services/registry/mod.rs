//! The registry: supplier profiles and everything buyers read about suppliers — search,
//! shortlists and exports.

pub mod changes;
pub mod profiles;
pub mod search;
pub mod search_index;
pub mod shortlists;
