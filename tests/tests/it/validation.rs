//! Bad input is named field by field — through the REST API and through the server
//! functions the profile pages post to — and nothing is half-written.

use anchorlink_tests::{json, Reply, TestApp};
use axum::http::StatusCode;
use serde_json::Value;

const SUPPLIER: &str = "val@validation.example";

/// (field named in the error, JSON body for the REST API, fields of the profile form).
type BadValue = (&'static str, Value, Vec<(&'static str, &'static str)>);

/// One bad value per field, as the REST API takes it, and as the profile form sends it.
fn bad_profile_values() -> Vec<BadValue> {
    vec![
        (
            "year_founded",
            json!({"year_founded": 1700}),
            vec![("p[year_founded]", "1700")],
        ),
        (
            "year_founded",
            json!({"year_founded": 2999}),
            vec![("p[year_founded]", "2999")],
        ),
        (
            "year_founded",
            json!({"year_founded": "last year"}),
            vec![("p[year_founded]", "last year")],
        ),
        (
            "website",
            json!({"website": "ftp://files.example.org"}),
            vec![("p[website]", "ftp://files.example.org")],
        ),
        (
            "website",
            json!({"website": "my website"}),
            vec![("p[website]", "my website")],
        ),
        (
            "vat_number",
            json!({"vat_number": "GB12"}),
            vec![("p[vat_number]", "GB12")],
        ),
        (
            "postcode",
            json!({"postcode": "ZZ9 9ZZ"}),
            vec![("p[postcode]", "ZZ9 9ZZ")],
        ),
        (
            "postcode",
            json!({"postcode": "not a postcode"}),
            vec![("p[postcode]", "not a postcode")],
        ),
        (
            "employees",
            json!({"employees": -3}),
            vec![("p[employees]", "-3")],
        ),
        (
            "employees",
            json!({"employees": "a dozen"}),
            vec![("p[employees]", "a dozen")],
        ),
        (
            "turnover_gbp",
            json!({"turnover_gbp": "lots"}),
            vec![("p[turnover_gbp]", "lots")],
        ),
        (
            "turnover_gbp",
            json!({"turnover_gbp": -5}),
            vec![("p[turnover_gbp]", "-5")],
        ),
        (
            "local_staff_pct",
            json!({"local_staff_pct": 101}),
            vec![("p[local_staff_pct]", "101")],
        ),
        (
            "local_spend_pct",
            json!({"local_spend_pct": -1}),
            vec![("p[local_spend_pct]", "-1")],
        ),
        (
            "service_outcodes",
            json!({"service_outcodes": ["PR1", "ZZ99"]}),
            vec![("p[service_outcodes]", "PR1, ZZ99")],
        ),
        (
            "service_radius_km",
            json!({"service_radius_km": 5000}),
            vec![("p[service_radius_km]", "5000")],
        ),
        (
            "cpv",
            json!({"cpv": ["77314000", "99999999"]}),
            vec![("p[cpv]", "77314000, 99999999")],
        ),
        (
            "legal_form",
            json!({"legal_form": "guild"}),
            vec![("p[legal_form]", "guild")],
        ),
        (
            "ownership_model",
            json!({"ownership_model": "owned by nobody"}),
            vec![("p[ownership_model]", "owned by nobody")],
        ),
        ("name", json!({"name": ""}), vec![("p[name]", "")]),
        (
            "email",
            json!({"email": "not-an-address"}),
            vec![("p[email]", "not-an-address")],
        ),
        (
            "phone",
            json!({"phone": "call me maybe"}),
            vec![("p[phone]", "call me maybe")],
        ),
        (
            "min_contract_value_gbp",
            json!({"min_contract_value_gbp": 500000, "max_contract_value_gbp": 1000}),
            vec![
                ("p[min_contract_value_gbp]", "500000"),
                ("p[max_contract_value_gbp]", "1000"),
            ],
        ),
    ]
}

/// A valid change sent alongside each bad value, to prove nothing is half-written.
const GOOD_TOWN: &str = "Should Not Be Saved";

async fn profile(app: &TestApp) -> Value {
    let org = app.organisation_of(SUPPLIER).await;
    serde_json::to_value(
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile"),
    )
    .expect("json")
}

fn only_field(r: &Reply) -> Vec<String> {
    r.field_errors().keys().cloned().collect()
}

#[tokio::test]
async fn the_api_names_each_bad_profile_field_on_its_own_and_saves_nothing() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let token = app.token(SUPPLIER).await;
    let org = app.organisation_of(SUPPLIER).await;
    let before = profile(&app).await;
    let mut failures = Vec::new();
    for (field, bad, _) in bad_profile_values() {
        let mut body = bad.clone();
        body["town"] = json!(GOOD_TOWN);
        let r = app
            .send_json(
                "PUT",
                &format!("/api/v1/suppliers/{org}"),
                &body,
                Some(&token),
            )
            .await;
        let named = only_field(&r);
        let message = r
            .field_errors()
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if r.status != StatusCode::UNPROCESSABLE_ENTITY
            || named != [field]
            || message.trim().is_empty()
        {
            failures.push(format!(
                "{bad}: expected 422 naming only {field}, got {} {}",
                r.status, r.body
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(profile(&app).await, before, "nothing half-written");
}

#[tokio::test]
async fn the_profile_form_names_each_bad_field_on_its_own_and_saves_nothing() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let before = profile(&app).await;
    let mut failures = Vec::new();
    for (field, _, form) in bad_profile_values() {
        let mut fields = vec![("step", "identity"), ("p[town]", GOOD_TOWN)];
        fields.extend(form.iter().copied());
        let r = app
            .call_fn("/api/save-profile", &fields, Some(&cookie))
            .await;
        let named = only_field(&r);
        if r.status != StatusCode::UNPROCESSABLE_ENTITY || named != [field] {
            failures.push(format!(
                "{form:?}: expected 422 naming only {field}, got {} {}",
                r.status, r.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(profile(&app).await, before, "nothing half-written");
}

#[tokio::test]
async fn every_bad_field_in_one_request_is_named_at_once() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let token = app.token(SUPPLIER).await;
    let org = app.organisation_of(SUPPLIER).await;
    let mut body = json!({});
    let mut expected: Vec<&str> = Vec::new();
    for (field, bad, _) in bad_profile_values() {
        for (k, v) in bad.as_object().expect("object") {
            body[k] = v.clone();
        }
        if !expected.contains(&field) {
            expected.push(field);
        }
    }
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{org}"),
            &body,
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let mut named = only_field(&r);
    named.sort();
    expected.sort_unstable();
    assert_eq!(named, expected);
}

#[tokio::test]
async fn good_values_in_their_accepted_spellings_are_saved_normalised() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let r = app
        .call_fn(
            "/api/save-profile",
            &[
                ("step", "identity"),
                ("p[postcode]", "pr1 2he"),
                ("p[website]", "riverside.coop"),
                ("p[employees]", "1,200"),
                ("p[turnover_gbp]", "£4,500,000"),
                ("p[service_outcodes]", "pr2, PR1, pr2"),
                ("p[year_founded]", "1999"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let p = profile(&app).await;
    assert_eq!(p["postcode"], "PR1 2HE");
    assert_eq!(p["outcode"], "PR1");
    assert_eq!(p["website"], "https://riverside.coop");
    assert_eq!(p["employees"], 1200);
    assert_eq!(p["turnover_gbp"], 4_500_000);
    assert_eq!(
        p["size"], "large",
        "1,200 staff is large whatever the turnover"
    );
    assert_eq!(p["service_outcodes"], json!(["PR1", "PR2"]));
}

#[tokio::test]
async fn identifiers_are_checked_against_their_scheme() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    app.add_user("other@elsewhere.example", "supplier", Some("Elsewhere Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let bad = [
        ("GB-COH", "123"),
        ("GB-COH", "0123456789"),
        ("GB-CHC", "12345678"),
        ("GB-SC", "AB123456"),
        ("GB-NIC", "12345"),
        ("GB-MPR", "1234567"),
        ("GB-XYZ", "123456"),
        ("GB-COH", ""),
    ];
    let mut failures = Vec::new();
    for (scheme, id) in bad {
        let r = app
            .call_fn(
                "/api/add-identifier",
                &[("scheme", scheme), ("identifier", id)],
                Some(&cookie),
            )
            .await;
        if r.status != StatusCode::UNPROCESSABLE_ENTITY || only_field(&r) != ["identifier"] {
            failures.push(format!(
                "{scheme} {id:?}: expected 422 on identifier, got {} {}",
                r.status, r.body
            ));
        }
    }
    let good = [
        ("GB-COH", "1234567", "01234567"),
        ("GB-CHC", "1234567-1", "1234567-1"),
        ("GB-SC", "012345", "SC012345"),
        ("GB-NIC", "NIC100002", "100002"),
        ("GB-MPR", "IP12345R", "IP12345R"),
    ];
    for (scheme, id, _) in good {
        let r = app
            .call_fn(
                "/api/add-identifier",
                &[("scheme", scheme), ("identifier", id)],
                Some(&cookie),
            )
            .await;
        if r.status != StatusCode::OK {
            failures.push(format!(
                "{scheme} {id:?}: expected it accepted, got {} {}",
                r.status, r.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let p = profile(&app).await;
    let saved: Vec<(String, String)> = p["identifiers"]
        .as_array()
        .expect("identifiers")
        .iter()
        .map(|i| {
            (
                i["scheme"].as_str().unwrap_or_default().to_owned(),
                i["identifier"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = good
        .iter()
        .map(|(s, _, n)| ((*s).to_owned(), (*n).to_owned()))
        .collect();
    assert_eq!(saved, expected);

    // The same number cannot be claimed by a second organisation.
    let other = app.sign_in("other@elsewhere.example").await;
    let r = app
        .call_fn(
            "/api/add-identifier",
            &[("scheme", "GB-COH"), ("identifier", "01234567")],
            Some(&other),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(
        r.field_errors()["identifier"]
            .as_str()
            .is_some_and(|m| m.contains("another organisation")),
        "{}",
        r.body
    );

    // Through the API the whole list is checked, scheme by scheme.
    let token = app.token(SUPPLIER).await;
    let org = app.organisation_of(SUPPLIER).await;
    let r = app
        .send_json("PUT", &format!("/api/v1/suppliers/{org}"), &json!({"identifiers": [{"scheme": "GB-COH", "id": "01234567"}, {"scheme": "GB-SC", "id": "12"}]}), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["identifiers"]);
    assert_eq!(
        profile(&app).await["identifiers"].as_array().map(Vec::len),
        Some(5),
        "nothing replaced"
    );
}

#[tokio::test]
async fn accreditations_and_contracts_name_their_bad_fields() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let r = app
        .call_fn(
            "/api/add-accreditation",
            &[
                ("kind", "gold_star"),
                ("reference", ""),
                ("expires_on", "31/03/2027"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["expires_on", "kind"]);
    let r = app
        .call_fn(
            "/api/add-contract",
            &[
                ("buyer_name", ""),
                ("value_gbp", "a lot"),
                ("year", "1850"),
                ("description", ""),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["buyer_name", "value_gbp", "year"]);
    let p = profile(&app).await;
    assert_eq!(p["accreditations"], json!([]));
    assert_eq!(p["contracts"], json!([]));
}

#[tokio::test]
async fn publishing_an_incomplete_profile_names_what_is_missing() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let r = app
        .call_fn("/api/set-published", &[("publish", "true")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["capability_statement", "cpv", "postcode"]);
    assert_eq!(profile(&app).await["published"], false);

    // Without JavaScript the page gets the same errors back.
    let r = app
        .post_form(
            "/api/set-published",
            &[("publish", "true")],
            Some(&cookie),
            "/profile/review",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    let flash = r.flash_cookie().expect("flash cookie");
    let page = app
        .page("/profile/review", Some(&format!("{cookie}; {flash}")))
        .await;
    assert!(page.body.contains("There is a problem"), "{}", page.body);
    assert!(
        page.body.contains("Add your postcode"),
        "the missing postcode is named"
    );

    // Fill in two of three: only the third is named.
    let r = app
        .call_fn(
            "/api/save-profile",
            &[("step", "place"), ("p[postcode]", "PR1 2HE")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    app.call_fn("/api/add-cpv", &[("code", "77314000-4")], Some(&cookie))
        .await;
    let r = app
        .call_fn("/api/set-published", &[("publish", "true")], Some(&cookie))
        .await;
    assert_eq!(only_field(&r), ["capability_statement"], "{r:?}");
    let r = app
        .call_fn(
            "/api/save-profile",
            &[
                ("step", "capabilities"),
                ("p[capability_statement]", "Grounds maintenance."),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .call_fn("/api/set-published", &[("publish", "true")], Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(profile(&app).await["published"], true);
}

#[tokio::test]
async fn publishing_through_the_api_needs_the_same_and_saves_nothing_when_refused() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let token = app.token(SUPPLIER).await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/suppliers",
            &json!({"name": "Validation Co-op", "legal_form": "worker_coop"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["capability_statement", "cpv", "postcode"]);
    let p = profile(&app).await;
    assert_eq!(
        (p["name"].as_str(), p["published"].as_bool()),
        (Some("Validation Ltd"), Some(false)),
        "nothing half-written"
    );

    let r = app
        .send_json(
            "POST",
            "/api/v1/suppliers",
            &json!({"postcode": "PR1 2HE"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["legal_form", "name"]);
    let r = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri("/api/v1/suppliers")
                .header("host", "localhost")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["body"]);
}

#[tokio::test]
async fn bad_search_parameters_are_each_named() {
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let token = app.token("bea@preston.gov.uk").await;
    let cases: &[(&str, &[&str])] = &[
        ("cpv=123", &["cpv"]),
        ("cpv=99999999", &["cpv"]),
        ("near=ZZ99", &["near"]),
        ("near=PR1&within_km=0", &["within_km"]),
        ("near=PR1&within_km=far", &["within_km"]),
        ("near=PR1&within_km=-5", &["within_km"]),
        ("within_km=10", &["near"]),
        ("size=huge", &["size"]),
        ("legal_form=guild", &["legal_form"]),
        ("page=0", &["page"]),
        ("page=two", &["page"]),
        ("per_page=1000", &["per_page"]),
        (
            "cpv=123&near=ZZ99&size=huge&page=0&legal_form=guild",
            &["cpv", "legal_form", "near", "page", "size"],
        ),
    ];
    let mut failures = Vec::new();
    for (query, fields) in cases {
        let r = app
            .get(&format!("/api/v1/suppliers?{query}"), Some(&token))
            .await;
        let named = only_field(&r);
        let messages_ok = r
            .field_errors()
            .values()
            .all(|m| m.as_str().is_some_and(|m| !m.is_empty()));
        if r.status != StatusCode::UNPROCESSABLE_ENTITY || named != *fields || !messages_ok {
            failures.push(format!(
                "?{query}: expected 422 naming {fields:?}, got {} {}",
                r.status, r.body
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The search page shows the same message instead of results.
    let cookie = app.sign_in("bea@preston.gov.uk").await;
    let page = app.page("/suppliers?size=huge", Some(&cookie)).await;
    assert!(
        page.body
            .contains("Size must be micro, small, medium or large"),
        "{}",
        page.body
    );
    // And the server function the page uses names it too.
    let r = app
        .call_fn(
            "/api/search-suppliers",
            &[("query[size]", "huge")],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(only_field(&r), ["size"]);
}

#[tokio::test]
async fn emptying_an_optional_field_in_the_form_clears_it() {
    let app = TestApp::spawn().await;
    app.add_user(SUPPLIER, "supplier", Some("Validation Ltd"))
        .await;
    let cookie = app.sign_in(SUPPLIER).await;
    let r = app
        .call_fn(
            "/api/save-profile",
            &[
                ("step", "identity"),
                ("p[website]", "validation.example"),
                ("p[town]", "Preston"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(profile(&app).await["website"], "https://validation.example");
    let r = app
        .post_form(
            "/api/save-profile",
            &[("step", "identity"), ("p[website]", ""), ("p[town]", "")],
            Some(&cookie),
            "/profile/identity",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let p = profile(&app).await;
    assert_eq!(
        (p["website"].as_str(), p["town"].as_str()),
        (Some(""), Some("")),
        "a blanked field is cleared"
    );
}
