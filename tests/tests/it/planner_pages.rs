//! The lot planner, publish and import pages through their forms, posted as a browser
//! without JavaScript posts them: suggest lots under constraints, rename / move / merge /
//! split (each saved, the evidence on the page the service's), an impossible constraint
//! explained beside it, divide or explain on publishing and the reason on the notice, an
//! OCDS upload previewed then imported in one go, what is not OCDS refused with nothing
//! written, and another organisation refused everywhere.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::tender;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

struct World {
    app: TestApp,
    /// Bea's API token and session cookie (Preston City Council, a buyer).
    bea: String,
    bea_page: String,
    /// Olly's session cookie (Lancaster City Council, another buyer).
    olly_page: String,
    /// A supplier's session cookie.
    mo_page: String,
}

/// Two buyer organisations, and published suppliers around Preston for three kinds of
/// work (grounds, trees, cleaning) plus one firm that does all of them.
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
    let suppliers = [
        (
            "mo@mowers.coop",
            "Mowers Co-operative",
            "PR1 2HE",
            "77314000",
        ),
        ("gr@green.coop", "Green Spaces CIC", "PR2 1AA", "77310000"),
        ("tr@trees.coop", "Tree Care Workers", "PR1 8AA", "77211400"),
        ("cl@clean.coop", "Clean Team Co-op", "PR1 3AA", "90911200"),
        ("al@all.coop", "All Services Co-op", "PR2 2AA", "77000000"),
    ];
    for (email, name, postcode, cpv) in suppliers {
        app.supplier_with_details(
            email,
            name,
            postcode,
            cpv,
            &json!({"employees": 8, "turnover_gbp": 600000, "service_radius_km": 40}),
        )
        .await;
    }
    World {
        bea: app.token("bea@preston.gov.uk").await,
        bea_page: app.sign_in("bea@preston.gov.uk").await,
        olly_page: app.sign_in("olly@lancaster.gov.uk").await,
        mo_page: app.sign_in("mo@mowers.coop").await,
        app,
    }
}

/// A three-line draft; returns its id and its line ids in order.
async fn draft(w: &World) -> (i64, Vec<i64>) {
    let r = w
        .app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": "Parks and open spaces 2027",
                "deadline": "2027-03-31",
                "local_area": {"outcodes": ["PR1", "PR2", "PR3"]},
                "items": [
                    {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000, "delivery_postcode": "PR1 2HE"},
                    {"description": "Tree surgery", "cpv": "77211400", "value_gbp": 30000, "delivery_postcode": "PR2"},
                    {"description": "Cleaning of park toilets", "cpv": "90911200", "value_gbp": 20000}
                ]
            }),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let t = r.json();
    let lines = t["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("line id"))
        .collect();
    (t["id"].as_i64().expect("id"), lines)
}

/// The tender as the API shows it to Bea.
async fn tender_json(w: &World, id: i64) -> Value {
    w.app
        .get(&format!("/api/v1/tenders/{id}"), Some(&w.bea))
        .await
        .json()
}

/// The saved lots as (title, sorted line ids).
async fn saved_lots(w: &World, id: i64) -> Vec<(String, Vec<i64>)> {
    tender_json(w, id).await["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| {
            let mut items: Vec<i64> = l["items"]
                .as_array()
                .expect("lot items")
                .iter()
                .map(|i| i.as_i64().expect("line id"))
                .collect();
            items.sort_unstable();
            (l["title"].as_str().expect("title").to_owned(), items)
        })
        .collect()
}

/// Page HTML without the hydration markers between text nodes, for reading.
fn text(r: &Reply) -> String {
    let mut out = String::with_capacity(r.body.len());
    let mut rest = r.body.as_str();
    while let Some(start) = rest.find("<!") {
        out.push_str(&rest[..start]);
        match rest[start..].find('>') {
            Some(end) => rest = &rest[start + end + 1..],
            None => break,
        }
    }
    out.push_str(rest);
    out
}

fn location(r: &Reply) -> String {
    r.header("location").unwrap_or_default()
}

/// Posts one of the planner page's forms as a browser without JavaScript does.
async fn post(
    w: &World,
    endpoint: &str,
    fields: &[(&str, &str)],
    cookie: &str,
    from: &str,
) -> Reply {
    w.app
        .post_form(&format!("/api/{endpoint}"), fields, Some(cookie), from)
        .await
}

/// The evidence the service gives for the saved lots: that is what the page must show.
async fn service_evidence(w: &World, id: i64) -> Value {
    let lots: Vec<Value> = tender_json(w, id).await["lots"]
        .as_array()
        .expect("lots")
        .iter()
        .map(|l| json!({"title": l["title"], "items": l["items"]}))
        .collect();
    let r = w
        .app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/lots/evaluate"),
            &json!({ "lots": lots }),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.json()
}

/// The planner page shows, for every lot, the service's evidence, and the plan's reach.
async fn page_shows_the_evidence(w: &World, id: i64) -> String {
    let page = w
        .app
        .page(&format!("/tenders/{id}/lots"), Some(&w.bea_page))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    let html = text(&page);
    let ev = service_evidence(w, id).await;
    assert!(
        html.contains(&format!(
            "<dd>{} local SMEs and social-economy suppliers</dd>",
            ev["reach"]
        )),
        "reach {} missing: {html}",
        ev["reach"]
    );
    assert!(html.contains(&format!(
        "<dt>Best possible reach (one lot per line)</dt><dd>{}</dd>",
        ev["upper_bound"]
    )));
    for (k, lot) in ev["lots"].as_array().expect("lots").iter().enumerate() {
        let n = k + 1;
        assert!(
            html.contains(&format!(
                "Lot {n}: {}",
                lot["title"].as_str().expect("title")
            )),
            "lot {n} heading: {html}"
        );
        let eligible = format!(
            "<dt>Eligible suppliers</dt><dd>{}</dd>",
            lot["eligible_suppliers"]
        );
        let target = format!(
            "<dt>Target suppliers (local SME or social economy)</dt><dd>{}</dd>",
            lot["target_suppliers"]
        );
        // The lot's section holds its own figures.
        let section = html
            .split(&format!("id=\"lot-{n}-title\""))
            .nth(1)
            .and_then(|s| s.split("<section class=\"lot\"").next())
            .expect("lot section");
        assert!(
            section.contains(&eligible),
            "lot {n}: {eligible} in {section}"
        );
        assert!(section.contains(&target), "lot {n}: {target} in {section}");
    }
    html
}

#[tokio::test]
async fn suggesting_lots_without_javascript_saves_the_plan_and_the_page_shows_its_evidence() {
    let w = world().await;
    let (id, lines) = draft(&w).await;
    let from = format!("/tenders/{id}/lots");
    let r = post(
        &w,
        "tender-suggest-lots",
        &[
            ("id", &id.to_string()),
            ("max_lots", "3"),
            ("min_lot_value_gbp", ""),
            ("min_bidders_per_lot", "1"),
        ],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    if let Some(flash) = r
        .flash_cookie()
        .filter(|_| location(&r).starts_with("http"))
    {
        let page = text(
            &w.app
                .page(&from, Some(&format!("{}; {flash}", w.bea_page)))
                .await,
        );
        panic!(
            "refused: {}",
            page.split("<main").nth(1).unwrap_or_default()
        );
    }
    // Three lines: the planner is exact, and says so.
    assert_eq!(location(&r), format!("/tenders/{id}/lots?suggested=exact"));
    let lots = saved_lots(&w, id).await;
    assert!(!lots.is_empty() && lots.len() <= 3, "{lots:?}");
    let mut all: Vec<i64> = lots.iter().flat_map(|(_, l)| l.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, lines, "every line in exactly one lot");
    // The constraints are remembered and shown again in the form.
    assert_eq!(tender_json(&w, id).await["plan_constraints"]["max_lots"], 3);
    let html = page_shows_the_evidence(&w, id).await;
    assert!(html.contains("name=\"max_lots\""));
    assert!(html.contains("value=\"3\""));
    let exact = text(
        &w.app
            .page(&format!("{from}?suggested=exact"), Some(&w.bea_page))
            .await,
    );
    assert!(exact.contains("This suggestion is exact"), "{exact}");
}

#[tokio::test]
async fn rename_move_merge_and_split_posted_without_javascript_are_saved_with_new_evidence() {
    let w = world().await;
    let (id, lines) = draft(&w).await;
    let (mowing, trees, toilets) = (lines[0], lines[1], lines[2]);
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}/lots"),
            &json!({"lots": [{"title": "Grounds", "items": [mowing, trees]}, {"title": "Cleaning", "items": [toilets]}]}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let from = format!("/tenders/{id}/lots");
    let idt = id.to_string();
    let edit = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("id", idt.clone())];
        all.extend(fields);
        all
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let w = &w;
        let from = from.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = post(w, "tender-edit-lots", &pairs, &w.bea_page, &from).await;
            assert!(r.status.is_redirection(), "{r:?}");
            assert_eq!(location(&r), from, "back to the planner");
            assert!(r.flash_cookie().is_some(), "a notice for the page");
        }
    };

    // Rename lot 2.
    send(edit(vec![
        ("op", "rename".into()),
        ("lot", "2".into()),
        ("title", "Toilets and bins".into()),
    ]))
    .await;
    assert_eq!(
        saved_lots(&w, id).await,
        vec![
            ("Grounds".to_owned(), vec![mowing, trees]),
            ("Toilets and bins".to_owned(), vec![toilets])
        ]
    );
    page_shows_the_evidence(&w, id).await;

    // Move tree surgery to lot 2.
    let before = service_evidence(&w, id).await;
    send(edit(vec![
        ("op", "move".into()),
        ("lot", "1".into()),
        ("lines[]", trees.to_string()),
        ("to", "2".into()),
    ]))
    .await;
    let mut second = vec![trees, toilets];
    second.sort_unstable();
    assert_eq!(
        saved_lots(&w, id).await,
        vec![
            ("Grounds".to_owned(), vec![mowing]),
            ("Toilets and bins".to_owned(), second)
        ]
    );
    let after = service_evidence(&w, id).await;
    assert_ne!(
        before["lots"][0]["value_gbp"], after["lots"][0]["value_gbp"],
        "the evidence follows the change"
    );
    assert_eq!(after["lots"][0]["value_gbp"], 60000);
    page_shows_the_evidence(&w, id).await;

    // Merge lot 2 into lot 1: one lot with every line, keeping lot 1's title.
    send(edit(vec![
        ("op", "merge".into()),
        ("lot", "1".into()),
        ("to", "2".into()),
    ]))
    .await;
    assert_eq!(
        saved_lots(&w, id).await,
        vec![("Grounds".to_owned(), lines.clone())]
    );
    let html = page_shows_the_evidence(&w, id).await;
    assert!(
        html.contains("divide or explain") || html.contains("s.18") || html.contains("reason"),
        "a single lot needs a reason: {html}"
    );

    // Split the toilets and tree surgery off into a new lot 2.
    send(edit(vec![
        ("op", "split".into()),
        ("lot", "1".into()),
        ("lines[]", toilets.to_string()),
        ("lines[]", trees.to_string()),
    ]))
    .await;
    let lots = saved_lots(&w, id).await;
    assert_eq!(lots.len(), 2, "{lots:?}");
    assert_eq!(lots[0], ("Grounds".to_owned(), vec![mowing]));
    let mut split = vec![trees, toilets];
    split.sort_unstable();
    assert_eq!(lots[1].1, split);
    page_shows_the_evidence(&w, id).await;

    // A split choosing every line of a lot is refused, saying why, and nothing changes.
    let r = post(
        &w,
        "tender-edit-lots",
        &[
            ("id", &idt),
            ("op", "split"),
            ("lot", "1"),
            ("lines[]", &mowing.to_string()),
        ],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    let flash = r.flash_cookie().expect("the error travels to the page");
    assert_eq!(saved_lots(&w, id).await, lots);
    let page = text(
        &w.app
            .page(&from, Some(&format!("{}; {flash}", w.bea_page)))
            .await,
    );
    assert!(page.contains("That change could not be made"), "{page}");
    assert!(
        page.contains("Leave at least one line in the lot"),
        "{page}"
    );
}

#[tokio::test]
async fn an_impossible_constraint_is_explained_beside_it_and_the_input_kept() {
    let w = world().await;
    let (id, _) = draft(&w).await;
    let from = format!("/tenders/{id}/lots");
    let r = post(
        &w,
        "tender-suggest-lots",
        &[
            ("id", &id.to_string()),
            ("max_lots", ""),
            ("min_lot_value_gbp", ""),
            ("min_bidders_per_lot", "50"),
        ],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    assert_eq!(location(&r), format!("http://localhost{from}"));
    assert!(saved_lots(&w, id).await.is_empty(), "nothing saved");
    let flash = r.flash_cookie().expect("errors travel to the page");
    let page = text(
        &w.app
            .page(&from, Some(&format!("{}; {flash}", w.bea_page)))
            .await,
    );
    assert!(
        page.contains("No split into lots meets these constraints"),
        "{page}"
    );
    // Beside the constraint, naming the line by its number and description.
    let field = page
        .split("for=\"suggest_lots-min-bidders-per-lot\"")
        .nth(1)
        .expect("the field");
    assert!(
        field.contains("Line 1 (Mowing of parks) has only")
            && field.contains("fewer than the 50 bidders asked for"),
        "{field}"
    );
    assert!(field.contains("value=\"50\""), "the input is kept: {field}");
    // The same answer reaches the hydrated page as field errors.
    let r = w
        .app
        .call_fn(
            "/api/tender-suggest-lots",
            &[
                ("id", &id.to_string()),
                ("max_lots", "two"),
                ("min_lot_value_gbp", ""),
                ("min_bidders_per_lot", ""),
            ],
            Some(&w.bea_page),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("max_lots"), "{r:?}");
}

#[tokio::test]
async fn publishing_one_lot_needs_a_reason_and_the_notice_shows_it_with_lots_and_ocds() {
    let w = world().await;
    let (id, lines) = draft(&w).await;
    let r = w
        .app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}/lots"),
            &json!({"lots": [{"title": "Parks, whole", "items": lines}]}),
            Some(&w.bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let from = format!("/tenders/{id}/publish");
    let summary = text(&w.app.page(&from, Some(&w.bea_page)).await);
    assert!(
        summary.contains("Parks, whole") && summary.contains("£110,000"),
        "{summary}"
    );
    assert!(summary.contains("2027-03-31"), "the deadline: {summary}");
    assert!(summary.contains("Why is this tender not divided into lots?"));

    let r = post(
        &w,
        "tender-publish",
        &[("id", &id.to_string()), ("reason", "  ")],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    assert_eq!(tender_json(&w, id).await["status"], "draft");
    let flash = r.flash_cookie().expect("the error travels back");
    let page = text(
        &w.app
            .page(&from, Some(&format!("{}; {flash}", w.bea_page)))
            .await,
    );
    assert!(page.contains("Procurement Act 2023, s.18"), "{page}");

    let reason = "One crew works every site in turn; splitting would double the travel.";
    let r = post(
        &w,
        "tender-publish",
        &[("id", &id.to_string()), ("reason", reason)],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    assert_eq!(location(&r), format!("/tenders/{id}"));
    let t = tender_json(&w, id).await;
    assert_eq!(t["status"], "published");
    assert_eq!(t["single_lot_reason"], reason);
    // The public notice, to a visitor.
    let notice = text(&w.app.page(&format!("/tenders/{id}"), None).await);
    assert!(notice.contains(reason), "{notice}");
    assert!(notice.contains("Parks, whole"), "{notice}");
    assert!(
        notice.contains(&format!("/api/v1/tenders/{id}/ocds")),
        "{notice}"
    );
    // A published tender is not published twice.
    let r = post(
        &w,
        "tender-publish",
        &[("id", &id.to_string()), ("reason", reason)],
        &w.bea_page,
        &from,
    )
    .await;
    assert!(r.status.is_redirection(), "{r:?}");
    assert!(r.flash_cookie().is_some());
}

/// Posts a file to the import page's upload as a browser does.
async fn upload(w: &World, cookie: &str, file: &str) -> Reply {
    let boundary = "XyZboundary42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notice.json\"\r\n\
         Content-Type: application/json\r\n\r\n{file}\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"json\"\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let req = Request::builder()
        .method("POST")
        .uri("/tenders/import/upload")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::ACCEPT, "text/html")
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    w.app.send(req).await
}

async fn tenders_held(w: &World) -> u64 {
    tender::Entity::find()
        .count(&w.app.state.db)
        .await
        .expect("count")
}

fn sample() -> (String, domain::ocds::ImportedTender) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ocds/sell2wales-2025/WRel0.json");
    let text = std::fs::read_to_string(path).expect("sample release");
    let parsed = domain::ocds::parse(&text)
        .expect("a sample is OCDS")
        .pop()
        .expect("one tender");
    (text, parsed)
}

#[tokio::test]
async fn an_ocds_upload_is_previewed_then_imported_in_one_go_and_again_updates() {
    let w = world().await;
    let (file, release) = sample();
    let held = tenders_held(&w).await;
    let r = upload(&w, &w.bea_page, &file).await;
    assert!(r.status.is_redirection(), "{r:?}");
    let to = location(&r);
    assert!(to.starts_with("/tenders/import?upload="), "{to}");
    assert_eq!(tenders_held(&w).await, held, "a preview writes no tender");
    let preview = text(&w.app.page(&to, Some(&w.bea_page)).await);
    assert!(preview.contains(&release.ocid), "{preview}");
    let title = release.tender.title.clone().expect("a title");
    assert!(preview.contains(&title), "{preview}");
    assert!(preview.contains("<td>new</td>"), "{preview}");
    for warning in &release.warnings {
        assert!(
            preview.contains(warning.as_str()),
            "warning {warning}: {preview}"
        );
    }

    let kept = to.trim_start_matches("/tenders/import?upload=").to_owned();
    let r = post(&w, "ocds-import", &[("upload", &kept)], &w.bea_page, &to).await;
    assert!(r.status.is_redirection(), "{r:?}");
    let done = location(&r);
    assert!(done.starts_with("/tenders/import?done="), "{done}");
    assert_eq!(tenders_held(&w).await, held + 1);
    let imported = tender::Entity::find()
        .all(&w.app.state.db)
        .await
        .expect("tenders")
        .into_iter()
        .find(|t| t.ocid.as_deref() == Some(release.ocid.as_str()))
        .expect("the imported tender");
    let page = text(&w.app.page(&done, Some(&w.bea_page)).await);
    assert!(
        page.contains(&format!("href=\"/tenders/{}\"", imported.id)),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/tenders/{}/lots\"", imported.id)),
        "{page}"
    );
    // The kept upload is used up.
    let r = post(&w, "ocds-import", &[("upload", &kept)], &w.bea_page, &to).await;
    assert!(r.status.is_redirection());
    assert_eq!(tenders_held(&w).await, held + 1);
    // The lot planner works on the imported notice (its lots are not saved here).
    let lots = text(
        &w.app
            .page(&format!("/tenders/{}/lots", imported.id), Some(&w.bea_page))
            .await,
    );
    assert!(lots.contains("not saved here"), "{lots}");
    assert!(lots.contains("Suggest lots"), "{lots}");
    // A suggestion for it travels in the address, and so do the edits after it.
    let from = format!("/tenders/{}/lots", imported.id);
    let r = post(
        &w,
        "tender-suggest-lots",
        &[
            ("id", &imported.id.to_string()),
            ("max_lots", ""),
            ("min_lot_value_gbp", ""),
            ("min_bidders_per_lot", "0"),
        ],
        &w.bea_page,
        &from,
    )
    .await;
    let suggested = location(&r);
    assert!(
        suggested.starts_with(&format!("{from}?suggested=exact&plan=")),
        "{suggested}"
    );
    let page = text(&w.app.page(&suggested, Some(&w.bea_page)).await);
    assert!(page.contains("id=\"lot-1-title\""), "{page}");
    let plan = page
        .split("name=\"plan\" value=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .expect("the plan in the edit forms")
        .replace("&quot;", "\"");
    let r = post(
        &w,
        "tender-edit-lots",
        &[
            ("id", &imported.id.to_string()),
            ("op", "rename"),
            ("lot", "1"),
            ("title", "Boilers, whole"),
            ("plan", &plan),
        ],
        &w.bea_page,
        &suggested,
    )
    .await;
    let renamed = location(&r);
    assert!(renamed.starts_with(&format!("{from}?plan=")), "{renamed}");
    let page = text(&w.app.page(&renamed, Some(&w.bea_page)).await);
    assert!(page.contains("Lot 1: Boilers, whole"), "{page}");
    let lots_here = tender_json(&w, imported.id).await["lots"].clone();
    assert!(
        !lots_here.to_string().contains("Boilers, whole"),
        "an imported notice's lots are not changed here"
    );

    // The same release again: the preview says it updates that tender.
    let r = upload(&w, &w.bea_page, &file).await;
    let preview = text(&w.app.page(&location(&r), Some(&w.bea_page)).await);
    assert!(
        preview.contains(&format!("updates <a href=\"/tenders/{}\"", imported.id)),
        "{preview}"
    );
}

#[tokio::test]
async fn what_is_not_ocds_is_refused_saying_why_and_nothing_is_written() {
    let w = world().await;
    let held = tenders_held(&w).await;
    for file in [
        "name,amount\nParks,100\n",
        r#"{"releases": [{"tender": {}}]}"#,
        "",
    ] {
        let r = upload(&w, &w.bea_page, file).await;
        assert!(r.status.is_redirection(), "{r:?}");
        assert_eq!(location(&r), "/tenders/import");
        let flash = r.flash_cookie().expect("the reason travels to the page");
        let page = text(
            &w.app
                .page("/tenders/import", Some(&format!("{}; {flash}", w.bea_page)))
                .await,
        );
        assert!(page.contains("There is a problem"), "{page}");
        assert!(
            page.contains("This is not OCDS that can be imported")
                || page.contains("Choose an OCDS file or paste its JSON"),
            "{file}: {page}"
        );
        assert!(
            page.contains("id=\"import-file-error\""),
            "beside the field: {page}"
        );
    }
    assert_eq!(tenders_held(&w).await, held);
}

#[tokio::test]
async fn another_organisation_may_not_plan_publish_or_import_what_is_not_theirs() {
    let w = world().await;
    let (id, lines) = draft(&w).await;
    let idt = id.to_string();
    let from = format!("/tenders/{id}/lots");
    for (endpoint, fields) in [
        (
            "tender-suggest-lots",
            vec![
                ("id", idt.as_str()),
                ("max_lots", "2"),
                ("min_lot_value_gbp", ""),
                ("min_bidders_per_lot", "1"),
            ],
        ),
        (
            "tender-edit-lots",
            vec![("id", idt.as_str()), ("op", "single")],
        ),
        (
            "tender-publish",
            vec![("id", idt.as_str()), ("reason", "because")],
        ),
        (
            "tender-lot-limits",
            vec![
                ("id", idt.as_str()),
                ("max_lots_bid_per_supplier", "1"),
                ("max_lots_won_per_supplier", ""),
            ],
        ),
    ] {
        for cookie in [&w.olly_page, &w.mo_page] {
            let r = w
                .app
                .call_fn(&format!("/api/{endpoint}"), &fields, Some(cookie))
                .await;
            assert!(
                r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
                "{endpoint}: {r:?}"
            );
        }
        let r = w
            .app
            .call_fn(&format!("/api/{endpoint}"), &fields, None)
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}: {r:?}");
    }
    let t = tender_json(&w, id).await;
    assert_eq!(t["status"], "draft");
    assert_eq!(t["lots"], json!([]));
    assert!(t["plan_constraints"].is_null(), "{t}");
    assert_eq!(t["max_lots_bid_per_supplier"], Value::Null);
    let page = text(&w.app.page(&from, Some(&w.olly_page)).await);
    assert!(page.contains("Tender not found"), "{page}");
    assert!(!page.contains("Mowing of parks"), "{page}");
    let _ = lines;

    // A supplier may not import; a buyer may not read another organisation's upload.
    let (file, _) = sample();
    let r = upload(&w, &w.mo_page, &file).await;
    assert_eq!(location(&r), "/tenders/import");
    let held = tenders_held(&w).await;
    let r = upload(&w, &w.bea_page, &file).await;
    let kept = location(&r)
        .trim_start_matches("/tenders/import?upload=")
        .to_owned();
    let r = w
        .app
        .call_fn(
            "/api/ocds-preview",
            &[("upload", &kept)],
            Some(&w.olly_page),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let r = w
        .app
        .call_fn("/api/ocds-import", &[("upload", &kept)], Some(&w.olly_page))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(tenders_held(&w).await, held, "nothing imported for Olly");
}

#[tokio::test]
async fn the_import_page_wins_over_a_tender_notice_and_buyers_find_it_from_tenders() {
    let w = world().await;
    let page = text(&w.app.page("/tenders/import", Some(&w.bea_page)).await);
    assert!(
        page.contains("<h1>Import from another portal</h1>"),
        "{page}"
    );
    assert!(!page.contains("Tender not found"), "{page}");
    assert!(page.contains("action=\"/tenders/import/upload\""), "{page}");
    let list = text(&w.app.page("/tenders", Some(&w.bea_page)).await);
    assert!(list.contains("href=\"/tenders/import\""), "{list}");
    let visitor = text(&w.app.page("/tenders", None).await);
    assert!(!visitor.contains("href=\"/tenders/import\""), "{visitor}");
}
