//! The Anchorlink process: configuration, start-up, the axum router (pages, server
//! functions, REST API), and the command line. A library so tests can build the router
//! without a socket.

pub mod backup;
// light pages (issue 13): hashed, precompressed, cacheable assets; embedded in release
pub mod assets;
// `anchorlink ocds import` (issue 12)
pub mod bulk_import;
pub mod cli;
pub mod config;
pub mod observe;
pub mod rest;
pub mod security;
pub mod seed;

use app::{shell, App};
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::jobs::{JobKinds, Jobs, RunnerConfig};
use backend::mail::Mailer;
use backend::services;
use backend::services::registry::pool::SupplierPool;
use backend::services::registry::search_index::SearchIndex;
use backend::services::registry::views::{self, RegistryViews};
use backend::{AppConfig, AppState, Env};
use config::Settings;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Connects to the database and brings the schema up to date.
///
/// # Errors
/// Unreachable database or a failed migration: the process must not start.
pub async fn connect(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // One writer at a time is SQLite's rule; a small pool avoids lock contention.
        opts.max_connections(4);
    }
    let db = Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("connecting to {}: {e}", redact(url)))?;
    if url.starts_with("sqlite:") {
        db.execute_unprepared(
            "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;",
        )
        .await?;
    }
    Migrator::up(&db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migrating the database: {e}"))?;
    Ok(db)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…@{}", &url[..s], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

/// Builds the shared state from settings: database (migrated), reference data, mailer,
/// this process's registry views (the search index, rebuilt if missing or stale, and
/// followed in the background), and the job queue with every kind of job the services
/// enqueue. The job worker is started by [`serve`], not here.
///
/// # Errors
/// Database, reference data, index or mail set-up failures.
pub async fn build_state(settings: &Settings) -> anyhow::Result<AppState> {
    build_state_with(settings, services::job_kinds(), config::runner_from_env()?).await
}

/// [`build_state`] with chosen job kinds and worker settings (tests add kinds of their own
/// and shorten the backoff).
///
/// # Errors
/// As [`build_state`].
pub async fn build_state_with(
    settings: &Settings,
    kinds: JobKinds,
    runner: RunnerConfig,
) -> anyhow::Result<AppState> {
    let state = state_with_index(settings, settings.index_dir.clone(), kinds, runner).await?;
    state.views.prepare(&state.db).await?;
    views::spawn_follower(&state.views, state.db.clone());
    Ok(state)
}

/// The state for batch commands that only write the registry (`anchorlink seed`): no search
/// index of its own (an empty one in RAM), so it runs beside a serving process that holds
/// the index directory; every serving process picks the changes up from the change log.
///
/// # Errors
/// As [`build_state`], without the index.
pub async fn build_batch_state(settings: &Settings) -> anyhow::Result<AppState> {
    state_with_index(
        settings,
        None,
        services::job_kinds(),
        RunnerConfig::default(),
    )
    .await
}

async fn state_with_index(
    settings: &Settings,
    index_dir: Option<std::path::PathBuf>,
    kinds: JobKinds,
    runner: RunnerConfig,
) -> anyhow::Result<AppState> {
    let db = connect(&settings.database_url).await?;
    let env = Env::load(AppConfig {
        base_url: settings.base_url.clone(),
        secure_cookies: settings.base_url.starts_with("https://"),
        ocid_prefix: settings.ocid_prefix.clone(),
        spend: config::spend_limits_from_env()?,
        session_idle: config::session_idle_from_env()?,
    })?;
    let mailer = match &settings.smtp_url {
        Some(url) => Mailer::smtp(url, &settings.mail_from)?,
        None => Mailer::outbox(settings.outbox_dir.clone(), &settings.mail_from)?,
    };
    let index = Arc::new(SearchIndex::open(index_dir, env.cpv.clone())?);
    Ok(AppState {
        db,
        env,
        mailer,
        views: Arc::new(RegistryViews::new(index)),
        jobs: Jobs::new(kinds, runner),
        suppliers: Arc::new(SupplierPool::new()),
        // opportunities (issue 12)
        opportunities: Arc::new(backend::services::tendering::opportunities::OpenLots::new()),
    })
}

/// What the router hands to handlers: the application's state and, for the pages, Leptos's
/// options. Handlers take `State<AppState>`; the backend never sees Leptos.
#[derive(Clone)]
pub struct SiteState {
    pub app: AppState,
    pub leptos: LeptosOptions,
}

impl FromRef<SiteState> for AppState {
    fn from_ref(state: &SiteState) -> Self {
        state.app.clone()
    }
}

impl FromRef<SiteState> for LeptosOptions {
    fn from_ref(state: &SiteState) -> Self {
        state.leptos.clone()
    }
}

/// Where the built browser assets are and how they are named.
fn leptos_options(
    settings: &Settings,
    site: &assets::SiteAssets,
    names: &app::assets::AssetNames,
) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(names.output_name())
        .site_root(site.leptos_site_root())
        .site_pkg_dir("pkg")
        .site_addr(settings.addr)
        .build()
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready for traffic: the database answers. (The search index and the other views are
/// built before the server listens, so a listening instance has them.) A load balancer
/// sends requests only to instances that answer 200 here; `/healthz` says the process is
/// alive.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => Json(serde_json::json!({ "status": "ready" })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable", "database": "not answering" })),
            )
                .into_response()
        }
    }
}

/// The pages' routes, worked out once per process. Leptos works them out by running the
/// app with resource loading switched off by a process-wide flag: a page rendering on
/// another thread meanwhile gets a resource that never loads, and its request never
/// answers (leptos-rs/leptos#4773). One server builds one router, but a process that
/// builds several (the integration tests, one per test) must not do it while others serve.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole site: pages, server functions, REST API, static assets.
pub fn router(state: AppState, settings: &Settings) -> Router {
    let routes = page_routes();
    let ctx_state = state.clone();
    let fallback_state = state.clone();
    let site_assets = assets::SiteAssets::from_site_root(settings.site_root.as_deref());
    let names = site_assets.names();
    let (ctx_names, fallback_names) = (names.clone(), names.clone());
    let options = leptos_options(settings, &site_assets, &names);
    let origin = security::SiteOrigin::of(&settings.base_url);
    let site = SiteState {
        app: state,
        leptos: options.clone(),
    };
    let metrics = observe::Metrics::new(std::env::var("ANCHORLINK_METRICS_TOKEN").ok());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            "/metrics",
            get(observe::scrape).with_state((metrics.clone(), site.app.clone())),
        )
        .nest("/api/v1", rest::router())
        .merge(rest::site_router())
        .merge(site_assets.router(&names))
        .leptos_routes_with_context(
            &site,
            routes,
            move || {
                provide_context(ctx_state.clone());
                provide_context(ctx_names.clone());
                security::provide_page_policy();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            SiteState,
            _,
        >(
            move || {
                provide_context(fallback_state.clone());
                provide_context(fallback_names.clone());
                security::provide_page_policy();
            },
            shell,
        ))
        // light pages (issue 13): pages revalidated, and compressed when not already
        .layer(axum::middleware::from_fn(assets::page_cache_control))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(5)),
        )
        .layer(axum::middleware::from_fn_with_state(
            origin.clone(),
            security::same_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            origin,
            security::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            config::client_ip_header_from_env(),
            security::client_address,
        ))
        // under overload, 503 at once rather than an unbounded queue (issue 10)
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::error_handling::HandleErrorLayer::new(
                    observe::overloaded,
                ))
                .layer(tower::load_shed::LoadShedLayer::new())
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    config::max_in_flight(),
                )),
        )
        // metrics per matched route (issue 10)
        .layer(axum::middleware::from_fn_with_state(
            metrics.clone(),
            observe::track,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(observe::request_span)
                // one access-log line per request, with its status and time
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(site)
}

/// Starts serving until interrupted.
///
/// # Errors
/// Start-up failures (bind, database, migrations).
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let state = build_state(&settings).await?;
    let worker = state.jobs.spawn_worker(state.clone());
    if let Some(dir) = state.mailer.outbox_dir() {
        tracing::info!(outbox = %dir.display(), "mail is written to the dev outbox (set SMTP_URL to send it)");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| anyhow::anyhow!("listening on {}: {e}", settings.addr))?;
    tracing::info!("Anchorlink listening on http://{}", settings.addr);
    axum::serve(
        listener,
        router(state, &settings).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // The job in hand finishes; queued jobs wait in the table for the next start.
    worker.stop().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what `systemctl stop`, Docker and Kubernetes send):
/// the server stops accepting, finishes the requests in flight, then returns.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
