//! The CPV code picker's search, on whatever is typed into it. (A separate target from
//! `cpv`: each search walks the whole list, which would slow the parser's fuzzing.)
#![no_main]

use anchorlink_fuzz::catalogue;
use domain::CpvCode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let catalogue = catalogue();
    let hits = catalogue.search(input, 10);
    assert!(hits.len() <= 10);
    for hit in &hits {
        let code = CpvCode::parse(&hit.code).expect("a listed code parses");
        assert_eq!(
            catalogue.get(&code).as_ref(),
            Some(hit),
            "hits come from the list"
        );
    }
    // Digits search by code prefix, in code order.
    let query = input.trim();
    if !query.is_empty() && query.bytes().all(|b| b.is_ascii_digit()) {
        assert!(hits.iter().all(|h| h.code.starts_with(query)), "{query:?}");
        assert!(hits.windows(2).all(|w| w[0].code < w[1].code), "{query:?}");
    }
});
