//! Tenders end to end through the REST API: draft → market depth → lot plan → saved lots
//! → publish → OCDS export valid against the lots-patched schema → re-import to the same
//! tender; who may do what; validation per field and per line; CSV schedules; importing
//! every sample release; market counts equal the suppliers listed behind them.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::{tender, tender_item, tender_lot};
use domain::ocds::schema::{lots_release_schema, release_package_schema, RELEASE_SCHEMA_URL};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;
use std::sync::OnceLock;

struct World {
    app: TestApp,
    bea: String,
    olly: String,
    victor: String,
    admin: String,
}

/// Preston buyers, a Lancaster buyer, a supplier, an admin, and six published suppliers
/// around Preston and one in Sheffield.
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
    app.add_user("admin@anchorlink.example", "admin", None)
        .await;
    let suppliers = [
        (
            "mo@mowers.coop",
            "Mowers Co-operative",
            "PR1 2HE",
            "77314000",
            6,
        ),
        (
            "gr@green.coop",
            "Green Spaces CIC",
            "PR2 1AA",
            "77310000",
            12,
        ),
        (
            "tr@trees.coop",
            "Tree Care Workers",
            "PR1 8AA",
            "77211400",
            4,
        ),
        (
            "cl@clean.coop",
            "Clean Team Co-op",
            "PR1 3AA",
            "90911200",
            20,
        ),
        (
            "al@all.coop",
            "All Services Co-op",
            "PR2 2AA",
            "77000000",
            30,
        ),
        (
            "me@meals.coop",
            "School Meals Kitchen",
            "PR3 1AA",
            "55524000",
            9,
        ),
        (
            "sh@sheffield.coop",
            "Sheffield Grounds",
            "S1 2AA",
            "77314000",
            40,
        ),
    ];
    for (email, name, postcode, cpv, employees) in suppliers {
        let details =
            json!({"employees": employees, "turnover_gbp": 600000, "service_radius_km": 40});
        app.supplier_with_details(email, name, postcode, cpv, &details)
            .await;
    }
    let victor = app.token("mo@mowers.coop").await;
    World {
        bea: app.token("bea@preston.gov.uk").await,
        olly: app.token("olly@lancaster.gov.uk").await,
        admin: app.token("admin@anchorlink.example").await,
        victor,
        app,
    }
}

fn parks() -> Value {
    json!({
        "title": "Parks and open spaces 2027",
        "description": "Grounds, trees and cleaning for Preston's parks.",
        "estimated_value_gbp": 150000,
        "deadline": "2027-03-31",
        "contract_start": "2027-05-01",
        "contract_end": "2029-04-30",
        "local_area": {"outcodes": ["PR1", "PR2", "PR3"]},
        "items": [
            {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000, "quantity": 12, "unit": "months", "delivery_postcode": "PR1 2HE"},
            {"description": "Tree surgery", "cpv": "77211400-6", "value_gbp": 30000, "delivery_postcode": "PR2"},
            {"description": "Cleaning of park toilets", "cpv": "90911200", "value_gbp": 20000}
        ]
    })
}

async fn send_text(
    app: &TestApp,
    method: &str,
    path: &str,
    body: &str,
    token: Option<&str>,
) -> Reply {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "text/plain");
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    app.send(b.body(Body::from(body.to_owned())).expect("request"))
        .await
}

async fn create(w: &World, body: &Value) -> Value {
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders", body, Some(&w.bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.json()
}

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("item id"))
        .collect()
}

/// Validates release packages offline against OCDS 1.1.5 with the lots extension.
fn schema_errors(package: &Value) -> Vec<String> {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let v = VALIDATOR.get_or_init(|| {
        let release = lots_release_schema().expect("release schema");
        let registry = jsonschema::Registry::new()
            .add(RELEASE_SCHEMA_URL, &release)
            .expect("release schema registers")
            .prepare()
            .expect("registry");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .with_registry(&registry)
            .build(&release_package_schema().expect("package schema"))
            .expect("schema compiles")
    });
    v.iter_errors(package)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

#[tokio::test]
async fn a_buyer_takes_a_tender_from_draft_to_a_published_multi_lot_notice_and_its_ocds() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let lines = ids(&t);
    assert_eq!(lines.len(), 3);
    assert_eq!(t["status"], "draft");
    assert_eq!(t["ocid"], format!("ocds-anchor-{id}"));
    assert_eq!(t["items"][1]["cpv"], "77211400");
    assert_eq!(t["items"][1]["delivery_outcode"], "PR2");
    assert_eq!(t["items_value_gbp"], 110000);

    // Market depth: grounds (77314000) is covered by the mowers, the grounds-wide
    // suppliers (77310000, 77000000) and Sheffield (whose 40 km does not reach PR1).
    let r = w
        .app
        .get(&format!("/api/v1/tenders/{id}/market"), Some(&w.bea))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let m = r.json();
    let mowing = &m["items"][0];
    assert_eq!(mowing["item_id"], lines[0]);
    assert_eq!(mowing["capable"], 3, "{mowing}");
    assert_eq!(mowing["local"], 3);
    assert_eq!(mowing["target"], 3);
    assert_eq!(
        m["items"][2]["capable"], 1,
        "cleaning: only the cleaners (77000000 is another division)"
    );
    assert_eq!(
        m["total"]["capable"], 5,
        "everyone but the caterer and Sheffield"
    );
    assert!(mowing["links"]["local"]
        .as_str()
        .expect("link")
        .ends_with(&format!(
            "/api/v1/tenders/{id}/market/suppliers?line={}&kind=local",
            lines[0]
        )));

    // A plan that keeps at least one bidder per lot.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"max_lots": 3, "min_bidders_per_lot": 1}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let plan = r.json();
    assert_eq!(plan["feasible"], true);
    assert_eq!(plan["exact"], true);
    assert_eq!(plan["reach"], plan["upper_bound"], "{plan}");
    assert_eq!(plan["reach"], 5);
    for field in [
        "title",
        "items",
        "value_gbp",
        "eligible_suppliers",
        "target_suppliers",
        "local",
        "sme",
        "social_economy",
        "largest_capacity_gbp",
    ] {
        assert!(
            plan["lots"][0].get(field).is_some(),
            "lots[0].{field} in {plan}"
        );
    }
    let planned: Vec<Value> = plan["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| json!({"title": l["title"], "items": l["items"]}))
        .collect();
    assert!(planned.len() >= 2, "{plan}");

    // The buyer merges two lines and keeps the third apart, then saves.
    let edited = json!({"lots": [
        {"title": "Grounds and trees", "items": [lines[0], lines[1]]},
        {"title": "", "items": [lines[2]]}
    ]});
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lots/evaluate"),
            &edited,
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["lots"][0]["value_gbp"], 90000);
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}/lots"),
            &edited,
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let saved = r.json();
    assert_eq!(saved["lots"][0]["items"], json!([lines[0], lines[1]]));
    assert_eq!(saved["lots"][0]["value_gbp"], 90000);
    assert_eq!(saved["lots"][1]["title"], "Lot 2");

    // Publishing two lots needs no reason.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let published = w.app.get(&format!("/api/v1/tenders/{id}"), None).await;
    assert_eq!(
        published.status,
        StatusCode::OK,
        "a visitor reads a published notice"
    );
    let published = published.json();
    assert_eq!(published["status"], "published");
    assert_eq!(published["lots"].as_array().map(Vec::len), Some(2));
    assert_eq!(published["editable"], false);

    // The OCDS export is public and valid against the lots-patched schema.
    let r = w.app.get(&format!("/api/v1/tenders/{id}/ocds"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let package = r.json();
    assert_eq!(schema_errors(&package), Vec::<String>::new(), "{package:#}");
    let release = &package["releases"][0];
    assert_eq!(release["ocid"], format!("ocds-anchor-{id}"));
    assert_eq!(release["tender"]["lots"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        release["tender"]["items"][0]["classification"]["scheme"],
        "CPV"
    );
    assert_eq!(
        release["tender"]["items"][0]["classification"]["id"],
        "77314000-4"
    );
    assert_eq!(
        release["tender"]["items"][0]["deliveryAddresses"][0]["postalCode"],
        "PR1 2HE"
    );
    assert_eq!(
        release["tender"]["items"][0]["relatedLot"],
        release["tender"]["lots"][0]["id"]
    );
    assert_eq!(release["parties"][0]["roles"], json!(["buyer"]));

    // Re-importing the export is the same tender, with the same lines and lots.
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &package, Some(&w.bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let imported = r.json();
    assert_eq!(imported["tenders"][0]["id"], id);
    assert_eq!(imported["tenders"][0]["ocid"], format!("ocds-anchor-{id}"));
    assert_eq!(imported["tenders"][0]["lots"], 2);
    let again = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .json();
    assert_eq!(ids(&again), lines);
    assert_eq!(again["lots"], published["lots"]);
    assert_eq!(again["title"], published["title"]);
    assert_eq!(
        tender::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        1
    );

    // Closing ends it; a closed tender cannot be cancelled.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/close"),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/cancel"),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
}

#[tokio::test]
async fn every_market_count_equals_the_suppliers_listed_behind_it() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let m = w
        .app
        .get(&format!("/api/v1/tenders/{id}/market"), Some(&w.bea))
        .await
        .json();
    let kinds = [
        "capable",
        "local",
        "sme",
        "social_economy",
        "target",
        "can_take_value",
    ];
    let mut rows: Vec<&Value> = m["items"].as_array().expect("items").iter().collect();
    rows.push(&m["total"]);
    let mut checked = 0;
    for row in rows {
        for kind in kinds {
            // Follow the count's own link.
            let link = row["links"][kind].as_str().expect("a link per count");
            let r = w.app.get(link, Some(&w.bea)).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let listed = r.json();
            assert_eq!(listed["total"], row[kind], "{kind} of {row}: {listed}");
            assert_eq!(
                listed["supplier_ids"].as_array().map(Vec::len),
                row[kind].as_u64().map(|n| n as usize)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 6);
    let banner = w
        .app
        .get(
            &format!(
                "/api/v1/tenders/{id}/market/suppliers?line={}&kind=local",
                ids(&t)[2]
            ),
            Some(&w.bea),
        )
        .await
        .json();
    assert_eq!(
        banner["banner"],
        "Local suppliers able to deliver line 3 of “Parks and open spaces 2027”"
    );
}

#[tokio::test]
async fn an_impossible_plan_is_an_answer_with_obstacles_and_bad_constraints_are_refused() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"min_bidders_per_lot": 50}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let plan = r.json();
    assert_eq!(plan["feasible"], false);
    assert_eq!(plan["lots"], json!([]));
    assert_eq!(plan["obstacles"][0]["kind"], "line_lacks_bidders", "{plan}");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"max_lots": 0}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.json()["errors"]["max_lots"].is_string());
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"max_lots": -2}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    // The constraints used are remembered.
    let again = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), Some(&w.bea))
        .await
        .json();
    assert_eq!(again["plan_constraints"]["min_bidders_per_lot"], 50);
}

#[tokio::test]
async fn lots_must_hold_every_line_once_and_one_lot_needs_a_reason_to_publish() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let l = ids(&t);
    let put = |body: Value| {
        let app = &w.app;
        let token = w.bea.clone();
        async move {
            app.send_json(
                "PUT",
                &format!("/api/v1/tenders/{id}/lots"),
                &body,
                Some(&token),
            )
            .await
        }
    };
    let r = put(json!({"lots": [{"items": [l[0], l[1]]}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["errors"]["lots"]
            .as_str()
            .expect("lots")
            .contains("in no lot"),
        "{r:?}"
    );
    let r = put(json!({"lots": [{"items": [l[0], l[1]]}, {"items": [l[1], l[2]]}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"]["lots[1].items"]
        .as_str()
        .expect("dup")
        .contains("already in lot 1"));
    let r = put(json!({"lots": [{"items": [l[0], l[1], l[2], 999_999]}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"]["lots[0].items"].is_string());
    let r = put(json!({"lots": [{"items": []}, {"items": l}]})).await;
    assert!(r.json()["errors"]["lots[0].items"].is_string());
    assert_eq!(
        tender_lot::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0,
        "nothing saved"
    );

    // One lot: publishing needs a written reason, which the notice and OCDS then carry.
    let r = put(json!({"lots": [{"title": "Everything", "items": l}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.json()["errors"]["reason"]
        .as_str()
        .expect("reason")
        .contains("s.18"));
    let reason = "One provider must coordinate park staff on the same sites.";
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({"reason": reason}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["single_lot_reason"], reason);
    let package = w
        .app
        .get(&format!("/api/v1/tenders/{id}/ocds"), None)
        .await
        .json();
    assert_eq!(
        package["releases"][0]["tender"]["lotDetails"]["noLotsDivisionRationale"],
        reason
    );
    assert_eq!(schema_errors(&package), Vec::<String>::new());
    // A published tender is no longer edited.
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}"),
            &json!({"title": "New"}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
}

#[tokio::test]
async fn every_write_refuses_those_who_may_not_make_it() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let l = ids(&t);
    let writes: Vec<(&str, String, Value)> = vec![
        (
            "PUT",
            format!("/api/v1/tenders/{id}"),
            json!({"title": "Mine now"}),
        ),
        ("POST", format!("/api/v1/tenders/{id}/lot-plan"), json!({})),
        (
            "PUT",
            format!("/api/v1/tenders/{id}/lots"),
            json!({"lots": [{"items": l}]}),
        ),
        (
            "POST",
            format!("/api/v1/tenders/{id}/publish"),
            json!({"reason": "because"}),
        ),
        ("POST", format!("/api/v1/tenders/{id}/cancel"), json!({})),
    ];
    for (method, path, body) in &writes {
        let r = w.app.send_json(method, path, body, None).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "visitor {method} {path}"
        );
        // Another council and a supplier do not even learn that the draft exists.
        for token in [&w.olly, &w.victor] {
            let r = w.app.send_json(method, path, body, Some(token)).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}: {r:?}");
        }
    }
    for path in [
        format!("/api/v1/tenders/{id}"),
        format!("/api/v1/tenders/{id}/market"),
        format!("/api/v1/tenders/{id}/ocds"),
    ] {
        assert_eq!(
            w.app.get(&path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            w.app.get(&path, Some(&w.olly)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            w.app.get(&path, Some(&w.bea)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    // Only buyers draft; suppliers and visitors do not.
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders", &parks(), Some(&w.victor))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders", &parks(), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send_text(
        &w.app,
        "POST",
        "/api/v1/tenders/import",
        "{}",
        Some(&w.victor),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    // A colleague of the same council and an admin may manage it.
    w.app
        .add_user("cal@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let cal = w.app.token("cal@preston.gov.uk").await;
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}"),
            &json!({"title": "Parks 2027"}),
            Some(&cal),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}"),
            &json!({"description": "Checked"}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Once published, others read it but still may not change it.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({"reason": "r"}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/close"),
            &json!({}),
            Some(&w.olly),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({}),
            Some(&w.olly),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(
        w.app
            .get(&format!("/api/v1/tenders/{id}/market"), None)
            .await
            .status,
        StatusCode::OK
    );
    let mine = w
        .app
        .get("/api/v1/tenders?mine=true", Some(&w.olly))
        .await
        .json();
    assert_eq!(mine, json!([]));
    let public = w
        .app
        .get("/api/v1/tenders?status=published", None)
        .await
        .json();
    assert_eq!(public[0]["id"], id);
}

#[tokio::test]
async fn each_bad_field_and_line_is_named() {
    let w = world().await;
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": "  ",
                "deadline": "31/03/2027",
                "contract_start": "2027-05-01", "contract_end": "2027-04-01",
                "local_area": {"near": "ZZ99", "within_km": 0},
                "items": [
                    {"description": "Mowing", "cpv": "77314000", "value_gbp": 100},
                    {"description": "", "cpv": "99999999", "value_gbp": 5},
                    {"description": "Trees", "cpv": "77211400-1"},
                    {"description": "Bins", "cpv": "90911200", "value_gbp": 1, "delivery_postcode": "not a postcode", "quantity": -1}
                ]
            }),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = r.json()["errors"].clone();
    for field in [
        "title",
        "deadline",
        "contract_end",
        "local_area.near",
        "local_area.within_km",
        "items[1].description",
        "items[1].cpv",
        "items[2].cpv",
        "items[2].value_gbp",
        "items[3].delivery_postcode",
        "items[3].quantity",
    ] {
        assert!(errors[field].is_string(), "{field} missing from {errors}");
    }
    assert!(errors.get("items[0].cpv").is_none());
    assert_eq!(
        tender::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({"title": "x", "colour": "red"}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["errors"]["body"].is_string());
}

#[tokio::test]
async fn a_csv_schedule_replaces_the_lines_and_a_bad_row_saves_nothing() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let path = format!("/api/v1/tenders/{id}/lines.csv");
    let bad = "Line,Item description,CPV code,Estimated value (£),Qty,Unit,Delivery postcode\n\
               1,Mowing,77314000,\"£60,000\",12,months,PR1 2HE\n\
               2,Trees,123,30000,,,PR2\n\
               3,Bins,90911200,lots,,,\n";
    let r = send_text(&w.app, "PUT", &path, bad, Some(&w.bea)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = r.json()["errors"].clone();
    assert!(errors["rows[3].cpv"].is_string(), "{errors}");
    assert!(errors["rows[4].value_gbp"].is_string(), "{errors}");
    assert_eq!(
        tender_item::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        3,
        "unchanged"
    );

    let mut good = String::from("description;cpv;value;delivery postcode\n");
    for i in 0..120 {
        good.push_str(&format!(
            "Site {i} mowing;77314000;{};PR{}\n",
            1000 + i,
            1 + i % 3
        ));
    }
    let r = send_text(&w.app, "PUT", &path, &good, Some(&w.bea)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let t = r.json();
    assert_eq!(t["items"].as_array().map(Vec::len), Some(120));
    assert_eq!(t["items"][119]["value_gbp"], 1119);
    assert_eq!(t["items"][2]["delivery_outcode"], "PR3");
    let r = send_text(&w.app, "PUT", &path, "name,colour\nx,red\n", Some(&w.bea)).await;
    assert!(r.json()["errors"]["file"]
        .as_str()
        .expect("file")
        .contains("CPV code"));
    // 120 lines plan with the heuristic.
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"min_bidders_per_lot": 1}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["exact"], false);
}

fn fixture_releases() -> Vec<Value> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ocds");
    let mut out = Vec::new();
    for dir in ["contracts-finder-2025", "sell2wales-2025"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("fixture folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("fixture");
            out.push(serde_json::from_str(&text).expect("fixture JSON"));
        }
    }
    out
}

#[tokio::test]
async fn all_sample_releases_import_and_importing_again_updates_them() {
    let w = world().await;
    let releases = fixture_releases();
    assert_eq!(releases.len(), 291);
    let package = json!({"uri": "https://example.org", "version": "1.1", "publishedDate": "2025-01-01T00:00:00Z", "publisher": {"name": "test"}, "releases": releases});
    // What the parser reads, the latest release of an ocid winning (an older release never
    // overwrites a newer one; at the same date, the later in the package): the counts to
    // keep.
    let parsed = domain::ocds::parse(&package.to_string()).expect("the samples are OCDS");
    let older = |held: &domain::ocds::ImportedTender, t: &domain::ocds::ImportedTender| matches!((held.date, t.date), (Some(h), Some(n)) if h > n);
    let mut last: std::collections::BTreeMap<String, &domain::ocds::ImportedTender> =
        Default::default();
    for t in &parsed {
        if !last.get(&t.ocid).is_some_and(|held| older(held, t)) {
            last.insert(t.ocid.clone(), t);
        }
    }
    let stale = parsed.iter().filter(|t| older(last[&t.ocid], t)).count();
    assert!(stale > 0, "the samples hold older releases of some notices");
    let lots: usize = last.values().map(|t| t.tender.lots.len()).sum();
    let items: usize = last.values().map(|t| t.tender.items.len()).sum();

    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &package, Some(&w.bea))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    let result = r.json();
    assert_eq!(
        result["tenders"].as_array().map(Vec::len),
        Some(parsed.len())
    );
    assert!(result["tenders"]
        .as_array()
        .expect("list")
        .iter()
        .any(|t| !t["warnings"].as_array().expect("warnings").is_empty()));
    let db = &w.app.state.db;
    assert_eq!(
        tender::Entity::find().count(db).await.expect("count") as usize,
        last.len()
    );
    assert_eq!(
        tender_lot::Entity::find().count(db).await.expect("count") as usize,
        lots
    );
    assert_eq!(
        tender_item::Entity::find().count(db).await.expect("count") as usize,
        items
    );
    assert!(lots > last.len(), "Sell2Wales notices keep their lots");

    // Again: updated, not duplicated — except the releases older than the one held, which
    // change nothing.
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &package, Some(&w.bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let again = r.json();
    let again = again["tenders"].as_array().expect("list");
    assert_eq!(again.len(), parsed.len());
    for (t, summary) in parsed.iter().zip(again) {
        let is_older = older(last[&t.ocid], t);
        assert_eq!(summary["unchanged"], is_older, "{}: {summary}", t.ocid);
        assert_eq!(summary["updated"], !is_older, "{}: {summary}", t.ocid);
    }
    assert_eq!(
        tender::Entity::find().count(db).await.expect("count") as usize,
        last.len()
    );
    assert_eq!(
        tender_item::Entity::find().count(db).await.expect("count") as usize,
        items
    );

    // An imported notice is public, gets market depth and a plan, and exports valid OCDS
    // that re-imports to the same tender.
    let divided = result["tenders"]
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["lots"].as_u64() > Some(2))
        .expect("a divided notice");
    let id = divided["id"].as_i64().expect("id");
    let view = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .json();
    assert_eq!(view["source"], "imported");
    assert!(view["buyer"]["name"]
        .as_str()
        .is_some_and(|n| !n.is_empty()));
    assert_eq!(
        w.app
            .get(&format!("/api/v1/tenders/{id}/market"), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lot-plan"),
            &json!({"min_bidders_per_lot": 0}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let export = w
        .app
        .get(&format!("/api/v1/tenders/{id}/ocds"), None)
        .await
        .json();
    assert_eq!(schema_errors(&export), Vec::<String>::new(), "{export:#}");
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &export, Some(&w.bea))
        .await;
    assert_eq!(r.json()["tenders"][0]["id"], id);
    let after = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), None)
        .await
        .json();
    assert_eq!(ids(&after), ids(&view));
    assert_eq!(after["lots"], view["lots"]);
    // Another council cannot take it over.
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &export, Some(&w.olly))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.json()["errors"]["ocid"].is_string());
}

#[tokio::test]
async fn what_is_not_ocds_is_refused_clearly_and_nothing_is_written() {
    let w = world().await;
    for (body, field) in [
        ("hello", "ocds"),
        ("{\"name\": \"a supplier\"}", "ocds"),
        ("", "ocds"),
    ] {
        let r = send_text(&w.app, "POST", "/api/v1/tenders/import", body, Some(&w.bea)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {r:?}");
        assert!(r.json()["errors"][field].is_string(), "{body}: {r:?}");
    }
    let mut releases = fixture_releases();
    releases.truncate(5);
    releases[3].as_object_mut().expect("release").remove("ocid");
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders/import",
            &json!({"releases": releases}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = r.json()["errors"].clone();
    assert!(
        errors["releases[3]"]
            .as_str()
            .expect("named")
            .contains("ocid"),
        "{errors}"
    );
    assert_eq!(
        tender::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn the_tender_json_and_its_ocds_export_are_pinned() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let l = ids(&t);
    let r = w.app.send_json("PUT", &format!("/api/v1/tenders/{id}/lots"), &json!({"lots": [{"title": "Grounds", "items": [l[0], l[1]]}, {"title": "Cleaning", "items": [l[2]]}]}), Some(&w.bea)).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({}),
            Some(&w.bea),
        )
        .await;
    insta::assert_json_snapshot!("tender", r.json(), {
        ".id" => "[id]", ".ocid" => "[ocid]", ".buyer.organisation_id" => "[id]",
        ".items[].id" => "[id]", ".items[].lot_id" => "[id]", ".items[].ocds_item_id" => "[id]",
        ".lots[].id" => "[id]", ".lots[].items" => "[ids]",
        ".created_at" => "[timestamp]", ".updated_at" => "[timestamp]", ".published_at" => "[timestamp]",
    });
    let package = w
        .app
        .get(&format!("/api/v1/tenders/{id}/ocds"), None)
        .await
        .json();
    insta::assert_json_snapshot!("tender_ocds", package, {
        ".uri" => "[uri]", ".publishedDate" => "[timestamp]",
        ".releases[].ocid" => "[ocid]", ".releases[].id" => "[release id]", ".releases[].date" => "[timestamp]",
        ".releases[].buyer.id" => "[party]", ".releases[].parties[].id" => "[party]",
        ".releases[].tender.id" => "[id]",
        ".releases[].tender.items[].id" => "[id]", ".releases[].tender.items[].relatedLot" => "[id]",
        ".releases[].tender.lots[].id" => "[id]",
    });
}

#[tokio::test]
async fn the_notice_page_shows_a_published_tender_and_hides_a_draft() {
    let w = world().await;
    let t = create(&w, &parks()).await;
    let id = t["id"].as_i64().expect("id");
    let page = w.app.page(&format!("/tenders/{id}"), None).await;
    assert!(
        page.body.contains("Tender not found"),
        "a draft is not shown to visitors"
    );
    assert!(!page.body.contains("Parks and open spaces 2027"));
    let reason = "One provider must coordinate staff on the same sites.";
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({"reason": reason}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let page = w.app.page(&format!("/tenders/{id}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Parks and open spaces 2027",
        "Preston City Council",
        reason,
        "Mowing of parks",
        "£60,000",
        "Market depth",
        &format!("/api/v1/tenders/{id}/ocds"),
        "<caption>What is bought, line by line</caption>",
    ] {
        assert!(page.body.contains(text), "{text} missing from the notice");
    }
    let list = w.app.page("/tenders", None).await;
    assert!(
        list.body.contains(&format!("href=\"/tenders/{id}\"")),
        "listed among the notices"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_tender_endpoint_with_the_service_types() {
    let w = world().await;
    let doc = w.app.get("/api/v1/openapi.json", None).await.json();
    for (path, method) in [
        ("/api/v1/tenders", "get"),
        ("/api/v1/tenders", "post"),
        ("/api/v1/tenders/{id}", "get"),
        ("/api/v1/tenders/{id}", "put"),
        ("/api/v1/tenders/{id}/lines.csv", "put"),
        ("/api/v1/tenders/{id}/market", "get"),
        ("/api/v1/tenders/{id}/market/suppliers", "get"),
        ("/api/v1/tenders/{id}/lot-plan", "post"),
        ("/api/v1/tenders/{id}/lots", "put"),
        ("/api/v1/tenders/{id}/lots/evaluate", "post"),
        ("/api/v1/tenders/{id}/publish", "post"),
        ("/api/v1/tenders/{id}/close", "post"),
        ("/api/v1/tenders/{id}/cancel", "post"),
        ("/api/v1/tenders/{id}/ocds", "get"),
        ("/api/v1/tenders/import", "post"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let body = &doc["paths"]["/api/v1/tenders"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/TenderInput", "{body}");
    let fields = doc["components"]["schemas"]["TenderInput"]["properties"]
        .as_object()
        .expect("TenderInput has properties");
    for field in [
        "title",
        "description",
        "estimated_value_gbp",
        "local_area",
        "items",
    ] {
        assert!(fields.contains_key(field), "{field} missing");
    }
    let item = doc["components"]["schemas"]["ItemInput"]["properties"]
        .as_object()
        .expect("ItemInput has properties");
    for field in [
        "description",
        "cpv",
        "value_gbp",
        "quantity",
        "unit",
        "delivery_postcode",
    ] {
        assert!(item.contains_key(field), "items[].{field} missing");
    }
}

/// The org-id an admin gives a buyer organisation is the buyer party's identifier in its
/// tenders' OCDS exports; a bad one is refused naming its field, keeping what was typed and
/// saving nothing; an imported notice's buyer never takes the importer's org-id.
#[tokio::test]
async fn an_admin_gives_a_buyer_its_org_id_and_its_tenders_export_it() {
    let w = world().await;
    let preston = w.app.organisation_of("bea@preston.gov.uk").await;
    let lancaster = w.app.organisation_of("olly@lancaster.gov.uk").await;
    let id = create(&w, &parks()).await["id"].as_i64().expect("id");
    let ocds = |id: i64| {
        let (app, bea) = (&w.app, &w.bea);
        async move {
            let r = app
                .get(&format!("/api/v1/tenders/{id}/ocds"), Some(bea))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let package = r.json();
            assert_eq!(schema_errors(&package), Vec::<String>::new(), "{package:#}");
            package["releases"][0].clone()
        }
    };
    let before = ocds(id).await;
    assert_eq!(
        before["parties"][0]["identifier"],
        Value::Null,
        "{before:#}"
    );
    assert_eq!(
        before["parties"][0]["id"],
        format!("anchorlink-organisation-{preston}")
    );

    let admin = w.app.sign_in("admin@anchorlink.example").await;
    let set = |org: i64, scheme: &'static str, code: &'static str| {
        let app = &w.app;
        let admin = admin.clone();
        async move {
            app.post_form(
                "/api/admin-buyer-identifier",
                &[
                    ("organisation_id", &org.to_string()),
                    ("identifier_scheme", scheme),
                    ("identifier", code),
                ],
                Some(&admin),
                "/admin",
            )
            .await
        }
    };
    let stored = |org: i64| {
        let app = &w.app;
        async move {
            let o = backend::entities::organisation::Entity::find_by_id(org)
                .one(&app.state.db)
                .await
                .expect("query")
                .expect("the organisation");
            (o.identifier_scheme, o.identifier)
        }
    };

    // Refused: each bad field named on the admin page, the input kept, nothing saved.
    let r = set(preston, "LAE", "P<R>E").await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let flash = r.flash_cookie().expect("a flash cookie");
    let page = w
        .app
        .page("/admin", Some(&format!("{admin}; {flash}")))
        .await
        .body;
    assert!(page.contains("There is a problem"), "{page}");
    assert!(page.contains("A list is two letters"), "{page}");
    assert!(page.contains("A code is up to 64"), "{page}");
    assert!(page.contains("value=\"LAE\""), "kept: {page}");
    assert_eq!(stored(preston).await, (None, None));

    // Saved, upper-cased, and shown on the admin page.
    let r = set(preston, " gb-lae ", "PRE").await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        stored(preston).await,
        (Some("GB-LAE".into()), Some("PRE".into()))
    );
    let page = w.app.page("/admin", Some(&admin)).await.body;
    assert!(page.contains("Org-id: GB-LAE-PRE"), "{page}");

    // The export's buyer party now carries it, and the tender's JSON too.
    let after = ocds(id).await;
    let identifier = &after["parties"][0]["identifier"];
    assert_eq!(identifier["scheme"], "GB-LAE", "{after:#}");
    assert_eq!(identifier["id"], "PRE", "{after:#}");
    assert_eq!(after["parties"][0]["id"], "GB-LAE-PRE");
    assert_eq!(after["buyer"]["id"], "GB-LAE-PRE");
    let view = w
        .app
        .get(&format!("/api/v1/tenders/{id}"), Some(&w.bea))
        .await
        .json();
    assert_eq!(view["buyer"]["identifier_scheme"], "GB-LAE", "{view}");
    assert_eq!(view["buyer"]["identifier"], "PRE", "{view}");

    // Another buyer organisation may not claim the same org-id.
    let r = set(lancaster, "GB-LAE", "PRE").await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(stored(lancaster).await, (None, None));

    // A notice imported by Preston keeps its own buyer, without Preston's org-id.
    let release = json!({
        "ocid": "ocds-xmpl01-77",
        "id": "ocds-xmpl01-77-tender",
        "date": "2026-11-02T09:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "buyer": {"name": "Somewhere Borough Council"},
        "tender": {"id": "77", "title": "Library cleaning"}
    });
    let r = w
        .app
        .send_json("POST", "/api/v1/tenders/import", &release, Some(&w.bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let imported = r.json()["tenders"][0]["id"].as_i64().expect("id");
    let release = ocds(imported).await;
    assert_eq!(release["parties"][0]["name"], "Somewhere Borough Council");
    assert_eq!(
        release["parties"][0]["identifier"],
        Value::Null,
        "{release:#}"
    );

    // Both blank removes it.
    let r = set(preston, "", "").await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(stored(preston).await, (None, None));
}
