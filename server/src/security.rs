//! What every request and response passes through for safety: the cross-site request
//! defence and the security headers. (OWASP ASVS 4.0 level 2: V13 CSRF, V14.4 headers.)

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use backend::services::accounts::limits::ClientAddress;
use std::net::SocketAddr;
use std::sync::Arc;

/// The origin (scheme, host and port) of the configured base URL: the only place a
/// browser's form post or server-function call may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteOrigin(Arc<str>);

impl SiteOrigin {
    /// The origin of `base_url` (`https://registry.example.gov.uk/anchorlink` →
    /// `https://registry.example.gov.uk`), lowercased as browsers send it.
    #[must_use]
    pub fn of(base_url: &str) -> Self {
        let trimmed = base_url.trim();
        let (scheme, rest) = trimmed.split_once("://").unwrap_or(("http", trimmed));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        Self(
            format!(
                "{}://{}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
            .into(),
        )
    }

    /// True when the site is served over TLS (then HSTS is sent).
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// Whether a request with these `Origin` and `Sec-Fetch-Site` headers comes from a
    /// page of this site. A missing `Origin` is accepted only when the browser says the
    /// request is same-origin; `null` (sandboxed frames, some redirects) never is.
    #[must_use]
    pub fn admits(&self, origin: Option<&str>, fetch_site: Option<&str>) -> bool {
        match origin {
            Some(o) => o.trim().eq_ignore_ascii_case(&self.0),
            None => fetch_site == Some("same-origin"),
        }
    }
}

/// Opportunity alerts' one-click unsubscribe (issue 12).
const UNSUBSCRIBE_PATH: &str = "/alerts/unsubscribe";

/// Refuses writes that a page on another site could make a signed-in user's browser send.
/// Every unsafe request must come from this site's origin, except the REST API under
/// `/api/v1`, which authenticates only by bearer token — a header a browser never adds by
/// itself — and so has no ambient authority to borrow. Sign-in is covered too (no login
/// CSRF).
pub async fn same_origin(State(site): State<SiteOrigin>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The one-click unsubscribe (RFC 8058) is posted by mail clients with no origin; its
    // token is its only authority (no cookie is read), so there is nothing to forge.
    let exempt = req.uri().path().starts_with("/api/v1/") || req.uri().path() == UNSUBSCRIBE_PATH;
    if unsafe_method && !exempt {
        let text = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
        let origin = text(&header::ORIGIN);
        if !site.admits(origin, text(&HeaderName::from_static("sec-fetch-site"))) {
            let message = match origin {
                Some(o) if o != "null" => format!(
                    "Cross-site request refused: this form was sent from {o}, but this site is {}. \
                     Open the site at that address (or set ANCHORLINK_BASE_URL to the address \
                     people use).",
                    site.0
                ),
                _ => "Cross-site request refused: the browser did not say where this form \
                      was sent from."
                    .to_owned(),
            };
            return (StatusCode::FORBIDDEN, message).into_response();
        }
    }
    next.run(req).await
}

/// The Content Security Policy of every response that is not a page of the app (JSON,
/// feeds, files, the few hand-written pages): scripts and styles only from this site, no
/// inline script at all, and `'wasm-unsafe-eval'` so the browser half can compile its
/// WebAssembly. Nothing may frame the site, forms post only here, and no plugin or other
/// base URL is allowed. Pages of the app get [`page_policy`] instead.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

/// The policy of a page the app renders: [`CONTENT_SECURITY_POLICY`] with the inline
/// scripts Leptos writes (hydration, resolved resources) allowed by this response's nonce
/// only — an injected inline script, lacking it, does not run.
#[must_use]
pub fn page_policy(nonce: &str) -> String {
    CONTENT_SECURITY_POLICY.replacen(
        "script-src 'self'",
        &format!("script-src 'self' 'nonce-{nonce}'"),
        1,
    )
}

/// Called while a page renders (the app's context): sets the page's policy, naming the
/// nonce Leptos generated for this response, as the response's own header (which
/// [`security_headers`] keeps).
pub fn provide_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the security headers to every response (a handler's own value is kept):
/// the CSP, `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (reset and
/// verification links carry their token in the URL, which must not leak to other sites;
/// `no-referrer` would also make browsers send `Origin: null` on the site's own form posts),
/// `X-Frame-Options: DENY` for browsers without `frame-ancestors`, a restrictive
/// `Permissions-Policy`, and HSTS when the site is served over https.
pub async fn security_headers(
    State(site): State<SiteOrigin>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    if site.is_https() {
        set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    res
}

/// Puts the client's address in the request's extensions for the rate limits
/// ([`ClientAddress`]): the last address in the trusted proxy's header when one is
/// configured (`ANCHORLINK_CLIENT_IP_HEADER`; the last, because a client can write any
/// address before it), otherwise the connection's peer.
pub async fn client_address(
    State(header): State<Option<HeaderName>>,
    mut req: Request,
    next: Next,
) -> Response {
    let from_proxy = header.as_ref().and_then(|h| {
        req.headers()
            .get_all(h)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty())
            .map(str::to_owned)
    });
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let address = from_proxy
        .or(peer)
        .map_or_else(ClientAddress::unknown, ClientAddress);
    req.extensions_mut().insert(address);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::SiteOrigin;

    #[test]
    fn a_pages_policy_allows_inline_scripts_by_its_nonce_only() {
        let p = super::page_policy("abc123");
        assert!(
            p.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{p}"
        );
        assert!(
            !p.contains("'unsafe-inline' 'wasm")
                && !super::CONTENT_SECURITY_POLICY.contains("nonce")
        );
        assert!(p.contains("frame-ancestors 'none'"), "{p}");
    }

    #[test]
    fn the_origin_of_a_base_url_drops_path_and_case() {
        assert_eq!(
            SiteOrigin::of("https://Registry.Example.gov.uk/anchorlink/"),
            SiteOrigin::of("https://registry.example.gov.uk")
        );
        assert!(SiteOrigin::of("https://registry.example.gov.uk").is_https());
        assert!(!SiteOrigin::of("http://127.0.0.1:3000").is_https());
    }

    #[test]
    fn only_this_sites_origin_or_a_same_origin_fetch_is_admitted() {
        let site = SiteOrigin::of("http://127.0.0.1:3000");
        assert!(site.admits(Some("http://127.0.0.1:3000"), None));
        assert!(site.admits(None, Some("same-origin")));
        for (origin, fetch_site) in [
            (Some("null"), Some("same-origin")),
            (Some("http://127.0.0.1:3001"), None),
            (Some("https://127.0.0.1:3000"), None),
            (Some("http://evil.example"), Some("same-origin")),
            (Some("http://127.0.0.1:3000.evil.example"), None),
            (None, Some("cross-site")),
            (None, Some("same-site")),
            (None, None),
        ] {
            assert!(
                !site.admits(origin, fetch_site),
                "{origin:?} {fetch_site:?}"
            );
        }
    }
}
