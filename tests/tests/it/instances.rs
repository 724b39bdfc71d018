//! Running it for real (issue 10), with the real `anchorlink serve` binary over loopback, on
//! the test's database (SQLite, or PostgreSQL when `ANCHORLINK_TEST_DATABASE_URL` is set):
//! * two processes on one database serve the same users consistently: a session made by
//!   one works on the other and signing out on one ends it on both; failed sign-ins count
//!   across both; a profile published through one is found by the other's search; jobs
//!   queued through either run once;
//! * a `kill -9` in the middle of a burst of writes loses no acknowledged write, leaves
//!   nothing half-written, and the restarted process's search index catches up.

use anchorlink_tests::{binary, cookie_set, json, wait_until, TestApp, PASSWORD};
use backend::entities::{supplier_profile, tender, tender_item};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The site's one public address: both processes sit behind it, as behind a load balancer.
const BASE_URL: &str = "http://localhost";

/// One `anchorlink serve` process: its own port and search index, the test's database and
/// a shared outbox.
struct Serve {
    child: Child,
    addr: String,
}

impl Serve {
    fn start(app: &TestApp, dir: &Path, index: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(binary())
            .arg("serve")
            .env("DATABASE_URL", &app.settings.database_url)
            .env("ANCHORLINK_ADDR", &addr)
            .env("ANCHORLINK_BASE_URL", BASE_URL)
            .env("ANCHORLINK_OUTBOX", dir.join("outbox"))
            .env("ANCHORLINK_INDEX_DIR", dir.join(index))
            .env("ANCHORLINK_JOB_LEASE_SECS", "2")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        Self { child, addr }
    }

    /// Waits until `/readyz` answers 200 (database and index ready).
    async fn ready(&self) {
        let start = Instant::now();
        loop {
            if let Ok(r) = call(&self.addr, "GET", "/readyz", &[], None).await {
                if r.status == 200 {
                    return;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{} not ready",
                self.addr
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill(&mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("the server stops");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn cookie(&self, name: &str) -> Option<String> {
        cookie_set(&self.headers, name)
    }
}

/// One request to a process over loopback.
async fn call(
    to: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<Answer, String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let mut req = http::Request::builder()
        .method(method)
        .uri(format!("http://{to}{path}"))
        .header("origin", BASE_URL);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(Full::new(bytes::Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let res = tokio::time::timeout(Duration::from_secs(30), client.request(req))
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

async fn json_call(to: &Serve, method: &str, path: &str, token: &str, body: &Value) -> Answer {
    let bearer = format!("Bearer {token}");
    call(
        &to.addr,
        method,
        path,
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
        ],
        Some(body.to_string()),
    )
    .await
    .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// A sign-in as the form posts it (`Accept: text/html`: a redirect and a session cookie)
/// or as the hydrated page calls it (the status itself).
async fn sign_in(to: &Serve, email: &str, password: &str, as_form: bool) -> Answer {
    let form = format!(
        "email={}&password={}&next=",
        urlencoding::encode(email),
        urlencoding::encode(password)
    );
    let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
    if as_form {
        headers.push(("accept", "text/html"));
        headers.push(("referer", "http://localhost/login"));
    }
    call(&to.addr, "POST", "/api/sign-in", &headers, Some(form))
        .await
        .expect("sign-in answered")
}

async fn page(to: &Serve, path: &str, cookie: &str) -> String {
    let r = call(&to.addr, "GET", path, &[("cookie", cookie)], None)
        .await
        .expect("page answered");
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

fn mails_in(outbox: &Path, to: &str, subject: &str) -> usize {
    std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .filter(|m| m.contains(&format!("To: {to}")) && m.contains(subject))
                .count()
        })
        .unwrap_or(0)
}

fn parks(title: &str) -> Value {
    json!({
        "title": title,
        "deadline": "2099-03-31",
        "local_area": {"outcodes": ["PR1"]},
        "items": [
            {"description": "Mowing of parks", "cpv": "77314000", "value_gbp": 40000, "delivery_postcode": "PR1 2HE"}
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_on_one_database_serve_the_same_users_consistently() {
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    app.add_user("mo@mowers.coop", "supplier", Some("Mowers Co-operative"))
        .await;
    let bea = app.token("bea@preston.gov.uk").await;
    let mo = app.token("mo@mowers.coop").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let a = Serve::start(&app, dir.path(), "index-a");
    let b = Serve::start(&app, dir.path(), "index-b");
    a.ready().await;
    b.ready().await;

    // Sessions: made by one, honoured by the other; ended by the other, gone on both.
    let r = sign_in(&a, "bea@preston.gov.uk", PASSWORD, true).await;
    assert_eq!(r.status, 302, "{}", r.body);
    let cookie = r.cookie("anchorlink_session").expect("a session cookie");
    assert!(page(&b, "/", &cookie).await.contains("bea@preston.gov.uk"));
    let r = call(
        &b.addr,
        "POST",
        "/api/sign-out",
        &[
            ("cookie", &cookie),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(String::new()),
    )
    .await
    .expect("sign-out answered");
    assert!(r.status < 400, "{}: {}", r.status, r.body);
    assert!(!page(&a, "/", &cookie).await.contains("bea@preston.gov.uk"));

    // Rate limits: ten failed sign-ins, five on each, lock the account on both.
    for to in [&a, &b] {
        for _ in 0..5 {
            let r = sign_in(to, "kim@known.example", "a wrong guess here", false).await;
            assert_eq!(r.status, 401, "{}", r.body);
        }
    }
    for to in [&a, &b] {
        let r = sign_in(to, "kim@known.example", PASSWORD, false).await;
        assert_eq!(r.status, 429, "locked on both: {}", r.body);
        assert!(r.headers.get("retry-after").is_some());
    }

    // The search index: a profile published through one is found by the other.
    let r = json_call(
        &a,
        "POST",
        "/api/v1/suppliers",
        &mo,
        &json!({
            "name": "Mowers Co-operative", "legal_form": "worker_coop", "postcode": "PR1 2HE",
            "cpv": ["77314000"], "capability_statement": "Grass cutting and hedges for parks.",
            "employees": 6, "max_contract_value_gbp": 100000, "service_radius_km": 30,
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().expect("id");
    wait_until(
        Duration::from_secs(30),
        "the other process to find the new profile",
        || async {
            let r = json_call(&b, "GET", "/api/v1/suppliers?q=hedges", &bea, &Value::Null).await;
            r.status == 200
                && r.json()["results"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|s| s["id"] == id))
        },
    )
    .await;

    // Jobs: tenders published through either process are matched and mailed once each,
    // by whichever process claims the job.
    for (k, to) in [&a, &b, &a, &b].into_iter().enumerate() {
        let r = json_call(
            to,
            "POST",
            "/api/v1/tenders",
            &bea,
            &parks(&format!("Parks {k}")),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let t = r.json()["id"].as_i64().expect("id");
        let r = json_call(
            to,
            "POST",
            &format!("/api/v1/tenders/{t}/publish"),
            &bea,
            &json!({"reason": "One park, one contract."}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let outbox = dir.path().join("outbox");
    wait_until(Duration::from_secs(30), "an alert per tender", || async {
        mails_in(&outbox, "mo@mowers.coop", "you can bid for") >= 4
    })
    .await;
    // Both keep polling for a while: a job run twice would show as a fifth mail.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(mails_in(&outbox, "mo@mowers.coop", "you can bid for"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_in_a_burst_of_writes_loses_no_acknowledged_write_and_half_writes_nothing() {
    const SUPPLIERS: usize = 40;
    const LINES: usize = 3;
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let bea = app.token("bea@preston.gov.uk").await;
    let mut suppliers = Vec::new();
    for k in 0..SUPPLIERS {
        let email = format!("owner@coop{k}.example");
        app.add_user(&email, "supplier", Some(&format!("Co-op {k}")))
            .await;
        suppliers.push(app.token(&email).await);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut first = Serve::start(&app, dir.path(), "index");
    first.ready().await;
    let first_addr = first.addr.clone();

    // Writers in parallel: tenders of three lines (one transaction each) and supplier
    // profiles (a row, its codes, and the change the index follows). Each remembers what
    // was acknowledged.
    let tenders = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let profiles = std::sync::Arc::new(std::sync::Mutex::new(Vec::<i64>::new()));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (bea, acked, addr) = (bea.clone(), tenders.clone(), first_addr.clone());
        writers.push(tokio::spawn(async move {
            for k in 0.. {
                let items: Vec<Value> = (0..LINES)
                    .map(|i| json!({"description": format!("Line {i}"), "cpv": "77314000", "value_gbp": 1000 + i}))
                    .collect();
                let body = json!({"title": format!("Burst {w}-{k}"), "items": items});
                match call(&addr, "POST", "/api/v1/tenders", &[("authorization", &format!("Bearer {bea}")), ("content-type", "application/json")], Some(body.to_string())).await {
                    Ok(r) if r.status == 201 => acked.lock().expect("lock").push(r.json()["id"].as_i64().expect("id")),
                    Ok(r) => panic!("refused: {} {}", r.status, r.body),
                    Err(_) => break, // the process is gone
                }
            }
        }));
    }
    {
        let (acked, addr) = (profiles.clone(), first_addr.clone());
        let tokens = suppliers.clone();
        writers.push(tokio::spawn(async move {
            for (k, token) in tokens.iter().enumerate() {
                let body = json!({
                    "name": format!("Co-op {k}"), "legal_form": "worker_coop", "postcode": "PR1 2HE",
                    "cpv": ["90911200"], "capability_statement": "Office cleaning in Preston.",
                });
                match call(&addr, "POST", "/api/v1/suppliers", &[("authorization", &format!("Bearer {token}")), ("content-type", "application/json")], Some(body.to_string())).await {
                    Ok(r) if r.status == 201 => acked.lock().expect("lock").push(r.json()["id"].as_i64().expect("id")),
                    Ok(r) => panic!("refused: {} {}", r.status, r.body),
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill it once writes are flowing, before the profiles are all in.
    let start = Instant::now();
    // Once both kinds are flowing: the profiles (one writer) must not all be in yet, or the
    // kill tests nothing about them; three tender writers are well under way by then.
    while tenders.lock().expect("lock").len() < 10 || profiles.lock().expect("lock").len() < 6 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the writes did not flow"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill();
    for w in writers {
        w.await.expect("a writer");
    }
    let tenders: Vec<i64> = tenders.lock().expect("lock").clone();
    let profiles: Vec<i64> = profiles.lock().expect("lock").clone();
    assert!(
        profiles.len() < SUPPLIERS,
        "the kill landed after every profile was written; nothing was tested"
    );

    // Restarted on the same database and the same index directory.
    let second = Serve::start(&app, dir.path(), "index");
    second.ready().await;
    let db = &app.state.db;
    // Every acknowledged tender is there, whole; no tender is there in part.
    let held: BTreeSet<i64> = tender::Entity::find()
        .all(db)
        .await
        .expect("tenders")
        .into_iter()
        .map(|t| t.id)
        .collect();
    for id in &tenders {
        assert!(held.contains(id), "acknowledged tender {id} lost");
    }
    for id in &held {
        let lines = tender_item::Entity::find()
            .filter(tender_item::Column::TenderId.eq(*id))
            .count(db)
            .await
            .expect("count");
        assert_eq!(lines as usize, LINES, "tender {id} is half-written");
    }
    // Every acknowledged profile is found by the restarted process's search, and the index
    // holds exactly what the database publishes.
    let r = json_call(
        &second,
        "GET",
        "/api/v1/suppliers?q=cleaning&per_page=100",
        &bea,
        &Value::Null,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let found: BTreeSet<i64> = r.json()["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    for id in &profiles {
        assert!(
            found.contains(id),
            "acknowledged profile {id} not searchable"
        );
    }
    let in_database: BTreeSet<i64> = supplier_profile::Entity::find()
        .filter(supplier_profile::Column::Published.eq(true))
        .all(db)
        .await
        .expect("profiles")
        .into_iter()
        .map(|p| p.organisation_id)
        .collect();
    assert_eq!(
        found, in_database,
        "the index holds what the database publishes"
    );
}
