//! "What do you do?": CPV codes suggested from a plain-language description, through the
//! REST API and on the profile's capabilities step without JavaScript (a GET form; accept
//! adds the code, reject re-submits the description without it).
//!
//! The expected codes were chosen as a supplier choosing its own codes would, from the CPV
//! list, before running the suggester.

use anchorlink_tests::TestApp;
use axum::http::StatusCode;
use serde_json::Value;

/// The codes suggested for `q`, best first.
async fn suggested(app: &TestApp, q: &str, except: &str) -> Vec<String> {
    let path = format!(
        "/api/v1/cpv/suggest?q={}&except={}",
        urlencoding(q),
        urlencoding(except)
    );
    let r = app.get(&path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {r:?}");
    let body = r.json();
    let list = body["suggestions"].as_array().expect("suggestions");
    for s in list {
        assert!(
            s["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "every suggestion says why: {s}"
        );
        assert!(s["label"].as_str().is_some_and(|l| !l.is_empty()), "{s}");
    }
    list.iter()
        .filter_map(|s| s["code"].as_str().map(str::to_owned))
        .collect()
}

fn urlencoding(s: &str) -> String {
    ::urlencoding::encode(s).into_owned()
}

fn in_top(codes: &[String], code: &str, n: usize) -> bool {
    codes.iter().take(n).any(|c| c == code)
}

#[tokio::test]
async fn descriptions_in_a_suppliers_own_words_suggest_the_codes_buyers_use() {
    let app = TestApp::spawn().await;
    // (description, a code the supplier would accept, how high it must come)
    let judged = [
        (
            "We are tree surgeons: we fell, prune and remove trees",
            "77211400",
            5,
        ),
        (
            "Office cleaning and window cleaning for small businesses",
            "90919200",
            5,
        ),
        (
            "Office cleaning and window cleaning for small businesses",
            "90911300",
            5,
        ),
    ];
    for (description, code, n) in judged {
        let codes = suggested(&app, description, "").await;
        assert!(
            in_top(&codes, code, n),
            "{description:?} should suggest {code} in the top {n}: {codes:?}"
        );
    }
}

#[tokio::test]
async fn codes_already_chosen_or_rejected_are_not_suggested_again() {
    let app = TestApp::spawn().await;
    let q = "We are tree surgeons: we fell, prune and remove trees";
    let first = suggested(&app, q, "").await;
    assert!(first.iter().any(|c| c == "77211400"), "{first:?}");
    let again = suggested(&app, q, "77211400-0").await;
    assert!(!again.iter().any(|c| c == "77211400"), "{again:?}");
}

#[tokio::test]
async fn an_empty_description_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let r = app.get("/api/v1/cpv/suggest?q=%20", None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let body: Value = r.json();
    assert!(body["errors"]["q"].is_string(), "{body}");
}

#[tokio::test]
async fn the_capabilities_step_suggests_accepts_and_rejects_without_javascript() {
    let app = TestApp::spawn().await;
    let email = "ash@ribbletrees.coop";
    app.published_supplier(
        email,
        "Ribble Trees Co-operative",
        "PR1 2HE",
        "77310000",
        "Tree work and hedges.",
    )
    .await;
    let cookie = app.sign_in(email).await;
    let description = "We are tree surgeons: we fell, prune and remove trees";
    let path = format!(
        "/profile/capabilities?describe={}",
        urlencoding(description)
    );
    let page = app.page(&path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.body.contains("What do you do?"), "the step offers it");
    assert!(
        page.body.contains("Tree-cutting services"),
        "the suggestion is on the page without JavaScript"
    );
    assert!(page.body.contains("Accept"));

    // Reject: the same description with the code in the rejected list.
    let path = format!(
        "/profile/capabilities?describe={}&rejected=77211400",
        urlencoding(description)
    );
    let page = app.page(&path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Tree-cutting services"),
        "a rejected code is not suggested again"
    );

    // Accept: the form posts the code to the same server function as "Add".
    let r = app
        .post_form(
            "/api/add-cpv",
            &[("code", "77211400")],
            Some(&cookie),
            "/profile/capabilities",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let org = app.organisation_of(email).await;
    let profile = app.page(&format!("/suppliers/{org}"), None).await;
    assert!(
        profile.body.contains("77211400"),
        "accepted code is on the profile"
    );
}

/// The CPV finder (the profile's capabilities and the tender editor's lines) answers the
/// catalogue's words first, then people's: a buyer typing "tree surgery" or "hot meals
/// delivered to older people at home" is shown the codes those trades are bought under,
/// though their labels say neither. Expected codes chosen from the CPV list as a buyer would, before running it.
#[tokio::test]
async fn the_cpv_finder_answers_people_s_words_as_well_as_the_catalogue_s() {
    let app = TestApp::spawn().await;
    let found = |q: &'static str| {
        let app = &app;
        async move {
            let r = app.call_fn("/api/search-cpv", &[("q", q)], None).await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {r:?}");
            r.json()
                .as_array()
                .expect("a list")
                .iter()
                .filter_map(|c| c["code"].as_str().map(str::to_owned))
                .collect::<Vec<String>>()
        }
    };
    // The catalogue's own words still come first.
    let grounds = found("grounds maintenance").await;
    assert_eq!(
        grounds.first().map(String::as_str),
        Some("77314000"),
        "{grounds:?}"
    );
    // People's words: Tree-cutting services; Meals-on-wheels or Meal delivery.
    let trees = found("tree surgery").await;
    assert!(
        trees.iter().any(|c| c == "77211400"),
        "tree surgery: {trees:?}"
    );
    let meals = found("hot meals delivered to older people at home").await;
    assert!(
        meals.iter().any(|c| c == "55521100" || c == "55521200"),
        "meals delivered: {meals:?}"
    );
    // Without JavaScript the profile's finder is a GET form listing the same codes.
    app.published_supplier(
        "oak@trees.coop",
        "Oak Tree Care",
        "PR1 2HE",
        "77211400",
        "Tree care.",
    )
    .await;
    let cookie = app.sign_in("oak@trees.coop").await;
    let page = app
        .page("/profile/capabilities?cpv_q=tree%20surgery", Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("77211400-6"), "{}", page.body);
}
