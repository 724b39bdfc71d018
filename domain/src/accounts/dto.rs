//! The wire types of the accounts context: the signed-in user as pages see it, team members
//! and the platform team's console. Shared by the backend, the server functions and the
//! browser build.

use serde::{Deserialize, Serialize};

use super::{Actor, OrgStatus};
use crate::registry::dto::IdentifierView;

/// The signed-in user as pages see it: who is acting (the same [`Actor`] every service
/// is given) and what the header shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub actor: Actor,
    pub email: String,
    pub display_name: String,
    pub organisation_name: Option<String>,
    pub email_verified: bool,
}

/// A team member or pending invitation of an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub email: String,
    pub display_name: String,
    pub pending: bool,
}

/// Everything the admin console shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub buyer_orgs: Vec<OrgSummary>,
    pub join_requests: Vec<JoinRequestView>,
    pub suppliers: Vec<AdminSupplierRow>,
    pub audit: Vec<AuditView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSummary {
    pub id: i64,
    pub name: String,
    pub status: OrgStatus,
    /// Its org-id (list and code), for its tenders' OCDS exports; set by an admin.
    pub identifier_scheme: Option<String>,
    pub identifier: Option<String>,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequestView {
    pub id: i64,
    pub email: String,
    pub organisation_name: String,
    pub job_title: String,
    pub message: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminSupplierRow {
    pub id: i64,
    pub name: String,
    pub status: OrgStatus,
    pub published: bool,
    pub identifiers: Vec<IdentifierView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
}
