//! Supplier search engine (tantivy).
