//! Spend analysis end to end through the REST API: uploads (CSV, XLSX, multipart, every
//! messy form), hand-computed figures, the real councils' files, review decisions
//! remembered per buyer, authorisation, and a job re-run after its worker died.

use anchorlink_tests::{Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{json, Value};

const BUYER: &str = "buyer@preston.example";

/// A supplier with a published profile, made through the API as a supplier would.
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

/// The three suppliers of the hand-computed file: a local worker co-op (micro, with
/// declared local shares), a large firm in Manchester, a small local builder.
async fn registry(app: &TestApp) -> (i64, i64, i64) {
    let hillside = supplier(
        app,
        "hello@hillside.example",
        json!({"name": "Hillside Community Co-operative", "legal_form": "worker_coop",
            "postcode": "PR1 2HE", "cpv": ["55520000"], "employees": 5, "turnover_gbp": 100000,
            "local_staff_pct": 80, "local_spend_pct": 50,
            "capability_statement": "Catering for schools and events"}),
    )
    .await;
    let national = supplier(
        app,
        "bids@national.example",
        json!({"name": "National Facilities PLC", "legal_form": "private_limited_company",
            "postcode": "M1 1AE", "cpv": ["79993000"], "employees": 5000,
            "turnover_gbp": 900000000, "capability_statement": "Facilities management"}),
    )
    .await;
    let fulwood = supplier(
        app,
        "office@fulwood.example",
        json!({"name": "Fulwood Builders Ltd", "legal_form": "private_limited_company",
            "postcode": "PR2 8DY", "cpv": ["45000000"], "employees": 20,
            "turnover_gbp": 2000000, "capability_statement": "Building repairs"}),
    )
    .await;
    (hillside, national, fulwood)
}

async fn buyer(app: &TestApp, email: &str, organisation: &str) -> String {
    app.add_user(email, "buyer", Some(organisation)).await;
    app.token(email).await
}

async fn upload(
    app: &TestApp,
    query: &str,
    content_type: &str,
    body: Vec<u8>,
    token: &str,
) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/spend/analyses?{query}"))
        .header(header::HOST, "localhost")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

/// A CSV body through the API, analysed within the request: asserts the 201.
async fn analysed(app: &TestApp, query: &str, csv: impl Into<Vec<u8>>, token: &str) -> Reply {
    let r = upload(app, query, "text/csv", csv.into(), token).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r
}

/// The hand-computed file: every amount form, a credit note, a redacted payee, an
/// unknown payee and the council's total line.
const HAND_FILE: &str = "Supplier Name,Amount,Payment Date,Expense Type\r\n\
HILLSIDE COMMUNITY CO-OPERATIVE,\"£1,000.00\",01/04/2025,Catering\r\n\
NATIONAL FACILITIES PLC,(250.00),05-Oct-25,Catering\r\n\
NATIONAL FACILITIES PLC,\"1,500.00\",16 November 2025,Repairs\r\n\
FULWOOD BUILDERS LIMITED,£500,2025-04-03,Repairs\r\n\
UNKNOWN FIRM LTD,161.41-,01/04/2025,Repairs\r\n\
REDACTED PERSONAL DATA,\"1,234.50\",1/4/25,Catering\r\n\
Total,\"3,823.09\",,\r\n";

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

#[tokio::test]
async fn a_hand_computed_file_gives_the_hand_computed_shares_leakage_and_lm3() {
    let app = TestApp::spawn().await;
    let (hillside, national, fulwood) = registry(&app).await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let r = analysed(
        &app,
        "area=PR1,PR2&near=M1&within_km=5&name=April%20payments",
        HAND_FILE,
        &token,
    )
    .await;
    let a = r.json();
    // Accepted: 1000 - 250 + 1500 + 500 - 161.41 + 1234.50 (the footer is refused).
    assert!(close(&a["total"], 3823.09), "{a}");
    assert!(close(&a["matched_total"], 2750.0));
    // Local: Hillside 1000 + Fulwood 500; SME the same two; social economy Hillside.
    assert!(close(&a["local_share"], 1500.0 / 3823.09));
    assert!(close(&a["sme_share"], 1500.0 / 3823.09));
    assert!(close(&a["social_economy_share"], 1000.0 / 3823.09));
    // The wider region (5 km round M1) adds National's 1250.
    assert!(close(&a["region_share"], 2750.0 / 3823.09));
    assert_eq!(a["rows"], 7);
    assert_eq!(a["unmatched_rows"], 2);
    assert_eq!(
        a["rejected_rows"],
        json!([{"row": 8, "reason": "'Total' is a total line, not a payment", "amount": 3823.09}])
    );
    // Matched + unmatched + refused = every amount cell of the file.
    let unmatched = app
        .get(
            &format!("/api/v1/spend/analyses/{}/unmatched", a["id"]),
            Some(&token),
        )
        .await
        .json();
    let unmatched_total: f64 = unmatched["unmatched"]
        .as_array()
        .expect("list")
        .iter()
        .map(|g| g["amount"].as_f64().expect("amount"))
        .sum();
    assert!((2750.0 + unmatched_total - 3823.09).abs() < 1e-6);
    assert_eq!(unmatched["unmatched"][0]["reason"], "redacted");
    assert_eq!(unmatched["unmatched"][1]["name"], "UNKNOWN FIRM LTD");

    // LM3 (default assumptions): Hillside local with 80 % / 50 %: R2 520, R3 156;
    // Fulwood local, silent profile: R2 150, R3 45; National not local: R1 only.
    assert_eq!(a["lm3"]["round1"], 382_309);
    assert_eq!(a["lm3"]["round2"], 67_000);
    assert_eq!(a["lm3"]["round3"], 20_100);
    assert!(close(&a["lm3"]["multiplier"], 469_409.0 / 382_309.0));
    assert_eq!(a["assumptions"]["respend_share"], 0.3);

    let id = a["id"].as_i64().expect("id");
    let s = app
        .get(
            &format!("/api/v1/spend/analyses/{id}/suppliers"),
            Some(&token),
        )
        .await
        .json();
    let lines: Vec<(i64, f64, u64)> = s["suppliers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|l| {
            (
                l["supplier_id"].as_i64().expect("id"),
                l["amount"].as_f64().expect("amount"),
                l["rows"].as_u64().expect("rows"),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (national, 1250.0, 2),
            (hillside, 1000.0, 1),
            (fulwood, 500.0, 1)
        ]
    );
    assert_eq!(s["suppliers"][1]["name"], "Hillside Community Co-operative");
    assert!(
        close(&s["suppliers"][1]["confidence"], 0.97),
        "same name: 0.97"
    );

    let leakage = app
        .get(
            &format!("/api/v1/spend/analyses/{id}/leakage"),
            Some(&token),
        )
        .await
        .json();
    // Repairs: 1500 with National outside the area + -161.41 unmatched leaves 1338.59,
    // and Fulwood could deliver; Catering: -250 outside + 1234.50 unmatched = 984.50,
    // and Hillside could.
    let l = &leakage["leakage"];
    assert_eq!(l[0]["label"], "Repairs");
    assert!(close(&l[0]["leaving"], 1338.59));
    assert_eq!(l[0]["cpv_source"], "matched_suppliers");
    assert_eq!(l[0]["local_supplier_count"], 1);
    assert_eq!(l[0]["local_suppliers"][0]["supplier_id"], fulwood);
    assert_eq!(l[0]["search_url"], "/suppliers?cpv=45000000&area=PR1,PR2");
    assert_eq!(l[1]["label"], "Catering");
    assert!(close(&l[1]["leaving"], 984.5));
    assert_eq!(l[1]["local_suppliers"][0]["supplier_id"], hillside);

    let c = app
        .get(
            &format!("/api/v1/spend/analyses/{id}/categories"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(c["categories"][0]["label"], "Catering");
    assert!(close(&c["categories"][0]["total"], 1984.5));
    assert_eq!(c["years"][0]["key"], "2025/26");

    let got = app
        .get(&format!("/api/v1/spend/analyses/{id}"), Some(&token))
        .await;
    assert_eq!(got.status, StatusCode::OK);
    insta::assert_json_snapshot!("spend_analysis", got.json(), {
        ".id" => "[id]",
        ".job_id" => "[id]",
        ".created_at" => "[timestamp]",
        ".finished_at" => "[timestamp]",
    });
}

#[tokio::test]
async fn columns_are_taken_by_name_or_position_and_a_file_without_them_gets_422() {
    let app = TestApp::spawn().await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let odd = "Body,Beneficiary,Cost,When\r\nPreston,ACME LTD,10.00,01/04/2025\r\n";
    let r = upload(
        &app,
        "area=PR1",
        "text/csv",
        odd.as_bytes().to_vec(),
        &token,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let message = r.json()["errors"]["file"]
        .as_str()
        .expect("file error")
        .to_owned();
    assert!(message.contains("amount"), "{message}");
    assert!(
        message.contains("\"Body\", \"Beneficiary\", \"Cost\", \"When\""),
        "{message}"
    );
    let list = app.get("/api/v1/spend/analyses", Some(&token)).await.json();
    assert_eq!(
        list["analyses"],
        json!([]),
        "a refused upload leaves nothing"
    );

    let by_name = analysed(
        &app,
        "area=PR1&columns=supplier_name:Beneficiary,amount:Cost,date:When",
        odd,
        &token,
    )
    .await;
    assert!(close(&by_name.json()["total"], 10.0));
    assert_eq!(by_name.json()["columns"]["amount"], "Cost");

    let headerless = "Preston,ACME LTD,10.00,01/04/2025\r\nPreston,BETA LTD,(2.50),02/04/2025\r\n";
    let by_position = upload(
        &app,
        "area=PR1&columns=supplier_name:2,amount:3,date:4",
        "text/csv",
        headerless.as_bytes().to_vec(),
        &token,
    )
    .await;
    assert_eq!(
        by_position.status,
        StatusCode::CREATED,
        "{}",
        by_position.body
    );
    assert!(close(&by_position.json()["total"], 7.5));

    let unknown = upload(
        &app,
        "area=PR1&columns=supplier_name:Payee,amount:Cost",
        "text/csv",
        odd.as_bytes().to_vec(),
        &token,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.json()["errors"]["columns"]
        .as_str()
        .is_some_and(|m| m.contains("'Payee'")));

    let bad = upload(
        &app,
        "area=ZZ99&columns=amount",
        "text/csv",
        odd.into(),
        &token,
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = bad.json()["errors"].clone();
    assert!(
        errors["area"].is_string() && errors["columns"].is_string(),
        "{errors}"
    );
}

#[tokio::test]
async fn messy_files_in_every_published_form_add_up() {
    let app = TestApp::spawn().await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    // Windows-1252 (0xA3 is £), CR-only line ends, a preamble, a header with colons and
    // a typo, a quoted line break, bracketed and trailing-minus amounts, a bad date, a
    // footer and blank rows.
    let mut file: Vec<u8> = Vec::new();
    for line in [
        &b"Payments over \xA3500, April 2025,,,"[..],
        b"",
        b"Supplier Name: ,Amount ,Date Paid:,Expenditure Catergory",
        b"\"ACME\rLTD\",\"\xA31,234.50\",01/04/2025,Repairs",
        b"BETA SUPPLIES,(250.00),05-Oct-21,Repairs",
        b"GAMMA PLC,\"161,413.00-\",3 Apr 2023,Catering",
        b"ETA LTD,10.00,04/13/2025,Catering",
        b"REDACTED PERSONAL DATA,-109.03,1/4/25,Grants",
        b"Grand Total,\"1,000.00\",,",
        b",,,",
        b"",
    ] {
        file.extend_from_slice(line);
        file.push(b'\r');
    }
    let r = analysed(&app, "area=PR1", file, &token).await;
    let a = r.json();
    assert!(
        close(&a["total"], 1234.50 - 250.0 - 161_413.0 - 109.03),
        "{a}"
    );
    assert_eq!(a["accepted_rows"], 4);
    let rejected: Vec<u64> = a["rejected_rows"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["row"].as_u64().expect("row"))
        .collect();
    assert_eq!(rejected, [7, 9]);
    assert_eq!(a["unmatched_rows"], 4, "nothing registered: all unmatched");

    // UTF-8 with a byte-order mark.
    let bom = "\u{feff}Supplier,Amount Paid,Payment Date\r\n\"Café Ltd\",£10.00,01/04/2025\r\n";
    let r = analysed(&app, "area=PR1", bom, &token).await;
    let id = r.json()["id"].clone();
    let u = app
        .get(
            &format!("/api/v1/spend/analyses/{id}/unmatched"),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(u["unmatched"][0]["name"], "Café Ltd");
}

#[tokio::test]
async fn an_xlsx_upload_and_a_multipart_form_are_read_like_a_csv_body() {
    use rust_xlsxwriter::Workbook;
    let app = TestApp::spawn().await;
    let (hillside, _, _) = registry(&app).await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet
        .write_string(0, 0, "Payments over £500")
        .expect("cell");
    for (col, h) in ["Supplier Name", "Amount", "Payment Date"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string(2, u16::try_from(col).expect("small"), *h)
            .expect("cell");
    }
    sheet
        .write_string(3, 0, "Hillside Community Co-op")
        .expect("cell");
    sheet.write_number(3, 1, 1234.5).expect("cell");
    sheet.write_string(3, 2, "01/04/2025").expect("cell");
    sheet.write_string(4, 0, "Total").expect("cell");
    sheet.write_number(4, 1, 1234.5).expect("cell");
    let bytes = book.save_to_buffer().expect("xlsx");
    let r = upload(
        &app,
        "area=PR1",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
        &token,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json();
    assert!(close(&a["total"], 1234.5));
    assert!(close(&a["local_share"], 1.0));
    assert_eq!(a["rejected_rows"][0]["row"], 5);
    let s = app
        .get(
            &format!("/api/v1/spend/analyses/{}/suppliers", a["id"]),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(s["suppliers"][0]["supplier_id"], hillside);

    let boundary = "XyZ";
    let mut form = Vec::new();
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nForm upload\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(HAND_FILE.as_bytes());
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = upload(
        &app,
        "area=PR1,PR2",
        &format!("multipart/form-data; boundary={boundary}"),
        form,
        &token,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["name"], "Form upload");
    assert!(close(&r.json()["total"], 3823.09));
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/spend/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

#[tokio::test]
async fn the_two_real_councils_files_are_analysed_whole_and_add_up() {
    let app = TestApp::spawn().await;
    let token = buyer(&app, BUYER, "Oxford City Council").await;
    let r = analysed(
        &app,
        "area=OX1,OX2,OX3,OX4",
        fixture("oxford_2018-q1_expenditure-over-500-jan-mar-2018.csv"),
        &token,
    )
    .await;
    let a = r.json();
    // The sum of the file's Amount column, computed independently.
    assert!(close(&a["total"], 4_339_765.85), "{}", a["total"]);
    assert_eq!(
        (
            a["rows"].as_u64(),
            a["rejected_rows"].as_array().map(Vec::len)
        ),
        (Some(1220), Some(0))
    );
    assert_eq!(
        a["unmatched_rows"], 1220,
        "an empty registry matches nothing"
    );
    let u = app
        .get(
            &format!("/api/v1/spend/analyses/{}/unmatched", a["id"]),
            Some(&token),
        )
        .await
        .json();
    let groups = u["unmatched"].as_array().expect("list");
    let sum: f64 = groups
        .iter()
        .map(|g| g["amount"].as_f64().expect("amount"))
        .sum();
    assert!(
        (sum - 4_339_765.85).abs() < 1e-4,
        "grouped payees add up: {sum}"
    );
    let amounts: Vec<f64> = groups
        .iter()
        .map(|g| g["amount"].as_f64().expect("amount"))
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "largest first");

    let r = analysed(
        &app,
        "area=SE11,SW2,SW9",
        fixture("lambeth_2012-06-payments.csv"),
        &token,
    )
    .await;
    let a = r.json();
    // The council's own Total line states the same sum.
    assert!(close(&a["total"], 40_292_334.84), "{}", a["total"]);
    assert_eq!(a["accepted_rows"], 3155);
    assert_eq!(a["rejected_rows"][0]["row"], 3167);
}

/// The job reads the registry from this process's memory (the supplier pool), which must
/// follow the registry: a supplier that registers between two files is matched in the
/// second, by its legal name or by its trading name.
#[tokio::test]
async fn a_supplier_registered_between_two_files_is_matched_in_the_second() {
    let app = TestApp::spawn().await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let file = "Supplier Name,Amount,Payment Date\r\n\
        FULWOOD BUILDERS LIMITED,500.00,01/04/2025\r\n\
        RIBBLE KITCHENS,200.00,02/04/2025\r\n";
    let first = analysed(&app, "area=PR1,PR2", file, &token).await;
    assert!(close(&first.json()["matched_total"], 0.0), "{}", first.body);
    assert_eq!(first.json()["unmatched_rows"], 2, "{}", first.body);

    let fulwood = supplier(
        &app,
        "office@fulwood.example",
        json!({"name": "Fulwood Builders Ltd", "legal_form": "private_limited_company",
            "postcode": "PR2 8DY", "cpv": ["45000000"], "employees": 20,
            "capability_statement": "Building repairs"}),
    )
    .await;
    let ribble = supplier(
        &app,
        "hello@ribble.example",
        json!({"name": "Ribble Valley Catering Co-operative Limited",
            "trading_name": "Ribble Kitchens", "legal_form": "worker_coop",
            "postcode": "PR1 2HE", "cpv": ["55520000"], "employees": 6,
            "capability_statement": "School meals"}),
    )
    .await;
    let second = analysed(&app, "area=PR1,PR2", file, &token).await;
    let id = second.json()["id"].as_i64().expect("id");
    assert!(
        close(&second.json()["matched_total"], 700.0),
        "{}",
        second.body
    );
    assert!(close(&second.json()["local_share"], 1.0), "{}", second.body);
    let attached = app
        .get(
            &format!("/api/v1/spend/analyses/{id}/suppliers"),
            Some(&token),
        )
        .await
        .json();
    let mut ids: Vec<i64> = attached["suppliers"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["supplier_id"].as_i64())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![fulwood, ribble];
    expected.sort_unstable();
    assert_eq!(ids, expected, "{attached}");
}

#[tokio::test]
async fn a_review_decision_is_remembered_for_the_buyers_next_file_and_not_another_buyers() {
    let app = TestApp::spawn().await;
    let (_, _, fulwood) = registry(&app).await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    // The same name with another legal form: offered for review, never attached alone.
    let file = "Supplier Name,Amount,Payment Date\r\nFULWOOD BUILDERS CIC,100.00,01/04/2025\r\n";
    let r = analysed(&app, "area=PR1,PR2", file, &token).await;
    let id = r.json()["id"].as_i64().expect("id");
    assert!(close(&r.json()["matched_total"], 0.0), "{}", r.body);
    let review = app
        .get(&format!("/api/v1/spend/analyses/{id}/review"), Some(&token))
        .await
        .json();
    let item = &review["review"][0];
    assert_eq!(item["candidates"][0]["supplier_id"], fulwood, "{review}");
    assert_eq!(item["candidates"][0]["name"], "Fulwood Builders Ltd");
    let key = item["key"].as_str().expect("key").to_owned();

    let other = buyer(&app, "buyer@lancs.example", "Lancashire County Council").await;
    let refused = app
        .send_json(
            "POST",
            &format!("/api/v1/spend/analyses/{id}/review"),
            &json!({"key": key, "decision": "confirm", "supplier_id": fulwood}),
            Some(&other),
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    let decided = app
        .send_json(
            "POST",
            &format!("/api/v1/spend/analyses/{id}/review"),
            &json!({"key": key, "decision": "confirm", "supplier_id": fulwood}),
            Some(&token),
        )
        .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert!(
        close(&decided.json()["matched_total"], 100.0),
        "the figures follow"
    );
    assert!(close(&decided.json()["local_share"], 1.0));

    // The same buyer's next file attaches at once; another buyer's does not.
    let next = upload(
        &app,
        "area=PR1,PR2",
        "text/csv",
        file.as_bytes().to_vec(),
        &token,
    )
    .await;
    assert!(close(&next.json()["matched_total"], 100.0), "{}", next.body);
    let theirs = upload(
        &app,
        "area=PR1,PR2",
        "text/csv",
        file.as_bytes().to_vec(),
        &other,
    )
    .await;
    assert!(
        close(&theirs.json()["matched_total"], 0.0),
        "{}",
        theirs.body
    );
}

#[tokio::test]
async fn only_the_owner_buyer_organisation_and_admins_see_an_analysis() {
    let app = TestApp::spawn().await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let r = upload(&app, "area=PR1", "text/csv", HAND_FILE.into(), &token).await;
    let id = r.json()["id"].as_i64().expect("id");
    app.add_user(
        "colleague@preston.example",
        "buyer",
        Some("Preston City Council"),
    )
    .await;
    let colleague = app.token("colleague@preston.example").await;
    let other = buyer(&app, "buyer@lancs.example", "Lancashire County Council").await;
    app.add_user("admin@platform.example", "admin", None).await;
    let admin = app.token("admin@platform.example").await;
    app.add_user("s@supplier.example", "supplier", Some("Some Co-op"))
        .await;
    let supplier = app.token("s@supplier.example").await;
    for path in [
        "",
        "/suppliers",
        "/categories",
        "/leakage",
        "/review",
        "/unmatched",
    ] {
        let path = format!("/api/v1/spend/analyses/{id}{path}");
        assert_eq!(
            app.get(&path, Some(&colleague)).await.status,
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            app.get(&path, Some(&admin)).await.status,
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            app.get(&path, Some(&other)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            app.get(&path, Some(&supplier)).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(
            app.get(&path, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    let by_supplier = upload(&app, "area=PR1", "text/csv", HAND_FILE.into(), &supplier).await;
    assert_eq!(by_supplier.status, StatusCode::FORBIDDEN);
}

/// Everything the API shows of an analysis (its finishing time aside).
async fn read_all(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        "",
        "/suppliers",
        "/categories",
        "/leakage",
        "/unmatched",
        "/review",
    ] {
        let mut v = app
            .get(&format!("/api/v1/spend/analyses/{id}{path}"), Some(token))
            .await
            .json();
        if path.is_empty() {
            v["finished_at"] = Value::Null;
        }
        out.push(v);
    }
    out
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_again_to_the_same_result() {
    let app = TestApp::spawn().await;
    registry(&app).await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let r = upload(
        &app,
        "area=PR1,PR2&near=M1",
        "text/csv",
        HAND_FILE.into(),
        &token,
    )
    .await;
    let first = r.json();
    let id = first["id"].as_i64().expect("id");
    let job_id = first["job_id"].as_i64().expect("job");
    let before = read_all(&app, &token, id).await;
    // The worker dies after its run: the job is still "running" under an expired lease,
    // and a stray row stands for anything a half-done run could have left.
    backend::entities::job::ActiveModel {
        id: Set(job_id),
        status: Set("running".to_owned()),
        lease_owner: Set(Some("dead-worker".to_owned())),
        lease_until: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    }
    .update(&app.state.db)
    .await
    .expect("job row");
    backend::entities::spend_analysis_payee::ActiveModel {
        analysis_id: Set(id),
        key: Set("stray".to_owned()),
        name: Set("STRAY".to_owned()),
        status: Set("unmatched".to_owned()),
        reason: Set(Some("no_candidate".to_owned())),
        amount: Set(1),
        rows: Set(1),
        first_row: Set(1),
        candidates: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("stray row");
    assert_eq!(
        app.run_jobs().await,
        1,
        "the expired lease lets it run again"
    );
    let job = backend::entities::job::Entity::find_by_id(job_id)
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("job");
    assert_eq!(job.status, "done");
    assert_eq!(read_all(&app, &token, id).await, before);
}

#[tokio::test]
async fn the_pages_upload_a_file_without_javascript_and_show_the_results_with_charts_and_tables() {
    let app = TestApp::spawn().await;
    let (hillside, _, _) = registry(&app).await;
    app.add_user(BUYER, "buyer", Some("Preston City Council"))
        .await;
    let cookie = app.sign_in(BUYER).await;
    let r = page_upload(&app, &cookie, "Page upload", "p.csv", HAND_FILE.as_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/spend/1/columns"),
        "the buyer checks the columns first"
    );
    assert_eq!(
        app.run_jobs().await,
        0,
        "nothing runs before the columns are confirmed"
    );
    let columns = app.page("/spend/1/columns", Some(&cookie)).await;
    assert!(
        columns.body.contains("Header found on row 1"),
        "{}",
        columns.body
    );
    let r = run_form(
        &app,
        &cookie,
        1,
        &[
            ("supplier_name", "1"),
            ("amount", "2"),
            ("date", "3"),
            ("category", "4"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let job_page = r.header("location").expect("to the job's page");
    assert!(job_page.starts_with("/jobs/"), "{job_page}");
    assert_eq!(app.run_jobs().await, 1);
    let job = app.page(&job_page, Some(&cookie)).await;
    assert!(
        job.body.contains("/spend/1"),
        "the job links to the results"
    );

    let page = app.page("/spend/1", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "Page upload",
        "Shares of the total",
        "<svg",
        "<title>Shares of the total spend. In your area: 39.2%",
        "Where money leaves although local suppliers could deliver",
        "Fulwood Builders Ltd",
        "UNKNOWN FIRM LTD",
        "LM3 = 1.23",
        "Row 8: ",
        "is a total line, not a payment",
    ] {
        assert!(page.body.contains(text), "{text} missing from the page");
    }
    let list = app.page("/spend", Some(&cookie)).await;
    assert!(list.body.contains("Page upload") && list.body.contains("39.2%"));
    let csv = app.page("/spend/1/suppliers.csv", Some(&cookie)).await;
    assert!(
        csv.body.starts_with("supplier_id,name,amount_gbp")
            && csv.body.contains(&format!(
                "{hillside},Hillside Community Co-operative,1000.00"
            )),
        "{}",
        csv.body
    );
    let other = app.page("/spend/1", None).await;
    assert!(
        !other.body.contains("UNKNOWN FIRM LTD"),
        "visitors see nothing"
    );
}

/// The upload form of `/spend` as a browser posts it (multipart, session cookie).
async fn page_upload(
    app: &TestApp,
    cookie: &str,
    name: &str,
    filename: &str,
    file: &[u8],
) -> Reply {
    let boundary = "PageForm";
    let mut form = Vec::new();
    for (field, value) in [("name", name), ("area", "PR1,PR2")] {
        form.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(file);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/spend/upload")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost")
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(form))
        .expect("request");
    app.send(req).await
}

/// The mapping page's "Analyse with these columns" (a plain form post).
async fn run_form(app: &TestApp, cookie: &str, id: i64, choices: &[(&str, &str)]) -> Reply {
    app.post_form(
        &format!("/spend/{id}/run"),
        choices,
        Some(cookie),
        &format!("/spend/{id}/columns"),
    )
    .await
}

/// The mapping step's data, as the page's server function returns it.
async fn column_preview(app: &TestApp, cookie: &str, id: i64, columns: Option<&str>) -> Value {
    let id = id.to_string();
    let mut fields = vec![("id", id.as_str())];
    if let Some(c) = columns {
        fields.push(("columns", c));
    }
    let r = app
        .call_fn("/api/spend-columns", &fields, Some(cookie))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

fn position_of(preview: &Value, field: &str) -> Value {
    preview["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["field"] == field))
        .map(|f| f["position"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_mapping_step_shows_the_detected_columns_and_the_first_rows_as_read() {
    let app = TestApp::spawn().await;
    app.add_user(BUYER, "buyer", Some("Preston City Council"))
        .await;
    let cookie = app.sign_in(BUYER).await;
    // A preamble before the header, as Lambeth prints, and a twelve-row body.
    let mut file =
        String::from("Payments over £500\r\n\r\nVendor,Net Amount,Paid Date,Expense Type\r\n");
    for i in 1..=12 {
        file.push_str(&format!(
            "FIRM {i} LTD,\"£1,{i:03}.50\",0{}/04/2025,Repairs\r\n",
            1 + i % 9
        ));
    }
    let r = page_upload(&app, &cookie, "Preamble", "p.csv", file.as_bytes()).await;
    assert_eq!(r.header("location").as_deref(), Some("/spend/1/columns"));
    let p = column_preview(&app, &cookie, 1, None).await;
    assert_eq!(p["status"], "mapping");
    assert_eq!(p["header_row"], 3);
    assert_eq!(p["problem"], Value::Null);
    assert_eq!(position_of(&p, "supplier_name"), 1);
    assert_eq!(position_of(&p, "amount"), 2);
    assert_eq!(position_of(&p, "date"), 3);
    assert_eq!(position_of(&p, "category"), 4);
    assert_eq!(position_of(&p, "postcode"), Value::Null);
    assert_eq!(
        p["options"][1],
        json!({"position": 2, "label": "Column 2: Net Amount"})
    );
    let rows = p["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10, "the first ten data rows");
    assert_eq!(
        rows[0],
        json!({"row": 4, "payee": "FIRM 1 LTD", "amount": 1001.5, "date": "2025-04-02",
            "category": "Repairs", "outcome": "payment"})
    );
    let page = app.page("/spend/1/columns", Some(&cookie)).await;
    for text in [
        "Header found on row 3",
        "<label for=\"col-supplier_name\">",
        "Column 2: Net Amount",
        "<caption id=\"mapping-preview-caption\">",
        "FIRM 10 LTD",
        "£1,010.50",
    ] {
        assert!(page.body.contains(text), "{text} missing from the page");
    }
    assert!(
        !page.body.contains("FIRM 11 LTD"),
        "only ten rows are shown"
    );
    // Someone else's file is not there for them.
    app.add_user(
        "other@lancs.example",
        "buyer",
        Some("Lancashire County Council"),
    )
    .await;
    let other = app.sign_in("other@lancs.example").await;
    let r = app
        .call_fn("/api/spend-columns", &[("id", "1")], Some(&other))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

#[tokio::test]
async fn a_corrected_mapping_by_header_or_position_is_what_the_analysis_reads() {
    let app = TestApp::spawn().await;
    registry(&app).await;
    app.add_user(BUYER, "buyer", Some("Preston City Council"))
        .await;
    let cookie = app.sign_in(BUYER).await;
    // Detection takes "Supplier" (a creditor code) for the payee; the name is in "Who".
    let file = "Supplier,Who,Amount,Date\r\n\
        S001,HILLSIDE COMMUNITY CO-OPERATIVE,\"1,000.00\",01/04/2025\r\n\
        S002,FULWOOD BUILDERS LTD,500.00,02/04/2025\r\n";
    page_upload(&app, &cookie, "Corrected", "c.csv", file.as_bytes()).await;
    let detected = column_preview(&app, &cookie, 1, None).await;
    assert_eq!(detected["rows"][0]["payee"], "S001");
    // By header, as the API spells it.
    let by_header = column_preview(&app, &cookie, 1, Some("supplier_name:Who")).await;
    assert_eq!(position_of(&by_header, "supplier_name"), 2);
    assert_eq!(
        by_header["rows"][0]["payee"],
        "HILLSIDE COMMUNITY CO-OPERATIVE"
    );
    // By position, as the page's selects send it; the preview page keeps the choices.
    let page = app
        .page(
            "/spend/1/columns?supplier_name=2&amount=3&date=4&supplier_id=1",
            Some(&cookie),
        )
        .await;
    assert!(
        page.body.contains("HILLSIDE COMMUNITY CO-OPERATIVE"),
        "{}",
        page.body
    );
    let r = run_form(
        &app,
        &cookie,
        1,
        &[
            ("supplier_name", "2"),
            ("amount", "3"),
            ("date", "4"),
            ("supplier_id", "1"),
            ("postcode", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r
        .header("location")
        .is_some_and(|l| l.starts_with("/jobs/")));
    assert_eq!(app.run_jobs().await, 1);
    let token = app.token(BUYER).await;
    let suppliers = app
        .get("/api/v1/spend/analyses/1/suppliers", Some(&token))
        .await
        .json();
    let names: Vec<&str> = suppliers["suppliers"]
        .as_array()
        .expect("suppliers")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Hillside Community Co-operative", "Fulwood Builders Ltd"]
    );
    // Once run, the columns are not confirmed a second time.
    let again = run_form(&app, &cookie, 1, &[("supplier_name", "2"), ("amount", "3")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn a_file_whose_columns_are_not_found_names_what_is_missing_and_the_header_seen() {
    let app = TestApp::spawn().await;
    app.add_user(BUYER, "buyer", Some("Preston City Council"))
        .await;
    let cookie = app.sign_in(BUYER).await;
    let file = "Party,Value Paid,When\r\nACME LTD,10.00,01/04/2025\r\n";
    page_upload(&app, &cookie, "Odd", "o.csv", file.as_bytes()).await;
    let p = column_preview(&app, &cookie, 1, None).await;
    assert_eq!(
        p["problem"],
        "could not find the supplier name column; the header seen was: \"Party\", \"Value Paid\", \"When\""
    );
    assert_eq!(p["header"], json!(["Party", "Value Paid", "When"]));
    assert_eq!(p["options"].as_array().map(Vec::len), Some(3));
    let page = app.page("/spend/1/columns", Some(&cookie)).await;
    assert!(page.body.contains("The columns could not all be found"));
    assert!(page
        .body
        .contains("could not find the supplier name column"));
    assert!(page
        .body
        .contains("Choose the column that holds the supplier name"));
    // Confirming without the payee goes back to the page, choices kept, nothing queued.
    let r = run_form(&app, &cookie, 1, &[("supplier_name", ""), ("amount", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/spend/1/columns?columns=supplier_name:-,amount:2")
    );
    assert_eq!(app.run_jobs().await, 0);
    let back = app
        .page(
            "/spend/1/columns?columns=supplier_name:-,amount:2",
            Some(&cookie),
        )
        .await;
    assert!(
        back.body
            .contains("could not find the supplier name column"),
        "{}",
        back.body
    );
    // Choosing the column analyses the file.
    let r = run_form(
        &app,
        &cookie,
        1,
        &[("supplier_name", "1"), ("amount", "2"), ("date", "3")],
    )
    .await;
    assert!(
        r.header("location")
            .is_some_and(|l| l.starts_with("/jobs/")),
        "{}",
        r.body
    );
    assert_eq!(app.run_jobs().await, 1);
    let token = app.token(BUYER).await;
    let a = app
        .get("/api/v1/spend/analyses/1", Some(&token))
        .await
        .json();
    assert_eq!(a["status"], "done", "{a}");
    assert!(close(&a["total"], 10.0));
}

/// A download's bytes (a workbook is not text).
async fn download(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request");
    let (status, _, bytes) = app.send_raw(req).await;
    (status, bytes)
}

/// The first sheet of a workbook, cell by cell.
fn sheet(bytes: Vec<u8>) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a readable workbook");
    let name = book.sheet_names().first().cloned().expect("a sheet");
    let range = book.worksheet_range(&name).expect("the sheet");
    range.rows().map(<[calamine::Data]>::to_vec).collect()
}

#[tokio::test]
async fn the_tables_download_as_xlsx_with_numbers_as_numbers_and_formulas_made_inert() {
    use calamine::Data;
    let app = TestApp::spawn().await;
    let (hillside, _, _) = registry(&app).await;
    let token = buyer(&app, BUYER, "Preston City Council").await;
    let file = "Supplier Name,Amount,Payment Date,Expense Type\r\n\
        HILLSIDE COMMUNITY CO-OPERATIVE,\"£1,000.00\",01/04/2025,Catering\r\n\
        \"=HYPERLINK(\"\"http://x.example\"\")\",(250.00),02/04/2025,@Catering\r\n\
        +44 TRADING,99.99,03/04/2025,Catering\r\n";
    analysed(&app, "area=PR1", file, &token).await;
    let cookie = app.sign_in(BUYER).await;

    let (status, bytes) = download(&app, "/spend/1/unmatched.xlsx", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let rows = sheet(bytes);
    assert_eq!(rows[0][0], Data::String("payee".into()));
    assert_eq!(rows[0][2], Data::String("amount_gbp".into()));
    let formula = rows
        .iter()
        .find(|r| r[2] == Data::Float(-250.0))
        .expect("the credit note, a negative number");
    assert_eq!(
        formula[0],
        Data::String("'=HYPERLINK(\"http://x.example\")".into())
    );
    assert_eq!(formula[3], Data::Float(1.0), "rows are a number");
    assert!(rows
        .iter()
        .any(|r| r[0] == Data::String("'+44 TRADING".into())));

    let (_, bytes) = download(&app, "/spend/1/suppliers.xlsx", &cookie).await;
    let rows = sheet(bytes);
    assert_eq!(rows[1][0], Data::String(hillside.to_string()));
    assert_eq!(
        rows[1][1],
        Data::String("Hillside Community Co-operative".into())
    );
    assert_eq!(rows[1][2], Data::Float(1000.0));
    assert_eq!(rows[1][5], Data::Bool(true), "local is a yes/no cell");

    let (_, bytes) = download(&app, "/spend/1/categories.xlsx", &cookie).await;
    let rows = sheet(bytes);
    let label = |r: &Vec<Data>, text: &str| {
        r[0] == Data::String("category".into()) && r[2] == Data::String(text.into())
    };
    let catering = rows
        .iter()
        .find(|r| label(r, "Catering"))
        .expect("catering");
    assert_eq!(catering[3], Data::Float(1099.99));
    assert!(
        matches!(catering[5], Data::Float(s) if (s - 1000.0 / 1099.99).abs() < 1e-9),
        "the local share is a number: {:?}",
        catering[5]
    );
    let odd = rows
        .iter()
        .find(|r| label(r, "'@Catering"))
        .expect("the category made inert");
    assert_eq!(odd[3], Data::Float(-250.0));

    let (status, bytes) = download(&app, "/spend/1/leakage.xlsx", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sheet(bytes)[0][2], Data::String("leaving_gbp".into()));
    let (_, csv) = download(&app, "/spend/1/unmatched.csv", &cookie).await;
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x.example\"\")\""),
        "{csv}"
    );
    assert!(
        csv.contains(",-250.00,"),
        "a credit note stays a number: {csv}"
    );

    // Nobody else downloads them; an unknown table is not there.
    let (status, _) = download(&app, "/spend/1/unknown.xlsx", &cookie).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.add_user(
        "other@lancs.example",
        "buyer",
        Some("Lancashire County Council"),
    )
    .await;
    let other = app.sign_in("other@lancs.example").await;
    let (status, _) = download(&app, "/spend/1/suppliers.xlsx", &other).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
