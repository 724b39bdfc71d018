//! Opportunity alerts end to end: a tender published by a buyer and a Sell2Wales release
//! imported through the API each reach exactly the eligible suppliers' users by e-mail
//! (the outbox), once; digest users get one digest; unsubscribed users get nothing; the
//! unsubscribe link works without signing in.

use anchorlink_tests::{binary, json, wait_until, TestApp};
use axum::http::StatusCode;
use backend::entities::{alert_delivery, job, lot_match};
use backend::services::tendering::alerts;
use domain::tendering::alerts::AlertMode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use std::collections::BTreeMap;

/// A published supplier (one user), then its profile details.
async fn supplier(
    app: &TestApp,
    email: &str,
    name: &str,
    postcode: &str,
    cpv: &str,
    details: Value,
) -> i64 {
    app.supplier_with_details(email, name, postcode, cpv, &details)
        .await
        .0
}

/// Preston's buyer, and suppliers of every kind the rule tells apart.
async fn world() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let near = json!({"employees": 6, "turnover_gbp": 600000, "service_radius_km": 40});
    // Eligible for the mowing lot: three users, one per alert setting.
    supplier(
        &app,
        "mo@mowers.coop",
        "Mowers Co-operative",
        "PR1 2HE",
        "77314000",
        near.clone(),
    )
    .await;
    app.add_user("daily@mowers.coop", "supplier", Some("Mowers Co-operative"))
        .await;
    app.add_user("off@mowers.coop", "supplier", Some("Mowers Co-operative"))
        .await;
    // Eligible for both lots (77000000 is an ancestor of both lines' codes).
    supplier(
        &app,
        "al@all.coop",
        "All Services Co-op",
        "PR2 2AA",
        "77000000",
        near.clone(),
    )
    .await;
    // Wrong CPV, wrong place, over capacity, unpublished.
    supplier(
        &app,
        "cl@clean.coop",
        "Clean Team Co-op",
        "PR1 3AA",
        "90911200",
        near.clone(),
    )
    .await;
    supplier(
        &app,
        "sh@sheffield.coop",
        "Sheffield Grounds",
        "S1 2AA",
        "77314000",
        near.clone(),
    )
    .await;
    supplier(
        &app,
        "ti@tiny.coop",
        "Tiny Mowers",
        "PR1 3AA",
        "77314000",
        json!({"employees": 1, "turnover_gbp": 20000, "max_contract_value_gbp": 5000, "service_radius_km": 40}),
    )
    .await;
    supplier(
        &app,
        "dr@draft.coop",
        "Draft Mowers",
        "PR1 8AA",
        "77314000",
        json!({"employees": 3, "turnover_gbp": 600000, "service_radius_km": 40, "published": false}),
    )
    .await;
    for (email, mode) in [
        ("daily@mowers.coop", AlertMode::Daily),
        ("off@mowers.coop", AlertMode::Off),
    ] {
        let actor = app.actor(email).await;
        let w = app.state.write().await.expect("begin");
        alerts::set_mode(&w, &actor, mode).await.expect("setting");
        w.commit().await.expect("commit");
    }
    let bea = app.token("bea@preston.gov.uk").await;
    (app, bea)
}

/// Subject prefix → recipient → how many such mails.
fn recipients(mails: &[String], subject: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in mails {
        if !m
            .lines()
            .any(|l| l.starts_with("Subject: ") && l.contains(subject))
        {
            continue;
        }
        if let Some(to) = m.lines().find_map(|l| l.strip_prefix("To: ")) {
            *out.entry(to.trim().to_owned()).or_insert(0) += 1;
        }
    }
    out
}

fn set(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// Drafts, divides into two lots and publishes the parks tender; returns its id.
async fn publish_parks(app: &TestApp, bea: &str) -> i64 {
    publish_titled(app, bea, "Parks 2027").await
}

/// As [`publish_parks`], with its own title.
async fn publish_titled(app: &TestApp, bea: &str, title: &str) -> i64 {
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &json!({
                "title": title,
                "description": "Grounds and trees for Preston's parks.",
                "deadline": "2099-03-31",
                "local_area": {"outcodes": ["PR1", "PR2"]},
                "items": [
                    {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000, "delivery_postcode": "PR1 2HE"},
                    {"description": "Tree surgery", "cpv": "77211400", "value_gbp": 30000, "delivery_postcode": "PR2"}
                ]
            }),
            Some(bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let created = r.json();
    let id = created["id"].as_i64().expect("id");
    let lines: Vec<i64> = created["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("item id"))
        .collect();
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/tenders/{id}/lots"),
            &json!({"lots": [
                {"title": "Mowing", "items": [lines[0]]},
                {"title": "Trees", "items": [lines[1]]}
            ]}),
            Some(bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .send_json(
            "POST",
            &format!("/api/v1/tenders/{id}/publish"),
            &json!({}),
            Some(bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    id
}

/// Makes the queued digest due now (it waits for 07:00 UTC otherwise).
async fn digest_due_now(app: &TestApp) {
    let n = job::Entity::update_many()
        .col_expr(
            job::Column::RunAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(job::Column::Kind.eq("alerts_digest"))
        .filter(job::Column::Status.eq("queued"))
        .exec(&app.state.db)
        .await
        .expect("digest due");
    assert_eq!(n.rows_affected, 1, "one digest is queued");
}

#[tokio::test]
async fn a_published_tender_alerts_exactly_the_eligible_suppliers_users_once() {
    let (app, bea) = world().await;
    let id = publish_parks(&app, &bea).await;
    let mails = app.mails().await;
    assert_eq!(
        recipients(&mails, "New lots you can bid for")
            .into_iter()
            .chain(recipients(&mails, "New lot you can bid for"))
            .collect::<BTreeMap<_, _>>(),
        set(&[("al@all.coop", 1), ("mo@mowers.coop", 1)]),
        "only the eligible suppliers' immediate users, one e-mail each"
    );
    // One e-mail per user per tender, listing its lots.
    let all = mails
        .iter()
        .find(|m| m.contains("To: al@all.coop"))
        .expect("mail");
    assert!(
        all.contains("Lot 1: Mowing") && all.contains("Lot 2: Trees"),
        "{all}"
    );
    assert!(
        all.contains(&format!("http://localhost/tenders/{id}")),
        "{all}"
    );
    assert!(all.contains("http://localhost/opportunities"), "{all}");
    assert!(
        all.contains("List-Unsubscribe: <http://localhost/alerts/unsubscribe?token="),
        "{all}"
    );
    assert!(
        all.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{all}"
    );
    let mowers = mails
        .iter()
        .find(|m| m.contains("To: mo@mowers.coop"))
        .expect("mail");
    assert!(
        mowers.contains("Lot 1: Mowing") && !mowers.contains("Lot 2: Trees"),
        "{mowers}"
    );

    // The matches recorded: exactly the eligible (supplier, lot) pairs.
    let matches = lot_match::Entity::find()
        .filter(lot_match::Column::TenderId.eq(id))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(matches, 3, "Mowers: lot 1; All Services: lots 1 and 2");

    // The digest user gets one digest listing the lot, the unsubscribed user nothing.
    assert!(
        recipients(&mails, "daily opportunities").is_empty(),
        "not before 07:00"
    );
    digest_due_now(&app).await;
    let mails = app.mails().await;
    assert_eq!(
        recipients(&mails, "daily opportunities"),
        set(&[("daily@mowers.coop", 1)])
    );
    assert!(!mails.iter().any(|m| m.contains("To: off@mowers.coop")));

    // Running every job again, and matching the tender again, sends nothing new.
    let before = app.mails().await.len();
    let w = app.state.write().await.expect("begin");
    backend::jobs::enqueue(
        &w,
        &alerts::MatchTender { tender_id: id },
        backend::jobs::Enqueue::now(),
    )
    .await
    .expect("enqueue");
    w.commit().await.expect("commit");
    let after = app.mails().await;
    assert_eq!(after.len(), before, "matching again owes nothing new");
    let owed = alert_delivery::Entity::find()
        .filter(alert_delivery::Column::Status.ne(alerts::SENT))
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(owed, 0, "every delivery is sent");
}

/// The Sell2Wales dynamic purchasing system for energy efficiency: eight lots, open until
/// 2029; each item's codes are in `additionalClassifications`.
fn sell2wales_release() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ocds/sell2wales-2025/WRel49.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

#[tokio::test]
async fn an_imported_sell2wales_release_alerts_exactly_the_eligible_suppliers_once() {
    let (app, bea) = world().await;
    // Heating maintenance (50720000): lots 1, 2 and 5 list it first.
    supplier(
        &app,
        "he@heat.coop",
        "Heat Pump Co-operative",
        "CF10 1AA",
        "50720000",
        json!({"employees": 8, "turnover_gbp": 900000}),
    )
    .await;
    supplier(
        &app,
        "so@solar.coop",
        "Solar Workers",
        "SA1 1AA",
        "09331000",
        json!({"employees": 8, "turnover_gbp": 900000}),
    )
    .await;
    supplier(
        &app,
        "dh@drafth.coop",
        "Draft Heating",
        "CF10 1AA",
        "50720000",
        json!({"employees": 8, "turnover_gbp": 900000, "published": false}),
    )
    .await;
    app.add_user("off@heat.coop", "supplier", Some("Heat Pump Co-operative"))
        .await;
    let off = app.actor("off@heat.coop").await;
    let w = app.state.write().await.expect("begin");
    alerts::set_mode(&w, &off, AlertMode::Off)
        .await
        .expect("setting");
    w.commit().await.expect("commit");
    app.mails().await;

    let release = sell2wales_release();
    let r = app
        .send_json("POST", "/api/v1/tenders/import", &release, Some(&bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let mails = app.mails().await;
    let got = recipients(&mails, "you can bid for");
    assert_eq!(
        got,
        set(&[("he@heat.coop", 1), ("so@solar.coop", 1)]),
        "heating and solar suppliers only: not the grounds suppliers, the draft or the unsubscribed"
    );
    let heat = mails
        .iter()
        .find(|m| m.contains("To: he@heat.coop"))
        .expect("mail");
    assert!(heat.contains("3 new lots"), "lots 1, 2 and 5: {heat}");

    // Importing the same release again sends nothing twice.
    let r = app
        .send_json("POST", "/api/v1/tenders/import", &release, Some(&bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let again = app.mails().await;
    assert_eq!(recipients(&again, "you can bid for"), got);
}

/// Releases of one ocid arrive in any order (a folder, a replayed feed): an older one must
/// not overwrite the newer notice held here, nor set its matching going again.
#[tokio::test]
async fn an_older_release_of_a_notice_held_here_changes_nothing() {
    let (app, bea) = world().await;
    let newer = sell2wales_release();
    let mut older = newer.clone();
    older["id"] = json!("ocds-kuma6s-148283-release-1");
    older["date"] = json!("2024-11-01T00:00:00Z");
    older["tender"]["title"] = json!("Energy DPS (first notice)");

    let r = app
        .send_json("POST", "/api/v1/tenders/import", &newer, Some(&bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.json()["tenders"][0]["id"].as_i64().expect("id");
    let matching = || async {
        job::Entity::find()
            .filter(job::Column::Kind.eq("alerts_match"))
            .count(&app.state.db)
            .await
            .expect("count")
    };
    let jobs = matching().await;

    let r = app
        .send_json("POST", "/api/v1/tenders/import", &older, Some(&bea))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let summary = &r.json()["tenders"][0];
    assert_eq!(summary["id"], id);
    assert_eq!(summary["unchanged"], true, "{summary}");
    assert_eq!(summary["updated"], false, "{summary}");
    let held = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(
        held["title"],
        "Energy Efficiency & Renewable Technology DPS"
    );
    assert_eq!(matching().await, jobs, "nothing to match again");

    // A newer release still updates it, and the same release again too.
    let mut latest = newer.clone();
    latest["id"] = json!("ocds-kuma6s-148283-release-2");
    latest["date"] = json!("2025-03-01T00:00:00Z");
    latest["tender"]["title"] = json!("Energy DPS (amended)");
    for _ in 0..2 {
        let r = app
            .send_json("POST", "/api/v1/tenders/import", &latest, Some(&bea))
            .await;
        assert_eq!(r.json()["tenders"][0]["updated"], true, "{r:?}");
    }
    let held = app.get(&format!("/api/v1/tenders/{id}"), None).await.json();
    assert_eq!(held["title"], "Energy DPS (amended)");
}

#[tokio::test]
async fn the_unsubscribe_link_works_without_signing_in_and_stops_the_next_alert() {
    let (app, bea) = world().await;
    publish_parks(&app, &bea).await;
    let mails = app.mails_to_now("mo@mowers.coop").await;
    let mail = mails.last().expect("an alert");
    // The link in the text (the List-Unsubscribe header has the same one in brackets).
    let link = mail
        .split_whitespace()
        .find(|w| w.starts_with("http://localhost/alerts/unsubscribe?token="))
        .expect("an unsubscribe link")
        .replace("http://localhost", "");
    // A link scanner's GET changes nothing: it shows a button.
    let page = app.page(&link, None).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.body.contains("mo@mowers.coop"), "{}", page.body);
    assert!(page.body.contains("<form"), "{}", page.body);
    assert_eq!(
        alerts::mode_of(&app.state.db, app.user_id("mo@mowers.coop").await)
            .await
            .expect("mode"),
        AlertMode::Immediate
    );
    // The RFC 8058 one-click POST, as a mail client sends it: no cookie, no origin.
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let r = app
        .send(
            axum::http::Request::builder()
                .method("POST")
                .uri(format!("/alerts/unsubscribe?token={token}"))
                .header("host", "localhost")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from("List-Unsubscribe=One-Click"))
                .expect("request"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        alerts::mode_of(&app.state.db, app.user_id("mo@mowers.coop").await)
            .await
            .expect("mode"),
        AlertMode::Off
    );
    // A made-up token is refused without saying whose it might be.
    let r = app.page("/alerts/unsubscribe?token=nonsense", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The next tender reaches All Services only.
    let before = recipients(&app.mails().await, "you can bid for");
    publish_parks(&app, &bea).await;
    let after = recipients(&app.mails().await, "you can bid for");
    assert_eq!(after.get("mo@mowers.coop"), before.get("mo@mowers.coop"));
    assert_eq!(after.get("al@all.coop"), Some(&2));
}

/// The binary's environment for the test app's database, with its own outbox and index.
fn command(app: &TestApp, dir: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(binary());
    c.env("DATABASE_URL", &app.settings.database_url)
        .env("ANCHORLINK_OUTBOX", dir.join("outbox"))
        .env("ANCHORLINK_INDEX_DIR", dir.join("index"))
        .env("ANCHORLINK_BASE_URL", "http://localhost")
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::null());
    c
}

#[tokio::test]
async fn the_cli_imports_a_folder_twice_and_the_second_run_imports_and_alerts_nothing() {
    let (app, _bea) = world().await;
    supplier(
        &app,
        "he@heat.coop",
        "Heat Pump Co-operative",
        "CF10 1AA",
        "50720000",
        json!({"employees": 8, "turnover_gbp": 900000}),
    )
    .await;
    app.mails().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(feed.join("more")).expect("folders");
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ocds/sell2wales-2025");
    for (name, to) in [
        ("WRel49.json", "a.json"),
        ("WRel53.json", "b.json"),
        ("WRel1.json", "more/c.json"),
    ] {
        std::fs::copy(fixtures.join(name), feed.join(to)).expect("copy");
    }
    std::fs::write(feed.join("more/broken.json"), "{ not json").expect("write");
    std::fs::write(feed.join("notes.txt"), "not OCDS, not read").expect("write");

    let run = || {
        command(&app, dir.path())
            .args(["ocds", "import", "--as", "bea@preston.gov.uk"])
            .arg(&feed)
            .output()
            .expect("the CLI runs")
    };
    let first = run();
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert_eq!(
        first.status.code(),
        Some(1),
        "a refused file fails the run: {out}"
    );
    assert!(out.contains("broken.json: refused:"), "{out}");
    assert!(
        out.contains("4 files: 3 imported, 0 updated, 0 unchanged, 1 files refused"),
        "{out}"
    );
    let tenders = backend::entities::tender::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(tenders, 3);
    let mails = app.mails().await;
    assert_eq!(
        recipients(&mails, "you can bid for").get("he@heat.coop"),
        Some(&2),
        "one e-mail per open tender with a lot it can do: the energy DPS (lots 1, 2, 5) and \
         the repairs DPS (lot 3, 50000000, an ancestor of its code); the 2025 framework \
         is closed"
    );
    let matching = job::Entity::find()
        .filter(job::Column::Kind.eq("alerts_match"))
        .count(&app.state.db)
        .await
        .expect("count");

    let second = run();
    let out = String::from_utf8_lossy(&second.stdout).into_owned();
    assert!(
        out.contains("4 files: 0 imported, 0 updated, 3 unchanged, 1 files refused"),
        "{out}"
    );
    assert_eq!(
        job::Entity::find()
            .filter(job::Column::Kind.eq("alerts_match"))
            .count(&app.state.db)
            .await
            .expect("count"),
        matching,
        "nothing new to match"
    );
    assert_eq!(app.mails().await.len(), mails.len(), "no new alerts");
}

/// `anchorlink ocds import FILE` as the issue writes it, with no buyer named: the first
/// admin imports the notices into the platform's organisation for other portals' notices;
/// with no admin to do it, the command says how to name a buyer and imports nothing.
#[tokio::test]
async fn the_cli_imports_without_naming_a_buyer_for_the_platform() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/ocds/sell2wales-2025/WRel49.json");
    let run = || {
        command(&app, dir.path())
            .args(["ocds", "import"])
            .arg(&file)
            .output()
            .expect("the CLI runs")
    };
    let refused = run();
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--as EMAIL"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let held = backend::entities::tender::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count");
    assert_eq!(held, 0, "nothing imported");

    app.add_user("admin@anchorlink.example", "admin", None)
        .await;
    let done = run();
    let out = String::from_utf8_lossy(&done.stdout).into_owned();
    assert_eq!(
        done.status.code(),
        Some(0),
        "{out} {}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(out.contains("1 files: 1 imported"), "{out}");
    let notice = backend::entities::tender::Entity::find()
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the notice");
    let owner = backend::entities::organisation::Entity::find_by_id(notice.organisation_id)
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("its organisation");
    assert_eq!(
        owner.name,
        backend::services::ocds::bulk::PORTALS_ORGANISATION
    );
    assert_eq!(owner.kind, "buyer");
    // Again: the same organisation, nothing new.
    let again = String::from_utf8_lossy(&run().stdout).into_owned();
    assert!(
        again.contains("0 imported, 0 updated, 1 unchanged"),
        "{again}"
    );
}

/// The `.eml` files in an outbox.
fn outbox_files(outbox: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_in_the_middle_of_sending_loses_and_duplicates_no_alert() {
    use backend::entities::user;
    use sea_orm::ActiveValue::Set;
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let bea = app.token("bea@preston.gov.uk").await;
    let near = json!({"employees": 6, "turnover_gbp": 600000, "service_radius_km": 40});
    let mut orgs = Vec::new();
    for i in 0..4 {
        orgs.push(
            supplier(
                &app,
                &format!("owner@mowers{i}.coop"),
                &format!("Mowers {i}"),
                "PR1 2HE",
                "77314000",
                near.clone(),
            )
            .await,
        );
    }
    // Many colleagues, written straight to the table (no password hashing): so many
    // messages are owed that the kill lands while they are being sent.
    let at = chrono::Utc::now();
    let colleagues: Vec<user::ActiveModel> = (0..296)
        .map(|k| user::ActiveModel {
            email: Set(format!("u{k}@mowers{}.coop", k % 4)),
            password_hash: Set("!".into()),
            display_name: Set(format!("Colleague {k}")),
            role: Set("supplier".into()),
            organisation_id: Set(Some(orgs[k % 4])),
            status: Set("active".into()),
            email_verified_at: Set(Some(at)),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .collect();
    user::Entity::insert_many(colleagues)
        .exec(&app.state.db)
        .await
        .expect("colleagues");
    let tenders = ["Parks north", "Parks south", "Parks east"];
    for title in tenders {
        publish_titled(&app, &bea, title).await;
    }
    let expected = 300 * tenders.len();

    let dir = tempfile::tempdir().expect("temp dir");
    let outbox = dir.path().join("outbox");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let serve = || {
        command(&app, dir.path())
            .arg("serve")
            .env("ANCHORLINK_ADDR", format!("127.0.0.1:{port}"))
            .env("ANCHORLINK_JOB_LEASE_SECS", "2")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the server starts")
    };
    // Generous: 900 mails from a debug build on a busy 2-core machine took over 90 s once;
    // this test is about losing and duplicating none, not about speed.
    let limit = std::time::Duration::from_secs(240);

    let mut server = serve();
    wait_until(limit, "the first alerts", || {
        let n = outbox_files(&outbox).len();
        async move { n >= 20 }
    })
    .await;
    server.kill().expect("kill -9");
    server.wait().expect("the server stops");
    let at_kill = outbox_files(&outbox).len();
    assert!(
        at_kill < expected,
        "the kill landed after every alert was sent ({at_kill}); nothing was tested"
    );

    let mut server = serve();
    let db = app.state.db.clone();
    wait_until(limit, "every alert sent after the restart", || {
        let db = db.clone();
        async move {
            let unsent = alert_delivery::Entity::find()
                .filter(alert_delivery::Column::Status.ne(alerts::SENT))
                .count(&db)
                .await
                .expect("count");
            let all = alert_delivery::Entity::find()
                .count(&db)
                .await
                .expect("count");
            all as usize == expected && unsent == 0
        }
    })
    .await;
    server.kill().expect("stop");
    server.wait().expect("the server stops");

    // Exactly one message per user and tender: no loss, no duplicate.
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for f in outbox_files(&outbox) {
        let text = std::fs::read_to_string(&f).expect("mail");
        let header = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_owned())
                .unwrap_or_else(|| panic!("{name} in {}", f.display()))
        };
        *seen
            .entry((header("To: "), header("Subject: ")))
            .or_insert(0) += 1;
    }
    assert_eq!(seen.len(), expected, "every user heard about every tender");
    assert!(seen.values().all(|n| *n == 1), "no duplicates: {seen:?}");
    assert_eq!(outbox_files(&outbox).len(), expected);
}

/// Reads an Atom answer: the content type, then the feed.
fn atom_feed(r: &anchorlink_tests::Reply) -> atom_syndication::Feed {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/atom+xml; charset=utf-8")
    );
    r.body
        .parse()
        .unwrap_or_else(|e| panic!("not Atom ({e}): {}", r.body))
}

fn titles(feed: &atom_syndication::Feed) -> Vec<String> {
    let mut t: Vec<String> = feed
        .entries()
        .iter()
        .map(|e| e.title().value.clone())
        .collect();
    t.sort();
    t
}

#[tokio::test]
async fn the_feeds_list_open_lots_filtered_and_a_suppliers_matches_behind_a_revocable_secret() {
    let (app, bea) = world().await;
    publish_parks(&app, &bea).await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders/import",
            &sell2wales_release(),
            Some(&bea),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let all = atom_feed(&app.get("/feeds/opportunities.atom", None).await);
    assert_eq!(
        all.entries().len(),
        2 + 8,
        "two parks lots and eight energy lots"
    );
    assert_eq!(all.id(), "http://localhost/feeds/opportunities.atom");
    for e in all.entries() {
        assert!(
            e.id().starts_with("http://localhost/tenders/"),
            "{}",
            e.id()
        );
        assert!(e.links()[0].href().starts_with("http://localhost/tenders/"));
    }
    let ids: std::collections::HashSet<&str> = all.entries().iter().map(|e| e.id()).collect();
    assert_eq!(ids.len(), all.entries().len(), "entry ids are unique");

    let grounds = atom_feed(&app.get("/feeds/opportunities.atom?cpv=77", None).await);
    assert_eq!(
        titles(&grounds),
        vec!["Parks 2027 — Lot 1: Mowing", "Parks 2027 — Lot 2: Trees"]
    );
    let repairs = titles(&atom_feed(
        &app.get("/feeds/opportunities.atom?cpv=50", None).await,
    ));
    assert!(
        repairs.iter().any(|t| t.contains("District heating")),
        "{repairs:?}"
    );
    assert!(
        !repairs
            .iter()
            .any(|t| t.contains("Solar PV") || t.contains("Parks")),
        "{repairs:?}"
    );

    let in_pr1 = atom_feed(&app.get("/feeds/opportunities.atom?outcode=PR1", None).await);
    assert_eq!(titles(&in_pr1), vec!["Parks 2027 — Lot 1: Mowing"]);
    let near_pr1 = atom_feed(
        &app.get("/feeds/opportunities.atom?outcode=PR1&radius_km=10", None)
            .await,
    );
    assert_eq!(
        titles(&near_pr1),
        vec!["Parks 2027 — Lot 1: Mowing", "Parks 2027 — Lot 2: Trees"],
        "PR2 is a few km from PR1; the energy lots are placed at their buyer, near UB8"
    );
    let r = app
        .get("/feeds/opportunities.atom?outcode=ZZ99&radius_km=far", None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = r.field_errors();
    assert!(
        errors.contains_key("outcode") && errors.contains_key("radius_km"),
        "{errors:?}"
    );

    // The private feed: All Services' matches, until the secret is regenerated.
    app.mails().await;
    let actor = app.actor("al@all.coop").await;
    let w = app.state.write().await.expect("begin");
    let path = backend::services::tendering::feeds::new_feed(&w, &actor)
        .await
        .expect("a feed");
    w.commit().await.expect("commit");
    let mine = atom_feed(&app.get(&path, None).await);
    assert_eq!(
        titles(&mine),
        vec!["Parks 2027 — Lot 1: Mowing", "Parks 2027 — Lot 2: Trees"]
    );
    let w = app.state.write().await.expect("begin");
    let newer = backend::services::tendering::feeds::new_feed(&w, &actor)
        .await
        .expect("a feed");
    w.commit().await.expect("commit");
    assert_eq!(
        app.get(&path, None).await.status,
        StatusCode::NOT_FOUND,
        "the old URL stops"
    );
    assert_eq!(atom_feed(&app.get(&newer, None).await).entries().len(), 2);
    assert_eq!(
        app.get("/feeds/suppliers/not-a-secret.atom", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
