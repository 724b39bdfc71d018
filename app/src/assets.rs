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

/// The pages that have islands (`#[island]` components, the only parts of a page that
/// hydrate), and so load the browser half: the JS glue and the wasm holding the islands.
/// Every other page is plain HTML whose links and forms work the same with or without
/// JavaScript, and downloads no script at all. Patterns are paths with `*` for one segment.
/// A page that gains an island must be listed here, or its island stays server-rendered
/// HTML (still usable, as without JavaScript, but not live).
pub const PAGES_WITH_ISLANDS: &[&str] = &[
    // the search filters apply on change
    "/suppliers",
    // "What do you do?" and the CPV type-ahead of the capabilities step
    "/profile/capabilities",
    // the tender editor's CPV type-ahead and "Add a row"
    "/tenders/*/edit",
];

/// Whether the page at `path` has islands and so loads the wasm (see [`PAGES_WITH_ISLANDS`]).
#[must_use]
pub fn has_islands(path: &str) -> bool {
    let path = match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    };
    PAGES_WITH_ISLANDS.iter().any(|pattern| {
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
    use super::{has_islands, AssetNames};

    #[test]
    fn pages_of_links_and_forms_load_no_wasm() {
        for path in [
            "/",
            "/login",
            "/suppliers/42",
            "/tenders/7",
            "/tenders",
            "/tenders/7/lots",
            "/tenders/7/edit/more",
            "/figures/",
            "/spend/3",
            "/spend/3/columns",
            "/shortlists/1",
            "/admin",
            "/profile",
            "/profile/details",
            "/a-page-added-later",
        ] {
            assert!(!has_islands(path), "{path}");
        }
    }

    #[test]
    fn pages_with_islands_load_the_wasm() {
        for path in [
            "/suppliers",
            "/suppliers/",
            "/profile/capabilities",
            "/tenders/7/edit",
        ] {
            assert!(has_islands(path), "{path}");
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
