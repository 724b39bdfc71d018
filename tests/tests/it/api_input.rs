//! Every API input is checked the same way (issue 13): hostile and careless requests get a
//! 4xx with `{"errors": {field: message}}` naming what was wrong — path, query and body,
//! the framework's refusals included — and never a 5xx, a panic or a partial write. The
//! last test throws generated JSON at every body-taking endpoint.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

const SUPPLIER: &str = "input@api-input.example";
const BUYER: &str = "buyer@api-input.example";

struct World {
    app: TestApp,
    org: i64,
    supplier: String,
    buyer: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (org, supplier) = app
        .published_supplier(
            SUPPLIER,
            "Input Checkers Co-op",
            "PR1 2HE",
            "77314000",
            "Grounds maintenance around Preston.",
        )
        .await;
    app.add_user(BUYER, "buyer", Some("Input City Council"))
        .await;
    let buyer = app.token(BUYER).await;
    World {
        app,
        org,
        supplier,
        buyer,
    }
}

/// The refusal's status and its `errors` object, which must be field → text.
fn errors_of(r: &Reply) -> serde_json::Map<String, Value> {
    let body: Value = serde_json::from_str(&r.body)
        .unwrap_or_else(|e| panic!("a {} answered without JSON ({e}): {}", r.status, r.body));
    let errors = body["errors"]
        .as_object()
        .unwrap_or_else(|| panic!("no `errors` object in {}", r.body))
        .clone();
    assert!(!errors.is_empty(), "an empty `errors` object: {}", r.body);
    for (field, message) in &errors {
        assert!(
            message.as_str().is_some_and(|m| !m.is_empty()),
            "the message for {field} is not text: {}",
            r.body
        );
    }
    errors
}

async fn send_raw_body(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
    token: &str,
) -> Reply {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    app.send(b.body(body.into()).expect("request")).await
}

#[tokio::test]
async fn a_path_parameter_that_is_not_an_id_is_a_json_400_naming_it() {
    let w = world().await;
    let r = w
        .app
        .get("/api/v1/suppliers/1%20OR%201=1", Some(&w.supplier))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    let errors = errors_of(&r);
    assert_eq!(
        errors.get("id").cloned().unwrap_or_default(),
        json!("`1 OR 1=1` is not a whole number (an id)"),
        "{r:?}"
    );
    let r = w
        .app
        .get("/api/v1/tenders/abc/market", Some(&w.buyer))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    assert!(errors_of(&r).contains_key("id"), "{r:?}");
}

#[tokio::test]
async fn a_query_parameter_that_does_not_parse_is_a_json_error_naming_it() {
    let w = world().await;
    // The search reads `page` as text and judges it by its rule: 422.
    let r = w
        .app
        .get("/api/v1/suppliers?q=grounds&page=two", Some(&w.buyer))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(errors_of(&r).contains_key("page"), "{r:?}");
    // A typed parameter that does not parse at all: 400.
    let r = w
        .app
        .get("/api/v1/tenders?status=draft&mine=perhaps", Some(&w.buyer))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{r:?}");
    assert!(errors_of(&r).contains_key("mine"), "{r:?}");
}

#[tokio::test]
async fn a_number_where_text_is_expected_is_a_field_error_and_nothing_changes() {
    let w = world().await;
    let path = format!("/api/v1/suppliers/{}", w.org);
    let before = w.app.get(&path, Some(&w.supplier)).await.json();
    let r = w
        .app
        .send_json(
            "PUT",
            &path,
            &json!({"name": 5, "town": "Preston"}),
            Some(&w.supplier),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = errors_of(&r);
    assert_eq!(errors["name"], "invalid type: integer `5`, expected text");
    assert_eq!(w.app.get(&path, Some(&w.supplier)).await.json(), before);
    // A keyword that is a number names its place in the list.
    let r = w
        .app
        .send_json(
            "PUT",
            &path,
            &json!({"keywords": ["mowing", 7]}),
            Some(&w.supplier),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(errors_of(&r).contains_key("keywords[1]"), "{r:?}");
    // Numeric fields still take a JSON number, as the README documents.
    let r = w
        .app
        .send_json(
            "PUT",
            &path,
            &json!({"employees": 12, "turnover_gbp": 400_000}),
            Some(&w.supplier),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["employees"], 12);
}

#[tokio::test]
async fn oversized_lists_are_refused_by_their_count() {
    let w = world().await;
    let path = format!("/api/v1/suppliers/{}", w.org);
    let keywords: Vec<String> = (0..100_000).map(|i| format!("keyword {i}")).collect();
    let r = w
        .app
        .send_json(
            "PUT",
            &path,
            &json!({ "keywords": keywords }),
            Some(&w.supplier),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(
        errors_of(&r)["keywords"],
        "Use at most 30 keywords (there are 100000)"
    );
    let codes: Vec<String> = (0..5_000).map(|_| "77314000".to_owned()).collect();
    let r = w
        .app
        .send_json("PUT", &path, &json!({ "cpv": codes }), Some(&w.supplier))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(
        errors_of(&r)["cpv"],
        "At most 100 CPV codes (there are 5000)"
    );
    let line = json!({"description": "Mowing", "cpv": "77314000", "value_gbp": 10});
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({"title": "Too many lines", "items": vec![line; 5_000]}),
            Some(&w.buyer),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(errors_of(&r).contains_key("items"), "{r:?}");
}

#[tokio::test]
async fn bodies_that_are_not_json_are_refused_in_the_api_shape() {
    let w = world().await;
    let path = format!("/api/v1/suppliers/{}", w.org);
    let r = send_raw_body(
        &w.app,
        "PUT",
        &path,
        Some("text/plain"),
        r#"{"town": "Preston"}"#,
        &w.supplier,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{r:?}");
    assert!(errors_of(&r).contains_key("body"));
    let r = send_raw_body(
        &w.app,
        "PUT",
        &path,
        Some("application/json"),
        r#"{"town": "Pres"#,
        &w.supplier,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(errors_of(&r)["body"]
        .as_str()
        .is_some_and(|m| m.starts_with("this is not valid JSON")));
    let big = format!(r#"{{"capability_statement": "{}"}}"#, "x".repeat(3 << 20));
    let r = send_raw_body(
        &w.app,
        "PUT",
        &path,
        Some("application/json"),
        big,
        &w.supplier,
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{r:?}");
    assert!(errors_of(&r).contains_key("body"));
    // The router's own refusal (a method this path does not have) is JSON too.
    let r = send_raw_body(&w.app, "DELETE", &path, None, Body::empty(), &w.supplier).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{r:?}");
    assert!(errors_of(&r).contains_key("request"));
}

#[tokio::test]
async fn the_openapi_document_lists_the_error_answers_of_every_operation() {
    let w = world().await;
    let doc = w.app.get("/api/v1/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() > 20, "only {} paths", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let mut expected = vec!["400", "401", "403", "404", "429"];
            if method != "get" {
                expected.extend(["413", "415", "422"]);
            }
            for code in expected {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} does not document {code}"
                );
            }
        }
    }
}

/// Field names the bodies really have, so generated objects often hit real fields with
/// values of the wrong type or shape.
const FIELDS: &[&str] = &[
    "name",
    "legal_form",
    "postcode",
    "employees",
    "turnover_gbp",
    "keywords",
    "cpv",
    "identifiers",
    "service_outcodes",
    "service_radius_km",
    "published",
    "max_contract_value_gbp",
    "min_contract_value_gbp",
    "year_founded",
    "website",
    "title",
    "description",
    "estimated_value_gbp",
    "deadline",
    "local_area",
    "outcodes",
    "near",
    "within_km",
    "items",
    "value_gbp",
    "delivery_postcode",
    "max_lots_bid_per_supplier",
    "lots",
    "max_lots",
    "min_lot_value_gbp",
    "releases",
    "tender",
    "ocid",
];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::String),
        prop::sample::select(vec![
            "77314000",
            "77314000-4",
            "PR1 2HE",
            "PR1",
            "2027-03-31",
            "",
            " ",
            "worker_coop",
            "GB-COH",
            "-1",
            "1e400",
            "9999999999999999999999",
            "ocds-abc123-1",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..6).prop_map(|pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| ((*k).to_owned(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// A body: mostly an object of real field names with arbitrary values, sometimes anything.
fn any_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::vec((prop::sample::select(FIELDS), any_json()), 0..8).prop_map(
            |pairs| Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| ((*k).to_owned(), v))
                    .collect()
            )
        ),
        1 => any_json(),
    ]
}

/// Generated bodies for one endpoint: each answer is a 2xx, or a 4xx whose body is the
/// API's error shape and after which `state` reads the same as before — never a 5xx.
async fn fuzz_endpoint(w: &World, method: &str, path: &str, token: &str, state: &str) {
    // A fixed seed: the same cases on every run (CI is reproducible); PROPTEST_CASES runs
    // more of them locally.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&any_body(), |body| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let before = w.app.get(state, Some(token)).await;
                let r = w.app.send_json(method, path, &body, Some(token)).await;
                prop_assert!(
                    !r.status.is_server_error(),
                    "{method} {path} with {body} answered {r:?}"
                );
                if r.status.is_client_error() {
                    let _ = errors_of(&r);
                    let after = w.app.get(state, Some(token)).await;
                    prop_assert_eq!(
                        &before.body,
                        &after.body,
                        "{} {} with {} was refused ({}) but changed {}",
                        method,
                        path,
                        body,
                        r.status,
                        state
                    );
                } else {
                    prop_assert!(r.status.is_success(), "{method} {path}: {r:?}");
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_json_never_gets_a_5xx_or_a_partial_write() {
    let w = world().await;
    let supplier = format!("/api/v1/suppliers/{}", w.org);
    fuzz_endpoint(&w, "PUT", &supplier, &w.supplier, &supplier).await;
    fuzz_endpoint(&w, "POST", "/api/v1/suppliers", &w.supplier, &supplier).await;
    fuzz_endpoint(&w, "POST", "/api/v1/tenders", &w.buyer, "/api/v1/tenders").await;
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({"title": "Parks 2027", "items": [
                {"description": "Mowing", "cpv": "77314000", "value_gbp": 60000},
                {"description": "Toilets", "cpv": "90911200", "value_gbp": 20000}
            ]}),
            Some(&w.buyer),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let tender = format!("/api/v1/tenders/{}", r.json()["id"]);
    fuzz_endpoint(&w, "PUT", &tender, &w.buyer, &tender).await;
    for action in ["lot-plan", "lots/evaluate", "lots"] {
        let method = if action == "lots" { "PUT" } else { "POST" };
        fuzz_endpoint(&w, method, &format!("{tender}/{action}"), &w.buyer, &tender).await;
    }
    fuzz_endpoint(
        &w,
        "POST",
        "/api/v1/tenders/import",
        &w.buyer,
        "/api/v1/tenders",
    )
    .await;
}
