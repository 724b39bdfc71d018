//! Reading payments files as published: CSV (any of the encodings and line ends councils
//! use) and XLSX, one row at a time, so a file of any size is read in bounded memory.
//!
//! CSV: UTF-8, UTF-8 with a BOM and Windows-1252 (`£` as byte 0xA3) are all read, and
//! the choice is made per field: a field that is valid UTF-8 is taken as UTF-8, any
//! other as Windows-1252, so a file stitched together from months saved in different
//! encodings still reads correctly. CRLF, LF and CR-only line ends, quoted fields with
//! line breaks and doubled quotes, and a comma, semicolon, tab or pipe delimiter (judged
//! from the first lines) are understood. The tokenizer is written here rather than taken
//! from the `csv` crate because `csv` skips blank lines without saying so, which makes
//! the row numbers a spreadsheet shows — the numbers buyers look up — unrecoverable.
//!
//! XLSX (through `calamine`): the first sheet with data, or a named one, read with
//! calamine's streaming cell reader. Memory is bounded by the workbook's shared-string
//! table (every distinct text in the workbook, which calamine loads whole) plus one
//! row: the sheet's cells themselves are never all in memory. Dates stored as Excel
//! dates come out as `YYYY-MM-DD`; numbers as their shortest decimal form.

use std::io::{BufRead, BufReader, Read, Seek};

use calamine::{DataRef, Reader, Xlsx, XlsxCellReader};
use thiserror::Error;

use super::RawRow;

/// Why a file could not be read at all (rows that are read but make no sense are
/// refused one by one instead, see [`super::parse`]).
#[derive(Debug, Error)]
pub enum ReadError {
    #[error("the file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("row {row}: a field runs on for more than {limit} bytes; is a closing quote missing?")]
    FieldTooLong { row: u64, limit: usize },
    #[error("row {row}: more than {limit} columns")]
    TooManyColumns { row: u64, limit: usize },
    #[error("the file is UTF-16 text; save it as CSV (UTF-8) or XLSX")]
    Utf16,
    #[error("the spreadsheet could not be read: {0}")]
    Xlsx(String),
    #[error("the spreadsheet has no sheet called \"{0}\"")]
    NoSuchSheet(String),
    #[error("the spreadsheet has no sheet with data")]
    NoData,
}

/// What kind of file the first bytes show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    /// A ZIP container: XLSX.
    Xlsx,
}

/// Tells an XLSX (a ZIP archive) from text by its first bytes.
#[must_use]
pub fn sniff(head: &[u8]) -> FileKind {
    if head.starts_with(b"PK\x03\x04") {
        FileKind::Xlsx
    } else {
        FileKind::Csv
    }
}

/// A source of rows, read one at a time.
pub trait RowSource {
    /// The next row, `None` at the end of the file.
    ///
    /// # Errors
    /// [`ReadError`] when the file cannot be read further.
    fn next_row(&mut self) -> Result<Option<RawRow>, ReadError>;

    /// Up to `max` rows (fewer only at the end; empty when the file is done). The caller
    /// holds one batch at a time, which bounds the memory a file of any size needs.
    ///
    /// # Errors
    /// As [`RowSource::next_row`].
    fn next_batch(&mut self, max: usize) -> Result<Vec<RawRow>, ReadError> {
        let mut batch = Vec::with_capacity(max.min(4096));
        while batch.len() < max {
            match self.next_row()? {
                Some(row) => batch.push(row),
                None => break,
            }
        }
        Ok(batch)
    }
}

/// A borrowed source reads like the source itself, so one reader can serve callers that
/// take the rows by value (the analysis) and callers that peek (the mapping step).
impl<S: RowSource + ?Sized> RowSource for &mut S {
    fn next_row(&mut self) -> Result<Option<RawRow>, ReadError> {
        (**self).next_row()
    }
}

/// Longest field accepted: far beyond any payee or description, small enough that a
/// file with an unclosed quote fails fast instead of filling memory.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// Most columns accepted in a row.
pub const MAX_COLUMNS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (possibly after leading spaces).
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the quotes, or the first of `""`.
    QuoteInQuoted,
}

/// Rows of a CSV file.
#[derive(Debug)]
pub struct CsvRows<R: Read> {
    reader: BufReader<R>,
    delimiter: u8,
    next_row_number: u64,
    /// The previous byte was a CR: a following LF belongs to the same line end.
    after_cr: bool,
    done: bool,
    started: bool,
}

impl<R: Read> CsvRows<R> {
    /// Reads CSV from `reader`, skipping a UTF-8 BOM and judging the delimiter from the
    /// first 64 KiB.
    ///
    /// # Errors
    /// [`ReadError::Io`], or [`ReadError::Utf16`] for a UTF-16 file.
    pub fn new(reader: R) -> Result<Self, ReadError> {
        let mut reader = BufReader::with_capacity(64 * 1024, reader);
        let head = reader.fill_buf()?;
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(ReadError::Utf16);
        }
        let bom = head.starts_with(&[0xEF, 0xBB, 0xBF]);
        let delimiter = sniff_delimiter(if bom { &head[3..] } else { head });
        if bom {
            reader.consume(3);
        }
        Ok(Self {
            reader,
            delimiter,
            next_row_number: 1,
            after_cr: false,
            done: false,
            started: false,
        })
    }

    /// The delimiter in use.
    #[must_use]
    pub const fn delimiter(&self) -> u8 {
        self.delimiter
    }
}

/// The most frequent of `,`, `;`, tab and `|` outside quotes in the first lines; comma
/// when none appears.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    let mut lines = 0;
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => {
                lines += 1;
                if lines >= 20 {
                    break;
                }
            }
            _ if !quoted => {
                if let Some(i) = candidates.iter().position(|&c| c == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, count) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (**c, std::cmp::Reverse(*i)))
        .unwrap_or((0, &0));
    if *count == 0 {
        b','
    } else {
        candidates[best]
    }
}

/// A field's bytes as text: UTF-8 when valid, otherwise Windows-1252.
#[must_use]
pub fn decode_field(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

impl<R: Read> RowSource for CsvRows<R> {
    fn next_row(&mut self) -> Result<Option<RawRow>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let mut cells: Vec<String> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut state = State::FieldStart;
        self.started = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.done = true;
                if !self.started {
                    return Ok(None);
                }
                cells.push(decode_field(&field));
                let row = self.next_row_number;
                self.next_row_number += 1;
                return Ok(Some(RawRow { row, cells }));
            }
            let mut consumed = 0;
            let mut line_ended = false;
            for &b in buf {
                consumed += 1;
                if std::mem::take(&mut self.after_cr) && b == b'\n' {
                    continue;
                }
                let newline = b == b'\n' || b == b'\r';
                if b == b'\r' {
                    self.after_cr = true;
                }
                match state {
                    State::Quoted => {
                        if b == b'"' {
                            state = State::QuoteInQuoted;
                        } else {
                            field.push(if newline { b'\n' } else { b });
                        }
                    }
                    State::QuoteInQuoted if b == b'"' => {
                        field.push(b'"');
                        state = State::Quoted;
                    }
                    State::FieldStart if b == b'"' => {
                        // Leading spaces before an opening quote are not content.
                        field.clear();
                        state = State::Quoted;
                        self.started = true;
                    }
                    State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                        if newline {
                            if !self.started && field.is_empty() {
                                // An empty line: a blank row in the spreadsheet's count.
                                self.next_row_number += 1;
                                continue;
                            }
                            line_ended = true;
                            break;
                        }
                        self.started = true;
                        if b == self.delimiter {
                            cells.push(decode_field(&field));
                            field.clear();
                            state = State::FieldStart;
                            if cells.len() >= MAX_COLUMNS {
                                return Err(ReadError::TooManyColumns {
                                    row: self.next_row_number,
                                    limit: MAX_COLUMNS,
                                });
                            }
                        } else {
                            field.push(b);
                            if !(state == State::FieldStart && b == b' ') {
                                // Text after a closing quote is kept, as spreadsheets do.
                                state = State::Unquoted;
                            }
                        }
                    }
                }
                if field.len() > MAX_FIELD_BYTES {
                    return Err(ReadError::FieldTooLong {
                        row: self.next_row_number,
                        limit: MAX_FIELD_BYTES,
                    });
                }
            }
            self.reader.consume(consumed);
            if line_ended {
                cells.push(decode_field(&field));
                let row = self.next_row_number;
                self.next_row_number += 1;
                return Ok(Some(RawRow { row, cells }));
            }
        }
    }
}

/// An XLSX workbook opened for reading rows.
pub struct XlsxBook<RS: Read + Seek> {
    book: Xlsx<RS>,
}

impl<RS: Read + Seek> std::fmt::Debug for XlsxBook<RS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxBook")
            .field("sheets", &self.book.sheet_names())
            .finish()
    }
}

fn xlsx_error(e: impl std::fmt::Display) -> ReadError {
    ReadError::Xlsx(e.to_string())
}

/// Runs a call into calamine, turning a panic into [`ReadError::Xlsx`].
///
/// calamine panics on some malformed workbooks (found by fuzzing: in 0.38, a cell
/// reference with an overlong column part overflows its arithmetic wherever overflow
/// checks are on, as in debug builds); an uploaded file must not take a worker down.
/// Callers stop using the workbook after such an error.
fn guarded<T>(call: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_or_else(|_| {
        Err(ReadError::Xlsx(
            "it is damaged or not a real XLSX file".to_owned(),
        ))
    })
}

impl<RS: Read + Seek> XlsxBook<RS> {
    /// Opens a workbook (reads its directory, shared strings and styles; not the sheets).
    ///
    /// # Errors
    /// [`ReadError::Xlsx`] when the file is not a readable XLSX.
    pub fn open(reader: RS) -> Result<Self, ReadError> {
        guarded(|| {
            Xlsx::new(reader)
                .map(|book| Self { book })
                .map_err(xlsx_error)
        })
    }

    /// The sheets' names, in workbook order.
    #[must_use]
    pub fn sheet_names(&self) -> Vec<String> {
        self.book.sheet_names()
    }

    /// Rows of the named sheet, or of the first sheet that has any data.
    ///
    /// # Errors
    /// [`ReadError::NoSuchSheet`], [`ReadError::NoData`] when every sheet is empty, or
    /// [`ReadError::Xlsx`].
    pub fn rows(&mut self, sheet: Option<&str>) -> Result<XlsxRows<'_, RS>, ReadError> {
        guarded(|| self.open_rows(sheet))
    }

    fn open_rows(&mut self, sheet: Option<&str>) -> Result<XlsxRows<'_, RS>, ReadError> {
        let names = self.book.sheet_names();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()))
                .cloned()
                .ok_or_else(|| ReadError::NoSuchSheet(wanted.to_owned()))?,
            None => {
                let mut found = None;
                for name in names {
                    let mut cells = self
                        .book
                        .worksheet_cells_reader(&name)
                        .map_err(xlsx_error)?;
                    let mut has_data = false;
                    while let Some(cell) = cells.next_cell().map_err(xlsx_error)? {
                        if !cell_text(cell.get_value()).trim().is_empty() {
                            has_data = true;
                            break;
                        }
                    }
                    if has_data {
                        found = Some(name);
                        break;
                    }
                }
                found.ok_or(ReadError::NoData)?
            }
        };
        let cells = self
            .book
            .worksheet_cells_reader(&name)
            .map_err(xlsx_error)?;
        Ok(XlsxRows {
            cells,
            pending: None,
            done: false,
        })
    }
}

/// Rows of one XLSX sheet, streamed cell by cell.
pub struct XlsxRows<'a, RS: Read + Seek> {
    cells: XlsxCellReader<'a, RS>,
    /// The first cell of the next row, read while finishing the current one.
    pending: Option<(u32, usize, String)>,
    done: bool,
}

impl<RS: Read + Seek> std::fmt::Debug for XlsxRows<'_, RS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XlsxRows")
            .field("done", &self.done)
            .finish()
    }
}

/// A cell as the text a CSV export would show; Excel dates as `YYYY-MM-DD`.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_number(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, hh, mm, ss, _) = dt.to_ymd_hms_milli();
            if (hh, mm, ss) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{d:02}")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
            }
        }
        DataRef::DateTime(dt) => format_number(dt.as_f64()),
        DataRef::Error(e) => format!("#{e}"),
    }
}

/// Shortest decimal form; whole numbers without a fraction.
fn format_number(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

impl<RS: Read + Seek> RowSource for XlsxRows<'_, RS> {
    fn next_row(&mut self) -> Result<Option<RawRow>, ReadError> {
        let row = guarded(|| self.read_row());
        if row.is_err() {
            // After a failure the reader's state is unknown: read no further.
            self.done = true;
            self.pending = None;
        }
        row
    }
}

impl<RS: Read + Seek> XlsxRows<'_, RS> {
    fn read_row(&mut self) -> Result<Option<RawRow>, ReadError> {
        loop {
            let mut current: Option<(u32, Vec<String>)> = None;
            if let Some((row, col, text)) = self.pending.take() {
                let mut cells = vec![String::new(); col];
                cells.push(text);
                current = Some((row, cells));
            }
            loop {
                if self.done {
                    break;
                }
                let Some(cell) = self.cells.next_cell().map_err(xlsx_error)? else {
                    self.done = true;
                    break;
                };
                let (row, col) = cell.get_position();
                let col = usize::try_from(col).unwrap_or(usize::MAX);
                if col >= MAX_COLUMNS {
                    return Err(ReadError::TooManyColumns {
                        row: u64::from(row) + 1,
                        limit: MAX_COLUMNS,
                    });
                }
                let text = cell_text(cell.get_value());
                match &mut current {
                    Some((r, cells)) if *r == row => {
                        if cells.len() < col {
                            cells.resize(col, String::new());
                        }
                        if cells.len() == col {
                            cells.push(text);
                        } else if let Some(slot) = cells.get_mut(col) {
                            *slot = text;
                        }
                    }
                    Some(_) => {
                        self.pending = Some((row, col, text));
                        break;
                    }
                    None => {
                        let mut cells = vec![String::new(); col];
                        cells.push(text);
                        current = Some((row, cells));
                    }
                }
            }
            match current {
                None => return Ok(None),
                // Rows of styled but empty cells are spacing, like empty CSV lines.
                Some((_, cells)) if cells.iter().all(|c| c.trim().is_empty()) => {}
                Some((row, cells)) => {
                    return Ok(Some(RawRow {
                        row: u64::from(row) + 1,
                        cells,
                    }))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn read(bytes: &[u8]) -> Vec<RawRow> {
        let mut rows = CsvRows::new(bytes).expect("readable");
        let mut out = Vec::new();
        while let Some(row) = rows.next_row().expect("readable") {
            out.push(row);
        }
        out
    }

    fn cells(rows: &[RawRow]) -> Vec<Vec<&str>> {
        rows.iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn lf_crlf_and_cr_only_line_ends_read_alike() {
        for text in [
            &b"a,b\n1,2\n"[..],
            b"a,b\r\n1,2\r\n",
            b"a,b\r1,2\r",
            b"a,b\r\n1,2",
        ] {
            let rows = read(text);
            assert_eq!(cells(&rows), [vec!["a", "b"], vec!["1", "2"]], "{text:?}");
            assert_eq!(rows[1].row, 2);
        }
    }

    #[test]
    fn a_bom_is_dropped_and_windows_1252_pound_signs_are_decoded() {
        let rows = read(b"\xEF\xBB\xBFSupplier,Amount\nACME,\xA3100.00\nCAF\xC3\x89,\xC2\xA35\n");
        assert_eq!(
            cells(&rows),
            [
                vec!["Supplier", "Amount"],
                vec!["ACME", "£100.00"],
                vec!["CAFÉ", "£5"]
            ]
        );
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks_on_one_row() {
        let rows = read(b"name,amount\n\"Smith, \"\"Bob\"\"\r\nand Sons\",\"1,534.24\"\nnext,1\n");
        assert_eq!(rows[1].cells, ["Smith, \"Bob\"\nand Sons", "1,534.24"]);
        assert_eq!(rows[1].row, 2);
        // The row after a multi-line field is the next spreadsheet row, not the next line.
        assert_eq!(rows[2].row, 3);
    }

    #[test]
    fn blank_lines_count_as_rows_but_are_not_returned() {
        let rows = read(b"a,b\n\n\r\n1,2\n\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].row, 4);
    }

    #[test]
    fn empty_fields_and_spacer_columns_are_kept_in_place() {
        let rows = read(b",a,,b,\n");
        assert_eq!(rows[0].cells, ["", "a", "", "b", ""]);
    }

    #[test]
    fn the_delimiter_is_judged_from_the_first_lines() {
        let mut rows = CsvRows::new(&b"Supplier;Amount\nACME;1,50\n"[..]).expect("readable");
        assert_eq!(rows.delimiter(), b';');
        assert_eq!(
            rows.next_row().expect("row").map(|r| r.cells.len()),
            Some(2)
        );
        let rows =
            CsvRows::new(&b"Supplier\tAmount\n\"A, B\"\t\"1,000.00\"\n"[..]).expect("readable");
        assert_eq!(rows.delimiter(), b'\t');
        let rows =
            CsvRows::new(&b"Supplier,Amount\n\"A; B\",\"1,000.00\"\n"[..]).expect("readable");
        assert_eq!(rows.delimiter(), b',');
    }

    #[test]
    fn batches_are_bounded() {
        let mut text = String::from("a,b\n");
        for i in 0..25 {
            text.push_str(&format!("x{i},{i}\n"));
        }
        let mut rows = CsvRows::new(text.as_bytes()).expect("readable");
        let sizes: Vec<usize> = std::iter::from_fn(|| {
            let batch = rows.next_batch(10).expect("readable");
            (!batch.is_empty()).then_some(batch.len())
        })
        .collect();
        assert_eq!(sizes, [10, 10, 6]);
    }

    #[test]
    fn an_unclosed_quote_fails_with_the_row_instead_of_filling_memory() {
        let mut text = b"a,b\n\"never closed,".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 10));
        let mut rows = CsvRows::new(&text[..]).expect("readable");
        rows.next_row().expect("header");
        let err = rows.next_row().expect_err("too long");
        assert!(
            err.to_string().starts_with("row 2: a field runs on"),
            "{err}"
        );
    }

    #[test]
    fn a_damaged_workbook_is_an_error_not_a_panic() {
        // Found by fuzzing: a cell reference such as AAAAAAAAAAAAAAAA2 overflows
        // calamine's column arithmetic, which panics where overflow checks are on.
        let bytes = include_bytes!("testdata/overlong-cell-reference.xlsx");
        let mut book = XlsxBook::open(Cursor::new(&bytes[..])).expect("opens");
        let mut rows = book.rows(None).expect("the sheet has data");
        let header = rows.next_row().expect("readable").expect("a header row");
        assert_eq!(header.cells, ["Supplier Name", "Amount"]);
        let damaged = rows.next_row();
        if cfg!(debug_assertions) {
            assert!(
                matches!(&damaged, Err(ReadError::Xlsx(m)) if m.contains("damaged")),
                "{damaged:?}"
            );
            assert!(matches!(rows.next_row(), Ok(None)), "no reading after it");
        }
    }

    #[test]
    fn utf16_is_refused_with_advice() {
        assert!(matches!(
            CsvRows::new(&b"\xFF\xFEa\0"[..]),
            Err(ReadError::Utf16)
        ));
    }

    #[test]
    fn zip_files_are_told_from_text() {
        assert_eq!(sniff(b"PK\x03\x04rest"), FileKind::Xlsx);
        assert_eq!(sniff(b"Supplier,Amount"), FileKind::Csv);
    }
}
