//! Sums of money written every way people write them: the same sum must come out with
//! and without `£`, `GBP`, thousands separators, spaces or any of the negative styles.
#![no_main]

use domain::spend::parse::parse_amount;
use domain::Gbp;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Negative {
    Minus,
    Brackets,
    TrailingMinus,
    Credit,
    UnicodeMinus,
}

#[derive(Debug, Arbitrary)]
enum Marker {
    None,
    Pound,
    PoundAfter,
    GbpBefore,
    GbpAfter,
}

#[derive(Debug, Arbitrary)]
struct Written {
    pence: i64,
    negative: Negative,
    marker: Marker,
    thousands: bool,
    /// Extra zeros after the pence ("12.3400"), as spreadsheets export floats.
    extra_zeros: u8,
    spaced: bool,
    pounds: u64,
    scaled: bool,
}

/// `digits` with a comma before every group of three from the right.
fn grouped(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn write(w: &Written, pence: i64) -> String {
    let abs = pence.unsigned_abs();
    let whole = (abs / 100).to_string();
    let whole = if w.thousands { grouped(&whole) } else { whole };
    let zeros = "0".repeat(usize::from(w.extra_zeros % 4));
    let mut number = format!("{whole}.{:02}{zeros}", abs % 100);
    if w.spaced {
        number = format!(" {number} ");
    }
    let number = match w.marker {
        Marker::None => number,
        Marker::Pound => format!("£{number}"),
        Marker::PoundAfter => format!("{number}£"),
        Marker::GbpBefore => format!("GBP {number}"),
        Marker::GbpAfter => format!("{number} gbp"),
    };
    if pence >= 0 {
        return number;
    }
    match w.negative {
        Negative::Minus => format!("-{number}"),
        Negative::Brackets => format!("({number})"),
        Negative::TrailingMinus => format!("{number}-"),
        Negative::Credit => format!("{number} CR"),
        Negative::UnicodeMinus => format!("\u{2212}{number}"),
    }
}

fuzz_target!(|w: Written| {
    // Payments: whole pence up to £10 trillion either way.
    let pence = w.pence % 1_000_000_000_000_001;
    let written = write(&w, pence);
    let plain = format!(
        "{}{}.{:02}",
        if pence < 0 { "-" } else { "" },
        pence.unsigned_abs() / 100,
        pence.unsigned_abs() % 100
    );
    assert_eq!(parse_amount(&plain), Ok(pence), "{plain:?}");
    assert_eq!(parse_amount(&written), Ok(pence), "{written:?} is {plain}");

    // Form amounts in whole pounds: as shown ("£1,200,000"), plain, and scaled ("1.2m").
    let pounds = Gbp::new(w.pounds);
    assert_eq!(Gbp::parse(&pounds.to_string()), Ok(pounds));
    assert_eq!(Gbp::parse(&w.pounds.to_string()), Ok(pounds));
    if w.scaled && w.pounds.is_multiple_of(1000) {
        let thousands = w.pounds / 1000;
        assert_eq!(Gbp::parse(&format!("{thousands}k")), Ok(pounds));
        let millions = format!("{}.{:03}", thousands / 1000, thousands % 1000);
        assert_eq!(
            Gbp::parse(&format!("£{millions}m")),
            Ok(pounds),
            "£{millions}m"
        );
    }
});
