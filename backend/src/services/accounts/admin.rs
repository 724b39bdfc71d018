//! The platform team's work: buyer organisations and their users, buyer join requests,
//! identifier verification, suspension, the audit log. Only active admins may do any of
//! it; every service checks. Writes run inside the caller's transaction.

use super::auth::{check_new_password, insert_organisation, insert_user, NewUserRow, PasswordHash};
use super::teams::{self, Invite};
use super::{audit, mails};
use crate::entities::{
    audit_entry, buyer_join_request, organisation, session, supplier_identifier, supplier_profile,
    user,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::{changes, profiles};
use crate::state::Env;
use domain::accounts::dto::{
    AdminOverview, AdminSupplierRow, AuditView, JoinRequestView, OrgSummary,
};
use domain::accounts::{Actor, OrgKind, OrgStatus, Role, UserStatus};
use domain::ocds::OrgId;
use domain::text::Email;
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use secrecy::SecretString;
use std::collections::BTreeMap;

const PENDING: &str = "pending";

/// Refuses anyone but an active admin.
///
/// # Errors
/// `Forbidden`.
pub fn ensure_admin(actor: &Actor) -> ServiceResult<()> {
    if actor.is_active_admin() {
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

pub(crate) async fn find_buyer_org(
    db: &impl ConnectionTrait,
    name: &str,
) -> ServiceResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Buyer.slug()))
        .filter(organisation::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// The buyer organisation an admin's form names.
///
/// # Errors
/// `NotFound`; field `organisation_id` when the organisation is not a buyer.
async fn buyer_org_by_id(
    db: &impl ConnectionTrait,
    org_id: i64,
) -> ServiceResult<organisation::Model> {
    let org = organisation::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if org.kind != OrgKind::Buyer.slug() {
        return Err(ServiceError::field(
            "organisation_id",
            "Choose a buyer organisation",
        ));
    }
    Ok(org)
}

async fn insert_buyer_org(db: &impl ConnectionTrait, name: &str) -> ServiceResult<i64> {
    if find_buyer_org(db, name).await?.is_some() {
        return Err(ServiceError::field(
            "name",
            "A buyer organisation with this name already exists",
        ));
    }
    insert_organisation(db, OrgKind::Buyer, name).await
}

/// Creates a buyer organisation (council, NHS trust, university…).
///
/// # Errors
/// Not an admin, empty or duplicate name.
pub async fn create_buyer_org(
    db: &impl ConnectionTrait,
    actor: &Actor,
    raw_name: &str,
) -> ServiceResult<i64> {
    ensure_admin(actor)?;
    let name = org_name(raw_name)?;
    let id = insert_buyer_org(db, &name).await?;
    audit::record(db, Some(actor.user_id), "create_buyer_org", &name, "").await?;
    Ok(id)
}

/// Invites a user into a buyer organisation.
///
/// # Errors
/// Not an admin, not a buyer organisation, bad address.
pub async fn invite_buyer(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    org_id: i64,
    email: &str,
) -> ServiceResult<()> {
    ensure_admin(actor)?;
    buyer_org_by_id(db, org_id).await?;
    teams::invite(
        db,
        env,
        actor,
        &Invite {
            organisation_id: org_id,
            role: Role::Buyer,
            email: email.to_owned(),
        },
    )
    .await
}

/// What a would-be buyer types to ask for access.
#[derive(Debug, Clone)]
pub struct BuyerAccessRequest {
    pub email: String,
    pub password: SecretString,
    pub organisation_name: String,
    pub job_title: String,
    pub message: String,
}

/// A request for access whose every field passed its rules, password hashed.
#[derive(Debug, Clone)]
pub struct CheckedBuyerAccessRequest {
    email: Email,
    password: PasswordHash,
    organisation_name: String,
    job_title: String,
    message: String,
}

impl BuyerAccessRequest {
    /// Checks every field (naming each bad one) and hashes the password.
    ///
    /// # Errors
    /// Field errors; the hashing task failed.
    pub async fn check(self) -> ServiceResult<CheckedBuyerAccessRequest> {
        let mut errors = FieldErrors::new();
        let email = Email::parse(&self.email)
            .map_err(|e| errors.add("email", e.to_string()))
            .ok();
        check_new_password(
            &self.password,
            &[self.email.as_str(), self.organisation_name.as_str()],
            &mut errors,
        );
        if self.organisation_name.trim().is_empty() {
            errors.add("organisation_name", "Enter the public body you work for");
        }
        if self.job_title.chars().count() > 200 {
            errors.add("job_title", "Job title must be 200 characters or fewer");
        }
        if self.message.chars().count() > 2000 {
            errors.add("message", "Message must be 2,000 characters or fewer");
        }
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(errors.into());
        };
        Ok(CheckedBuyerAccessRequest {
            email,
            password: PasswordHash::check(self.password).await?,
            organisation_name: self.organisation_name.trim().to_owned(),
            job_title: self.job_title.trim().to_owned(),
            message: self.message.trim().to_owned(),
        })
    }
}

/// A would-be buyer asks to join: their account waits, unable to search, until an admin
/// approves it, and a verification link is mailed. The answer is the same whether or not
/// the address is already registered.
///
/// # Errors
/// Database failures.
pub async fn request_buyer_access(
    db: &impl ConnectionTrait,
    env: &Env,
    input: CheckedBuyerAccessRequest,
) -> ServiceResult<()> {
    if user::Entity::find()
        .filter(user::Column::Email.eq(input.email.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let user_id = insert_user(
        db,
        NewUserRow {
            email: input.email.as_str(),
            password: &input.password,
            display_name: "",
            role: Role::Buyer,
            organisation_id: None,
            status: UserStatus::PendingApproval,
            verified: false,
        },
    )
    .await?;
    buyer_join_request::ActiveModel {
        user_id: Set(user_id),
        organisation_name: Set(input.organisation_name.clone()),
        job_title: Set(input.job_title),
        message: Set(input.message),
        status: Set(PENDING.into()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Some(user_id),
        "request_buyer_access",
        input.email.as_str(),
        &input.organisation_name,
    )
    .await?;
    mails::verification_link(db, env, user_id, input.email.as_str()).await
}

/// Approves a join request into an existing buyer organisation (or one created with the
/// requested name), or rejects it.
///
/// # Errors
/// Not an admin, unknown request, bad organisation.
pub async fn decide_join_request(
    db: &impl ConnectionTrait,
    actor: &Actor,
    request_id: i64,
    approve: bool,
    organisation_id: Option<i64>,
) -> ServiceResult<()> {
    ensure_admin(actor)?;
    let req = buyer_join_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .filter(|r| r.status == PENDING)
        .ok_or(ServiceError::NotFound)?;
    let u = user::Entity::find_by_id(req.user_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let email = u.email.clone();
    let mut active_user = u.into_active_model();
    if approve {
        let org_id = match organisation_id {
            Some(id) => {
                let org = organisation::Entity::find_by_id(id).one(db).await?;
                match org {
                    Some(o) if o.kind == OrgKind::Buyer.slug() => o.id,
                    _ => {
                        return Err(ServiceError::field(
                            "organisation_id",
                            "Choose a buyer organisation",
                        ))
                    }
                }
            }
            None => match find_buyer_org(db, &req.organisation_name).await? {
                Some(o) => o.id,
                None => insert_buyer_org(db, &req.organisation_name).await?,
            },
        };
        active_user.organisation_id = Set(Some(org_id));
        active_user.status = Set(UserStatus::Active.slug().to_owned());
    } else {
        active_user.status = Set(UserStatus::Suspended.slug().to_owned());
    }
    active_user.updated_at = Set(now());
    active_user.update(db).await?;
    let mut r = req.into_active_model();
    r.status = Set(if approve { "approved" } else { "rejected" }.into());
    r.decided_by = Set(Some(actor.user_id));
    r.decided_at = Set(Some(now()));
    r.update(db).await?;
    audit::record(
        db,
        Some(actor.user_id),
        if approve {
            "approve_buyer"
        } else {
            "reject_buyer"
        },
        &email,
        "",
    )
    .await?;
    Ok(())
}

/// Marks an identifier as verified (checked against its register) or clears that mark.
///
/// # Errors
/// Not an admin, unknown identifier.
pub async fn set_identifier_verified(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    verified: bool,
) -> ServiceResult<()> {
    ensure_admin(actor)?;
    let row = supplier_identifier::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let subject = format!("{}-{}", row.scheme, row.identifier);
    let org = row.organisation_id;
    let mut active = row.into_active_model();
    active.verified_at = Set(verified.then(now));
    active.verified_by = Set(verified.then_some(actor.user_id));
    active.update(db).await?;
    changes::changed(db, org).await?;
    audit::record(
        db,
        Some(actor.user_id),
        if verified {
            "verify_identifier"
        } else {
            "unverify_identifier"
        },
        &subject,
        "",
    )
    .await?;
    Ok(())
}

/// Sets (or, both blank, clears) a buyer organisation's own org-id, e.g. `GB-LAE` / `PRE`:
/// the identifier of the buyer party in the OCDS exports of the tenders it drafts here.
///
/// # Errors
/// Not an admin; unknown or not a buyer organisation (as [`invite_buyer`]); fields
/// `identifier_scheme` and `identifier`
/// (see [`OrgId::parse_buyer`]); another buyer organisation already has that org-id.
pub async fn set_buyer_identifier(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org_id: i64,
    scheme: &str,
    identifier: &str,
) -> ServiceResult<()> {
    ensure_admin(actor)?;
    let org = buyer_org_by_id(db, org_id).await?;
    let parsed = OrgId::parse_buyer(scheme, identifier).map_err(ServiceError::Validation)?;
    if let Some(id) = &parsed {
        let taken = organisation::Entity::find()
            .filter(organisation::Column::Id.ne(org_id))
            .filter(organisation::Column::IdentifierScheme.eq(id.scheme.as_str()))
            .filter(organisation::Column::Identifier.eq(id.id.as_str()))
            .one(db)
            .await?;
        if let Some(other) = taken {
            return Err(ServiceError::field(
                "identifier",
                format!("{id} is already the org-id of {}", other.name),
            ));
        }
    }
    let name = org.name.clone();
    let mut active = org.into_active_model();
    active.identifier_scheme = Set(parsed.as_ref().map(|i| i.scheme.clone()));
    active.identifier = Set(parsed.as_ref().map(|i| i.id.clone()));
    active.updated_at = Set(now());
    active.update(db).await?;
    audit::record(
        db,
        Some(actor.user_id),
        "set_buyer_identifier",
        &name,
        &parsed.map(|i| i.org_id()).unwrap_or_default(),
    )
    .await?;
    Ok(())
}

/// Suspends an organisation (its profile disappears, its users cannot act) or reinstates it.
///
/// # Errors
/// Not an admin, unknown organisation.
pub async fn set_org_status(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org_id: i64,
    suspended: bool,
) -> ServiceResult<()> {
    ensure_admin(actor)?;
    let org = organisation::Entity::find_by_id(org_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let name = org.name.clone();
    let mut active = org.into_active_model();
    active.status = Set(if suspended {
        OrgStatus::Suspended
    } else {
        OrgStatus::Active
    }
    .slug()
    .to_owned());
    active.updated_at = Set(now());
    active.update(db).await?;
    changes::changed(db, org_id).await?;
    if suspended {
        let members: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::OrganisationId.eq(org_id))
            .into_tuple()
            .all(db)
            .await?;
        session::Entity::delete_many()
            .filter(session::Column::UserId.is_in(members))
            .exec(db)
            .await?;
    }
    audit::record(
        db,
        Some(actor.user_id),
        if suspended { "suspend" } else { "reinstate" },
        &name,
        "",
    )
    .await?;
    Ok(())
}

fn org_status(o: &organisation::Model) -> ServiceResult<OrgStatus> {
    OrgStatus::from_slug(&o.status).ok_or_else(|| {
        ServiceError::Unexpected(anyhow::anyhow!(
            "organisation {} has an unknown status {:?}",
            o.id,
            o.status
        ))
    })
}

/// Everything the admin console lists.
///
/// # Errors
/// Not an admin; database failures.
pub async fn overview(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<AdminOverview> {
    ensure_admin(actor)?;
    let mut buyer_orgs = Vec::new();
    for o in organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Buyer.slug()))
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?
    {
        buyer_orgs.push(OrgSummary {
            members: teams::members_of(db, o.id).await?,
            status: org_status(&o)?,
            identifier_scheme: o.identifier_scheme,
            identifier: o.identifier,
            id: o.id,
            name: o.name,
        });
    }
    let mut join_requests = Vec::new();
    for r in buyer_join_request::Entity::find()
        .filter(buyer_join_request::Column::Status.eq(PENDING))
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
    let recent = supplier_profile::Entity::find()
        .order_by_desc(supplier_profile::Column::UpdatedAt)
        .limit(200)
        .all(db)
        .await?;
    let ids: Vec<i64> = recent.iter().map(|p| p.organisation_id).collect();
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
    let mut statuses: BTreeMap<i64, OrgStatus> = BTreeMap::new();
    for o in organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .all(db)
        .await?
    {
        statuses.insert(o.id, org_status(&o)?);
    }
    let suppliers = recent
        .into_iter()
        .map(|p| AdminSupplierRow {
            id: p.organisation_id,
            name: p.legal_name,
            status: statuses
                .get(&p.organisation_id)
                .copied()
                .unwrap_or(OrgStatus::Active),
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
