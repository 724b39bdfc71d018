//! Invitations into a supplier's team, and the platform team's work: buyer organisations,
//! buyer invitations and join requests, identifier verification, suspension and the audit
//! log.

use anchorlink_tests::{json, TestApp, PASSWORD};
use axum::http::StatusCode;
use backend::entities::{buyer_join_request, organisation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

const ADMIN: &str = "root@anchorlink.example";

/// Accepts the invitation in the newest mail to `email`, returning the new session cookie.
async fn accept_invitation(app: &TestApp, email: &str, name: &str) -> String {
    let link = app.link_in_mail(email, "/invitations/").await;
    let token = link.rsplit('/').next().expect("token").to_owned();
    // The invitation page's loader shows who is inviting whom.
    let r = app
        .call_fn("/api/invitation", &[("token", &token)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()[1], email);
    let r = app
        .post_form(
            "/api/accept-invitation",
            &[
                ("token", &token),
                ("display_name", name),
                ("password", PASSWORD),
            ],
            None,
            &link,
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/"));
    let cookie = r
        .session_cookie()
        .unwrap_or_else(|| panic!("accepting signs in: {r:?}"));
    // The link is single-use.
    let again = app
        .call_fn(
            "/api/accept-invitation",
            &[
                ("token", &token),
                ("display_name", name),
                ("password", PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(
        again.fn_error_kind().as_deref(),
        Some("Validation"),
        "{again:?}"
    );
    assert!(again.field_errors().contains_key("token"), "{}", again.body);
    cookie
}

async fn org_named(app: &TestApp, name: &str) -> organisation::Model {
    organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name))
        .one(&app.state.db)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no organisation {name}"))
}

async fn search_total(app: &TestApp, cookie: &str, q: &str) -> Result<u64, String> {
    let r = app
        .call_fn("/api/search-suppliers", &[("query[q]", q)], Some(cookie))
        .await;
    if r.status == StatusCode::OK {
        Ok(r.json()["total"].as_u64().expect("total"))
    } else {
        Err(format!("{} {}", r.status, r.body))
    }
}

#[tokio::test]
async fn a_supplier_invites_a_colleague_who_then_edits_the_same_profile() {
    let app = TestApp::spawn().await;
    app.add_user(
        "ada@riverside.coop",
        "supplier",
        Some("Riverside Co-operative"),
    )
    .await;
    let ada = app.sign_in("ada@riverside.coop").await;
    let org = app.organisation_of("ada@riverside.coop").await;

    let r = app
        .post_form(
            "/api/invite-colleague",
            &[("email", "ben@riverside.coop")],
            Some(&ada),
            "/profile/review",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let mail = app
        .wait_for_mails_to("ben@riverside.coop", 1)
        .await
        .remove(0);
    assert!(mail.contains("Riverside Co-operative"), "{mail}");
    assert!(
        mail.contains("ada@riverside.coop"),
        "says who invited: {mail}"
    );
    let team = app.call_fn("/api/team", &[], Some(&ada)).await.json();
    assert!(
        team.as_array()
            .expect("members")
            .iter()
            .any(|m| m["email"] == "ben@riverside.coop" && m["pending"] == true),
        "{team}"
    );

    let ben = accept_invitation(&app, "ben@riverside.coop", "Ben").await;
    assert_eq!(app.organisation_of("ben@riverside.coop").await, org);
    let user = app.user_row("ben@riverside.coop").await;
    assert_eq!(user.role, "supplier");
    assert!(
        user.email_verified_at.is_some(),
        "the link proved the inbox"
    );

    let r = app
        .post_form(
            "/api/save-profile",
            &[
                ("step", "size"),
                ("p[employees]", "7"),
                ("p[turnover_gbp]", "250000"),
            ],
            Some(&ben),
            "/profile/size",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(
        r.header("location").as_deref(),
        Some("/profile/social-value")
    );
    let r = app.call_fn("/api/my-profile", &[], Some(&ada)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["employees"], 7, "Ada sees Ben's change");
    assert_eq!(r.json()["size"], "micro");
    let team = app.call_fn("/api/team", &[], Some(&ada)).await.json();
    assert!(
        team.as_array()
            .expect("members")
            .iter()
            .any(|m| m["email"] == "ben@riverside.coop" && m["pending"] == false),
        "{team}"
    );

    // An address that already has an account cannot be invited.
    let r = app
        .call_fn(
            "/api/invite-colleague",
            &[("email", "ben@riverside.coop")],
            Some(&ada),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("email"));
}

#[tokio::test]
async fn an_admin_creates_a_buyer_organisation_and_its_invited_buyer_can_search() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    app.published_supplier(
        "ada@riverside.coop",
        "Riverside Co-operative",
        "PR1 2HE",
        "77314000",
        "Grounds maintenance.",
    )
    .await;
    let admin = app.sign_in(ADMIN).await;

    let r = app
        .post_form(
            "/api/admin-create-buyer-org",
            &[("name", "Preston City Council")],
            Some(&admin),
            "/admin",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    let council = org_named(&app, "Preston City Council").await;
    assert_eq!(council.kind, "buyer");
    // Names are unique among buyers.
    let r = app
        .call_fn(
            "/api/admin-create-buyer-org",
            &[("name", "Preston City Council")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("name"));

    let id = council.id.to_string();
    let r = app
        .call_fn(
            "/api/admin-invite-buyer",
            &[("organisation_id", &id), ("email", "bea@preston.gov.uk")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let bea = accept_invitation(&app, "bea@preston.gov.uk", "Bea").await;
    assert_eq!(app.organisation_of("bea@preston.gov.uk").await, council.id);
    assert_eq!(app.user_row("bea@preston.gov.uk").await.role, "buyer");
    assert_eq!(search_total(&app, &bea, "grounds").await, Ok(1));

    // A supplier organisation is not somewhere a buyer can be invited to.
    let supplier_org = app.organisation_of("ada@riverside.coop").await.to_string();
    let r = app
        .call_fn(
            "/api/admin-invite-buyer",
            &[
                ("organisation_id", &supplier_org),
                ("email", "x@preston.gov.uk"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert!(r.field_errors().contains_key("organisation_id"));

    let admin_id = app.user_id(ADMIN).await;
    let log = app.audit_log().await;
    for action in ["create_buyer_org", "invite"] {
        assert!(
            log.iter()
                .any(|a| a.action == action && a.actor_user_id == Some(admin_id)),
            "{action} by the admin missing: {log:?}"
        );
    }
    let bea_id = app.user_id("bea@preston.gov.uk").await;
    assert!(log
        .iter()
        .any(|a| a.action == "accept_invitation" && a.actor_user_id == Some(bea_id)));
}

#[tokio::test]
async fn a_buyer_join_request_waits_for_approval_before_searching() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    app.published_supplier(
        "ada@riverside.coop",
        "Riverside Co-operative",
        "PR1 2HE",
        "77314000",
        "Grounds maintenance.",
    )
    .await;
    let email = "cat@lancs-nhs.example";
    let r = app
        .post_form(
            "/api/request-buyer-access",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("organisation_name", "Lancashire NHS Trust"),
                ("job_title", "Category manager"),
                ("message", "We buy grounds maintenance."),
            ],
            None,
            "/buyers/request-access",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert_eq!(r.header("location").as_deref(), Some("/buyers/requested"));
    let user = app.user_row(email).await;
    assert_eq!(
        (user.role.as_str(), user.status.as_str()),
        ("buyer", "pending_approval")
    );
    assert_eq!(user.organisation_id, None);

    // The address is confirmed first.
    let link = app.link_in_mail(email, "/verify-email?token=").await;
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let r = app
        .post_form("/api/confirm-email", &[("token", &token)], None, &link)
        .await;
    assert_eq!(r.header("location").as_deref(), Some("/login"), "{r:?}");

    // Pending: signed in, but the registry is closed to them (pages, functions and API).
    let cat = app.sign_in(email).await;
    let refused = search_total(&app, &cat, "grounds").await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.starts_with("403") && e.contains("Forbidden")),
        "{refused:?}"
    );
    let token = app.token(email).await;
    let r = app.get("/api/v1/suppliers?q=grounds", Some(&token)).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
        "{r:?}"
    );
    let page = app.page("/suppliers?q=grounds", Some(&cat)).await;
    assert!(
        !page.body.contains("Riverside Co-operative"),
        "a pending buyer sees results"
    );

    // The admin sees the request and approves it.
    let admin = app.sign_in(ADMIN).await;
    let overview = app.call_fn("/api/admin-overview", &[], Some(&admin)).await;
    assert_eq!(overview.status, StatusCode::OK, "{overview:?}");
    let overview = overview.json();
    let request = overview["join_requests"]
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["email"] == email)
        .cloned()
        .expect("listed");
    assert_eq!(request["organisation_name"], "Lancashire NHS Trust");
    let id = request["id"].to_string();
    let r = app
        .post_form(
            "/api/admin-decide",
            &[
                ("request_id", &id),
                ("decision", "approve"),
                ("organisation_id", ""),
            ],
            Some(&admin),
            "/admin",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");
    assert!(
        r.header("location")
            .is_some_and(|l| l.starts_with("http://localhost/admin")),
        "back to the console: {r:?}"
    );
    assert!(r.flash_cookie().is_some(), "with a notice");

    let user = app.user_row(email).await;
    assert_eq!(user.status, "active");
    let trust = org_named(&app, "Lancashire NHS Trust").await;
    assert_eq!(
        (user.organisation_id, trust.kind.as_str()),
        (Some(trust.id), "buyer")
    );
    assert_eq!(search_total(&app, &cat, "grounds").await, Ok(1));
    let r = app.get("/api/v1/suppliers?q=grounds", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["total"], 1);

    let row = buyer_join_request::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("request");
    assert_eq!(row.status, "approved");
    assert_eq!(row.decided_by, Some(app.user_id(ADMIN).await));
    // A decided request cannot be decided again.
    let r = app
        .call_fn(
            "/api/admin-decide",
            &[
                ("request_id", &id),
                ("decision", "reject"),
                ("organisation_id", ""),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert_eq!(app.user_row(email).await.status, "active");
    let log = app.audit_log().await;
    assert!(
        log.iter()
            .any(|a| a.action == "approve_buyer" && a.subject == email),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|a| a.action == "request_buyer_access" && a.subject == email),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_rejected_join_request_never_gets_in() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    let email = "eve@not-a-council.example";
    app.call_fn(
        "/api/request-buyer-access",
        &[
            ("email", email),
            ("password", PASSWORD),
            ("organisation_name", "Definitely A Council"),
            ("job_title", ""),
            ("message", ""),
        ],
        None,
    )
    .await;
    let admin = app.sign_in(ADMIN).await;
    let id = buyer_join_request::Entity::find()
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("request")
        .id
        .to_string();
    let r = app
        .call_fn(
            "/api/admin-decide",
            &[
                ("request_id", &id),
                ("decision", "reject"),
                ("organisation_id", ""),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(app.user_row(email).await.status, "suspended");
    assert!(organisation::Entity::find()
        .filter(organisation::Column::Name.eq("Definitely A Council"))
        .one(&app.state.db)
        .await
        .expect("q")
        .is_none());
    assert!(app
        .audit_log()
        .await
        .iter()
        .any(|a| a.action == "reject_buyer" && a.subject == email));
}

#[tokio::test]
async fn an_admin_verifies_an_identifier_and_the_api_shows_it() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    let (org, _) = app
        .published_supplier(
            "ada@riverside.coop",
            "Riverside Co-operative",
            "PR1 2HE",
            "77314000",
            "Grounds maintenance.",
        )
        .await;
    let ada = app.sign_in("ada@riverside.coop").await;
    let r = app
        .call_fn(
            "/api/add-identifier",
            &[("scheme", "GB-MPR"), ("identifier", "12345R")],
            Some(&ada),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let url = format!("/api/v1/suppliers/{org}");
    let before = app.get(&url, None).await.json();
    assert_eq!(before["verified"], false);
    assert_eq!(before["identifiers"][0]["verified"], false);
    assert_eq!(before["identifiers"][0]["scheme"], "GB-MPR");

    let admin = app.sign_in(ADMIN).await;
    let id = before["identifiers"][0]["id"].to_string();
    let r = app
        .call_fn(
            "/api/admin-verify-identifier",
            &[("id", &id), ("verified", "true")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let after = app.get(&url, None).await.json();
    assert_eq!(after["identifiers"][0]["verified"], true, "{after}");
    assert_eq!(after["verified"], true);
    let buyer_search = {
        app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
            .await;
        let t = app.token("bea@preston.gov.uk").await;
        app.get("/api/v1/suppliers?q=grounds", Some(&t))
            .await
            .json()
    };
    assert_eq!(
        buyer_search["results"][0]["verified"], true,
        "{buyer_search}"
    );

    let r = app
        .call_fn(
            "/api/admin-verify-identifier",
            &[("id", &id), ("verified", "false")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(app.get(&url, None).await.json()["verified"], false);
    let r = app
        .call_fn(
            "/api/admin-verify-identifier",
            &[("id", "999999"), ("verified", "true")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");

    let admin_id = app.user_id(ADMIN).await;
    let log = app.audit_log().await;
    for action in ["verify_identifier", "unverify_identifier"] {
        assert!(
            log.iter().any(|a| a.action == action
                && a.actor_user_id == Some(admin_id)
                && a.subject == "GB-MPR-12345R"),
            "{action}: {log:?}"
        );
    }
}

#[tokio::test]
async fn suspending_an_organisation_hides_its_profile_and_shuts_its_users_out() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    let (org, supplier_token) = app
        .published_supplier(
            "ada@riverside.coop",
            "Riverside Co-operative",
            "PR1 2HE",
            "77314000",
            "Grounds maintenance.",
        )
        .await;
    app.published_supplier(
        "gus@greenspace.example",
        "Greenspace CIC",
        "PR2 2AA",
        "77314000",
        "Grounds maintenance too.",
    )
    .await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let buyer = app.token("bea@preston.gov.uk").await;
    let ada = app.sign_in("ada@riverside.coop").await;
    let url = format!("/api/v1/suppliers/{org}");
    assert_eq!(app.get(&url, None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/suppliers?q=grounds", Some(&buyer))
            .await
            .json()["total"],
        2
    );

    let admin = app.sign_in(ADMIN).await;
    let org_id = org.to_string();
    let r = app
        .post_form(
            "/api/admin-set-org-status",
            &[("organisation_id", &org_id), ("suspended", "true")],
            Some(&admin),
            "/admin",
        )
        .await;
    assert_eq!(r.status, StatusCode::FOUND, "{r:?}");

    let r = app.get(&url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert_eq!(
        app.get(&url, Some(&buyer)).await.status,
        StatusCode::NOT_FOUND
    );
    let page = app.page(&format!("/suppliers/{org}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Riverside Co-operative"));
    let results = app
        .get("/api/v1/suppliers?q=grounds", Some(&buyer))
        .await
        .json();
    assert_eq!(results["total"], 1, "{results}");
    assert_eq!(results["results"][0]["name"], "Greenspace CIC");
    assert_eq!(results["facets"]["legal_form"]["worker_coop"], 1);

    // Its users are signed out and their token can no longer change anything.
    let r = app.call_fn("/api/my-profile", &[], Some(&ada)).await;
    assert_eq!(
        r.fn_error_kind().as_deref(),
        Some("Unauthenticated"),
        "{r:?}"
    );
    let r = app
        .send_json(
            "PUT",
            &url,
            &json!({"name": "Still here"}),
            Some(&supplier_token),
        )
        .await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
        "{r:?}"
    );
    let profile =
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile");
    assert_eq!(profile.name, "Riverside Co-operative");

    // The admin still sees it; reinstating brings it back.
    let admin_token = app.token(ADMIN).await;
    let r = app.get(&url, Some(&admin_token)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["status"], "suspended");
    let r = app
        .call_fn(
            "/api/admin-set-org-status",
            &[("organisation_id", &org_id), ("suspended", "false")],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(app.get(&url, None).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/suppliers?q=grounds", Some(&buyer))
            .await
            .json()["total"],
        2
    );

    let admin_id = app.user_id(ADMIN).await;
    let log = app.audit_log().await;
    for action in ["suspend", "reinstate"] {
        assert!(
            log.iter().any(|a| a.action == action
                && a.actor_user_id == Some(admin_id)
                && a.subject == "Riverside Co-operative"),
            "{action}: {log:?}"
        );
    }
}

#[tokio::test]
async fn the_admin_overview_lists_suppliers_buyers_and_recent_audit_entries() {
    let app = TestApp::spawn().await;
    app.add_user(ADMIN, "admin", None).await;
    app.published_supplier(
        "ada@riverside.coop",
        "Riverside Co-operative",
        "PR1 2HE",
        "77314000",
        "Grounds maintenance.",
    )
    .await;
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    let admin = app.sign_in(ADMIN).await;
    let r = app.call_fn("/api/admin-overview", &[], Some(&admin)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let o = r.json();
    assert_eq!(o["buyer_orgs"][0]["name"], "Preston City Council");
    assert_eq!(
        o["buyer_orgs"][0]["members"][0]["email"],
        "bea@preston.gov.uk"
    );
    assert_eq!(o["suppliers"][0]["name"], "Riverside Co-operative");
    assert_eq!(o["suppliers"][0]["published"], true);
    let audit = o["audit"].as_array().expect("audit");
    assert!(
        audit
            .iter()
            .any(|a| a["action"] == "update_profile" && a["actor"] == "ada@riverside.coop"),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|a| a["action"] == "add_user" && a["subject"] == "bea@preston.gov.uk"),
        "{audit:?}"
    );
}
