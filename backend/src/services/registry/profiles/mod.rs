//! Supplier profiles: created as a draft at sign-up, filled in step by step (or through the
//! API), published, and read back as a whole. Only members of the organisation (or the
//! platform team) may change one.
//!
//! Split by what the code does: `authorisation` (who may), `domain::registry::profile`
//! (checking a change, section by section), `persistence` (writing rows), `projection`
//! (profiles as people read them). Writes run inside the caller's transaction, so a refused
//! change (a failed check after writing, such as publishing an incomplete profile) leaves
//! nothing behind once the caller drops the transaction.

pub mod authorisation;
pub mod persistence;
pub mod projection;

pub use authorisation::{ensure_can_edit, own_organisation};
pub use projection::{cpv_view, identifier_view, load_profile};

use super::snapshots;
use crate::entities::{
    supplier_accreditation, supplier_contract, supplier_cpv, supplier_identifier, supplier_profile,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::accounts::audit;
use crate::services::now;
use crate::state::Env;
use chrono::{Datelike, NaiveDate};
use domain::accounts::Actor;
use domain::registry::dto::{ProfilePatch, SupplierProfile, Text};
use domain::registry::profile::{self, money, parse_identifier, whole_number, ParseContext};
use domain::registry::{AccreditationKind, LegalForm};
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set,
};

/// Creates the empty profile a new supplier organisation starts with.
///
/// # Errors
/// The insert failed.
pub async fn create_draft_profile(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    name: &str,
    legal_form: LegalForm,
) -> ServiceResult<()> {
    persistence::insert_draft(db, organisation_id, name, legal_form).await
}

/// Applies a change to a profile: every field in the patch is checked and saved, or none
/// is (the caller's transaction). Publishing is checked on the saved state.
///
/// # Errors
/// `Forbidden`; `Validation` naming each bad field; `NotFound`; database failures.
pub async fn apply_patch(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    organisation_id: i64,
    patch: &ProfilePatch,
) -> ServiceResult<()> {
    ensure_can_edit(actor, organisation_id)?;
    let profile = supplier_profile::Entity::find_by_id(organisation_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let ctx = ParseContext {
        cpv: &env.cpv,
        outcodes: &env.outcodes,
        this_year: now().year(),
        current_min_contract_gbp: profile.min_contract_value_gbp,
        current_max_contract_gbp: profile.max_contract_value_gbp,
    };
    let changes = profile::parse(patch, &ctx)?;
    persistence::apply(db, profile, changes).await?;
    if patch.published == Some(true) {
        // Checked on the saved state: a refused publish saves nothing (the caller's
        // transaction is dropped).
        let blockers = publish_blockers(&load_profile(db, &env.cpv, organisation_id).await?);
        if !blockers.is_empty() {
            return Err(blockers.into());
        }
    }
    audit::record(
        db,
        Some(actor.user_id),
        "update_profile",
        &format!("organisation {organisation_id}"),
        "",
    )
    .await?;
    Ok(())
}

/// A supplier user fills in its own organisation's profile in one go (the REST API's
/// `POST /api/v1/suppliers`): the name and legal form are required, and the profile is
/// published unless the patch says `published: false`. Returns the organisation's id.
///
/// # Errors
/// `Forbidden` for anyone but a supplier user; `Conflict` when the profile is already
/// published (change it instead); `Validation` for missing or bad fields.
pub async fn create(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    patch: &ProfilePatch,
) -> ServiceResult<i64> {
    let org = own_organisation(actor)?;
    let existing = supplier_profile::Entity::find_by_id(org)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if existing.published {
        return Err(ServiceError::Conflict(format!(
            "your organisation's profile already exists: PUT /api/v1/suppliers/{org}"
        )));
    }
    let mut missing = FieldErrors::new();
    if patch.name.as_ref().is_none_or(|n| n.as_str().is_empty()) {
        missing.add("name", "name is required");
    }
    if patch.legal_form.is_none() {
        missing.add("legal_form", "legal_form is required");
    }
    if !missing.is_empty() {
        return Err(missing.into());
    }
    let patch = ProfilePatch {
        published: Some(patch.published.unwrap_or(true)),
        ..patch.clone()
    };
    apply_patch(db, env, actor, org, &patch).await?;
    Ok(org)
}

/// Adds one identifier (scheme + number) to a profile.
///
/// # Errors
/// Bad scheme or number (field `identifier`), a number registered by someone else.
pub async fn add_identifier(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    scheme: &str,
    raw: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let id = parse_identifier(scheme, raw).map_err(|m| ServiceError::field("identifier", m))?;
    ensure_room::<supplier_identifier::Entity>(
        db,
        supplier_identifier::Column::OrganisationId,
        org,
        (profile::MAX_IDENTIFIERS, "identifier", "identifiers"),
    )
    .await?;
    persistence::insert_identifier(db, org, &id).await?;
    persistence::refresh_completeness(db, org).await
}

/// Removes one identifier from a profile.
///
/// # Errors
/// `NotFound` when the identifier is not this organisation's.
pub async fn remove_identifier(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    identifier_id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    persistence::delete_child::<supplier_identifier::Entity>(
        db,
        supplier_identifier::Column::Id,
        supplier_identifier::Column::OrganisationId,
        identifier_id,
        org,
    )
    .await
}

/// Adds a CPV code (with or without check digit) to a profile.
///
/// # Errors
/// Unknown code (field `cpv`).
pub async fn add_cpv(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    org: i64,
    raw: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let entry = env
        .cpv
        .validate(raw)
        .map_err(|e| ServiceError::field("cpv", e.to_string()))?;
    let exists = supplier_cpv::Entity::find_by_id((org, entry.code.clone()))
        .one(db)
        .await?
        .is_some();
    if !exists {
        ensure_room::<supplier_cpv::Entity>(
            db,
            supplier_cpv::Column::OrganisationId,
            org,
            (profile::MAX_CPV_CODES, "cpv", "CPV codes"),
        )
        .await?;
        supplier_cpv::ActiveModel {
            organisation_id: Set(org),
            cpv_code: Set(entry.code),
        }
        .insert(db)
        .await?;
    }
    persistence::refresh_completeness(db, org).await
}

/// Removes a CPV code from a profile.
///
/// # Errors
/// Database failures.
pub async fn remove_cpv(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    code: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    supplier_cpv::Entity::delete_by_id((org, code.trim().to_owned()))
        .exec(db)
        .await?;
    persistence::refresh_completeness(db, org).await
}

/// An accreditation as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewAccreditation {
    /// An [`AccreditationKind`] slug.
    pub kind: String,
    pub reference: String,
    /// `YYYY-MM-DD`, or empty when it does not expire.
    pub expires_on: String,
}

/// Adds an accreditation with an optional reference and expiry date.
///
/// # Errors
/// Unknown kind, bad date, over-long reference.
pub async fn add_accreditation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    input: &NewAccreditation,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let mut errors = FieldErrors::new();
    let kind = AccreditationKind::from_slug(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", "Choose an accreditation from the list");
    }
    let expires = match input.expires_on.trim() {
        "" => None,
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add(
                    "expires_on",
                    "Enter the expiry date as a date, like 2027-03-31",
                );
                None
            }
        },
    };
    let reference = input.reference.trim();
    if reference.chars().count() > 100 {
        errors.add("reference", "Reference must be 100 characters or fewer");
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return Err(errors.into());
    };
    ensure_room::<supplier_accreditation::Entity>(
        db,
        supplier_accreditation::Column::OrganisationId,
        org,
        (profile::MAX_ACCREDITATIONS, "kind", "accreditations"),
    )
    .await?;
    supplier_accreditation::ActiveModel {
        organisation_id: Set(org),
        kind: Set(kind.slug().to_owned()),
        reference: Set(reference.to_owned()),
        expires_on: Set(expires),
        ..Default::default()
    }
    .insert(db)
    .await?;
    persistence::refresh_completeness(db, org).await
}

/// Removes an accreditation.
///
/// # Errors
/// `NotFound` when it is not this organisation's.
pub async fn remove_accreditation(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    persistence::delete_child::<supplier_accreditation::Entity>(
        db,
        supplier_accreditation::Column::Id,
        supplier_accreditation::Column::OrganisationId,
        id,
        org,
    )
    .await
}

/// A past contract or case study as the form sends it.
#[derive(Debug, Clone, Default)]
pub struct NewContract {
    pub buyer_name: String,
    /// Pounds, e.g. `45000` or `£45k`; may be empty.
    pub value_gbp: String,
    /// May be empty.
    pub year: String,
    pub description: String,
}

/// Adds a past contract or case study.
///
/// # Errors
/// Missing buyer, bad value or year, over-long text.
pub async fn add_contract(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    input: &NewContract,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let mut errors = FieldErrors::new();
    let buyer = input.buyer_name.trim();
    if buyer.is_empty() {
        errors.add("buyer_name", "Enter who the contract was for");
    } else if buyer.chars().count() > 200 {
        errors.add("buyer_name", "Buyer must be 200 characters or fewer");
    }
    let value = money(
        &mut errors,
        "value_gbp",
        &Text::from(input.value_gbp.as_str()),
        "Contract value",
    )
    .flatten();
    let year = whole_number(
        &mut errors,
        "year",
        &Text::from(input.year.as_str()),
        1900,
        now().year(),
        "Year",
    )
    .flatten();
    let description = input.description.trim();
    if description.chars().count() > 2000 {
        errors.add(
            "description",
            "Description must be 2,000 characters or fewer",
        );
    }
    errors.into_result(())?;
    ensure_room::<supplier_contract::Entity>(
        db,
        supplier_contract::Column::OrganisationId,
        org,
        (profile::MAX_CONTRACTS, "buyer_name", "past contracts"),
    )
    .await?;
    supplier_contract::ActiveModel {
        organisation_id: Set(org),
        buyer_name: Set(buyer.to_owned()),
        value_gbp: Set(value),
        year: Set(year),
        description: Set(description.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    persistence::refresh_completeness(db, org).await
}

/// Removes a past contract.
///
/// # Errors
/// `NotFound` when it is not this organisation's.
pub async fn remove_contract(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    persistence::delete_child::<supplier_contract::Entity>(
        db,
        supplier_contract::Column::Id,
        supplier_contract::Column::OrganisationId,
        id,
        org,
    )
    .await
}

/// What a profile needs before it can be published.
fn publish_blockers(p: &SupplierProfile) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if p.postcode.is_none() {
        errors.add("postcode", "Add your postcode (step 2) before publishing");
    }
    if p.cpv.is_empty() {
        errors.add(
            "cpv",
            "Add at least one capability (CPV code, step 5) before publishing",
        );
    }
    if p.capability_statement.trim().is_empty() {
        errors.add(
            "capability_statement",
            "Write a capability statement (step 5) before publishing",
        );
    }
    errors
}

/// Publishes or withdraws a profile. Publishing needs a place and capabilities.
///
/// # Errors
/// `Validation` naming what is missing.
pub async fn set_published(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    org: i64,
    publish: bool,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    if publish {
        let blockers = publish_blockers(&load_profile(db, &env.cpv, org).await?);
        if !blockers.is_empty() {
            return Err(blockers.into());
        }
    }
    let p = supplier_profile::Entity::find_by_id(org)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut active = p.into_active_model();
    active.published = Set(publish);
    active.updated_at = Set(now());
    active.update(db).await?;
    super::changes::changed(db, org).await?;
    audit::record(
        db,
        Some(actor.user_id),
        if publish {
            "publish_profile"
        } else {
            "withdraw_profile"
        },
        &format!("organisation {org}"),
        "",
    )
    .await?;
    Ok(())
}

/// A profile as `viewer` may see it: anyone sees a searchable one; its own organisation's
/// users and admins also see it as a draft or while suspended.
///
/// # Errors
/// `NotFound` otherwise.
pub async fn public_profile(
    db: &impl ConnectionTrait,
    env: &Env,
    viewer: Option<&Actor>,
    org: i64,
) -> ServiceResult<SupplierProfile> {
    let privileged = viewer.is_some_and(|a| a.can_see_unlisted_profile_of(org));
    if !privileged
        && !snapshots::searchable_among(db, &[org])
            .await?
            .contains(&org)
    {
        return Err(ServiceError::NotFound);
    }
    load_profile(db, &env.cpv, org).await
}

/// The signed-in supplier's own profile, draft or not.
///
/// # Errors
/// `Forbidden` for anyone but a supplier user; `NotFound`.
pub async fn own_profile(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
) -> ServiceResult<SupplierProfile> {
    let org = own_organisation(actor)?;
    load_profile(db, &env.cpv, org).await
}

/// Refuses to add one more row of a profile's list (identifiers, CPV codes, accreditations,
/// contracts) once it holds `max`, naming the form's field: a profile cannot grow without
/// bound one request at a time.
async fn ensure_room<E: EntityTrait>(
    db: &impl ConnectionTrait,
    organisation: E::Column,
    org: i64,
    (max, field, what): (usize, &str, &str),
) -> ServiceResult<()>
where
    E::Model: Sync,
{
    let held = E::find().filter(organisation.eq(org)).count(db).await?;
    if usize::try_from(held).unwrap_or(usize::MAX) >= max {
        return Err(ServiceError::field(
            field,
            format!("a profile lists at most {max} {what}; remove one first"),
        ));
    }
    Ok(())
}
