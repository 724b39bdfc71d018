//! The engine reading what a buyer means: synonyms, CPV codes, partial matches, reasons;
//! stable order; and the market-depth filters against the domain's rules.

#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use domain::registry::{
    Accreditation, AccreditationKind, LegalForm, PastContract, SizeClass, SupplierSnapshot,
};
use domain::{CpvCatalogue, CpvCode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::{
    DeliveryPlace, IndexQuery, SortOrder, SupplierDoc, SupplierIndex, Thesaurus, Vocabulary,
};

fn catalogue() -> &'static CpvCatalogue {
    static CAT: OnceLock<CpvCatalogue> = OnceLock::new();
    CAT.get_or_init(|| {
        CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json")).unwrap()
    })
}

fn vocabulary() -> Arc<Vocabulary> {
    static V: OnceLock<Arc<Vocabulary>> = OnceLock::new();
    Arc::clone(V.get_or_init(|| {
        Arc::new(Vocabulary::new(catalogue(), &Thesaurus::builtin().unwrap()).unwrap())
    }))
}

fn supplier(id: i64, name: &str, statement: &str, cpv: &[&str]) -> SupplierDoc {
    let mut labels = BTreeSet::new();
    for c in cpv {
        let code = CpvCode::parse(c).unwrap();
        labels.extend(catalogue().ancestors(&code).into_iter().map(|a| a.label));
        labels.extend(catalogue().get(&code).map(|e| e.label));
    }
    SupplierDoc {
        id,
        name: name.into(),
        capability_statement: statement.into(),
        cpv: cpv.iter().map(|c| (*c).to_owned()).collect(),
        cpv_labels: labels.into_iter().collect(),
        legal_form: "private_limited_company".into(),
        updated_at: 1_700_000_000,
        ..SupplierDoc::default()
    }
}

/// Forty suppliers of other trades, as any registry has: word statistics (how rare a word
/// is) then behave as they do in a real index rather than in one of three documents.
fn background() -> Vec<SupplierDoc> {
    const TRADES: &[(&str, &str, &str)] = &[
        (
            "Cleaning",
            "Office cleaning and deep cleans for public buildings.",
            "90910000",
        ),
        (
            "Catering",
            "Catering for schools and events, with local food.",
            "55520000",
        ),
        (
            "Building",
            "Building repairs and refurbishment of housing.",
            "45000000",
        ),
        (
            "Training",
            "Vocational training and apprenticeships.",
            "80500000",
        ),
        ("Print", "Printing, graphic design and signage.", "79810000"),
        (
            "Care",
            "Home care and supported living for older people.",
            "85310000",
        ),
        (
            "Transport",
            "Community transport with accessible minibuses.",
            "60130000",
        ),
        (
            "IT",
            "IT support, networks and managed services.",
            "72000000",
        ),
    ];
    (0..40)
        .map(|i| {
            let (noun, statement, code) = TRADES[i % TRADES.len()];
            supplier(
                1000 + i as i64,
                &format!("{noun} {i} Ltd"),
                statement,
                &[code],
            )
        })
        .collect()
}

/// An index with the shipped thesaurus and the CPV list, the suppliers among a background
/// of other trades.
fn index_with(docs: &[SupplierDoc]) -> SupplierIndex {
    let idx = SupplierIndex::in_memory().unwrap();
    idx.set_vocabulary(vocabulary());
    idx.upsert(docs).unwrap();
    idx.upsert(&background()).unwrap();
    idx.commit().unwrap();
    idx
}

fn text(t: &str) -> IndexQuery {
    IndexQuery {
        text: Some(t.into()),
        ..IndexQuery::default()
    }
}

fn ids(idx: &SupplierIndex, q: &IndexQuery) -> Vec<i64> {
    idx.search(q).unwrap().hits.iter().map(|h| h.id).collect()
}

fn position(found: &[i64], id: i64) -> usize {
    found
        .iter()
        .position(|x| *x == id)
        .unwrap_or_else(|| panic!("{id} not found in {found:?}"))
}

#[test]
fn tree_surgeon_finds_arboricultural_contractors_too() {
    let idx = index_with(&[
        supplier(
            1,
            "Oak Tree Surgeons",
            "Tree surgeons for councils and schools.",
            &[],
        ),
        supplier(
            2,
            "Heartwood Ltd",
            "Arboricultural contractors: crown reductions, felling and pollarding.",
            &[],
        ),
        supplier(
            3,
            "Greenleaf Nursery",
            "Native trees and hedging plants grown for planting schemes.",
            &["03452000"],
        ),
    ]);
    let found = ids(&idx, &text("tree surgeon"));
    assert!(found.contains(&1) && found.contains(&2), "{found:?}");
    assert!(
        !found.contains(&3),
        "a tree nursery is not a tree surgeon: {found:?}"
    );
}

#[test]
fn removals_ranks_a_moving_company_above_a_stray_removal() {
    let idx = index_with(&[
        supplier(
            1,
            "Crown Tree Care",
            "Tree work: deadwood removal, crown lifts and stump removal.",
            &["77211400"],
        ),
        supplier(
            2,
            "Shift Together Co-operative",
            "Worker-owned moving company handling office relocations and school moves.",
            &["98392000"],
        ),
    ]);
    let found = ids(&idx, &text("removals"));
    assert!(position(&found, 2) < position(&found, 1), "{found:?}");
}

#[test]
fn bsl_interpreters_finds_british_sign_language() {
    let idx = index_with(&[
        supplier(
            1,
            "Signpost CIC",
            "Registered British Sign Language interpreters for hospital appointments.",
            &[],
        ),
        supplier(
            2,
            "Sign Craft",
            "Shop signs and vehicle livery.",
            &["34928470"],
        ),
    ]);
    assert_eq!(ids(&idx, &text("BSL interpreters")), vec![1]);
}

#[test]
fn solar_panels_ranks_installers_above_panel_cleaning() {
    let idx = index_with(&[
        supplier(
            1,
            "Gleam Solar Panel Cleaning",
            "Solar panel cleaning with purified water.",
            &["90910000"],
        ),
        supplier(
            2,
            "Brightwire Electrical",
            "Electricians: rewires, EV chargers and solar PV with battery storage.",
            &["45310000", "09331200"],
        ),
        supplier(
            3,
            "Sunrise Energy Co-operative",
            "Installing rooftop photovoltaic arrays on schools.",
            &["09332000"],
        ),
    ]);
    let found = ids(&idx, &text("solar panels"));
    assert!(position(&found, 2) < position(&found, 1), "{found:?}");
    assert!(position(&found, 3) < position(&found, 1), "{found:?}");
}

#[test]
fn meals_on_wheels_finds_meals_delivered_to_housebound_people() {
    let idx = index_with(&[
        supplier(
            1,
            "Community Kitchen",
            "Hot meals delivered to housebound people every day.",
            &[],
        ),
        supplier(2, "Wheel Easy", "Bike repairs and wheels trued.", &[]),
    ]);
    assert_eq!(ids(&idx, &text("meals on wheels")), vec![1]);
}

#[test]
fn a_query_finds_suppliers_by_the_cpv_code_its_words_name_and_says_so() {
    let idx = index_with(&[
        supplier(
            1,
            "Canopy Care",
            "Crown thinning, pollards and dismantling near power lines.",
            &["77211400"],
        ),
        supplier(2, "Print Shop", "Leaflets and posters.", &["79810000"]),
    ]);
    let r = idx.search(&text("tree cutting")).unwrap();
    assert_eq!(r.hits.len(), 1, "{:?}", r.hits);
    assert_eq!(r.hits[0].id, 1);
    assert!(
        r.hits[0]
            .reasons
            .contains(&"offers Tree-cutting services, CPV 77211400".to_owned()),
        "{:?}",
        r.hits[0].reasons
    );
}

#[test]
fn the_reasons_say_which_other_word_matched() {
    let idx = index_with(&[supplier(
        1,
        "Shift Together Co-operative",
        "Office relocations across Greater Manchester.",
        &[],
    )]);
    let r = idx.search(&text("removals")).unwrap();
    assert!(
        r.hits[0]
            .reasons
            .iter()
            .any(|x| x.starts_with("“removals” matched as “")),
        "{:?}",
        r.hits[0].reasons
    );
}

#[test]
fn editing_the_thesaurus_needs_no_reindex() {
    let idx = SupplierIndex::in_memory().unwrap();
    idx.upsert(&[supplier(
        1,
        "Tom Ashworth",
        "Arborist covering Lancaster.",
        &[],
    )])
    .unwrap();
    idx.commit().unwrap();
    assert!(
        ids(&idx, &text("tree surgeon")).is_empty(),
        "no thesaurus yet"
    );
    let t = Thesaurus::parse("tree surgeon | arborist\t\tusage\n").unwrap();
    idx.set_vocabulary(Arc::new(Vocabulary::new(catalogue(), &t).unwrap()));
    assert_eq!(ids(&idx, &text("tree surgeon")), vec![1]);
    idx.set_vocabulary(Arc::default());
    assert!(ids(&idx, &text("tree surgeon")).is_empty());
}

#[test]
fn more_of_the_words_rank_higher_when_few_suppliers_match_them_all() {
    let idx = index_with(&[
        supplier(1, "A", "alpha beta", &[]),
        supplier(2, "B", "alpha", &[]),
        supplier(3, "C", "gamma beta alpha", &[]),
        supplier(4, "D", "delta", &[]),
    ]);
    let r = idx.search(&text("alpha beta gamma")).unwrap();
    assert!(r.relaxed);
    assert_eq!(r.total_all_words, 1);
    let found: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
    assert_eq!(
        found,
        [3, 1],
        "all three words, then two of them; one is not enough"
    );
}

#[test]
fn the_words_standing_together_rank_above_the_same_words_apart() {
    let idx = SupplierIndex::in_memory().unwrap();
    idx.upsert(&[
        supplier(
            1,
            "A",
            "Meals for the primary school and the school office",
            &[],
        ),
        supplier(
            2,
            "B",
            "School meals for the primary school and the office",
            &[],
        ),
    ])
    .unwrap();
    idx.commit().unwrap();
    assert_eq!(ids(&idx, &text("school meals")), vec![2, 1]);
}

#[test]
fn equal_suppliers_keep_their_order_by_id_across_a_segment_merge() {
    let idx = SupplierIndex::in_memory().unwrap();
    let same = |id: i64| {
        let mut d = supplier(id, "Bakers", "bakery bread", &[]);
        d.lat = Some(51.5);
        d.lon = Some(0.1);
        d
    };
    // Index order differs from id order, and the equal suppliers sit in different segments.
    idx.upsert(&[same(20)]).unwrap();
    idx.commit().unwrap();
    idx.upsert(&[same(30), same(10)]).unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.num_segments(), 2);
    let orders = |idx: &SupplierIndex| -> Vec<Vec<i64>> {
        let mut out = Vec::new();
        for sort in [
            SortOrder::Relevance,
            SortOrder::Distance,
            SortOrder::Name,
            SortOrder::Updated,
        ] {
            let q = IndexQuery {
                near: Some((51.5, 0.0)),
                sort,
                ..text("bakery")
            };
            out.push(ids(idx, &q));
            // A page boundary through the tie.
            out.push(ids(
                idx,
                &IndexQuery {
                    limit: 1,
                    ..q.clone()
                },
            ));
            out.push(ids(
                idx,
                &IndexQuery {
                    offset: 1,
                    limit: 1,
                    ..q
                },
            ));
        }
        out
    };
    let before = orders(&idx);
    for (i, o) in before.iter().enumerate() {
        let expected: &[i64] = match i % 3 {
            0 => &[10, 20, 30],
            1 => &[10],
            _ => &[20],
        };
        assert_eq!(o, expected, "order {i}");
    }
    idx.merge_segments().unwrap();
    assert_eq!(idx.num_segments(), 1);
    assert_eq!(orders(&idx), before);
}

/// Random suppliers on a few CPV branches, in and around a few places, with and without a
/// radius, named outcodes, a maximum contract value and a turnover.
fn market(n: i64, seed: u64) -> Vec<SupplierDoc> {
    const CODES: &[&str] = &[
        "45000000", "45200000", "45210000", "45211000", "45211100", "45300000", "77000000",
        "77300000", "77310000", "77314000", "77211400", "90910000",
    ];
    const OUTCODES: &[&str] = &["PR1", "LS1", "M1", "B1"];
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|id| {
            let mut d = SupplierDoc {
                id,
                name: format!("Supplier {id}"),
                legal_form: "cic".into(),
                ..SupplierDoc::default()
            };
            for _ in 0..rng.gen_range(0..4) {
                d.cpv.push(CODES[rng.gen_range(0..CODES.len())].to_owned());
            }
            if rng.gen_bool(0.9) {
                d.lat = Some(rng.gen_range(51.0..54.5));
                d.lon = Some(rng.gen_range(-3.2..0.2));
            }
            if rng.gen_bool(0.6) {
                d.service_radius_km = Some(rng.gen_range(0..120));
            }
            if rng.gen_bool(0.3) {
                for _ in 0..rng.gen_range(1..3) {
                    let o = OUTCODES[rng.gen_range(0..OUTCODES.len())];
                    d.service_outcodes.push(if rng.gen_bool(0.5) {
                        o.to_lowercase()
                    } else {
                        o.to_owned()
                    });
                }
            }
            if rng.gen_bool(0.5) {
                d.max_contract_value_gbp = Some(rng.gen_range(0..2_000_000));
            }
            if rng.gen_bool(0.5) {
                d.turnover_gbp = Some(rng.gen_range(0..4_000_000));
            }
            d
        })
        .collect()
}

#[test]
fn market_depth_filters_agree_with_the_domain_rules_for_every_supplier() {
    let docs = market(400, 11);
    let idx = SupplierIndex::in_memory().unwrap();
    idx.upsert(&docs[..200]).unwrap();
    idx.commit().unwrap();
    idx.upsert(&docs[200..]).unwrap();
    idx.delete(7).unwrap();
    idx.commit().unwrap();
    let live: Vec<&SupplierDoc> = docs.iter().filter(|d| d.id != 7).collect();
    let places = [
        DeliveryPlace {
            outcode: "PR1".into(),
            centroid: (53.7632, -2.7031),
        },
        DeliveryPlace {
            outcode: "ls1".into(),
            centroid: (53.7997, -1.5492),
        },
        DeliveryPlace {
            outcode: "M1".into(),
            centroid: (53.4808, -2.2426),
        },
        DeliveryPlace {
            outcode: "ZZ9".into(),
            centroid: (51.2, -0.5),
        },
    ];
    let branches = [
        "45000000", "45210000", "45211100", "45211110", "77310000", "77211400", "90911000",
        "10000000",
    ];
    let values = [0, 10_000, 400_000, 1_000_000, i64::MAX];
    let mut queries = Vec::new();
    for b in branches {
        queries.push(IndexQuery {
            cpv_branch: Some(b.into()),
            ..IndexQuery::default()
        });
    }
    for p in &places {
        queries.push(IndexQuery {
            serves: Some(p.clone()),
            ..IndexQuery::default()
        });
    }
    for v in values {
        queries.push(IndexQuery {
            can_take_gbp: Some(v),
            ..IndexQuery::default()
        });
    }
    for (i, b) in branches.iter().enumerate() {
        queries.push(IndexQuery {
            cpv_branch: Some((*b).into()),
            serves: Some(places[i % places.len()].clone()),
            can_take_gbp: Some(values[i % values.len()]),
            ..IndexQuery::default()
        });
    }
    let check = |idx: &SupplierIndex| {
        for q in &queries {
            let expected: BTreeSet<i64> = live
                .iter()
                .filter(|d| {
                    q.cpv_branch.as_deref().is_none_or(|b| {
                        let b = CpvCode::parse(b).unwrap();
                        d.cpv
                            .iter()
                            .any(|c| CpvCode::parse(c).unwrap().on_branch_of(&b))
                    }) && q
                        .serves
                        .as_ref()
                        .is_none_or(|p| d.service_area().serves(&p.outcode, p.centroid))
                        && q.can_take_gbp.is_none_or(|v| {
                            d.capacity()
                                .admits(domain::text::Gbp::new(u64::try_from(v).unwrap_or(0)))
                        })
                })
                .map(|d| d.id)
                .collect();
            let r = idx
                .search(&IndexQuery {
                    limit: 1000,
                    ..q.clone()
                })
                .unwrap();
            let found: BTreeSet<i64> = r.hits.iter().map(|h| h.id).collect();
            assert_eq!(found, expected, "{q:?}");
            assert_eq!(r.total, expected.len() as u64, "{q:?}");
            assert_eq!(idx.count(q).unwrap(), expected.len() as u64, "{q:?}");
        }
    };
    check(&idx);
    idx.merge_segments().unwrap();
    check(&idx);
}

#[test]
fn from_snapshot_fills_every_field_the_engine_uses() {
    let s = SupplierSnapshot {
        id: 42,
        name: "Ribble Valley Joinery Ltd".into(),
        trading_name: "RV Joinery".into(),
        legal_form: Some(LegalForm::PublicLimitedCompany),
        size: Some(SizeClass::Small),
        social_economy: false,
        published: true,
        active: true,
        verified: true,
        postcode: Some("PR1 2HE".into()),
        outcode: Some("PR1".into()),
        town: "Preston".into(),
        location: Some((53.76, -2.70)),
        service_radius_km: Some(30),
        service_outcodes: vec!["bb1 ".into()],
        cpv: vec![CpvCode::parse("45421000").unwrap()],
        capability_statement: "Staircases and sash windows.".into(),
        keywords: vec!["joinery".into()],
        contracts: vec![PastContract {
            buyer_name: "Preston City Council".into(),
            value_gbp: Some(20_000),
            year: Some(2024),
            description: "Library doors".into(),
        }],
        employees: Some(12),
        turnover_gbp: Some(900_000),
        max_contract_value_gbp: None,
        min_contract_value_gbp: None,
        local_staff_pct: None,
        local_spend_pct: None,
        accreditations: vec![Accreditation {
            kind: AccreditationKind::Chas,
            expires_on: chrono::NaiveDate::from_ymd_opt(1970, 1, 11),
        }],
        identifiers: vec![],
        vat_number: String::new(),
        website: String::new(),
        email: String::new(),
        updated_at: 1_700_000_000,
    };
    let d = SupplierDoc::from_snapshot(&s, catalogue());
    assert_eq!(
        (d.id, d.name.as_str(), d.trading_name.as_str()),
        (42, "Ribble Valley Joinery Ltd", "RV Joinery")
    );
    assert_eq!(d.legal_form, "public_limited_company");
    assert_eq!(d.size.as_deref(), Some("small"));
    assert!(d.verified && !d.social_economy);
    assert_eq!(d.cpv, ["45421000"]);
    assert!(d.cpv_labels.contains(&"Joinery work".to_owned()));
    assert!(
        d.cpv_labels.contains(&"Construction work".to_owned()),
        "ancestors too"
    );
    assert_eq!(d.contracts_text, "Preston City Council. Library doors\n");
    assert_eq!(d.accreditations, [("chas".to_owned(), Some(10))]);
    assert_eq!((d.lat, d.lon), (Some(53.76), Some(-2.70)));
    assert_eq!(
        (d.outcode.as_deref(), d.postcode.as_str(), d.town.as_str()),
        (Some("PR1"), "PR1 2HE", "Preston")
    );
    assert_eq!(d.service_radius_km, Some(30));
    assert_eq!(d.service_outcodes, ["BB1"]);
    assert_eq!(d.turnover_gbp, Some(900_000));
    assert_eq!(d.capacity(), s.capacity(), "one capacity rule");
    assert_eq!(d.service_area().reach(), s.service_area().reach());
}

#[test]
fn a_pasted_description_finds_suppliers_doing_most_of_it() {
    let idx = index_with(&[
        supplier(
            1,
            "Parkside Grounds Ltd",
            "Grounds maintenance, grass cutting and hedge trimming for parks and schools.",
            &["77314000"],
        ),
        supplier(
            2,
            "Sparkle",
            "Office cleaning and window cleaning.",
            &["90910000"],
        ),
    ]);
    let r = idx
        .search(&text(
            "We need a local company to provide grounds maintenance, grass cutting, hedge \
             trimming and litter picking for our parks and cemeteries",
        ))
        .unwrap();
    let found: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
    assert_eq!(found.first(), Some(&1), "{found:?}");
    assert!(!found.contains(&2), "{found:?}");
    assert!(r.relaxed, "no supplier does all of it");
}
