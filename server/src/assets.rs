//! The browser assets under `/pkg`: the JS glue, the wasm module (the interactive islands)
//! and the stylesheet, built by `scripts/build-site.sh` under content-hashed names with
//! brotli and gzip copies beside each.
//!
//! They come from a directory (`LEPTOS_SITE_ROOT`, default `target/site`: `make run`,
//! `make test`), or, in a binary built with the `embed-site` feature (`make release`), from
//! the release site compiled into the binary, so one file is the whole site whatever
//! `target/site` holds. Either way a client that accepts brotli or gzip gets the copy
//! compressed at build time (no compression work per request), a hashed file is cacheable
//! for a year (`immutable`: a new build has new names), and anything else must be
//! revalidated.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use app::assets::AssetNames;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::services::ServeDir;

/// `Cache-Control` of a content-hashed asset.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The site directory used when `LEPTOS_SITE_ROOT` is not set and no site is embedded.
pub const DEFAULT_SITE_ROOT: &str = "target/site";

/// The file, beside `pkg/`, that names the current build's assets.
pub const MANIFEST: &str = "asset-manifest.json";

/// Where the assets come from.
#[derive(Clone, Debug)]
pub enum SiteAssets {
    /// A built site directory holding `pkg/` and [`MANIFEST`].
    Dir(PathBuf),
    /// The release site compiled into this binary.
    #[cfg(feature = "embed-site")]
    Embedded,
}

impl SiteAssets {
    /// The directory `LEPTOS_SITE_ROOT` names; without it, the embedded release site when
    /// this binary has one, else [`DEFAULT_SITE_ROOT`].
    #[must_use]
    pub fn from_site_root(site_root: Option<&str>) -> Self {
        match site_root {
            Some(dir) => Self::Dir(PathBuf::from(dir)),
            #[cfg(feature = "embed-site")]
            None => Self::Embedded,
            #[cfg(not(feature = "embed-site"))]
            None => Self::Dir(PathBuf::from(DEFAULT_SITE_ROOT)),
        }
    }

    /// The directory Leptos's fallback handler may serve files from. Embedded assets have
    /// none: a path under `/dev/null` can never exist, so that handler only renders pages.
    #[must_use]
    pub fn leptos_site_root(&self) -> String {
        match self {
            Self::Dir(dir) => dir.display().to_string(),
            #[cfg(feature = "embed-site")]
            Self::Embedded => "/dev/null/anchorlink-embedded".to_owned(),
        }
    }

    /// This build's asset names, from its manifest. A site built before names were hashed
    /// (or not built at all) gets the plain names, and the log says so.
    #[must_use]
    pub fn names(&self) -> AssetNames {
        let (text, origin) = match self {
            Self::Dir(dir) => (
                std::fs::read(dir.join(MANIFEST)).ok(),
                dir.join(MANIFEST).display().to_string(),
            ),
            #[cfg(feature = "embed-site")]
            Self::Embedded => (
                embedded::Release::get(MANIFEST).map(|f| f.data.into_owned()),
                format!("the embedded {MANIFEST}"),
            ),
        };
        match text.map(|t| serde_json::from_slice::<AssetNames>(&t)) {
            Some(Ok(names)) if names.is_consistent() => names,
            Some(Ok(names)) => {
                tracing::warn!(?names, %origin, "the asset manifest's wasm name does not follow its JS name; using unhashed names");
                AssetNames::unhashed()
            }
            Some(Err(e)) => {
                tracing::warn!(error = %e, %origin, "unreadable asset manifest; using unhashed names");
                AssetNames::unhashed()
            }
            None => {
                tracing::warn!(%origin, "no asset manifest (run scripts/build-site.sh); using unhashed names");
                AssetNames::unhashed()
            }
        }
    }

    /// The `/pkg` routes: the files, precompressed copies chosen by `Accept-Encoding`, and
    /// the caching headers.
    pub fn router<S: Clone + Send + Sync + 'static>(&self, names: &AssetNames) -> Router<S> {
        let hashed: Arc<[String]> = if *names == AssetNames::unhashed() {
            Arc::new([])
        } else {
            Arc::new([names.js.clone(), names.wasm.clone(), names.css.clone()])
        };
        let files = match self {
            Self::Dir(dir) => Router::new().nest_service(
                "/pkg",
                ServeDir::new(Path::new(dir).join("pkg"))
                    .precompressed_br()
                    .precompressed_gzip(),
            ),
            #[cfg(feature = "embed-site")]
            Self::Embedded => {
                Router::new().route("/pkg/{*file}", axum::routing::get(embedded::serve))
            }
        };
        files.layer(axum::middleware::from_fn_with_state(hashed, cache_headers))
    }
}

/// A year for the hashed files, revalidation for anything else; and `Vary`, since the
/// same URL is sent brotli, gzip or plain by the request's `Accept-Encoding`.
async fn cache_headers(State(hashed): State<Arc<[String]>>, req: Request, next: Next) -> Response {
    let file = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut res = next.run(req).await;
    let ok = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let cache = if ok && hashed.contains(&file) {
        IMMUTABLE
    } else {
        "no-cache"
    };
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// `Cache-Control` for pages: every HTML response is revalidated (`no-cache`: a page shows
/// live data and links this build's assets), and one asked for with a cookie or setting
/// one is the user's own (`private`: no shared cache keeps it). A handler's own value
/// (`private, no-store` on personal downloads) is kept.
pub async fn page_cache_control(req: Request, next: Next) -> Response {
    let with_cookie = req.headers().contains_key(header::COOKIE);
    let mut res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && !res.headers().contains_key(header::CACHE_CONTROL) {
        let personal = with_cookie || res.headers().contains_key(header::SET_COOKIE);
        let value = if personal {
            "private, no-cache"
        } else {
            "no-cache"
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    res
}

/// Whether `Accept-Encoding` admits `coding` (by name or `*`, with a weight above 0).
#[must_use]
pub fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let mut by_name = None;
    let mut by_star = None;
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if name.eq_ignore_ascii_case(coding) {
                by_name = Some(weight > 0.0);
            } else if name == "*" {
                by_star = Some(weight > 0.0);
            }
        }
    }
    by_name.or(by_star).unwrap_or(false)
}

#[cfg(feature = "embed-site")]
mod embedded {
    use super::accepts;
    use axum::extract::Path;
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Response};

    /// The release site (`scripts/build-site.sh release`), compiled in. `rust-embed` turns
    /// each file into an `include_bytes!`, so cargo rebuilds the binary when they change.
    #[derive(rust_embed::Embed)]
    #[folder = "$CARGO_MANIFEST_DIR/../target/site-release/"]
    pub(super) struct Release;

    /// One file of `pkg/`: the brotli or gzip copy when the client takes it, else the
    /// plain file; typed by the plain file's name.
    pub(super) async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
        let key = format!("pkg/{file}");
        let Some(plain) = Release::get(&key) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let compressed = [("br", "br"), ("gzip", "gz")]
            .into_iter()
            .filter(|(coding, _)| accepts(&headers, coding))
            .find_map(|(coding, ext)| Release::get(&format!("{key}.{ext}")).map(|f| (coding, f)));
        let mime = plain.metadata.mimetype().to_owned();
        let (body, coding) = match compressed {
            Some((coding, f)) => (f.data, Some(coding)),
            None => (plain.data, None),
        };
        let mut res = body.into_owned().into_response();
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&mime) {
            h.insert(header::CONTENT_TYPE, v);
        }
        if let Some(coding) = coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::accepts;
    use axum::http::{header, HeaderMap, HeaderValue};

    fn with(value: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        h
    }

    #[test]
    fn a_listed_coding_is_accepted_and_an_unlisted_one_is_not() {
        let h = with("gzip, deflate, br");
        assert!(accepts(&h, "br"));
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "zstd"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn a_zero_weight_refuses_a_coding_even_under_a_star() {
        let h = with("*;q=0.5, br;q=0");
        assert!(!accepts(&h, "br"));
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&with("gzip;q=0.0"), "gzip"));
        assert!(accepts(&with("GZIP; q=0.3"), "gzip"));
    }
}
