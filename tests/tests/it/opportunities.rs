//! Opportunities, interest and partners (issue 12) through the REST API: a tender
//! published here and a Sell2Wales notice imported from the samples each reach exactly
//! the suppliers the rules make eligible (and the near misses, with the rule missed);
//! interest marked, withdrawn, seen and exported by the buyer, refused to everyone else;
//! partners ranked; "ask to partner" mailed through the platform without disclosing an
//! address, answered, rate-limited.
//!
//! The expected sets are written from the fixture suppliers' profiles, as a buyer would
//! judge them, not read back from the code.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::rate_limit_hit;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

struct Supplier {
    id: i64,
    token: String,
}

struct World {
    app: TestApp,
    bea: String,
    olly: String,
    s: BTreeMap<&'static str, Supplier>,
    /// The Preston parks tender: lot "Grounds" (mowing at PR1, £60k), lot "Trees" (tree
    /// surgery at PR2, £30k).
    parks: i64,
    grounds: i64,
    trees: i64,
    /// The imported Carmarthenshire fleet maintenance notice (one lot, £400k).
    fleet_tender: i64,
    fleet: i64,
}

/// (key, e-mail, name, postcode, CPV, max contract value, extra profile fields)
type Fixture = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u64,
    Value,
);

fn fixtures() -> Vec<Fixture> {
    vec![
        // Grounds in Preston: eligible for the grounds lot.
        (
            "mowers",
            "mo@mowers.coop",
            "Mowers Co-operative",
            "PR1 2HE",
            "77314000",
            100_000,
            json!({}),
        ),
        // Every kind of grounds work, next door: eligible for both lots.
        (
            "green",
            "gr@green.coop",
            "Green Spaces CIC",
            "PR2 1AA",
            "77000000",
            200_000,
            json!({}),
        ),
        // Tree surgery: eligible for the trees lot only.
        (
            "trees",
            "tr@trees.coop",
            "Tree Care Workers",
            "PR2 8AA",
            "77211400",
            50_000,
            json!({}),
        ),
        // Mowing, but takes contracts up to £20k: near miss on capacity for grounds.
        (
            "tiny",
            "ti@tiny.coop",
            "Tiny Mowers",
            "PR3 1AA",
            "77314000",
            20_000,
            json!({}),
        ),
        // Mowing, 40 km from Sheffield: near miss on place for grounds.
        (
            "sheffield",
            "sh@sheffield.coop",
            "Sheffield Grounds",
            "S1 2AA",
            "77314000",
            1_000_000,
            json!({"email": "office@sheffield-grounds.example", "phone": "0114 496 0000"}),
        ),
        // Cleaning: another trade, matches nothing (not even the cleaning notice, closed).
        (
            "clean",
            "cl@clean.coop",
            "Clean Team Co-op",
            "PR1 3AA",
            "90911200",
            80_000,
            json!({}),
        ),
        // Mowing next door, but its profile is a draft: matches nothing.
        (
            "draft",
            "dr@draft.coop",
            "Draft Mowers",
            "PR1 4AA",
            "77314000",
            100_000,
            json!({"published": false}),
        ),
        // Vehicle repair near Carmarthen (a parent code of fleet maintenance): eligible.
        (
            "towy",
            "ty@towy.coop",
            "Towy Valley Garage",
            "SA31 1AA",
            "50100000",
            500_000,
            json!({}),
        ),
        // Fleet maintenance in Swansea: eligible.
        (
            "swansea",
            "sw@swansea.coop",
            "Swansea Fleet Services",
            "SA1 1AA",
            "50111000",
            1_000_000,
            json!({}),
        ),
        // Fleet maintenance in Newcastle: the notice names no delivery place (only a NUTS
        // region the registry does not map), so by the rules it is open to the trade
        // wherever it is: eligible.
        (
            "newcastle",
            "nc@newcastle.coop",
            "Tyne Fleet Care",
            "NE1 1AA",
            "50111000",
            1_000_000,
            json!({}),
        ),
        // Fleet maintenance in Carmarthen, up to £100k: near miss on capacity.
        (
            "small_garage",
            "sg@garage.coop",
            "Carmarthen Small Garage",
            "SA31 2AA",
            "50111000",
            100_000,
            json!({}),
        ),
    ]
}

/// A supplier's key, the lots it is eligible for, and its near misses (lot, rule).
type Expected = (&'static str, Vec<i64>, Vec<(i64, &'static str)>);

fn lot_ids(t: &Value) -> Vec<i64> {
    t["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| l["id"].as_i64().expect("lot id"))
        .collect()
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    app.add_user(
        "olly@lancaster.gov.uk",
        "buyer",
        Some("Lancaster City Council"),
    )
    .await;
    let mut s = BTreeMap::new();
    for (key, email, name, postcode, cpv, max, extra) in fixtures() {
        let mut body =
            json!({"employees": 8, "max_contract_value_gbp": max, "service_radius_km": 40});
        for (k, v) in extra.as_object().expect("fields") {
            body[k] = v.clone();
        }
        let (id, token) = app
            .supplier_with_details(email, name, postcode, cpv, &body)
            .await;
        s.insert(key, Supplier { id, token });
    }
    let bea = app.token("bea@preston.gov.uk").await;

    // The Preston tender, in two lots, published.
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": "Parks 2027",
                "estimated_value_gbp": 90000,
                "deadline": "2099-03-31",
                "local_area": {"outcodes": ["PR1", "PR2", "PR3"]},
                "items": [
                    {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000, "delivery_postcode": "PR1 2HE"},
                    {"description": "Tree surgery", "cpv": "77211400", "value_gbp": 30000, "delivery_postcode": "PR2"}
                ]
            }),
            Some(&bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let t = r.json();
    let parks = t["id"].as_i64().expect("id");
    let items: Vec<i64> = t["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("item id"))
        .collect();
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{parks}/lots"),
            &json!({"lots": [{"title": "Grounds", "items": [items[0]]}, {"title": "Trees", "items": [items[1]]}]}),
            Some(&bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{parks}/publish"),
            &json!({}),
            Some(&bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let t = app
        .get(&format!("/api/v1/tenders/{parks}"), Some(&bea))
        .await
        .json();
    let lots = lot_ids(&t);

    // The same lines in a draft and in a closed tender: open to nobody.
    for close in [false, true] {
        let r = app
            .send_json(
                "POST",
                "/api/v1/tenders",
                &json!({"title": "Not open", "deadline": "2099-01-01", "items": [
                    {"description": "Mowing", "cpv": "77314000", "value_gbp": 10000, "delivery_postcode": "PR1"}]}),
                Some(&bea),
            )
            .await;
        let id = r.json()["id"].as_i64().expect("id");
        if close {
            let r = app
                .send_json(
                    "POST",
                    &format!("/api/v1/tenders/{id}/publish"),
                    &json!({"reason": "One small job."}),
                    Some(&bea),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let r = app
                .send_json(
                    "POST",
                    &format!("/api/v1/tenders/{id}/close"),
                    &json!({}),
                    Some(&bea),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        }
    }

    // A real Sell2Wales notice (Carmarthenshire fleet maintenance, CPV 50111000, buyer in
    // SA31, £400,000, one lot), its deadline moved on as if it were still open today.
    let mut release = sample("WRel19.json");
    release["tender"]["tenderPeriod"]["endDate"] = json!("2099-03-26T14:00:00Z");
    let r = app
        .send_json("POST", "/api/v1/tenders/import", &release, Some(&bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let fleet_tender = r.json()["tenders"][0]["id"].as_i64().expect("id");
    let t = app
        .get(&format!("/api/v1/tenders/{fleet_tender}"), Some(&bea))
        .await
        .json();
    assert_eq!(t["estimated_value_gbp"], 400_000, "{t}");
    let fleet = lot_ids(&t)[0];
    // A Sell2Wales cleaning notice whose deadline (2025) has passed: open to nobody.
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders/import",
            &sample("WRel56.json"),
            Some(&bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    World {
        olly: app.token("olly@lancaster.gov.uk").await,
        bea,
        s,
        parks,
        grounds: lots[0],
        trees: lots[1],
        fleet_tender,
        fleet,
        app,
    }
}

fn sample(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ocds/sell2wales-2025")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).expect("sample release"))
        .expect("sample JSON")
}

async fn opportunities(w: &World, key: &str, query: &str) -> Value {
    let r = w
        .app
        .get(
            &format!("/api/v1/opportunities{query}"),
            Some(&w.s[key].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{key}: {r:?}");
    r.json()
}

fn lots_in(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|o| o["lot_id"].as_i64().expect("lot_id"))
        .collect()
}

#[tokio::test]
async fn a_published_tender_and_an_imported_notice_reach_exactly_the_eligible_suppliers() {
    let w = world().await;
    let (g, t, f) = (w.grounds, w.trees, w.fleet);
    // key → (eligible lots, near misses with the rule missed)
    let expected: Vec<Expected> = vec![
        ("mowers", vec![g], vec![]),
        ("green", vec![g, t], vec![]),
        ("trees", vec![t], vec![]),
        ("tiny", vec![], vec![(g, "capacity")]),
        ("sheffield", vec![], vec![(g, "place")]),
        ("clean", vec![], vec![]),
        ("draft", vec![], vec![]),
        ("towy", vec![f], vec![]),
        ("swansea", vec![f], vec![]),
        ("newcastle", vec![f], vec![]),
        ("small_garage", vec![], vec![(f, "capacity")]),
    ];
    for (key, eligible, near) in expected {
        let o = opportunities(&w, key, "").await;
        assert_eq!(
            lots_in(&o["opportunities"]),
            eligible.iter().copied().collect(),
            "{key}: {o}"
        );
        let got: BTreeSet<(i64, String)> = o["near_misses"]
            .as_array()
            .expect("near misses")
            .iter()
            .map(|n| {
                (
                    n["lot_id"].as_i64().expect("lot"),
                    n["missed"]["rule"].as_str().expect("rule").to_owned(),
                )
            })
            .collect();
        let want: BTreeSet<(i64, String)> =
            near.iter().map(|(l, r)| (*l, (*r).to_owned())).collect();
        assert_eq!(got, want, "{key}: {o}");
        assert_eq!(o["listed"], key != "draft", "{key}");
    }

    // Reading the other way: the suppliers each lot reaches.
    let mut reached: BTreeMap<i64, BTreeSet<&str>> = BTreeMap::new();
    for key in w.s.keys() {
        for lot in lots_in(&opportunities(&w, key, "").await["opportunities"]) {
            reached.entry(lot).or_default().insert(key);
        }
    }
    assert_eq!(reached[&g], BTreeSet::from(["mowers", "green"]));
    assert_eq!(reached[&t], BTreeSet::from(["green", "trees"]));
    assert_eq!(
        reached[&f],
        BTreeSet::from(["towy", "swansea", "newcastle"])
    );
    assert_eq!(reached.len(), 3, "no other lot is open: {reached:?}");

    // The contract's fields, and why it matched.
    let o = opportunities(&w, "mowers", "").await;
    let first = &o["opportunities"][0];
    for field in [
        "lot_id",
        "tender_id",
        "lot_title",
        "tender_title",
        "buyer",
        "value_gbp",
        "deadline",
        "reasons",
    ] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
    assert_eq!(first["tender_id"], w.parks);
    assert_eq!(first["lot_title"], "Grounds");
    assert_eq!(first["buyer"], "Preston City Council");
    assert_eq!(first["value_gbp"], 60_000);
    let reasons = first["reasons"].to_string();
    assert!(
        reasons.contains("CPV 77314000, one of your codes"),
        "{reasons}"
    );
    assert!(
        reasons.contains("0 km from you to the delivery place"),
        "{reasons}"
    );
    assert!(
        reasons.contains("within your capacity of £100,000"),
        "{reasons}"
    );
    let o = opportunities(&w, "towy", "").await;
    let fleet = &o["opportunities"][0];
    assert_eq!(fleet["tender_id"], w.fleet_tender);
    assert_eq!(fleet["buyer"], "Carmarthenshire County Council");
    assert_eq!(fleet["source"], "imported");
    assert_eq!(fleet["value_gbp"], 400_000);
    assert!(
        fleet["reasons"]
            .to_string()
            .contains("on the branch of your code 50100000"),
        "{fleet}"
    );
    assert!(
        fleet["reasons"]
            .to_string()
            .contains("km from you to the buyer's area"),
        "{fleet}"
    );
    let near = &opportunities(&w, "tiny", "").await["near_misses"][0];
    assert_eq!(
        near["missed_reason"],
        "The lot is worth £60,000, more than your capacity of £20,000"
    );

    // Best fit first: for Green Spaces (up to £200k, a 40 km area) the £60k grounds lot
    // 2 km away is a better use of its capacity than the £30k trees lot at its door; 2 km
    // barely counts.
    let o = opportunities(&w, "green", "").await;
    assert_eq!(lots_in(&o["opportunities"]).len(), 2);
    assert_eq!(o["opportunities"][0]["lot_id"], g, "{o}");
}

/// A tender published without dividing it (with the reason the law asks for) is one lot of
/// all its lines: listed for the suppliers it fits, open to interest like any other lot.
#[tokio::test]
async fn an_undivided_tender_published_here_is_one_lot_its_suppliers_can_bid_for() {
    let w = world().await;
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": "Town hall cleaning",
                "deadline": "2099-06-30",
                "local_area": {"outcodes": ["PR1"]},
                "items": [
                    {"description": "Office cleaning", "cpv": "90911200", "value_gbp": 40000, "delivery_postcode": "PR1 2HE"},
                    {"description": "Deep clean of the council chamber", "cpv": "90911200", "value_gbp": 5000, "delivery_postcode": "PR1 2HE"}
                ]
            }),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.json()["id"].as_i64().expect("id");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({"reason": "One building, one cleaning contract."}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let notice = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .json();
    let lots = lot_ids(&notice);
    assert_eq!(lots.len(), 1, "one lot of every line: {notice}");
    let lot = lots[0];

    // The cleaning co-op in PR1 (CPV 90911200, up to £80k) fits it; nobody else does.
    let o = opportunities(&w, "clean", "").await;
    assert_eq!(lots_in(&o["opportunities"]), BTreeSet::from([lot]), "{o}");
    let listed = &o["opportunities"][0];
    assert_eq!(listed["tender_title"], "Town hall cleaning");
    assert_eq!(listed["value_gbp"], 45000);
    for key in ["mowers", "green", "trees", "towy"] {
        let o = opportunities(&w, key, "").await;
        assert!(!lots_in(&o["opportunities"]).contains(&lot), "{key}: {o}");
    }
    let r = mark(&w, "clean", lot, None).await;
    assert!(r.status.is_success(), "{r:?}");
}

#[tokio::test]
async fn the_filters_narrow_the_opportunities_and_bad_ones_are_named() {
    let w = world().await;
    let (g, t) = (w.grounds, w.trees);
    for (query, want) in [
        ("?max_value=40000", vec![t]),
        ("?min_value=50k", vec![g]),
        ("?within_km=1", vec![t]),
        ("?buyer=preston", vec![g, t]),
        ("?buyer=carmarthen", vec![]),
        ("?deadline_before=2099-03-31", vec![g, t]),
        ("?deadline_before=2099-03-30", vec![]),
    ] {
        let o = opportunities(&w, "green", query).await;
        assert_eq!(
            lots_in(&o["opportunities"]),
            want.into_iter().collect(),
            "{query}: {o}"
        );
    }
    let r = w
        .app
        .get(
            "/api/v1/opportunities?min_value=lots&within_km=-3&deadline_before=soon",
            Some(&w.s["green"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = &r.json()["errors"];
    for field in ["min_value", "within_km", "deadline_before"] {
        assert!(errors.get(field).is_some(), "{field}: {errors}");
    }
    // Only suppliers have opportunities; a token is needed.
    let r = w.app.get("/api/v1/opportunities", Some(&w.bea)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = w.app.get("/api/v1/opportunities", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    // A supplier cannot read another's.
    let r = w
        .app
        .get(
            &format!("/api/v1/opportunities?supplier_id={}", w.s["green"].id),
            Some(&w.s["mowers"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
}

/// A request without a body, as `curl -X POST` sends it.
async fn bodiless(w: &World, method: &str, path: &str, token: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    w.app.send(req).await
}

async fn mark(w: &World, key: &str, lot: i64, body: Option<Value>) -> Reply {
    let path = format!("/api/v1/lots/{lot}/interest");
    match body {
        Some(b) => {
            w.app
                .send_json("POST", &path, &b, Some(&w.s[key].token))
                .await
        }
        None => bodiless(w, "POST", &path, &w.s[key].token).await,
    }
}

#[tokio::test]
async fn suppliers_mark_interest_and_only_the_tenders_buyer_sees_and_exports_it() {
    let w = world().await;
    let r = mark(
        &w,
        "mowers",
        w.grounds,
        Some(json!({"as_consortium": true, "note": "=HYPERLINK(\"x\") with Tree Care"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.json()["as_consortium"], true);
    // Again: an update, not a second interest.
    let r = mark(
        &w,
        "mowers",
        w.grounds,
        Some(json!({"as_consortium": true, "note": "=HYPERLINK(\"x\") with Tree Care"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = mark(&w, "green", w.grounds, None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = mark(&w, "sheffield", w.fleet, None).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "interest is not limited to matches: {r:?}"
    );
    let o = opportunities(&w, "mowers", "").await;
    assert_eq!(o["opportunities"][0]["interested"], true, "{o}");

    // The buyer's view: per lot, with the evidence.
    let r = w
        .app
        .get(
            &format!("/api/v1/tenders/{}/interest", w.parks),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let v = r.json();
    assert_eq!(v["lots"][0]["lot_id"], w.grounds);
    let grounds = v["lots"][0]["suppliers"].as_array().expect("suppliers");
    let ids: Vec<i64> = grounds
        .iter()
        .map(|s| s["supplier_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![w.s["mowers"].id, w.s["green"].id]);
    let mowers = &grounds[0];
    assert_eq!(mowers["name"], "Mowers Co-operative");
    assert_eq!(mowers["local"], true);
    assert_eq!(mowers["sme"], true);
    assert_eq!(mowers["social_economy"], true, "a worker co-op");
    assert_eq!(mowers["capacity_gbp"], 100_000);
    assert_eq!(mowers["as_consortium"], true);
    assert_eq!(v["lots"][1]["lot_id"], w.trees);
    assert_eq!(v["lots"][1]["suppliers"], json!([]));
    assert_eq!(v["suppliers"], 2);

    // CSV, with the note's formula made inert.
    let r = w
        .app
        .get(
            &format!("/api/v1/tenders/{}/interest.csv", w.parks),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let lines: Vec<&str> = r.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.body);
    assert!(lines[0].starts_with("lot_id,lot,supplier_id,supplier"));
    assert!(lines[1].contains("Mowers Co-operative"), "{}", lines[1]);
    assert!(lines[1].contains("'=HYPERLINK"), "{}", lines[1]);

    // Nobody else sees it: another buyer (as if it did not exist), a supplier, a visitor.
    let path = format!("/api/v1/tenders/{}/interest", w.parks);
    let r = w.app.get(&path, Some(&w.olly)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert!(r.json()["errors"].is_object());
    let r = w.app.get(&path, Some(&w.s["mowers"].token)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = w.app.get(&path, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    let r = w.app.get(&format!("{path}.csv"), Some(&w.olly)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");

    // Withdrawn: gone from the buyer's view.
    let r = bodiless(
        &w,
        "DELETE",
        &format!("/api/v1/lots/{}/interest", w.grounds),
        &w.s["mowers"].token,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let v = w.app.get(&path, Some(&w.bea)).await.json();
    assert_eq!(v["lots"][0]["suppliers"].as_array().map(Vec::len), Some(1));

    // Buyers do not mark interest; a note too long is named; unknown lots are 404.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/lots/{}/interest", w.grounds),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = mark(
        &w,
        "green",
        w.trees,
        Some(json!({"note": "x".repeat(2_001)})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.json()["errors"]["note"].is_string());
    let r = mark(&w, "green", 999_999, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let r = mark(&w, "green", w.trees, Some(json!({"as_consortium": "yes"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");

    // A closed tender takes no more interest.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{}/close", w.parks),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = mark(&w, "trees", w.trees, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
    let o = opportunities(&w, "trees", "").await;
    assert_eq!(o["opportunities"], json!([]), "closed: no longer open");
}

#[tokio::test]
async fn partners_are_ranked_and_asking_one_mails_it_through_the_platform() {
    let w = world().await;
    // Tiny Mowers cannot take the £60k grounds lot alone (£20k): who adds the capacity,
    // nearest first — Mowers (PR1, at the delivery place), then Green (PR2).
    let r = w
        .app
        .get(
            &format!("/api/v1/lots/{}/partners", w.grounds),
            Some(&w.s["tiny"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let p = r.json();
    assert_eq!(p["gap"]["shortfall_gbp"], 40_000, "{p}");
    assert_eq!(p["gap"]["lines"], json!([]));
    let order: Vec<i64> = p["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .map(|x| x["supplier_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(order, vec![w.s["mowers"].id, w.s["green"].id], "{p}");
    assert_eq!(p["partners"][0]["completes"], true);
    assert_eq!(p["partners"][0]["capacity_added_gbp"], 40_000);
    assert_eq!(
        p["partners"][0]["profile"],
        format!("/suppliers/{}", w.s["mowers"].id)
    );

    // Sheffield does not work in Preston: the line is the gap, and the local firms who do
    // it complete it, nearest first: Mowers (PR1), Green (PR2, 2 km), Tiny (PR3, 12 km).
    let p = w
        .app
        .get(
            &format!("/api/v1/lots/{}/partners", w.grounds),
            Some(&w.s["sheffield"].token),
        )
        .await
        .json();
    assert_eq!(p["gap"]["lines"].as_array().map(Vec::len), Some(1), "{p}");
    let order: Vec<i64> = p["partners"]
        .as_array()
        .expect("partners")
        .iter()
        .map(|x| x["supplier_id"].as_i64().expect("id"))
        .collect();
    assert_eq!(
        order,
        vec![w.s["mowers"].id, w.s["green"].id, w.s["tiny"].id],
        "{p}"
    );
    let r = w
        .app
        .get(
            &format!("/api/v1/lots/{}/partners", w.grounds),
            Some(&w.bea),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "buyers do not look for partners: {r:?}"
    );

    // Sheffield asks Mowers: one mail to Mowers' user, naming Sheffield and the page to
    // answer on, with no address of Sheffield's.
    let ask =
        |to: i64| json!({"to_supplier_id": to, "message": "We have the kit, you know the parks."});
    let path = format!("/api/v1/lots/{}/partner-requests", w.grounds);
    let r = w
        .app
        .send_json(
            "POST",
            &path,
            &ask(w.s["mowers"].id),
            Some(&w.s["sheffield"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let request = r.json()["id"].as_i64().expect("id");
    let mails = platform_mails(&w.app, "mo@mowers.coop").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert!(mail.contains("Sheffield Grounds"), "{mail}");
    assert!(mail.contains("We have the kit"), "{mail}");
    assert!(
        mail.contains(&format!("/partner-requests/{request}")),
        "{mail}"
    );
    assert!(
        mail.contains(&format!("/suppliers/{}", w.s["sheffield"].id)),
        "{mail}"
    );
    for hidden in [
        "sh@sheffield.coop",
        "office@sheffield-grounds.example",
        "0114 496",
    ] {
        assert!(!mail.contains(hidden), "{hidden} disclosed: {mail}");
    }
    assert!(platform_mails(&w.app, "sh@sheffield.coop").await.is_empty());
    let p = w
        .app
        .get(
            &format!("/api/v1/lots/{}/partners", w.grounds),
            Some(&w.s["sheffield"].token),
        )
        .await
        .json();
    assert_eq!(p["partners"][0]["asked"], true);

    // Once per (lot, from, to).
    let r = w
        .app
        .send_json(
            "POST",
            &path,
            &ask(w.s["mowers"].id),
            Some(&w.s["sheffield"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
    // Not oneself, not an unlisted supplier.
    let r = w
        .app
        .send_json(
            "POST",
            &path,
            &ask(w.s["sheffield"].id),
            Some(&w.s["sheffield"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let r = w
        .app
        .send_json(
            "POST",
            &path,
            &ask(w.s["draft"].id),
            Some(&w.s["sheffield"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");

    // Only the asked side answers: a stranger is told nothing exists, the asker may not.
    let accept = format!("/api/v1/partner-requests/{request}/accept");
    let r = w
        .app
        .send_json("POST", &accept, &json!({}), Some(&w.s["trees"].token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let r = w
        .app
        .send_json("POST", &accept, &json!({}), Some(&w.s["sheffield"].token))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = w
        .app
        .send_json("POST", &accept, &json!({}), Some(&w.s["mowers"].token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["status"], "accepted");
    // Accepting reveals each side's contacts to the other, by mail.
    let to_sheffield = platform_mails(&w.app, "sh@sheffield.coop").await;
    assert_eq!(to_sheffield.len(), 1, "{to_sheffield:?}");
    assert!(
        to_sheffield[0].contains("mo@mowers.coop"),
        "{}",
        to_sheffield[0]
    );
    let to_mowers = platform_mails(&w.app, "mo@mowers.coop").await;
    assert_eq!(to_mowers.len(), 2, "{to_mowers:?}");
    let contacts = &to_mowers[1];
    assert!(contacts.contains("sh@sheffield.coop"), "{contacts}");
    assert!(
        contacts.contains("office@sheffield-grounds.example"),
        "{contacts}"
    );
    let r = w
        .app
        .send_json("POST", &accept, &json!({}), Some(&w.s["mowers"].token))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "answered once: {r:?}");

    // 20 requests a day per supplier: 19 more counted, the next refused with Retry-After.
    for _ in 0..19 {
        rate_limit_hit::ActiveModel {
            bucket: Set("partner_request".into()),
            subject: Set(w.s["sheffield"].id.to_string()),
            at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&w.app.state.db)
        .await
        .expect("hit");
    }
    let r = w
        .app
        .send_json(
            "POST",
            &path,
            &ask(w.s["green"].id),
            Some(&w.s["sheffield"].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert!(r.header("retry-after").is_some());
    assert!(platform_mails(&w.app, "gr@green.coop").await.is_empty());
}

/// The mails to `to` sent between suppliers through the platform, leaving out the
/// opportunity alerts the same tenders send (those carry `List-Unsubscribe`).
async fn platform_mails(app: &TestApp, to: &str) -> Vec<String> {
    app.mails_to_now(to)
        .await
        .into_iter()
        .filter(|m| !m.contains("List-Unsubscribe"))
        .collect()
}

fn location(r: &Reply) -> String {
    r.header("location").expect("a redirect")
}

/// The page a no-JavaScript post went back to, with the flash it left.
async fn back_to(w: &World, r: &Reply, cookie: &str) -> String {
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let to = location(r);
    let to = to.trim_start_matches("http://localhost").to_owned();
    let flash = r.flash_cookie().expect("a flash cookie");
    let page = w.app.page(&to, Some(&format!("{cookie}; {flash}"))).await;
    assert_eq!(page.status, StatusCode::OK, "{to}: {page:?}");
    page.body
}

#[tokio::test]
async fn the_pages_work_without_javascript_for_suppliers_and_the_buyer() {
    let w = world().await;
    let mowers = w.app.sign_in("mo@mowers.coop").await;
    let page = w.app.page("/opportunities", Some(&mowers)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let body = &page.body;
    assert!(
        body.contains("href=\"/opportunities\""),
        "the header links it"
    );
    assert!(body.contains("Lots you can bid for (1)"), "{body}");
    assert!(
        body.contains("Grounds") && body.contains("Parks 2027"),
        "{body}"
    );
    assert!(body.contains("Why it matched"), "{body}");
    assert!(body.contains(&format!("href=\"/lots/{}/partners\"", w.grounds)));

    // A bad filter comes back named, with what was typed.
    let page = w
        .app
        .page("/opportunities?max_value=lots&buyer=Preston", Some(&mowers))
        .await;
    assert!(page.body.contains("There is a problem"), "{}", page.body);
    assert!(page.body.contains("value=\"lots\""), "{}", page.body);
    let page = w
        .app
        .page("/opportunities?buyer=lancaster", Some(&mowers))
        .await;
    assert!(
        page.body.contains("Lots you can bid for (0)"),
        "{}",
        page.body
    );

    // Mark interest with a plain form post: back to the page, which says so.
    let r = w
        .app
        .post_form(
            "/api/lot-interest",
            &[
                ("lot_id", &w.grounds.to_string()),
                ("as_consortium", "yes"),
                ("note", "We would team up with Tree Care."),
            ],
            Some(&mowers),
            "/opportunities",
        )
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(body.contains("Your interest is recorded"), "{body}");
    assert!(body.contains("Withdraw interest"), "{body}");

    // A near miss says what it missed.
    let tiny = w.app.sign_in("ti@tiny.coop").await;
    let body = w.app.page("/opportunities", Some(&tiny)).await.body;
    assert!(body.contains("Lots you nearly fit (1)"), "{body}");
    assert!(
        body.contains("more than your capacity of £20,000"),
        "{body}"
    );
    assert!(body.contains("Find partners to cover it"), "{body}");

    // The buyer sees the count on the tender page, the interest page and the CSV.
    let bea = w.app.sign_in("bea@preston.gov.uk").await;
    let body = w
        .app
        .page(&format!("/tenders/{}", w.parks), Some(&bea))
        .await
        .body;
    assert!(body.contains("1 supplier(s) interested"), "{body}");
    let body = w
        .app
        .page(&format!("/tenders/{}/interest", w.parks), Some(&bea))
        .await
        .body;
    assert!(body.contains("Mowers Co-operative"), "{body}");
    assert!(body.contains("We would team up with Tree Care."), "{body}");
    assert!(
        body.contains(&format!("/tenders/{}/interest.csv", w.parks)),
        "{body}"
    );
    let csv = w
        .app
        .page(&format!("/tenders/{}/interest.csv", w.parks), Some(&bea))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Mowers Co-operative"), "{}", csv.body);
    // Another buyer sees neither.
    let olly = w.app.sign_in("olly@lancaster.gov.uk").await;
    let body = w
        .app
        .page(&format!("/tenders/{}", w.parks), Some(&olly))
        .await
        .body;
    assert!(!body.contains("interested"), "{body}");
    let body = w
        .app
        .page(&format!("/tenders/{}/interest", w.parks), Some(&olly))
        .await
        .body;
    assert!(
        body.contains("Tender not found") && !body.contains("Mowers"),
        "{body}"
    );

    // Partners, and asking one, without JavaScript.
    let sheffield = w.app.sign_in("sh@sheffield.coop").await;
    let path = format!("/lots/{}/partners", w.grounds);
    let body = w.app.page(&path, Some(&sheffield)).await.body;
    assert!(body.contains("You cannot bid for this lot alone"), "{body}");
    assert!(
        body.contains("Mowers Co-operative") && body.contains("Ask to partner"),
        "{body}"
    );
    let r = w
        .app
        .post_form(
            "/api/partner-ask",
            &[
                ("lot_id", &w.grounds.to_string()),
                ("to_supplier_id", &w.s["mowers"].id.to_string()),
                ("message", "Shall we?"),
            ],
            Some(&sheffield),
            &path,
        )
        .await;
    let body = back_to(&w, &r, &sheffield).await;
    assert!(
        body.contains("Your request was sent to Mowers Co-operative"),
        "{body}"
    );
    assert!(
        body.contains("You have asked them about this lot."),
        "{body}"
    );

    // The asked side answers on the page the mail links to.
    let link = w
        .app
        .link_in_mail("mo@mowers.coop", "/partner-requests/")
        .await;
    let request_path = link.trim_start_matches("http://localhost:3000").to_owned();
    let request_path = request_path
        .find("/partner-requests/")
        .map(|i| request_path[i..].to_owned())
        .expect("a request link");
    let body = w.app.page(&request_path, Some(&mowers)).await.body;
    assert!(
        body.contains("Shall we?") && body.contains("Accept and share contact details"),
        "{body}"
    );
    let id = request_path
        .trim_start_matches("/partner-requests/")
        .to_owned();
    let r = w
        .app
        .post_form(
            "/api/partner-answer",
            &[("id", &id), ("answer", "accept")],
            Some(&mowers),
            &request_path,
        )
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(body.contains("Accepted"), "{body}");
    assert!(
        !body.contains("Accept and share contact details"),
        "answered once: {body}"
    );
    // A stranger cannot read it.
    let trees = w.app.sign_in("tr@trees.coop").await;
    let body = w.app.page(&request_path, Some(&trees)).await.body;
    assert!(
        body.contains("Request not found") && !body.contains("Shall we?"),
        "{body}"
    );
}

/// The open lots are cached per process: a tender another process publishes, or closes,
/// shows in (or leaves) this process's answers at its next request.
/// Whether the radio button `id` is the one checked on the page.
fn checked(body: &str, id: &str) -> bool {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} on the page: {body}"));
    let start = body[..at].rfind('<').expect("its tag");
    let end = at + body[at..].find('>').expect("its tag's end");
    body[start..end].contains("checked")
}

#[tokio::test]
async fn the_alerts_page_sets_the_mode_lists_new_matches_and_makes_a_revocable_feed() {
    let w = world().await;
    w.app.run_jobs().await;
    let mowers = w.app.sign_in("mo@mowers.coop").await;
    let page = w.app.page("/alerts", Some(&mowers)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let body = &page.body;
    assert!(body.contains("Lots matched to you (1 new)"), "{body}");
    assert!(
        body.contains("Grounds") && body.contains("Parks 2027"),
        "{body}"
    );
    assert!(!body.contains("Carmarthenshire"), "not a fleet lot: {body}");
    assert!(checked(body, "mode-immediate"), "immediate by default");
    assert!(
        !body.contains(".wasm") && !body.contains("modulepreload"),
        "the page loads no wasm: every form is a plain post"
    );
    let me = w.app.user_id("mo@mowers.coop").await;

    // The daily digest, by a plain form post: back to the page, which says so.
    let r = w
        .app
        .post_form(
            "/api/alerts-mode",
            &[("mode", "daily")],
            Some(&mowers),
            "/alerts",
        )
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(body.contains("Saved: you get one e-mail a day"), "{body}");
    assert!(checked(&body, "mode-daily") && !checked(&body, "mode-immediate"));
    assert_eq!(
        backend::services::tendering::alerts::mode_of(&w.app.state.db, me)
            .await
            .expect("mode"),
        domain::tendering::alerts::AlertMode::Daily
    );
    // A choice that is not one of the three is named and changes nothing.
    let r = w
        .app
        .post_form(
            "/api/alerts-mode",
            &[("mode", "weekly")],
            Some(&mowers),
            "/alerts",
        )
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(
        body.contains("Choose how you want to hear about new lots"),
        "{body}"
    );
    assert!(checked(&body, "mode-daily"));

    // Seen: nothing new until the next match.
    let r = w
        .app
        .post_form("/api/alerts-seen", &[], Some(&mowers), "/alerts")
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(body.contains("Lots matched to you (0 new)"), "{body}");
    assert!(body.contains("Grounds"), "still listed: {body}");

    // The private feed: its address is shown once, it lists the matches, and stopping it
    // makes the address fail.
    let r = w
        .app
        .post_form("/api/alerts-feed", &[], Some(&mowers), "/alerts")
        .await;
    let body = back_to(&w, &r, &mowers).await;
    let at = body
        .find("/feeds/suppliers/")
        .expect("the feed address is shown");
    let path: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<')
        .collect();
    assert!(path.ends_with(".atom"), "{path}");
    let feed = w.app.get(&path, None).await;
    assert_eq!(feed.status, StatusCode::OK, "{feed:?}");
    assert!(feed.body.contains("Grounds"), "{}", feed.body);
    let again = w.app.page("/alerts", Some(&mowers)).await.body;
    assert!(!again.contains(&path), "shown only once");
    assert!(again.contains("Stop the private feed"), "{again}");
    let r = w
        .app
        .post_form("/api/alerts-feed-revoke", &[], Some(&mowers), "/alerts")
        .await;
    let body = back_to(&w, &r, &mowers).await;
    assert!(body.contains("Your private feed is stopped"), "{body}");
    assert_eq!(w.app.get(&path, None).await.status, StatusCode::NOT_FOUND);

    // Buyers and visitors are told what the page is for.
    let bea = w.app.sign_in("bea@preston.gov.uk").await;
    let body = w.app.page("/alerts", Some(&bea)).await.body;
    assert!(body.contains("Alerts are for suppliers"), "{body}");
    let body = w.app.page("/alerts", None).await.body;
    assert!(body.contains("/login?next=/alerts"), "{body}");
}

#[tokio::test]
async fn a_tender_published_or_closed_by_another_process_is_seen_at_the_next_request() {
    use backend::services::tendering::market::Market;
    use backend::services::tendering::{opportunities as opps, tenders};
    use domain::tendering::dto::{ItemInput, PublishInput, TenderInput};
    use domain::tendering::opportunity_views::OpportunityQuery;
    use domain::tendering::TenderStatus;

    let w = world().await;
    let trees = w.app.actor("tr@trees.coop").await;
    let ask = |state: &backend::AppState| {
        let state = state.clone();
        async move {
            opps::for_supplier(
                &state.db,
                &state.env,
                Market::of(&state),
                &state.opportunities,
                &trees,
                &OpportunityQuery::default(),
            )
            .await
            .expect("opportunities")
        }
    };
    let here = ask(&w.app.state).await;
    assert_eq!(
        lots_in(&serde_json::to_value(&here.opportunities).expect("json")).len(),
        1
    );

    let other = w.app.another_process().await;
    let bea = w.app.actor("bea@preston.gov.uk").await;
    let write = other.write().await.expect("begin");
    let id = tenders::create(
        &write,
        &other.env,
        &bea,
        &TenderInput {
            title: Some("Street trees".into()),
            deadline: Some("2099-06-30".into()),
            items: Some(vec![ItemInput {
                description: Some("Pruning street trees".into()),
                cpv: Some("77211400".into()),
                value_gbp: Some(12_000),
                delivery_postcode: Some("PR2".into()),
                ..ItemInput::default()
            }]),
            ..TenderInput::default()
        },
    )
    .await
    .expect("draft");
    // One lot, saved as the buyer names it (publishing without would make it too).
    let item = tenders::load(&write, id).await.expect("load").items[0].id;
    tenders::save_lots(
        &write,
        &bea,
        id,
        &domain::tendering::dto::LotsInput {
            lots: vec![domain::tendering::dto::LotInput {
                title: "Street trees".into(),
                description: String::new(),
                items: vec![item],
            }],
        },
    )
    .await
    .expect("lots");
    tenders::publish(
        &write,
        &bea,
        id,
        &PublishInput {
            reason: Some("One small job.".into()),
        },
    )
    .await
    .expect("publish");
    write.commit().await.expect("commit");

    let now_here = ask(&w.app.state).await;
    let titles: Vec<&str> = now_here
        .opportunities
        .iter()
        .map(|o| o.tender_title.as_str())
        .collect();
    assert!(titles.contains(&"Street trees"), "{titles:?}");

    let write = other.write().await.expect("begin");
    tenders::set_status(&write, &bea, id, TenderStatus::Closed)
        .await
        .expect("close");
    write.commit().await.expect("commit");
    let after_close = ask(&w.app.state).await;
    assert!(
        after_close
            .opportunities
            .iter()
            .all(|o| o.tender_title != "Street trees"),
        "closed elsewhere, gone here"
    );
}
