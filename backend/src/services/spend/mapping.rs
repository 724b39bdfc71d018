//! The mapping step of an upload from the pages: the file is stored once (its chunks),
//! the analysis waits in status [`MAPPING`] while the buyer checks the columns found
//! against a preview of the first rows, and only the buyer's confirmation queues the job.
//!
//! The preview reads the first [`PREVIEW_READ_ROWS`] rows of the stored upload, a chunk
//! at a time, never the file whole.

use super::analyses::{effective_status, enqueue_run, visible, FAILED, QUEUED};
use super::uploads::{with_rows, ChunkReader};
use crate::entities::spend_analysis;
use crate::error::{ServiceError, ServiceResult};
use crate::state::AppState;
use domain::accounts::Actor;
use domain::spend::columns::{
    detect, preview as preview_rows, ColumnSpec, ColumnsError, Preview, MAPPED_FIELDS,
};
use domain::spend::dto::{pounds, ColumnOption, ColumnsPreview, FieldMapping, PreviewLine};
use domain::spend::parse::RowOutcome;
use domain::spend::RawRow;
use sea_orm::{ActiveModelTrait, Set};

/// Status of an analysis whose file is stored and whose columns await the buyer.
pub const MAPPING: &str = "mapping";

/// Rows read for the preview: enough for any preamble and header (see
/// [`domain::spend::columns::HEADER_SEARCH_ROWS`]) and ten rows of data after it.
pub const PREVIEW_READ_ROWS: usize = 64;

/// Data rows shown in the preview.
pub const PREVIEW_ROWS: usize = 10;

/// Widest a column label gets in the choices: a header cell may be a paragraph.
const LABEL_CHARS: usize = 60;

/// The first rows of an upload, read on a blocking thread.
async fn first_rows(state: &AppState, upload_id: i64) -> ServiceResult<Vec<RawRow>> {
    let db = state.db.clone();
    let handle = tokio::runtime::Handle::current();
    let read = tokio::task::spawn_blocking(move || {
        with_rows(ChunkReader::new(db, handle, upload_id), |rows| {
            rows.next_batch(PREVIEW_READ_ROWS)
        })
    })
    .await
    .map_err(|e| ServiceError::Unexpected(e.into()))?
    .map_err(|e| ServiceError::Unexpected(e.into()))?;
    match read {
        Ok(Ok(rows)) => Ok(rows),
        Ok(Err(e)) | Err(e) => Err(ServiceError::field("file", e.to_string())),
    }
}

fn label(position: usize, cell: Option<&str>, headerless: bool) -> String {
    let text: String = cell
        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
        .chars()
        .take(LABEL_CHARS)
        .collect();
    match (text.is_empty(), headerless) {
        (true, _) => format!("Column {position}"),
        (false, false) => format!("Column {position}: {text}"),
        (false, true) => format!("Column {position} (e.g. {text})"),
    }
}

fn line(row: u64, outcome: &RowOutcome) -> PreviewLine {
    match outcome {
        RowOutcome::Accepted(p) => PreviewLine {
            row,
            payee: p.payee.clone(),
            amount: Some(pounds(p.amount)),
            date: p.date.map(|d| d.format("%Y-%m-%d").to_string()),
            category: p.category.clone(),
            outcome: if p.redacted {
                "payment (payee withheld: counted, never matched)".to_owned()
            } else {
                "payment".to_owned()
            },
        },
        RowOutcome::Refused(r) => PreviewLine {
            row,
            payee: String::new(),
            amount: None,
            date: None,
            category: None,
            outcome: format!("not counted: {}", r.reason),
        },
        RowOutcome::Blank { .. } => PreviewLine {
            row,
            payee: String::new(),
            amount: None,
            date: None,
            category: None,
            outcome: "blank".to_owned(),
        },
    }
}

/// What the page shows from the rows read and the detection's outcome.
fn build(
    row: &spend_analysis::Model,
    status: String,
    first: &[RawRow],
    found: Result<Preview, ColumnsError>,
) -> ColumnsPreview {
    let width = first.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let (header_row, header, columns, lines, problem) = match found {
        Ok(p) => {
            let payee_cell = |r: &domain::spend::columns::PreviewRow| {
                r.cells
                    .iter()
                    .find(|(f, _)| *f == domain::spend::columns::Field::SupplierName)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default()
            };
            let lines = p
                .rows
                .iter()
                .map(|r| {
                    let mut l = line(r.row, &r.outcome);
                    if l.payee.is_empty() {
                        l.payee = payee_cell(r);
                    }
                    l
                })
                .collect();
            (
                p.layout.header_row,
                p.layout.header,
                p.layout.columns,
                lines,
                None,
            )
        }
        Err(e) => {
            let header = match &e {
                ColumnsError::Missing { header, .. }
                | ColumnsError::UnknownHeader { header, .. } => header.clone(),
                ColumnsError::BadSpec { .. } | ColumnsError::Empty => Vec::new(),
            };
            (
                None,
                header.clone(),
                detect(&header),
                Vec::new(),
                Some(e.to_string()),
            )
        }
    };
    // Without a header (or when none was found) the options show a cell of the first row.
    let headerless = header.is_empty();
    let sample = first.iter().find(|r| !r.is_blank());
    let options = (0..width.max(header.len()))
        .map(|i| ColumnOption {
            position: i + 1,
            label: if headerless {
                label(i + 1, sample.map(|r| r.cell(i)), true)
            } else {
                label(i + 1, header.get(i).map(String::as_str), false)
            },
        })
        .collect();
    let fields: Vec<FieldMapping> = MAPPED_FIELDS
        .iter()
        .map(|&f| FieldMapping {
            field: f.slug().to_owned(),
            label: f.label().to_owned(),
            required: domain::spend::columns::Field::REQUIRED.contains(&f),
            position: columns.get(f).map(|c| c + 1),
        })
        .collect();
    let spec = fields
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f.field,
                f.position.map_or_else(|| "-".to_owned(), |p| p.to_string())
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    ColumnsPreview {
        analysis_id: row.id,
        name: row.name.clone(),
        status,
        header_row,
        header,
        options,
        fields,
        rows: lines,
        problem,
        columns: spec,
    }
}

/// The mapping step of analysis `id`: the columns found in its file (with the buyer's
/// `columns` applied over them), the file's columns to choose from, and the first rows
/// as the analysis would read them. When the columns cannot be found, `problem` says
/// what is missing and shows the header seen.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; `Validation` on `file` when the
/// file cannot be read at all; database failures.
pub async fn preview(
    state: &AppState,
    actor: &Actor,
    id: i64,
    columns: Option<&str>,
) -> ServiceResult<ColumnsPreview> {
    let row = visible(&state.db, actor, id).await?;
    let upload_id = row.upload_id.ok_or(ServiceError::NotFound)?;
    let columns = columns
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .or(row.columns_spec.as_deref());
    let spec = columns.map(ColumnSpec::parse).transpose();
    let first = first_rows(state, upload_id).await?;
    let found = spec.and_then(|spec| preview_rows(&first, spec.as_ref(), PREVIEW_ROWS));
    let status = effective_status(&state.db, &row).await?;
    Ok(build(&row, status, &first, found))
}

/// The buyer confirms the columns of analysis `id` (awaiting its columns, or failed):
/// the mapping is kept and the analysis queued; returns the job's id.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; `Forbidden` for anyone but its
/// owner buyer organisation; `Conflict` once it has run; `Validation` on `columns` when
/// the mapping does not find the supplier name and the amount; database failures.
pub async fn confirm(
    state: &AppState,
    actor: &Actor,
    id: i64,
    columns: &str,
) -> ServiceResult<i64> {
    let row = visible(&state.db, actor, id).await?;
    if actor.buyer_organisation() != Some(row.organisation_id) {
        return Err(ServiceError::Forbidden);
    }
    let status = effective_status(&state.db, &row).await?;
    if status != MAPPING && status != FAILED {
        return Err(ServiceError::Conflict(
            "this analysis has already run with its columns".to_owned(),
        ));
    }
    let spec =
        ColumnSpec::parse(columns).map_err(|e| ServiceError::field("columns", e.to_string()))?;
    let upload_id = row.upload_id.ok_or(ServiceError::NotFound)?;
    let first = first_rows(state, upload_id).await?;
    if let Err(e) = preview_rows(&first, Some(&spec), PREVIEW_ROWS) {
        return Err(ServiceError::field("columns", e.to_string()));
    }
    let w = state.write().await?;
    let revision = row.revision + 1;
    spend_analysis::ActiveModel {
        id: Set(id),
        columns_spec: Set(Some(columns.to_owned()).filter(|c| !c.is_empty())),
        status: Set(QUEUED.to_owned()),
        error: Set(None),
        error_fields: Set(None),
        revision: Set(revision),
        ..Default::default()
    }
    .update(&w)
    .await?;
    let job_id = enqueue_run(&w, actor, id, revision).await?;
    w.commit().await?;
    state.jobs.wake();
    Ok(job_id)
}
