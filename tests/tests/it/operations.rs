//! What an operator relies on (issue 10): `/metrics` in the Prometheus format, readable
//! only from the host itself (or with its token), counting requests by matched route and
//! the job queue; and a request id on every response.

use anchorlink_tests::{json, Reply, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

async fn metrics_from(app: &TestApp, peer: &str) -> Reply {
    let mut req = Request::builder()
        .uri("/metrics")
        .header(header::HOST, "localhost")
        .body(Body::empty())
        .expect("request");
    let addr: std::net::SocketAddr = format!("{peer}:40000").parse().expect("address");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    app.send(req).await
}

/// The value of one sample line, e.g. `anchorlink_jobs_queued 2`.
fn sample(text: &str, starts: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(starts))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_are_private_to_the_host() {
    let app = TestApp::spawn().await;
    app.add_user("buyer@metrics.example", "buyer", Some("Metrics Council"))
        .await;
    let token = app.token("buyer@metrics.example").await;
    for id in [1, 2, 3] {
        let r = app
            .get(&format!("/api/v1/suppliers/{id}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    }
    let r = app.get("/api/v1/suppliers?q=cleaning", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let refused = metrics_from(&app, "203.0.113.9").await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{refused:?}");
    assert!(!refused.body.contains("anchorlink_"));

    let r = metrics_from(&app, "127.0.0.1").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(r
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/openmetrics-text")));
    let text = &r.body;
    // The three look-ups are one series, by route pattern, not by raw path.
    assert_eq!(
        sample(
            text,
            r#"anchorlink_http_requests_total{method="GET",route="/api/v1/suppliers/{id}",status="404"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        !text.contains("/api/v1/suppliers/1\""),
        "raw paths leak: {text}"
    );
    assert_eq!(
        sample(text, "anchorlink_search_duration_seconds_count"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            text,
            r#"anchorlink_http_request_duration_seconds_count{method="GET",route="/api/v1/suppliers/{id}"}"#
        ) == Some(3.0),
        "{text}"
    );
    assert_eq!(sample(text, "anchorlink_jobs_running"), Some(0.0), "{text}");
    assert!(sample(text, "anchorlink_jobs_queued").is_some(), "{text}");
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let app = TestApp::spawn().await;
    let a = app.get("/healthz", None).await;
    let b = app.get("/api/v1/suppliers/nope", None).await;
    let (Some(a), Some(b)) = (a.header("x-request-id"), b.header("x-request-id")) else {
        panic!("no request id");
    };
    assert_ne!(a, b);
    assert_eq!(a.len(), 36, "a UUID: {a}");
    let mut req = Request::builder()
        .uri("/healthz")
        .header("x-request-id", "from-the-proxy-42")
        .body(Body::empty())
        .expect("request");
    req.headers_mut()
        .insert(header::HOST, "localhost".parse().expect("host"));
    let r = app.send(req).await;
    assert_eq!(
        r.header("x-request-id").as_deref(),
        Some("from-the-proxy-42")
    );
    assert_eq!(r.json(), json!({"status": "ok"}));
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_the_whole_registry() {
    let app = TestApp::spawn().await;
    let (org, _) = app
        .published_supplier(
            "backup@restore.example",
            "Backup Bakers Co-op",
            "PR1 2HE",
            "15810000",
            "Bread for school kitchens.",
        )
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("anchorlink-backup.db");
    let taken = server::backup::backup(&app.state.db, &file).await;
    if app.settings.database_url.starts_with("postgres") {
        // PostgreSQL is backed up with its own tools; the command says which.
        let e = taken.expect_err("not SQLite").to_string();
        assert!(e.contains("pg_dump") && e.contains("pg_restore"), "{e}");
        return;
    }
    assert!(taken.expect("backup") > 0);
    // A second backup never overwrites the first.
    let again = server::backup::backup(&app.state.db, &file).await;
    assert!(again
        .expect_err("exists")
        .to_string()
        .contains("exists already"));

    // Restore: a new server on the copy serves the same profile, and its users sign in.
    let mut settings = app.settings.clone();
    settings.database_url = format!("sqlite://{}?mode=rw", file.display());
    settings.index_dir = None;
    let state = server::build_state(&settings)
        .await
        .expect("state on the backup");
    let restored = server::router(state, &settings);
    let res = tower::ServiceExt::oneshot(
        restored,
        Request::builder()
            .uri(format!("/api/v1/suppliers/{org}"))
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .expect("request"),
    )
    .await
    .expect("answer");
    assert_eq!(res.status(), StatusCode::OK);
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("body");
    let profile: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(profile["name"], "Backup Bakers Co-op");
}
