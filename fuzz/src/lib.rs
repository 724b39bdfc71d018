//! What the fuzz targets share: the reference data they check against, and the
//! properties that hold for every input of the OCDS importer and the spend reader (two
//! targets each feed them, one with raw bytes and one with structured input).
//!
//! A property that fails panics with the input's value in the message, which libFuzzer
//! reports as a crash and saves as a reproducer under `fuzz/artifacts/<target>/`.

use std::io::Cursor;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use domain::accounts::CommonPasswords;
use domain::ocds::{self, ExportTender, ImportedTender, OcidPrefix, PackageMeta, Publisher};
use domain::spend::columns::{detect_layout, ColumnSpec, HEADER_SEARCH_ROWS};
use domain::spend::parse::{classify, Reconciliation, RowOutcome};
use domain::spend::read::{CsvRows, RowSource, XlsxBook, MAX_COLUMNS};
use domain::spend::RawRow;
use domain::CpvCatalogue;

/// The shipped CPV list, loaded once per fuzzing process.
///
/// # Panics
/// When the shipped list does not load, which the domain's own tests rule out.
pub fn catalogue() -> &'static CpvCatalogue {
    static CATALOGUE: OnceLock<CpvCatalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
            .expect("the shipped CPV list loads")
    })
}

/// The shipped list of common passwords, loaded once per fuzzing process.
pub fn common_passwords() -> &'static CommonPasswords {
    static LIST: OnceLock<CommonPasswords> = OnceLock::new();
    LIST.get_or_init(|| CommonPasswords::from_text(include_str!("../../data/common-passwords.txt")))
}

/// Rows read per file at most: enough to pass the header search and classify many rows,
/// few enough that one input cannot stall the fuzzer.
const MAX_ROWS: usize = 2_000;

/// Reads `bytes` as a payments file with the CSV reader and checks it as
/// [`check_spend_rows`] does; CSV row numbers must also only increase.
///
/// # Panics
/// When a property fails: that is the finding.
pub fn check_spend_file(bytes: &[u8], spec: Option<&str>) {
    if let Ok(reader) = CsvRows::new(Cursor::new(bytes)) {
        check_spend_rows(reader, spec, true);
    }
}

/// Opens `bytes` as an XLSX workbook and checks the rows of its first sheet with data
/// as [`check_spend_rows`] does. (An XLSX may list its rows in any order, so their
/// numbers are not required to increase.)
///
/// # Panics
/// When a property fails.
pub fn check_spend_workbook(bytes: &[u8]) {
    let Ok(mut book) = XlsxBook::open(Cursor::new(bytes)) else {
        return;
    };
    let names = book.sheet_names();
    if let Ok(rows) = book.rows(None) {
        check_spend_rows(rows, None, false);
    }
    for name in names.iter().take(4) {
        if let Ok(rows) = book.rows(Some(name)) {
            check_spend_rows(rows, None, false);
        }
    }
}

/// Reads rows, finds the columns (with the buyer's `columns=` mapping when given) and
/// classifies every data row, checking: every row has a number from 1 and between 1
/// and [`MAX_COLUMNS`] cells; with `ordered`, numbers only increase; a finished reader
/// stays finished; each outcome keeps its row's number; every data row ends in exactly
/// one outcome; accepted amounts are within what `parse_amount` allows.
///
/// # Panics
/// When a property fails.
pub fn check_spend_rows(mut reader: impl RowSource, spec: Option<&str>, ordered: bool) {
    let spec = spec.and_then(|s| ColumnSpec::parse(s).ok());
    let mut rows: Vec<RawRow> = Vec::new();
    while rows.len() < MAX_ROWS {
        match reader.next_row() {
            Ok(Some(row)) => {
                assert!(row.row >= 1, "row numbers count from 1, got {}", row.row);
                if let (true, Some(previous)) = (ordered, rows.last()) {
                    assert!(
                        row.row > previous.row,
                        "row numbers must increase: {} after {}",
                        row.row,
                        previous.row
                    );
                }
                assert!(
                    !row.cells.is_empty() && row.cells.len() <= MAX_COLUMNS,
                    "row {} has {} cells",
                    row.row,
                    row.cells.len()
                );
                rows.push(row);
            }
            Ok(None) => {
                assert!(
                    matches!(reader.next_row(), Ok(None)),
                    "a finished reader must stay finished"
                );
                break;
            }
            Err(_) => break,
        }
    }
    let head = &rows[..rows.len().min(HEADER_SEARCH_ROWS * 2)];
    let Ok(layout) = detect_layout(head, spec.as_ref()) else {
        return;
    };

    if let Some(header) = layout.header_row {
        assert!(
            rows.iter().any(|r| r.row == header),
            "the header row {header} must be one of the rows read"
        );
    }
    let mut tally = Reconciliation::default();
    let mut data_rows = 0u64;
    for row in rows.iter().filter(|r| layout.is_data(r)) {
        data_rows += 1;
        let outcome = classify(&layout.columns, row);
        let number = match &outcome {
            RowOutcome::Blank { row } => *row,
            RowOutcome::Accepted(payment) => {
                assert!(
                    payment.amount.unsigned_abs() <= 1_000_000_000_000_000,
                    "row {}: amount {} is beyond what parse_amount accepts",
                    row.row,
                    payment.amount
                );
                payment.row
            }
            RowOutcome::Refused(refusal) => refusal.row,
        };
        assert_eq!(number, row.row, "an outcome must keep its row's number");
        tally.add(&outcome);
    }
    assert_eq!(
        tally.blank_rows + tally.accepted_rows + tally.refused_rows,
        data_rows,
        "every data row ends in exactly one outcome"
    );
}

fn package_meta() -> PackageMeta {
    PackageMeta {
        uri: "https://anchorlink.example/api/v1/tenders/fuzz/ocds".to_owned(),
        published_date: fixed_date(),
        publisher: Publisher {
            name: "Fuzz Council".to_owned(),
            uri: None,
            scheme: None,
            uid: None,
        },
        ocid_prefix: OcidPrefix::parse("ocds-anchr1").expect("a valid ocid prefix"),
        license: None,
        publication_policy: None,
    }
}

fn fixed_date() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-03-02T10:00:00Z")
        .expect("a valid date")
        .with_timezone(&Utc)
}

/// What must survive export and re-import: everything but the warnings (a re-import
/// notices less) and the tags (an export tags by status), as the domain's own
/// round-trip tests define it. OCDS requires a release id, a release date, a tender id
/// and an id for the buyer's party, which the exporter supplies when the import had
/// none, so those are compared only when the original had them.
fn content(tender: &ImportedTender, original: &ImportedTender) -> ImportedTender {
    let mut content = ImportedTender {
        warnings: Vec::new(),
        tags: Vec::new(),
        release_id: original.release_id.as_ref().and(tender.release_id.clone()),
        date: original.date.and(tender.date),
        ..tender.clone()
    };
    content.tender.id = original.tender.id.as_ref().and(tender.tender.id.clone());
    if let (Some(buyer), Some(before)) = (content.buyer.as_mut(), original.buyer.as_ref()) {
        buyer.party_id = before.party_id.as_ref().and(buyer.party_id.clone());
    }
    content
}

/// Imports OCDS text and checks: an accepted upload holds at least one release; every
/// imported tender has an ocid and at least one lot; and each
/// tender exported as an OCDS release imports back to the same content (the promise the
/// exporter makes to other portals). CPV checking against the list must not panic.
///
/// # Panics
/// When a property fails.
pub fn check_ocds(text: &str) {
    let Ok(tenders) = ocds::parse(text) else {
        return;
    };
    assert!(!tenders.is_empty(), "an accepted upload holds a release");
    for imported in tenders {
        assert!(
            !imported.ocid.trim().is_empty(),
            "an imported tender has an ocid"
        );
        // Lot ids are not required to be unique: the importer keeps lots that share an
        // id and warns that items naming it cannot be told apart.
        assert!(
            !imported.tender.lots.is_empty(),
            "an imported tender has at least one lot"
        );
        let export = ExportTender::from_imported(&imported, fixed_date());
        let package = ocds::release_package(std::slice::from_ref(&export), &package_meta());
        let text = serde_json::to_string(&package).expect("an export serialises");
        let mut again = ocds::parse(&text)
            .unwrap_or_else(|e| panic!("the export of an import must import again: {e}"));
        assert_eq!(again.len(), 1, "one release exported, one imported");
        let again = again.remove(0);
        assert_eq!(
            content(&again, &imported),
            content(&imported, &imported),
            "an imported tender must survive export and re-import"
        );
        let mut checked = imported;
        checked.check_cpv(catalogue());
    }
}
