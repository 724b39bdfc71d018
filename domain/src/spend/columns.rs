//! Which column holds what: finding the header row and the payee, amount and date
//! columns in a payments file, or taking the buyer's `columns=` mapping.
//!
//! Councils name their columns in dozens of ways (one council used 14 header variants
//! across 17 files), with colons, trailing spaces, `£` signs and typos (`Expenditure
//! Catergory`). A header cell is normalised (case, punctuation, spaces), then looked up
//! in a table of known variants, then compared with a small edit-distance tolerance,
//! then matched by a key word (`… Amount`, `… Date`). The header row need not be the
//! first: preamble lines (Lambeth prints 9) are skipped until a row names at least the
//! payee and the amount.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::parse::{classify, RowOutcome};
use super::RawRow;

slug_enum! {
    /// A column the analysis reads. The slug is the name used in the API's `columns=`.
    Field, "column" {
        SupplierName => "supplier_name", "supplier name";
        Amount => "amount", "amount";
        Date => "date", "date";
        SupplierId => "supplier_id", "supplier id / creditor reference";
        CompanyNumber => "company_number", "company number";
        CharityNumber => "charity_number", "charity number";
        VatNumber => "vat_number", "VAT number";
        Postcode => "postcode", "postcode";
        Identifier => "identifier", "organisation identifier";
        Category => "category", "expense type or category";
        ServiceArea => "service_area", "service area";
        TransactionNumber => "transaction_number", "transaction number";
        Cpv => "cpv", "CPV code";
    }
}

impl Field {
    /// Columns without which no analysis is possible.
    pub const REQUIRED: [Field; 2] = [Field::SupplierName, Field::Amount];

    const fn index(self) -> usize {
        self as usize
    }

    /// The field a `columns=` key names: the slug, or a common synonym.
    #[must_use]
    pub fn from_key(key: &str) -> Option<Self> {
        let key = key.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::from_slug(&key).or(match key.as_str() {
            "supplier" | "payee" | "name" | "vendor" | "beneficiary" => Some(Self::SupplierName),
            "value" | "net_amount" => Some(Self::Amount),
            "payment_date" | "paid_date" => Some(Self::Date),
            "creditor_reference" | "creditor_ref" | "creditor" | "supplier_ref" | "vendor_id" => {
                Some(Self::SupplierId)
            }
            "company" | "companies_house" | "crn" => Some(Self::CompanyNumber),
            "charity" => Some(Self::CharityNumber),
            "vat" => Some(Self::VatNumber),
            "org_id" | "orgid" => Some(Self::Identifier),
            "expense_type" | "expenditure_category" | "type" => Some(Self::Category),
            "department" | "directorate" | "service" => Some(Self::ServiceArea),
            "transaction" | "reference" | "trans_no" => Some(Self::TransactionNumber),
            "cpv_code" => Some(Self::Cpv),
            _ => None,
        })
    }
}

/// For each field, the 0-based column that holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMap {
    columns: [Option<usize>; Field::ALL.len()],
}

impl ColumnMap {
    /// The column holding `field`.
    #[must_use]
    pub const fn get(&self, field: Field) -> Option<usize> {
        self.columns[field.index()]
    }

    /// Puts `field` in `column`.
    pub fn set(&mut self, field: Field, column: usize) {
        self.columns[field.index()] = Some(column);
    }

    /// The fields found, in [`Field::ALL`] order, with their columns.
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize)> + '_ {
        Field::ALL
            .iter()
            .filter_map(|&f| self.get(f).map(|c| (f, c)))
    }

    fn field_of(&self, column: usize) -> Option<Field> {
        self.iter().find(|&(_, c)| c == column).map(|(f, _)| f)
    }

    fn missing_required(&self) -> Vec<Field> {
        Field::REQUIRED
            .into_iter()
            .filter(|f| self.get(*f).is_none())
            .collect()
    }
}

/// Where a column is, as the buyer names it in `columns=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum ColumnRef {
    /// By header text (compared like detection does: case and punctuation ignored).
    Header(String),
    /// By 1-based position, for a file without a header.
    Position(usize),
    /// `-`: the file has no such column (a detected guess the buyer turned down).
    Skip,
}

/// The buyer's explicit mapping, e.g. `supplier_name:Name,amount:Amount Paid`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub entries: Vec<(Field, ColumnRef)>,
}

/// Why the columns could not be found or a mapping not understood. The API answers
/// these with 422.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ColumnsError {
    /// The required columns are not in the file's header.
    #[error("could not find the {} column{}; the header seen was: {}", list(.missing), if .missing.len() == 1 { "" } else { "s" }, header_text(.header))]
    Missing {
        missing: Vec<Field>,
        /// The cells of the row taken as the header (the first non-blank row when none
        /// looked like one).
        header: Vec<String>,
    },
    /// An entry of `columns=` is not `field:column`.
    #[error("columns: '{entry}' {problem}")]
    BadSpec { entry: String, problem: String },
    /// `columns=` names a header that is not in the file.
    #[error("columns: there is no column '{name}' for the {field}; the header seen was: {}", header_text(.header))]
    UnknownHeader {
        field: Field,
        name: String,
        header: Vec<String>,
    },
    /// The file has no rows at all.
    #[error("the file has no rows")]
    Empty,
}

fn list(fields: &[Field]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.label()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn header_text(header: &[String]) -> String {
    let cells: Vec<String> = header
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .map(|h| format!("\"{h}\""))
        .collect();
    if cells.is_empty() {
        "(nothing)".to_owned()
    } else {
        cells.join(", ")
    }
}

impl ColumnsError {
    /// The request field an API error names: `columns` for a mapping the buyer gave,
    /// `file` for what the file lacks.
    #[must_use]
    pub const fn field(&self) -> &'static str {
        match self {
            Self::BadSpec { .. } | Self::UnknownHeader { .. } => "columns",
            Self::Missing { .. } | Self::Empty => "file",
        }
    }
}

impl ColumnSpec {
    /// Parses the API's `columns=` value: comma-separated `field:column` pairs where the
    /// column is a header name or a 1-based position (`supplier_name:12,amount:17`).
    ///
    /// # Errors
    /// [`ColumnsError::BadSpec`] naming the entry for an unknown field, a missing colon,
    /// a position of 0, or a field given twice.
    pub fn parse(input: &str) -> Result<Self, ColumnsError> {
        let mut entries: Vec<(Field, ColumnRef)> = Vec::new();
        for entry in input.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = |problem: &str| ColumnsError::BadSpec {
                entry: entry.to_owned(),
                problem: problem.to_owned(),
            };
            let (key, column) = entry
                .split_once(':')
                .ok_or_else(|| bad("is not field:column, like amount:Amount Paid or amount:17"))?;
            let field = Field::from_key(key).ok_or_else(|| {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.slug()).collect();
                bad(&format!(
                    "names no known field (known: {})",
                    known.join(", ")
                ))
            })?;
            let column = column.trim();
            if column.is_empty() {
                return Err(bad("gives no column"));
            }
            let column = if column == "-" {
                ColumnRef::Skip
            } else if column.bytes().all(|b| b.is_ascii_digit()) {
                match column.parse::<usize>() {
                    Ok(0) | Err(_) => return Err(bad("positions count from 1")),
                    Ok(n) => ColumnRef::Position(n),
                }
            } else {
                ColumnRef::Header(column.to_owned())
            };
            if entries.iter().any(|(f, _)| *f == field) {
                return Err(bad("gives a field a second time"));
            }
            entries.push((field, column));
        }
        Ok(Self { entries })
    }

    /// True when every column is given by position (or turned down): the file may have
    /// no header.
    #[must_use]
    pub fn is_positional(&self) -> bool {
        self.entries
            .iter()
            .any(|(_, c)| matches!(c, ColumnRef::Position(_)))
            && self
                .entries
                .iter()
                .all(|(_, c)| matches!(c, ColumnRef::Position(_) | ColumnRef::Skip))
    }
}

/// The fields the mapping step asks about, in the order it asks.
pub const MAPPED_FIELDS: [Field; 11] = [
    Field::SupplierName,
    Field::Amount,
    Field::Date,
    Field::SupplierId,
    Field::CompanyNumber,
    Field::CharityNumber,
    Field::VatNumber,
    Field::Postcode,
    Field::Category,
    Field::ServiceArea,
    Field::TransactionNumber,
];

/// The `columns=` value of the mapping form's choices, `(field slug, 1-based position)`
/// pairs where an empty position means "not in this file". Unknown fields and anything
/// but a position are left out, so what comes back always parses.
#[must_use]
pub fn spec_from_choices<'a>(choices: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut entries: Vec<(Field, String)> = Vec::new();
    for (key, value) in choices {
        let Some(field) = Field::from_slug(key.trim()) else {
            continue;
        };
        let value = value.trim();
        let column = match value.parse::<usize>() {
            Ok(n) if n > 0 => n.to_string(),
            _ if value.is_empty() || value == "-" => "-".to_owned(),
            _ => continue,
        };
        entries.retain(|(f, _)| *f != field);
        entries.push((field, column));
    }
    entries
        .iter()
        .map(|(f, c)| format!("{}:{c}", f.slug()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Case, punctuation and spacing removed: `Supplier Name:` and `SUPPLIER_NAME ` meet.
#[must_use]
pub fn normalise_header(cell: &str) -> String {
    cell.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Known header variants per field, most specific first. Written from what English
/// councils publish under the Transparency Code; a header is compared after
/// [`normalise_header`], so `Amount (£)` is `amount` and `Date Paid:` is `date paid`.
const VARIANTS: &[(Field, &[&str])] = &[
    (
        Field::SupplierName,
        &[
            "supplier name",
            "supplier",
            "suppliername",
            "supplier name text",
            "supplier full name",
            "payee name",
            "payee",
            "vendor name",
            "vendor",
            "beneficiary name",
            "beneficiary",
            "creditor name",
            "creditor",
            "recipient name",
            "recipient",
            "merchant name",
            "merchant",
            "paid to",
            "name of supplier",
            "supplier payee name",
            "organisation name",
            "company name",
            "name",
            "trader name",
            "contractor name",
            "contractor",
            "account name",
            "third party name",
        ],
    ),
    (
        Field::Amount,
        &[
            "net amount",
            "nett amount",
            "amount",
            "amount paid",
            "paid amount",
            "payment amount",
            "amount excl vat",
            "amount excluding vat",
            "amount ex vat",
            "net amount excluding vat",
            "net value",
            "value",
            "invoice nett amount",
            "invoice net amount",
            "invoice amount",
            "line amount",
            "transaction amount",
            "total",
            "total amount",
            "net",
            "nett",
            "amount gbp",
            "value gbp",
            "amount in sterling",
            "expenditure",
            "spend",
            "sum",
            "gross amount",
            "gross",
            "total value",
            "net total",
        ],
    ),
    (
        Field::Date,
        &[
            "payment date",
            "date paid",
            "paid date",
            "transaction date",
            "date",
            "date of payment",
            "pay date",
            "payment run date",
            "invoice payment date",
            "posting date",
            "posted date",
            "invoice date",
            "invoice creation date",
            "cheque date",
            "effective date",
            "process date",
            "processed date",
            "clearing date",
            "value date",
            "date of transaction",
            "voucher date",
        ],
    ),
    (
        Field::SupplierId,
        &[
            "supplier id",
            "supplier number",
            "supplier no",
            "supplier code",
            "supplier ref",
            "supplier reference",
            "supplier account number",
            "vendor id",
            "vendor number",
            "vendor no",
            "vendor code",
            "creditor number",
            "creditor no",
            "creditor id",
            "creditor ref",
            "creditor reference",
            "creditor code",
            "payee id",
            "payee number",
            "payee reference",
            "beneficiary id",
            "supplier account",
            "account number",
        ],
    ),
    (
        Field::CompanyNumber,
        &[
            "company number",
            "company registration number",
            "company reg number",
            "company reg no",
            "companies house number",
            "company no",
            "registered company number",
            "crn",
            "supplier company number",
            "companies house registration number",
        ],
    ),
    (
        Field::CharityNumber,
        &[
            "charity number",
            "registered charity number",
            "charity registration number",
            "charity no",
            "charity reg no",
            "supplier charity number",
        ],
    ),
    (
        Field::VatNumber,
        &[
            "vat number",
            "vat registration number",
            "vat reg no",
            "vat no",
            "vat reg number",
            "supplier vat number",
            "vat registration",
        ],
    ),
    (
        Field::Postcode,
        &[
            "postcode",
            "post code",
            "supplier postcode",
            "supplier post code",
            "payee postcode",
            "postal code",
            "vendor postcode",
        ],
    ),
    (
        Field::Identifier,
        &[
            "identifier",
            "org id",
            "orgid",
            "organisation identifier",
            "supplier identifier",
            "organization identifier",
        ],
    ),
    (
        Field::Category,
        &[
            "expense type",
            "expenditure category",
            "expense category",
            "purchase category",
            "expenditure type",
            "category",
            "spend category",
            "procurement category",
            "expense description",
            "expenditure description",
            "subjective description",
            "subj description",
            "subjective",
            "subjective name",
            "expense area",
            "account description",
            "cost element",
            "cost element description",
            "purpose of expenditure",
            "purpose",
            "description",
            "expense",
            "proclass",
            "proclass description",
            "merchant category",
            "service category",
            "nominal description",
            "ledger description",
            "category description",
        ],
    ),
    (
        Field::ServiceArea,
        &[
            "service area",
            "service",
            "directorate",
            "department",
            "service division",
            "division",
            "service label",
            "service area categorisation",
            "service area description",
            "cost centre description",
            "cost centre name",
            "cost centre",
            "portfolio",
            "business unit",
            "responsible unit",
            "team",
        ],
    ),
    (
        Field::TransactionNumber,
        &[
            "transaction number",
            "trans no",
            "transaction no",
            "transaction id",
            "transaction ref",
            "transaction reference",
            "trans ref",
            "payment reference",
            "payment ref",
            "payment number",
            "payment id",
            "invoice number",
            "invoice no",
            "invoice ref",
            "invoice reference",
            "document number",
            "document no",
            "voucher number",
            "voucher no",
            "reference",
            "ref",
            "unique transaction id",
        ],
    ),
    (
        Field::Cpv,
        &["cpv", "cpv code", "cpv codes", "cpv division"],
    ),
];

/// Headers that look like a field but are not it: a VAT amount is not the payment.
const NOT_A_FIELD: &[&str] = &[
    "vat",
    "vat amount",
    "vat value",
    "vat paid",
    "irrecoverable vat",
    "recoverable vat",
    "vat rate",
    "vat code",
    "type of expenditure",
    "capital revenue",
    "revenue capital",
    "body",
    "body name",
    "organisation",
    "client",
    "council",
];

/// How well a header cell names a field; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Exact(usize),
    Typo(usize),
    KeyWord,
}

/// True when `variant` and `header` (of `header_chars` characters) are at most `limit`
/// edits apart. The distance is at least the difference in length, so the quadratic
/// comparison only runs for cells about as long as the variant.
fn within_edits(variant: &str, header: &str, header_chars: usize, limit: usize) -> bool {
    variant.chars().count().abs_diff(header_chars) <= limit
        && strsim::levenshtein(variant, header) <= limit
}

/// Longest cell, in bytes once trimmed, that is compared with the known headers. Real
/// headers are a few words; a longer cell among the first rows is a title, a note or a
/// runaway quoted field, and normalising and comparing it for every field would make
/// the cost of detection grow with the cell.
const MAX_HEADER_BYTES: usize = 512;

/// Columns searched for known headers. Published payments files have a few dozen; a
/// row thousands of cells wide would otherwise cost seconds of comparisons per row
/// searched. A `columns=` mapping can still name any column.
pub const MAX_HEADER_COLUMNS: usize = 256;

/// Errors a typo allowance tolerates for a header of this length: none for short ones,
/// where one letter turns `date` into `data`.
const fn typo_allowance(len: usize) -> usize {
    match len {
        0..=6 => 0,
        7..=14 => 1,
        _ => 2,
    }
}

fn fit(field: Field, header: &str) -> Option<Fit> {
    if header.is_empty() || NOT_A_FIELD.contains(&header) {
        return None;
    }
    let variants = VARIANTS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(&[][..], |(_, v)| v);
    if let Some(rank) = variants.iter().position(|v| *v == header) {
        return Some(Fit::Exact(rank));
    }
    let header_chars = header.chars().count();
    let allowance = typo_allowance(header_chars);
    if allowance > 0 {
        if let Some(rank) = variants.iter().position(|v| {
            typo_allowance(v.len()) > 0 && within_edits(v, header, header_chars, allowance)
        }) {
            return Some(Fit::Typo(rank));
        }
    }
    key_word_fit(field, header).then_some(Fit::KeyWord)
}

/// The last resort: a header containing the field's key word, such as `Invoice Nett
/// Amount (exc VAT)` or `Date Invoice Paid`.
fn key_word_fit(field: Field, header: &str) -> bool {
    let words: Vec<&str> = header.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    let any = |ws: &[&str]| ws.iter().any(|w| has(w));
    let is_id = any(&["id", "no", "number", "code", "ref", "reference", "num"]);
    match field {
        Field::SupplierName => {
            any(&[
                "supplier",
                "payee",
                "vendor",
                "beneficiary",
                "creditor",
                "recipient",
            ]) && !is_id
                && !any(&["postcode", "vat", "type", "category", "company", "charity"])
        }
        Field::Amount => {
            any(&["amount", "amt", "value", "gbp", "sterling"]) && !has("vat") && !has("date")
        }
        Field::Date => has("date") || has("paid") && has("on"),
        Field::SupplierId => any(&["supplier", "vendor", "creditor", "payee"]) && is_id,
        Field::CompanyNumber => has("company") && is_id,
        Field::CharityNumber => has("charity") && is_id,
        Field::VatNumber => has("vat") && any(&["number", "no", "registration", "reg"]),
        Field::Postcode => has("postcode") || has("post") && has("code"),
        Field::Category => any(&["category", "subjective", "expense", "expenditure"]) && !is_id,
        Field::ServiceArea => any(&["service", "directorate", "department"]) && !is_id,
        Field::TransactionNumber => any(&["transaction", "invoice", "payment", "voucher"]) && is_id,
        Field::Identifier | Field::Cpv => false,
    }
}

/// Detects the fields in a header row. Each field takes its best-fitting column, the
/// most important fields choosing first, and a column serves one field only.
#[must_use]
pub fn detect(header: &[String]) -> ColumnMap {
    let normalised: Vec<String> = header
        .iter()
        .take(MAX_HEADER_COLUMNS)
        .map(|h| {
            let h = h.trim();
            if h.len() > MAX_HEADER_BYTES {
                String::new()
            } else {
                normalise_header(h)
            }
        })
        .collect();
    let mut map = ColumnMap::default();
    for &field in Field::ALL {
        let best = normalised
            .iter()
            .enumerate()
            .filter(|(i, _)| map.field_of(*i).is_none())
            .filter_map(|(i, h)| fit(field, h).map(|f| (f, i)))
            .min();
        if let Some((_, column)) = best {
            map.set(field, column);
        }
    }
    map
}

/// How many leading rows are searched for the header: preambles run to a dozen lines.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// Where the data is: the header row (if any) and the column of each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Row number of the header; `None` for a headerless file mapped by position.
    pub header_row: Option<u64>,
    /// The header's cells (empty without a header).
    pub header: Vec<String>,
    pub columns: ColumnMap,
}

impl Layout {
    /// True for rows after the header: the rows that are payments, blanks or footers.
    /// Preamble lines and the header itself are the file's furniture, not data.
    #[must_use]
    pub fn is_data(&self, row: &RawRow) -> bool {
        self.header_row.is_none_or(|h| row.row > h)
    }

    /// The header text of a field's column, or `column N` without a header.
    #[must_use]
    pub fn column_name(&self, field: Field) -> Option<String> {
        let column = self.columns.get(field)?;
        Some(
            self.header
                .get(column)
                .map(|h| h.trim())
                .filter(|h| !h.is_empty())
                .map_or_else(|| format!("column {}", column + 1), str::to_owned),
        )
    }
}

/// Finds the header and the columns from the first rows of a file (pass at least
/// [`HEADER_SEARCH_ROWS`] when the file has them), applying the buyer's mapping over
/// what detection finds.
///
/// The header is the first row, among the first [`HEADER_SEARCH_ROWS`] non-blank ones,
/// in which the payee and amount columns can be found (after the mapping). With a
/// mapping that gives every column by position, the file may have no header: the header
/// is then the row just before the first row whose amount cell is a sum of money, if
/// there is such a row, and rows before it are preamble.
///
/// # Errors
/// [`ColumnsError::Empty`] without rows, [`ColumnsError::UnknownHeader`] for a mapped
/// header that is not there, [`ColumnsError::Missing`] naming the required columns not
/// found and the header seen.
pub fn detect_layout(
    first_rows: &[RawRow],
    spec: Option<&ColumnSpec>,
) -> Result<Layout, ColumnsError> {
    let candidates: Vec<&RawRow> = first_rows
        .iter()
        .filter(|r| !r.is_blank())
        .take(HEADER_SEARCH_ROWS)
        .collect();
    let Some(first) = candidates.first() else {
        return Err(ColumnsError::Empty);
    };
    if let Some(spec) = spec.filter(|s| s.is_positional()) {
        return positional_layout(&candidates, spec);
    }
    let mut detected: Vec<ColumnMap> = Vec::with_capacity(candidates.len());
    for row in &candidates {
        let columns = detect(&row.cells);
        if let Ok(columns) = apply_spec(columns.clone(), &row.cells, spec) {
            if columns.missing_required().is_empty() {
                return Ok(Layout {
                    header_row: Some(row.row),
                    header: row.cells.clone(),
                    columns,
                });
            }
        }
        detected.push(columns);
    }
    // Report against the row most like a header: the one where most fields were seen.
    let (seen, columns) = candidates
        .iter()
        .zip(detected)
        .max_by_key(|(r, columns)| (columns.iter().count(), std::cmp::Reverse(r.row)))
        .unwrap_or((first, ColumnMap::default()));
    let columns = apply_spec(columns, &seen.cells, spec)?;
    Err(ColumnsError::Missing {
        missing: columns.missing_required(),
        header: seen.cells.clone(),
    })
}

fn positional_layout(candidates: &[&RawRow], spec: &ColumnSpec) -> Result<Layout, ColumnsError> {
    let positions = apply_spec(ColumnMap::default(), &[], Some(spec))?;
    let missing = positions.missing_required();
    if !missing.is_empty() {
        return Err(ColumnsError::Missing {
            missing,
            header: candidates
                .first()
                .map(|r| r.cells.clone())
                .unwrap_or_default(),
        });
    }
    let amount = positions.get(Field::Amount).unwrap_or_default();
    let first_money = candidates
        .iter()
        .position(|r| super::parse::parse_amount(r.cell(amount)).is_ok());
    let header = match first_money {
        Some(k) if k > 0 => candidates.get(k - 1).copied(),
        _ => None,
    };
    Ok(match header {
        None => Layout {
            header_row: None,
            header: Vec::new(),
            columns: positions,
        },
        Some(row) => Layout {
            header_row: Some(row.row),
            header: row.cells.clone(),
            columns: apply_spec(detect(&row.cells), &row.cells, Some(spec))?,
        },
    })
}

fn apply_spec(
    mut detected: ColumnMap,
    header: &[String],
    spec: Option<&ColumnSpec>,
) -> Result<ColumnMap, ColumnsError> {
    let Some(spec) = spec else {
        return Ok(detected);
    };
    for (field, column) in &spec.entries {
        let index = match column {
            ColumnRef::Skip => {
                detected.columns[field.index()] = None;
                continue;
            }
            ColumnRef::Position(n) => n.checked_sub(1).ok_or_else(|| ColumnsError::BadSpec {
                entry: format!("{}:{n}", field.slug()),
                problem: "positions count from 1".to_owned(),
            })?,
            ColumnRef::Header(name) => {
                let wanted = normalise_header(name);
                header
                    .iter()
                    .position(|h| normalise_header(h) == wanted)
                    .ok_or_else(|| ColumnsError::UnknownHeader {
                        field: *field,
                        name: name.clone(),
                        header: header.to_vec(),
                    })?
            }
        };
        // The mapping wins: a detected field in that column gives way.
        if let Some(other) = detected.field_of(index) {
            detected.columns[other.index()] = None;
        }
        detected.set(*field, index);
    }
    Ok(detected)
}

/// One row of the preview: the mapped cells and what the row would become.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewRow {
    pub row: u64,
    /// `(field, cell text)` for each mapped field, in [`Field::ALL`] order.
    pub cells: Vec<(Field, String)>,
    pub outcome: RowOutcome,
}

/// What the mapping page shows: the detected layout and the first data rows read with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preview {
    pub layout: Layout,
    /// `(field, header text or "column N")` for each mapped field.
    pub mapping: Vec<(Field, String)>,
    pub rows: Vec<PreviewRow>,
}

/// The first `n` non-blank data rows read with the detected (or given) mapping, for the
/// page where the buyer checks and corrects the columns.
///
/// # Errors
/// As [`detect_layout`].
pub fn preview(
    first_rows: &[RawRow],
    spec: Option<&ColumnSpec>,
    n: usize,
) -> Result<Preview, ColumnsError> {
    let layout = detect_layout(first_rows, spec)?;
    let rows = first_rows
        .iter()
        .filter(|r| layout.is_data(r) && !r.is_blank())
        .take(n)
        .map(|r| PreviewRow {
            row: r.row,
            cells: layout
                .columns
                .iter()
                .map(|(f, c)| (f, r.cell(c).trim().to_owned()))
                .collect(),
            outcome: classify(&layout.columns, r),
        })
        .collect();
    let mapping = layout
        .columns
        .iter()
        .filter_map(|(f, _)| layout.column_name(f).map(|name| (f, name)))
        .collect();
    Ok(Preview {
        layout,
        mapping,
        rows,
    })
}

impl fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header(h) => f.write_str(h),
            Self::Position(n) => write!(f, "{n}"),
            Self::Skip => f.write_str("-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|&c| c.to_owned()).collect()
    }

    fn found(cells: &[&str]) -> Vec<(Field, usize)> {
        detect(&header(cells)).iter().collect()
    }

    #[test]
    fn oxfords_header_with_its_typo_is_understood() {
        let map = detect(&header(&[
            "Client",
            "Service Area",
            "Expenditure Catergory",
            "Expenditure Code",
            "Paid Date",
            "Trans No",
            "Amount",
            "Type of Expenditure",
            "Supplier ID",
            "Supplier Name",
        ]));
        assert_eq!(map.get(Field::SupplierName), Some(9));
        assert_eq!(map.get(Field::Amount), Some(6));
        assert_eq!(map.get(Field::Date), Some(4));
        assert_eq!(map.get(Field::SupplierId), Some(8));
        assert_eq!(map.get(Field::Category), Some(2));
        assert_eq!(map.get(Field::ServiceArea), Some(1));
        assert_eq!(map.get(Field::TransactionNumber), Some(5));
    }

    #[test]
    fn lambeths_header_is_understood() {
        let map = detect(&header(&[
            "Body",
            "Department",
            "Supplier Name",
            "Invoice Creation Date",
            "Invoice Nett Amount",
            "Subj Description",
        ]));
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [
                (Field::SupplierName, 2),
                (Field::Amount, 4),
                (Field::Date, 3),
                (Field::Category, 5),
                (Field::ServiceArea, 1),
            ]
        );
    }

    #[test]
    fn colons_trailing_spaces_case_and_currency_signs_do_not_matter() {
        assert_eq!(
            found(&[
                "SUPPLIER NAME: ",
                "Amount (£)",
                " Date Paid:",
                "",
                "Expense Type "
            ]),
            [
                (Field::SupplierName, 0),
                (Field::Amount, 1),
                (Field::Date, 2),
                (Field::Category, 4),
            ]
        );
    }

    #[test]
    fn common_variants_are_found() {
        for (cells, field, column) in [
            (&["Payee", "Value"][..], Field::SupplierName, 0),
            (&["Vendor Name", "Amount Paid"], Field::Amount, 1),
            (&["Beneficiary", "Total"], Field::SupplierName, 0),
            (
                &["Supplier", "Net Amount", "Transaction Date"],
                Field::Date,
                2,
            ),
            (
                &["Supplier", "Amount", "Purchase Category"],
                Field::Category,
                2,
            ),
            (
                &["Supplier", "Amount", "Directorate"],
                Field::ServiceArea,
                2,
            ),
            (
                &["Supplier", "Amount", "Creditor Number"],
                Field::SupplierId,
                2,
            ),
            (
                &["Supplier", "Amount", "Transaction Number"],
                Field::TransactionNumber,
                2,
            ),
            (&["Supplier", "Amount", "Postcode"], Field::Postcode, 2),
            (
                &["Supplier", "Amount", "Company Registration Number"],
                Field::CompanyNumber,
                2,
            ),
            (
                &["Supplier", "Amount", "VAT Registration Number"],
                Field::VatNumber,
                2,
            ),
            (&["Supplier", "Amount", "CPV Code"], Field::Cpv, 2),
            (&["Suplier Name", "Amount"], Field::SupplierName, 0),
            (
                &["Supplier Name", "Net Amount Excluding VAT (£)"],
                Field::Amount,
                1,
            ),
            (
                &["Supplier Name", "Date Invoice Paid", "Amount"],
                Field::Date,
                1,
            ),
        ] {
            assert_eq!(detect(&header(cells)).get(field), Some(column), "{cells:?}");
        }
    }

    #[test]
    fn a_vat_amount_is_never_taken_for_the_payment() {
        let map = detect(&header(&[
            "Supplier",
            "VAT Amount",
            "Net Amount",
            "Gross Amount",
        ]));
        assert_eq!(map.get(Field::Amount), Some(2));
        let map = detect(&header(&["Supplier", "VAT", "Gross"]));
        assert_eq!(map.get(Field::Amount), Some(2));
    }

    #[test]
    fn supplier_id_and_supplier_name_are_told_apart() {
        let map = detect(&header(&["Supplier ID", "Supplier", "Amount"]));
        assert_eq!(map.get(Field::SupplierName), Some(1));
        assert_eq!(map.get(Field::SupplierId), Some(0));
    }

    fn rows(lines: &[&[&str]]) -> Vec<RawRow> {
        lines
            .iter()
            .zip(1..)
            .map(|(cells, n)| RawRow::new(n, cells))
            .collect()
    }

    #[test]
    fn the_header_is_found_after_a_preamble() {
        let file = rows(&[
            &["Lambeth Invoices Over Specified Nett Amount", "", ""],
            &["", "", ""],
            &["Invoice Threshold Nett Amt: 500", "", ""],
            &[
                "Supplier Name",
                "Invoice Nett Amount",
                "Invoice Creation Date",
            ],
            &["ACME LTD", "1,534.24", "08/06/2012"],
        ]);
        let layout = detect_layout(&file, None).expect("a header");
        assert_eq!(layout.header_row, Some(4));
        assert!(!layout.is_data(&file[3]));
        assert!(layout.is_data(&file[4]));
    }

    #[test]
    fn long_cells_before_the_header_do_not_stall_detection() {
        // Found by fuzzing: typo matching compared every header variant with every
        // cell of the first 30 rows in full, so a preamble of long cells (a pasted
        // description, an unclosed quote) cost minutes of CPU per upload.
        let long = "x".repeat(256 * 1024);
        let mut file: Vec<RawRow> = (1..=30)
            .map(|row| RawRow::new(row, &[&long, &long, &long]))
            .collect();
        file.push(RawRow::new(31, &["Supplier Name", "Amount", "Date"]));
        let started = std::time::Instant::now();
        let err = detect_layout(&file, None).expect_err("no header among the first 30 rows");
        assert!(matches!(err, ColumnsError::Missing { .. }));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "header detection took {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn very_wide_rows_before_the_header_do_not_stall_detection() {
        // Found by fuzzing: every cell of the first 30 rows was compared with every
        // header variant of every field, so rows of 4,000 short cells (a 2 MB file)
        // took 11 seconds of CPU in a release build.
        let cells: Vec<String> = (0..4000).map(|i| format!("payment date {i:04}")).collect();
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        let file: Vec<RawRow> = (1..=30).map(|row| RawRow::new(row, &cells)).collect();
        let started = std::time::Instant::now();
        let layout = detect_layout(&file, None);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "header detection took {:?}",
            started.elapsed()
        );
        assert!(matches!(layout, Err(ColumnsError::Missing { .. })));
    }

    #[test]
    fn a_header_past_the_searched_columns_can_still_be_mapped_by_name() {
        let mut header = vec![String::new(); MAX_HEADER_COLUMNS];
        header.extend(["Supplier Name".to_owned(), "Amount".to_owned()]);
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let file = [RawRow::new(1, &header)];
        assert!(detect_layout(&file, None).is_err());
        let spec = ColumnSpec::parse("supplier_name:Supplier Name,amount:Amount").expect("spec");
        let layout = detect_layout(&file, Some(&spec)).expect("mapped by name");
        assert_eq!(
            layout.columns.get(Field::Amount),
            Some(MAX_HEADER_COLUMNS + 1)
        );
    }

    #[test]
    fn missing_columns_are_named_with_the_header_seen() {
        let file = rows(&[
            &["Name of Thing", "Date", "Cost Centre"],
            &["x", "01/01/2025", "y"],
        ]);
        let err = detect_layout(&file, None).expect_err("no amount, no payee");
        assert_eq!(
            err.to_string(),
            "could not find the supplier name and amount columns; the header seen was: \
             \"Name of Thing\", \"Date\", \"Cost Centre\""
        );
        assert_eq!(err.field(), "file");
        let file = rows(&[&["Supplier", "Date"]]);
        let err = detect_layout(&file, None).expect_err("no amount");
        assert!(
            matches!(&err, ColumnsError::Missing { missing, .. } if missing == &[Field::Amount])
        );
        assert_eq!(
            err.to_string(),
            "could not find the amount column; the header seen was: \"Supplier\", \"Date\""
        );
    }

    #[test]
    fn the_columns_parameter_parses_headers_and_positions() {
        let spec = ColumnSpec::parse("supplier_name:Name,amount:Amount Paid,date:Payment Date")
            .expect("valid");
        assert_eq!(
            spec.entries,
            [
                (Field::SupplierName, ColumnRef::Header("Name".into())),
                (Field::Amount, ColumnRef::Header("Amount Paid".into())),
                (Field::Date, ColumnRef::Header("Payment Date".into())),
            ]
        );
        assert!(!spec.is_positional());
        let spec = ColumnSpec::parse("supplier_name:12, amount:17 ,date:15").expect("valid");
        assert!(spec.is_positional());
        assert_eq!(spec.entries[1], (Field::Amount, ColumnRef::Position(17)));
    }

    #[test]
    fn a_bad_columns_parameter_names_the_entry() {
        for (input, message) in [
            (
                "amount",
                "columns: 'amount' is not field:column, like amount:Amount Paid or amount:17",
            ),
            ("amount:0", "columns: 'amount:0' positions count from 1"),
            ("amount:", "columns: 'amount:' gives no column"),
            (
                "amount:1,amount:2",
                "columns: 'amount:2' gives a field a second time",
            ),
        ] {
            assert_eq!(
                ColumnSpec::parse(input).expect_err(input).to_string(),
                message
            );
        }
        assert!(ColumnSpec::parse("colour:3")
            .expect_err("unknown")
            .to_string()
            .starts_with("columns: 'colour:3' names no known field (known: supplier_name, amount"));
    }

    #[test]
    fn a_mapping_by_header_overrides_detection() {
        let file = rows(&[
            &["Name", "Supplier", "Amount Paid", "Amount"],
            &["ACME LTD", "ignored", "10.00", "99.00"],
        ]);
        let spec = ColumnSpec::parse("supplier_name:Name,amount:amount paid").expect("valid");
        let layout = detect_layout(&file, Some(&spec)).expect("mapped");
        assert_eq!(layout.columns.get(Field::SupplierName), Some(0));
        assert_eq!(layout.columns.get(Field::Amount), Some(2));
        let spec = ColumnSpec::parse("supplier_name:Payee").expect("valid");
        let err = detect_layout(&file, Some(&spec)).expect_err("no such header");
        assert_eq!(err.field(), "columns");
        assert_eq!(
            err.to_string(),
            "columns: there is no column 'Payee' for the supplier name; the header seen was: \
             \"Name\", \"Supplier\", \"Amount Paid\", \"Amount\""
        );
    }

    #[test]
    fn a_headerless_file_is_read_by_position() {
        let file = rows(&[
            &["20000000", "ACME LTD", "01/04/2025", "1,000.00"],
            &["20000001", "BETA LTD", "02/04/2025", "2,000.00"],
        ]);
        assert!(detect_layout(&file, None).is_err());
        let spec = ColumnSpec::parse("supplier_name:2,amount:4,date:3").expect("valid");
        let layout = detect_layout(&file, Some(&spec)).expect("positional");
        assert_eq!(layout.header_row, None);
        assert!(layout.is_data(&file[0]));
        assert_eq!(
            layout.column_name(Field::Amount).as_deref(),
            Some("column 4")
        );
    }

    #[test]
    fn positions_also_apply_to_a_file_that_has_a_header() {
        let file = rows(&[&["Who", "How much"], &["ACME LTD", "10.00"]]);
        let spec = ColumnSpec::parse("supplier_name:1,amount:2").expect("valid");
        let layout = detect_layout(&file, Some(&spec)).expect("positional");
        assert_eq!(layout.header_row, Some(1));
        assert_eq!(
            layout.column_name(Field::Amount).as_deref(),
            Some("How much")
        );
    }

    #[test]
    fn the_mapping_forms_choices_become_a_columns_value_that_parses() {
        let spec = spec_from_choices([
            ("supplier_name", "3"),
            ("amount", " 5 "),
            ("postcode", ""),
            ("colour", "2"),
            ("date", "x"),
            ("supplier_name", "4"),
        ]);
        assert_eq!(spec, "amount:5,postcode:-,supplier_name:4");
        let parsed = ColumnSpec::parse(&spec).expect("parses");
        assert!(parsed.is_positional());
        assert_eq!(spec_from_choices([]), "");
    }

    #[test]
    fn a_dash_turns_down_a_detected_column() {
        let file = rows(&[
            &["Supplier Name", "Amount", "Postcode"],
            &["ACME LTD", "10.00", "PR1 2HE"],
        ]);
        assert_eq!(
            detect_layout(&file, None)
                .expect("detected")
                .columns
                .get(Field::Postcode),
            Some(2)
        );
        let spec = ColumnSpec::parse("supplier_name:1,amount:2,postcode:-").expect("valid");
        assert!(spec.is_positional());
        assert_eq!(spec.entries[2], (Field::Postcode, ColumnRef::Skip));
        let layout = detect_layout(&file, Some(&spec)).expect("positional");
        assert_eq!(layout.header_row, Some(1));
        assert_eq!(layout.columns.get(Field::Postcode), None);
        assert!(!ColumnSpec::parse("postcode:-")
            .expect("valid")
            .is_positional());
    }

    #[test]
    fn the_preview_shows_the_first_rows_read_with_the_mapping() {
        let file = rows(&[
            &["Report", "", ""],
            &["Supplier Name", "Amount", "Date"],
            &["ACME LTD", "£10.00", "01/04/2025"],
            &["", "", ""],
            &["BETA", "12..5", "01/04/2025"],
            &["GAMMA", "1", "01/04/2025"],
        ]);
        let preview = preview(&file, None, 2).expect("preview");
        assert_eq!(
            preview.mapping,
            [
                (Field::SupplierName, "Supplier Name".to_owned()),
                (Field::Amount, "Amount".to_owned()),
                (Field::Date, "Date".to_owned()),
            ]
        );
        assert_eq!(preview.rows.len(), 2);
        assert_eq!(preview.rows[0].row, 3);
        assert_eq!(
            preview.rows[0].cells[1],
            (Field::Amount, "£10.00".to_owned())
        );
        assert!(matches!(preview.rows[0].outcome, RowOutcome::Accepted(_)));
        assert!(matches!(preview.rows[1].outcome, RowOutcome::Refused(_)));
    }
}
