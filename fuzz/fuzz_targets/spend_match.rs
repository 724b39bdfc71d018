//! Matching payees of a payments file to registered suppliers, on any payee name and
//! identifiers. Lines of the input: the payee, then the supplier reference, company
//! number, charity number, VAT number, postcode and org-id printed beside it.
#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use domain::spend::bench;
use domain::spend::matching::{MatchCache, MatchOutcome, Matcher, MAX_CANDIDATES};
use domain::spend::parse::PayeeIds;
use libfuzzer_sys::fuzz_target;

struct Registry {
    matcher: Matcher,
    ids: HashSet<i64>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let suppliers = bench::suppliers(300, 11);
        Registry {
            matcher: Matcher::new(&suppliers, &[]),
            ids: suppliers.iter().map(|s| s.id).collect(),
        }
    })
}

fuzz_target!(|input: &str| {
    let registry = registry();
    let mut lines = input.split('\n');
    let payee = lines.next().unwrap_or_default();
    let mut next = || lines.next().map(str::to_owned).filter(|s| !s.is_empty());
    let ids = PayeeIds {
        supplier_ref: next(),
        company_number: next(),
        charity_number: next(),
        vat_number: next(),
        postcode: next(),
        identifier: next(),
    };
    let outcome = registry.matcher.match_payee(payee, &ids);
    match &outcome {
        MatchOutcome::Attached {
            supplier_id,
            confidence,
            ..
        } => {
            assert!(
                registry.ids.contains(supplier_id),
                "{supplier_id} is registered"
            );
            assert!((0.0..=1.0).contains(confidence), "confidence {confidence}");
        }
        MatchOutcome::Review { candidates } => {
            assert!(
                (1..=MAX_CANDIDATES).contains(&candidates.len()),
                "{} candidates",
                candidates.len()
            );
            let mut seen = HashSet::new();
            for c in candidates {
                assert!(registry.ids.contains(&c.supplier_id));
                assert!(
                    seen.insert(c.supplier_id),
                    "{} offered twice",
                    c.supplier_id
                );
                assert!(
                    (0.0..=1.0).contains(&c.confidence),
                    "confidence {}",
                    c.confidence
                );
            }
        }
        MatchOutcome::Unmatched { .. } => {}
    }
    // The per-file cache answers as the matcher does, the first time and the next.
    let mut cache = MatchCache::new(&registry.matcher);
    assert_eq!(cache.match_payee(payee, &ids), outcome);
    assert_eq!(cache.match_payee(payee, &ids), outcome);
});
