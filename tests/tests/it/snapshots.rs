//! The REST API's JSON, pinned with insta: a whole supplier profile and a search answer.
//! Ids and times differ per run and per database, so they are redacted.

use anchorlink_tests::{json, TestApp};
use axum::http::StatusCode;

/// A full profile, built the way an integrating system would: POST then PUT.
async fn riverside(app: &TestApp) -> (i64, String) {
    app.add_user(
        "ada@riverside.coop",
        "supplier",
        Some("Riverside Grounds Co-operative"),
    )
    .await;
    let token = app.token("ada@riverside.coop").await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/suppliers",
            &json!({
                "name": "Riverside Grounds Co-operative",
                "trading_name": "Riverside Grounds",
                "legal_form": "worker_coop",
                "postcode": "pr1 2he",
                "cpv": ["77314000-4", "77211400"],
                "capability_statement": "Grounds maintenance, mowing and tree work for parks, schools and housing estates.",
                "keywords": ["mowing", "tree surgery", "grounds maintenance"],
                "employees": 12,
                "turnover_gbp": 450000,
                "max_contract_value_gbp": 250000,
                "min_contract_value_gbp": 5000,
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let org = app.organisation_of("ada@riverside.coop").await;
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{org}"),
            &json!({
                "vat_number": "GB 123 4567 89",
                "year_founded": 2009,
                "website": "riverside.coop",
                "email": "hello@riverside.coop",
                "phone": "01772 000000",
                "address_line1": "1 Mill Lane",
                "town": "Preston",
                "service_radius_km": 30,
                "service_outcodes": ["PR2", "PR1"],
                "ownership_model": "worker_owned",
                "local_staff_pct": 90,
                "local_spend_pct": 60,
                "identifiers": [{"scheme": "GB-MPR", "id": "31234R"}],
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let cookie = app.sign_in("ada@riverside.coop").await;
    for (path, fields) in [
        (
            "/api/add-accreditation",
            vec![
                ("kind", "real_living_wage"),
                ("reference", "RLW-0042"),
                ("expires_on", "2099-03-31"),
            ],
        ),
        (
            "/api/add-contract",
            vec![
                ("buyer_name", "Preston City Council"),
                ("value_gbp", "£48,000"),
                ("year", "2023"),
                ("description", "Parks mowing, 3 years"),
            ],
        ),
    ] {
        let r = app.call_fn(path, &fields, Some(&cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
    }
    (org, token)
}

#[tokio::test]
async fn a_supplier_profile_as_json() {
    let app = TestApp::spawn().await;
    let (org, _) = riverside(&app).await;
    let r = app.get(&format!("/api/v1/suppliers/{org}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let body = r.json();
    assert_eq!(body["id"], org);
    insta::assert_json_snapshot!("supplier_profile", body, {
        ".id" => "[id]",
        ".updated_at" => "[timestamp]",
        ".identifiers[].id" => "[id]",
        ".accreditations[].id" => "[id]",
        ".contracts[].id" => "[id]",
    });
}

#[tokio::test]
async fn a_search_answer_as_json() {
    let app = TestApp::spawn().await;
    riverside(&app).await;
    app.published_supplier(
        "gus@greenspace.example",
        "Greenspace CIC",
        "PR2 2AA",
        "77314000",
        "Community gardening and grounds maintenance.",
    )
    .await;
    app.published_supplier(
        "far@faraway.example",
        "Faraway Mowing Ltd",
        "EX1 1AA",
        "77314000",
        "Grounds maintenance in Devon.",
    )
    .await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let token = app.token("bea@preston.gov.uk").await;
    let r = app
        .get(
            "/api/v1/suppliers?q=grounds&cpv=77300000&near=PR1&within_km=20",
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let body = r.json();
    assert_eq!(body["total"], 2, "Faraway is too far: {body}");
    insta::assert_json_snapshot!("supplier_search", body, {
        ".results[].id" => "[id]",
    });
}
