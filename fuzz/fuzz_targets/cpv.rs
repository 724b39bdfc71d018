//! CPV codes as buyers and suppliers type them, and as other portals publish them.
#![no_main]

use anchorlink_fuzz::catalogue;
use domain::{CpvCode, CpvError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let catalogue = catalogue();
    let parsed = CpvCode::parse_with_check(input);
    if let Ok((code, check)) = &parsed {
        let digits = code.as_str();
        assert!(
            digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{input:?} parsed to {digits:?}, not 8 digits"
        );
        assert_eq!(CpvCode::parse(digits).as_ref(), Ok(code));
        if let Some(c) = check {
            assert!(c.is_ascii_digit(), "{input:?}: check digit {c:?}");
            assert_eq!(
                CpvCode::parse_with_check(&format!("{digits}-{c}")),
                Ok((code.clone(), Some(*c)))
            );
        }
        let prefix = code.significant_prefix();
        assert!(digits.starts_with(prefix) && prefix.len() >= 2);
        assert!(digits[prefix.len()..].bytes().all(|b| b == b'0'));
        assert!(code.covers(code) && code.on_branch_of(code));
        // The tree walks must not panic for codes outside the list either.
        for ancestor in catalogue.ancestors(code) {
            let ancestor = CpvCode::parse(&ancestor.code).expect("a listed code parses");
            assert!(ancestor.covers(code), "{ancestor} must cover {code}");
        }
        if let Some(parent) = catalogue.parent(code) {
            assert!(parent.code != digits, "{code} is not its own parent");
        }
        let _ = catalogue.children(code);
    }
    match catalogue.validate(input) {
        Ok(entry) => {
            let (code, check) = parsed.expect("a valid code parses");
            assert_eq!(code.as_str(), entry.code);
            assert!(check.is_none_or(|c| c == entry.check));
            assert!(catalogue.contains(&code));
            let full = entry.full_code();
            assert_eq!(catalogue.validate(&full), Ok(entry.clone()), "{full}");
            assert_eq!(catalogue.validate(&entry.code), Ok(entry), "{full}");
        }
        Err(CpvError::Unknown(digits)) => {
            let (code, _) = parsed.expect("an unknown code is well-formed");
            assert_eq!(code.as_str(), digits);
            assert!(!catalogue.contains(&code));
        }
        Err(CpvError::CheckDigitMismatch(full)) => {
            assert!(
                catalogue.validate(&full).is_ok(),
                "the suggested {full} is valid"
            );
        }
        Err(e) => assert_eq!(parsed.err(), Some(e), "{input:?}"),
    }
});
