//! Every write endpoint refuses people it is not for: server functions (as the hydrated app
//! and as plain form posts from the pages) and the REST API. A supplier function never takes
//! an organisation id, so "another supplier" can only ever act on its own organisation: the
//! tests prove the victim's data is untouched.

use anchorlink_tests::{json, Reply, TestApp};
use axum::http::StatusCode;
use backend::entities::{
    invitation, organisation, supplier_accreditation, supplier_contract, supplier_cpv,
    supplier_identifier,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// Each write server function with arguments that would succeed for its rightful caller.
fn supplier_writes(ids: &VictimIds) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "save-profile",
            vec![
                ("step", "identity".into()),
                ("p[name]", "Hijacked Ltd".into()),
            ],
        ),
        (
            "add-identifier",
            vec![
                ("scheme", "GB-COH".into()),
                ("identifier", "07654321".into()),
            ],
        ),
        (
            "remove-identifier",
            vec![("id", ids.identifier.to_string())],
        ),
        ("add-cpv", vec![("code", "45000000-7".into())]),
        ("remove-cpv", vec![("code", "77314000".into())]),
        (
            "add-accreditation",
            vec![
                ("kind", "b_corp".into()),
                ("reference", "X".into()),
                ("expires_on", "".into()),
            ],
        ),
        (
            "remove-accreditation",
            vec![("id", ids.accreditation.to_string())],
        ),
        (
            "add-contract",
            vec![
                ("buyer_name", "Somebody".into()),
                ("value_gbp", "1000".into()),
                ("year", "2020".into()),
                ("description", "".into()),
            ],
        ),
        ("remove-contract", vec![("id", ids.contract.to_string())]),
        ("set-published", vec![("publish", "false".into())]),
        (
            "invite-colleague",
            vec![("email", "newcomer@example.org".into())],
        ),
    ]
}

fn admin_writes(ids: &VictimIds) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "admin-create-buyer-org",
            vec![("name", "Shadow Council".into())],
        ),
        (
            "admin-invite-buyer",
            vec![
                ("organisation_id", ids.buyer_org.to_string()),
                ("email", "spy@example.org".into()),
            ],
        ),
        (
            "admin-decide",
            vec![
                ("request_id", "1".into()),
                ("decision", "approve".into()),
                ("organisation_id", "".into()),
            ],
        ),
        (
            "admin-verify-identifier",
            vec![
                ("id", ids.identifier.to_string()),
                ("verified", "true".into()),
            ],
        ),
        (
            "admin-set-org-status",
            vec![
                ("organisation_id", ids.org.to_string()),
                ("suspended", "true".into()),
            ],
        ),
        (
            "admin-buyer-identifier",
            vec![
                ("organisation_id", ids.buyer_org.to_string()),
                ("identifier_scheme", "GB-LAE".into()),
                ("identifier", "PRE".into()),
            ],
        ),
    ]
}

struct VictimIds {
    org: i64,
    identifier: i64,
    accreditation: i64,
    contract: i64,
    buyer_org: i64,
}

/// A published victim supplier with an identifier, a CPV code, an accreditation and a
/// contract; a buyer; another supplier; and a pending buyer join request.
async fn world(app: &TestApp) -> VictimIds {
    let (org, token) = app
        .published_supplier(
            "victor@victim.coop",
            "Victim Co-operative",
            "PR1 2HE",
            "77314000",
            "Grounds maintenance for parks.",
        )
        .await;
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{org}"),
            &json!({"identifiers": [{"scheme": "GB-COH", "id": "01234567"}]}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let victim = app.sign_in("victor@victim.coop").await;
    let r = app
        .call_fn(
            "/api/add-accreditation",
            &[
                ("kind", "real_living_wage"),
                ("reference", "RLW-1"),
                ("expires_on", "2099-01-01"),
            ],
            Some(&victim),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = app
        .call_fn(
            "/api/add-contract",
            &[
                ("buyer_name", "Preston City Council"),
                ("value_gbp", "25000"),
                ("year", "2022"),
                ("description", "Parks"),
            ],
            Some(&victim),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    app.add_user("bea@preston.gov.uk", "buyer", Some("Preston City Council"))
        .await;
    app.add_user("mal@mallory.example", "supplier", Some("Mallory Ltd"))
        .await;
    let r = app
        .call_fn(
            "/api/request-buyer-access",
            &[
                ("email", "pending@nhs.example"),
                ("password", anchorlink_tests::PASSWORD),
                ("organisation_name", "Lancashire NHS Trust"),
                ("job_title", "Buyer"),
                ("message", ""),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let db = &app.state.db;
    VictimIds {
        org,
        identifier: only_id(
            supplier_identifier::Entity::find()
                .filter(supplier_identifier::Column::OrganisationId.eq(org))
                .all(db)
                .await
                .expect("q")
                .iter()
                .map(|r| r.id),
        ),
        accreditation: only_id(
            supplier_accreditation::Entity::find()
                .filter(supplier_accreditation::Column::OrganisationId.eq(org))
                .all(db)
                .await
                .expect("q")
                .iter()
                .map(|r| r.id),
        ),
        contract: only_id(
            supplier_contract::Entity::find()
                .filter(supplier_contract::Column::OrganisationId.eq(org))
                .all(db)
                .await
                .expect("q")
                .iter()
                .map(|r| r.id),
        ),
        buyer_org: app.organisation_of("bea@preston.gov.uk").await,
    }
}

fn only_id(ids: impl Iterator<Item = i64>) -> i64 {
    let ids: Vec<i64> = ids.collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    ids[0]
}

/// Everything the victim owns, as the registry shows it to its own members.
async fn victim_state(app: &TestApp, org: i64) -> serde_json::Value {
    let mut v = serde_json::to_value(
        backend::services::registry::profiles::load_profile(&app.state.db, &app.state.env.cpv, org)
            .await
            .expect("profile"),
    )
    .expect("json");
    // Completeness and time are recomputed by harmless no-ops elsewhere; the content is what matters.
    v["updated_at"] = json!(null);
    let o = organisation::Entity::find_by_id(org)
        .one(&app.state.db)
        .await
        .expect("q")
        .expect("org");
    v["org_status"] = json!(o.status);
    v
}

fn args<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Collects every mismatch so one run reports all endpoints that misbehave.
#[derive(Default)]
struct Failures(Vec<String>);

impl Failures {
    fn expect(&mut self, case: &str, r: &Reply, status: StatusCode, kind: &str) {
        if r.status != status || r.fn_error_kind().as_deref() != Some(kind) {
            self.0.push(format!(
                "{case}: expected {status} {kind:?}, got {} {}",
                r.status, r.body
            ));
        }
    }
    fn check(&mut self, ok: bool, msg: impl Into<String>) {
        if !ok {
            self.0.push(msg.into());
        }
    }
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} failure(s):\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[tokio::test]
async fn every_write_server_function_refuses_a_visitor_without_a_session() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    let mut failures = Failures::default();
    for (endpoint, fields) in supplier_writes(&ids).into_iter().chain(admin_writes(&ids)) {
        let r = app
            .call_fn(&format!("/api/{endpoint}"), &args(&fields), None)
            .await;
        failures.expect(endpoint, &r, StatusCode::UNAUTHORIZED, "Unauthenticated");
        // The page's plain form post goes back where it came from, with nothing done.
        let r = app
            .post_form(
                &format!("/api/{endpoint}"),
                &args(&fields),
                None,
                "/profile",
            )
            .await;
        failures.check(
            r.status == StatusCode::FOUND,
            format!("{endpoint} (form): expected 302, got {}", r.status),
        );
        failures.check(
            r.header("location")
                .is_some_and(|l| l.starts_with("http://localhost/profile")),
            format!(
                "{endpoint} (form): redirected to {:?}",
                r.header("location")
            ),
        );
    }
    failures.check(
        victim_state(&app, ids.org).await == before,
        "the victim's profile changed",
    );
    let buyer_orgs = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("buyer"))
        .all(&app.state.db)
        .await
        .expect("q");
    failures.check(
        buyer_orgs.len() == 1,
        format!("a buyer organisation was created: {buyer_orgs:?}"),
    );
    failures.check(
        buyer_orgs.iter().all(|o| o.identifier.is_none()),
        format!("a buyer organisation was given an org-id: {buyer_orgs:?}"),
    );
    failures.check(
        app.user_row("pending@nhs.example").await.status == "pending_approval",
        "the join request was decided",
    );
    let invitations = invitation::Entity::find()
        .all(&app.state.db)
        .await
        .expect("q");
    failures.check(
        invitations.is_empty(),
        format!("invitations were sent: {invitations:?}"),
    );
    failures.assert_none();
}

#[tokio::test]
async fn a_buyer_may_not_use_any_supplier_or_admin_write_function() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    let buyer = app.sign_in("bea@preston.gov.uk").await;
    let mut failures = Failures::default();
    for (endpoint, fields) in supplier_writes(&ids).into_iter().chain(admin_writes(&ids)) {
        let r = app
            .call_fn(&format!("/api/{endpoint}"), &args(&fields), Some(&buyer))
            .await;
        failures.expect(endpoint, &r, StatusCode::FORBIDDEN, "Forbidden");
    }
    failures.check(
        victim_state(&app, ids.org).await == before,
        "the victim's profile changed",
    );
    failures.check(
        app.user_row("pending@nhs.example").await.status == "pending_approval",
        "the join request was decided",
    );
    failures.check(
        invitation::Entity::find()
            .all(&app.state.db)
            .await
            .expect("q")
            .is_empty(),
        "an invitation was sent",
    );
    failures.assert_none();
}

#[tokio::test]
async fn a_supplier_may_not_use_any_admin_function() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    // Even a member of the organisation concerned.
    let victim = app.sign_in("victor@victim.coop").await;
    let mal = app.sign_in("mal@mallory.example").await;
    let mut failures = Failures::default();
    for cookie in [&victim, &mal] {
        for (endpoint, fields) in admin_writes(&ids) {
            let r = app
                .call_fn(&format!("/api/{endpoint}"), &args(&fields), Some(cookie))
                .await;
            failures.expect(endpoint, &r, StatusCode::FORBIDDEN, "Forbidden");
        }
        let r = app.call_fn("/api/admin-overview", &[], Some(cookie)).await;
        failures.expect("admin-overview", &r, StatusCode::FORBIDDEN, "Forbidden");
    }
    let after = victim_state(&app, ids.org).await;
    failures.check(after == before, "the victim's profile changed");
    failures.check(
        after["org_status"] == "active",
        "the organisation was suspended",
    );
    failures.check(
        after["identifiers"][0]["verified"] == false,
        "the identifier was verified",
    );
    failures.check(
        app.user_row("pending@nhs.example").await.status == "pending_approval",
        "the join request was decided",
    );
    failures.check(
        organisation::Entity::find()
            .filter(organisation::Column::Name.eq("Shadow Council"))
            .one(&app.state.db)
            .await
            .expect("q")
            .is_none(),
        "a buyer organisation was created",
    );
    failures.check(
        invitation::Entity::find()
            .all(&app.state.db)
            .await
            .expect("q")
            .is_empty(),
        "an invitation was sent",
    );
    let page = app.page("/admin", Some(&mal)).await;
    failures.check(
        page.status == StatusCode::FORBIDDEN,
        format!("/admin page as a supplier: {}", page.status),
    );
    failures.assert_none();
}

#[tokio::test]
async fn another_supplier_cannot_remove_the_victims_rows_by_id() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    let mal = app.sign_in("mal@mallory.example").await;
    let mut failures = Failures::default();
    for (endpoint, id) in [
        ("remove-identifier", ids.identifier),
        ("remove-accreditation", ids.accreditation),
        ("remove-contract", ids.contract),
    ] {
        let id = id.to_string();
        let r = app
            .call_fn(&format!("/api/{endpoint}"), &[("id", &id)], Some(&mal))
            .await;
        failures.expect(endpoint, &r, StatusCode::NOT_FOUND, "NotFound");
        // Without JavaScript: back to the page with the error flashed.
        let r = app
            .post_form(
                &format!("/api/{endpoint}"),
                &[("id", &id)],
                Some(&mal),
                "/profile/identity",
            )
            .await;
        failures.check(
            r.status == StatusCode::FOUND,
            format!("{endpoint} (form): {}", r.status),
        );
        failures.check(
            r.flash_cookie().is_some(),
            format!("{endpoint} (form): no flash cookie: {:?}", r.set_cookies()),
        );
    }
    let after = victim_state(&app, ids.org).await;
    failures.check(
        after == before,
        format!("the victim's profile changed:\nbefore {before}\nafter  {after}"),
    );
    failures.check(
        after["identifiers"].as_array().map(Vec::len) == Some(1),
        "identifier row gone",
    );
    failures.check(
        after["accreditations"].as_array().map(Vec::len) == Some(1),
        "accreditation row gone",
    );
    failures.check(
        after["contracts"].as_array().map(Vec::len) == Some(1),
        "contract row gone",
    );
    failures.assert_none();
}

#[tokio::test]
async fn another_supplier_acts_only_on_its_own_organisation() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    let mal = app.sign_in("mal@mallory.example").await;
    let mal_org = app.organisation_of("mal@mallory.example").await;
    for (endpoint, fields) in supplier_writes(&ids) {
        if endpoint.starts_with("remove-") && endpoint != "remove-cpv" {
            continue; // covered by the by-id test above
        }
        let r = app
            .call_fn(&format!("/api/{endpoint}"), &args(&fields), Some(&mal))
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{endpoint} on Mallory's own organisation: {r:?}"
        );
    }
    let after = victim_state(&app, ids.org).await;
    assert_eq!(after, before, "the victim's profile changed");
    assert_eq!(after["published"], true);
    assert_eq!(after["name"], "Victim Co-operative");
    assert_eq!(
        after["cpv"][0]["code"], "77314000",
        "the victim's CPV code stays"
    );

    // Everything Mallory did landed on Mallory's organisation.
    let mine = victim_state(&app, mal_org).await;
    assert_eq!(mine["name"], "Hijacked Ltd");
    assert_eq!(mine["identifiers"][0]["identifier"], "07654321");
    assert_eq!(mine["cpv"][0]["code"], "45000000");
    assert_eq!(mine["accreditations"][0]["kind"], "b_corp");
    assert_eq!(mine["contracts"][0]["buyer_name"], "Somebody");
    let db = &app.state.db;
    let inv = invitation::Entity::find()
        .one(db)
        .await
        .expect("q")
        .expect("invitation");
    assert_eq!(
        inv.organisation_id, mal_org,
        "the invitation is into Mallory's organisation"
    );
    let victim_cpv = supplier_cpv::Entity::find()
        .filter(supplier_cpv::Column::OrganisationId.eq(ids.org))
        .all(db)
        .await
        .expect("q");
    assert_eq!(victim_cpv.len(), 1);
}

#[tokio::test]
async fn the_rest_api_refuses_other_organisations_and_missing_tokens() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    let before = victim_state(&app, ids.org).await;
    let mal = app.token("mal@mallory.example").await;
    let buyer = app.token("bea@preston.gov.uk").await;
    let victim_url = format!("/api/v1/suppliers/{}", ids.org);
    let body = json!({"name": "Hacked", "published": false});

    let cases: &[(&str, &str, &str, Option<&str>, StatusCode)] = &[
        (
            "another supplier's PUT",
            "PUT",
            &victim_url,
            Some(&mal),
            StatusCode::FORBIDDEN,
        ),
        (
            "a buyer's PUT",
            "PUT",
            &victim_url,
            Some(&buyer),
            StatusCode::FORBIDDEN,
        ),
        (
            "PUT without a token",
            "PUT",
            &victim_url,
            None,
            StatusCode::UNAUTHORIZED,
        ),
        (
            "PUT with a made-up token",
            "PUT",
            &victim_url,
            Some("al_not-a-real-token"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a buyer's POST",
            "POST",
            "/api/v1/suppliers",
            Some(&buyer),
            StatusCode::FORBIDDEN,
        ),
        (
            "POST without a token",
            "POST",
            "/api/v1/suppliers",
            None,
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (case, method, path, token, status) in cases {
        let r = app.send_json(method, path, &body, *token).await;
        assert_eq!(r.status, *status, "{case}: {r:?}");
        assert!(
            r.json()["errors"]["authorization"].is_string(),
            "{case}: {}",
            r.body
        );
    }
    assert_eq!(
        victim_state(&app, ids.org).await,
        before,
        "the victim's profile changed"
    );

    // Searching is for buyers and admins.
    let supplier = app.token("victor@victim.coop").await;
    let r = app.get("/api/v1/suppliers", Some(&supplier)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{r:?}");
    assert!(r.json()["errors"]["authorization"].is_string());
    let r = app.get("/api/v1/suppliers", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    let r = app.get("/api/v1/suppliers", Some(&buyer)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["total"], 1);
}

#[tokio::test]
async fn the_rest_api_lets_members_and_admins_edit_a_profile() {
    let app = TestApp::spawn().await;
    let ids = world(&app).await;
    app.add_user("root@anchorlink.example", "admin", None).await;
    let admin = app.token("root@anchorlink.example").await;
    let victim = app.token("victor@victim.coop").await;
    let url = format!("/api/v1/suppliers/{}", ids.org);
    let r = app
        .send_json(
            "PUT",
            &url,
            &json!({"trading_name": "Victim Grounds"}),
            Some(&victim),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["trading_name"], "Victim Grounds");
    let r = app
        .send_json(
            "PUT",
            &url,
            &json!({"trading_name": "Checked by the platform team"}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["trading_name"], "Checked by the platform team");
}

#[tokio::test]
async fn unpublished_profiles_are_hidden_from_other_users_but_not_from_members() {
    let app = TestApp::spawn().await;
    app.add_user("dora@draft.example", "supplier", Some("Draft Ltd"))
        .await;
    app.add_user("mal@mallory.example", "supplier", Some("Mallory Ltd"))
        .await;
    let org = app.organisation_of("dora@draft.example").await;
    let url = format!("/api/v1/suppliers/{org}");
    let r = app.get(&url, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let mal = app.token("mal@mallory.example").await;
    assert_eq!(
        app.get(&url, Some(&mal)).await.status,
        StatusCode::NOT_FOUND
    );
    let dora = app.token("dora@draft.example").await;
    let r = app.get(&url, Some(&dora)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.json()["published"], false);
    let page = app.page(&format!("/suppliers/{org}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Draft Ltd"));
}
