//! Reading the cells of a payments file: sums of money, dates, and what each row is.
//!
//! Published files are read as they are. Amounts come as `£1,234.50`, `"1,534.24"`,
//! `-109.03`, `(250.00)`, `161,413.00-`, `GBP 12.00` or `12.00 CR`; dates as
//! `01/04/2025`, `1/4/25`, `2025-04-01`, `01-Apr-25`, `3 Apr 2023`, `16 November 2023`,
//! `2025-04-01T00:00:00` or an Excel serial number, mixed within one file. Dates are
//! always day first, as English councils write them: a date that only reads month first
//! (`04/13/2025`) is refused, never silently swapped.
//!
//! Every non-blank row ends in exactly one place ([`RowOutcome`]): accepted as a
//! [`Payment`] (redacted payees included: their money is in the total, they are never
//! matched) or refused with its row number and the reason. [`Reconciliation`] adds the
//! outcomes up so the caller can show that nothing was lost.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::columns::{ColumnMap, Field};
use super::names;
use super::RawRow;

/// Largest amount accepted, in pence (£10 trillion): far beyond any council's payment,
/// small enough that sums of a million rows cannot overflow an `i64`.
const MAX_PENCE: i64 = 1_000_000_000_000_000;

/// Why a cell is not a sum of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("the amount is empty")]
    Empty,
    #[error("not a sum of money")]
    Invalid,
    #[error("too large to be a payment")]
    TooLarge,
}

/// Parses a sum of money to whole pence.
///
/// Accepts a `£` or `GBP` marker, thousands separators in the right places, spaces, a
/// leading `-` or `+`, brackets or a trailing `-` for negatives, and `CR` (credit,
/// negative) or `DR` (debit) after the number. More than two decimals (a spreadsheet's
/// float) are rounded to the nearest penny, halves away from zero.
///
/// # Errors
/// [`AmountError::Empty`] for an empty cell, [`AmountError::Invalid`] for anything else
/// that is not a single well-formed number (`12..5`, `1,23`, `(-5)`, `n/a`),
/// [`AmountError::TooLarge`] beyond £10 trillion.
pub fn parse_amount(input: &str) -> Result<i64, AmountError> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(AmountError::Empty);
    }
    let mut s = compact.as_str();
    // Peel markers from both ends until only the number is left. Each may appear at
    // most once (`+£5`, `(£5)`, `£5 CR`): a marker seen twice (`++5`, `££5`) or two
    // negatives (`(-5)`) mean the cell is not a sum of money.
    let mut negations = 0u8;
    // The other markers, each with the index under which it is counted in `seen`.
    let markers: [(usize, Peel); 6] = [
        (0, |s| s.strip_prefix('+')),
        (1, |s| s.strip_prefix('£')),
        (1, |s| s.strip_suffix('£')),
        (2, |s| strip_prefix_ignore_case(s, "GBP")),
        (2, |s| strip_suffix_ignore_case(s, "GBP")),
        (3, |s| strip_suffix_ignore_case(s, "DR")),
    ];
    let mut seen = [0u8; 4];
    loop {
        let before = s.len();
        if let Some(inner) = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            s = inner;
            negations += 1;
        }
        for sign in ['-', '\u{2212}', '\u{2013}'] {
            if let Some(rest) = s.strip_prefix(sign) {
                s = rest;
                negations += 1;
            }
            if let Some(rest) = s.strip_suffix(sign) {
                s = rest;
                negations += 1;
            }
        }
        if let Some(rest) = strip_suffix_ignore_case(s, "CR") {
            s = rest;
            negations += 1;
        }
        for (counter, peel) in markers {
            if let Some(rest) = peel(s) {
                s = rest;
                seen[counter] += 1;
            }
        }
        if negations > 1 || seen.iter().any(|&n| n > 1) {
            return Err(AmountError::Invalid);
        }
        if s.len() == before {
            break;
        }
    }
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let whole = if whole.is_empty() && !fraction.is_empty() {
        "0".to_owned()
    } else {
        crate::text::ungroup(whole).ok_or(AmountError::Invalid)?
    };
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AmountError::Invalid);
    }
    let whole: i64 = whole.parse().map_err(|_| AmountError::TooLarge)?;
    let digit = |i: usize| i64::from(fraction.as_bytes().get(i).map_or(0, |b| b - b'0'));
    let round_up = i64::from(digit(2) >= 5);
    let pence = whole
        .checked_mul(100)
        .and_then(|p| p.checked_add(digit(0) * 10 + digit(1) + round_up))
        .filter(|p| *p <= MAX_PENCE)
        .ok_or(AmountError::TooLarge)?;
    Ok(if negations == 1 { -pence } else { pence })
}

/// Removes a marker from one end of a cell, if it is there.
type Peel = fn(&str) -> Option<&str>;

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

/// Why a cell is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DateError {
    #[error("the date is empty")]
    Empty,
    #[error("not a date")]
    Invalid,
    #[error("not a day-first date (day/month/year)")]
    MonthFirst,
    #[error("no such day")]
    NoSuchDay,
    #[error("outside the years 1990 to 2100")]
    OutOfRange,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The month a name or abbreviation stands for (`Apr`, `APRIL`, `Sept`).
fn month_from_name(s: &str) -> Option<u32> {
    let lower = s.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    if lower == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&lower))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// The day the Excel 1900 date system counts from, as Excel really counts (its
/// fictitious 29 February 1900 makes serials from 61 on count from 30 December 1899).
fn excel_epoch() -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1899, 12, 30)
}

/// The date of an Excel serial day number (1900 date system), for the serials that
/// can be payment dates (1990 to 2100); spreadsheets saved as CSV often leave dates so.
#[must_use]
pub fn excel_serial_date(serial: u32) -> Option<NaiveDate> {
    if !(32_874..=73_415).contains(&serial) {
        return None;
    }
    excel_epoch()?.checked_add_days(Days::new(u64::from(serial)))
}

fn number(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Day of the month, allowing an ordinal suffix (`3rd`, `21st`).
fn day_number(s: &str) -> Option<u32> {
    let lower = s.to_ascii_lowercase();
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|suffix| lower.strip_suffix(suffix))
        .unwrap_or(&lower);
    number(digits).filter(|_| digits.len() <= 2)
}

fn year_number(s: &str) -> Option<i32> {
    let n = i32::try_from(number(s)?).ok()?;
    match s.len() {
        2 => Some(if n < 70 { 2000 + n } else { 1900 + n }),
        4 => Some(n),
        _ => None,
    }
}

fn month_part(s: &str) -> Option<u32> {
    number(s)
        .filter(|_| s.len() <= 2)
        .or_else(|| month_from_name(s))
}

/// Parses a payment date, day first.
///
/// # Errors
/// [`DateError::Empty`], [`DateError::MonthFirst`] for a date that only makes sense
/// month first, [`DateError::NoSuchDay`] for `31/02/2025`, [`DateError::OutOfRange`]
/// outside 1990–2100, otherwise [`DateError::Invalid`].
pub fn parse_date(input: &str) -> Result<NaiveDate, DateError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(DateError::Empty);
    }
    let date_part = strip_time(s);
    let date = if date_part.bytes().all(|b| b.is_ascii_digit()) {
        compact_date(date_part)?
    } else {
        separated_date(date_part)?
    };
    if !(1990..=2100).contains(&date.year()) {
        return Err(DateError::OutOfRange);
    }
    Ok(date)
}

/// The date part of `2025-04-01T00:00:00`, `01/04/2025 00:00` or `1/4/2025 9:30 AM`.
fn strip_time(s: &str) -> &str {
    if let Some((date, time)) = s.split_once('T') {
        if time.contains(':') && date.bytes().last().is_some_and(|b| b.is_ascii_digit()) {
            return date.trim();
        }
    }
    match s.find(|c: char| c.is_whitespace()) {
        Some(i) if s[i..].contains(':') => {
            // Cut before the first word that holds the time.
            let time_start = s[i..]
                .split_whitespace()
                .find(|w| w.contains(':'))
                .and_then(|w| s.find(w))
                .unwrap_or(s.len());
            s[..time_start].trim()
        }
        _ => s,
    }
}

/// `45383` (an Excel serial) or `20250401`.
fn compact_date(s: &str) -> Result<NaiveDate, DateError> {
    match s.len() {
        5 => s
            .parse()
            .ok()
            .and_then(excel_serial_date)
            .ok_or(DateError::OutOfRange),
        8 => {
            let part =
                |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| DateError::Invalid);
            let year = i32::try_from(part(0..4)?).map_err(|_| DateError::Invalid)?;
            NaiveDate::from_ymd_opt(year, part(4..6)?, part(6..8)?).ok_or(DateError::NoSuchDay)
        }
        _ => Err(DateError::Invalid),
    }
}

fn separated_date(s: &str) -> Result<NaiveDate, DateError> {
    let parts: Vec<&str> = s
        .split(|c: char| matches!(c, '/' | '-' | '.' | ',' | '\\') || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(DateError::Invalid);
    };
    let (year, month, day) = if a.len() == 4 && number(a).is_some() {
        (year_number(a), month_part(b), day_number(c))
    } else if let Some(month) = number(a).is_none().then(|| month_from_name(a)).flatten() {
        // "April 3 2023": a written month cannot be mistaken for a day.
        (year_number(c), Some(month), day_number(b))
    } else {
        (year_number(c), month_part(b), day_number(a))
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(DateError::Invalid);
    };
    if month > 12 {
        // 04/13/2025 reads only month first; swapping would silently misdate other rows.
        return Err(if day <= 12 && number(b).is_some() {
            DateError::MonthFirst
        } else {
            DateError::Invalid
        });
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or(DateError::NoSuchDay)
}

/// Identifiers printed beside a payee, as text; the matcher parses them leniently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PayeeIds {
    /// The council's own supplier or creditor reference.
    pub supplier_ref: Option<String>,
    pub company_number: Option<String>,
    pub charity_number: Option<String>,
    pub vat_number: Option<String>,
    pub postcode: Option<String>,
    /// An org-id such as `GB-COH-01234567`.
    pub identifier: Option<String>,
}

/// An accepted row: a payment the analysis counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    pub row: u64,
    /// The payee as printed, with runs of spaces collapsed; empty for the blank-payee
    /// rounding rows some ledgers print (kept in the total, never matched).
    pub payee: String,
    /// Whole pence; negative for credit notes and refunds.
    pub amount: i64,
    /// `None` only when the file has no date column.
    pub date: Option<NaiveDate>,
    /// Expense type or category as printed.
    pub category: Option<String>,
    pub service_area: Option<String>,
    pub transaction: Option<String>,
    /// The CPV code, when the file has a readable one.
    pub cpv: Option<crate::CpvCode>,
    pub ids: PayeeIds,
    /// The payee was withheld ("REDACTED PERSONAL DATA"): counted, never matched.
    pub redacted: bool,
}

/// Why a non-blank row is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RefusalReason {
    /// A `Total` / `Grand Total` / sub-total line: counting it would double the spend.
    Footer {
        label: String,
    },
    MissingAmount,
    BadAmount {
        raw: String,
        problem: AmountError,
    },
    MissingDate,
    BadDate {
        raw: String,
        problem: DateError,
    },
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Footer { label } => write!(f, "'{label}' is a total line, not a payment"),
            Self::MissingAmount => f.write_str("the amount is missing"),
            Self::BadAmount { raw, problem } => match problem {
                AmountError::TooLarge => write!(f, "amount '{raw}' is too large to be a payment"),
                AmountError::Empty | AmountError::Invalid => {
                    write!(f, "amount '{raw}' is not a sum of money")
                }
            },
            Self::MissingDate => f.write_str("the date is missing"),
            Self::BadDate { raw, problem } => write!(f, "date '{raw}' is {problem}"),
        }
    }
}

// Serde for the error enums travels as their message, which is what a reader needs.
impl Serialize for AmountError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for AmountError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        [Self::Empty, Self::Invalid, Self::TooLarge]
            .into_iter()
            .find(|e| e.to_string() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown amount error {text:?}")))
    }
}
impl Serialize for DateError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
impl<'de> Deserialize<'de> for DateError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        [
            Self::Empty,
            Self::Invalid,
            Self::MonthFirst,
            Self::NoSuchDay,
            Self::OutOfRange,
        ]
        .into_iter()
        .find(|e| e.to_string() == text)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown date error {text:?}")))
    }
}

/// A refused row: its number, why, and its amount when that much could be read (so
/// the accepted and refused sums add up to the file's total of amount cells).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub row: u64,
    pub reason: RefusalReason,
    pub amount: Option<i64>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.reason)
    }
}

/// Where one row of the file ends.
#[expect(
    clippy::large_enum_variant,
    reason = "outcomes are made and consumed one row at a time; boxing would add an allocation per row"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowOutcome {
    /// No letter or digit in any cell: spacing, not a row of data.
    Blank {
        row: u64,
    },
    Accepted(Payment),
    Refused(Refusal),
}

/// True for the labels of total lines. A payee merely starting with "Total" (`TOTAL UK
/// LTD`) is not one: the caller also requires the payee cell to be empty or the label.
fn is_total_label(cell: &str) -> bool {
    const LABELS: [&str; 20] = [
        "total",
        "totals",
        "grand total",
        "grandtotal",
        "sub total",
        "subtotal",
        "sub totals",
        "subtotals",
        "overall total",
        "report total",
        "page total",
        "total amount",
        "total spend",
        "total payments",
        "total expenditure",
        "total value",
        "net total",
        "total net",
        "sum",
        "end of report",
    ];
    let words = super::columns::normalise_header(cell);
    LABELS.contains(&words.as_str())
        || [
            "total for ",
            "totals for ",
            "sub total ",
            "subtotal ",
            "grand total ",
        ]
        .iter()
        .any(|p| words.starts_with(p))
}

/// A cell's text with surrounding spaces removed and inner runs of spaces collapsed;
/// `None` when empty.
fn text(row: &RawRow, columns: &ColumnMap, field: Field) -> Option<String> {
    let cell = row.cell(columns.get(field)?);
    let collapsed = cell.split_whitespace().collect::<Vec<_>>().join(" ");
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Decides where a data row ends (rows before and including the header are the
/// caller's to skip; see [`super::columns::Layout::is_data`]).
#[must_use]
pub fn classify(columns: &ColumnMap, row: &RawRow) -> RowOutcome {
    if row.is_blank() {
        return RowOutcome::Blank { row: row.row };
    }
    let payee = text(row, columns, Field::SupplierName).unwrap_or_default();
    let raw_amount = text(row, columns, Field::Amount);
    let amount = raw_amount.as_deref().map(parse_amount);
    let refuse = |reason| {
        RowOutcome::Refused(Refusal {
            row: row.row,
            reason,
            amount: amount.and_then(Result::ok),
        })
    };
    // A footer has no payee (or the label in the payee column), so real payees such as
    // `TOTAL UK LTD` are never taken for one, and most rows skip the check.
    if payee.is_empty() || is_total_label(&payee) {
        let footer = row
            .cells
            .iter()
            .enumerate()
            .find(|(i, c)| Some(*i) != columns.get(Field::Amount) && is_total_label(c));
        if let Some((_, label)) = footer {
            return refuse(RefusalReason::Footer {
                label: label.trim().to_owned(),
            });
        }
    }
    let amount = match (amount, raw_amount) {
        (Some(Ok(pence)), _) => pence,
        (None, _) | (Some(Err(AmountError::Empty)), _) => {
            return refuse(RefusalReason::MissingAmount)
        }
        (Some(Err(problem)), raw) => {
            return refuse(RefusalReason::BadAmount {
                raw: raw.unwrap_or_default(),
                problem,
            })
        }
    };
    let date = match columns.get(Field::Date) {
        None => None,
        Some(_) => match text(row, columns, Field::Date) {
            None => return refuse(RefusalReason::MissingDate),
            Some(raw) => match parse_date(&raw) {
                Ok(d) => Some(d),
                Err(problem) => return refuse(RefusalReason::BadDate { raw, problem }),
            },
        },
    };
    let cpv = text(row, columns, Field::Cpv).and_then(|c| crate::CpvCode::parse(&c).ok());
    RowOutcome::Accepted(Payment {
        row: row.row,
        redacted: names::is_redacted(&payee),
        payee,
        amount,
        date,
        category: text(row, columns, Field::Category),
        service_area: text(row, columns, Field::ServiceArea),
        transaction: text(row, columns, Field::TransactionNumber),
        cpv,
        ids: PayeeIds {
            supplier_ref: text(row, columns, Field::SupplierId),
            company_number: text(row, columns, Field::CompanyNumber),
            charity_number: text(row, columns, Field::CharityNumber),
            vat_number: text(row, columns, Field::VatNumber),
            postcode: text(row, columns, Field::Postcode),
            identifier: text(row, columns, Field::Identifier),
        },
    })
}

/// Running account of where rows ended, so a file's outcome can be shown to add up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub blank_rows: u64,
    pub accepted_rows: u64,
    /// Sum of accepted amounts in pence, credit notes included: the analysis's total.
    pub accepted_total: i64,
    pub refused_rows: u64,
    /// Sum of the refused rows' amounts that could be read (footers, bad dates).
    pub refused_total: i64,
}

impl Reconciliation {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &RowOutcome) {
        match outcome {
            RowOutcome::Blank { .. } => self.blank_rows += 1,
            RowOutcome::Accepted(p) => {
                self.accepted_rows += 1;
                self.accepted_total += p.amount;
            }
            RowOutcome::Refused(r) => {
                self.refused_rows += 1;
                self.refused_total += r.amount.unwrap_or(0);
            }
        }
    }

    /// Accepted plus readable refused amounts: every amount cell of the file's data rows.
    #[must_use]
    pub const fn amount_cells_total(&self) -> i64 {
        self.accepted_total + self.refused_total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
    }

    #[test]
    fn amounts_in_every_published_form_become_pence() {
        let cases = [
            ("£1,234.50", 123_450),
            ("1,534.24", 153_424),
            ("-109.03", -10_903),
            ("(250.00)", -25_000),
            ("161,413.00-", -16_141_300),
            ("1234", 123_400),
            ("GBP 12.00", 1_200),
            ("12.00 GBP", 1_200),
            (" 1 234.50 ", 123_450),
            ("£-12.5", -1_250),
            ("-£12.50", -1_250),
            ("(£250)", -25_000),
            ("12.00 CR", -1_200),
            ("12.00DR", 1_200),
            ("+7.10", 710),
            (".5", 50),
            ("0.01", 1),
            ("5000.00", 500_000),
            ("1\u{a0}000", 100_000),
        ];
        for (cell, pence) in cases {
            assert_eq!(parse_amount(cell), Ok(pence), "{cell}");
        }
    }

    #[test]
    fn a_marker_given_twice_is_refused() {
        // Found by fuzzing: markers were peeled once per round for six rounds, so
        // `++++++0` read as £0 and `£££5` as £5, while `£++++++0` was refused.
        for cell in [
            "++5",
            "++++++0",
            "££5",
            "5££",
            "£5£",
            "GBP GBP 5",
            "5 DR DR",
            "+£+5",
            "(5) CR",
        ] {
            assert_eq!(parse_amount(cell), Err(AmountError::Invalid), "{cell}");
        }
        assert_eq!(parse_amount("+£5.00 DR"), Ok(500));
        assert_eq!(parse_amount("(GBP £5.00)"), Ok(-500));
    }

    #[test]
    fn spreadsheet_floats_round_to_the_nearest_penny() {
        assert_eq!(parse_amount("0.30000000000000004"), Ok(30));
        assert_eq!(parse_amount("1234.565"), Ok(123_457));
        assert_eq!(parse_amount("-1234.565"), Ok(-123_457));
        assert_eq!(parse_amount("99.999"), Ok(10_000));
    }

    #[test]
    fn malformed_amounts_are_refused_not_guessed() {
        for cell in [
            "12..5", "1,23", "(-5)", "--5", "n/a", "£", "1.2.3", "12,34.00", "five", "1e5",
        ] {
            assert_eq!(parse_amount(cell), Err(AmountError::Invalid), "{cell}");
        }
        assert_eq!(parse_amount("  "), Err(AmountError::Empty));
        assert_eq!(
            parse_amount("99999999999999999999"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn dates_in_every_published_form_are_read_day_first() {
        let cases = [
            ("01/04/2025", ymd(2025, 4, 1)),
            ("1/4/25", ymd(2025, 4, 1)),
            ("2025-04-01", ymd(2025, 4, 1)),
            ("01-Apr-25", ymd(2025, 4, 1)),
            ("05-Oct-21", ymd(2021, 10, 5)),
            ("01-JUN-2012", ymd(2012, 6, 1)),
            ("3 Apr 2023", ymd(2023, 4, 3)),
            ("16 November 2023", ymd(2023, 11, 16)),
            ("3rd April 2023", ymd(2023, 4, 3)),
            ("April 3, 2023", ymd(2023, 4, 3)),
            ("2025-04-01T00:00:00", ymd(2025, 4, 1)),
            ("01/04/2025 00:00", ymd(2025, 4, 1)),
            ("1/4/2025 9:30 AM", ymd(2025, 4, 1)),
            ("01.04.2025", ymd(2025, 4, 1)),
            ("2025/04/01", ymd(2025, 4, 1)),
            ("20250401", ymd(2025, 4, 1)),
            ("45748", ymd(2025, 4, 1)),
            ("13/01/2018", ymd(2018, 1, 13)),
            ("5 Sept 2024", ymd(2024, 9, 5)),
        ];
        for (cell, date) in cases {
            assert_eq!(parse_date(cell), Ok(date), "{cell}");
        }
    }

    #[test]
    fn day_and_month_are_never_swapped() {
        assert_eq!(parse_date("04/13/2025"), Err(DateError::MonthFirst));
        // Both readings are possible: day first wins, as the file's convention says.
        assert_eq!(parse_date("04/05/2025"), Ok(ymd(2025, 5, 4)));
        assert_eq!(parse_date("31/02/2025"), Err(DateError::NoSuchDay));
        assert_eq!(parse_date("32/01/2025"), Err(DateError::NoSuchDay));
    }

    #[test]
    fn text_that_is_not_a_date_is_refused() {
        for cell in ["soon", "2025", "Apr-25", "12/2025", "1/2/3/4", "123456"] {
            assert!(parse_date(cell).is_err(), "{cell}");
        }
        assert_eq!(parse_date(""), Err(DateError::Empty));
        assert_eq!(parse_date("01/01/1850"), Err(DateError::OutOfRange));
    }

    #[test]
    fn excel_serials_count_from_the_excel_epoch() {
        assert_eq!(excel_serial_date(43_101), Some(ymd(2018, 1, 1)));
        assert_eq!(excel_serial_date(45_748), Some(ymd(2025, 4, 1)));
        assert_eq!(excel_serial_date(100), None);
    }

    fn columns() -> ColumnMap {
        let mut map = ColumnMap::default();
        map.set(Field::SupplierName, 0);
        map.set(Field::Amount, 1);
        map.set(Field::Date, 2);
        map.set(Field::Category, 3);
        map
    }

    fn outcome(cells: &[&str]) -> RowOutcome {
        classify(&columns(), &RawRow::new(17, cells))
    }

    #[test]
    fn a_readable_row_is_accepted_with_its_fields() {
        let RowOutcome::Accepted(p) =
            outcome(&["  ACME   LTD ", "£1,234.50", "01/04/2025", "Repairs"])
        else {
            panic!("accepted expected");
        };
        assert_eq!(p.row, 17);
        assert_eq!(p.payee, "ACME LTD");
        assert_eq!(p.amount, 123_450);
        assert_eq!(p.date, Some(ymd(2025, 4, 1)));
        assert_eq!(p.category.as_deref(), Some("Repairs"));
        assert!(!p.redacted);
    }

    #[test]
    fn an_unreadable_amount_is_refused_with_the_row_number_and_the_cell() {
        let RowOutcome::Refused(r) = outcome(&["ACME", "12..5", "01/04/2025", ""]) else {
            panic!("refusal expected");
        };
        assert_eq!(
            r.to_string(),
            "row 17: amount '12..5' is not a sum of money"
        );
        assert_eq!(r.amount, None);
    }

    #[test]
    fn an_unreadable_date_is_refused_but_its_amount_is_kept_for_the_reconciliation() {
        let RowOutcome::Refused(r) = outcome(&["ACME", "10.00", "04/13/2025", ""]) else {
            panic!("refusal expected");
        };
        assert_eq!(
            r.to_string(),
            "row 17: date '04/13/2025' is not a day-first date (day/month/year)"
        );
        assert_eq!(r.amount, Some(1_000));
        let RowOutcome::Refused(r) = outcome(&["ACME", "10.00", "", ""]) else {
            panic!("refusal expected");
        };
        assert_eq!(r.to_string(), "row 17: the date is missing");
    }

    #[test]
    fn total_footers_are_refused_and_a_payee_called_total_is_not() {
        for cells in [
            ["Total", "40,292,334.84", "", ""],
            ["", "1,000.00", "", "Grand Total"],
            ["Sub-total", "500.00", "", ""],
            ["Total for June", "500.00", "", ""],
        ] {
            let RowOutcome::Refused(r) = outcome(&cells) else {
                panic!("footer expected for {cells:?}");
            };
            assert!(
                matches!(r.reason, RefusalReason::Footer { .. }),
                "{cells:?}"
            );
            assert!(r.amount.is_some());
        }
        assert!(matches!(
            outcome(&["TOTAL UK LTD", "500.00", "01/04/2025", "Fuel"]),
            RowOutcome::Accepted(_)
        ));
        // A real payee in a row whose category reads "Total" is still a payment.
        assert!(matches!(
            outcome(&["ACME LTD", "500.00", "01/04/2025", "Total"]),
            RowOutcome::Accepted(_)
        ));
    }

    #[test]
    fn blank_rows_are_spacing_and_redacted_payees_are_accepted() {
        assert_eq!(outcome(&["", " ", "", ""]), RowOutcome::Blank { row: 17 });
        assert_eq!(
            outcome(&["", "\u{2020}\u{2020} ", "", ""]),
            RowOutcome::Blank { row: 17 }
        );
        let RowOutcome::Accepted(p) =
            outcome(&["REDACTED PERSONAL DATA", "766.15", "12/01/2018", ""])
        else {
            panic!("accepted expected");
        };
        assert!(p.redacted);
        assert_eq!(p.amount, 76_615);
    }

    #[test]
    fn a_blank_payee_rounding_row_is_accepted_so_it_cannot_vanish() {
        let RowOutcome::Accepted(p) = outcome(&["", "0.01", "16/01/2018", "Difference A/c"]) else {
            panic!("accepted expected");
        };
        assert_eq!(p.payee, "");
        assert_eq!(p.amount, 1);
    }

    #[test]
    fn a_row_with_text_but_no_amount_is_refused() {
        let RowOutcome::Refused(r) = outcome(&["Note: figures exclude VAT", "", "", ""]) else {
            panic!("refusal expected");
        };
        assert_eq!(r.reason, RefusalReason::MissingAmount);
    }

    #[test]
    fn the_reconciliation_adds_accepted_and_readable_refused_amounts() {
        let rows = [
            outcome(&["A", "10.00", "01/04/2025", ""]),
            outcome(&["B", "(2.50)", "01/04/2025", ""]),
            outcome(&["C", "5.00", "bad", ""]),
            outcome(&["D", "x", "01/04/2025", ""]),
            outcome(&["", "", "", ""]),
            outcome(&["Total", "12.50", "", ""]),
        ];
        let mut rec = Reconciliation::default();
        rows.iter().for_each(|o| rec.add(o));
        assert_eq!(rec.blank_rows, 1);
        assert_eq!(rec.accepted_rows, 2);
        assert_eq!(rec.accepted_total, 750);
        assert_eq!(rec.refused_rows, 3);
        assert_eq!(rec.refused_total, 500 + 1_250);
        assert_eq!(rec.amount_cells_total(), 1_000 - 250 + 500 + 1_250);
    }
}
