//! Pure domain logic: the rules of Anchorlink with no Leptos, axum or sea-orm types.
//!
//! Everything here compiles for both the server and the browser (wasm32), so forms can
//! check input as the user types with exactly the rules the server enforces. Values with
//! rules are newtypes built by a `parse` that returns a precise error ("parse, don't
//! validate"); once built they are trusted everywhere.
//!
//! Reference data (the CPV list, the outcode table) is passed in as text rather than
//! embedded, so a browser build only carries it when a page really needs it.

pub mod cpv;
pub mod identifier;
pub mod org;
pub mod place;
pub mod text;
pub mod validation;

pub use cpv::{CpvCatalogue, CpvCode, CpvEntry, CpvError, CpvLevel};
pub use identifier::{parse_org_id, IdScheme, IdentifierError, OrgIdentifier};
pub use org::{
    Accreditation, AccreditationKind, LegalForm, OrgKind, OwnershipModel, Role, SizeClass,
    TurnoverBand, UnknownSlug,
};
pub use place::{
    bounding_box, haversine_km, parse_place, Outcode, OutcodeInfo, OutcodeTable, Place, PlaceError,
    Postcode,
};
pub use text::{
    check_password, Email, EmailError, Gbp, GbpError, Keywords, KeywordsError, PasswordError,
    VatError, VatNumber, Website, WebsiteError,
};
pub use validation::{collect, FieldErrors};
