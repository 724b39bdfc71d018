//! Tables a buyer takes to a spreadsheet, as CSV and as XLSX from one description: a
//! header row, then rows of typed cells. Numbers stay numbers (an XLSX cell a
//! spreadsheet can add up; a plain decimal in CSV), and text that a spreadsheet would run
//! as a formula (`=`, `+`, `-`, `@`, tab, carriage return first) is made inert with a
//! leading apostrophe in both (OWASP "CSV injection": a payee name is whatever a
//! council's ledger printed).
//!
//! XLSX is written with `rust_xlsxwriter` (MIT/Apache-2.0, actively maintained, no C
//! dependencies): a real workbook with typed cells, which a hand-written ZIP of XML
//! would only imitate.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of a downloaded table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// Pounds, two decimals in CSV, `#,##0.00` in XLSX.
    Money(f64),
    /// A fraction (0.25 = 25%), written as the number.
    Share(f64),
    Count(u64),
    Decimal(f64),
    Flag(bool),
    Empty,
}

impl Cell {
    /// Text, made inert.
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(inert(s.into()))
    }
}

/// A cell that a spreadsheet would run as a formula is made inert (OWASP "CSV
/// injection"): one starting with `=`, `+`, `-`, `@`, a tab or a carriage return, also
/// after leading spaces or line breaks, which spreadsheets skip before reading a formula.
#[must_use]
pub fn inert(s: String) -> String {
    let starts_formula = s.starts_with(['\t', '\r'])
        || s.trim_start_matches([' ', '\n', '\r', '\t'])
            .starts_with(['=', '+', '-', '@']);
    if starts_formula {
        format!("'{s}")
    } else {
        s
    }
}

/// A table to download: its file name (without extension), header and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub sheet: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The table as CSV bytes.
    ///
    /// # Errors
    /// Writing failed (it writes to memory, so only on a defect).
    pub fn to_csv(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(&self.header)?;
        for row in &self.rows {
            out.write_record(row.iter().map(|c| match c {
                Cell::Text(s) => s.clone(),
                Cell::Money(v) => format!("{v:.2}"),
                Cell::Share(v) | Cell::Decimal(v) => v.to_string(),
                Cell::Count(n) => n.to_string(),
                Cell::Flag(b) => b.to_string(),
                Cell::Empty => String::new(),
            }))?;
        }
        out.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The table as an XLSX workbook of one sheet, header row bold and frozen.
    ///
    /// # Errors
    /// [`XlsxError`] from the writer (it writes to memory, so only on a defect).
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet)?;
        let bold = Format::new().set_bold();
        let money = Format::new().set_num_format("#,##0.00");
        let share = Format::new().set_num_format("0.0%");
        for (col, title) in (0u16..).zip(&self.header) {
            sheet.write_string_with_format(0, col, *title, &bold)?;
        }
        for (row, cells) in (1u32..).zip(&self.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(row, col, s)?;
                    }
                    Cell::Money(v) => {
                        sheet.write_number_with_format(row, col, *v, &money)?;
                    }
                    Cell::Share(v) => {
                        sheet.write_number_with_format(row, col, *v, &share)?;
                    }
                    Cell::Count(n) => {
                        sheet.write_number(row, col, count(*n))?;
                    }
                    Cell::Decimal(v) => {
                        sheet.write_number(row, col, *v)?;
                    }
                    Cell::Flag(b) => {
                        sheet.write_boolean(row, col, *b)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
        book.save_to_buffer()
    }

    /// The CSV download.
    pub fn csv_response(&self) -> Response {
        match self.to_csv() {
            Ok(bytes) => attachment(
                "text/csv; charset=utf-8",
                &format!("{}.csv", self.name),
                bytes,
            ),
            Err(e) => {
                tracing::error!(error = format!("{e:#}"), "writing a CSV download");
                (StatusCode::INTERNAL_SERVER_ERROR, "could not write the CSV").into_response()
            }
        }
    }

    /// The XLSX download.
    pub fn xlsx_response(&self) -> Response {
        match self.to_xlsx() {
            Ok(bytes) => attachment(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                &format!("{}.xlsx", self.name),
                bytes,
            ),
            Err(e) => {
                tracing::error!(error = %e, "writing an XLSX download");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "could not write the workbook",
                )
                    .into_response()
            }
        }
    }
}

#[expect(
    clippy::cast_precision_loss,
    reason = "counts of rows stay far below 2^53"
)]
const fn count(n: u64) -> f64 {
    n as f64
}

fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            name: "t".to_owned(),
            sheet: "Payees",
            header: vec!["payee", "amount_gbp", "rows"],
            rows: vec![
                vec![
                    Cell::text("=HYPERLINK(\"x\")"),
                    Cell::Money(-250.0),
                    Cell::Count(2),
                ],
                vec![Cell::text("ACME LTD"), Cell::Money(1234.5), Cell::Count(1)],
            ],
        }
    }

    #[test]
    fn a_formula_in_a_payee_is_made_inert_and_a_credit_note_stays_a_number() {
        let csv = String::from_utf8(table().to_csv().expect("csv")).expect("utf-8");
        assert_eq!(
            csv,
            "payee,amount_gbp,rows\n\"'=HYPERLINK(\"\"x\"\")\",-250.00,2\nACME LTD,1234.50,1\n"
        );
    }

    #[test]
    fn a_formula_after_spaces_or_line_breaks_is_made_inert_too() {
        for raw in [
            "  =1+2",
            "\n=cmd|' /C calc'!A0",
            " \r\n@SUM(A1)",
            "\t-2",
            " +44 1772",
        ] {
            assert!(inert(raw.to_owned()).starts_with('\''), "{raw:?}");
        }
        for plain in ["ACME LTD", "  Preston Leisure", "O'Neill & Sons", "2+2 Ltd"] {
            assert_eq!(inert(plain.to_owned()), plain);
        }
    }

    #[test]
    fn the_workbook_is_a_zip_container() {
        let bytes = table().to_xlsx().expect("xlsx");
        assert!(bytes.starts_with(b"PK\x03\x04"));
    }
}
