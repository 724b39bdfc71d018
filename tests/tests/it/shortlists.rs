//! Buyers' shortlists, saved searches and CSV exports: the journeys (with and without
//! JavaScript), the CSV content row by row, and the walls between buyer organisations,
//! between colleagues (private shortlists) and against suppliers and visitors.

use anchorlink_tests::{json, Reply, TestApp};
use axum::http::StatusCode;
use backend::entities::{saved_search, shortlist, shortlist_item};
use sea_orm::{EntityTrait, PaginatorTrait};

const HEADER: &str = "id,name,legal_form,size,postcode,town,distance_km,cpv,website,email,verified,social_economy,profile_url";

struct World {
    app: TestApp,
    /// Buyers at Preston City Council.
    bea: String,
    cal: String,
    /// A buyer at another council.
    olly: String,
    olly_token: String,
    /// A supplier user.
    victor: String,
    victor_token: String,
    bea_token: String,
    mowers: i64,
    meals: i64,
    cyber: i64,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (mowers, mowers_token) = app
        .published_supplier(
            "mo@mowers.coop",
            "Mowers Co-operative",
            "PR1 2HE",
            "77314000",
            "Grounds maintenance and mowing for parks.",
        )
        .await;
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{mowers}"),
            &json!({"website": "https://mowers.coop", "email": "hello@mowers.coop", "employees": 6, "turnover_gbp": 250000}),
            Some(&mowers_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let (meals, _) = app
        .published_supplier(
            "sam@meals.coop",
            "School Meals Kitchen",
            "PR2 1AA",
            "55524000",
            "Freshly cooked school meals.",
        )
        .await;
    let (cyber, _) = app
        .published_supplier(
            "cy@cyber.coop",
            "Cyber Safe Co-op",
            "LA1 1AA",
            "80533100",
            "Cyber security training for staff.",
        )
        .await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    app.add_user("cal@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    app.add_user("olly@other.gov.uk", "buyer", Some("Other Borough Council"))
        .await;
    let bea = app.sign_in("bea@preston.gov.uk").await;
    let cal = app.sign_in("cal@preston.gov.uk").await;
    let olly = app.sign_in("olly@other.gov.uk").await;
    let victor = app.sign_in("mo@mowers.coop").await;
    let olly_token = app.token("olly@other.gov.uk").await;
    let bea_token = app.token("bea@preston.gov.uk").await;
    World {
        bea,
        cal,
        olly,
        olly_token,
        victor,
        victor_token: mowers_token,
        bea_token,
        mowers,
        meals,
        cyber,
        app,
    }
}

/// Creates a shortlist through the server function as the hydrated page does.
async fn create(w: &World, cookie: &str, name: &str, shared: bool) -> i64 {
    let mut fields = vec![("name", name)];
    if shared {
        fields.push(("shared", "true"));
    }
    let r = w
        .app
        .call_fn("/api/create-shortlist", &fields, Some(cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.json()
        .as_i64()
        .unwrap_or_else(|| panic!("an id: {}", r.body))
}

async fn add(w: &World, cookie: &str, list: i64, supplier: i64) -> Reply {
    w.app
        .call_fn(
            "/api/add-to-shortlist",
            &[
                ("supplier_id", &supplier.to_string()),
                ("shortlist_id", &list.to_string()),
                ("new_name", ""),
            ],
            Some(cookie),
        )
        .await
}

async fn get_list(w: &World, cookie: &str, list: i64) -> Reply {
    w.app
        .call_fn("/api/shortlist", &[("id", &list.to_string())], Some(cookie))
        .await
}

fn entry_ids(r: &Reply) -> Vec<i64> {
    r.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["supplier_id"].as_i64().expect("id"))
        .collect()
}

/// A CSV download as the browser fetches it with its session cookie.
async fn download(w: &World, path: &str, cookie: &str) -> Reply {
    w.app.page(path, Some(cookie)).await
}

/// RFC 4180 parsing, enough for the exports: quoted fields with `""` and commas.
fn parse_csv(body: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The CSV row the registry's own JSON says a supplier should have.
async fn expected_row(w: &World, id: i64, distance: &str) -> Vec<String> {
    let r = w.app.get(&format!("/api/v1/suppliers/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let p = r.json();
    let s = |k: &str| p[k].as_str().unwrap_or("").to_owned();
    let mut cpv: Vec<String> = p["cpv"]
        .as_array()
        .expect("cpv")
        .iter()
        .map(|c| c["full_code"].as_str().expect("code").to_owned())
        .collect();
    cpv.sort();
    vec![
        id.to_string(),
        s("name"),
        s("legal_form"),
        s("size"),
        s("postcode"),
        s("town"),
        distance.to_owned(),
        cpv.join(";"),
        s("website"),
        s("email"),
        p["verified"].as_bool().expect("verified").to_string(),
        p["social_economy"]
            .as_bool()
            .expect("social_economy")
            .to_string(),
        format!("http://localhost/suppliers/{id}"),
    ]
}

fn assert_csv_download(r: &Reply, file_prefix: &str) {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"{file_prefix}")),
        "{disposition}"
    );
    assert!(disposition.ends_with(".csv\""), "{disposition}");
    assert_eq!(r.body.lines().next(), Some(HEADER));
}

#[tokio::test]
async fn a_buyer_builds_a_shortlist_and_exports_it_row_by_row() {
    let w = world().await;
    let list = create(&w, &w.bea, "Parks and kitchens 2027", false).await;
    for s in [w.mowers, w.meals, w.cyber] {
        let r = add(&w, &w.bea, list, s).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.json(), json!("Parks and kitchens 2027"));
    }
    // Adding twice is harmless.
    assert_eq!(add(&w, &w.bea, list, w.meals).await.status, StatusCode::OK);
    let r = get_list(&w, &w.bea, list).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(entry_ids(&r), vec![w.mowers, w.meals, w.cyber]);
    assert_eq!(r.json()["summary"]["items"], 3);
    assert_eq!(r.json()["summary"]["mine"], true);

    let r = w
        .app
        .call_fn(
            "/api/remove-from-shortlist",
            &[
                ("id", &list.to_string()),
                ("supplier_id", &w.meals.to_string()),
            ],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        entry_ids(&get_list(&w, &w.bea, list).await),
        vec![w.mowers, w.cyber]
    );
    // Removing what is not there is "not found".
    let r = w
        .app
        .call_fn(
            "/api/remove-from-shortlist",
            &[
                ("id", &list.to_string()),
                ("supplier_id", &w.meals.to_string()),
            ],
            Some(&w.bea),
        )
        .await;
    assert_eq!(
        (r.status, r.fn_error_kind().as_deref()),
        (StatusCode::NOT_FOUND, Some("NotFound"))
    );

    let r = download(&w, &format!("/shortlists/{list}/export.csv"), &w.bea).await;
    assert_csv_download(&r, "shortlist-parks-and-kitchens-2027-");
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let rows = parse_csv(&r.body);
    assert_eq!(rows.len(), 3, "{}", r.body);
    assert_eq!(rows[0].join(","), HEADER);
    assert_eq!(rows[1], expected_row(&w, w.mowers, "").await);
    assert_eq!(rows[2], expected_row(&w, w.cyber, "").await);
    // The expected values are the real ones, not blanks on both sides.
    assert_eq!(rows[1][1], "Mowers Co-operative");
    assert_eq!(rows[1][2], "worker_coop");
    assert_eq!(rows[1][3], "micro");
    assert_eq!(rows[1][4], "PR1 2HE");
    assert!(rows[1][7].starts_with("77314000-"), "{:?}", rows[1]);
    assert_eq!(rows[1][8], "https://mowers.coop");
    assert_eq!(rows[1][9], "hello@mowers.coop");

    // The shortlists page and the shortlist's page show it.
    let page = w.app.page("/shortlists", Some(&w.bea)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Parks and kitchens 2027"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains(&format!("/shortlists/{list}/export.csv")));
    let page = w
        .app
        .page(&format!("/shortlists/{list}"), Some(&w.bea))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mowers Co-operative") && page.body.contains("Cyber Safe Co-op"));
    assert!(!page.body.contains("School Meals Kitchen"));

    // Deleting takes the entries with it.
    let r = w
        .app
        .call_fn(
            "/api/delete-shortlist",
            &[("id", &list.to_string())],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        shortlist::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
    assert_eq!(
        shortlist_item::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn a_supplier_can_go_onto_a_new_shortlist_named_in_the_same_form() {
    let w = world().await;
    let r = w
        .app
        .call_fn(
            "/api/add-to-shortlist",
            &[
                ("supplier_id", &w.cyber.to_string()),
                ("shortlist_id", "new"),
                ("new_name", "  Cyber   training "),
            ],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json(), json!("Cyber training"));
    let lists = w
        .app
        .call_fn("/api/my-shortlists", &[], Some(&w.bea))
        .await
        .json();
    assert_eq!(lists.as_array().map(Vec::len), Some(1), "{lists}");
    assert_eq!(lists[0]["name"], "Cyber training");
    assert_eq!(lists[0]["items"], 1);
    assert_eq!(
        lists[0]["shared"], false,
        "a shortlist made on the fly starts private"
    );
}

#[tokio::test]
async fn sharing_decides_whether_colleagues_see_a_shortlist() {
    let w = world().await;
    let list = create(&w, &w.bea, "Private for now", false).await;
    assert_eq!(add(&w, &w.bea, list, w.mowers).await.status, StatusCode::OK);

    // Private: the colleague is told it does not exist, everywhere.
    let r = get_list(&w, &w.cal, list).await;
    assert_eq!(
        (r.status, r.fn_error_kind().as_deref()),
        (StatusCode::NOT_FOUND, Some("NotFound"))
    );
    assert_eq!(
        w.app
            .call_fn("/api/my-shortlists", &[], Some(&w.cal))
            .await
            .json(),
        json!([])
    );
    assert_eq!(
        add(&w, &w.cal, list, w.meals).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&w, &format!("/shortlists/{list}/export.csv"), &w.cal)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.app
            .page(&format!("/shortlists/{list}"), Some(&w.cal))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Shared: the colleague sees it, adds to it and exports it, but may not unshare or delete it.
    let r = w
        .app
        .call_fn(
            "/api/share-shortlist",
            &[("id", &list.to_string()), ("shared", "true")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = get_list(&w, &w.cal, list).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["summary"]["mine"], false);
    assert_eq!(r.json()["summary"]["shared"], true);
    assert_eq!(add(&w, &w.cal, list, w.meals).await.status, StatusCode::OK);
    let lists = w
        .app
        .call_fn("/api/my-shortlists", &[], Some(&w.cal))
        .await
        .json();
    assert_eq!(lists[0]["id"], list);
    assert_eq!(lists[0]["items"], 2);
    let r = download(&w, &format!("/shortlists/{list}/export.csv"), &w.cal).await;
    assert_csv_download(&r, "shortlist-private-for-now-");
    let ids: Vec<String> = parse_csv(&r.body)
        .into_iter()
        .skip(1)
        .map(|row| row[0].clone())
        .collect();
    assert_eq!(ids, vec![w.mowers.to_string(), w.meals.to_string()]);
    for (endpoint, fields) in [
        (
            "share-shortlist",
            vec![("id", list.to_string()), ("shared", "false".to_owned())],
        ),
        ("delete-shortlist", vec![("id", list.to_string())]),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, Some(&w.cal))
            .await;
        assert_eq!(
            (r.status, r.fn_error_kind().as_deref()),
            (StatusCode::FORBIDDEN, Some("Forbidden")),
            "{endpoint}"
        );
    }
    let page = w
        .app
        .page(&format!("/shortlists/{list}"), Some(&w.cal))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("Make private") && !page.body.contains("Delete this shortlist"),
        "only the creator gets those controls"
    );
    assert!(w
        .app
        .page(&format!("/shortlists/{list}"), Some(&w.bea))
        .await
        .body
        .contains("Make private"));

    // Unshared again: hidden again.
    let r = w
        .app
        .call_fn(
            "/api/share-shortlist",
            &[("id", &list.to_string()), ("shared", "false")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        get_list(&w, &w.cal, list).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_buyer_of_another_organisation_gets_nothing_even_from_a_shared_shortlist() {
    let w = world().await;
    let list = create(&w, &w.bea, "Preston only", true).await;
    assert_eq!(add(&w, &w.bea, list, w.mowers).await.status, StatusCode::OK);
    let id = list.to_string();
    let before = get_list(&w, &w.bea, list).await.body;

    let mut failures = Vec::new();
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("shortlist", vec![("id", id.clone())]),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.meals.to_string()),
                ("shortlist_id", id.clone()),
                ("new_name", String::new()),
            ],
        ),
        (
            "remove-from-shortlist",
            vec![("id", id.clone()), ("supplier_id", w.mowers.to_string())],
        ),
        (
            "share-shortlist",
            vec![("id", id.clone()), ("shared", "false".into())],
        ),
        ("delete-shortlist", vec![("id", id.clone())]),
    ];
    for (endpoint, fields) in &calls {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, Some(&w.olly))
            .await;
        if (r.status, r.fn_error_kind().as_deref()) != (StatusCode::NOT_FOUND, Some("NotFound")) {
            failures.push(format!("{endpoint}: {} {}", r.status, r.body));
        }
        if *endpoint == "shortlist" {
            continue;
        }
        // And as a plain form post: back where it came from, nothing done.
        let r = w
            .app
            .post_form(
                &format!("/api/{endpoint}"),
                &fields,
                Some(&w.olly),
                "/shortlists",
            )
            .await;
        if r.status != StatusCode::FOUND
            || !r
                .header("location")
                .is_some_and(|l| l.ends_with("/shortlists"))
        {
            failures.push(format!(
                "{endpoint} (form): {} {:?}",
                r.status,
                r.header("location")
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        w.app
            .call_fn("/api/my-shortlists", &[], Some(&w.olly))
            .await
            .json(),
        json!([])
    );
    assert_eq!(
        download(&w, &format!("/shortlists/{list}/export.csv"), &w.olly)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let page = w
        .app
        .page(&format!("/shortlists/{list}"), Some(&w.olly))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        !page.body.contains("Preston only") && !page.body.contains("Mowers"),
        "{}",
        page.body
    );
    assert_eq!(
        get_list(&w, &w.bea, list).await.body,
        before,
        "the shortlist changed"
    );

    // Saved searches are their saver's alone.
    let r = w
        .app
        .call_fn(
            "/api/save-search",
            &[("name", "Mowing"), ("query", "q=mowing")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let saved_id = saved_search::Entity::find()
        .one(&w.app.state.db)
        .await
        .expect("q")
        .expect("saved")
        .id;
    for cookie in [&w.olly, &w.cal] {
        assert_eq!(
            w.app
                .call_fn("/api/saved-searches", &[], Some(cookie))
                .await
                .json(),
            json!([])
        );
        let r = w
            .app
            .call_fn(
                "/api/delete-saved-search",
                &[("id", &saved_id.to_string())],
                Some(cookie),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    }
    assert_eq!(
        saved_search::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        1
    );
}

#[tokio::test]
async fn suppliers_and_visitors_are_refused() {
    let w = world().await;
    let list = create(&w, &w.bea, "Shared list", true).await;
    assert_eq!(add(&w, &w.bea, list, w.mowers).await.status, StatusCode::OK);
    let id = list.to_string();
    let calls: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("my-shortlists", vec![]),
        ("shortlist", vec![("id", id.clone())]),
        ("saved-searches", vec![]),
        ("create-shortlist", vec![("name", "Mine now".into())]),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.meals.to_string()),
                ("shortlist_id", id.clone()),
                ("new_name", String::new()),
            ],
        ),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.meals.to_string()),
                ("shortlist_id", "new".into()),
                ("new_name", "Sneaky".into()),
            ],
        ),
        (
            "remove-from-shortlist",
            vec![("id", id.clone()), ("supplier_id", w.mowers.to_string())],
        ),
        (
            "share-shortlist",
            vec![("id", id.clone()), ("shared", "false".into())],
        ),
        ("delete-shortlist", vec![("id", id.clone())]),
        (
            "save-search",
            vec![("name", "Spy"), ("query", "q=x")]
                .into_iter()
                .map(|(k, v)| (k, v.to_owned()))
                .collect(),
        ),
        ("delete-saved-search", vec![("id", "1".into())]),
    ];
    let mut failures = Vec::new();
    for (endpoint, fields) in &calls {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, Some(&w.victor))
            .await;
        if (r.status, r.fn_error_kind().as_deref()) != (StatusCode::FORBIDDEN, Some("Forbidden")) {
            failures.push(format!("supplier {endpoint}: {} {}", r.status, r.body));
        }
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, None)
            .await;
        if (r.status, r.fn_error_kind().as_deref())
            != (StatusCode::UNAUTHORIZED, Some("Unauthenticated"))
        {
            failures.push(format!("visitor {endpoint}: {} {}", r.status, r.body));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        shortlist::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        shortlist_item::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        1
    );
    assert_eq!(
        saved_search::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );

    // Downloads: a supplier is refused, a visitor is sent to sign in and come back.
    for path in [
        format!("/shortlists/{list}/export.csv"),
        "/suppliers/export.csv?q=mowing".to_owned(),
    ] {
        let r = download(&w, &path, &w.victor).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {r:?}");
        assert!(!r.body.contains("Mowers"), "{path}");
        let r = w.app.page(&path, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}: {r:?}");
        assert!(
            r.header("location")
                .is_some_and(|l| l.starts_with("/login?next=/")),
            "{:?}",
            r.header("location")
        );
    }
    // The pages say what they are for, and show nothing.
    let page = w.app.page("/shortlists", Some(&w.victor)).await;
    assert!(
        page.body.contains("for public buyers") && !page.body.contains("Shared list"),
        "{}",
        page.body
    );
    // The supplier's own profile page offers no "Add to shortlist"; a buyer's view does.
    let page = w
        .app
        .page(&format!("/suppliers/{}", w.mowers), Some(&w.victor))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Add to shortlist"));
    let page = w.app.page(&format!("/suppliers/{}", w.mowers), None).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "the public profile stays public"
    );
    assert!(!page.body.contains("Add to shortlist"));
    assert!(w
        .app
        .page(&format!("/suppliers/{}", w.mowers), Some(&w.bea))
        .await
        .body
        .contains("Add to shortlist"));
}

#[tokio::test]
async fn forms_work_without_javascript() {
    let w = world().await;
    // A bad name: back to the page, which shows the error beside the field.
    let r = w
        .app
        .post_form(
            "/api/create-shortlist",
            &[("name", "   ")],
            Some(&w.bea),
            "/shortlists",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        r.header("location").as_deref(),
        Some("http://localhost/shortlists")
    );
    let flash = r.flash_cookie().expect("flash");
    let page = w
        .app
        .page("/shortlists", Some(&format!("{}; {flash}", w.bea)))
        .await;
    assert!(
        page.body.contains("Enter a name for the shortlist"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("aria-invalid=\"true\""),
        "the field is marked invalid"
    );

    // A good one: on to the new shortlist, with a notice.
    let r = w
        .app
        .post_form(
            "/api/create-shortlist",
            &[("name", "Grounds 2027"), ("shared", "true")],
            Some(&w.bea),
            "/shortlists",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let list = shortlist::Entity::find()
        .one(&w.app.state.db)
        .await
        .expect("q")
        .expect("created");
    assert!(list.shared);
    assert_eq!(
        r.header("location").as_deref(),
        Some(format!("/shortlists/{}", list.id).as_str())
    );
    let flash = r.flash_cookie().expect("flash");
    let page = w
        .app
        .page(
            &format!("/shortlists/{}", list.id),
            Some(&format!("{}; {flash}", w.bea)),
        )
        .await;
    assert!(page.body.contains("Shortlist created."), "{}", page.body);

    // Add from the search results, and come back to them.
    let from = "/suppliers?q=mowing";
    let r = w
        .app
        .post_form(
            "/api/add-to-shortlist",
            &[
                ("supplier_id", &w.mowers.to_string()),
                ("shortlist_id", &list.id.to_string()),
                ("new_name", ""),
            ],
            Some(&w.bea),
            from,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        r.header("location").as_deref(),
        Some("http://localhost/suppliers?q=mowing")
    );
    let flash = r.flash_cookie().expect("flash");
    let page = w.app.page(from, Some(&format!("{}; {flash}", w.bea))).await;
    assert!(
        page.body.contains("Added to “Grounds 2027”."),
        "{}",
        page.body
    );

    // Neither a shortlist nor a new name: the error comes back to that supplier's control.
    let r = w
        .app
        .post_form(
            "/api/add-to-shortlist",
            &[
                ("supplier_id", &w.meals.to_string()),
                ("shortlist_id", "new"),
                ("new_name", ""),
            ],
            Some(&w.bea),
            "/suppliers",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let flash = r.flash_cookie().expect("flash");
    let page = w
        .app
        .page("/suppliers", Some(&format!("{}; {flash}", w.bea)))
        .await;
    assert!(
        page.body
            .contains("Choose a shortlist, or give a name for a new one"),
        "{}",
        page.body
    );

    // Remove, share and delete from the shortlist's page.
    let id = list.id.to_string();
    let back = format!("/shortlists/{id}");
    let r = w
        .app
        .post_form(
            "/api/remove-from-shortlist",
            &[("id", &id), ("supplier_id", &w.mowers.to_string())],
            Some(&w.bea),
            &back,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        shortlist_item::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
    let r = w
        .app
        .post_form(
            "/api/share-shortlist",
            &[("id", &id), ("shared", "false")],
            Some(&w.bea),
            &back,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert!(
        !shortlist::Entity::find_by_id(list.id)
            .one(&w.app.state.db)
            .await
            .expect("q")
            .expect("row")
            .shared
    );
    let r = w
        .app
        .post_form("/api/delete-shortlist", &[("id", &id)], Some(&w.bea), &back)
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/shortlists"));
    assert_eq!(
        shortlist::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );

    // Save a search from the results page, then delete it from the shortlists page.
    let r = w
        .app
        .post_form(
            "/api/save-search",
            &[
                ("name", "Mowing near Preston"),
                ("query", "q=mowing&near=PR1&page=2"),
            ],
            Some(&w.bea),
            from,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let saved = saved_search::Entity::find()
        .one(&w.app.state.db)
        .await
        .expect("q")
        .expect("saved");
    assert_eq!(saved.query, "q=mowing&near=PR1", "saved without the page");
    let page = w.app.page("/shortlists", Some(&w.bea)).await;
    assert!(
        page.body
            .contains("href=\"/suppliers?q=mowing&amp;near=PR1\"")
            || page.body.contains("href=\"/suppliers?q=mowing&near=PR1\""),
        "{}",
        page.body
    );
    let r = w
        .app
        .post_form(
            "/api/delete-saved-search",
            &[("id", &saved.id.to_string())],
            Some(&w.bea),
            "/shortlists",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        saved_search::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn validation_errors_name_their_fields() {
    let w = world().await;
    // (endpoint, form fields, the field whose error is expected)
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a str);
    let cases: Vec<Case> = vec![
        ("create-shortlist", vec![("name", String::new())], "name"),
        ("create-shortlist", vec![("name", "x".repeat(121))], "name"),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.mowers.to_string()),
                ("shortlist_id", String::new()),
                ("new_name", String::new()),
            ],
            "shortlist_id",
        ),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.mowers.to_string()),
                ("shortlist_id", "abc".into()),
                ("new_name", String::new()),
            ],
            "shortlist_id",
        ),
        (
            "add-to-shortlist",
            vec![
                ("supplier_id", w.mowers.to_string()),
                ("shortlist_id", "new".into()),
                ("new_name", "y".repeat(200)),
            ],
            "name",
        ),
        (
            "save-search",
            vec![("name", " ".into()), ("query", "q=a".into())],
            "name",
        ),
        (
            "save-search",
            vec![
                ("name", "Long".into()),
                ("query", format!("q={}", "a".repeat(2100))),
            ],
            "query",
        ),
    ];
    let mut failures = Vec::new();
    for (endpoint, fields, field) in &cases {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, Some(&w.bea))
            .await;
        let errors = r.field_errors();
        if r.status != StatusCode::UNPROCESSABLE_ENTITY
            || !errors.contains_key(*field)
            || errors.len() != 1
        {
            failures.push(format!(
                "{endpoint} expected an error on {field}: {} {}",
                r.status, r.body
            ));
        }
    }
    // The same name twice.
    let r = w
        .app
        .call_fn(
            "/api/save-search",
            &[("name", "Kitchens"), ("query", "q=meals")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .call_fn(
            "/api/save-search",
            &[("name", "Kitchens"), ("query", "q=kitchen")],
            Some(&w.bea),
        )
        .await;
    if r.status != StatusCode::UNPROCESSABLE_ENTITY || !r.field_errors().contains_key("name") {
        failures.push(format!(
            "duplicate saved search name: {} {}",
            r.status, r.body
        ));
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        shortlist::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0,
        "nothing half-made"
    );
    // An unknown supplier is "not found", and makes no shortlist either.
    let r = w
        .app
        .call_fn(
            "/api/add-to-shortlist",
            &[
                ("supplier_id", "999999"),
                ("shortlist_id", "new"),
                ("new_name", "Ghosts"),
            ],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert_eq!(
        shortlist::Entity::find()
            .count(&w.app.state.db)
            .await
            .expect("count"),
        0
    );
}

#[tokio::test]
async fn saved_searches_are_listed_and_rerun() {
    let w = world().await;
    let r = w
        .app
        .call_fn(
            "/api/save-search",
            &[("name", "Parks"), ("query", "?q=mowing&cpv=&page=3")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = w
        .app
        .call_fn(
            "/api/save-search",
            &[("name", "All suppliers"), ("query", "")],
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let saved = w
        .app
        .call_fn("/api/saved-searches", &[], Some(&w.bea))
        .await
        .json();
    let pairs: Vec<(String, String)> = saved
        .as_array()
        .expect("list")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name").to_owned(),
                s["query"].as_str().expect("query").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("All suppliers".to_owned(), String::new()),
            ("Parks".to_owned(), "q=mowing".to_owned())
        ]
    );
    // Rerunning is following the stable URL.
    let page = w.app.page("/suppliers?q=mowing", Some(&w.bea)).await;
    assert!(
        page.body.contains("Mowers Co-operative") && !page.body.contains("School Meals Kitchen")
    );
    assert!(
        page.body.contains("Save this search")
            && page.body.contains("/suppliers/export.csv?q=mowing"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_search_exports_every_page_with_the_same_filters() {
    let w = world().await;
    server::seed::seed(&w.app.state, 230, 11)
        .await
        .expect("seed");
    let token = &w.bea_token;

    // Everything: all pages, in the search's own order.
    let mut expected: Vec<String> = Vec::new();
    for page in 1..=3 {
        let r = w
            .app
            .get(
                &format!("/api/v1/suppliers?per_page=100&page={page}"),
                Some(token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        expected.extend(
            r.json()["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|h| h["id"].to_string()),
        );
    }
    assert_eq!(expected.len(), 233);
    let r = download(&w, "/suppliers/export.csv?per_page=5&page=2", &w.bea).await;
    assert_csv_download(&r, "suppliers-");
    let rows = parse_csv(&r.body);
    assert_eq!(
        rows.iter()
            .skip(1)
            .map(|row| row[0].clone())
            .collect::<Vec<_>>(),
        expected,
        "every page, whatever the paging asked"
    );
    assert!(rows.iter().all(|row| row.len() == 13));

    // A filtered search: the same set as the JSON search, row by row for our supplier.
    let r = w
        .app
        .get(
            "/api/v1/suppliers?q=mowing&near=PR1&within_km=10&per_page=100",
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let hits = r.json()["results"].as_array().expect("results").clone();
    let r = download(
        &w,
        "/suppliers/export.csv?q=mowing&near=PR1&within_km=10",
        &w.bea,
    )
    .await;
    assert_csv_download(&r, "suppliers-");
    let rows = parse_csv(&r.body);
    assert_eq!(rows.len(), hits.len() + 1, "{}", r.body);
    for (row, hit) in rows.iter().skip(1).zip(&hits) {
        assert_eq!(row[0], hit["id"].to_string());
        let distance = hit["distance_km"]
            .as_f64()
            .map(|d| format!("{d:.1}"))
            .unwrap_or_default();
        assert!(
            !distance.is_empty(),
            "a distance for every hit near a place"
        );
        assert_eq!(
            *row,
            expected_row(&w, hit["id"].as_i64().expect("id"), &distance).await
        );
    }
    assert!(
        rows.iter().any(|row| row[0] == w.mowers.to_string()),
        "our mowers are near PR1"
    );

    // Through the REST API with a bearer token, the same file.
    let api = w
        .app
        .get(
            "/api/v1/suppliers.csv?q=mowing&near=PR1&within_km=10",
            Some(token),
        )
        .await;
    assert_csv_download(&api, "suppliers-");
    assert_eq!(api.body, r.body);
    // Its errors are the API's.
    let bad = w
        .app
        .get(
            "/api/v1/suppliers.csv?cpv=99999999&within_km=abc",
            Some(token),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert!(
        bad.field_errors().contains_key("cpv") && bad.field_errors().contains_key("within_km"),
        "{}",
        bad.body
    );
    assert_eq!(
        w.app.get("/api/v1/suppliers.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        w.app
            .get("/api/v1/suppliers.csv", Some(&w.victor_token))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another organisation's buyer may export searches (the registry is the same for all).
    assert_eq!(
        w.app
            .get("/api/v1/suppliers.csv?q=mowing", Some(&w.olly_token))
            .await
            .status,
        StatusCode::OK
    );
    // A bad search in the browser: the reasons, with the right status.
    let bad = download(&w, "/suppliers/export.csv?cpv=nonsense", &w.bea).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    assert!(bad.body.contains("cpv:"), "{}", bad.body);
}
