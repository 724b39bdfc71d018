//! [`SupplierIndex`]: the index on disk or in memory, its single writer, its reader and
//! the vocabulary queries are read with. Searching is in `execute.rs`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use crate::facet_cache::FacetCache;
use crate::model::SupplierDoc;
use crate::schema::{build_schema, to_document, Fields, Scratch};
use crate::thesaurus::ThesaurusError;
use crate::tokens::Analyzers;
use crate::vocabulary::Vocabulary;

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
    #[error(transparent)]
    Thesaurus(#[from] ThesaurusError),
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

/// The supplier search index. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct SupplierIndex {
    index: Index,
    pub(crate) reader: IndexReader,
    search_threads: usize,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    pub(crate) fields: Fields,
    /// What words mean (thesaurus, CPV labels); replaced whole, read per query.
    vocabulary: RwLock<Arc<Vocabulary>>,
    /// Decoded per-segment facet columns, shared by every query.
    pub(crate) cache: Arc<FacetCache>,
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
        Ok(Self {
            index,
            reader,
            search_threads: options.search_threads.max(1),
            writer: Mutex::new(writer),
            fields,
            vocabulary: RwLock::new(Arc::default()),
            cache: Arc::default(),
        })
    }

    /// Sets what the words of a query mean: the thesaurus and the CPV labels. Until it is
    /// called a query means only its own words. Takes effect for the next query; nothing
    /// is reindexed.
    pub fn set_vocabulary(&self, vocabulary: Arc<Vocabulary>) {
        // The lock guards a pointer swap only, so a poisoned lock is still usable.
        *self
            .vocabulary
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = vocabulary;
    }

    /// The vocabulary queries are read with (also for [`Vocabulary::suggest_cpv`]).
    #[must_use]
    pub fn vocabulary(&self) -> Arc<Vocabulary> {
        Arc::clone(
            &self
                .vocabulary
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
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
        let mut analyzers = Analyzers::default();
        let mut scratch = Scratch::default();
        for doc in docs {
            let tdoc = to_document(&self.fields, &mut analyzers, &mut scratch, doc)?;
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
}
