//! The whole pipeline on files: the two real councils' files in `tests/fixtures/spend/`,
//! small hand-written files with each messy form councils publish, an XLSX built here,
//! and hand-computed figures.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::NaiveDate;

use super::columns::{detect_layout, ColumnSpec, Field, Layout};
use super::figures::{facts_by_id, financial_year, Area, SpendTally};
use super::lm3::Lm3Assumptions;
use super::matching::{MatchOutcome, Matcher, UnmatchedReason};
use super::parse::{classify, Reconciliation, RefusalReason, RowOutcome};
use super::read::{CsvRows, RowSource, XlsxBook};
use super::RawRow;
use crate::registry::{Accreditation, AccreditationKind, LegalForm, SizeClass, SupplierSnapshot};
use crate::Outcode;

/// What a file became: its layout, every data row's outcome, and the sums.
struct Analysed {
    layout: Layout,
    outcomes: Vec<RowOutcome>,
    reconciliation: Reconciliation,
}

impl Analysed {
    fn accepted(&self) -> impl Iterator<Item = &super::parse::Payment> {
        self.outcomes.iter().filter_map(|o| match o {
            RowOutcome::Accepted(p) => Some(p),
            _ => None,
        })
    }

    fn refused(&self) -> Vec<(u64, String)> {
        self.outcomes
            .iter()
            .filter_map(|o| match o {
                RowOutcome::Refused(r) => Some((r.row, r.to_string())),
                _ => None,
            })
            .collect()
    }
}

/// Runs rows through the pipeline as the job does: the layout from a first batch big
/// enough to hold any preamble, then small batches.
fn analyse(mut rows: impl RowSource, spec: Option<&ColumnSpec>) -> Analysed {
    let first = rows.next_batch(64).expect("readable");
    let layout = detect_layout(&first, spec).expect("columns found");
    let mut outcomes = Vec::new();
    let mut reconciliation = Reconciliation::default();
    let mut batch = first;
    while !batch.is_empty() {
        for row in batch.iter().filter(|r| layout.is_data(r)) {
            let outcome = classify(&layout.columns, row);
            reconciliation.add(&outcome);
            outcomes.push(outcome);
        }
        batch = rows.next_batch(7).expect("readable");
    }
    Analysed {
        layout,
        outcomes,
        reconciliation,
    }
}

fn csv(bytes: &[u8]) -> Analysed {
    analyse(CsvRows::new(bytes).expect("readable"), None)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../tests/fixtures/spend/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).expect("fixture present")
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}

#[test]
fn oxfords_file_is_read_whole_and_adds_up() {
    let file = fixture("oxford_2018-q1_expenditure-over-500-jan-mar-2018.csv");
    let a = csv(&file);
    let columns: Vec<(Field, usize)> = a.layout.columns.iter().collect();
    assert_eq!(
        columns,
        [
            (Field::SupplierName, 9),
            (Field::Amount, 6),
            (Field::Date, 4),
            (Field::SupplierId, 8),
            (Field::Category, 2),
            (Field::ServiceArea, 1),
            (Field::TransactionNumber, 5),
        ]
    );
    assert_eq!(a.layout.header_row, Some(1));
    let r = a.reconciliation;
    // 1,220 payments, none refused, none blank: every row accounted for.
    assert_eq!(
        (r.accepted_rows, r.refused_rows, r.blank_rows),
        (1_220, 0, 0)
    );
    // The sum of the file's Amount column, computed independently of this code.
    assert_eq!(r.accepted_total, 433_976_585);
    let redacted = a.accepted().filter(|p| p.redacted).count();
    assert_eq!(redacted, 131);
    // The blank-payee 0.01 rounding lines stay in the total, visibly.
    let rounding: Vec<i64> = a
        .accepted()
        .filter(|p| p.payee.is_empty())
        .map(|p| p.amount)
        .collect();
    assert_eq!(rounding, [1; 9]);
    let first = a.accepted().next().expect("a payment");
    assert_eq!(
        (first.row, first.amount, first.date),
        (2, 500_000, Some(ymd(2018, 1, 9)))
    );
    assert_eq!(first.ids.supplier_ref.as_deref(), Some("20000000"));
    assert_eq!(first.transaction.as_deref(), Some("46296351 - 1"));
    let quoted = a.accepted().find(|p| p.row == 109).expect("row 109");
    assert_eq!(quoted.payee, "NEWSQUEST MIDLANDS, WALES & SOUTH WEST");
}

#[test]
fn lambeths_file_with_its_preamble_and_total_line_is_read_whole_and_adds_up() {
    let file = fixture("lambeth_2012-06-payments.csv");
    let a = csv(&file);
    assert_eq!(a.layout.header_row, Some(10));
    let columns: Vec<(Field, usize)> = a.layout.columns.iter().collect();
    assert_eq!(
        columns,
        [
            (Field::SupplierName, 2),
            (Field::Amount, 4),
            (Field::Date, 3),
            (Field::Category, 5),
            (Field::ServiceArea, 1),
        ]
    );
    let r = a.reconciliation;
    assert_eq!(
        (r.accepted_rows, r.refused_rows, r.blank_rows),
        (3_155, 1, 5)
    );
    // The council's own Total line states the sum of the payments: they agree.
    assert_eq!(r.accepted_total, 4_029_233_484);
    assert_eq!(
        a.refused(),
        [(
            3_167,
            "row 3167: 'Total' is a total line, not a payment".to_owned()
        )]
    );
    assert_eq!(r.amount_cells_total(), 2 * 4_029_233_484);
    assert_eq!(a.accepted().filter(|p| p.redacted).count(), 371);
    let first = a.accepted().next().expect("a payment");
    assert_eq!(
        (first.row, first.payee.as_str(), first.amount),
        (11, "170 Community Project", 153_424)
    );
}

#[test]
fn a_file_with_every_messy_form_is_read_and_accounted_for() {
    // Windows-1252 (0xA3 is £), CR-only line ends, a preamble, a header with colons,
    // trailing spaces and a typo, a spacer column, quoted line breaks, brackets and
    // trailing minus, mixed date forms, a footer and trailing blank rows.
    let mut file: Vec<u8> = Vec::new();
    for line in [
        &b"Payments over \xA3500, April 2025,,,,"[..],
        b"",
        b"Supplier Name: ,,Amount ,Date Paid:,Expenditure Catergory,Trans No",
        b"\"ACME\rLTD\",,\"\xA31,234.50\",01/04/2025,Repairs,1",
        b"BETA SUPPLIES,,(250.00),05-Oct-21,Repairs,2",
        b"GAMMA PLC,,\"161,413.00-\",3 Apr 2023,Catering,3",
        b"DELTA CIC,,1234,16 November 2023,Catering,4",
        b"EPSILON LTD,,GBP 12.00,2025-04-01T00:00:00,Catering,5",
        b"ZETA LTD,,12..5,1/4/25,Catering,6",
        b"ETA LTD,,10.00,04/13/2025,Catering,7",
        b"REDACTED PERSONAL DATA,,-109.03,1/4/25,Grants,8",
        b",,0.01,1/4/25,Difference,9",
        b"Grand Total,,\"1,000.00\",,,",
        b",,,,,",
        b",,,,,",
        b"",
    ] {
        file.extend_from_slice(line);
        file.push(b'\r');
    }
    let a = csv(&file);
    assert_eq!(a.layout.header_row, Some(3));
    assert_eq!(a.layout.columns.get(Field::Category), Some(4));
    let accepted: Vec<(u64, &str, i64, Option<NaiveDate>)> = a
        .accepted()
        .map(|p| (p.row, p.payee.as_str(), p.amount, p.date))
        .collect();
    assert_eq!(
        accepted,
        [
            (4, "ACME LTD", 123_450, Some(ymd(2025, 4, 1))),
            (5, "BETA SUPPLIES", -25_000, Some(ymd(2021, 10, 5))),
            (6, "GAMMA PLC", -16_141_300, Some(ymd(2023, 4, 3))),
            (7, "DELTA CIC", 123_400, Some(ymd(2023, 11, 16))),
            (8, "EPSILON LTD", 1_200, Some(ymd(2025, 4, 1))),
            (11, "REDACTED PERSONAL DATA", -10_903, Some(ymd(2025, 4, 1))),
            (12, "", 1, Some(ymd(2025, 4, 1))),
        ]
    );
    assert_eq!(
        a.refused(),
        [
            (9, "row 9: amount '12..5' is not a sum of money".to_owned()),
            (
                10,
                "row 10: date '04/13/2025' is not a day-first date (day/month/year)".to_owned()
            ),
            (
                13,
                "row 13: 'Grand Total' is a total line, not a payment".to_owned()
            ),
        ]
    );
    let r = a.reconciliation;
    assert_eq!((r.accepted_rows, r.refused_rows, r.blank_rows), (7, 3, 2));
    // Every amount cell of the data rows, added by hand: 1234.50 - 250 - 161413 + 1234
    // + 12 - 109.03 + 0.01 (accepted) + 10.00 + 1000.00 (refused but readable).
    assert_eq!(
        r.accepted_total,
        123_450 - 25_000 - 16_141_300 + 123_400 + 1_200 - 10_903 + 1
    );
    assert_eq!(r.amount_cells_total(), r.accepted_total + 1_000 + 100_000);
}

#[test]
fn a_utf8_file_with_a_bom_and_a_headerless_file_mapped_by_position_read_alike() {
    let with_header =
        "\u{feff}Supplier,Amount Paid,Payment Date\r\n\"Caf\u{e9} Ltd\",£10.00,01/04/2025\r\n";
    let a = csv(with_header.as_bytes());
    let p = a.accepted().next().expect("a payment");
    assert_eq!((p.payee.as_str(), p.amount), ("Café Ltd", 1_000));

    let headerless =
        b"20000001,Caf\xE9 Ltd,01/04/2025,10.00\n20000002,Other Ltd,02/04/2025,\xA320.00\n";
    let spec = ColumnSpec::parse("supplier_name:2,amount:4,date:3,supplier_id:1").expect("valid");
    let a = analyse(
        CsvRows::new(&headerless[..]).expect("readable"),
        Some(&spec),
    );
    assert_eq!(a.layout.header_row, None);
    let rows: Vec<(u64, &str, i64)> = a
        .accepted()
        .map(|p| (p.row, p.payee.as_str(), p.amount))
        .collect();
    assert_eq!(rows, [(1, "Café Ltd", 1_000), (2, "Other Ltd", 2_000)]);
    assert_eq!(
        a.accepted()
            .next()
            .and_then(|p| p.ids.supplier_ref.clone())
            .as_deref(),
        Some("20000001")
    );
}

#[test]
fn an_xlsx_with_a_preamble_excel_dates_and_a_footer_is_read_like_a_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Notes").expect("name");
    let sheet = book.add_worksheet();
    sheet.set_name("Payments").expect("name");
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    sheet
        .write_string(0, 0, "Payments over £500")
        .expect("cell");
    for (col, h) in [
        "Supplier Name",
        "Amount",
        "Payment Date",
        "",
        "Expense Type",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string(2, u16::try_from(col).expect("small"), *h)
            .expect("cell");
    }
    type Row<'a> = (&'a str, f64, (u16, u8, u8), &'a str);
    let rows: [Row<'_>; 3] = [
        ("ACME LTD", 1234.5, (2025, 4, 1), "Repairs"),
        ("BETA CIC", -250.0, (2025, 4, 2), "Catering"),
        ("GAMMA LTD", 0.1 + 0.2, (2025, 4, 3), "Catering"),
    ];
    for (i, (name, amount, (y, m, d), category)) in rows.iter().enumerate() {
        let r = u32::try_from(i).expect("small") + 3;
        sheet.write_string(r, 0, *name).expect("cell");
        sheet.write_number(r, 1, *amount).expect("cell");
        let date = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
        sheet
            .write_datetime_with_format(r, 2, &date, &date_format)
            .expect("cell");
        sheet.write_string(r, 4, *category).expect("cell");
    }
    // A serial number written as a plain number, as some exports leave dates.
    sheet.write_string(6, 0, "DELTA LTD").expect("cell");
    sheet.write_string(6, 1, "£99.99").expect("cell");
    sheet.write_number(6, 2, 45_748).expect("cell");
    sheet.write_string(8, 0, "Total").expect("cell");
    sheet.write_number(8, 1, 1084.59).expect("cell");
    let bytes = book.save_to_buffer().expect("xlsx");
    assert_eq!(super::read::sniff(&bytes), super::read::FileKind::Xlsx);

    let mut book = XlsxBook::open(Cursor::new(bytes)).expect("opens");
    assert_eq!(book.sheet_names(), ["Notes", "Payments"]);
    let a = analyse(book.rows(None).expect("first sheet with data"), None);
    assert_eq!(a.layout.header_row, Some(3));
    let accepted: Vec<(u64, &str, i64, Option<NaiveDate>)> = a
        .accepted()
        .map(|p| (p.row, p.payee.as_str(), p.amount, p.date))
        .collect();
    assert_eq!(
        accepted,
        [
            (4, "ACME LTD", 123_450, Some(ymd(2025, 4, 1))),
            (5, "BETA CIC", -25_000, Some(ymd(2025, 4, 2))),
            (6, "GAMMA LTD", 30, Some(ymd(2025, 4, 3))),
            (7, "DELTA LTD", 9_999, Some(ymd(2025, 4, 1))),
        ]
    );
    assert_eq!(
        a.refused(),
        [(
            9,
            "row 9: 'Total' is a total line, not a payment".to_owned()
        )]
    );
    assert!(matches!(
        book.rows(Some("nope")),
        Err(super::read::ReadError::NoSuchSheet(_))
    ));
    let named = analyse(book.rows(Some("payments")).expect("named sheet"), None);
    assert_eq!(named.reconciliation.accepted_rows, 4);
}

fn snapshot(
    id: i64,
    name: &str,
    form: LegalForm,
    size: SizeClass,
    outcode: &str,
) -> SupplierSnapshot {
    let mut s = super::matching::tests::supplier(id, name);
    s.legal_form = Some(form);
    s.social_economy = form.is_social_economy();
    s.size = Some(size);
    s.outcode = Some(outcode.to_owned());
    s
}

#[test]
fn figures_from_a_messy_file_match_the_hand_computed_ones() {
    let file = "Supplier Name:,Amount ,Payment Date,Expense Type\n\
        HILLSIDE COMMUNITY CO-OPERATIVE,\"£1,000.00\",01/04/2025,Catering\n\
        NATIONAL FACILITIES PLC,(250.00),05-Oct-21,Catering\n\
        NATIONAL FACILITIES PLC,\"1,500.00\",16 November 2023,Repairs\n\
        FULWOOD BUILDERS LIMITED,£500,3 Apr 2023,Repairs\n\
        UNKNOWN FIRM LTD,161.41-,2025-04-01T00:00:00,Repairs\n\
        REDACTED PERSONAL DATA,\"1,234.50\",1/4/25,Catering\n\
        Total,\"3,823.09\",,\n";
    let a = csv(file.as_bytes());
    assert_eq!(a.reconciliation.refused_rows, 1);

    let mut hillside = snapshot(
        1,
        "Hillside Community Co-op",
        LegalForm::WorkerCoop,
        SizeClass::Micro,
        "PR1",
    );
    hillside.local_staff_pct = Some(80);
    hillside.local_spend_pct = Some(50);
    hillside.accreditations = vec![Accreditation {
        kind: AccreditationKind::RealLivingWage,
        expires_on: Some(ymd(2026, 1, 1)),
    }];
    let national = snapshot(
        2,
        "National Facilities PLC",
        LegalForm::PrivateLimitedCompany,
        SizeClass::Large,
        "M1",
    );
    let mut fulwood = snapshot(
        3,
        "Fulwood Builders Ltd",
        LegalForm::PrivateLimitedCompany,
        SizeClass::Small,
        "PR2",
    );
    fulwood.accreditations = vec![Accreditation {
        kind: AccreditationKind::RealLivingWage,
        expires_on: Some(ymd(2024, 12, 31)),
    }];
    let registry = vec![hillside, national, fulwood];
    let outcodes = |codes: &[&str]| {
        codes
            .iter()
            .map(|c| Outcode::parse(c).expect("outcode"))
            .collect()
    };
    let area = Area {
        outcodes: outcodes(&["PR1", "PR2"]),
        ..Area::default()
    };
    let region = Area {
        outcodes: outcodes(&["M1"]),
        ..Area::default()
    };
    let facts = facts_by_id(&registry, &area, &region, ymd(2025, 6, 1));
    let matcher = Matcher::new(&registry, &[]);
    let mut tally = SpendTally::new();
    for p in a.accepted() {
        let outcome = matcher.match_payee(&p.payee, &p.ids);
        tally.add(
            p,
            &outcome,
            outcome.attached().and_then(|id| facts.get(&id)),
        );
    }
    let f = tally.finish(&Lm3Assumptions::default());

    // Rows: 100000 (S1), -25000 (S2), 150000 (S2), 50000 (S3), -16141 (?), 123450 (redacted).
    let total = 100_000 - 25_000 + 150_000 + 50_000 - 16_141 + 123_450;
    assert_eq!(total, 382_309);
    let o = f.overall.amounts;
    assert_eq!((o.rows, o.total, o.matched), (6, total, 275_000));
    assert_eq!((o.matched_rows, o.review_rows), (4, 0));
    assert_eq!((o.local, o.region, o.sme), (150_000, 275_000, 150_000));
    assert_eq!((o.social_economy, o.real_living_wage), (100_000, 100_000));
    assert_eq!(f.overall.local_share, 150_000.0 / 382_309.0);
    assert_eq!(f.overall.sme_share, 150_000.0 / 382_309.0);
    assert_eq!(f.overall.social_economy_share, 100_000.0 / 382_309.0);
    assert_eq!(f.overall.matched_share, 275_000.0 / 382_309.0);

    let years: Vec<(&str, i64, i64)> = f
        .by_year
        .iter()
        .map(|y| {
            (
                y.year.as_str(),
                y.figures.amounts.total,
                y.figures.amounts.local,
            )
        })
        .collect();
    assert_eq!(
        years,
        [
            ("2021/22", -25_000, 0),
            ("2023/24", 200_000, 50_000),
            ("2025/26", 207_309, 100_000)
        ]
    );
    assert_eq!(financial_year(ymd(2024, 3, 31)), "2023/24");

    let categories: Vec<(&str, i64, i64, i64)> = f
        .by_category
        .iter()
        .map(|c| {
            (
                c.label.as_str(),
                c.figures.amounts.total,
                c.figures.amounts.matched,
                c.figures.amounts.local,
            )
        })
        .collect();
    assert_eq!(
        categories,
        [
            ("Catering", 198_450, 75_000, 100_000),
            ("Repairs", 183_859, 200_000, 50_000)
        ]
    );

    let capable = HashMap::from([
        ("catering".to_owned(), vec![1]),
        ("repairs".to_owned(), vec![3]),
    ]);
    let leakage: Vec<(&str, i64, i64, i64, Vec<i64>)> = f
        .leakage(&capable)
        .into_iter()
        .map(|l| {
            (
                if l.key == "repairs" {
                    "Repairs"
                } else {
                    "Catering"
                },
                l.outside_area,
                l.unmatched,
                l.leaving,
                l.local_suppliers,
            )
        })
        .collect();
    assert_eq!(
        leakage,
        [
            ("Repairs", 150_000, -16_141, 133_859, vec![3]),
            ("Catering", -25_000, 123_450, 98_450, vec![1]),
        ]
    );

    // LM3: S1 local with 80 % / 50 %: R2 52000, R3 15600; S3 local, silent: R2 15000,
    // R3 4500; S2 not local and unmatched spend: R1 only.
    assert_eq!(
        (f.lm3.round1, f.lm3.round2, f.lm3.round3),
        (total, 67_000, 20_100)
    );
    assert_eq!(f.lm3.multiplier, Some(469_409.0 / 382_309.0));
    let s1 = f.suppliers.iter().find(|s| s.supplier_id == 1).expect("S1");
    assert_eq!(s1.lm3.multiplier, Some(1.676));
    assert_eq!(f.suppliers[0].supplier_id, 2, "largest spend first");
    assert_eq!(f.suppliers[0].amount, 125_000);

    let unmatched: Vec<(&str, i64, Option<UnmatchedReason>)> = f
        .unmatched
        .iter()
        .map(|g| (g.key.as_str(), g.amount, g.reason))
        .collect();
    assert_eq!(
        unmatched,
        [
            ("(redacted)", 123_450, Some(UnmatchedReason::Redacted)),
            ("unknown firm", -16_141, Some(UnmatchedReason::NoCandidate)),
        ]
    );
    let json = serde_json::to_value(&f).expect("serialisable");
    assert_eq!(json["assumptions"]["respend_share"], 0.3);
}

#[test]
fn every_accepted_row_ends_attached_in_review_or_unmatched() {
    let file = fixture("oxford_2018-q1_expenditure-over-500-jan-mar-2018.csv");
    let a = csv(&file);
    let registry = vec![
        snapshot(
            1,
            "Instarmac Ltd",
            LegalForm::PrivateLimitedCompany,
            SizeClass::Medium,
            "B78",
        ),
        snapshot(
            2,
            "Cherwell Packaging Ltd",
            LegalForm::PrivateLimitedCompany,
            SizeClass::Small,
            "OX16",
        ),
    ];
    let matcher = Matcher::new(&registry, &[]);
    let mut tally = SpendTally::new();
    let facts = facts_by_id(
        &registry,
        &Area::default(),
        &Area::default(),
        ymd(2018, 2, 1),
    );
    let (mut attached, mut review, mut unmatched) = (0, 0, 0);
    for p in a.accepted() {
        let outcome = matcher.match_payee(&p.payee, &p.ids);
        match outcome {
            MatchOutcome::Attached { .. } => attached += p.amount,
            MatchOutcome::Review { .. } => review += p.amount,
            MatchOutcome::Unmatched { .. } => unmatched += p.amount,
        }
        tally.add(
            p,
            &outcome,
            outcome.attached().and_then(|id| facts.get(&id)),
        );
    }
    assert_eq!(attached + review + unmatched, 433_976_585);
    let f = tally.finish(&Lm3Assumptions::default());
    assert_eq!(f.overall.amounts.total, 433_976_585);
    assert_eq!(f.overall.amounts.matched, attached);
    let grouped: i64 = f.unmatched.iter().map(|g| g.amount).sum();
    assert_eq!(grouped, review + unmatched);
    assert!(f.suppliers.iter().any(|s| s.name == "Instarmac Ltd"));
    // Blank-payee rounding lines are grouped visibly, not dropped.
    assert!(f
        .unmatched
        .iter()
        .any(|g| g.key.is_empty() && g.amount == 9 && g.reason == Some(UnmatchedReason::NoName)));
}

#[test]
fn a_file_without_the_needed_columns_names_what_is_missing() {
    let rows = vec![
        RawRow::new(1, &["Body", "Department", "Cost"]),
        RawRow::new(2, &["Lambeth", "Housing", "10"]),
    ];
    let err = detect_layout(&rows, None).expect_err("no payee, no amount");
    assert!(err
        .to_string()
        .starts_with("could not find the supplier name and amount columns"));
    assert!(matches!(
        a_refusal_reason("x", "10", "bad"),
        Some(RefusalReason::BadDate { .. })
    ));
}

fn a_refusal_reason(payee: &str, amount: &str, date: &str) -> Option<RefusalReason> {
    let mut columns = super::columns::ColumnMap::default();
    columns.set(Field::SupplierName, 0);
    columns.set(Field::Amount, 1);
    columns.set(Field::Date, 2);
    match classify(&columns, &RawRow::new(1, &[payee, amount, date])) {
        RowOutcome::Refused(r) => Some(r.reason),
        _ => None,
    }
}
