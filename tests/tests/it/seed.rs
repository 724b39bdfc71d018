//! `anchorlink seed`: realistic, deterministic, searchable synthetic suppliers.

use anchorlink_tests::TestApp;
use axum::http::StatusCode;

#[tokio::test]
async fn seeded_suppliers_are_valid_deterministic_and_searchable() {
    let app = TestApp::spawn().await;
    server::seed::seed(&app.state, 300, 42).await.expect("seed");
    app.add_user("buyer@council.example", "buyer", Some("Council"))
        .await;
    let token = app.token("buyer@council.example").await;

    let r = app
        .get("/api/v1/suppliers?per_page=100", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["total"], 300);
    for hit in body["results"].as_array().expect("results") {
        let postcode = hit["postcode"].as_str().expect("postcode");
        domain::place::Postcode::parse(postcode).unwrap_or_else(|e| panic!("{postcode}: {e}"));
        let cpv = hit["cpv"].as_array().expect("cpv");
        assert!(!cpv.is_empty());
        for code in cpv {
            app.state
                .env
                .cpv
                .validate(code.as_str().expect("code"))
                .expect("a real CPV code");
        }
    }
    // Skewed like real registries: micro firms are the most common size.
    let sizes = &body["facets"]["size"];
    let micro = sizes["micro"].as_u64().unwrap_or(0);
    for other in ["small", "medium", "large"] {
        assert!(micro > sizes[other].as_u64().unwrap_or(0), "{sizes}");
    }

    let again = TestApp::spawn().await;
    server::seed::seed(&again.state, 300, 42)
        .await
        .expect("seed");
    let a =
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, 150)
            .await
            .expect("profile");
    let b = backend::services::registry::profiles::load_profile(
        &again.state.db,
        &again.state.env.cpv,
        150,
    )
    .await
    .expect("profile");
    assert_eq!(
        (a.name, a.postcode, a.cpv),
        (b.name, b.postcode, b.cpv),
        "same seed, same suppliers"
    );
}

#[tokio::test]
async fn seeding_runs_beside_a_server_holding_the_index_and_the_server_follows() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = server::config::Settings {
        index_dir: Some(dir.path().join("index")),
        ..app.settings.clone()
    };
    // The serving process holds the index directory's lock.
    let serving = server::build_state(&settings).await.expect("serving state");
    assert!(
        server::build_state(&settings).await.is_err(),
        "a second index writer on the same directory is refused"
    );
    let batch = server::build_batch_state(&settings)
        .await
        .expect("seed beside the server");
    server::seed::seed(&batch, 40, 7).await.expect("seed");
    assert_eq!(
        batch.views.index().engine().len(),
        0,
        "the batch command builds no index"
    );
    serving
        .views
        .catch_up(&serving.db)
        .await
        .expect("follow the log");
    assert_eq!(serving.views.index().engine().len(), 40);
}
