//! Pages keep answering while another router is built in the same process. Building a
//! router works out the pages' routes by running the app with resource loading switched
//! off process-wide (leptos-rs/leptos#4773); a page rendering meanwhile used to get a
//! resource that never loaded, and its request never answered. The integration tests
//! build one router per test, so this hung one PostgreSQL run in a few.

use anchorlink_tests::TestApp;
use axum::http::StatusCode;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_while_other_routers_are_built() {
    let app = TestApp::spawn().await;
    let settings = app.settings.clone();
    let state = app.state.clone();
    // Another thread builds routers back to back while this one renders pages.
    let building = tokio::task::spawn_blocking(move || {
        for _ in 0..40 {
            drop(server::router(state.clone(), &settings));
        }
    });
    for n in 0..40 {
        let page = tokio::time::timeout(Duration::from_secs(20), app.page("/", None))
            .await
            .unwrap_or_else(|_| panic!("page {n} did not answer while routers were being built"));
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("</html>"), "page {n} is whole");
    }
    building.await.expect("routers built");
}
