//! What a form post carries back to its page when JavaScript is off.

use crate::validation::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a form post carries back to its page when JavaScript is off: the input as typed and
/// the errors beside each field, or a notice after success.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub values: BTreeMap<String, String>,
    pub errors: FieldErrors,
    pub notice: Option<String>,
}

/// A place on this site to send the browser to after a form (`next=` after sign-in, a
/// job's result link): only a path of this site, never another site. Browsers read `//host`
/// and `/\host` as another host, and ignore tabs and line breaks inside a URL, so any of
/// those, a backslash anywhere, or a scheme refuses the path. Returns the path unchanged
/// when it is safe.
#[must_use]
pub fn internal_path(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let safe = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 2_000;
    safe.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::internal_path;

    #[test]
    fn paths_of_this_site_are_kept() {
        for path in [
            "/",
            "/profile",
            "/suppliers?q=tree%20surgeon&near=PR1",
            "/jobs/12#top",
        ] {
            assert_eq!(internal_path(path), Some(path));
        }
    }

    #[test]
    fn anything_a_browser_could_read_as_another_site_is_refused() {
        for next in [
            "",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/foo\\..\\..\\evil",
        ] {
            assert_eq!(internal_path(next), None, "{next:?}");
        }
    }
}
