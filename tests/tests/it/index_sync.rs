//! The search index stays in step with the database: at once in the process that made an
//! edit, within a second in other processes on the same database, and rebuilt at start when
//! it is missing or stale.

use anchorlink_tests::{json, TestApp};
use axum::http::StatusCode;
use backend::services::registry::search;
use backend::{AppState, ServiceResult};
use domain::accounts::Actor;
use domain::registry::dto::{SearchQuery, SearchResults};
use std::time::{Duration, Instant};

async fn search_in(
    state: &AppState,
    buyer: &Actor,
    q: &SearchQuery,
) -> ServiceResult<SearchResults> {
    search::search(&state.db, &state.env, &state.views, buyer, q).await
}

async fn buyer(app: &TestApp) -> Actor {
    app.add_user("buyer@council.example", "buyer", Some("Council"))
        .await;
    app.actor("buyer@council.example").await
}

fn words(q: &str) -> SearchQuery {
    SearchQuery {
        q: Some(q.into()),
        ..SearchQuery::default()
    }
}

async fn publish(app: &TestApp, email: &str, org: &str, statement: &str) -> (String, i64) {
    app.add_user(email, "supplier", Some(org)).await;
    let token = app.token(email).await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/suppliers",
            &json!({"name": org, "legal_form": "worker_coop", "postcode": "LS1 4AP", "cpv": ["90910000"], "capability_statement": statement}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    (token, r.json()["id"].as_i64().expect("id"))
}

#[tokio::test]
async fn an_edit_is_searchable_at_once_in_the_same_process() {
    let app = TestApp::spawn().await;
    let buyer = buyer(&app).await;
    let (token, id) = publish(
        &app,
        "a@x.org",
        "Aire Cleaning Co-operative",
        "Office cleaning in Leeds.",
    )
    .await;
    assert_eq!(
        search_in(&app.state, &buyer, &words("cleaning"))
            .await
            .expect("search")
            .total,
        1
    );
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{id}"),
            &json!({"capability_statement": "Window washing and graffiti removal."}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let found = search_in(&app.state, &buyer, &words("graffiti"))
        .await
        .expect("search");
    assert_eq!(found.total, 1);
    assert_eq!(found.results[0].id, id);
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{id}"),
            &json!({"published": false}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        search_in(&app.state, &buyer, &words("graffiti"))
            .await
            .expect("search")
            .total,
        0,
        "withdrawn profiles leave the index"
    );
}

#[tokio::test]
async fn another_process_on_the_same_database_follows_within_a_second() {
    let app = TestApp::spawn().await;
    let buyer = buyer(&app).await;
    let other = app.another_process().await;
    assert_eq!(other.views.index().engine().len(), 0);
    publish(
        &app,
        "b@x.org",
        "Calder Cleaning CIC",
        "Deep cleaning for schools.",
    )
    .await;
    // No search is made in the other process: its follower alone must pick the change up.
    let started = Instant::now();
    while other.views.index().engine().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the other process did not follow the change log"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        search_in(&other, &buyer, &words("schools"))
            .await
            .expect("search")
            .total,
        1
    );
}

#[tokio::test]
async fn a_missing_or_stale_index_is_rebuilt_at_start() {
    let mut app = TestApp::spawn().await;
    server::seed::seed(&app.state, 250, 11).await.expect("seed");
    let dir = tempfile::tempdir().expect("dir");
    app.settings.index_dir = Some(dir.path().join("index"));
    {
        let first = app.another_process().await;
        assert_eq!(
            first.views.index().engine().len(),
            250,
            "missing index built at start"
        );
    }
    // While that process is down, suppliers change; its index on disk is now stale.
    publish(&app, "c@x.org", "Colne Cleaning Ltd", "Carpet cleaning.").await;
    let restarted = app.another_process().await;
    assert_eq!(
        restarted.views.index().engine().len(),
        251,
        "stale index brought up to date at start"
    );
}
