//! Postcodes and outcodes as users type them (search forms, profiles, OCDS addresses).
#![no_main]

use domain::{parse_place, Outcode, Place, Postcode};
use libfuzzer_sys::fuzz_target;

/// A parsed postcode is canonical: "OUT IN", re-parses to itself however it is
/// re-typed, and its outcode is the part before the space and a valid outcode.
fn check_postcode(postcode: &Postcode) {
    let text = postcode.as_str();
    let (outward, inward) = text
        .split_once(' ')
        .unwrap_or_else(|| panic!("{text:?} has no space"));
    assert!((2..=4).contains(&outward.len()), "{text:?}: outward part");
    assert_eq!(inward.len(), 3, "{text:?}: inward part");
    assert!(
        text.bytes()
            .all(|b| b == b' ' || b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{text:?} is not upper-case ASCII"
    );
    for retyped in [
        text.to_owned(),
        text.to_lowercase(),
        text.replace(' ', ""),
        format!("  {}\t", text.replace(' ', "   ")),
    ] {
        assert_eq!(
            Postcode::parse(&retyped).as_ref(),
            Ok(postcode),
            "{retyped:?} must parse to {text:?}"
        );
    }
    let outcode = postcode.outcode();
    assert_eq!(
        outcode.as_str(),
        outward,
        "{text:?}: outcode is the outward part"
    );
    check_outcode(&outcode);
    assert_eq!(Place::Postcode(postcode.clone()).outcode(), outcode);
    let json = serde_json::to_string(postcode).expect("a postcode serialises");
    assert_eq!(
        serde_json::from_str::<Postcode>(&json).as_ref().ok(),
        Some(postcode)
    );
}

fn check_outcode(outcode: &Outcode) {
    let text = outcode.as_str();
    assert!((2..=4).contains(&text.len()), "{text:?}: outcode length");
    assert_eq!(Outcode::parse(text).as_ref(), Ok(outcode));
    assert_eq!(Outcode::parse(&text.to_lowercase()).as_ref(), Ok(outcode));
    assert_eq!(parse_place(text), Ok(Place::Outcode(outcode.clone())));
}

fuzz_target!(|input: &str| {
    let place = parse_place(input);
    match &place {
        Ok(Place::Postcode(p)) => check_postcode(p),
        Ok(Place::Outcode(o)) => check_outcode(o),
        Err(_) => {}
    }
    // The one-shot parsers agree with the place parser: input is never ambiguous.
    match Postcode::parse(input) {
        Ok(p) => {
            check_postcode(&p);
            assert_eq!(place, Ok(Place::Postcode(p)), "{input:?}");
        }
        Err(_) => assert!(!matches!(place, Ok(Place::Postcode(_))), "{input:?}"),
    }
    match Outcode::parse(input) {
        Ok(o) => assert_eq!(place, Ok(Place::Outcode(o)), "{input:?}"),
        Err(_) => assert!(!matches!(place, Ok(Place::Outcode(_))), "{input:?}"),
    }
});
