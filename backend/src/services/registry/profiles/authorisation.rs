//! Who may change a supplier profile: active members of the supplier organisation and
//! active admins. The rules themselves are `domain::accounts::Actor`'s; this maps them to
//! the service's errors.

use crate::error::{ServiceError, ServiceResult};
use domain::accounts::Actor;

/// Refuses anyone but an active member of the supplier organisation or an active admin.
///
/// # Errors
/// `Forbidden` for other users.
pub fn ensure_can_edit(actor: &Actor, organisation_id: i64) -> ServiceResult<()> {
    if actor.can_edit_supplier(organisation_id) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The supplier organisation the user belongs to.
///
/// # Errors
/// `Forbidden` when the user is not a supplier user.
pub fn own_organisation(actor: &Actor) -> ServiceResult<i64> {
    actor.supplier_organisation().ok_or(ServiceError::Forbidden)
}
