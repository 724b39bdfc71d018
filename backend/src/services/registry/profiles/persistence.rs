//! Writing profiles: the draft a new supplier starts with, a checked change applied to the
//! profile row and its child rows, identifiers (unique across organisations), and the
//! completeness figure. Every write notes the change in the registry's change log, inside
//! the caller's transaction.

use crate::entities::{
    supplier_cpv, supplier_identifier, supplier_profile, supplier_service_outcode,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::changes;
use domain::registry::profile::ProfileChanges;
use domain::registry::{LegalForm, OrgIdentifier, SizeClass};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
};

/// Inserts the empty profile a new supplier organisation starts with.
///
/// # Errors
/// The insert failed.
pub async fn insert_draft(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    name: &str,
    legal_form: LegalForm,
) -> ServiceResult<()> {
    let at = now();
    supplier_profile::ActiveModel {
        organisation_id: Set(organisation_id),
        legal_name: Set(name.to_owned()),
        trading_name: Set(String::new()),
        legal_form: Set(legal_form.slug().to_owned()),
        vat_number: Set(String::new()),
        year_founded: Set(None),
        website: Set(String::new()),
        email: Set(String::new()),
        phone: Set(String::new()),
        address_line1: Set(String::new()),
        address_line2: Set(String::new()),
        town: Set(String::new()),
        postcode: Set(None),
        outcode: Set(None),
        latitude: Set(None),
        longitude: Set(None),
        operating_address: Set(String::new()),
        service_radius_km: Set(None),
        employees: Set(None),
        turnover_gbp: Set(None),
        size_class: Set(None),
        social_economy: Set(legal_form.is_social_economy()),
        ownership_model: Set(None),
        local_staff_pct: Set(None),
        local_spend_pct: Set(None),
        capability_statement: Set(String::new()),
        keywords: Set(String::new()),
        max_contract_value_gbp: Set(None),
        min_contract_value_gbp: Set(None),
        completeness: Set(0),
        published: Set(false),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Applies a checked change to the profile row and, for the sets it replaces, to the child
/// rows; recomputes the SME class from the headcount and turnover as they now stand.
///
/// # Errors
/// An identifier registered by another organisation (field `identifier`); database
/// failures.
pub async fn apply(
    db: &impl ConnectionTrait,
    profile: supplier_profile::Model,
    changes: ProfileChanges,
) -> ServiceResult<()> {
    let org = profile.organisation_id;
    let employees = changes.employees.unwrap_or(profile.employees);
    let turnover = changes.turnover_gbp.unwrap_or(profile.turnover_gbp);
    let mut p = profile.into_active_model();
    fn set<T: Into<sea_orm::Value>>(slot: &mut sea_orm::ActiveValue<T>, value: Option<T>) {
        if let Some(v) = value {
            *slot = Set(v);
        }
    }
    set(&mut p.legal_name, changes.legal_name);
    set(&mut p.trading_name, changes.trading_name);
    if let Some(form) = changes.legal_form {
        p.legal_form = Set(form.slug().to_owned());
        p.social_economy = Set(form.is_social_economy());
    }
    set(&mut p.vat_number, changes.vat_number);
    set(&mut p.year_founded, changes.year_founded);
    set(&mut p.website, changes.website);
    set(&mut p.email, changes.email);
    set(&mut p.phone, changes.phone);
    set(&mut p.address_line1, changes.address_line1);
    set(&mut p.address_line2, changes.address_line2);
    set(&mut p.town, changes.town);
    set(&mut p.operating_address, changes.operating_address);
    if let Some(place) = changes.place {
        p.postcode = Set(place.as_ref().map(|l| l.postcode.clone()));
        p.outcode = Set(place.as_ref().map(|l| l.outcode.clone()));
        p.latitude = Set(place.as_ref().map(|l| l.lat));
        p.longitude = Set(place.as_ref().map(|l| l.lon));
    }
    set(&mut p.service_radius_km, changes.service_radius_km);
    set(&mut p.employees, changes.employees);
    set(&mut p.turnover_gbp, changes.turnover_gbp);
    p.size_class = Set(SizeClass::derive(
        employees.and_then(|e| u32::try_from(e).ok()),
        turnover.and_then(|t| u64::try_from(t).ok()),
    )
    .map(|s| s.slug().to_owned()));
    set(
        &mut p.ownership_model,
        changes
            .ownership_model
            .map(|m| m.map(|m| m.slug().to_owned())),
    );
    set(&mut p.local_staff_pct, changes.local_staff_pct);
    set(&mut p.local_spend_pct, changes.local_spend_pct);
    set(&mut p.capability_statement, changes.capability_statement);
    set(
        &mut p.keywords,
        changes.keywords.map(|k| k.as_slice().join(", ")),
    );
    set(
        &mut p.max_contract_value_gbp,
        changes.max_contract_value_gbp,
    );
    set(
        &mut p.min_contract_value_gbp,
        changes.min_contract_value_gbp,
    );
    set(&mut p.published, changes.published);
    p.updated_at = Set(now());
    p.update(db).await?;
    if let Some(codes) = changes.service_outcodes {
        supplier_service_outcode::Entity::delete_many()
            .filter(supplier_service_outcode::Column::OrganisationId.eq(org))
            .exec(db)
            .await?;
        for outcode in codes {
            supplier_service_outcode::ActiveModel {
                organisation_id: Set(org),
                outcode: Set(outcode),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(codes) = changes.cpv {
        supplier_cpv::Entity::delete_many()
            .filter(supplier_cpv::Column::OrganisationId.eq(org))
            .exec(db)
            .await?;
        for code in codes {
            supplier_cpv::ActiveModel {
                organisation_id: Set(org),
                cpv_code: Set(code),
            }
            .insert(db)
            .await?;
        }
    }
    if let Some(ids) = changes.identifiers {
        supplier_identifier::Entity::delete_many()
            .filter(supplier_identifier::Column::OrganisationId.eq(org))
            .exec(db)
            .await?;
        for id in ids {
            insert_identifier(db, org, &id).await?;
        }
    }
    refresh_completeness(db, org).await
}

/// Deletes one of an organisation's child rows (an identifier, an accreditation, a past
/// contract) by its id, and refreshes the profile.
///
/// # Errors
/// `NotFound` when the row is not this organisation's; database failures.
pub async fn delete_child<E: EntityTrait>(
    db: &impl ConnectionTrait,
    id_column: E::Column,
    organisation_column: E::Column,
    id: i64,
    organisation_id: i64,
) -> ServiceResult<()> {
    let res = E::delete_many()
        .filter(id_column.eq(id))
        .filter(organisation_column.eq(organisation_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    refresh_completeness(db, organisation_id).await
}

/// Adds an identifier to an organisation, unless another organisation registered it;
/// returns the row's id (the existing one when the organisation already has it).
///
/// # Errors
/// Field `identifier` when another organisation has it; database failures.
pub async fn insert_identifier(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    id: &OrgIdentifier,
) -> ServiceResult<i64> {
    let taken = supplier_identifier::Entity::find()
        .filter(supplier_identifier::Column::Scheme.eq(id.scheme.prefix()))
        .filter(supplier_identifier::Column::Identifier.eq(id.id.clone()))
        .one(db)
        .await?;
    if let Some(existing) = taken {
        if existing.organisation_id == organisation_id {
            return Ok(existing.id);
        }
        return Err(ServiceError::field(
            "identifier",
            format!("{id} is already registered by another organisation"),
        ));
    }
    let row = supplier_identifier::ActiveModel {
        organisation_id: Set(organisation_id),
        scheme: Set(id.scheme.prefix().to_owned()),
        identifier: Set(id.id.clone()),
        verified_at: Set(None),
        verified_by: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Recomputes the completeness figure (share of the profile's sections filled in) and the
/// update time, and notes the change for the registry's views.
///
/// # Errors
/// `NotFound` without a profile; database failures.
pub async fn refresh_completeness(db: &impl ConnectionTrait, org: i64) -> ServiceResult<()> {
    let Some(p) = supplier_profile::Entity::find_by_id(org).one(db).await? else {
        return Err(ServiceError::NotFound);
    };
    let has_cpv = supplier_cpv::Entity::find()
        .filter(supplier_cpv::Column::OrganisationId.eq(org))
        .one(db)
        .await?
        .is_some();
    let has_id = supplier_identifier::Entity::find()
        .filter(supplier_identifier::Column::OrganisationId.eq(org))
        .one(db)
        .await?
        .is_some();
    let checks = [
        !p.legal_name.is_empty(),
        has_id,
        p.postcode.is_some(),
        p.employees.is_some(),
        p.turnover_gbp.is_some(),
        p.ownership_model.is_some() || p.local_staff_pct.is_some(),
        has_cpv,
        p.capability_statement.len() >= 40,
        !p.keywords.is_empty(),
        p.max_contract_value_gbp.is_some(),
    ];
    let done = checks.iter().filter(|c| **c).count();
    let pct = i16::try_from(done * 100 / checks.len()).unwrap_or(100);
    let mut active = p.into_active_model();
    active.completeness = Set(pct);
    active.updated_at = Set(now());
    active.update(db).await?;
    changes::changed(db, org).await?;
    Ok(())
}
