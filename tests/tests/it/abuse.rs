//! Abuse resistance (issue 10): rate limits kept in the database, the lock-out after failed
//! sign-ins, reset links that work once and take everything else with them, suspended
//! organisations, idle sessions, `__Host-` cookies over https, API token scope, expiry and
//! revocation. Each test fails without the defence it names.

use anchorlink_tests::{TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::{api_token, session};
use backend::services::accounts::sessions;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const NEW_PASSWORD: &str = "a much longer new passphrase";

fn actions(log: &[backend::entities::audit_entry::Model], action: &str) -> usize {
    log.iter().filter(|a| a.action == action).count()
}

#[tokio::test]
async fn ten_failed_sign_ins_lock_the_account_and_say_when_to_come_back() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    app.add_user("lee@known.example", "supplier", Some("Other Ltd"))
        .await;
    for i in 0..10 {
        let r = app
            .try_sign_in("kim@known.example", "not the password at all")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}: {r:?}");
    }
    // The right password no longer helps: the account is locked, the answer says for how
    // long, and the address in another case counts as the same account.
    let r = app.try_sign_in("KIM@known.example ", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert!(r.session_cookie().is_none());
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60 + 1).contains(&retry), "Retry-After {retry}");
    assert!(r.body.contains("Too many failed sign-ins"), "{}", r.body);
    assert!(r.body.contains("minutes"), "{}", r.body);

    // Another account is not affected.
    let r = app.try_sign_in("lee@known.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let log = app.audit_log().await;
    assert_eq!(actions(&log, "sign_in_failed"), 10, "{log:?}");
    assert_eq!(actions(&log, "sign_in_locked_out"), 1, "{log:?}");

    // When the window has passed (the attempts are made older), the right password works.
    backend::entities::rate_limit_hit::Entity::update_many()
        .col_expr(
            backend::entities::rate_limit_hit::Column::At,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(16)),
        )
        .exec(&app.state.db)
        .await
        .expect("age the attempts");
    let r = app.try_sign_in("kim@known.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

#[tokio::test]
async fn a_successful_sign_in_forgives_earlier_failures() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    for _ in 0..9 {
        app.try_sign_in("kim@known.example", "a wrong guess here")
            .await;
    }
    assert_eq!(
        app.try_sign_in("kim@known.example", PASSWORD).await.status,
        StatusCode::OK
    );
    for _ in 0..9 {
        app.try_sign_in("kim@known.example", "a wrong guess here")
            .await;
    }
    let r = app.try_sign_in("kim@known.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

#[tokio::test]
async fn sign_ups_from_one_address_are_limited_and_others_still_get_in() {
    let app = TestApp::spawn().await;
    // A bad password fails fast, so the burst costs no hashing; the limit counts attempts.
    for i in 0..30 {
        let email = format!("burst{i}@spam.example");
        let r = app
            .call_fn_from(
                "203.0.113.7",
                "/api/sign-up",
                &[
                    ("email", &email),
                    ("password", "short"),
                    ("organisation_name", "Spam Ltd"),
                    ("legal_form", "cic"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {i}: {r:?}"
        );
    }
    let r = app
        .call_fn_from(
            "203.0.113.7",
            "/api/sign-up",
            &[
                ("email", "real@newco.example"),
                ("password", PASSWORD),
                ("organisation_name", "NewCo CIC"),
                ("legal_form", "cic"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    assert!(r.header("retry-after").is_some());
    assert!(r.body.contains("Too many sign-ups"), "{}", r.body);

    let r = app
        .call_fn_from(
            "198.51.100.20",
            "/api/sign-up",
            &[
                ("email", "real@newco.example"),
                ("password", PASSWORD),
                ("organisation_name", "NewCo CIC"),
                ("legal_form", "cic"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

#[tokio::test]
async fn a_second_process_sees_the_same_counts() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    for _ in 0..10 {
        app.try_sign_in("kim@known.example", "a wrong guess here")
            .await;
    }
    // Another server process on the same database refuses the locked account too.
    let other = app.another_process().await;
    let refused = sessions::sign_in(
        &other.db,
        &other.env,
        &backend::services::accounts::limits::ClientAddress("192.0.2.1".into()),
        "kim@known.example",
        PASSWORD.to_owned().into(),
    )
    .await;
    assert!(
        matches!(refused, Err(backend::ServiceError::TooManyRequests { .. })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn reset_links_for_one_address_are_limited() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        let r = app
            .call_fn(
                "/api/forgot-password",
                &[("email", "kim@known.example")],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "attempt {i}: {r:?}");
    }
    let r = app
        .call_fn(
            "/api/forgot-password",
            &[("email", "Kim@Known.example")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{r:?}");
    // Another address is still served.
    let r = app
        .call_fn(
            "/api/forgot-password",
            &[("email", "lee@known.example")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn reset_link(app: &TestApp, email: &str) -> String {
    let before = app.mails_to_now(email).await.len();
    let r = app
        .call_fn("/api/forgot-password", &[("email", email)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mails = app.wait_for_mails_to(email, before + 1).await;
    let mail = &mails[before];
    let start = mail.find("token=").expect("a link") + "token=".len();
    mail[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

#[tokio::test]
async fn a_reset_spends_the_other_links_and_revokes_api_tokens() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "buyer", Some("Preston City Council"))
        .await;
    let api = app.token("kim@known.example").await;
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&api)).await.status,
        StatusCode::OK
    );
    let first = reset_link(&app, "kim@known.example").await;
    let second = reset_link(&app, "kim@known.example").await;
    assert_ne!(first, second);

    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &second), ("password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    // The older link died with the reset.
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &first), ("password", "an attacker's passphrase")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("token"), "{}", r.body);
    // And so did the API token made before it.
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&api)).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_dead_reset_link_is_refused_before_the_password_is_looked_at() {
    let app = TestApp::spawn().await;
    // A weak password with a made-up link: the link is what is wrong, said first (the
    // password is only checked and hashed for a live link).
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", "00ff00ff"), ("password", "short")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let errors = r.field_errors();
    assert!(errors.contains_key("token"), "{}", r.body);
    assert!(!errors.contains_key("password"), "{}", r.body);
}

#[tokio::test]
async fn two_requests_racing_with_one_reset_link_change_the_password_once() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let token = reset_link(&app, "kim@known.example").await;
    let first = [
        ("token", token.as_str()),
        ("password", "the first new passphrase"),
    ];
    let second = [
        ("token", token.as_str()),
        ("password", "the second new passphrase"),
    ];
    let (a, b) = tokio::join!(
        app.call_fn("/api/reset-password", &first, None),
        app.call_fn("/api/reset-password", &second, None),
    );
    let ok = [&a, &b]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "one link, two resets: {a:?} {b:?}");
}

#[tokio::test]
async fn users_of_a_suspended_organisation_cannot_sign_in_and_their_sessions_end() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    app.add_user("admin@anchorlink.example", "admin", None)
        .await;
    let session = app.sign_in("kim@known.example").await;
    let org = app.organisation_of("kim@known.example").await;
    let admin = app.actor("admin@anchorlink.example").await;
    let w = app.state.write().await.expect("begin");
    backend::services::accounts::admin::set_org_status(&w, &admin, org, true)
        .await
        .expect("suspend");
    w.commit().await.expect("commit");

    let r = app.try_sign_in("kim@known.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert!(r.session_cookie().is_none());
    assert!(r.body.contains("suspended"), "{}", r.body);
    let r = app.call_fn("/api/my-profile", &[], Some(&session)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
}

#[tokio::test]
async fn a_session_left_idle_ends() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let busy = app.sign_in("kim@known.example").await;
    let idle = app.sign_in("kim@known.example").await;
    let long_ago = chrono::Utc::now() - chrono::Duration::minutes(31);
    // Both sessions were opened 31 minutes ago; only `busy` has been used since.
    session::Entity::update_many()
        .col_expr(session::Column::CreatedAt, Expr::value(long_ago))
        .col_expr(session::Column::LastSeenAt, Expr::value(Some(long_ago)))
        .exec(&app.state.db)
        .await
        .expect("age sessions");
    let digest =
        |c: &str| backend::services::accounts::crypto::digest(c.split_once('=').expect("cookie").1);
    session::Entity::update_many()
        .col_expr(
            session::Column::LastSeenAt,
            Expr::value(Some(chrono::Utc::now() - chrono::Duration::minutes(5))),
        )
        .filter(session::Column::Id.eq(digest(&busy)))
        .exec(&app.state.db)
        .await
        .expect("recent use");

    let r = app.call_fn("/api/my-profile", &[], Some(&idle)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "idle session: {r:?}");
    let r = app.call_fn("/api/my-profile", &[], Some(&busy)).await;
    assert_eq!(r.status, StatusCode::OK, "session in use: {r:?}");
    // Using it moved its last use on, so it stays alive.
    let row = session::Entity::find_by_id(digest(&busy))
        .one(&app.state.db)
        .await
        .expect("query")
        .expect("session kept");
    assert!(
        row.last_seen_at
            .is_some_and(|t| chrono::Utc::now() - t < chrono::Duration::minutes(1)),
        "{row:?}"
    );
}

#[tokio::test]
async fn over_https_the_session_cookie_is_a_secure_host_cookie() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let mut state = app.state.clone();
    let mut config = (*state.env.config).clone();
    config.base_url = "https://localhost".into();
    config.secure_cookies = true;
    state.env.config = std::sync::Arc::new(config);
    let mut settings = app.settings.clone();
    settings.base_url = "https://localhost".into();
    let router = server::router(state, &settings);
    let req = Request::builder()
        .method("POST")
        .uri("/api/sign-in")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "https://localhost")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(format!(
            "email=kim%40known.example&password={}&next=",
            urlencoding::encode(PASSWORD)
        )))
        .expect("request");
    let res = tower::ServiceExt::oneshot(router.clone(), req)
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-anchorlink_session="))
        .unwrap_or_else(|| panic!("no __Host- cookie: {:?}", res.headers()))
        .to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Domain="), "{cookie}");
    // The plain-named cookie is not accepted there: a neighbour could have planted it.
    let value = cookie
        .split(';')
        .next()
        .and_then(|p| p.split_once('='))
        .expect("pair")
        .1
        .to_owned();
    for (name, works) in [
        ("__Host-anchorlink_session", true),
        ("anchorlink_session", false),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri("/api/my-profile")
            .header(header::HOST, "localhost")
            .header(header::ORIGIN, "https://localhost")
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("{name}={value}"))
            .body(Body::empty())
            .expect("request");
        let res = tower::ServiceExt::oneshot(router.clone(), req)
            .await
            .expect("answer");
        assert_eq!(res.status() == StatusCode::OK, works, "{name}: {res:?}");
    }
}

#[tokio::test]
async fn a_read_token_reads_but_cannot_write() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "buyer", Some("Preston City Council"))
        .await;
    let w = app.state.write().await.expect("begin");
    let read = sessions::issue_api_token_with(
        &w,
        "kim@known.example",
        "dashboard",
        sessions::TokenTerms {
            scope: sessions::TokenScope::Read,
            expires_in_days: None,
        },
    )
    .await
    .expect("token");
    w.commit().await.expect("commit");
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&read)).await.status,
        StatusCode::OK
    );
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &serde_json::json!({"title": "Grounds maintenance"}),
            Some(&read),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert!(
        r.json()["errors"]["authorization"].is_string(),
        "{}",
        r.body
    );
    // A token without a scope writes, as before scopes existed.
    let write = app.token("kim@known.example").await;
    let r = app
        .send_json(
            "POST",
            "/api/v1/tenders",
            &serde_json::json!({"title": "Grounds maintenance"}),
            Some(&write),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
}

#[tokio::test]
async fn expired_and_revoked_tokens_stop_working_and_use_is_recorded() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "buyer", Some("Preston City Council"))
        .await;
    let w = app.state.write().await.expect("begin");
    let expiring = sessions::issue_api_token_with(
        &w,
        "kim@known.example",
        "a week",
        sessions::TokenTerms {
            scope: sessions::TokenScope::Write,
            expires_in_days: Some(7),
        },
    )
    .await
    .expect("token");
    w.commit().await.expect("commit");
    let kept = app.token("kim@known.example").await;
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&expiring))
            .await
            .status,
        StatusCode::OK
    );
    let listed = sessions::list_api_tokens(&app.state.db, Some("kim@known.example"))
        .await
        .expect("list");
    assert_eq!(listed.len(), 2);
    let week = listed.iter().find(|t| t.label == "a week").expect("listed");
    assert!(week.last_used_at.is_some(), "use not recorded: {week:?}");
    assert!(week.expires_at.is_some());

    // Eight days on, the week-long token is dead.
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::ExpiresAt,
            Expr::value(Some(chrono::Utc::now() - chrono::Duration::days(1))),
        )
        .filter(api_token::Column::Id.eq(week.id))
        .exec(&app.state.db)
        .await
        .expect("expire");
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&expiring))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let other = listed.iter().find(|t| t.label == "test").expect("listed");
    let w = app.state.write().await.expect("begin");
    sessions::revoke_api_token(&w, other.id)
        .await
        .expect("revoke");
    w.commit().await.expect("commit");
    assert_eq!(
        app.get("/api/v1/spend/analyses", Some(&kept)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let w = app.state.write().await.expect("begin");
    assert!(
        sessions::revoke_api_token(&w, other.id).await.is_err(),
        "a revoked token cannot be revoked again"
    );
}
