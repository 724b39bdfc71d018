#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

use domain::haversine_km;

use crate::{days_from_civil, IndexQuery, SortOrder, SupplierDoc, SupplierIndex};

fn doc(id: i64, name: &str, statement: &str) -> SupplierDoc {
    SupplierDoc {
        id,
        name: name.into(),
        capability_statement: statement.into(),
        legal_form: "worker_coop".into(),
        updated_at: 1_700_000_000 + id,
        ..SupplierDoc::default()
    }
}

fn index_with(docs: &[SupplierDoc]) -> SupplierIndex {
    let idx = SupplierIndex::in_memory().unwrap();
    idx.upsert(docs).unwrap();
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

#[test]
fn stemming_matches_word_forms() {
    let idx = index_with(&[
        doc(1, "Green Acres", "Lawn mowing and hedge cutting"),
        doc(2, "Bright Clean", "Office cleaning"),
    ]);
    assert_eq!(ids(&idx, &text("mow")), vec![1]);
    assert_eq!(ids(&idx, &text("cleaned")), vec![2]);
}

#[test]
fn typos_still_find_the_word_but_rank_below_exact_matches() {
    let idx = index_with(&[
        doc(1, "Green Acres", "Lawn mowing and hedge cutting"),
        doc(2, "Mowng Brothers", "Haulage"),
    ]);
    let r = idx.search(&text("mowng")).unwrap();
    let found: Vec<i64> = r.hits.iter().map(|h| h.id).collect();
    assert_eq!(
        found,
        vec![2, 1],
        "exact name match first, typo match second"
    );
    assert!(r.hits[0].score > r.hits[1].score);
    // Distance 2 only for long words.
    let idx = index_with(&[doc(3, "Acme", "Groundskeeping and maintenance")]);
    assert_eq!(ids(&idx, &text("maintenanse")), vec![3]);
    assert_eq!(ids(&idx, &text("mantenanse")), vec![3]);
    assert!(
        ids(&idx, &text("acne")).is_empty(),
        "short words need an exact match"
    );
}

#[test]
fn cpv_filter_matches_the_code_and_its_descendants() {
    let mut a = doc(1, "A", "");
    a.cpv = vec!["77314000".into()];
    let mut b = doc(2, "B", "");
    b.cpv = vec!["77310000-6".into()];
    let mut c = doc(3, "C", "");
    c.cpv = vec!["90910000".into()];
    let idx = index_with(&[a, b, c]);
    let q = |code: &str| {
        let mut v = ids(
            &idx,
            &IndexQuery {
                cpv: Some(code.into()),
                ..IndexQuery::default()
            },
        );
        v.sort_unstable();
        v
    };
    assert_eq!(q("77000000"), vec![1, 2]);
    assert_eq!(q("77310000"), vec![1, 2]);
    assert_eq!(q("77314000"), vec![1]);
    assert_eq!(q("90000000"), vec![3]);
    assert!(q("72000000").is_empty());
    assert!(idx
        .search(&IndexQuery {
            cpv: Some("7731".into()),
            ..IndexQuery::default()
        })
        .is_err());
}

#[test]
fn radius_filter_is_exact_great_circle_distance() {
    // Centre in Manchester; points due east at ~9.9 km and ~10.1 km, and one
    // in the bounding-box corner (inside the box, outside the circle).
    let centre: (f64, f64) = (53.4808, -2.2426);
    let km_per_deg_lon = 111.32 * centre.0.to_radians().cos();
    let mut inside = doc(1, "Inside", "");
    (inside.lat, inside.lon) = (Some(centre.0), Some(centre.1 + 9.9 / km_per_deg_lon));
    let mut outside = doc(2, "Outside", "");
    (outside.lat, outside.lon) = (Some(centre.0), Some(centre.1 + 10.1 / km_per_deg_lon));
    let mut corner = doc(3, "Corner", "");
    (corner.lat, corner.lon) = (
        Some(centre.0 + 0.085),
        Some(centre.1 + 9.0 / km_per_deg_lon),
    );
    let nowhere = doc(4, "No location", "");
    let idx = index_with(&[inside, outside, corner, nowhere]);
    let q = IndexQuery {
        near: Some(centre),
        within_km: Some(10.0),
        ..IndexQuery::default()
    };
    let r = idx.search(&q).unwrap();
    assert_eq!(r.total, 1);
    assert_eq!(r.hits[0].id, 1);
    let d = r.hits[0].distance_km.unwrap();
    assert!((d - 9.9).abs() < 0.1, "{d}");
    assert_eq!(idx.count(&q).unwrap(), 1);
}

#[test]
fn facets_count_the_whole_filtered_set_with_each_facets_own_filter_removed() {
    let mut docs = Vec::new();
    for i in 0..30 {
        let mut d = doc(i, &format!("Supplier {i}"), "catering");
        d.legal_form = if i % 3 == 0 { "cic" } else { "charity" }.into();
        d.size = Some(if i % 2 == 0 { "micro" } else { "small" }.into());
        d.verified = i < 10;
        d.cpv = vec![if i < 20 { "55524000" } else { "90910000" }.into()];
        if i % 5 == 0 {
            d.accreditations = vec![("real_living_wage".into(), None)];
        }
        docs.push(d);
    }
    let idx = index_with(&docs);
    let mut q = IndexQuery {
        text: Some("catering".into()),
        legal_forms: vec!["cic".into()],
        limit: 5,
        ..IndexQuery::default()
    };
    let r = idx.search(&q).unwrap();
    assert_eq!(r.total, 10);
    assert_eq!(r.hits.len(), 5);
    // Own filter removed: all legal forms still counted.
    assert_eq!(r.facets.legal_form.get("cic"), Some(&10));
    assert_eq!(r.facets.legal_form.get("charity"), Some(&20));
    // Other facets count within the filtered set (the 10 CICs: 0,3,...,27).
    assert_eq!(r.facets.size.get("micro"), Some(&5));
    assert_eq!(r.facets.size.get("small"), Some(&5));
    assert_eq!(r.facets.verified.get(&true), Some(&4));
    assert_eq!(r.facets.accreditations.get("real_living_wage"), Some(&2));
    assert_eq!(r.facets.cpv_division.get("55"), Some(&7));
    assert_eq!(r.facets.cpv_division.get("90"), Some(&3));

    // Two facet filters: each facet counts with only its own filter removed.
    q.sizes = vec!["micro".into()];
    let r = idx.search(&q).unwrap();
    assert_eq!(r.total, 5);
    assert_eq!(r.facets.legal_form.get("charity"), Some(&10)); // micro charities
    assert_eq!(r.facets.legal_form.get("cic"), Some(&5));
    assert_eq!(r.facets.size.get("small"), Some(&5)); // small CICs
    assert_eq!(r.facets.size.get("micro"), Some(&5));
    assert_eq!(idx.count(&q).unwrap(), 5);

    // CPV children: one level below the filter.
    let r = idx
        .search(&IndexQuery {
            cpv: Some("55000000".into()),
            ..IndexQuery::default()
        })
        .unwrap();
    assert_eq!(r.facets.cpv_children.get("55500000"), Some(&20));
}

#[test]
fn accreditations_must_all_be_held_and_valid_on_the_date() {
    let day = days_from_civil(2025, 6, 1);
    let mut a = doc(1, "A", "");
    a.accreditations = vec![
        ("iso_9001".into(), Some(day + 10)),
        ("cyber_essentials".into(), None),
    ];
    let mut b = doc(2, "B", "");
    b.accreditations = vec![("iso_9001".into(), Some(day - 1))];
    let idx = index_with(&[a, b]);
    let q = |kinds: &[&str], valid_on: Option<i32>| {
        let mut v = ids(
            &idx,
            &IndexQuery {
                accreditations: kinds.iter().map(|s| (*s).to_string()).collect(),
                accreditations_valid_on: valid_on,
                ..IndexQuery::default()
            },
        );
        v.sort_unstable();
        v
    };
    assert_eq!(q(&["iso_9001"], None), vec![1, 2]);
    assert_eq!(q(&["iso_9001"], Some(day)), vec![1]);
    assert_eq!(q(&["iso_9001", "cyber_essentials"], None), vec![1]);
    assert_eq!(q(&[], Some(day)), vec![1]);
    assert_eq!(
        q(&[], Some(day + 11)),
        vec![1],
        "cyber essentials never expires"
    );
}

#[test]
fn upsert_replaces_the_previous_version() {
    let idx = index_with(&[doc(1, "Old Name", "bakery")]);
    idx.upsert(&[doc(1, "New Name", "plumbing")]).unwrap();
    idx.commit().unwrap();
    assert_eq!(idx.len(), 1);
    assert!(ids(&idx, &text("bakery")).is_empty());
    let r = idx.search(&text("plumbing")).unwrap();
    assert_eq!(r.hits[0].name, "New Name");
}

#[test]
fn delete_removes_the_supplier() {
    let idx = index_with(&[doc(1, "A", "bakery"), doc(2, "B", "bakery")]);
    idx.delete(1).unwrap();
    idx.commit().unwrap();
    assert_eq!(ids(&idx, &text("bakery")), vec![2]);
    assert_eq!(idx.len(), 1);
    idx.clear().unwrap();
    assert!(idx.is_empty());
}

#[test]
fn sort_orders_by_distance_name_and_updated() {
    let mut docs = Vec::new();
    for (i, (name, lon)) in [("charlie", 0.3), ("Alpha", 0.1), ("bravo", 0.2)]
        .into_iter()
        .enumerate()
    {
        let mut d = doc(i as i64 + 1, name, "bakery bread");
        d.lat = Some(51.5);
        d.lon = Some(lon);
        docs.push(d);
    }
    docs[1].updated_at = 1; // Alpha is the oldest
    let idx = index_with(&docs);
    // Separate segments, so merging across segments is exercised too.
    let mut extra = doc(4, "delta", "bakery");
    extra.updated_at = 2_000_000_000;
    idx.upsert(&[extra]).unwrap();
    idx.commit().unwrap();
    let by = |sort: SortOrder| {
        ids(
            &idx,
            &IndexQuery {
                text: Some("bakery".into()),
                near: Some((51.5, 0.0)),
                sort,
                ..IndexQuery::default()
            },
        )
    };
    assert_eq!(by(SortOrder::Distance), vec![2, 3, 1, 4]);
    assert_eq!(by(SortOrder::Name), vec![2, 3, 1, 4]);
    assert_eq!(by(SortOrder::Updated), vec![4, 3, 1, 2]);
    // Paging follows the order.
    let page2 = ids(
        &idx,
        &IndexQuery {
            sort: SortOrder::Name,
            offset: 2,
            limit: 1,
            ..IndexQuery::default()
        },
    );
    assert_eq!(page2, vec![1]);
}

#[test]
fn highlights_wrap_matched_words_in_mark_and_reasons_name_the_fields() {
    let mut d = doc(
        1,
        "Green Acres Mowing",
        "We provide grounds maintenance: mowing, hedges & <b>more</b>.",
    );
    d.cpv_labels = vec![
        "Horticultural services".into(),
        "Grounds maintenance services".into(),
    ];
    let idx = index_with(&[d]);
    let h = &idx.search(&text("mowing")).unwrap().hits[0];
    assert!(
        h.snippet_html.contains("<mark>mowing</mark>"),
        "{}",
        h.snippet_html
    );
    assert!(!h.snippet_html.contains("<b>"), "statement text is escaped");
    assert_eq!(h.reasons, vec!["name", "capability statement"]);
    let h = &idx.search(&text("maintenance")).unwrap().hits[0];
    assert!(h
        .reasons
        .contains(&"CPV: Grounds maintenance services".to_string()));
    // A typo is highlighted as the word it matched.
    let h = &idx.search(&text("mowng")).unwrap().hits[0];
    assert!(
        h.snippet_html.contains("<mark>mowing</mark>"),
        "{}",
        h.snippet_html
    );
}

#[test]
fn few_matches_of_every_word_are_followed_by_matches_of_the_telling_words() {
    let idx = index_with(&[
        doc(1, "A", "school catering"),
        doc(2, "B", "school cleaning"),
        doc(3, "C", "catering for events"),
        doc(4, "D", "road gritting"),
    ]);
    let r = idx.search(&text("school catering")).unwrap();
    assert_eq!((r.total, r.total_all_words, r.relaxed), (3, 1, true));
    assert_eq!(
        r.hits[0].id, 1,
        "the supplier matching every word comes first"
    );
    assert_eq!(idx.count(&text("school catering")).unwrap(), 3);
}

#[test]
fn a_word_nobody_uses_is_not_dropped_when_it_carries_most_of_the_meaning() {
    let idx = index_with(&[
        doc(1, "A", "school catering"),
        doc(2, "B", "office cleaning"),
    ]);
    // "submarine" and "hull" match nobody: cleaners are not an answer to the question.
    let r = idx.search(&text("submarine hull cleaning")).unwrap();
    assert_eq!((r.total, r.relaxed), (0, false), "{:?}", r.hits);
    assert_eq!(idx.count(&text("submarine hull cleaning")).unwrap(), 0);
}

#[test]
fn index_on_disk_survives_reopening() {
    let dir = std::env::temp_dir().join(format!("anchorlink-search-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let idx = SupplierIndex::open_or_create(&dir).unwrap();
        idx.upsert(&[doc(7, "Seven", "bakery")]).unwrap();
        idx.commit().unwrap();
    }
    let idx = SupplierIndex::open_or_create(&dir).unwrap();
    assert_eq!(ids(&idx, &text("bakery")), vec![7]);
    drop(idx);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_index_with_another_schema_is_refused_then_recreated_empty() {
    let dir = std::env::temp_dir().join(format!("anchorlink-search-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    {
        // An index as an older version might have left it.
        let mut b = tantivy::schema::Schema::builder();
        let title = b.add_text_field("title", tantivy::schema::TEXT);
        let index = tantivy::Index::create_in_dir(&dir, b.build()).unwrap();
        let mut w: tantivy::IndexWriter = index.writer(15_000_000).unwrap();
        w.add_document(tantivy::doc!(title => "old")).unwrap();
        w.commit().unwrap();
    }
    std::fs::write(dir.join("notes.txt"), "not the index's").unwrap();
    assert!(matches!(
        SupplierIndex::open_or_create(&dir),
        Err(crate::SearchError::SchemaMismatch(_))
    ));
    let idx = SupplierIndex::recreate(&dir, crate::IndexOptions::default()).unwrap();
    assert!(idx.is_empty());
    idx.upsert(&[doc(3, "Three", "bakery")]).unwrap();
    idx.commit().unwrap();
    assert_eq!(ids(&idx, &text("bakery")), vec![3]);
    assert!(dir.join("notes.txt").exists(), "other files are left alone");
    drop(idx);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn capacity_and_outcode_filters_narrow_the_set() {
    let mut a = doc(1, "A", "x");
    a.max_contract_value_gbp = Some(500_000);
    a.outcode = Some("M1".into());
    let mut b = doc(2, "B", "x");
    b.max_contract_value_gbp = Some(50_000);
    b.outcode = Some("LS6".into());
    let idx = index_with(&[a, b, doc(3, "C", "x")]);
    let q = IndexQuery {
        min_capacity_gbp: Some(100_000),
        ..IndexQuery::default()
    };
    assert_eq!(ids(&idx, &q), vec![1]);
    let q = IndexQuery {
        outcodes: vec!["ls6".into(), "B1".into()],
        ..IndexQuery::default()
    };
    assert_eq!(ids(&idx, &q), vec![2]);
}

/// Varied suppliers for the tests that compare the engine with brute force.
fn varied(n: i64) -> Vec<SupplierDoc> {
    let forms = ["cic", "charity", "worker_coop", "sole_trader"];
    let sizes = ["micro", "small", "medium"];
    let statements = [
        "school catering and school meals",
        "catering for events",
        "office cleaning",
        "catering catering catering",
        "grounds maintenance",
    ];
    (0..n)
        .map(|i| {
            let u = i as usize;
            let mut d = doc(
                i,
                &format!("Supplier {i}{}", if i % 7 == 0 { " Catering" } else { "" }),
                statements[u % statements.len()],
            );
            d.legal_form = forms[u % forms.len()].into();
            d.size = (i % 11 != 0).then(|| sizes[u % sizes.len()].into());
            d.verified = i % 3 == 0;
            d.social_economy = i % 2 == 0;
            d.keywords = if i % 5 == 0 {
                vec!["catering".into()]
            } else {
                vec![]
            };
            d.cpv = vec![if i % 4 == 0 { "55524000" } else { "90910000" }.into()];
            d.lat = Some(51.5);
            d.lon = Some(0.001 * i as f64);
            if i % 6 == 0 {
                d.accreditations = vec![("real_living_wage".into(), None)];
            }
            d
        })
        .collect()
}

#[test]
fn one_word_fast_path_ranks_exactly_like_the_general_path() {
    let idx = index_with(&varied(300));
    let plain = IndexQuery {
        text: Some("catering".into()),
        near: Some((51.5, 0.0)),
        offset: 3,
        limit: 15,
        ..IndexQuery::default()
    };
    // Every supplier is one of these, so the filter changes nothing but the path.
    let general = IndexQuery {
        legal_forms: vec![
            "cic".into(),
            "charity".into(),
            "worker_coop".into(),
            "sole_trader".into(),
        ],
        ..plain.clone()
    };
    let a = idx.search(&plain).unwrap();
    let b = idx.search(&general).unwrap();
    assert_eq!(a.total, b.total);
    assert_eq!(a.facets, b.facets);
    assert_eq!(a.hits.len(), 15);
    assert_eq!(a.hits, b.hits);
    assert!(a.hits.iter().all(|h| h.distance_km.is_some()));
    assert!(a.hits.windows(2).all(|w| w[0].score >= w[1].score));
    // Name (and keywords) matches first.
    let top = idx
        .search(&IndexQuery {
            limit: 3,
            ..plain.clone()
        })
        .unwrap();
    assert!(top
        .hits
        .iter()
        .all(|h| h.reasons.contains(&"name".to_string())));
}

#[test]
fn facets_and_totals_match_brute_force_for_every_filter_combination() {
    let mut docs = varied(240);
    // Some suppliers have no location: outside every radius.
    for d in docs.iter_mut().filter(|d| d.id % 13 == 0) {
        d.lat = None;
        d.lon = None;
    }
    let idx = index_with(&docs[..120]);
    // A second segment, and some replaced and deleted suppliers.
    idx.upsert(&docs[120..]).unwrap();
    let mut changed = docs[5].clone();
    changed.legal_form = "charity".into();
    changed.verified = !changed.verified;
    idx.upsert(&[changed.clone()]).unwrap();
    idx.delete(8).unwrap();
    idx.commit().unwrap();
    let mut live: Vec<SupplierDoc> = docs
        .iter()
        .filter(|d| d.id != 8)
        .map(|d| {
            if d.id == 5 {
                changed.clone()
            } else {
                d.clone()
            }
        })
        .collect();
    live.sort_by_key(|d| d.id);
    let check = |idx: &SupplierIndex, q: &IndexQuery| {
        let r = idx.search(q).unwrap();
        let words = q.text.is_some();
        let ok_legal =
            |d: &SupplierDoc| q.legal_forms.is_empty() || q.legal_forms.contains(&d.legal_form);
        let ok_size = |d: &SupplierDoc| {
            q.sizes.is_empty() || d.size.as_ref().is_some_and(|s| q.sizes.contains(s))
        };
        let ok_ver = |d: &SupplierDoc| !q.verified_only || d.verified;
        let ok_soc = |d: &SupplierDoc| !q.social_economy_only || d.social_economy;
        let in_radius = |d: &SupplierDoc| match (q.near, q.within_km, d.lat, d.lon) {
            (Some(near), Some(r), Some(lat), Some(lon)) => {
                haversine_km(near.0, near.1, lat, lon) <= r
            }
            (_, Some(_), _, _) => false,
            _ => true,
        };
        let in_cpv = |d: &SupplierDoc| {
            q.cpv
                .as_deref()
                .is_none_or(|c| d.cpv[0].starts_with(&c[..2]))
        };
        let base: Vec<&SupplierDoc> = live
            .iter()
            .filter(|d| {
                !words
                    || d.capability_statement.contains("catering")
                    || d.name.contains("Catering")
                    || !d.keywords.is_empty()
            })
            .filter(|d| in_radius(d) && in_cpv(d))
            .collect();
        let all = |d: &&&SupplierDoc| ok_legal(d) && ok_size(d) && ok_ver(d) && ok_soc(d);
        assert_eq!(r.total, base.iter().filter(all).count() as u64, "{q:?}");
        let mut legal = std::collections::BTreeMap::new();
        let mut size = std::collections::BTreeMap::new();
        let mut verified = std::collections::BTreeMap::new();
        for d in &base {
            if ok_size(d) && ok_ver(d) && ok_soc(d) {
                *legal.entry(d.legal_form.clone()).or_insert(0u64) += 1;
            }
            if ok_legal(d) && ok_ver(d) && ok_soc(d) {
                if let Some(s) = &d.size {
                    *size.entry(s.clone()).or_insert(0u64) += 1;
                }
            }
            if ok_legal(d) && ok_size(d) && ok_soc(d) {
                *verified.entry(d.verified).or_insert(0u64) += 1;
            }
        }
        assert_eq!(r.facets.legal_form, legal, "{q:?}");
        assert_eq!(r.facets.size, size, "{q:?}");
        assert_eq!(r.facets.verified, verified, "{q:?}");
        let accredited = base
            .iter()
            .filter(all)
            .filter(|d| !d.accreditations.is_empty())
            .count() as u64;
        assert_eq!(
            r.facets
                .accreditations
                .get("real_living_wage")
                .copied()
                .unwrap_or(0),
            accredited,
            "{q:?}"
        );
        let in_55 = base
            .iter()
            .filter(all)
            .filter(|d| d.cpv[0].starts_with("55"))
            .count() as u64;
        assert_eq!(
            r.facets.cpv_division.get("55").copied().unwrap_or(0),
            in_55,
            "{q:?}"
        );
        // Under a division filter, its children (here 555, from 55524000) are counted.
        if q.cpv.is_some() {
            assert_eq!(
                r.facets.cpv_children.get("55500000").copied().unwrap_or(0),
                in_55,
                "{q:?}"
            );
            assert_eq!(r.facets.cpv_children.len(), usize::from(in_55 > 0), "{q:?}");
        }
        // Most recently updated first when there are no words.
        if !words {
            let mut expect: Vec<i64> = base.iter().filter(all).map(|d| d.id).collect();
            expect.sort_by_key(|id| std::cmp::Reverse(1_700_000_000 + id));
            expect.truncate(q.limit);
            assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), expect);
        }
    };
    let mut queries = Vec::new();
    let places = [
        (None, None, None),
        (Some((51.5, 0.0)), Some(5.0), None),
        (None, None, Some("55000000".to_string())),
        (Some((51.5, 0.1)), Some(3.0), Some("55000000".to_string())),
    ];
    for text in [None, Some("catering".to_string())] {
        for legal in [vec![], vec!["cic".to_string(), "charity".to_string()]] {
            for sizes in [vec![], vec!["micro".to_string()]] {
                for (verified_only, social_economy_only) in
                    [(false, false), (true, false), (true, true), (false, true)]
                {
                    for (near, within_km, cpv) in places.clone() {
                        queries.push(IndexQuery {
                            text: text.clone(),
                            legal_forms: legal.clone(),
                            sizes: sizes.clone(),
                            verified_only,
                            social_economy_only,
                            near,
                            within_km,
                            cpv,
                            limit: 7,
                            ..IndexQuery::default()
                        });
                    }
                }
            }
        }
    }
    for q in &queries {
        check(&idx, q);
    }
    // The merged segment gets freshly decoded facet columns.
    idx.merge_segments().unwrap();
    assert_eq!(idx.num_segments(), 1);
    for q in &queries {
        check(&idx, q);
    }
}

#[test]
fn a_bulk_load_in_parts_gives_one_segment_per_part_searched_in_parallel_alike() {
    let docs = varied(400);
    let single = index_with(&docs);
    let parallel = SupplierIndex::in_memory_with(crate::IndexOptions {
        writer_heap_bytes: 32 << 20,
        writer_threads: 1,
        search_threads: 2,
    })
    .unwrap();
    parallel.begin_bulk().unwrap();
    for part in docs.chunks(100) {
        for batch in part.chunks(30) {
            parallel.upsert(batch).unwrap();
        }
        parallel.commit_part().unwrap();
    }
    parallel.end_bulk().unwrap();
    assert_eq!(parallel.num_segments(), 4);
    assert_eq!(parallel.len(), 400);
    for q in [
        IndexQuery {
            limit: 30,
            ..text("catering")
        },
        IndexQuery {
            near: Some((51.5, 0.1)),
            within_km: Some(4.0),
            sort: SortOrder::Distance,
            limit: 30,
            ..text("catering")
        },
        IndexQuery {
            legal_forms: vec!["cic".into()],
            sort: SortOrder::Name,
            limit: 30,
            ..IndexQuery::default()
        },
    ] {
        let (a, b) = (single.search(&q).unwrap(), parallel.search(&q).unwrap());
        assert_eq!((a.total, &a.facets), (b.total, &b.facets), "{q:?}");
        let (ia, ib): (Vec<i64>, Vec<i64>) = (
            a.hits.iter().map(|h| h.id).collect(),
            b.hits.iter().map(|h| h.id).collect(),
        );
        assert!(a.total > 0 && ia.len() == ib.len(), "{q:?}");
        match q.sort {
            // Equal distances may come in either order.
            SortOrder::Distance => {
                let da: Vec<_> = a.hits.iter().map(|h| h.distance_km).collect();
                let db: Vec<_> = b.hits.iter().map(|h| h.distance_km).collect();
                assert_eq!(da, db, "{q:?}");
            }
            SortOrder::Name => assert_eq!(ia, ib, "{q:?}"),
            // BM25 uses whole-index statistics: the same scores, in the same order
            // (suppliers with equal scores may swap).
            _ => {
                let sa: Vec<_> = a.hits.iter().map(|h| h.score).collect();
                let sb: Vec<_> = b.hits.iter().map(|h| h.score).collect();
                assert_eq!(sa, sb, "{q:?}");
            }
        }
    }
}

#[test]
fn a_set_of_ids_restricts_results_totals_paging_and_counts() {
    let idx = index_with(&[
        doc(1, "Acorn Grounds", "Lawn mowing and hedge cutting"),
        doc(2, "Birch Gardens", "Lawn mowing for parks"),
        doc(3, "Cedar Care", "Mowing verges"),
        doc(4, "Damson Clean", "Office cleaning"),
        doc(5, "Elm Mowers", "Mowing sports pitches"),
    ]);
    let among = |ids: &[i64], q: IndexQuery| IndexQuery {
        among: Some(ids.to_vec()),
        ..q
    };
    let everyone = among(&[2, 4, 5, 99], IndexQuery::default());
    let mut found = ids(&idx, &everyone);
    found.sort_unstable();
    assert_eq!(found, vec![2, 4, 5], "an unknown id matches nothing");
    assert_eq!(idx.count(&everyone).unwrap(), 3);
    // One plain word takes the fast path; the id set still applies.
    let mowing = among(&[2, 4, 5], text("mowing"));
    let mut found = ids(&idx, &mowing);
    found.sort_unstable();
    assert_eq!(found, vec![2, 5]);
    let paged = IndexQuery {
        sort: SortOrder::Name,
        offset: 1,
        limit: 1,
        ..everyone.clone()
    };
    let r = idx.search(&paged).unwrap();
    assert_eq!(r.total, 3, "the total counts the whole set, not the page");
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![4]);
    let nobody = among(&[], IndexQuery::default());
    assert!(ids(&idx, &nobody).is_empty(), "an empty set matches nobody");
    assert_eq!(idx.count(&nobody).unwrap(), 0);
}
