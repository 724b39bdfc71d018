//! What an operator watches: Prometheus metrics at `/metrics`, a request id on every
//! request and response (`x-request-id`, in every log line of the request), and JSON logs
//! when `ANCHORLINK_LOG=json`.
//!
//! Metrics use `prometheus-client` (the Prometheus project's own Rust client; its registry
//! is a value, not a global, so every test app and process keeps its own):
//! - `anchorlink_http_requests_total{method, route, status}` — route is the matched route
//!   pattern (`/api/v1/suppliers/{id}`), never the raw path, so labels stay few;
//! - `anchorlink_http_request_duration_seconds{method, route}` — a latency histogram;
//! - `anchorlink_search_duration_seconds` — the buyer search (page and API) alone;
//! - `anchorlink_http_requests_in_flight`;
//! - `anchorlink_jobs_queued` / `anchorlink_jobs_running` — the job queue, read from the
//!   database when scraped (so it is the queue of every instance).
//!
//! `/metrics` answers the loopback address (a Prometheus on the same host, or through the
//! proxy when `ANCHORLINK_CLIENT_IP_HEADER` is set), or anyone sending
//! `Authorization: Bearer $ANCHORLINK_METRICS_TOKEN`; everyone else gets 404.
//!
//! And what the process does when it is full: [`overloaded`].

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::entities::job;
use backend::services::accounts::limits::ClientAddress;
use backend::AppState;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    search: Histogram,
    in_flight: Gauge,
    jobs_queued: Gauge,
    jobs_running: Gauge,
    token: Option<String>,
}

/// Latency buckets from 1 ms to about 16 s, doubling.
fn latency_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Metrics {
    /// A fresh registry; `token` is `ANCHORLINK_METRICS_TOKEN`.
    #[must_use]
    pub fn new(token: Option<String>) -> Arc<Self> {
        let mut registry = Registry::with_prefix("anchorlink");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            latency_buckets as fn() -> Histogram,
        );
        let search = latency_buckets();
        let in_flight = Gauge::default();
        let jobs_queued = Gauge::default();
        let jobs_running = Gauge::default();
        registry.register("http_requests", "Requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request",
            latency.clone(),
        );
        registry.register(
            "search_duration_seconds",
            "Time to answer a buyer search (page or API)",
            search.clone(),
        );
        registry.register(
            "http_requests_in_flight",
            "Requests being answered now",
            in_flight.clone(),
        );
        registry.register("jobs_queued", "Jobs waiting to run", jobs_queued.clone());
        registry.register("jobs_running", "Jobs running now", jobs_running.clone());
        Arc::new(Self {
            registry,
            requests,
            latency,
            search,
            in_flight,
            jobs_queued,
            jobs_running,
            token: token.filter(|t| !t.is_empty()),
        })
    }

    fn may_read(&self, headers: &HeaderMap, client: Option<&ClientAddress>) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let (Some(expected), Some(given)) = (&self.token, bearer) {
            return constant_time_eq(expected.as_bytes(), given.as_bytes());
        }
        client
            .and_then(|c| c.0.parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_loopback())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts and times every routed request (a layer on the router, so the matched route is
/// known; requests no route matched count as `other`).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let is_search = route == "/api/v1/suppliers" || route == "/suppliers";
    metrics.in_flight.inc();
    let started = Instant::now();
    let response = next.run(req).await;
    let seconds = started.elapsed().as_secs_f64();
    metrics.in_flight.dec();
    metrics
        .latency
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
        })
        .observe(seconds);
    if is_search {
        metrics.search.observe(seconds);
    }
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics` in the Prometheus text format.
pub async fn scrape(
    State((metrics, state)): State<(Arc<Metrics>, AppState)>,
    req: Request,
) -> Response {
    if !metrics.may_read(req.headers(), req.extensions().get::<ClientAddress>()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    for (status, gauge) in [
        ("queued", &metrics.jobs_queued),
        ("running", &metrics.jobs_running),
    ] {
        match job::Entity::find()
            .filter(job::Column::Status.eq(status))
            .count(&state.db)
            .await
        {
            Ok(n) => {
                gauge.set(i64::try_from(n).unwrap_or(i64::MAX));
            }
            Err(e) => tracing::warn!(error = %e, "counting {status} jobs for /metrics"),
        }
    }
    let mut text = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut text, &metrics.registry) {
        tracing::error!(error = %e, "encoding /metrics");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The answer when the process is at `ANCHORLINK_MAX_IN_FLIGHT`: 503 with `Retry-After`,
/// as the API's JSON error under `/api/`, a line of text elsewhere.
pub async fn overloaded(uri: axum::http::Uri, _error: tower::BoxError) -> Response {
    const MESSAGE: &str = "The site is busy; please try again in a moment.";
    let retry = [(header::RETRY_AFTER, "1")];
    if uri.path().starts_with("/api/") {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            retry,
            axum::Json(serde_json::json!({ "errors": { "request": MESSAGE } })),
        )
            .into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, retry, MESSAGE).into_response()
    }
}

/// Installs the log subscriber: human-readable lines, or one JSON object per line when
/// `ANCHORLINK_LOG=json` (for a log collector), filtered by `RUST_LOG`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm_migration=warn,tower_http=info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("ANCHORLINK_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("json")) {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.init();
    }
}

/// The span of one request: method, path and the request id (set by the request-id layer
/// before this runs), so every log line written while answering carries them.
pub fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.uri().path(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_or_the_token_may_read_the_metrics() {
        let open = Metrics::new(None);
        let none = HeaderMap::new();
        let local = ClientAddress("127.0.0.1".into());
        let local6 = ClientAddress("::1".into());
        let remote = ClientAddress("203.0.113.9".into());
        assert!(open.may_read(&none, Some(&local)));
        assert!(open.may_read(&none, Some(&local6)));
        assert!(!open.may_read(&none, Some(&remote)));
        assert!(!open.may_read(&none, None));
        let guarded = Metrics::new(Some("s3cret".into()));
        let mut with = HeaderMap::new();
        with.insert(
            header::AUTHORIZATION,
            "Bearer s3cret".parse().expect("header"),
        );
        let mut wrong = HeaderMap::new();
        wrong.insert(
            header::AUTHORIZATION,
            "Bearer guess".parse().expect("header"),
        );
        assert!(guarded.may_read(&with, Some(&remote)));
        assert!(!guarded.may_read(&wrong, Some(&local)));
    }
}
