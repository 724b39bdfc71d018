//! The cells of a payments file: sums of money, dates and payee names as councils print
//! them.
#![no_main]

use chrono::Datelike;
use domain::spend::names::{alias_key, is_redacted, PayeeName};
use domain::spend::parse::{parse_amount, parse_date};
use libfuzzer_sys::fuzz_target;

/// Largest amount `parse_amount` accepts, in pence.
const MAX_PENCE: i64 = 1_000_000_000_000_000;

/// Pence as a plain decimal, "-1234.05".
fn plain(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let abs = pence.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

fn check_amount(input: &str) {
    let Ok(pence) = parse_amount(input) else {
        return;
    };
    assert!(pence.abs() <= MAX_PENCE, "{input:?} gave {pence}");
    let canonical = plain(pence);
    assert_eq!(
        parse_amount(&canonical),
        Ok(pence),
        "{input:?} as {canonical:?}"
    );
    // A pound sign in front does not change a sum that had none.
    if !input.contains('£') {
        assert_eq!(
            parse_amount(&format!("£{input}")),
            Ok(pence),
            "£ + {input:?}"
        );
    }
}

fn check_date(input: &str) {
    let Ok(date) = parse_date(input) else {
        return;
    };
    assert!(
        (1990..=2100).contains(&date.year()),
        "{input:?} gave {date}"
    );
    let mut shown = vec![
        date.format("%d/%m/%Y").to_string(),
        date.format("%Y-%m-%d").to_string(),
        date.format("%-d %B %Y").to_string(),
        date.format("%b %-d, %Y").to_string(),
        date.format("%Y%m%d").to_string(),
    ];
    // Two-digit years read as 1970-2069, so only those dates can be written so.
    if date.year() < 2070 {
        shown.push(date.format("%d-%b-%y").to_string());
        shown.push(date.format("%-d/%-m/%y").to_string());
    }
    for shown in shown {
        assert_eq!(parse_date(&shown), Ok(date), "{input:?} as {shown:?}");
    }
}

fn check_payee(input: &str) {
    let name = PayeeName::parse(input);
    for key in name.keys() {
        let words = &key.words;
        assert!(!words.is_empty());
        assert!(
            !words.starts_with(' ') && !words.ends_with(' ') && !words.contains("  "),
            "{input:?}: words {words:?}"
        );
        assert!(
            words.chars().all(|c| c == ' ' || c.is_alphanumeric()),
            "{input:?}: words {words:?}"
        );
        assert!(!key.compact().contains(' '));
    }
    let _ = alias_key(input);
    let _ = is_redacted(input);
}

fuzz_target!(|input: &str| {
    check_amount(input);
    check_date(input);
    check_payee(input);
});
