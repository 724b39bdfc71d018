//! The platform team's work: buyer organisations and their users, buyer join requests,
//! identifier verification, suspension, the audit log.

use super::{audit, auth};
use crate::entities::{
    audit_entry, buyer_join_request, invitation, organisation, supplier_identifier,
    supplier_profile, user,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::{changes, profiles};
use crate::state::AppState;
use domain::accounts::dto::{
    AdminOverview, AdminSupplierRow, AuditView, CurrentUser, JoinRequestView, MemberView,
    OrgSummary,
};
use domain::text::{check_password, Email};
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;

/// Refuses anyone but an active admin.
///
/// # Errors
/// `Forbidden`.
pub fn ensure_admin(user: &CurrentUser) -> ServiceResult<()> {
    if user.is_admin() && user.status == "active" {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn org_name(raw: &str) -> ServiceResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(ServiceError::field("name", "Enter the organisation's name"));
    }
    if name.chars().count() > 200 {
        return Err(ServiceError::field(
            "name",
            "Name must be 200 characters or fewer",
        ));
    }
    Ok(name.to_owned())
}

async fn insert_buyer_org(db: &impl ConnectionTrait, name: &str) -> ServiceResult<i64> {
    let taken = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("buyer"))
        .filter(organisation::Column::Name.eq(name))
        .one(db)
        .await?;
    if taken.is_some() {
        return Err(ServiceError::field(
            "name",
            "A buyer organisation with this name already exists",
        ));
    }
    let at = now();
    let org = organisation::ActiveModel {
        kind: Set("buyer".into()),
        name: Set(name.to_owned()),
        status: Set("active".into()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(org.id)
}

/// Creates a buyer organisation (council, NHS trust, university…).
///
/// # Errors
/// Not an admin, empty or duplicate name.
pub async fn create_buyer_org(
    state: &AppState,
    admin: &CurrentUser,
    raw_name: &str,
) -> ServiceResult<i64> {
    ensure_admin(admin)?;
    let name = org_name(raw_name)?;
    let txn = state.db.begin().await?;
    let id = insert_buyer_org(&txn, &name).await?;
    audit::record(&txn, Some(admin.id), "create_buyer_org", &name, "").await?;
    txn.commit().await?;
    Ok(id)
}

/// Invites a user into a buyer organisation.
///
/// # Errors
/// Not an admin, not a buyer organisation, bad address.
pub async fn invite_buyer(
    state: &AppState,
    admin: &CurrentUser,
    org_id: i64,
    email: &str,
) -> ServiceResult<()> {
    ensure_admin(admin)?;
    let org = organisation::Entity::find_by_id(org_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if org.kind != "buyer" {
        return Err(ServiceError::field(
            "organisation_id",
            "Choose a buyer organisation",
        ));
    }
    auth::invite(state, admin, org_id, "buyer", email).await
}

/// A would-be buyer asks to join: their account waits, unable to search, until an admin
/// approves it. The answer is the same whether or not the address is already registered.
///
/// # Errors
/// Field errors.
pub async fn request_buyer_access(
    state: &AppState,
    raw_email: &str,
    password: SecretString,
    organisation_name: &str,
    job_title: &str,
    message: &str,
) -> ServiceResult<()> {
    let mut errors = FieldErrors::new();
    let email = Email::parse(raw_email)
        .map_err(|e| errors.add("email", e.to_string()))
        .ok();
    if let Err(e) = check_password(password.expose_secret()) {
        errors.add("password", e.to_string());
    }
    if organisation_name.trim().is_empty() {
        errors.add("organisation_name", "Enter the public body you work for");
    }
    if job_title.chars().count() > 200 {
        errors.add("job_title", "Job title must be 200 characters or fewer");
    }
    if message.chars().count() > 2000 {
        errors.add("message", "Message must be 2,000 characters or fewer");
    }
    let Some(email) = email else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = super::crypto::hash_password(password).await?;
    let txn = state.db.begin().await?;
    if user::Entity::find()
        .filter(user::Column::Email.eq(email.as_str()))
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let at = now();
    let u = user::ActiveModel {
        email: Set(email.as_str().to_owned()),
        password_hash: Set(hash),
        display_name: Set(String::new()),
        role: Set("buyer".into()),
        organisation_id: Set(None),
        status: Set("pending_approval".into()),
        email_verified_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    buyer_join_request::ActiveModel {
        user_id: Set(u.id),
        organisation_name: Set(organisation_name.trim().to_owned()),
        job_title: Set(job_title.trim().to_owned()),
        message: Set(message.trim().to_owned()),
        status: Set("pending".into()),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(u.id),
        "request_buyer_access",
        email.as_str(),
        organisation_name.trim(),
    )
    .await?;
    txn.commit().await?;
    auth::resend_verification(state, email.as_str()).await
}

/// Approves a join request into an existing buyer organisation (or one created with the
/// requested name), or rejects it.
///
/// # Errors
/// Not an admin, unknown request, bad organisation.
pub async fn decide_join_request(
    state: &AppState,
    admin: &CurrentUser,
    request_id: i64,
    approve: bool,
    organisation_id: Option<i64>,
) -> ServiceResult<()> {
    ensure_admin(admin)?;
    let txn = state.db.begin().await?;
    let req = buyer_join_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .filter(|r| r.status == "pending")
        .ok_or(ServiceError::NotFound)?;
    let u = user::Entity::find_by_id(req.user_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let email = u.email.clone();
    let mut active_user = u.into_active_model();
    if approve {
        let org_id = match organisation_id {
            Some(id) => {
                let org = organisation::Entity::find_by_id(id).one(&txn).await?;
                match org {
                    Some(o) if o.kind == "buyer" => o.id,
                    _ => {
                        return Err(ServiceError::field(
                            "organisation_id",
                            "Choose a buyer organisation",
                        ))
                    }
                }
            }
            None => {
                let existing = organisation::Entity::find()
                    .filter(organisation::Column::Kind.eq("buyer"))
                    .filter(organisation::Column::Name.eq(req.organisation_name.clone()))
                    .one(&txn)
                    .await?;
                match existing {
                    Some(o) => o.id,
                    None => insert_buyer_org(&txn, &req.organisation_name).await?,
                }
            }
        };
        active_user.organisation_id = Set(Some(org_id));
        active_user.status = Set("active".into());
    } else {
        active_user.status = Set("suspended".into());
    }
    active_user.updated_at = Set(now());
    active_user.update(&txn).await?;
    let mut r = req.into_active_model();
    r.status = Set(if approve { "approved" } else { "rejected" }.into());
    r.decided_by = Set(Some(admin.id));
    r.decided_at = Set(Some(now()));
    r.update(&txn).await?;
    audit::record(
        &txn,
        Some(admin.id),
        if approve {
            "approve_buyer"
        } else {
            "reject_buyer"
        },
        &email,
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Marks an identifier as verified (checked against its register) or clears that mark.
///
/// # Errors
/// Not an admin, unknown identifier.
pub async fn set_identifier_verified(
    state: &AppState,
    admin: &CurrentUser,
    id: i64,
    verified: bool,
) -> ServiceResult<()> {
    ensure_admin(admin)?;
    let txn = state.db.begin().await?;
    let row = supplier_identifier::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let subject = format!("{}-{}", row.scheme, row.identifier);
    let org = row.organisation_id;
    let mut active = row.into_active_model();
    active.verified_at = Set(verified.then(now));
    active.verified_by = Set(verified.then_some(admin.id));
    active.update(&txn).await?;
    changes::changed(&txn, org).await?;
    audit::record(
        &txn,
        Some(admin.id),
        if verified {
            "verify_identifier"
        } else {
            "unverify_identifier"
        },
        &subject,
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Suspends an organisation (its profile disappears, its users cannot act) or reinstates it.
///
/// # Errors
/// Not an admin, unknown organisation.
pub async fn set_org_status(
    state: &AppState,
    admin: &CurrentUser,
    org_id: i64,
    suspended: bool,
) -> ServiceResult<()> {
    ensure_admin(admin)?;
    let txn = state.db.begin().await?;
    let org = organisation::Entity::find_by_id(org_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let name = org.name.clone();
    let mut active = org.into_active_model();
    active.status = Set(if suspended { "suspended" } else { "active" }.into());
    active.updated_at = Set(now());
    active.update(&txn).await?;
    changes::changed(&txn, org_id).await?;
    if suspended {
        let members: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::OrganisationId.eq(org_id))
            .into_tuple()
            .all(&txn)
            .await?;
        crate::entities::session::Entity::delete_many()
            .filter(crate::entities::session::Column::UserId.is_in(members))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        Some(admin.id),
        if suspended { "suspend" } else { "reinstate" },
        &name,
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Members and pending invitations of an organisation.
///
/// # Errors
/// Database failures.
pub async fn members(db: &impl ConnectionTrait, org_id: i64) -> ServiceResult<Vec<MemberView>> {
    let mut out: Vec<MemberView> = user::Entity::find()
        .filter(user::Column::OrganisationId.eq(org_id))
        .order_by_asc(user::Column::Email)
        .all(db)
        .await?
        .into_iter()
        .map(|u| MemberView {
            email: u.email,
            display_name: u.display_name,
            pending: false,
        })
        .collect();
    for inv in invitation::Entity::find()
        .filter(invitation::Column::OrganisationId.eq(org_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .all(db)
        .await?
    {
        out.push(MemberView {
            email: inv.email,
            display_name: String::new(),
            pending: true,
        });
    }
    Ok(out)
}

/// Everything the admin console lists.
///
/// # Errors
/// Not an admin; database failures.
pub async fn overview(state: &AppState, admin: &CurrentUser) -> ServiceResult<AdminOverview> {
    ensure_admin(admin)?;
    let db = &state.db;
    let mut buyer_orgs = Vec::new();
    for o in organisation::Entity::find()
        .filter(organisation::Column::Kind.eq("buyer"))
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?
    {
        buyer_orgs.push(OrgSummary {
            members: members(db, o.id).await?,
            id: o.id,
            name: o.name,
            status: o.status,
        });
    }
    let mut join_requests = Vec::new();
    for r in buyer_join_request::Entity::find()
        .filter(buyer_join_request::Column::Status.eq("pending"))
        .order_by_asc(buyer_join_request::Column::CreatedAt)
        .all(db)
        .await?
    {
        let email = user::Entity::find_by_id(r.user_id)
            .one(db)
            .await?
            .map(|u| u.email)
            .unwrap_or_default();
        join_requests.push(JoinRequestView {
            id: r.id,
            email,
            organisation_name: r.organisation_name,
            job_title: r.job_title,
            message: r.message,
            created_at: r.created_at.format("%Y-%m-%d %H:%M").to_string(),
        });
    }
    let profiles = supplier_profile::Entity::find()
        .order_by_desc(supplier_profile::Column::UpdatedAt)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i64> = profiles.iter().map(|p| p.organisation_id).collect();
    let mut idents: BTreeMap<i64, Vec<_>> = BTreeMap::new();
    for i in supplier_identifier::Entity::find()
        .filter(supplier_identifier::Column::OrganisationId.is_in(ids.clone()))
        .order_by_asc(supplier_identifier::Column::Id)
        .all(db)
        .await?
    {
        idents
            .entry(i.organisation_id)
            .or_default()
            .push(profiles::identifier_view(i));
    }
    let statuses: BTreeMap<i64, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.status))
        .collect();
    let suppliers = profiles
        .into_iter()
        .map(|p| AdminSupplierRow {
            id: p.organisation_id,
            name: p.legal_name,
            status: statuses
                .get(&p.organisation_id)
                .cloned()
                .unwrap_or_default(),
            published: p.published,
            identifiers: idents.remove(&p.organisation_id).unwrap_or_default(),
        })
        .collect();
    let entries = audit_entry::Entity::find()
        .order_by_desc(audit_entry::Column::Id)
        .limit(50)
        .all(db)
        .await?;
    let actors: Vec<i64> = entries.iter().filter_map(|a| a.actor_user_id).collect();
    let emails: BTreeMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(actors))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let audit = entries
        .into_iter()
        .map(|a| AuditView {
            at: a.created_at.format("%Y-%m-%d %H:%M").to_string(),
            actor: a
                .actor_user_id
                .and_then(|id| emails.get(&id).cloned())
                .unwrap_or_else(|| "system".into()),
            action: a.action,
            subject: a.subject,
        })
        .collect();
    Ok(AdminOverview {
        buyer_orgs,
        join_requests,
        suppliers,
        audit,
    })
}
