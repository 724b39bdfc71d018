//! The JSON Schema that OCDS exports are validated against, built offline.
//!
//! The release schema 1.1.5, its package schema and the lots extension ship in
//! `data/ocds/` and are compiled into these functions, so validation never fetches
//! anything. The lots extension is a JSON Merge Patch (RFC 7386) onto the release schema;
//! the package schema refers to the release schema by [`RELEASE_SCHEMA_URL`], which a
//! validator must map to [`lots_release_schema`]:
//!
//! ```text
//! let registry = jsonschema::Registry::new()
//!     .add(RELEASE_SCHEMA_URL, &lots_release_schema()?)?
//!     .prepare()?;
//! let validator = jsonschema::options()
//!     .with_draft(jsonschema::Draft::Draft4)
//!     .should_validate_formats(true) // dates must be RFC 3339 date-times
//!     .with_registry(&registry)
//!     .build(&release_package_schema()?)?;
//! ```
//!
//! The `jsonschema` crate itself is not a dependency of this crate (it is far heavier
//! than the rest of the domain, which also builds for the browser); the tests use it,
//! and a server that wants to validate at run time adds it there.

use serde_json::{Map, Value};

/// The URL by which the package schema refers to the release schema.
pub const RELEASE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";

const RELEASE_SCHEMA: &str = include_str!("../../../data/ocds/release-schema.json");
const RELEASE_PACKAGE_SCHEMA: &str = include_str!("../../../data/ocds/release-package-schema.json");
const LOTS_EXTENSION: &str = include_str!("../../../data/ocds/lots-extension-release-schema.json");

/// Applies an RFC 7386 JSON Merge Patch: objects merge key by key, `null` removes a key,
/// anything else replaces what was there.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// The OCDS 1.1.5 release schema with the lots extension v1.1.5 applied.
///
/// # Errors
/// Only if the shipped schema files are not JSON, which a test rules out.
pub fn lots_release_schema() -> Result<Value, serde_json::Error> {
    let mut schema: Value = serde_json::from_str(RELEASE_SCHEMA)?;
    merge_patch(&mut schema, &serde_json::from_str(LOTS_EXTENSION)?);
    Ok(schema)
}

/// The OCDS 1.1.5 release package schema, unchanged: its releases refer to
/// [`RELEASE_SCHEMA_URL`].
///
/// # Errors
/// Only if the shipped schema file is not JSON, which a test rules out.
pub fn release_package_schema() -> Result<Value, serde_json::Error> {
    serde_json::from_str(RELEASE_PACKAGE_SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_the_rfc_7386_examples() {
        // The examples of RFC 7386 appendix A, one per row.
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (mut target, patch, expected) in cases {
            merge_patch(&mut target, &patch);
            assert_eq!(target, expected, "patch {patch}");
        }
    }

    #[test]
    fn the_lots_release_schema_has_lots_and_keeps_the_core() {
        let schema = lots_release_schema().expect("shipped schemas are JSON");
        let tender = &schema["definitions"]["Tender"]["properties"];
        assert_eq!(tender["lots"]["items"]["$ref"], json!("#/definitions/Lot"));
        assert!(tender["lotDetails"]["properties"]["maximumLotsBidPerSupplier"].is_object());
        assert!(
            tender["items"].is_object(),
            "core tender fields survive the patch"
        );
        assert!(schema["definitions"]["Item"]["properties"]["relatedLot"].is_object());
        assert!(schema["definitions"]["Item"]["properties"]["classification"].is_object());
        assert_eq!(schema["id"], json!(RELEASE_SCHEMA_URL));
    }

    #[test]
    fn the_package_schema_refers_to_the_release_schema_url() {
        let schema = release_package_schema().expect("shipped schema is JSON");
        assert_eq!(
            schema["properties"]["releases"]["items"]["$ref"],
            json!(RELEASE_SCHEMA_URL)
        );
    }
}
