//! The registry in figures (`/figures`, `GET /api/v1/figures`), hand-counted on a small
//! registry: who is counted (published and active only), by what, and what only admins see.

use anchorlink_tests::TestApp;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

async fn supplier(app: &TestApp, email: &str, profile: Value) -> i64 {
    app.add_user(email, "supplier", profile["name"].as_str())
        .await;
    let token = app.token(email).await;
    let r = app
        .send_json("POST", "/api/v1/suppliers", &profile, Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    app.organisation_of(email).await
}

async fn verify(app: &TestApp, organisation_id: i64, number: &str) {
    backend::entities::supplier_identifier::ActiveModel {
        organisation_id: Set(organisation_id),
        scheme: Set("GB-COH".to_owned()),
        identifier: Set(number.to_owned()),
        verified_at: Set(Some(chrono::Utc::now())),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("identifier");
}

/// Three visible suppliers and one suspended: a worker co-op in PR1 (micro, catering), a
/// builder in PR2 (small, construction), a PLC in Manchester (large, facilities), and a
/// suspended social enterprise in PR1 that no figure may count.
async fn registry(app: &TestApp) {
    let hillside = supplier(
        app,
        "hello@hillside.example",
        json!({"name": "Hillside Community Co-operative",
        "legal_form": "worker_coop", "postcode": "PR1 2HE", "cpv": ["55520000"], "employees": 5,
        "turnover_gbp": 100000, "capability_statement": "Catering for schools and events"}),
    )
    .await;
    supplier(app, "office@fulwood.example", json!({"name": "Fulwood Builders Ltd",
        "legal_form": "private_limited_company", "postcode": "PR2 8DY", "cpv": ["45000000", "45200000"],
        "employees": 20, "turnover_gbp": 2000000, "capability_statement": "Building repairs"})).await;
    supplier(app, "bids@national.example", json!({"name": "National Facilities PLC",
        "legal_form": "private_limited_company", "postcode": "M1 1AE", "cpv": ["79993000"],
        "employees": 5000, "turnover_gbp": 900000000, "capability_statement": "Facilities management"})).await;
    let gone = supplier(
        app,
        "hi@gone.example",
        json!({"name": "Gone Social Enterprise CIC",
        "legal_form": "cic", "postcode": "PR1 3AA", "cpv": ["55520000"], "employees": 3,
        "capability_statement": "Catering"}),
    )
    .await;
    verify(app, hillside, "IP012345").await;
    verify(app, gone, "09876543").await;
    backend::entities::organisation::ActiveModel {
        id: Set(gone),
        status: Set("suspended".to_owned()),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .expect("suspend");
}

fn count(list: &Value, key: &str) -> Value {
    list.as_array()
        .and_then(|l| l.iter().find(|c| c["key"] == key))
        .map_or(Value::Null, |c| c["suppliers"].clone())
}

#[tokio::test]
async fn the_figures_count_the_visible_suppliers_by_form_size_area_and_division() {
    let app = TestApp::spawn().await;
    registry(&app).await;
    let r = app.get("/api/v1/figures", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let f = r.json();
    assert_eq!(f["suppliers"], 3);
    assert_eq!(count(&f["by_legal_form"], "private_limited_company"), 2);
    assert_eq!(count(&f["by_legal_form"], "worker_coop"), 1);
    assert_eq!(
        count(&f["by_legal_form"], "cic"),
        Value::Null,
        "suspended: not counted"
    );
    assert_eq!(
        f["by_legal_form"][0]["key"], "private_limited_company",
        "largest first"
    );
    assert_eq!(count(&f["by_size"], "micro"), 1);
    assert_eq!(count(&f["by_size"], "small"), 1);
    assert_eq!(count(&f["by_size"], "large"), 1);
    assert_eq!(count(&f["by_area"], "PR"), 2);
    assert_eq!(count(&f["by_area"], "M"), 1);
    assert!((f["by_area"][0]["share"].as_f64().expect("share") - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(
        count(&f["by_cpv_division"], "45"),
        1,
        "two codes, one supplier"
    );
    assert_eq!(count(&f["by_cpv_division"], "55"), 1);
    assert_eq!(count(&f["by_cpv_division"], "79"), 1);
    assert_eq!(f["verified"], 1);
    assert!((f["verified_share"].as_f64().expect("share") - 1.0 / 3.0).abs() < 1e-12);
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(
        f["growth"],
        json!([{"month": month, "published": 3, "cumulative": 3}])
    );
    let banded: u64 = f["completeness"]
        .as_array()
        .expect("bands")
        .iter()
        .filter_map(|b| b["suppliers"].as_u64())
        .sum();
    assert_eq!(banded, 3, "every supplier in one band");
    assert!(f.get("admin").is_none(), "the public sees no admin figures");

    app.add_user("root@anchorlink.example", "admin", None).await;
    let admin = app.token("root@anchorlink.example").await;
    let f = app.get("/api/v1/figures", Some(&admin)).await.json();
    assert_eq!(
        f["admin"],
        json!({"draft_profiles": 0, "suspended_suppliers": 1})
    );

    let page = app.page("/figures", None).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "3 suppliers buyers can see",
        "<svg",
        "Share of suppliers by postcode area. PR: 66.7%; M: 33.3%",
        "<caption id=\"areas-caption\">Suppliers by postcode area</caption>",
        "/figures/areas.csv",
    ] {
        assert!(page.body.contains(text), "{text} missing from the page");
    }
    assert!(!page.body.contains("admins only"));
    let csv = app.page("/figures/areas.csv", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.starts_with(
            "key,label,suppliers,share\nPR,PR,2,0.6666666666666666\nM,M,1,0.3333333333333333\n"
        ),
        "{}",
        csv.body
    );
    let openapi = app.get("/api/v1/openapi.json", None).await;
    assert!(openapi.json()["paths"]["/api/v1/figures"]["get"].is_object());
}
