//! Light pages (issue 13): the browser assets are sent compressed at build time, under
//! content-hashed names that browsers keep for a year; pages are compressed on the fly and
//! always revalidated, privately when they are someone's own.

use anchorlink_tests::TestApp;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use server::assets::IMMUTABLE;
use tower::ServiceExt;

const JS: &str = "anchorlink-0123456789abcdef.js";
const WASM: &str = "anchorlink-0123456789abcdef_bg.wasm";
const CSS: &str = "anchorlink-fedcba9876543210.css";

/// A site directory as `scripts/build-site.sh` leaves it, each file's copies marked so a
/// test can tell which one was sent.
fn built_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let pkg = dir.path().join("pkg");
    std::fs::create_dir_all(&pkg).expect("pkg dir");
    for name in [JS, WASM, CSS] {
        std::fs::write(pkg.join(name), format!("plain {name}")).expect("write");
        std::fs::write(pkg.join(format!("{name}.br")), format!("brotli {name}")).expect("write");
        std::fs::write(pkg.join(format!("{name}.gz")), format!("gzip {name}")).expect("write");
    }
    std::fs::write(pkg.join("notes.txt"), "not a hashed asset").expect("write");
    std::fs::write(
        dir.path().join(server::assets::MANIFEST),
        format!(r#"{{"js":"{JS}","wasm":"{WASM}","css":"{CSS}"}}"#),
    )
    .expect("write manifest");
    dir
}

async fn get(
    router: &axum::Router,
    path: &str,
    headers: &[(header::HeaderName, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .uri(path)
        .header(header::HOST, "localhost");
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("router answers");
    let (status, headers) = (res.status(), res.headers().clone());
    let body = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .expect("body");
    (status, headers, body.to_vec())
}

fn header_of(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn assets_are_sent_precompressed_under_hashed_names_and_kept_for_a_year() {
    let app = TestApp::spawn().await;
    let site = built_site();
    let mut settings = app.settings.clone();
    settings.site_root = Some(site.path().display().to_string());
    let router = server::router(app.state.clone(), &settings);

    for (name, mime) in [
        (JS, "text/javascript"),
        (WASM, "application/wasm"),
        (CSS, "text/css"),
    ] {
        let path = format!("/pkg/{name}");
        for (accept, coding, sent) in [
            (Some("gzip, deflate, br"), Some("br"), "brotli"),
            (Some("gzip"), Some("gzip"), "gzip"),
            (Some("br;q=0, gzip;q=0.5"), Some("gzip"), "gzip"),
            (None, None, "plain"),
        ] {
            let headers: Vec<_> = accept
                .map(|a| (header::ACCEPT_ENCODING, a))
                .into_iter()
                .collect();
            let (status, h, body) = get(&router, &path, &headers).await;
            assert_eq!(status, StatusCode::OK, "{path} with {accept:?}");
            assert_eq!(
                header_of(&h, header::CONTENT_ENCODING),
                coding,
                "{path} with {accept:?}"
            );
            assert_eq!(
                String::from_utf8_lossy(&body),
                format!("{sent} {name}"),
                "{path} with {accept:?}"
            );
            assert_eq!(
                header_of(&h, header::CACHE_CONTROL),
                Some(IMMUTABLE),
                "{path}"
            );
            assert_eq!(
                header_of(&h, header::VARY),
                Some("accept-encoding"),
                "{path}"
            );
            assert!(
                header_of(&h, header::CONTENT_TYPE).is_some_and(|t| t.starts_with(mime)),
                "{path}: {:?}",
                h.get(header::CONTENT_TYPE)
            );
        }
    }

    // A file that is not one of this build's hashed assets may change under its name.
    let (status, h, _) = get(&router, "/pkg/notes.txt", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&h, header::CACHE_CONTROL), Some("no-cache"));
    let (status, h, _) = get(&router, "/pkg/anchorlink-0000000000000000.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(header_of(&h, header::CACHE_CONTROL), Some(IMMUTABLE));
}

#[tokio::test]
async fn pages_link_the_hashed_assets_and_are_revalidated_and_compressed() {
    let app = TestApp::spawn().await;
    let site = built_site();
    let mut settings = app.settings.clone();
    settings.site_root = Some(site.path().display().to_string());
    let router = server::router(app.state.clone(), &settings);

    let (status, h, body) = get(&router, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains(&format!("href=\"/pkg/{CSS}\"")), "{html}");
    assert!(!html.contains("/pkg/anchorlink.css"), "{html}");
    assert_eq!(header_of(&h, header::CACHE_CONTROL), Some("no-cache"));

    let (_, h, _) = get(
        &router,
        "/",
        &[(header::COOKIE, "anchorlink_session=someone")],
    )
    .await;
    assert_eq!(
        header_of(&h, header::CACHE_CONTROL),
        Some("private, no-cache")
    );

    for (accept, coding) in [("br, gzip", "br"), ("gzip", "gzip")] {
        let (status, h, body) = get(&router, "/login", &[(header::ACCEPT_ENCODING, accept)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            header_of(&h, header::CONTENT_ENCODING),
            Some(coding),
            "{accept}"
        );
        assert!(
            !String::from_utf8_lossy(&body).contains("<html"),
            "the page was sent compressed"
        );
    }
}

#[tokio::test]
async fn a_site_without_a_manifest_is_served_under_plain_names_never_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let site = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(site.path().join("pkg")).expect("pkg");
    std::fs::write(site.path().join("pkg/anchorlink.css"), "body{}").expect("write");
    let mut settings = app.settings.clone();
    settings.site_root = Some(site.path().display().to_string());
    let router = server::router(app.state.clone(), &settings);

    let (_, _, body) = get(&router, "/", &[]).await;
    assert!(String::from_utf8_lossy(&body).contains("href=\"/pkg/anchorlink.css\""));
    let (status, h, _) = get(&router, "/pkg/anchorlink.css", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header_of(&h, header::CACHE_CONTROL), Some("no-cache"));
}

/// The islands of a page: the `data-component` name of each `<leptos-island>` (without
/// the hash Leptos appends) and the HTML inside it.
fn islands(html: &str) -> Vec<(String, String)> {
    html.split("<leptos-island")
        .skip(1)
        .map(|rest| {
            let name = rest
                .split_once("data-component=\"")
                .and_then(|(_, n)| n.split_once('"'))
                .map(|(n, _)| n.rsplit_once('_').map_or(n, |(name, _)| name))
                .unwrap_or_default()
                .to_owned();
            let inside = rest.split_once("</leptos-island>").map_or(rest, |(i, _)| i);
            (name, inside.to_owned())
        })
        .collect()
}

/// Islands (issue 13): only the parts of a page that need JavaScript hydrate, so only the
/// pages that have such parts load the browser half at all, and on those the results,
/// forms and links around the islands are plain server-rendered HTML.
#[tokio::test]
async fn only_the_interactive_parts_of_a_page_are_islands_that_load_the_browser_half() {
    let app = TestApp::spawn().await;
    app.add_user("bea@preston.example", "buyer", Some("Preston City Council"))
        .await;
    let cookie = app.sign_in("bea@preston.example").await;

    let search = app.page("/suppliers?q=mowing", Some(&cookie)).await;
    assert_eq!(search.status, StatusCode::OK, "{search:?}");
    let found = islands(&search.body);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["SubmitOnChange"], "{}", search.body);
    assert!(
        !found[0].1.contains("<form") && !found[0].1.contains("results"),
        "the filters' island holds neither the form nor the results: {}",
        found[0].1
    );
    assert!(
        search.body.contains("class=\"search-form\""),
        "{}",
        search.body
    );
    assert!(
        search.body.contains("modulepreload"),
        "the page loads the islands' wasm"
    );

    // The tender editor: the CPV finder and "Add a row" are islands; the lines table, its
    // row template and the details form are the page's own HTML.
    let draft = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &serde_json::json!({
                "title": "Parks 2027",
                "deadline": "2027-03-31",
                "items": [{ "description": "Mowing of parks", "cpv": "77314000", "value_gbp": 60000 }],
            }),
            Some(&app.token("bea@preston.example").await),
        )
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{draft:?}");
    let id = draft.json()["id"].as_i64().expect("id");
    let editor = app
        .page(
            &format!("/tenders/{id}/edit?cpv_q=tree+surgery"),
            Some(&cookie),
        )
        .await;
    assert_eq!(editor.status, StatusCode::OK, "{editor:?}");
    let found = islands(&editor.body);
    let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["CpvSearch", "AddRow"], "{}", editor.body);
    assert!(
        found[0].1.contains("77211400"),
        "the finder's first results (for the cpv_q of the address) are rendered on the server: {}",
        found[0].1
    );
    for (_, inside) in &found {
        assert!(
            !inside.contains("Mowing of parks") && !inside.contains("Save details"),
            "the lines and the details are not inside an island: {inside}"
        );
    }
    assert!(
        editor.body.contains("value=\"Mowing of parks\""),
        "{}",
        editor.body
    );
    assert!(
        editor.body.contains("<template id=\"line-template\">"),
        "the row \"Add a row\" copies: {}",
        editor.body
    );

    for (path, signed_in) in [
        ("/tenders/new", true),
        ("/shortlists", true),
        ("/figures", false),
    ] {
        let reply = app.page(path, signed_in.then_some(cookie.as_str())).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            islands(&reply.body).is_empty() && !reply.body.contains("modulepreload"),
            "{path} has no island and loads no script: {}",
            reply.body
        );
    }
}
