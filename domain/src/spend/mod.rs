//! Spend: payment files, matching payees to the registry, local shares and LM3.
//!
//! The pipeline a spend analysis runs, one batch of rows at a time so a file of any size
//! never sits in memory whole:
//!
//! 1. [`read`] (feature `files`) turns a CSV or XLSX into [`RawRow`]s: cells as text,
//!    each with the row number a spreadsheet shows for it.
//! 2. [`columns`] finds the header row and which column holds the payee, the amount, the
//!    date… (or takes the buyer's `columns=` mapping), and previews the first rows.
//! 3. [`parse`] turns each row into exactly one [`parse::RowOutcome`]: a blank row, an
//!    accepted [`parse::Payment`], or a refusal naming the row and the reason.
//! 4. [`names`] normalises payee names; [`matching`] attaches payees to registered
//!    suppliers only on strong evidence, and offers the rest for review.
//! 5. [`figures`] and [`lm3`] add it up: shares of the total that stay local, go to SMEs,
//!    the social economy and Real Living Wage employers; leakage; the local multiplier.
//!
//! Money is whole pence (`i64`) everywhere; shares are `f64` fractions of the total.

pub mod columns;
pub mod dto;
pub mod figures;
pub mod lm3;
pub mod matching;
pub mod names;
pub mod parse;
#[cfg(feature = "files")]
pub mod read;

#[cfg(feature = "files")]
pub mod bench;

#[cfg(all(test, feature = "files"))]
mod pipeline_tests;

use serde::{Deserialize, Serialize};

/// One row of a payments file as text, before anything is interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawRow {
    /// 1-based row number as a spreadsheet shows it (blank lines count; a quoted field
    /// spanning several lines is still one row), used in every message about the row.
    pub row: u64,
    /// The cells, trimmed of nothing: a cell's spaces are for the parser to judge.
    pub cells: Vec<String>,
}

impl RawRow {
    /// A row from string slices (handy for tests and previews).
    #[must_use]
    pub fn new(row: u64, cells: &[&str]) -> Self {
        Self {
            row,
            cells: cells.iter().map(|&c| c.to_owned()).collect(),
        }
    }

    /// The cell at a 0-based column, `""` when the row is shorter.
    #[must_use]
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", String::as_str)
    }

    /// True when no cell holds a letter or a digit. Spreadsheet exports leave rows of
    /// empty cells, spaces or stray punctuation after the data (Lambeth's end in a row of
    /// mis-encoded non-breaking spaces); they are spacing, not payments.
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|c| !c.chars().any(char::is_alphanumeric))
    }
}
