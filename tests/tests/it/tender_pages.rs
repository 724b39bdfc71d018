//! The buyer's tender pages through their forms, as a browser without JavaScript posts
//! them (and, where it differs, as the hydrated app calls them): drafting a tender, its
//! details and lines, a refused line naming its row and field with nothing saved, the CSV
//! upload all or nothing, the status block with its confirmation, another organisation
//! refused, and the market-depth links listing exactly the suppliers each number counts.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::{tender, tender_item};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;

const BEA: &str = "bea@preston.gov.uk";
const OLLY: &str = "olly@lancaster.gov.uk";

/// Two buyers of different councils and published suppliers around Preston, plus one far
/// away, of several sizes.
async fn world() -> TestApp {
    let app = TestApp::spawn().await;
    app.add_user(BEA, "buyer", Some("Preston City Council"))
        .await;
    app.add_user(OLLY, "buyer", Some("Lancaster City Council"))
        .await;
    let suppliers = [
        (
            "mo@mowers.coop",
            "Mowers Co-operative",
            "PR1 2HE",
            "77314000",
            6,
            50_000,
        ),
        (
            "gr@green.coop",
            "Green Spaces CIC",
            "PR2 1AA",
            "77310000",
            12,
            200_000,
        ),
        (
            "tr@trees.coop",
            "Tree Care Workers",
            "PR1 8AA",
            "77211400",
            4,
            20_000,
        ),
        (
            "cl@clean.coop",
            "Clean Team Co-op",
            "PR1 3AA",
            "90911200",
            20,
            100_000,
        ),
        (
            "al@all.coop",
            "All Services Co-op",
            "PR2 2AA",
            "77000000",
            300,
            5_000_000,
        ),
        (
            "sh@sheffield.coop",
            "Sheffield Grounds",
            "S1 2AA",
            "77314000",
            40,
            900_000,
        ),
    ];
    for (email, name, postcode, cpv, employees, capacity) in suppliers {
        app.supplier_with_details(
            email,
            name,
            postcode,
            cpv,
            &json!({"employees": employees, "turnover_gbp": 600_000,
                    "max_contract_value_gbp": capacity, "service_radius_km": 40}),
        )
        .await;
    }
    app
}

async fn items_of(app: &TestApp, id: i64) -> Vec<tender_item::Model> {
    tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.eq(id))
        .order_by_asc(tender_item::Column::Position)
        .all(&app.state.db)
        .await
        .expect("items")
}

async fn tender_row(app: &TestApp, id: i64) -> tender::Model {
    tender::Entity::find_by_id(id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("the tender")
}

/// Where a no-JavaScript post sent the browser.
fn location(r: &Reply) -> String {
    r.header("location").unwrap_or_default()
}

/// The page a no-JavaScript post went back to, with the flash it left.
async fn back_to(app: &TestApp, r: &Reply, cookie: &str, page: &str) -> String {
    let flash = r.flash_cookie().expect("a flash cookie");
    app.page(page, Some(&format!("{cookie}; {flash}")))
        .await
        .body
}

async fn draft(app: &TestApp, cookie: &str) -> i64 {
    let r = app
        .post_form(
            "/api/tender-create",
            &[
                ("t[title]", "Parks and open spaces 2027"),
                (
                    "t[description]",
                    "Grounds, trees and cleaning for Preston's parks.",
                ),
                ("t[estimated_value_gbp]", "£150k"),
                ("t[deadline]", "2027-03-31"),
                ("t[contract_start]", "2027-05-01"),
                ("t[contract_end]", "2029-04-30"),
                ("t[area_outcodes]", "PR1, PR2 PR3"),
                ("t[area_near]", ""),
                ("t[area_within_km]", ""),
            ],
            Some(cookie),
            "/tenders/new",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let to = location(&r);
    to.strip_prefix("/tenders/")
        .and_then(|rest| rest.strip_suffix("/edit"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("to the editor, not {to}"))
}

/// The lines form's fields for these rows: (description, cpv, value, quantity, unit,
/// delivery), with the row's line id when it has one.
fn line_fields(id: i64, rows: &[(Option<i64>, [&str; 6])]) -> Vec<(String, String)> {
    let mut out = vec![("id".to_owned(), id.to_string())];
    for (r, (line, cells)) in rows.iter().enumerate() {
        out.push((
            format!("lines[{r}][id]"),
            line.map(|l| l.to_string()).unwrap_or_default(),
        ));
        for (name, value) in [
            "description",
            "cpv",
            "value_gbp",
            "quantity",
            "unit",
            "delivery_postcode",
        ]
        .into_iter()
        .zip(cells)
        {
            out.push((format!("lines[{r}][{name}]"), (*value).to_owned()));
        }
    }
    out
}

fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Posts the lines form from the editor `edit` as a browser without JavaScript does; the
/// answer is always the redirect back (what the flash then shows is the caller's to check).
async fn post_lines(app: &TestApp, fields: &[(String, String)], cookie: &str, edit: &str) -> Reply {
    let r = app
        .post_form("/api/tender-lines", &borrowed(fields), Some(cookie), edit)
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    r
}

const PARKS: [[&str; 6]; 3] = [
    [
        "Mowing of parks",
        "77314000",
        "60000",
        "12",
        "months",
        "PR1 2HE",
    ],
    ["Tree surgery", "77211400-6", "30k", "", "", "PR2"],
    ["Cleaning of park toilets", "90911200", "20,000", "", "", ""],
];

#[tokio::test]
async fn new_tender_is_its_own_page_and_a_refused_draft_keeps_what_was_typed() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let page = app.page("/tenders/new", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("name=\"t[title]\""), "{}", page.body);
    assert!(
        !page.body.contains("Tender not found"),
        "/tenders/new is not read as the tender \"new\""
    );
    let list = app.page("/tenders", Some(&cookie)).await;
    assert!(
        list.body.contains("href=\"/tenders/new\""),
        "a New tender button for buyers"
    );

    let r = app
        .post_form(
            "/api/tender-create",
            &[
                ("t[title]", " "),
                ("t[estimated_value_gbp]", "a lot"),
                ("t[area_outcodes]", "PR1"),
                ("t[area_near]", "PR1"),
                ("t[description]", "Kept as typed"),
            ],
            Some(&cookie),
            "/tenders/new",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert!(location(&r).ends_with("/tenders/new"), "back to the form");
    let body = back_to(&app, &r, &cookie, "/tenders/new").await;
    assert!(body.contains("There is a problem"), "{body}");
    assert!(body.contains("Give the tender a title"), "{body}");
    assert!(
        body.contains("not both"),
        "the area is one or the other: {body}"
    );
    assert!(
        body.contains("value=\"a lot\""),
        "the value is kept: {body}"
    );
    assert!(body.contains("Kept as typed"), "{body}");
    assert_eq!(
        tender::Entity::find()
            .count(&app.state.db)
            .await
            .expect("count"),
        0,
        "nothing drafted"
    );

    let id = draft(&app, &cookie).await;
    let t = tender_row(&app, id).await;
    assert_eq!(t.title, "Parks and open spaces 2027");
    assert_eq!(t.estimated_value_gbp, Some(150_000));
    assert_eq!(t.status, "draft");
    let area: Value = t.local_area.expect("an area");
    assert_eq!(area, json!({"outcodes": ["PR1", "PR2", "PR3"]}));
    let editor = app
        .page(&format!("/tenders/{id}/edit"), Some(&cookie))
        .await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(editor.body.contains("Edit draft"), "{}", editor.body);
    assert!(editor.body.contains("Download a template CSV"));
}

/// A buyer can take back what they set: blank details clear the estimated value and the
/// local area, blank limits lift them, and the API clears them with `null` (a field not
/// sent is left as it is).
#[tokio::test]
async fn blank_fields_clear_the_value_the_area_and_the_limits() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let id = draft(&app, &cookie).await;
    let edit = format!("/tenders/{id}/edit");
    let t = tender_row(&app, id).await;
    assert_eq!(t.estimated_value_gbp, Some(150_000));
    assert!(t.local_area.is_some());

    let r = app
        .post_form(
            "/api/tender-details",
            &[
                ("id", &id.to_string()),
                ("t[title]", "Parks 2027"),
                ("t[estimated_value_gbp]", ""),
                ("t[area_outcodes]", ""),
                ("t[area_near]", ""),
                ("t[area_within_km]", ""),
            ],
            Some(&cookie),
            &edit,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let t = tender_row(&app, id).await;
    assert_eq!(t.estimated_value_gbp, None);
    assert_eq!(t.local_area, None);

    let lots = format!("/tenders/{id}/lots");
    for (bid, won, want) in [("3", "2", (Some(3), Some(2))), ("", "", (None, None))] {
        let r = app
            .post_form(
                "/api/tender-lot-limits",
                &[
                    ("id", &id.to_string()),
                    ("max_lots_bid_per_supplier", bid),
                    ("max_lots_won_per_supplier", won),
                ],
                Some(&cookie),
                &lots,
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
        let t = tender_row(&app, id).await;
        assert_eq!(
            (t.max_lots_bid_per_supplier, t.max_lots_won_per_supplier),
            want
        );
    }

    // The API: a value set, then `null` clears it; a field not sent stays.
    let token = app.token(BEA).await;
    let path = format!("/api/v1/tenders/{id}");
    let r = app
        .send_json(
            "PUT",
            &path,
            &json!({"estimated_value_gbp": 90000, "local_area": {"outcodes": ["PR1"]}, "max_lots_won_per_supplier": 2}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .send_json(
            "PUT",
            &path,
            &json!({"estimated_value_gbp": null, "local_area": null}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let view = r.json();
    assert_eq!(view["estimated_value_gbp"], Value::Null, "{view}");
    assert_eq!(view["local_area"], Value::Null, "{view}");
    assert_eq!(
        view["max_lots_won_per_supplier"], 2,
        "not sent, kept: {view}"
    );
}

#[tokio::test]
async fn details_and_lines_are_saved_from_the_forms_and_a_bad_line_saves_nothing() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let id = draft(&app, &cookie).await;
    let edit = format!("/tenders/{id}/edit");

    let r = app
        .post_form(
            "/api/tender-details",
            &[
                ("id", &id.to_string()),
                ("t[title]", "Parks 2027 to 2029"),
                ("t[estimated_value_gbp]", "110000"),
                ("t[area_near]", "PR1"),
                ("t[area_within_km]", "15"),
            ],
            Some(&cookie),
            &edit,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let t = tender_row(&app, id).await;
    assert_eq!(t.title, "Parks 2027 to 2029");
    assert_eq!(
        t.local_area,
        Some(json!({"near": "PR1", "within_km": 15.0}))
    );

    // Three lines and a spare blank row (ignored).
    let mut rows: Vec<(Option<i64>, [&str; 6])> = PARKS.iter().map(|c| (None, *c)).collect();
    rows.push((None, ["", "", "", "", "", ""]));
    let fields = line_fields(id, &rows);
    post_lines(&app, &fields, &cookie, &edit).await;
    let items = items_of(&app, id).await;
    let saved: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i.description.as_str(),
                i.cpv.as_deref(),
                i.value_gbp,
                i.delivery_outcode.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        saved,
        [
            (
                "Mowing of parks",
                Some("77314000"),
                Some(60_000),
                Some("PR1")
            ),
            ("Tree surgery", Some("77211400"), Some(30_000), Some("PR2")),
            (
                "Cleaning of park toilets",
                Some("90911200"),
                Some(20_000),
                None
            ),
        ]
    );
    assert_eq!(items[0].quantity, Some(12.0));
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();

    // Edit line 1, break line 2's code and line 3's value: nothing is saved, each error
    // names its row and field, and the page shows the table as typed.
    let bad = [
        (
            Some(ids[0]),
            [
                "Mowing of all parks",
                "77314000",
                "65000",
                "12",
                "months",
                "PR1 2HE",
            ],
        ),
        (
            Some(ids[1]),
            ["Tree surgery", "12345678", "30000", "", "", "PR2"],
        ),
        (
            Some(ids[2]),
            ["Cleaning of park toilets", "90911200", "twenty", "", "", ""],
        ),
    ];
    let fields = line_fields(id, &bad);
    let r = app
        .call_fn("/api/tender-lines", &borrowed(&fields), Some(&cookie))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let named: Vec<String> = r.field_errors().keys().cloned().collect();
    assert_eq!(named, ["lines[1].cpv", "lines[2].value_gbp"], "{r:?}");
    let r = post_lines(&app, &fields, &cookie, &edit).await;
    let body = back_to(&app, &r, &cookie, &edit).await;
    assert!(body.contains("There is a problem with the lines"), "{body}");
    assert!(
        body.contains("href=\"#line-1-cpv\""),
        "the summary links to the cell: {body}"
    );
    assert!(body.contains("Line 3: "), "{body}");
    assert!(
        body.contains("value=\"Mowing of all parks\""),
        "the edit is kept as typed"
    );
    assert!(
        body.contains("value=\"twenty\""),
        "the bad value is kept as typed"
    );
    assert_eq!(items_of(&app, id).await, items, "nothing half-saved");

    // Without JavaScript, "Add a row" shows the table again as typed with one more row.
    let mut with_add = line_fields(id, &bad);
    with_add.push(("then".into(), "add".into()));
    let r = post_lines(&app, &with_add, &cookie, &edit).await;
    let body = back_to(&app, &r, &cookie, &edit).await;
    assert!(
        body.contains("name=\"lines[3][description]\""),
        "a fourth row"
    );
    assert!(body.contains("value=\"twenty\""), "the input is kept");
    assert!(
        !body.contains("There is a problem"),
        "adding a row is no error"
    );
    assert_eq!(
        items_of(&app, id).await,
        items,
        "adding a row saves nothing"
    );

    // Without JavaScript, the CPV search box belongs to the lines form: searching comes
    // back to the editor with the matching codes and the table as typed, saving nothing.
    let page = app.page(&edit, Some(&cookie)).await.body;
    assert!(
        page.contains("form=\"lines-form\"") && page.contains("id=\"lines-form\""),
        "the search box posts the lines form: {page}"
    );
    let mut with_find = line_fields(id, &bad);
    with_find.push(("then".into(), "find".into()));
    with_find.push(("cpv_q".into(), "tree cutting".into()));
    let r = post_lines(&app, &with_find, &cookie, &edit).await;
    let to = location(&r);
    assert!(
        to.ends_with(&format!("/tenders/{id}/edit?cpv_q=tree%20cutting#find-cpv")),
        "back to the editor's search, not {to}"
    );
    let to = to.trim_start_matches("http://localhost");
    let body = back_to(&app, &r, &cookie, to).await;
    assert!(
        body.contains("77211400-6"),
        "the tree-cutting code is listed: {body}"
    );
    assert!(
        body.contains("value=\"Mowing of all parks\"") && body.contains("value=\"twenty\""),
        "the unsaved edits are kept as typed: {body}"
    );
    assert!(
        !body.contains("There is a problem"),
        "searching is no error"
    );
    assert_eq!(items_of(&app, id).await, items, "searching saves nothing");

    // Remove line 2 and edit line 1: the other lines keep their ids.
    let mut fields = line_fields(
        id,
        &[
            (
                Some(ids[0]),
                [
                    "Mowing of all parks",
                    "77314000",
                    "65000",
                    "12",
                    "months",
                    "PR1 2HE",
                ],
            ),
            (Some(ids[1]), PARKS[1]),
            (Some(ids[2]), PARKS[2]),
        ],
    );
    fields.push(("lines[1][remove]".into(), "on".into()));
    post_lines(&app, &fields, &cookie, &edit).await;
    let after = items_of(&app, id).await;
    assert_eq!(
        after
            .iter()
            .map(|i| (i.id, i.description.as_str(), i.value_gbp))
            .collect::<Vec<_>>(),
        [
            (ids[0], "Mowing of all parks", Some(65_000)),
            (ids[2], "Cleaning of park toilets", Some(20_000))
        ]
    );
}

/// A multipart form post of `csv` as the `file` field, as a browser sends the upload form.
async fn upload(app: &TestApp, id: i64, csv: &str, cookie: &str) -> Reply {
    let boundary = "----anchorlinkboundary7MA4YWxkTrZu0gW";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lines.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let req = Request::builder()
        .method("POST")
        .uri(format!("/tenders/{id}/lines/upload"))
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::ACCEPT, "text/html")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn a_csv_of_lines_is_all_or_nothing_and_names_every_bad_row() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let id = draft(&app, &cookie).await;
    let edit = format!("/tenders/{id}/edit");

    let template = app.page("/tenders/lines-template.csv", Some(&cookie)).await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template
        .body
        .starts_with("description,cpv,value_gbp,quantity,unit,delivery_postcode"));

    let bad = "Description,CPV code,Value (£),Qty,Unit,Delivery postcode\n\
               Mowing,77314000,60000,12,months,PR1 2HE\n\
               Trees,not a code,30000,,,PR2\n\
               Cleaning,90911200,,,,\n";
    let r = upload(&app, id, bad, &cookie).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{r:?}");
    assert!(location(&r).starts_with(&edit), "back to the editor: {r:?}");
    let body = back_to(&app, &r, &cookie, &edit).await;
    assert!(body.contains("The file was not uploaded"), "{body}");
    assert!(
        body.contains("Row 3, cpv"),
        "the file's row 3 (header = row 1): {body}"
    );
    assert!(body.contains("Row 4, value gbp"), "{body}");
    assert!(items_of(&app, id).await.is_empty(), "nothing half-saved");

    // The template itself uploads, and so does a real-sized schedule.
    let r = upload(&app, id, &template.body, &cookie).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{r:?}");
    assert_eq!(
        items_of(&app, id).await.len(),
        3,
        "the template's three lines"
    );
    let mut schedule = String::from("description;cpv;value_gbp;delivery_postcode\n");
    for n in 1..=120 {
        schedule.push_str(&format!(
            "Grounds maintenance site {n};77314000;{};PR{}\n",
            1000 * n,
            1 + n % 3
        ));
    }
    let r = upload(&app, id, &schedule, &cookie).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{r:?}");
    let body = back_to(&app, &r, &cookie, &edit).await;
    assert!(body.contains("120 lines uploaded"), "{body}");
    let items = items_of(&app, id).await;
    assert_eq!(items.len(), 120);
    assert_eq!(items[119].value_gbp, Some(120_000));

    let r = upload(&app, id, "", &cookie).await;
    let body = back_to(&app, &r, &cookie, &edit).await;
    assert!(
        body.contains("choose a CSV file") || body.contains("Choose a CSV file"),
        "{body}"
    );
    assert_eq!(
        items_of(&app, id).await.len(),
        120,
        "an empty upload changes nothing"
    );
}

#[tokio::test]
async fn another_organisation_can_neither_see_nor_change_a_draft() {
    let app = world().await;
    let bea = app.sign_in(BEA).await;
    let olly = app.sign_in(OLLY).await;
    let id = draft(&app, &bea).await;
    let edit = format!("/tenders/{id}/edit");

    let page = app.page(&edit, Some(&olly)).await;
    assert!(page.body.contains("Tender not found"), "{}", page.body);
    let fields = line_fields(id, &[(None, PARKS[0])]);
    let r = app
        .call_fn("/api/tender-lines", &borrowed(&fields), Some(&olly))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let r = app
        .call_fn(
            "/api/tender-details",
            &[("id", &id.to_string()), ("t[title]", "Ours now")],
            Some(&olly),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let r = upload(
        &app,
        id,
        "description,cpv,value_gbp\nMowing,77314000,1000\n",
        &olly,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert!(items_of(&app, id).await.is_empty());
    assert_eq!(
        tender_row(&app, id).await.title,
        "Parks and open spaces 2027"
    );

    // Published, it is public, but only its organisation may close or cancel it.
    let fields = line_fields(id, &[(None, PARKS[0])]);
    post_lines(&app, &fields, &bea, &edit).await;
    let token = app.token(BEA).await;
    let r = app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({"reason": "One small service."}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let notice = app.page(&format!("/tenders/{id}"), Some(&olly)).await;
    assert!(
        !notice.body.contains("Close tender"),
        "no actions for another council"
    );
    let r = app
        .call_fn(
            "/api/tender-status",
            &[("id", &id.to_string()), ("to", "cancelled")],
            Some(&olly),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert_eq!(tender_row(&app, id).await.status, "published");
}

#[tokio::test]
async fn a_tender_is_closed_only_after_a_confirmation() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let id = draft(&app, &cookie).await;
    let notice = format!("/tenders/{id}");
    let page = app.page(&notice, Some(&cookie)).await;
    for action in ["/edit\"", "/lots\"", "/publish\""] {
        assert!(
            page.body.contains(&format!("href=\"/tenders/{id}{action}")),
            "the draft's {action} action: {}",
            page.body
        );
    }
    let fields = line_fields(id, &[(None, PARKS[0])]);
    post_lines(&app, &fields, &cookie, &format!("/tenders/{id}/edit")).await;
    let token = app.token(BEA).await;
    app.send_json(
        "POST",
        &format!("/api/v1/tenders/{id}/publish"),
        &json!({"reason": "One small service."}),
        Some(&token),
    )
    .await;
    let page = app.page(&notice, Some(&cookie)).await;
    assert!(
        page.body
            .contains(&format!("href=\"/tenders/{id}?confirm=close\"")),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("Yes, close it"),
        "no confirmation until asked"
    );
    let page = app
        .page(&format!("{notice}?confirm=close"), Some(&cookie))
        .await;
    assert!(page.body.contains("Yes, close it"), "{}", page.body);
    assert_eq!(
        tender_row(&app, id).await.status,
        "published",
        "asking changes nothing"
    );

    let r = app
        .post_form(
            "/api/tender-status",
            &[("id", &id.to_string()), ("to", "closed")],
            Some(&cookie),
            &format!("{notice}?confirm=close"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(location(&r), notice);
    assert_eq!(tender_row(&app, id).await.status, "closed");
    let body = back_to(&app, &r, &cookie, &notice).await;
    assert!(body.contains("The tender is closed."), "{body}");
}

/// The number a search page says it found ("3 suppliers found").
fn found_on_page(body: &str) -> u64 {
    let marker = "class=\"result-count\">";
    let start = body.find(marker).expect("a result count") + marker.len();
    let rest = &body[start..];
    let end = rest.find(' ').expect("a number then words");
    rest[..end].trim().parse().expect("a number")
}

#[tokio::test]
async fn each_depth_number_links_to_a_search_page_listing_exactly_those_suppliers() {
    let app = world().await;
    let cookie = app.sign_in(BEA).await;
    let token = app.token(BEA).await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": "Parks and open spaces 2027",
                "local_area": {"outcodes": ["PR1", "PR2"]},
                "items": [
                    {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000, "delivery_postcode": "PR1 2HE"},
                    {"description": "Tree surgery", "cpv": "77211400", "value_gbp": 30000},
                    {"description": "Cleaning", "cpv": "90911200", "value_gbp": 150000}
                ]
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.json()["id"].as_i64().expect("an id");
    let market = app
        .get(&format!("/api/v1/tenders/{id}/market"), Some(&token))
        .await
        .json();
    let notice = app
        .page(&format!("/tenders/{id}"), Some(&cookie))
        .await
        .body;
    let rows: Vec<&Value> = market["items"]
        .as_array()
        .expect("items")
        .iter()
        .chain(std::iter::once(&market["total"]))
        .collect();
    let kinds = [
        "capable",
        "local",
        "sme",
        "social_economy",
        "target",
        "can_take_value",
    ];
    let mut nonzero = 0;
    for row in rows {
        for kind in kinds {
            let count = row[kind].as_u64().expect("a count");
            let link = match row["item_id"].as_i64() {
                Some(line) => format!("/suppliers?tender={id}&line={line}&kind={kind}"),
                None => format!("/suppliers?tender={id}&kind={kind}"),
            };
            assert!(
                notice.contains(&format!("href=\"{}\"", link.replace('&', "&amp;")))
                    || notice.contains(&format!("href=\"{link}\"")),
                "the notice links {link}"
            );
            let page = app.page(&link, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{link}");
            assert_eq!(found_on_page(&page.body), count, "{link}: {}", page.body);
            assert!(
                page.body.contains("of “Parks and open spaces 2027”"),
                "the banner on {link}"
            );
            // The API search behind the page lists the very suppliers the JSON endpoint does.
            let api = app
                .get(&format!("/api/v1{link}&per_page=100"), Some(&token))
                .await
                .json();
            let mut listed: Vec<i64> = api["results"]
                .as_array()
                .expect("results")
                .iter()
                .map(|h| h["id"].as_i64().expect("id"))
                .collect();
            listed.sort_unstable();
            let json_link = row["links"][kind].as_str().expect("the JSON link");
            let behind = app.get(json_link, Some(&token)).await.json();
            let expected: Vec<i64> =
                serde_json::from_value(behind["supplier_ids"].clone()).expect("ids");
            assert_eq!(listed, expected, "{link}");
            assert_eq!(api["total"].as_u64(), Some(count), "{link}");
            nonzero += usize::from(count > 0);
        }
    }
    assert!(
        nonzero >= 10,
        "the seeded tender has suppliers behind most counts ({nonzero})"
    );

    // The other filters still narrow the list, and bad depth parameters are named.
    let narrowed = app
        .get(
            &format!("/api/v1/suppliers?tender={id}&kind=capable&size=large"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(
        narrowed["total"].as_u64(),
        Some(1),
        "only All Services is large: {narrowed}"
    );
    let r = app
        .get(
            &format!("/api/v1/suppliers?tender={id}&kind=everyone&line=x"),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let named: Vec<String> = r.field_errors().keys().cloned().collect();
    assert_eq!(named, ["kind", "line"]);
    let r = app
        .get("/api/v1/suppliers.csv?tender=1&kind=local", Some(&token))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an export does not ignore the tender: {r:?}"
    );
}
