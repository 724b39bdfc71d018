//! OCDS: the Open Contracting Data Standard interchange format (releases with lots).
//!
//! Pure mapping, no database and no web types: [`import`] turns another portal's release
//! or package into [`ImportedTender`]s with warnings a buyer can read; [`export`] turns a
//! tender into an OCDS 1.1 release package with the lots extension; [`schema`] builds the
//! JSON Schema that exports are validated against. Both directions share the plain shape
//! in [`model`], so an exported tender imports back to the same content.

pub mod export;
pub mod import;
pub mod model;
pub mod schema;

#[cfg(test)]
mod fixtures;

pub use export::{
    release, release_package, ExportTender, Ocid, OcidPrefix, OcidPrefixError, PackageMeta,
    Publisher,
};
pub use import::{parse, parse_value, ImportedTender, OcdsError, Position};
pub use model::{
    Address, AmountError, Buyer, Cpv, Currency, CurrencyError, Item, Lot, LotDetails, Money, OrgId,
    Period, ProcurementCategory, ProcurementMethod, Suitability, Tender, TenderStatus,
};
