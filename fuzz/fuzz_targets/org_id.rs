//! Organisation identifiers (org-id form and each register's own numbers), typed on
//! profiles and found in OCDS and spend files.
#![no_main]

use domain::registry::{parse_org_id, IdScheme, OrgIdentifier};
use libfuzzer_sys::fuzz_target;

/// A parsed identifier is normalised: parsing its number or its org-id form again gives
/// it back, and it survives JSON.
fn check(id: &OrgIdentifier, input: &str) {
    assert!(!id.id.is_empty(), "{input:?}: empty number");
    assert!(
        id.id
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-'),
        "{input:?} parsed to {:?}",
        id.id
    );
    assert_eq!(
        OrgIdentifier::parse(id.scheme, &id.id).as_ref(),
        Ok(id),
        "{input:?}: the number re-parses"
    );
    let org_id = id.org_id();
    assert!(org_id.starts_with(id.scheme.prefix()));
    assert_eq!(
        parse_org_id(&org_id).as_ref(),
        Ok(id),
        "{org_id:?} re-parses"
    );
    assert_eq!(parse_org_id(&org_id.to_lowercase()).as_ref(), Ok(id));
    assert_eq!(org_id.parse::<OrgIdentifier>().as_ref(), Ok(id));
    let json = serde_json::to_string(id).expect("an identifier serialises");
    assert_eq!(
        serde_json::from_str::<OrgIdentifier>(&json).as_ref().ok(),
        Some(id)
    );
}

fuzz_target!(|input: &str| {
    if let Ok(id) = parse_org_id(input) {
        check(&id, input);
    }
    for &scheme in IdScheme::ALL {
        if let Ok(id) = OrgIdentifier::parse(scheme, input) {
            assert_eq!(id.scheme, scheme);
            check(&id, input);
        }
    }
    let _ = IdScheme::from_prefix(input);
});
