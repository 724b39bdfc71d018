//! [`SupplierIndex`]: the index, its single writer and the query pipeline.

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};
use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, TantivyError, Term,
};

use crate::collector::{split_cpv, valid_on_plan, Cand, Plan, Ranked, SupplierCollector};
use crate::facet_cache::FacetCache;
use crate::model::{
    cpv_significant, haversine_km, Facets, Hit, IndexQuery, SearchResults, SortOrder, SupplierDoc,
};
use crate::schema::{
    build_schema, geo_cell_at, geo_cell_index, normalise_outcode, normalise_slug, to_document,
    Fields, GEO_LEVELS, RAW_TOKENIZER, STEM_TOKENIZER,
};

/// Errors from the search engine.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Tantivy(#[from] TantivyError),
    #[error("cannot open index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("index directory I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored supplier document is unreadable: {0}")]
    Json(#[from] serde_json::Error),
    /// The directory holds an index built with another schema: delete it and rebuild.
    #[error("index on disk has an incompatible schema: {0}")]
    SchemaMismatch(String),
    #[error("invalid CPV code {0:?}: expected 8 digits")]
    InvalidCpv(String),
    #[error("index writer lock poisoned by a panic")]
    WriterPoisoned,
}

pub type Result<T> = std::result::Result<T, SearchError>;

/// Writer settings.
#[derive(Clone, Copy, Debug)]
pub struct IndexOptions {
    /// Total indexing memory budget shared by the writer threads (tantivy needs
    /// at least 15 MB per thread). Default 128 MB.
    pub writer_heap_bytes: usize,
    /// Indexing threads. Default 1: the server shares 2 cores with requests.
    pub writer_threads: usize,
    /// Threads one search may use, one segment each (see [`SupplierIndex::commit_part`]).
    /// Default: the machine's cores, at most 4.
    pub search_threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        Self {
            writer_heap_bytes: 128 << 20,
            writer_threads: 1,
            search_threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        }
    }
}

/// Field weights: the name matters most, then what the supplier says it does.
const NAME_BOOST: f32 = 4.0;
const TRADING_NAME_BOOST: f32 = 3.0;
const KEYWORDS_BOOST: f32 = 2.5;
const CPV_LABELS_BOOST: f32 = 2.0;
const CAPABILITY_BOOST: f32 = 1.0;
const CONTRACTS_BOOST: f32 = 0.7;
/// A fuzzy match scores a constant, well under any exact BM25 match.
const FUZZY_SCORE: f32 = 0.25;
const MAX_WORDS: usize = 12;
/// Below this many exact matches a word always gets typo tolerance.
const FUZZY_MIN_DF: u64 = 1000;
const MAX_LIMIT: usize = 1000;
const SNIPPET_CHARS: usize = 180;
/// Most grid cells a radius search unions (see [`GEO_LEVELS`]).
const MAX_CELLS: i64 = 16;

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of",
    "on", "or", "the", "to", "with",
];

/// One query word: the lower-cased form, its stems, and its allowed edit distance.
#[derive(Clone, Debug)]
struct Word {
    raw: String,
    stems: Vec<String>,
    distance: u8,
}

/// The supplier search index. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct SupplierIndex {
    index: Index,
    reader: IndexReader,
    search_threads: usize,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    stem: TextAnalyzer,
    raw: TextAnalyzer,
    /// Decoded per-segment facet columns, shared by every query.
    cache: Arc<FacetCache>,
}

impl std::fmt::Debug for SupplierIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupplierIndex")
            .field("docs", &self.len())
            .finish_non_exhaustive()
    }
}

impl SupplierIndex {
    /// Opens the index in `path`, creating the directory and an empty index if needed.
    ///
    /// # Errors
    /// I/O errors, a directory locked by another writer, or
    /// [`SearchError::SchemaMismatch`] when the index was built by another version.
    pub fn open_or_create(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_or_create_with(path, IndexOptions::default())
    }

    /// [`Self::open_or_create`] with explicit writer settings.
    ///
    /// # Errors
    /// As [`Self::open_or_create`].
    pub fn open_or_create_with(path: impl AsRef<Path>, options: IndexOptions) -> Result<Self> {
        std::fs::create_dir_all(path.as_ref())?;
        let dir = MmapDirectory::open(path.as_ref())?;
        let (schema, fields) = build_schema();
        let index = Index::open_or_create(dir, schema).map_err(|e| match e {
            TantivyError::SchemaError(msg) => SearchError::SchemaMismatch(msg),
            other => SearchError::Tantivy(other),
        })?;
        Self::from_index(index, fields, options)
    }

    /// Deletes the index in `path` (only tantivy's own files: `meta.json`,
    /// `.managed.json` and segment files) and creates an empty one: for an index
    /// built by another version ([`SearchError::SchemaMismatch`]), which is
    /// derived data to rebuild from the database.
    ///
    /// # Errors
    /// I/O errors, or a directory locked by another writer.
    pub fn recreate(path: impl AsRef<Path>, options: IndexOptions) -> Result<Self> {
        let path = path.as_ref();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let segment_file = name.split_once('.').is_some_and(|(stem, _)| {
                stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if name == "meta.json" || name == ".managed.json" || segment_file {
                std::fs::remove_file(entry.path())?;
            }
        }
        Self::open_or_create_with(path, options)
    }

    /// An index held in RAM (tests, small demos).
    ///
    /// # Errors
    /// Only if the writer cannot be created.
    pub fn in_memory() -> Result<Self> {
        Self::in_memory_with(IndexOptions {
            writer_heap_bytes: 32 << 20,
            writer_threads: 1,
            search_threads: 1,
        })
    }

    /// [`Self::in_memory`] with explicit writer settings.
    ///
    /// # Errors
    /// Only if the writer cannot be created.
    pub fn in_memory_with(options: IndexOptions) -> Result<Self> {
        let (schema, fields) = build_schema();
        Self::from_index(Index::create_in_ram(schema), fields, options)
    }

    fn from_index(mut index: Index, fields: Fields, options: IndexOptions) -> Result<Self> {
        if options.search_threads > 1 {
            // Segments are searched in parallel: one query uses the idle cores.
            index.set_multithread_executor(options.search_threads)?;
        }
        let threads = options.writer_threads.max(1);
        let heap = options.writer_heap_bytes.max(threads * (16 << 20));
        let writer = index.writer_with_num_threads(threads, heap)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        let stem = index.tokenizers().get(STEM_TOKENIZER).ok_or_else(|| {
            TantivyError::InvalidArgument(format!("tokenizer {STEM_TOKENIZER} missing"))
        })?;
        let raw = index.tokenizers().get(RAW_TOKENIZER).ok_or_else(|| {
            TantivyError::InvalidArgument(format!("tokenizer {RAW_TOKENIZER} missing"))
        })?;
        Ok(Self {
            index,
            reader,
            search_threads: options.search_threads.max(1),
            writer: Mutex::new(writer),
            fields,
            stem,
            raw,
            cache: Arc::default(),
        })
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter<TantivyDocument>>> {
        self.writer.lock().map_err(|_| SearchError::WriterPoisoned)
    }

    /// Adds or replaces suppliers (by `id`). Invisible until [`Self::commit`].
    ///
    /// # Errors
    /// If a document cannot be serialised or the writer has failed.
    pub fn upsert(&self, docs: &[SupplierDoc]) -> Result<()> {
        let writer = self.writer()?;
        for doc in docs {
            let tdoc = to_document(&self.fields, doc)?;
            writer.delete_term(Term::from_field_i64(self.fields.id, doc.id));
            writer.add_document(tdoc)?;
        }
        Ok(())
    }

    /// Removes a supplier. Invisible until [`Self::commit`].
    ///
    /// # Errors
    /// If the writer lock is poisoned.
    pub fn delete(&self, id: i64) -> Result<()> {
        self.writer()?
            .delete_term(Term::from_field_i64(self.fields.id, id));
        Ok(())
    }

    /// Makes every change so far durable and searchable (before returning).
    ///
    /// # Errors
    /// I/O or indexing errors.
    pub fn commit(&self) -> Result<()> {
        self.writer()?.commit()?;
        self.reload()
    }

    /// Removes every supplier and commits.
    ///
    /// # Errors
    /// I/O or indexing errors.
    pub fn clear(&self) -> Result<()> {
        {
            let mut w = self.writer()?;
            w.delete_all_documents()?;
            w.commit()?;
        }
        self.reload()
    }

    /// Merges all segments into one and waits (after a bulk rebuild: fewer
    /// segments make queries faster).
    ///
    /// # Errors
    /// I/O or merge errors.
    pub fn merge_segments(&self) -> Result<()> {
        let ids = self.index.searchable_segment_ids()?;
        if ids.len() > 1 {
            let mut w = self.writer()?;
            w.merge(&ids).wait()?;
            w.commit()?;
        }
        self.reload()
    }

    /// How many parts a bulk load should make (see [`Self::commit_part`]).
    #[must_use]
    pub fn search_threads(&self) -> usize {
        self.search_threads
    }

    /// Starts a bulk load: segments are not merged in the background until
    /// [`Self::end_bulk`], so [`Self::commit_part`] decides their shape.
    ///
    /// # Errors
    /// If the writer lock is poisoned.
    pub fn begin_bulk(&self) -> Result<()> {
        self.writer()?
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok(())
    }

    /// Commits what was added since the last part and merges it into one
    /// segment. A bulk load cut into as many equal parts as search threads gives
    /// equal segments, which one query then searches in parallel.
    ///
    /// # Errors
    /// I/O, indexing or merge errors.
    pub fn commit_part(&self) -> Result<()> {
        let before: HashSet<_> = self.index.searchable_segment_ids()?.into_iter().collect();
        let mut w = self.writer()?;
        w.commit()?;
        let new: Vec<_> = self
            .index
            .searchable_segment_ids()?
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        if new.len() > 1 {
            w.merge(&new).wait()?;
            w.commit()?;
        }
        drop(w);
        self.reload()
    }

    /// Ends a bulk load: background merging as usual.
    ///
    /// # Errors
    /// If the writer lock is poisoned.
    pub fn end_bulk(&self) -> Result<()> {
        self.writer()?
            .set_merge_policy(Box::new(tantivy::indexer::LogMergePolicy::default()));
        Ok(())
    }

    /// Picks up commits made through another handle on the same directory.
    ///
    /// # Errors
    /// I/O errors.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()?;
        // Decode the new segments' facet columns now rather than in the next query.
        self.cache.sync(&self.reader.searcher())?;
        Ok(())
    }

    /// Bytes of decoded facet columns held in memory (diagnostics).
    #[must_use]
    pub fn facet_cache_bytes(&self) -> usize {
        self.cache.heap_bytes()
    }

    /// Number of searchable suppliers.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of segments (diagnostics).
    #[must_use]
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    fn words(&self, text: &str) -> Vec<Word> {
        let mut raw = self.raw.clone();
        let mut stem = self.stem.clone();
        let mut words: Vec<Word> = Vec::new();
        let mut stream = raw.token_stream(text);
        while let Some(tok) = stream.next() {
            let w = tok.text.clone();
            if STOP_WORDS.contains(&w.as_str()) || words.iter().any(|x| x.raw == w) {
                continue;
            }
            let mut stems = Vec::new();
            {
                let mut s = stem.token_stream(&w);
                while let Some(t) = s.next() {
                    stems.push(t.text.clone());
                }
            }
            let chars = w.chars().count();
            let distance = if chars >= 9 {
                2
            } else if chars >= 5 {
                1
            } else {
                0
            };
            words.push(Word {
                raw: w,
                stems,
                distance,
            });
            if words.len() >= MAX_WORDS {
                break;
            }
        }
        words
    }

    /// Typo tolerance is for words the index hardly knows: a word whose exact
    /// stem already matches many suppliers gets no fuzzy expansion, which keeps
    /// common words (the bulk of traffic) as cheap as plain BM25.
    fn gate_fuzzy(&self, searcher: &Searcher, words: &mut [Word]) -> Result<()> {
        let f = &self.fields;
        let threshold = (searcher.num_docs() / 200).max(FUZZY_MIN_DF);
        for w in words.iter_mut().filter(|w| w.distance > 0) {
            let mut df = 0u64;
            for stem in &w.stems {
                for field in [
                    f.name,
                    f.trading_name,
                    f.keywords,
                    f.cpv_labels,
                    f.capability,
                ] {
                    df += searcher.doc_freq(&Term::from_field_text(field, stem))?;
                }
            }
            if df >= threshold {
                w.distance = 0;
            }
        }
        Ok(())
    }

    fn word_query(&self, word: &Word) -> Box<dyn Query> {
        let f = &self.fields;
        let targets = [
            (f.name, NAME_BOOST),
            (f.trading_name, TRADING_NAME_BOOST),
            (f.keywords, KEYWORDS_BOOST),
            (f.cpv_labels, CPV_LABELS_BOOST),
            (f.capability, CAPABILITY_BOOST),
            (f.contracts, CONTRACTS_BOOST),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for stem in &word.stems {
            for (field, boost) in targets {
                let tq = TermQuery::new(
                    Term::from_field_text(field, stem),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost)),
                ));
            }
        }
        if word.distance > 0 {
            let fq = FuzzyTermQuery::new(
                Term::from_field_text(f.all_raw, &word.raw),
                word.distance,
                true,
            );
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(fq), FUZZY_SCORE)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn terms_query(&self, field: tantivy::schema::Field, values: &[String]) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .map(|v| {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, v),
                    IndexRecordOption::Basic,
                ));
                (Occur::Should, q)
            })
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    /// The grid cells covering a bounding box, at the finest level where they are
    /// at most [`MAX_CELLS`]; `None` when even the coarsest needs more (a radius
    /// so large that the collector's own test is as cheap).
    fn cells_query(
        &self,
        (lat_lo, lat_hi, lon_lo, lon_hi): (f64, f64, f64, f64),
    ) -> Option<Box<dyn Query>> {
        for level in 0..GEO_LEVELS.len() {
            let (row_lo, col_lo) = geo_cell_index(level, lat_lo, lon_lo);
            let (row_hi, col_hi) = geo_cell_index(level, lat_hi, lon_hi);
            let (rows, cols) = (row_lo..=row_hi, col_lo..=col_hi);
            let n = (rows.end() - rows.start() + 1) * (cols.end() - cols.start() + 1);
            if n > MAX_CELLS {
                continue;
            }
            let cells: Vec<String> = rows
                .flat_map(|r| cols.clone().map(move |c| geo_cell_at(level, r, c)))
                .collect();
            return Some(self.terms_query(self.fields.geo_cell, &cells));
        }
        None
    }

    /// Builds the tantivy query and the collector plan. `all_filters_in_query`
    /// puts the disjunctive facet filters in the query (for counting only).
    fn build(
        &self,
        q: &IndexQuery,
        words: &[Word],
        any_word: bool,
        all_filters_in_query: bool,
    ) -> Result<(Box<dyn Query>, Plan)> {
        let f = &self.fields;
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
        };
        if !words.is_empty() {
            if any_word {
                let clauses = words
                    .iter()
                    .map(|w| (Occur::Should, self.word_query(w)))
                    .collect();
                must.push((Occur::Must, Box::new(BooleanQuery::new(clauses))));
            } else {
                for w in words {
                    must.push((Occur::Must, self.word_query(w)));
                }
            }
        }
        let mut plan = Plan {
            sort: q.sort,
            ..Plan::default()
        };
        if let Some(code) = q.cpv.as_deref().filter(|c| !c.trim().is_empty()) {
            let sig = cpv_significant(code).ok_or_else(|| SearchError::InvalidCpv(code.into()))?;
            plan.cpv_prefix = sig.to_string();
            must.push(filter(Box::new(TermQuery::new(
                Term::from_field_text(f.cpv_prefix, sig),
                IndexRecordOption::Basic,
            ))));
        }
        plan.near = q
            .near
            .filter(|(lat, lon)| lat.is_finite() && lon.is_finite());
        if let (Some((lat, lon)), Some(r)) = (plan.near, q.within_km) {
            let r = r.max(0.0);
            plan.within_km = Some(r);
            // A bounding box the collector tests from the cached coordinates before
            // the exact distance (cheaper than range queries over the columns).
            let dlat = r / 110.574 + 1e-6;
            let cos = lat.to_radians().cos().abs().max(1e-6);
            let dlon = (r / (111.320 * cos) + 1e-6).min(360.0);
            let bbox = (lat - dlat, lat + dlat, lon - dlon, lon + dlon);
            plan.bbox = Some(bbox);
            if let Some(cells) = self.cells_query(bbox) {
                must.push(filter(cells));
            }
        }
        let kinds: Vec<String> = dedup(q.accreditations.iter().map(|s| normalise_slug(s)));
        for k in &kinds {
            must.push(filter(Box::new(TermQuery::new(
                Term::from_field_text(f.accreditation, k),
                IndexRecordOption::Basic,
            ))));
        }
        if let Some(day) = q.accreditations_valid_on {
            plan.valid_on = Some(valid_on_plan(&kinds, day));
        }
        if let Some(min) = q.min_capacity_gbp {
            must.push(filter(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.max_value, min)),
                Bound::Unbounded,
            ))));
        }
        let outcodes: Vec<String> = dedup(q.outcodes.iter().map(|s| normalise_outcode(s)));
        if !outcodes.is_empty() {
            must.push(filter(self.terms_query(f.outcode, &outcodes)));
        }

        // Disjunctive facet filters.
        let legal: Vec<String> = dedup(q.legal_forms.iter().map(|s| normalise_slug(s)));
        let sizes: Vec<String> = dedup(q.sizes.iter().map(|s| normalise_slug(s)));
        let mut facet_filters: Vec<Box<dyn Query>> = Vec::new();
        if !legal.is_empty() {
            facet_filters.push(self.terms_query(f.legal_form, &legal));
        }
        if !sizes.is_empty() {
            facet_filters.push(self.terms_query(f.size, &sizes));
        }
        for (on, field) in [
            (q.verified_only, f.verified),
            (q.social_economy_only, f.social_economy),
        ] {
            if on {
                facet_filters.push(Box::new(TermQuery::new(
                    Term::from_field_bool(field, true),
                    IndexRecordOption::Basic,
                )));
            }
        }
        if all_filters_in_query {
            for ff in facet_filters {
                must.push(filter(ff));
            }
        } else {
            plan.legal_forms = legal;
            plan.sizes = sizes;
            plan.verified_only = q.verified_only;
            plan.social_only = q.social_economy_only;
            // The collector evaluates them from the in-memory facet columns
            // (a document may fail at most one and still count, towards that
            // facet's own counts): cheaper than seeking their postings.
            drop(facet_filters);
        }
        let query: Box<dyn Query> = if must.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(must))
        };
        Ok((query, plan))
    }

    /// How many suppliers match every filter (no facets, no page): cheap enough
    /// to call once per filter to find which one emptied a result set.
    ///
    /// # Errors
    /// [`SearchError::InvalidCpv`] or index errors.
    pub fn count(&self, q: &IndexQuery) -> Result<u64> {
        let searcher = self.reader.searcher();
        let mut words = q.text.as_deref().map(|t| self.words(t)).unwrap_or_default();
        self.gate_fuzzy(&searcher, &mut words)?;
        let (query, mut plan) = self.build(q, &words, false, true)?;
        if plan.within_km.is_none() && plan.valid_on.is_none() {
            return Ok(searcher.search(&query, &Count)? as u64);
        }
        plan.top_k = 0;
        plan.facets = false;
        let collector = SupplierCollector {
            plan: Arc::new(plan),
            scoring: false,
            cache: Arc::clone(&self.cache),
        };
        Ok(searcher.search(&query, &collector)?.total)
    }

    /// Runs a search: total, the requested page of hits and facet counts.
    ///
    /// # Errors
    /// [`SearchError::InvalidCpv`] or index errors.
    pub fn search(&self, q: &IndexQuery) -> Result<SearchResults> {
        let searcher = self.reader.searcher();
        let mut words = q.text.as_deref().map(|t| self.words(t)).unwrap_or_default();
        self.gate_fuzzy(&searcher, &mut words)?;
        let mut res = self.run(&searcher, q, &words, false)?;
        if res.total == 0 && words.len() >= 2 {
            res = self.run(&searcher, q, &words, true)?;
            res.relaxed = true;
        }
        Ok(res)
    }

    fn run(
        &self,
        searcher: &Searcher,
        q: &IndexQuery,
        words: &[Word],
        any_word: bool,
    ) -> Result<SearchResults> {
        let (query, mut plan) = self.build(q, words, any_word, false)?;
        let limit = q.limit.min(MAX_LIMIT);
        plan.top_k = q.offset.saturating_add(limit);
        plan.facets = true;
        if plan.sort == SortOrder::Distance && plan.near.is_none() {
            plan.sort = SortOrder::Relevance;
        }
        let cpv_prefix = plan.cpv_prefix.clone();
        let scoring = !words.is_empty() && plan.sort == SortOrder::Relevance;
        // One plain word and nothing else: the top-k can be found by Block-WAND,
        // which skips the blocks that cannot reach the current k-th score, and
        // the total and facets by a separate unscored pass (which reads no
        // term frequencies and visits documents in blocks).
        let wand = scoring && !any_word && plan.top_k > 0 && Self::single_plain_word(q, words);
        let top_k = plan.top_k;
        if wand {
            plan.top_k = 0;
        }
        let collector = SupplierCollector {
            plan: Arc::new(plan),
            scoring: scoring && !wand,
            cache: Arc::clone(&self.cache),
        };
        let mut fruit = searcher.search(&query, &collector)?;
        if wand {
            let top = searcher.search(
                &*self.word_query(&words[0]),
                &TopDocs::with_limit(top_k).order_by_score(),
            )?;
            let mut top: Vec<Ranked> = top
                .into_iter()
                .map(|(score, doc)| Ranked {
                    cand: Cand {
                        key: -f64::from(score),
                        doc,
                        score,
                        distance_km: None,
                    },
                    name_key: None,
                })
                .collect();
            top.sort_by_key(|r| r.cand);
            fruit.top = top;
        }
        let (cpv_division, cpv_children) = split_cpv(fruit.cpv_prefix, &cpv_prefix);
        let facets = Facets {
            legal_form: fruit.legal_form.into_iter().collect(),
            size: fruit.size.into_iter().collect(),
            accreditations: fruit.accreditations.into_iter().collect(),
            verified: [(false, fruit.verified[0]), (true, fruit.verified[1])]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            social_economy: [(false, fruit.social[0]), (true, fruit.social[1])]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
            cpv_division,
            cpv_children,
        };
        let mut hits = Vec::new();
        for r in fruit.top.into_iter().skip(q.offset).take(limit) {
            let stored: TantivyDocument = searcher.doc(r.cand.doc)?;
            let doc: SupplierDoc = match stored
                .get_first(self.fields.doc_json)
                .and_then(|v| v.as_bytes())
            {
                Some(bytes) => serde_json::from_slice(bytes)?,
                None => continue,
            };
            let (reasons, marks) = self.reasons(&doc, words);
            hits.push(Hit {
                id: doc.id,
                snippet_html: self.snippet(&doc.capability_statement, marks),
                distance_km: r.cand.distance_km.or_else(|| {
                    // The Block-WAND pass reads no fast fields: use the stored location.
                    let near = q.near.filter(|(a, b)| a.is_finite() && b.is_finite())?;
                    match (doc.lat, doc.lon) {
                        (Some(lat), Some(lon)) if lat.is_finite() && lon.is_finite() => {
                            Some(haversine_km(near, (lat, lon)))
                        }
                        _ => None,
                    }
                }),
                name: doc.name,
                score: if scoring { r.cand.score } else { 0.0 },
                reasons,
            });
        }
        Ok(SearchResults {
            total: fruit.total,
            hits,
            facets,
            relaxed: false,
        })
    }

    /// A query of one word without typo expansion and without any filter (a
    /// `near` point only for distances is fine): its hits are exactly the
    /// word's own query, ranked by BM25 alone.
    fn single_plain_word(q: &IndexQuery, words: &[Word]) -> bool {
        matches!(words, [w] if w.distance == 0)
            && q.cpv.as_deref().is_none_or(|c| c.trim().is_empty())
            && q.within_km.is_none()
            && q.legal_forms.is_empty()
            && q.sizes.is_empty()
            && q.accreditations.is_empty()
            && q.accreditations_valid_on.is_none()
            && !q.verified_only
            && !q.social_economy_only
            && q.min_capacity_gbp.is_none()
            && q.outcodes.is_empty()
    }

    /// Whether `text` matches a word exactly (by stem) or within its edit
    /// distance; adds the stems to highlight to `marks`. Both analyzers split
    /// text identically (the stemmer only rewrites tokens), so they are zipped.
    fn text_matches(
        analyzers: &mut (TextAnalyzer, TextAnalyzer),
        text: &str,
        words: &[Word],
        marks: &mut HashSet<String>,
    ) -> bool {
        if text.is_empty() {
            return false;
        }
        let mut matched = false;
        let (raw, stem) = analyzers;
        let mut rs = raw.token_stream(text);
        let mut ss = stem.token_stream(text);
        while let (Some(r), Some(st)) = (rs.next(), ss.next()) {
            for w in words {
                let exact = w.stems.contains(&st.text);
                if exact || (w.distance > 0 && within_distance(&r.text, &w.raw, w.distance)) {
                    matched = true;
                    if !marks.contains(&st.text) {
                        marks.insert(st.text.clone());
                    }
                }
            }
        }
        matched
    }

    fn reasons(&self, doc: &SupplierDoc, words: &[Word]) -> (Vec<String>, HashSet<String>) {
        let mut reasons = Vec::new();
        let mut marks = HashSet::new();
        if words.is_empty() {
            return (reasons, marks);
        }
        let mut an = (self.raw.clone(), self.stem.clone());
        let mut scratch = HashSet::new();
        let keywords = doc.keywords.join(" · ");
        let fields: [(&str, &str); 4] = [
            ("name", &doc.name),
            ("trading name", &doc.trading_name),
            ("keywords", &keywords),
            ("capability statement", &doc.capability_statement),
        ];
        for (label, text) in fields {
            let sink = if label == "capability statement" {
                &mut marks
            } else {
                &mut scratch
            };
            if Self::text_matches(&mut an, text, words, sink) {
                reasons.push(label.to_string());
            }
        }
        if Self::text_matches(&mut an, &doc.contracts_text, words, &mut scratch) {
            reasons.push("past contracts".to_string());
        }
        let mut cpv = 0;
        for label in &doc.cpv_labels {
            if cpv < 3 && Self::text_matches(&mut an, label, words, &mut scratch) {
                reasons.push(format!("CPV: {label}"));
                cpv += 1;
            }
        }
        (reasons, marks)
    }

    fn snippet(&self, statement: &str, marks: HashSet<String>) -> String {
        if !marks.is_empty() {
            let terms: BTreeMap<String, f32> = marks.into_iter().map(|m| (m, 1.0)).collect();
            let generator = SnippetGenerator::new(
                terms,
                self.stem.clone(),
                self.fields.capability,
                SNIPPET_CHARS,
            );
            let mut snippet = generator.snippet(statement);
            if !snippet.highlighted().is_empty() {
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                return snippet.to_html();
            }
        }
        let mut end = statement.len().min(SNIPPET_CHARS);
        while !statement.is_char_boundary(end) {
            end -= 1;
        }
        let mut out = html_escape(&statement[..end]);
        if end < statement.len() {
            out.push('…');
        }
        out
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = it.filter(|s| !s.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Optimal-string-alignment distance (a transposition costs 1, as in the
/// fuzzy term queries) is at most `max`.
fn within_distance(a: &str, b: &str, max: u8) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m] <= max
}
