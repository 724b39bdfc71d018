//! The built browser assets, as the page shell names them. `scripts/build-site.sh` gives
//! them content-hashed names and lists them in `asset-manifest.json`; the server reads that
//! list and provides it as a context, so the shell links the current files.

use serde::{Deserialize, Serialize};

/// The file names (inside `pkg/`) of this build's JS glue, wasm module and stylesheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetNames {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl AssetNames {
    /// The names of a build made before assets were hashed (or of none at all): the shell
    /// still links something sensible, and the server says in its log what is missing.
    #[must_use]
    pub fn unhashed() -> Self {
        Self {
            js: "anchorlink.js".into(),
            wasm: "anchorlink_bg.wasm".into(),
            css: "anchorlink.css".into(),
        }
    }

    /// What Leptos calls the output name: the JS file's name without `.js` (Leptos links
    /// `<output_name>.js` and `<output_name>_bg.wasm`).
    #[must_use]
    pub fn output_name(&self) -> &str {
        self.js.strip_suffix(".js").unwrap_or(&self.js)
    }

    /// The stylesheet's URL.
    #[must_use]
    pub fn stylesheet_href(&self) -> String {
        format!("/pkg/{}", self.css)
    }

    /// True when the wasm is named as Leptos expects from the JS's name (the build script
    /// names them together; a hand-edited manifest might not).
    #[must_use]
    pub fn is_consistent(&self) -> bool {
        self.wasm == format!("{}_bg.wasm", self.output_name())
    }
}

/// The pages that download no wasm: everything on them is links and forms that post to
/// server functions, which work the same without JavaScript, so hydrating them would only
/// cost a slow phone the whole browser bundle. Patterns are paths with `*` for one segment.
/// A page that is not listed here loads the wasm and hydrates, as every page did before;
/// list a page here only if it has no `on:` handlers, effects or live resources that the
/// user needs (and its browser tests pass with JavaScript on).
pub const PAGES_WITHOUT_WASM: &[&str] = &[
    "/",
    "/figures",
    "/login",
    "/signup",
    "/signup/check-email",
    "/verify-email",
    "/forgot-password",
    "/forgot-password/sent",
    "/reset-password",
    "/invitations/*",
    "/buyers/request-access",
    "/buyers/requested",
    "/suppliers/*",
    "/tenders",
    "/tenders/*",
    "/spend",
    "/spend/*",
    "/jobs/*",
    "/alerts",
];

/// Whether the page at `path` loads the wasm (see [`PAGES_WITHOUT_WASM`]).
#[must_use]
pub fn loads_wasm(path: &str) -> bool {
    let path = match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    !PAGES_WITHOUT_WASM.iter().any(|pattern| {
        let mut want = pattern.split('/');
        let mut got = path.split('/');
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some("*"), Some(seg)) if !seg.is_empty() => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{loads_wasm, AssetNames};

    #[test]
    fn pages_of_links_and_forms_load_no_wasm() {
        for path in [
            "/",
            "/login",
            "/suppliers/42",
            "/tenders/7",
            "/tenders",
            "/figures/",
            "/spend/3",
        ] {
            assert!(!loads_wasm(path), "{path}");
        }
    }

    #[test]
    fn interactive_and_unlisted_pages_load_the_wasm() {
        for path in [
            "/suppliers",
            "/profile/capabilities",
            "/tenders/7/edit",
            "/tenders/7/lots",
            "/shortlists/1",
            "/spend/3/columns",
            "/a-page-added-later",
        ] {
            assert!(loads_wasm(path), "{path}");
        }
    }

    #[test]
    fn the_output_name_is_the_js_name_without_its_extension() {
        let names = AssetNames {
            js: "anchorlink-0123abcd.js".into(),
            wasm: "anchorlink-0123abcd_bg.wasm".into(),
            css: "anchorlink-99.css".into(),
        };
        assert_eq!(names.output_name(), "anchorlink-0123abcd");
        assert!(names.is_consistent());
        assert_eq!(names.stylesheet_href(), "/pkg/anchorlink-99.css");
    }

    #[test]
    fn a_wasm_name_that_does_not_follow_the_js_name_is_inconsistent() {
        let names = AssetNames {
            js: "anchorlink-aaaa.js".into(),
            wasm: "anchorlink-bbbb_bg.wasm".into(),
            css: "anchorlink.css".into(),
        };
        assert!(!names.is_consistent());
        assert!(AssetNames::unhashed().is_consistent());
    }
}
