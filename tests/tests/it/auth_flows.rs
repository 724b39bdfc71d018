//! Accounts: sign-up and e-mail verification, sign-in, sign-out, password reset, session
//! cookies and the cross-site request defence. No answer may reveal whether an address has
//! an account.

use anchorlink_tests::{Reply, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use backend::entities::email_token;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const NEW_PASSWORD: &str = "a much longer new passphrase";

async fn sign_up(app: &TestApp, email: &str, org: &str) -> Reply {
    app.post_form(
        "/api/sign-up",
        &[
            ("email", email),
            ("password", PASSWORD),
            ("organisation_name", org),
            ("legal_form", "cic"),
        ],
        None,
        "/signup",
    )
    .await
}

fn token_of(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("token in link")
        .to_owned()
}

/// Whether a session cookie still opens the signed-in user's own profile.
async fn session_works(app: &TestApp, cookie: &str) -> bool {
    let r = app.call_fn("/api/my-profile", &[], Some(cookie)).await;
    r.status == StatusCode::OK
}

#[tokio::test]
async fn sign_up_mails_a_verification_link_and_sign_in_waits_for_it() {
    let app = TestApp::spawn().await;
    let r = sign_up(&app, "nia@newco.example", "NewCo CIC").await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/signup/check-email"));
    let mails = app.wait_for_mails_to("nia@newco.example", 1).await;
    assert!(
        mails[0].contains("Confirm your e-mail address"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("/verify-email?token="));

    // Before confirming: the right password is refused with a message saying why, and a new link is sent.
    let r = app.try_sign_in("nia@newco.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert!(r.session_cookie().is_none());
    assert!(
        r.body.contains("Confirm your e-mail address first"),
        "{}",
        r.body
    );
    let mails = app.wait_for_mails_to("nia@newco.example", 2).await;
    assert!(
        mails[1].contains("/verify-email?token="),
        "a fresh link: {}",
        mails[1]
    );

    // The new link works and then sign-in does.
    let link = app
        .link_in_mail("nia@newco.example", "/verify-email?token=")
        .await;
    let r = app
        .post_form(
            "/api/confirm-email",
            &[("token", &token_of(&link))],
            None,
            &link,
        )
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/login"), "{r:?}");
    assert!(app
        .user_row("nia@newco.example")
        .await
        .email_verified_at
        .is_some());
    let cookie = app.sign_in("nia@newco.example").await;
    assert!(session_works(&app, &cookie).await);

    // A verification link is single-use.
    let r = app
        .call_fn("/api/confirm-email", &[("token", &token_of(&link))], None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("token"), "{}", r.body);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_address_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let wrong = app
        .try_sign_in("kim@known.example", "not the password at all")
        .await;
    let unknown = app
        .try_sign_in("nobody@unknown.example", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert!(wrong.session_cookie().is_none() && unknown.session_cookie().is_none());
}

#[tokio::test]
async fn signing_up_again_with_a_registered_address_looks_the_same_and_mails_the_owner() {
    let app = TestApp::spawn().await;
    app.add_user("olu@owner.example", "supplier", Some("Owner Ltd"))
        .await;
    let fresh = sign_up(&app, "fresh@newcomer.example", "Newcomer Ltd").await;
    let again = sign_up(&app, "olu@owner.example", "Impostor Ltd").await;
    assert_eq!(fresh.status, again.status);
    assert_eq!(fresh.header("location"), again.header("location"));
    assert_eq!(fresh.body, again.body);
    assert_eq!(
        fresh.set_cookies().len(),
        again.set_cookies().len(),
        "{:?} vs {:?}",
        fresh.set_cookies(),
        again.set_cookies()
    );

    let mails = app.wait_for_mails_to("olu@owner.example", 1).await;
    assert!(
        mails[0].contains("You already have an Anchorlink account"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("/forgot-password"));
    assert!(
        !mails[0].contains("token="),
        "no verification link for an existing account"
    );
    // No second organisation or account was made for the registered address.
    let db = &app.state.db;
    let impostor = backend::entities::organisation::Entity::find()
        .filter(backend::entities::organisation::Column::Name.eq("Impostor Ltd"))
        .one(db)
        .await
        .expect("q");
    assert!(impostor.is_none());
    assert_eq!(
        app.organisation_of("olu@owner.example").await,
        app.organisation_of("olu@owner.example").await
    );
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let unknown = app
        .post_form(
            "/api/forgot-password",
            &[("email", "nobody@unknown.example")],
            None,
            "/forgot-password",
        )
        .await;
    let known = app
        .post_form(
            "/api/forgot-password",
            &[("email", "kim@known.example")],
            None,
            "/forgot-password",
        )
        .await;
    assert_eq!(known.status, StatusCode::FOUND, "{known:?}");
    assert_eq!(
        known.header("location").as_deref(),
        Some("/forgot-password/sent")
    );
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.header("location"), unknown.header("location"));
    assert_eq!(known.body, unknown.body);
    // Both carry the same notice (a flash cookie each); only its random id differs.
    assert_eq!(
        known.flash_cookie().is_some(),
        unknown.flash_cookie().is_some()
    );

    let mails = app.wait_for_mails_to("kim@known.example", 1).await;
    assert!(mails[0].contains("/reset-password?token="), "{}", mails[0]);
    assert!(
        app.mails_to_now("nobody@unknown.example").await.is_empty(),
        "no mail to an address without an account"
    );
}

#[tokio::test]
async fn a_reset_link_sets_the_new_password_once_and_ends_old_sessions() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let old_session = app.sign_in("kim@known.example").await;
    assert!(session_works(&app, &old_session).await);

    let r = app
        .call_fn(
            "/api/forgot-password",
            &[("email", "kim@known.example")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let link = app
        .link_in_mail("kim@known.example", "/reset-password?token=")
        .await;
    let token = token_of(&link);

    // A weak password is refused and does not use up the link.
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &token), ("password", "short")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("password"), "{}", r.body);

    let r = app
        .post_form(
            "/api/reset-password",
            &[("token", &token), ("password", NEW_PASSWORD)],
            None,
            &link,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/login"));

    assert!(
        !session_works(&app, &old_session).await,
        "the session from before the reset still works"
    );
    assert_eq!(
        app.try_sign_in("kim@known.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED,
        "old password still works"
    );
    let r = app.try_sign_in("kim@known.example", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(session_works(&app, &r.session_cookie().expect("session")).await);

    // The link is used up.
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &token), ("password", "yet another passphrase")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(
        r.field_errors()["token"]
            .as_str()
            .is_some_and(|m| m.contains("invalid or has expired")),
        "{}",
        r.body
    );
    assert_eq!(
        app.try_sign_in("kim@known.example", NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK,
        "password unchanged by the reused link"
    );

    let actions: Vec<String> = app
        .audit_log()
        .await
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert!(
        actions.contains(&"reset_password".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_expired_or_made_up_reset_link_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    app.call_fn(
        "/api/forgot-password",
        &[("email", "kim@known.example")],
        None,
    )
    .await;
    let token = token_of(
        &app.link_in_mail("kim@known.example", "/reset-password?token=")
            .await,
    );
    // Two hours and more pass.
    email_token::Entity::update_many()
        .col_expr(
            email_token::Column::ExpiresAt,
            Expr::value(backend::services::now() - std::time::Duration::from_secs(60)),
        )
        .filter(email_token::Column::Purpose.eq("reset_password"))
        .exec(&app.state.db)
        .await
        .expect("expire token");
    for (case, t) in [
        ("expired", token.as_str()),
        ("made up", "0123456789abcdef0123456789abcdef"),
    ] {
        let r = app
            .call_fn(
                "/api/reset-password",
                &[("token", t), ("password", NEW_PASSWORD)],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {r:?}");
        assert!(r.field_errors().contains_key("token"), "{case}: {}", r.body);
    }
    assert_eq!(
        app.try_sign_in("kim@known.example", NEW_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.try_sign_in("kim@known.example", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_verification_link_for_another_purpose_cannot_reset_a_password() {
    let app = TestApp::spawn().await;
    sign_up(&app, "nia@newco.example", "NewCo CIC").await;
    let token = token_of(
        &app.link_in_mail("nia@newco.example", "/verify-email?token=")
            .await,
    );
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &token), ("password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("token"));
}

#[tokio::test]
async fn signing_out_ends_the_session_for_good() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let cookie = app.sign_in("kim@known.example").await;
    let other_device = app.sign_in("kim@known.example").await;
    assert!(session_works(&app, &cookie).await);
    let r = app
        .post_form("/api/sign-out", &[], Some(&cookie), "/profile")
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location").as_deref(), Some("/"));
    assert!(
        r.set_cookies()
            .iter()
            .any(|c| c.starts_with("anchorlink_session=;") && c.contains("Max-Age=0")),
        "the cookie is cleared: {:?}",
        r.set_cookies()
    );
    // The old cookie value, replayed, no longer works (the session is gone server-side).
    assert!(!session_works(&app, &cookie).await);
    let r = app
        .call_fn("/api/add-cpv", &[("code", "77314000")], Some(&cookie))
        .await;
    assert_eq!(
        r.fn_error_kind().as_deref(),
        Some("Unauthenticated"),
        "{r:?}"
    );
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    // Signing out on one device leaves the others alone.
    assert!(session_works(&app, &other_device).await);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let r = app
        .post_form(
            "/api/sign-in",
            &[
                ("email", "kim@known.example"),
                ("password", PASSWORD),
                ("next", ""),
            ],
            None,
            "/login",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(
        r.header("location").as_deref(),
        Some("/profile"),
        "a supplier lands on the profile"
    );
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("anchorlink_session="))
        .expect("session cookie");
    let attrs: Vec<String> = cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.contains(&"httponly".to_owned()), "{cookie}");
    assert!(attrs.contains(&"samesite=lax".to_owned()), "{cookie}");
    assert!(attrs.contains(&"path=/".to_owned()), "{cookie}");
    assert!(attrs.iter().any(|a| a.starts_with("max-age=")), "{cookie}");
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    for next in [
        "//evil.example/phish",
        "https://evil.example/",
        "evil.example",
    ] {
        let r = app
            .post_form(
                "/api/sign-in",
                &[
                    ("email", "kim@known.example"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
                None,
                "/login",
            )
            .await;
        assert_eq!(
            r.header("location").as_deref(),
            Some("/profile"),
            "next={next}: {r:?}"
        );
    }
    let r = app
        .post_form(
            "/api/sign-in",
            &[
                ("email", "kim@known.example"),
                ("password", PASSWORD),
                ("next", "/profile/size"),
            ],
            None,
            "/login",
        )
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/profile/size"));
}

fn cross_site_post(path: &str, body: &str, cookie: Option<&str>, origin: &str) -> Request<Body> {
    let mut b = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, origin)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body.to_owned())).expect("request")
}

#[tokio::test]
async fn a_cross_site_post_to_a_server_function_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let cookie = app.sign_in("kim@known.example").await;
    let org = app.organisation_of("kim@known.example").await;

    let r = app
        .send(cross_site_post(
            "/api/save-profile",
            "step=identity&p%5Bname%5D=Pwned",
            Some(&cookie),
            "http://evil.example",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = app
        .send(cross_site_post(
            "/api/sign-out",
            "",
            Some(&cookie),
            "http://evil.example",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    let r = app
        .send(cross_site_post(
            "/api/sign-in",
            &format!(
                "email=kim%40known.example&password={}&next=",
                urlencoding::encode(PASSWORD)
            ),
            None,
            "http://evil.example",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert!(r.session_cookie().is_none());
    // A `null` origin (a sandboxed frame) or none at all is not this site either; a
    // browser that sends no Origin but says the request is same-origin is believed.
    for origin in ["null", "https://localhost"] {
        let r = app
            .send(cross_site_post(
                "/api/save-profile",
                "step=identity&p%5Bname%5D=Pwned",
                Some(&cookie),
                origin,
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{origin}: {r:?}");
    }
    let no_origin = |fetch_site: Option<&str>| {
        let mut b = Request::builder()
            .method("POST")
            .uri("/api/save-profile")
            .header(header::HOST, "localhost")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, &cookie);
        if let Some(f) = fetch_site {
            b = b.header("sec-fetch-site", f);
        }
        b.body(Body::from("step=identity&p%5Bname%5D=Pwned"))
            .expect("request")
    };
    let r = app.send(no_origin(None)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no Origin: {r:?}");
    let r = app.send(no_origin(Some("cross-site"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "cross-site fetch: {r:?}");
    // A look-alike host is not the same origin.
    let r = app
        .send(cross_site_post(
            "/api/save-profile",
            "step=identity&p%5Bname%5D=Pwned",
            Some(&cookie),
            "http://localhost.evil.example",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");

    let profile =
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile");
    assert_eq!(profile.name, "Known Ltd", "nothing was changed");
    assert!(
        session_works(&app, &cookie).await,
        "the cross-site sign-out did nothing"
    );

    // The same post from the site itself works.
    let r = app
        .send(cross_site_post(
            "/api/save-profile",
            "step=identity&p%5Bname%5D=Known+Co-op",
            Some(&cookie),
            "http://localhost",
        ))
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let profile =
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile");
    assert_eq!(profile.name, "Known Co-op");
}

#[tokio::test]
async fn common_and_personal_passwords_are_refused_when_signing_up_and_resetting() {
    let app = TestApp::spawn().await;
    // A common password dressed up with capitals, digits and symbols; a keyboard walk; one
    // built on the organisation's name; one built on this site's name.
    for password in [
        "Password123456!",
        "qwertyuiop123",
        "Riverside2024!!",
        "Anchorlink2026!",
    ] {
        let r = app
            .call_fn(
                "/api/sign-up",
                &[
                    ("email", "ada@riverside.example"),
                    ("password", password),
                    ("organisation_name", "Riverside Grounds"),
                    ("legal_form", "cic"),
                ],
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{password}: {r:?}"
        );
        let errors = r.field_errors();
        let message = errors
            .get("password")
            .and_then(|m| m.as_str())
            .unwrap_or_default();
        assert!(
            message.contains("attackers try first"),
            "{password}: the error says why: {message:?}"
        );
        assert_eq!(errors.len(), 1, "{password}: only the password: {errors:?}");
    }
    assert!(
        app.mails_to_now("ada@riverside.example").await.is_empty(),
        "no account was made"
    );

    // The same list guards a reset.
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    let r = app
        .call_fn(
            "/api/forgot-password",
            &[("email", "kim@known.example")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let link = app
        .link_in_mail("kim@known.example", "/reset-password?token=")
        .await;
    let r = app
        .call_fn(
            "/api/reset-password",
            &[("token", &token_of(&link)), ("password", "Password123456!")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("password"), "{}", r.body);
}

#[tokio::test]
async fn after_sign_in_the_browser_goes_only_to_a_page_of_this_site() {
    let app = TestApp::spawn().await;
    app.add_user("kim@known.example", "supplier", Some("Known Ltd"))
        .await;
    for next in [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\t/evil.example",
    ] {
        let r = app
            .post_form(
                "/api/sign-in",
                &[
                    ("email", "kim@known.example"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
                None,
                "/login",
            )
            .await;
        assert_eq!(r.status, StatusCode::FOUND, "{next}: {r:?}");
        let location = r.header("location").unwrap_or_default();
        assert!(
            location.starts_with('/') && !location.starts_with("//") && !location.contains('\\'),
            "{next:?} led to {location:?}"
        );
        assert!(!location.contains("evil"), "{next:?} led to {location:?}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/api/v1/openapi.json", "/no-such-page"] {
        let r = app.page(path, None).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp:?}");
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            r.header("referrer-policy").as_deref(),
            Some("same-origin"),
            "{path}"
        );
        assert_eq!(
            r.header("x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        // Served over plain http in tests: no HSTS (it would pin a name to https).
        assert_eq!(r.header("strict-transport-security"), None, "{path}");
    }
}

/// Inline scripts run only with the response's own nonce: every inline script the page
/// carries (hydration, resolved resources) has it, the policy names it, no inline script
/// runs without it, and the next response has another.
#[tokio::test]
async fn pages_allow_inline_scripts_only_by_their_own_nonce() {
    let app = TestApp::spawn().await;
    let mut seen = Vec::new();
    for path in ["/", "/login", "/suppliers", "/no-such-page"] {
        let r = app.page(path, None).await;
        let csp = r.header("content-security-policy").unwrap_or_default();
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap_or_else(|| panic!("{path}: no script-src in {csp:?}"));
        assert!(
            !script_src.contains("'unsafe-inline'"),
            "{path}: {script_src}"
        );
        let nonce = script_src
            .split_whitespace()
            .find_map(|t| t.strip_prefix("'nonce-")?.strip_suffix('\''))
            .unwrap_or_else(|| panic!("{path}: no nonce in {script_src}"));
        assert!(nonce.len() >= 16, "{path}: a short nonce {nonce}");
        let tags: Vec<&str> = r
            .body
            .match_indices("<script")
            .map(|(at, _)| &r.body[at..at + r.body[at..].find('>').unwrap_or(0)])
            .collect();
        assert!(!tags.is_empty(), "{path}: no inline script to check");
        for tag in &tags {
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: {tag} runs without the nonce"
            );
        }
        seen.push(nonce.to_owned());
    }
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "a nonce is used once: {seen:?}");
    // JSON and other non-page answers allow no inline script at all.
    let r = app.get("/api/v1/openapi.json", None).await;
    let csp = r.header("content-security-policy").unwrap_or_default();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_default();
    assert_eq!(script_src, "script-src 'self' 'wasm-unsafe-eval'", "{csp}");
}

#[tokio::test]
async fn readiness_says_the_database_answers() {
    let app = TestApp::spawn().await;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["status"], "ready");
}
