//! `TestApp`: the real router over a fresh database (a temporary SQLite file, or a fresh
//! PostgreSQL database when `ANCHORLINK_TEST_DATABASE_URL` names a server), with one
//! method per endpoint so tests read like the journeys they check.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use backend::jobs::{JobKinds, RunnerConfig};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

pub use serde_json::json;

/// The longest any one request may take in a test (the slowest, a spend upload of the two
/// real councils' files in a debug build, takes a few seconds).
const REQUEST_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// With `ANCHORLINK_TEST_LOG` set (an env-filter such as `info,sqlx=debug`), the servers'
/// logs go to stderr, each line naming its test (the thread's name): for finding where a
/// test waits.
fn log_if_asked() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(filter) = std::env::var("ANCHORLINK_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_thread_names(true)
                .with_writer(std::io::stderr)
                .try_init();
        }
    });
}

pub struct TestApp {
    pub router: Router,
    pub state: backend::AppState,
    pub outbox: PathBuf,
    pub settings: server::config::Settings,
    /// Job kinds and worker settings, shared with `another_process`.
    jobs: fn() -> (JobKinds, RunnerConfig),
    _dir: tempfile::TempDir,
}

/// The server's own job kinds, with a short backoff so retries happen within a test.
fn standard_jobs() -> (JobKinds, RunnerConfig) {
    (backend::services::job_kinds(), quick_runner())
}

/// Worker settings for tests: a short lease and backoff.
pub fn quick_runner() -> RunnerConfig {
    RunnerConfig {
        lease: std::time::Duration::from_secs(5),
        backoff_base: std::time::Duration::from_millis(50),
        backoff_max: std::time::Duration::from_secs(1),
        ..RunnerConfig::default()
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    /// The session cookie this response set, as `name=value`.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookie_set("anchorlink_session")
    }

    /// A non-empty cookie this response set, as `name=value`.
    fn cookie_set(&self, name: &str) -> Option<String> {
        cookie_set(&self.headers, name)
    }
}

/// A non-empty cookie that response headers set, as `name=value` (for answers of the
/// in-process router and of a real server alike).
pub fn cookie_set(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            let pair = c.split(';').next()?;
            (pair.starts_with(&prefix) && pair.len() > prefix.len()).then(|| pair.to_owned())
        })
}

/// The `anchorlink` binary built beside the tests (`cargo build -p server`), for tests
/// that run the real thing.
pub fn binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    let bin = target.join("debug/anchorlink");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p server`",
        bin.display()
    );
    bin
}

/// Waits (at most `limit`) until `done` says so, polling every few milliseconds.
pub async fn wait_until<F: std::future::Future<Output = bool>>(
    limit: std::time::Duration,
    what: &str,
    mut done: impl FnMut() -> F,
) {
    let start = std::time::Instant::now();
    while !done().await {
        assert!(start.elapsed() < limit, "gave up waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    /// A fresh app over a fresh, migrated database. No job worker runs in the background:
    /// tests run jobs when they choose ([`TestApp::run_jobs`]), so they are deterministic.
    pub async fn spawn() -> Self {
        Self::spawn_with_jobs(standard_jobs).await
    }

    /// A fresh app whose processes run these job kinds with these worker settings.
    pub async fn spawn_with_jobs(jobs: fn() -> (JobKinds, RunnerConfig)) -> Self {
        log_if_asked();
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = match std::env::var("ANCHORLINK_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!(
                    "anchorlink_test_{}",
                    backend::services::accounts::crypto::random_token()[..16].to_owned()
                );
                let admin = Database::connect(&admin_url)
                    .await
                    .expect("connect to PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .expect("database URL has a path");
                format!("{base}/{name}")
            }
            _ => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
        };
        let outbox = dir.path().join("outbox");
        let settings = server::config::Settings {
            addr: "127.0.0.1:0".parse().expect("addr"),
            database_url,
            base_url: "http://localhost".into(),
            smtp_url: None,
            mail_from: "Anchorlink <no-reply@anchorlink.invalid>".into(),
            outbox_dir: outbox.clone(),
            site_root: Some(dir.path().join("site").display().to_string()),
            index_dir: None,
            ocid_prefix: domain::ocds::OcidPrefix::parse(server::config::DEFAULT_OCID_PREFIX)
                .expect("the default ocid prefix is valid"),
        };
        let (kinds, runner) = jobs();
        let state = server::build_state_with(&settings, kinds, runner)
            .await
            .expect("state");
        Self {
            router: server::router(state.clone(), &settings),
            state,
            outbox,
            settings,
            jobs,
            _dir: dir,
        }
    }

    /// Another server process on the same database, with its own search index and its own
    /// job worker name.
    pub async fn another_process(&self) -> backend::AppState {
        let (kinds, runner) = (self.jobs)();
        server::build_state_with(&self.settings, kinds, runner)
            .await
            .expect("second state")
    }

    /// Runs every due job (mail, for one), as the server's worker would; returns how many.
    pub async fn run_jobs(&self) -> usize {
        self.state
            .jobs
            .run_until_idle(&self.state)
            .await
            .expect("run jobs")
    }

    /// The signed-in user behind an e-mail address, as services see them.
    pub async fn actor(&self, email: &str) -> domain::accounts::Actor {
        let token = self.token(email).await;
        backend::services::accounts::sessions::user_for_api_token(&self.state.db, &token)
            .await
            .expect("look-up")
            .expect("a user")
            .actor
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let (status, headers, bytes) = self.send_raw(req).await;
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A response whose body is kept as bytes (a workbook, a zip).
    pub async fn send_raw(
        &self,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        // A request that never answers fails its test, naming the request, rather than
        // hanging the whole run until CI gives up on it.
        let what = format!("{} {}", req.method(), req.uri());
        let answer = async {
            let res = self
                .router
                .clone()
                .oneshot(req)
                .await
                .expect("router answers");
            let status = res.status();
            let headers = res.headers().clone();
            let bytes = axum::body::to_bytes(res.into_body(), 10 * 1024 * 1024)
                .await
                .expect("body");
            (status, headers, bytes.to_vec())
        };
        tokio::time::timeout(REQUEST_LIMIT, answer)
            .await
            .unwrap_or_else(|_| panic!("{what} did not answer within {REQUEST_LIMIT:?}"))
    }

    /// Calls a server function as [`TestApp::call_fn`] does, from the client address
    /// `peer` (as the connection's peer), for the per-client rate limits.
    pub async fn call_fn_from(&self, peer: &str, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut req = Self::request("POST", path, None)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://localhost")
            .body(Body::from(form_body(fields)))
            .expect("request");
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("address");
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    fn request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "localhost");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        b
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(
            Self::request("GET", path, token)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// A page, as a browser with the given session cookie would fetch it.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut b = Self::request("GET", path, None).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> Reply {
        let req = Self::request(method, path, token)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(req).await
    }

    /// Posts a form to a server function the way a browser without JavaScript does.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
        referer: &str,
    ) -> Reply {
        let mut b = Self::request("POST", path, None)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("http://localhost{referer}"))
            .header(header::ORIGIN, "http://localhost");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(form_body(fields))).expect("request"))
            .await
    }

    /// Calls a server function as the hydrated app does (JSON answer, no redirect).
    pub async fn call_fn(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        let mut b = Self::request("POST", path, None)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::ORIGIN, "http://localhost");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(form_body(fields))).expect("request"))
            .await
    }

    /// Adds a verified user directly (as `anchorlink users add` does).
    pub async fn add_user(&self, email: &str, role: &str, organisation: Option<&str>) -> i64 {
        use backend::services::accounts::auth;
        let user = auth::NewUser::check(email, PASSWORD.to_owned().into(), role, organisation)
            .await
            .expect("a valid user");
        let w = self.state.write().await.expect("begin");
        let id = auth::add_user(&w, user).await.expect("add user");
        w.commit().await.expect("commit");
        id
    }

    /// An API token for a user (as `anchorlink tokens issue` does).
    pub async fn token(&self, email: &str) -> String {
        let w = self.state.write().await.expect("begin");
        let token = backend::services::accounts::sessions::issue_api_token(&w, email, "test")
            .await
            .expect("token");
        w.commit().await.expect("commit");
        token
    }

    /// Signs in through the sign-in server function and returns the session cookie.
    pub async fn sign_in(&self, email: &str) -> String {
        let r = self
            .post_form(
                "/api/sign-in",
                &[("email", email), ("password", PASSWORD), ("next", "")],
                None,
                "/login",
            )
            .await;
        r.session_cookie()
            .unwrap_or_else(|| panic!("no session cookie: {r:?}"))
    }

    /// The organisation id of a user.
    pub async fn organisation_of(&self, email: &str) -> i64 {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        backend::entities::user::Entity::find()
            .filter(backend::entities::user::Column::Email.eq(email))
            .one(&self.state.db)
            .await
            .expect("query")
            .and_then(|u| u.organisation_id)
            .expect("user has an organisation")
    }

    /// Every mail in the outbox, oldest first, as text.
    pub async fn mails(&self) -> Vec<String> {
        // Mail is sent by jobs: run them first, as the server's worker would.
        self.run_jobs().await;
        self.outbox_now()
    }

    /// Every mail in the outbox now, oldest first, decoded.
    fn outbox_now(&self) -> Vec<String> {
        let mut entries: Vec<_> = std::fs::read_dir(&self.outbox)
            .map(|d| d.filter_map(Result::ok).collect())
            .unwrap_or_default();
        entries.sort_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
        entries
            .into_iter()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| decode_mail(&std::fs::read_to_string(e.path()).unwrap_or_default()))
            .collect()
    }

    /// The first link in the newest mail to `to` that contains `marker`.
    pub async fn link_in_mail(&self, to: &str, marker: &str) -> String {
        let mails = self.mails().await;
        if let Some(link) = mails.iter().rev().filter(|m| m.contains(to)).find_map(|m| {
            m.split_whitespace()
                .find(|w| w.contains(marker))
                .map(|w| w.trim_end_matches(['.', ',']).to_owned())
        }) {
            return link.replace("http://localhost", "");
        }
        panic!("no mail to {to} with {marker}");
    }
}

/// Fields URL-encoded as an HTML form sends them.
fn form_body(fields: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
        .collect();
    pairs.join("&")
}

/// Undoes quoted-printable soft breaks and `=3D` so links can be read.
fn decode_mail(raw: &str) -> String {
    raw.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

// ---- helpers added for the authorisation, auth-flow, admin, validation and snapshot tests ----

impl Reply {
    /// The form flash cookie this response set, as `name=value`.
    pub fn flash_cookie(&self) -> Option<String> {
        self.cookie_set("anchorlink_flash")
    }

    /// Every `Set-Cookie` header, whole.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The kind of error a server function answered with: `"Forbidden"`, `"Validation"`, …
    /// (its JSON is either a bare string or a one-key object).
    pub fn fn_error_kind(&self) -> Option<String> {
        match serde_json::from_str::<Value>(&self.body).ok()? {
            Value::String(s) => Some(s),
            Value::Object(m) if m.len() == 1 => m.keys().next().cloned(),
            _ => None,
        }
    }

    /// Field errors, from a server function (`{"Validation": {...}}`) or the REST API
    /// (`{"errors": {...}}`); empty when there are none.
    pub fn field_errors(&self) -> serde_json::Map<String, Value> {
        let v: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        v.get("Validation")
            .or_else(|| v.get("errors"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Signs in through the server function as the hydrated app does, with any password.
    pub async fn try_sign_in(&self, email: &str, password: &str) -> Reply {
        self.call_fn(
            "/api/sign-in",
            &[("email", email), ("password", password), ("next", "")],
            None,
        )
        .await
    }

    /// The mails sent to `to` once every due job has run, oldest first.
    pub async fn mails_to_now(&self, to: &str) -> Vec<String> {
        self.run_jobs().await;
        self.outbox_now()
            .into_iter()
            .filter(|m| {
                m.lines()
                    .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(to))
            })
            .collect()
    }

    /// Runs the jobs and returns every mail sent to `to`; panics unless there are at least
    /// `n`.
    pub async fn wait_for_mails_to(&self, to: &str, n: usize) -> Vec<String> {
        let mails = self.mails_to_now(to).await;
        assert!(
            mails.len() >= n,
            "expected {n} mail(s) to {to}, got {mails:?}"
        );
        mails
    }

    /// A user's id.
    pub async fn user_id(&self, email: &str) -> i64 {
        self.user_row(email).await.id
    }

    /// A user's row.
    pub async fn user_row(&self, email: &str) -> backend::entities::user::Model {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        backend::entities::user::Entity::find()
            .filter(backend::entities::user::Column::Email.eq(email))
            .one(&self.state.db)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no user {email}"))
    }

    /// The whole audit log, oldest first.
    pub async fn audit_log(&self) -> Vec<backend::entities::audit_entry::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        backend::entities::audit_entry::Entity::find()
            .order_by_asc(backend::entities::audit_entry::Column::Id)
            .all(&self.state.db)
            .await
            .expect("audit log")
    }

    /// A supplier user whose organisation has a published profile (made through the REST
    /// API); returns (organisation id, API token).
    pub async fn published_supplier(
        &self,
        email: &str,
        name: &str,
        postcode: &str,
        cpv: &str,
        statement: &str,
    ) -> (i64, String) {
        self.add_user(email, "supplier", Some(name)).await;
        let token = self.token(email).await;
        let r = self
            .send_json(
                "POST",
                "/api/v1/suppliers",
                &serde_json::json!({
                    "name": name, "legal_form": "worker_coop", "postcode": postcode,
                    "cpv": [cpv], "capability_statement": statement,
                }),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "publishing {name}: {r:?}");
        (self.organisation_of(email).await, token)
    }

    /// As [`TestApp::published_supplier`] ("Local work for local people."), then the
    /// profile `details` (employees, capacity, radius…) as its user would `PUT` them: the
    /// supplier worlds of the tendering, opportunities and alerts tests.
    pub async fn supplier_with_details(
        &self,
        email: &str,
        name: &str,
        postcode: &str,
        cpv: &str,
        details: &serde_json::Value,
    ) -> (i64, String) {
        let (org, token) = self
            .published_supplier(email, name, postcode, cpv, "Local work for local people.")
            .await;
        let r = self
            .send_json(
                "PUT",
                &format!("/api/v1/suppliers/{org}"),
                details,
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {r:?}");
        (org, token)
    }
}
