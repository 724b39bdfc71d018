//! A supplier signs up, verifies, builds a profile and is found by a buyer — through the
//! same server functions the pages post to, without JavaScript.

use anchorlink_tests::{json, TestApp, PASSWORD};
use axum::http::StatusCode;

async fn signed_up_supplier(app: &TestApp, email: &str, org: &str) -> String {
    let r = app
        .post_form(
            "/api/sign-up",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("organisation_name", org),
                ("legal_form", "worker_coop"),
            ],
            None,
            "/signup",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/signup/check-email"));
    let link = app.link_in_mail(email, "/verify-email?token=").await;
    let token = link
        .split("token=")
        .nth(1)
        .expect("token in link")
        .to_owned();
    let r = app
        .post_form("/api/confirm-email", &[("token", &token)], None, &link)
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/login"), "{r:?}");
    app.sign_in(email).await
}

#[tokio::test]
async fn a_supplier_signs_up_builds_a_profile_and_a_buyer_finds_it() {
    let app = TestApp::spawn().await;
    let cookie =
        signed_up_supplier(&app, "ada@riverside.coop", "Riverside Grounds Co-operative").await;

    let steps: &[(&str, &[(&str, &str)])] = &[
        (
            "place",
            &[
                ("p[address_line1]", "1 Mill Lane"),
                ("p[town]", "Preston"),
                ("p[postcode]", "pr1 2he"),
                ("p[service_radius_km]", "30"),
            ],
        ),
        (
            "size",
            &[("p[employees]", "12"), ("p[turnover_gbp]", "£450,000")],
        ),
        (
            "capabilities",
            &[
                (
                    "p[capability_statement]",
                    "Grounds maintenance, mowing and tree work for parks and schools.",
                ),
                ("p[keywords]", "mowing, grounds maintenance"),
            ],
        ),
    ];
    for (step, fields) in steps {
        let mut all = vec![("step", *step)];
        all.extend_from_slice(fields);
        let r = app
            .post_form(
                "/api/save-profile",
                &all,
                Some(&cookie),
                &format!("/profile/{step}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{step}: {r:?}");
        assert!(
            r.header("location")
                .unwrap_or_default()
                .starts_with("/profile/"),
            "{step}: {r:?}"
        );
    }
    let r = app
        .post_form(
            "/api/add-cpv",
            &[("code", "77314000-4")],
            Some(&cookie),
            "/profile/capabilities",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let r = app
        .post_form(
            "/api/set-published",
            &[("publish", "true")],
            Some(&cookie),
            "/profile/review",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");

    let org = app.organisation_of("ada@riverside.coop").await;
    let page = app.page(&format!("/suppliers/{org}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Riverside Grounds Co-operative"));
    assert!(page.body.contains("77314000-4"));

    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let token = app.token("bea@preston.gov.uk").await;
    let r = app
        .get(
            "/api/v1/suppliers?q=mowing&cpv=77000000&near=PR1&within_km=10",
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let body = r.json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["results"][0]["id"], org);
    assert_eq!(body["results"][0]["size"], "small");
    assert_eq!(body["results"][0]["postcode"], "PR1 2HE");
    assert_eq!(body["facets"]["legal_form"]["worker_coop"], 1);

    let buyer_cookie = app.sign_in("bea@preston.gov.uk").await;
    let page = app
        .page("/suppliers?q=grounds&near=PR1", Some(&buyer_cookie))
        .await;
    assert!(
        page.body.contains("Riverside Grounds Co-operative"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_bad_postcode_is_named_and_the_input_is_kept_without_javascript() {
    let app = TestApp::spawn().await;
    let cookie = signed_up_supplier(&app, "cy@example.org", "Cy Cleaning CIC").await;
    let r = app
        .post_form(
            "/api/save-profile",
            &[
                ("step", "place"),
                ("p[town]", "Nowhere"),
                ("p[postcode]", "ZZ9 9ZZ"),
            ],
            Some(&cookie),
            "/profile/place",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.header("location").as_deref(),
        Some("http://localhost/profile/place")
    );
    let flash = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("anchorlink_flash="))
        .and_then(|c| c.split(';').next())
        .expect("flash cookie")
        .to_owned();
    let page = app
        .page("/profile/place", Some(&format!("{cookie}; {flash}")))
        .await;
    assert!(page.body.contains("There is a problem"), "{}", page.body);
    assert!(page.body.contains("ZZ9"), "input kept");
    // Nothing half-written: the town was not saved either.
    let org = app.organisation_of("cy@example.org").await;
    let profile =
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile");
    assert_eq!(profile.town, "");
}

#[tokio::test]
async fn the_api_names_each_bad_field_and_saves_nothing() {
    let app = TestApp::spawn().await;
    app.add_user("dee@example.org", "supplier", Some("Dee Ltd"))
        .await;
    let token = app.token("dee@example.org").await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/suppliers",
            &json!({"name": "Dee Ltd", "legal_form": "guild", "postcode": "XX1 1XX", "cpv": ["99999999"], "employees": -3}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = &r.json()["errors"];
    for field in ["legal_form", "postcode", "cpv", "employees"] {
        assert!(errors[field].is_string(), "{field} missing from {errors}");
    }
    let org = app.organisation_of("dee@example.org").await;
    let r = app
        .get(&format!("/api/v1/suppliers/{org}"), Some(&token))
        .await;
    assert_eq!(
        r.json()["legal_form"],
        "private_limited_company",
        "nothing half-written"
    );
}

#[tokio::test]
async fn a_supplier_cannot_change_another_organisation() {
    let app = TestApp::spawn().await;
    app.add_user("eve@example.org", "supplier", Some("Eve Ltd"))
        .await;
    app.add_user("fay@example.org", "supplier", Some("Fay Ltd"))
        .await;
    let eve = app.token("eve@example.org").await;
    let fay_org = app.organisation_of("fay@example.org").await;
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{fay_org}"),
            &json!({"name": "Hacked"}),
            Some(&eve),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{fay_org}"),
            &json!({"name": "Hacked"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn health_and_openapi_answer() {
    let app = TestApp::spawn().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok"}));
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["paths"]["/api/v1/suppliers"].is_object());
}

#[tokio::test]
async fn the_openapi_profile_body_is_the_type_the_service_takes() {
    let app = TestApp::spawn().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    let body = &doc["paths"]["/api/v1/suppliers"]["post"]["requestBody"]["content"]
        ["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/ProfilePatch", "{body}");
    let fields = doc["components"]["schemas"]["ProfilePatch"]["properties"]
        .as_object()
        .expect("ProfilePatch has properties");
    // Every field the service reads is documented, including those the hand-written copy
    // of the body had lost.
    for field in [
        "name",
        "legal_form",
        "postcode",
        "cpv",
        "identifiers",
        "address_line1",
        "address_line2",
        "town",
        "email",
        "phone",
        "operating_address",
        "published",
    ] {
        assert!(
            fields.contains_key(field),
            "{field} missing from {:?}",
            fields.keys()
        );
    }
    assert!(doc["components"]["schemas"]["IdentifierInput"]["properties"]["scheme"].is_object());
    let answer = &doc["paths"]["/api/v1/suppliers/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(
        answer["$ref"], "#/components/schemas/SupplierProfile",
        "{answer}"
    );
}
