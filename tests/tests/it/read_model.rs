//! The registry's read model: one loader of supplier snapshots, with everything other
//! contexts read about a supplier, one rule (with one SQL twin) for who buyers see, and
//! one follower that keeps every in-process projection in step.

use anchorlink_tests::{json, TestApp};
use axum::http::StatusCode;
use backend::services::registry::snapshots::{self, SearchableSuppliers};
use backend::services::registry::views::Projection;
use domain::registry::{AccreditationKind, IdScheme, LegalForm, SizeClass, SupplierSnapshot};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const ADMIN: &str = "admin@anchorlink.example";

#[tokio::test]
async fn a_snapshot_holds_what_other_contexts_read_about_a_supplier() {
    let app = TestApp::spawn().await;
    let (org, token) = app
        .published_supplier(
            "sam@ribble.example",
            "Ribble Joinery Co-operative",
            "PR1 2HE",
            "45000000",
            "Joinery, shopfitting and repairs to public buildings.",
        )
        .await;
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{org}"),
            &json!({
                "trading_name": "Ribble Joinery", "employees": 8, "turnover_gbp": 400000,
                "max_contract_value_gbp": 150000, "service_radius_km": 30,
                "service_outcodes": ["LS1", "FY1"], "keywords": ["joinery", "shopfitting"],
                "website": "https://ribble.example", "email": "hello@ribble.example",
                "local_staff_pct": 80, "identifiers": [{"scheme": "GB-MPR", "id": "1234R"}],
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let cookie = app.sign_in("sam@ribble.example").await;
    for (path, fields) in [
        (
            "/api/add-accreditation",
            vec![
                ("kind", "real_living_wage"),
                ("reference", ""),
                ("expires_on", "2031-03-31"),
            ],
        ),
        (
            "/api/add-contract",
            vec![
                ("buyer_name", "Preston City Council"),
                ("value_gbp", "40000"),
                ("year", "2024"),
                ("description", "Library shelving"),
            ],
        ),
    ] {
        let r = app.call_fn(path, &fields, Some(&cookie)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
    }

    let found = snapshots::snapshots(&app.state.db, &[org])
        .await
        .expect("load");
    let s = &found[0];
    assert_eq!(
        (s.id, s.name.as_str(), s.display_name()),
        (org, "Ribble Joinery Co-operative", "Ribble Joinery")
    );
    assert_eq!(s.legal_form, Some(LegalForm::WorkerCoop));
    assert!(s.social_economy && s.published && s.active && !s.verified);
    assert_eq!(s.size, Some(SizeClass::Micro));
    assert!(s.is_searchable() && s.is_sme());
    assert_eq!(
        (s.postcode.as_deref(), s.outcode.as_deref()),
        (Some("PR1 2HE"), Some("PR1"))
    );
    assert!(s.location.is_some());
    assert_eq!(s.service_radius_km, Some(30));
    assert_eq!(s.service_outcodes, ["FY1", "LS1"]);
    assert_eq!(
        s.cpv.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        ["45000000"]
    );
    assert_eq!(s.keywords, ["joinery", "shopfitting"]);
    assert_eq!(s.capacity().limit().map(|g| g.pounds()), Some(150_000));
    assert_eq!(s.local_staff_pct, Some(80));
    assert_eq!(
        (s.website.as_str(), s.email.as_str()),
        ("https://ribble.example", "hello@ribble.example")
    );
    assert_eq!(s.identifiers.len(), 1);
    assert_eq!(s.identifiers[0].scheme, IdScheme::GbMpr);
    assert_eq!(s.accreditations.len(), 1);
    assert_eq!(s.accreditations[0].kind, AccreditationKind::RealLivingWage);
    assert_eq!(s.contracts.len(), 1);
    assert_eq!(s.contracts[0].buyer_name, "Preston City Council");
    assert_eq!(s.contracts[0].value_gbp, Some(40_000));
}

#[tokio::test]
async fn drafts_and_suspended_suppliers_load_but_are_not_searchable_and_sql_agrees() {
    let app = TestApp::spawn().await;
    let (listed, _) = app
        .published_supplier(
            "a@listed.example",
            "Listed Co-operative",
            "LS1 4AP",
            "90910000",
            "Office cleaning in Leeds.",
        )
        .await;
    let (suspended, _) = app
        .published_supplier(
            "b@suspended.example",
            "Suspended CIC",
            "LS1 4AP",
            "90910000",
            "Deep cleaning in Leeds.",
        )
        .await;
    app.add_user("c@draft.example", "supplier", Some("Draft Ltd"))
        .await;
    let draft = app.organisation_of("c@draft.example").await;
    app.add_user(ADMIN, "admin", None).await;
    let admin = app.sign_in(ADMIN).await;
    let r = app
        .call_fn(
            "/api/admin-set-org-status",
            &[
                ("organisation_id", &suspended.to_string()),
                ("suspended", "true"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let asked = [draft, 999_999, listed, suspended];
    let found = snapshots::snapshots(&app.state.db, &asked)
        .await
        .expect("load");
    let ids: Vec<i64> = found.iter().map(|s| s.id).collect();
    assert_eq!(
        ids,
        [draft, listed, suspended],
        "in the order asked; unknown ids left out"
    );
    let searchable: Vec<bool> = found.iter().map(|s| s.is_searchable()).collect();
    assert_eq!(searchable, [false, true, false]);
    assert!(!found[0].published && found[0].active, "a draft");
    assert!(
        found[2].published && !found[2].active,
        "a suspended supplier"
    );

    let among = snapshots::searchable_among(&app.state.db, &asked)
        .await
        .expect("sql");
    assert_eq!(
        among.into_iter().collect::<Vec<_>>(),
        [listed],
        "the SQL twin agrees"
    );
    assert_eq!(
        snapshots::searchable_count(&app.state.db)
            .await
            .expect("count"),
        1
    );

    let mut walk = SearchableSuppliers::new(&app.state.db, 1);
    let mut walked = Vec::new();
    while let Some(batch) = walk.next_batch().await.expect("batch") {
        assert!(batch.iter().all(|s| s.is_searchable()));
        walked.extend(batch.into_iter().map(|s| s.id));
    }
    assert_eq!(walked, [listed]);
}

#[tokio::test]
async fn the_walk_over_the_registry_visits_every_searchable_supplier_once_in_batches() {
    let app = TestApp::spawn().await;
    server::seed::seed(&app.state, 120, 3).await.expect("seed");
    let mut walk = SearchableSuppliers::new(&app.state.db, 50);
    let mut sizes = Vec::new();
    let mut ids = Vec::new();
    while let Some(batch) = walk.next_batch().await.expect("batch") {
        sizes.push(batch.len());
        ids.extend(batch.into_iter().map(|s| s.id));
    }
    assert_eq!(sizes, [50, 50, 20]);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique.len(), 120);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order");
}

/// A projection that remembers what the follower fed it.
struct Recorder {
    position: AtomicI64,
    rebuilds: AtomicUsize,
    rebuilt: Mutex<Vec<i64>>,
    changed: Mutex<Vec<i64>>,
}

impl Recorder {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            position: AtomicI64::new(-1),
            rebuilds: AtomicUsize::new(0),
            rebuilt: Mutex::new(Vec::new()),
            changed: Mutex::new(Vec::new()),
        })
    }

    fn rebuilt(&self) -> Vec<i64> {
        self.rebuilt.lock().expect("lock").clone()
    }
}

impl Projection for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn position(&self) -> i64 {
        self.position.load(Ordering::SeqCst)
    }
    fn size(&self) -> Option<u64> {
        None
    }
    fn apply(&self, changed: &[i64], _: &[SupplierSnapshot]) -> anyhow::Result<()> {
        self.changed.lock().expect("lock").extend(changed);
        Ok(())
    }
    fn commit(&self, position: i64) -> anyhow::Result<()> {
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }
    fn begin_rebuild(&self, _: u64) -> anyhow::Result<()> {
        self.rebuilds.fetch_add(1, Ordering::SeqCst);
        self.rebuilt.lock().expect("lock").clear();
        Ok(())
    }
    fn rebuild_batch(&self, snapshots: &[SupplierSnapshot]) -> anyhow::Result<()> {
        self.rebuilt
            .lock()
            .expect("lock")
            .extend(snapshots.iter().filter(|s| s.is_searchable()).map(|s| s.id));
        Ok(())
    }
    fn end_rebuild(&self, position: i64) -> anyhow::Result<()> {
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn a_projection_registered_late_is_built_alone_then_follows_every_change() {
    let app = TestApp::spawn().await;
    let (a, token) = app
        .published_supplier(
            "a@one.example",
            "One Co-operative",
            "LS1 4AP",
            "90910000",
            "Office cleaning in Leeds.",
        )
        .await;
    let (b, _) = app
        .published_supplier(
            "b@two.example",
            "Two CIC",
            "LS1 4AP",
            "90910000",
            "Window cleaning in Leeds.",
        )
        .await;
    app.add_user("c@draft.example", "supplier", Some("Draft Ltd"))
        .await;
    let views = &app.state.views;

    let first = Recorder::new();
    views.register(first.clone());
    views.catch_up(&app.state.db).await.expect("catch up");
    assert_eq!(
        first.rebuilt(),
        [a, b],
        "built from the searchable suppliers"
    );
    let second = Recorder::new();
    views.register(second.clone());
    views.catch_up(&app.state.db).await.expect("catch up");
    assert_eq!(second.rebuilt(), [a, b]);
    assert_eq!(
        first.rebuilds.load(Ordering::SeqCst),
        1,
        "the others are not rebuilt"
    );
    assert_eq!(app.state.views.index().engine().len(), 2);

    // An edit made here reaches every projection before the next read.
    let r = app
        .send_json(
            "PUT",
            &format!("/api/v1/suppliers/{a}"),
            &json!({"keywords": ["windows"]}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    views.fresh(&app.state.db).await.expect("fresh");
    for p in [&first, &second] {
        assert!(p.changed.lock().expect("lock").contains(&a));
        assert_eq!(p.rebuilds.load(Ordering::SeqCst), 1);
    }
}

/// A projection that, while a catch-up builds it, has another projection registered — as
/// a tender question registering the supplier pool while the background follower is
/// catching up.
struct RegistersAnother {
    inner: Arc<Recorder>,
    views: Arc<backend::services::registry::views::RegistryViews>,
    late: Mutex<Option<Arc<Recorder>>>,
}

impl Projection for RegistersAnother {
    fn name(&self) -> &'static str {
        "registers another"
    }
    fn position(&self) -> i64 {
        self.inner.position()
    }
    fn size(&self) -> Option<u64> {
        None
    }
    fn apply(&self, changed: &[i64], s: &[SupplierSnapshot]) -> anyhow::Result<()> {
        self.inner.apply(changed, s)
    }
    fn commit(&self, position: i64) -> anyhow::Result<()> {
        self.inner.commit(position)
    }
    fn begin_rebuild(&self, expected: u64) -> anyhow::Result<()> {
        self.inner.begin_rebuild(expected)
    }
    fn rebuild_batch(&self, s: &[SupplierSnapshot]) -> anyhow::Result<()> {
        self.inner.rebuild_batch(s)
    }
    fn end_rebuild(&self, position: i64) -> anyhow::Result<()> {
        if let Some(late) = self.late.lock().expect("lock").take() {
            self.views.register(late);
        }
        self.inner.end_rebuild(position)
    }
}

#[tokio::test]
async fn a_projection_registered_during_a_catch_up_is_still_built_by_the_next() {
    let app = TestApp::spawn().await;
    let (a, _) = app
        .published_supplier(
            "a@one.example",
            "One Co-operative",
            "LS1 4AP",
            "90910000",
            "Office cleaning in Leeds.",
        )
        .await;
    let views = app.state.views.clone();
    let late = Recorder::new();
    let first = Arc::new(RegistersAnother {
        inner: Recorder::new(),
        views: views.clone(),
        late: Mutex::new(Some(late.clone())),
    });
    views.register(first.clone());
    views.catch_up(&app.state.db).await.expect("catch up");
    assert_eq!(first.inner.rebuilt(), [a]);
    assert!(
        late.rebuilt().is_empty(),
        "registered after the list was taken"
    );
    // Nothing changed in the registry since; the late one must still be built.
    views.catch_up(&app.state.db).await.expect("catch up");
    assert_eq!(late.rebuilt(), [a], "the late projection was left empty");
}
