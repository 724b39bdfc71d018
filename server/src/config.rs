//! Typed settings read once from the environment, with defaults that run out of the box.

use std::net::SocketAddr;
use std::path::PathBuf;

use domain::ocds::OcidPrefix;

/// Everything the process can be told. See the README's "Configuration" table.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `ANCHORLINK_ADDR`, default `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// `DATABASE_URL`, default a SQLite file `anchorlink.db` in the working directory.
    pub database_url: String,
    /// `ANCHORLINK_BASE_URL`, the public address used in e-mailed links.
    pub base_url: String,
    /// `SMTP_URL`: when set, mail goes through SMTP.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`.
    pub mail_from: String,
    /// `ANCHORLINK_OUTBOX`: where mail is written when there is no SMTP server.
    pub outbox_dir: PathBuf,
    /// `LEPTOS_SITE_ROOT`: a built site directory (`pkg/` and `asset-manifest.json`) to
    /// serve the browser assets from. Unset: the release site embedded in the binary
    /// (feature `embed-site`, `make release`), else `target/site`.
    pub site_root: Option<String>,
    /// `ANCHORLINK_INDEX_DIR`: this process's search index (`memory` keeps it in RAM).
    pub index_dir: Option<PathBuf>,
    /// `ANCHORLINK_OCID_PREFIX`: the ocid prefix of OCDS exports, default
    /// [`DEFAULT_OCID_PREFIX`].
    pub ocid_prefix: OcidPrefix,
}

/// The ocid prefix used when `ANCHORLINK_OCID_PREFIX` is not set. Not registered with the
/// Open Contracting Partnership: a deployment that publishes OCDS registers its own.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-anchor";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads the environment.
    ///
    /// # Errors
    /// A malformed value, named in the message.
    pub fn from_env() -> anyhow::Result<Self> {
        let addr: SocketAddr = env("ANCHORLINK_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| anyhow::anyhow!("ANCHORLINK_ADDR is not host:port: {e}"))?;
        let database_url =
            env("DATABASE_URL").unwrap_or_else(|| "sqlite://anchorlink.db?mode=rwc".into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres://");
        }
        let base_url = env("ANCHORLINK_BASE_URL").unwrap_or_else(|| format!("http://{addr}"));
        Ok(Self {
            addr,
            database_url,
            base_url: base_url.trim_end_matches('/').to_owned(),
            smtp_url: env("SMTP_URL"),
            mail_from: env("MAIL_FROM")
                .unwrap_or_else(|| "Anchorlink <no-reply@anchorlink.invalid>".into()),
            outbox_dir: PathBuf::from(env("ANCHORLINK_OUTBOX").unwrap_or_else(|| "outbox".into())),
            site_root: env("LEPTOS_SITE_ROOT"),
            index_dir: match env("ANCHORLINK_INDEX_DIR").as_deref() {
                Some("memory") => None,
                Some(dir) => Some(PathBuf::from(dir)),
                None => Some(PathBuf::from("anchorlink-index")),
            },
            ocid_prefix: OcidPrefix::parse(
                env("ANCHORLINK_OCID_PREFIX")
                    .as_deref()
                    .unwrap_or(DEFAULT_OCID_PREFIX),
            )
            .map_err(|e| anyhow::anyhow!("ANCHORLINK_OCID_PREFIX: {e}"))?,
        })
    }
}

/// The spend analysis's limits: `ANCHORLINK_SPEND_MAX_UPLOAD_MB` (default 100) and
/// `ANCHORLINK_SPEND_WAIT_SECS` (default 30).
///
/// # Errors
/// A value that is not a whole number, named in the message.
pub fn spend_limits_from_env() -> anyhow::Result<backend::services::spend::SpendLimits> {
    let mut limits = backend::services::spend::SpendLimits::default();
    if let Some(mb) = env("ANCHORLINK_SPEND_MAX_UPLOAD_MB") {
        let mb: u64 = mb
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("ANCHORLINK_SPEND_MAX_UPLOAD_MB is not a number: {e}"))?;
        limits.upload_max_bytes = mb.saturating_mul(1_000_000);
    }
    if let Some(secs) = env("ANCHORLINK_SPEND_WAIT_SECS") {
        let secs: u64 = secs
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("ANCHORLINK_SPEND_WAIT_SECS is not a number: {e}"))?;
        limits.wait = std::time::Duration::from_secs(secs);
    }
    Ok(limits)
}

/// `ANCHORLINK_SESSION_IDLE_MINUTES`: how long an unused session lasts (default
/// [`sessions::DEFAULT_IDLE_MINUTES`](backend::services::accounts::sessions::DEFAULT_IDLE_MINUTES)).
///
/// # Errors
/// Not a whole number of minutes, or zero.
pub fn session_idle_from_env() -> anyhow::Result<chrono::Duration> {
    let minutes = match env("ANCHORLINK_SESSION_IDLE_MINUTES") {
        Some(m) => m
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|m| *m > 0)
            .ok_or_else(|| {
                anyhow::anyhow!("ANCHORLINK_SESSION_IDLE_MINUTES must be a whole number above 0")
            })?,
        None => backend::services::accounts::sessions::DEFAULT_IDLE_MINUTES,
    };
    Ok(chrono::Duration::minutes(minutes))
}

/// `ANCHORLINK_CLIENT_IP_HEADER`: behind a reverse proxy, the header it puts the client's
/// address in (e.g. `X-Forwarded-For`; the last address in it is taken, the one the proxy
/// added). Unset: the connection's peer address. Rate limits count per client address.
#[must_use]
pub fn client_ip_header_from_env() -> Option<http::HeaderName> {
    env("ANCHORLINK_CLIENT_IP_HEADER")
        .and_then(|h| http::HeaderName::from_bytes(h.trim().as_bytes()).ok())
}

/// `ANCHORLINK_MAX_IN_FLIGHT`: how many requests one process answers at once; beyond it a
/// request is refused at once with 503 and `Retry-After` instead of waiting in an unbounded
/// queue (a load balancer then tries another instance, a person sees "busy, try again").
/// Default 256: well above what two cores serve (see `make loadtest`), so it only bites
/// when the process is already saturated. Unparsable or zero values keep the default.
#[must_use]
pub fn max_in_flight() -> usize {
    std::env::var("ANCHORLINK_MAX_IN_FLIGHT")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(256)
}

/// `ANCHORLINK_JOB_LEASE_SECS`: how long a job's claim holds without a heartbeat, i.e. how
/// soon a job whose process died (a crash, `kill -9`) is taken up again (default 60 s;
/// keep it well above the clock skew between servers). Issue 12's crash test shortens it.
///
/// # Errors
/// A value that is not a whole number of seconds (at least 1), named in the message.
pub fn runner_from_env() -> anyhow::Result<backend::jobs::RunnerConfig> {
    let mut runner = backend::jobs::RunnerConfig::default();
    if let Some(secs) = env("ANCHORLINK_JOB_LEASE_SECS") {
        let secs: u64 = secs
            .trim()
            .parse()
            .ok()
            .filter(|s| *s >= 1)
            .ok_or_else(|| {
                anyhow::anyhow!("ANCHORLINK_JOB_LEASE_SECS is not a whole number of seconds")
            })?;
        runner.lease = std::time::Duration::from_secs(secs);
    }
    Ok(runner)
}
