//! The registry: who the suppliers are, what they can do, where, at what size. The rules
//! of a supplier profile (legal forms, SME class, accreditations, identifiers) live here.

pub mod dto;
// registry figures (issue 9)
pub mod figures;
pub mod identifier;
pub mod org;
pub mod profile;
pub mod service;
pub mod snapshot;

pub use identifier::{parse_org_id, IdScheme, IdentifierError, OrgIdentifier};
pub use org::{
    Accreditation, AccreditationKind, LegalForm, OwnershipModel, SizeClass, TurnoverBand,
};
pub use service::{Capacity, ServiceArea, DEFAULT_SERVICE_RADIUS_KM};
pub use snapshot::{PastContract, SupplierSnapshot};
