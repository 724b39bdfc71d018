//! Anchorlink's domain: the rules of the product as plain Rust, with no Leptos, axum or
//! sea-orm types, unit-tested on their own.
//!
//! Everything here compiles for both the server and the browser (wasm32), so forms can
//! check input as the user types with exactly the rules the server enforces. Values with
//! rules are newtypes built by a `parse` that returns a precise error ("parse, don't
//! validate"); once built they are trusted everywhere.
//!
//! The shared kernel (CPV vocabulary, places and distance, money and text newtypes, field
//! errors) sits at the top; each bounded context has its own module with the same name it
//! has in every other layer: `accounts`, `registry`, `tendering`, `ocds`, `spend`.
//!
//! Reference data (the CPV list, the outcode table) is passed in as text rather than
//! embedded, so a browser build only carries it when a page really needs it.

/// A slug that matches no variant, e.g. from a stale URL or a tampered form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{slug}\" is not a known {kind}")]
pub struct UnknownSlug {
    pub kind: &'static str,
    pub slug: String,
}

/// Declares a fieldless enum with `ALL`, `slug`, `label`, `from_slug`, `Display` (label),
/// `FromStr` (slug) and serde as the slug, so the five enums cannot drift apart.
#[macro_export]
macro_rules! slug_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $slug:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $slug)] $variant, )+
        }

        impl $name {
            /// Every variant, in display order (for select boxes and filters).
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// Stable identifier for storage, URLs and JSON.
            #[must_use]
            pub const fn slug(self) -> &'static str {
                match self { $(Self::$variant => $slug,)+ }
            }

            /// Human-readable name.
            #[must_use]
            pub const fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)+ }
            }

            /// The variant with this slug.
            #[must_use]
            pub fn from_slug(slug: &str) -> Option<Self> {
                match slug { $($slug => Some(Self::$variant),)+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::UnknownSlug;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_slug(s).ok_or_else(|| $crate::UnknownSlug { kind: $kind, slug: s.to_owned() })
            }
        }
    };
}


pub mod accounts;
pub mod cpv;
pub mod ocds;
pub mod place;
pub mod registry;
pub mod spend;
pub mod tendering;
pub mod text;
pub mod validation;

pub use cpv::{CpvCatalogue, CpvCode, CpvEntry, CpvError, CpvLevel};
pub use place::{
    bounding_box, haversine_km, parse_place, Outcode, OutcodeInfo, OutcodeTable, Place, PlaceError,
    Postcode,
};
pub use text::{
    check_password, Email, EmailError, Gbp, GbpError, Keywords, KeywordsError, PasswordError,
    VatError, VatNumber, Website, WebsiteError,
};
pub use validation::FieldErrors;
