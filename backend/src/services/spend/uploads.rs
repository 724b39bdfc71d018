//! Uploaded files, kept in the database in chunks of at most 1 MiB.
//!
//! Two `anchorlink serve` processes share one PostgreSQL, and the job that reads a file may
//! run in either, so a file on one machine's disk is not enough. The request body is
//! written chunk by chunk as it streams in ([`UploadSink`]), inside the request's
//! transaction, so the server never holds more than one chunk of it; the job reads it back
//! chunk by chunk ([`ChunkReader`]), never whole.

use crate::entities::{upload, upload_chunk};
use crate::error::{ServiceError, ServiceResult};
use domain::spend::read::{sniff, CsvRows, FileKind, ReadError, RowSource, XlsxBook};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use std::io::Read;

/// Largest chunk stored in one row.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Writes an upload as its bytes arrive.
#[derive(Debug)]
pub struct UploadSink {
    id: i64,
    max_bytes: u64,
    size: u64,
    seq: i32,
    pending: Vec<u8>,
}

impl UploadSink {
    /// Starts an upload for `organisation_id` by `user_id`.
    ///
    /// # Errors
    /// Database failures.
    pub async fn begin(
        db: &impl ConnectionTrait,
        organisation_id: i64,
        user_id: i64,
        content_type: &str,
        max_bytes: u64,
    ) -> ServiceResult<Self> {
        let row = upload::ActiveModel {
            organisation_id: Set(organisation_id),
            created_by: Set(Some(user_id)),
            content_type: Set(content_type.chars().take(200).collect()),
            size_bytes: Set(0),
            chunks: Set(0),
            created_at: Set(super::super::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        Ok(Self {
            id: row.id,
            max_bytes,
            size: 0,
            seq: 0,
            pending: Vec::with_capacity(CHUNK_BYTES),
        })
    }

    /// The upload's id.
    #[must_use]
    pub const fn id(&self) -> i64 {
        self.id
    }

    /// Bytes received so far.
    #[must_use]
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Appends bytes, storing every full chunk.
    ///
    /// # Errors
    /// `Validation` on `file` once the upload passes the size limit; database failures.
    pub async fn push(&mut self, db: &impl ConnectionTrait, mut data: &[u8]) -> ServiceResult<()> {
        self.size += data.len() as u64;
        if self.size > self.max_bytes {
            return Err(ServiceError::field(
                "file",
                format!(
                    "the file is larger than the limit of {} MB",
                    self.max_bytes / 1_000_000
                ),
            ));
        }
        while !data.is_empty() {
            let room = CHUNK_BYTES - self.pending.len();
            let (head, rest) = data.split_at(room.min(data.len()));
            self.pending.extend_from_slice(head);
            data = rest;
            if self.pending.len() == CHUNK_BYTES {
                self.flush(db).await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self, db: &impl ConnectionTrait) -> ServiceResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK_BYTES));
        upload_chunk::Entity::insert(upload_chunk::ActiveModel {
            upload_id: Set(self.id),
            seq: Set(self.seq),
            data: Set(data),
        })
        .exec_without_returning(db)
        .await?;
        self.seq += 1;
        Ok(())
    }

    /// Stores the last chunk and records the size; returns the upload's id.
    ///
    /// # Errors
    /// `Validation` on `file` for an empty upload; database failures.
    pub async fn finish(mut self, db: &impl ConnectionTrait) -> ServiceResult<i64> {
        if self.size == 0 {
            return Err(ServiceError::field("file", "the file is empty"));
        }
        self.flush(db).await?;
        upload::ActiveModel {
            id: Set(self.id),
            size_bytes: Set(i64::try_from(self.size).unwrap_or(i64::MAX)),
            chunks: Set(self.seq),
            ..Default::default()
        }
        .update(db)
        .await?;
        Ok(self.id)
    }
}

/// Reads an upload back as a [`std::io::Read`], one chunk in memory at a time. For use on
/// a blocking thread (`spawn_blocking`): it waits for each chunk on the runtime's handle.
pub struct ChunkReader {
    db: DatabaseConnection,
    handle: tokio::runtime::Handle,
    upload_id: i64,
    next_seq: i32,
    chunk: Vec<u8>,
    pos: usize,
}

impl std::fmt::Debug for ChunkReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkReader")
            .field("upload_id", &self.upload_id)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl ChunkReader {
    /// A reader of upload `upload_id` from its first byte.
    #[must_use]
    pub fn new(db: DatabaseConnection, handle: tokio::runtime::Handle, upload_id: i64) -> Self {
        Self {
            db,
            handle,
            upload_id,
            next_seq: 0,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            let next = self.handle.block_on(
                upload_chunk::Entity::find()
                    .filter(upload_chunk::Column::UploadId.eq(self.upload_id))
                    .filter(upload_chunk::Column::Seq.eq(self.next_seq))
                    .one(&self.db),
            );
            match next {
                Ok(Some(c)) => {
                    self.chunk = c.data;
                    self.pos = 0;
                    self.next_seq += 1;
                }
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads an upload's rows, CSV or XLSX as its first bytes show, and hands them to `f`.
/// For a blocking thread. An XLSX is copied to a temporary file first (calamine needs to
/// seek), so neither kind is ever held in memory whole.
///
/// # Errors
/// The outer error is the temporary file's (the machine's problem: worth a retry); the
/// inner [`ReadError`] is the file's (it would fail the same way again).
pub fn with_rows<T>(
    mut reader: impl Read,
    f: impl FnOnce(&mut dyn RowSource) -> T,
) -> std::io::Result<Result<T, ReadError>> {
    let mut head = [0u8; 8];
    let mut n = 0;
    // A reader may hand back fewer bytes than asked (a chunk boundary): fill the head.
    while n < head.len() {
        match reader.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    let head = &head[..n];
    Ok(match sniff(head) {
        FileKind::Xlsx => {
            let mut file = tempfile::tempfile()?;
            std::io::Write::write_all(&mut file, head)?;
            std::io::copy(&mut reader, &mut file)?;
            std::io::Seek::rewind(&mut file)?;
            XlsxBook::open(std::io::BufReader::new(file)).and_then(|mut book| {
                let mut rows = book.rows(None)?;
                Ok(f(&mut rows))
            })
        }
        FileKind::Csv => {
            let whole = std::io::Cursor::new(head.to_vec()).chain(reader);
            CsvRows::new(std::io::BufReader::with_capacity(1 << 16, whole))
                .map(|mut rows| f(&mut rows))
        }
    })
}
