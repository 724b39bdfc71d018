//! Accounts: who may sign in and what each kind of user may do, and which passwords
//! they may choose.
//!
//! The acting user reaches every service as an [`Actor`]: a role, the user's status and the
//! organisation it belongs to with that organisation's status. The rules of who may do what
//! are methods here, so that every service asks the same question the same way and the
//! rules are unit-tested without a database.

pub mod dto;
pub mod password;

pub use password::{CommonPasswords, NewPasswordError};

use serde::{Deserialize, Serialize};

slug_enum! {
    /// What a user account can do.
    Role, "role" {
        Supplier => "supplier", "Supplier";
        Buyer => "buyer", "Buyer";
        Admin => "admin", "Administrator";
    }
}

slug_enum! {
    /// Whether a user account may act.
    UserStatus, "user status" {
        Active => "active", "Active";
        /// A would-be buyer waiting for the platform team to approve the request.
        PendingApproval => "pending_approval", "Waiting for approval";
        Suspended => "suspended", "Suspended";
    }
}

slug_enum! {
    /// Whether an organisation (and so its users and its profile) is live.
    OrgStatus, "organisation status" {
        Active => "active", "Active";
        Suspended => "suspended", "Suspended";
    }
}

slug_enum! {
    /// What an organisation is: a supplier, a public buyer, or the platform team itself.
    OrgKind, "organisation kind" {
        Supplier => "supplier", "Supplier";
        Buyer => "buyer", "Buyer";
        Platform => "platform", "Platform team";
    }
}

impl Role {
    /// The kind of organisation users with this role belong to.
    #[must_use]
    pub const fn organisation_kind(self) -> OrgKind {
        match self {
            Self::Supplier => OrgKind::Supplier,
            Self::Buyer => OrgKind::Buyer,
            Self::Admin => OrgKind::Platform,
        }
    }
}

/// The organisation an actor belongs to, as far as authorisation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub organisation_id: i64,
    pub status: OrgStatus,
}

/// The user on whose behalf a service runs, built at the edge from a session cookie or an
/// API token and trusted from then on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub status: UserStatus,
    pub organisation: Option<Membership>,
}

impl Actor {
    /// The organisation's id, if the user belongs to one.
    #[must_use]
    pub fn organisation_id(&self) -> Option<i64> {
        self.organisation.map(|m| m.organisation_id)
    }

    /// The account is active and so is its organisation (a suspended organisation's users
    /// may read what they could before, but not act).
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
            && self
                .organisation
                .is_none_or(|m| m.status == OrgStatus::Active)
    }

    /// Whether the user holds this role (whatever the account's status).
    #[must_use]
    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// An active member of the platform team.
    #[must_use]
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && self.is_active()
    }

    /// Active buyers and admins may search the registry.
    #[must_use]
    pub fn can_search(&self) -> bool {
        matches!(self.role, Role::Buyer | Role::Admin) && self.is_active()
    }

    /// The buyer organisation of an active buyer: the owner of its shortlists.
    #[must_use]
    pub fn buyer_organisation(&self) -> Option<i64> {
        (self.role == Role::Buyer && self.is_active())
            .then(|| self.organisation_id())
            .flatten()
    }

    /// The supplier organisation a supplier user belongs to (active or not: a suspended
    /// supplier may still read its own profile).
    #[must_use]
    pub fn supplier_organisation(&self) -> Option<i64> {
        (self.role == Role::Supplier)
            .then(|| self.organisation_id())
            .flatten()
    }

    /// Only active members of the supplier organisation, or active admins, change a profile.
    #[must_use]
    pub fn can_edit_supplier(&self, organisation_id: i64) -> bool {
        self.is_active_admin()
            || (self.is_active() && self.supplier_organisation() == Some(organisation_id))
    }

    /// Admins and the organisation's own users see its profile while it is a draft or
    /// suspended; everyone else only sees searchable profiles.
    #[must_use]
    pub fn can_see_unlisted_profile_of(&self, organisation_id: i64) -> bool {
        self.role == Role::Admin || self.organisation_id() == Some(organisation_id)
    }

    /// Members invite colleagues into their own organisation; admins into any.
    #[must_use]
    pub fn can_invite_into(&self, organisation_id: i64) -> bool {
        self.is_active_admin()
            || (self.is_active() && self.organisation_id() == Some(organisation_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, status: UserStatus, org: Option<(i64, OrgStatus)>) -> Actor {
        Actor {
            user_id: 1,
            role,
            status,
            organisation: org.map(|(organisation_id, status)| Membership {
                organisation_id,
                status,
            }),
        }
    }

    #[test]
    fn role_slugs_round_trip() {
        for &role in Role::ALL {
            assert_eq!(Role::from_slug(role.slug()), Some(role));
        }
        assert_eq!("buyer".parse::<Role>(), Ok(Role::Buyer));
    }

    #[test]
    fn statuses_keep_the_words_stored_before_they_were_typed() {
        assert_eq!(UserStatus::PendingApproval.slug(), "pending_approval");
        assert_eq!(
            OrgStatus::from_slug("suspended"),
            Some(OrgStatus::Suspended)
        );
        assert_eq!(OrgKind::from_slug("platform"), Some(OrgKind::Platform));
        assert!(UserStatus::from_slug("deleted").is_none());
    }

    #[test]
    fn active_buyers_and_admins_search_and_nobody_else() {
        let active = Some((7, OrgStatus::Active));
        assert!(actor(Role::Buyer, UserStatus::Active, active).can_search());
        assert!(actor(Role::Admin, UserStatus::Active, None).can_search());
        assert!(!actor(Role::Supplier, UserStatus::Active, active).can_search());
        assert!(!actor(Role::Buyer, UserStatus::PendingApproval, None).can_search());
        assert!(!actor(
            Role::Buyer,
            UserStatus::Active,
            Some((7, OrgStatus::Suspended))
        )
        .can_search());
    }

    #[test]
    fn a_supplier_edits_only_its_own_profile_and_an_admin_any() {
        let own = actor(
            Role::Supplier,
            UserStatus::Active,
            Some((7, OrgStatus::Active)),
        );
        assert!(own.can_edit_supplier(7));
        assert!(!own.can_edit_supplier(8));
        assert!(actor(Role::Admin, UserStatus::Active, None).can_edit_supplier(8));
        let buyer = actor(
            Role::Buyer,
            UserStatus::Active,
            Some((7, OrgStatus::Active)),
        );
        assert!(
            !buyer.can_edit_supplier(7),
            "a buyer never edits a supplier, even with the same id"
        );
    }

    #[test]
    fn a_suspended_organisation_reads_its_profile_but_cannot_change_it() {
        let suspended = actor(
            Role::Supplier,
            UserStatus::Active,
            Some((7, OrgStatus::Suspended)),
        );
        assert_eq!(suspended.supplier_organisation(), Some(7));
        assert!(suspended.can_see_unlisted_profile_of(7));
        assert!(!suspended.can_edit_supplier(7));
        assert!(!actor(Role::Admin, UserStatus::Suspended, None).can_edit_supplier(7));
    }

    #[test]
    fn only_an_active_buyer_has_a_buyer_organisation() {
        assert_eq!(
            actor(
                Role::Buyer,
                UserStatus::Active,
                Some((3, OrgStatus::Active))
            )
            .buyer_organisation(),
            Some(3)
        );
        assert_eq!(
            actor(Role::Buyer, UserStatus::PendingApproval, None).buyer_organisation(),
            None
        );
        assert_eq!(
            actor(
                Role::Admin,
                UserStatus::Active,
                Some((3, OrgStatus::Active))
            )
            .buyer_organisation(),
            None
        );
    }
}
