//! Supplier search engine (tantivy): ranked, typo-tolerant, faceted and local.
//!
//! Pure library: the app builds [`SupplierDoc`]s from the database, keeps the
//! index in step with [`SupplierIndex::upsert`] / [`SupplierIndex::delete`] /
//! [`SupplierIndex::commit`], and queries it with [`IndexQuery`].

mod collector;
mod engine;
mod facet_cache;
mod model;
mod schema;

pub use engine::{IndexOptions, Result, SearchError, SupplierIndex};
pub use model::{
    cpv_pad, cpv_significant, days_from_civil, haversine_km, EpochDays, Facets, Hit, IndexQuery,
    SearchResults, SortOrder, SupplierDoc,
};

#[cfg(test)]
mod tests;
