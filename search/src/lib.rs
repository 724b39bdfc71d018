//! Supplier search engine (tantivy): ranked, typo-tolerant, faceted and local, and aware
//! of how buyers and suppliers name the same service differently.
//!
//! Pure library: the app builds [`SupplierDoc`]s (see [`SupplierDoc::from_snapshot`]),
//! keeps the index in step with [`SupplierIndex::upsert`] / [`SupplierIndex::delete`] /
//! [`SupplierIndex::commit`], gives it a [`Vocabulary`] (thesaurus + CPV labels) with
//! [`SupplierIndex::set_vocabulary`], and queries it with [`IndexQuery`].
//!
//! Modules by concern: `index` (lifecycle), `tokens` and `analysis` (reading a query into
//! concepts), `thesaurus` and `vocabulary` (what words mean), `query` and `coord`
//! (tantivy queries and ranking), `execute` and `collector` (running a search, filters
//! and facets), `explain` (reasons and snippets in English).

mod analysis;
mod collector;
mod coord;
mod execute;
mod explain;
mod facet_cache;
mod index;
mod model;
mod query;
mod schema;
mod thesaurus;
mod tokens;
mod vocabulary;

pub use index::{IndexOptions, Result, SearchError, SupplierIndex};
pub use model::{
    days_from_civil, DeliveryPlace, EpochDays, Facets, Hit, IndexQuery, SearchResults, SortOrder,
    SupplierDoc,
};
pub use thesaurus::{SynonymGroup, Thesaurus, ThesaurusError, BUILTIN_TSV};
pub use vocabulary::{CpvSuggestion, Vocabulary};

/// CPV codes a plain-language description names, best first, each with a reason (the
/// profile's "What do you do?" step and a tender line's CPV field): see
/// [`Vocabulary::suggest_cpv`].
#[must_use]
pub fn suggest_cpv(vocabulary: &Vocabulary, text: &str, limit: usize) -> Vec<CpvSuggestion> {
    vocabulary.suggest_cpv(text, limit)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_meaning;
