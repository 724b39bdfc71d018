//! Supplier profiles: created as a draft at sign-up, filled in step by step (or through the
//! API), published, and read back as a whole. Only members of the organisation (or the
//! platform team) may change one.

use crate::entities::{
    organisation, supplier_accreditation, supplier_contract, supplier_cpv, supplier_identifier,
    supplier_profile, supplier_service_outcode,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::accounts::audit;
use crate::services::now;
use crate::services::registry::changes;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use domain::accounts::dto::CurrentUser;
use domain::cpv::CpvCatalogue;
use domain::place::{parse_place, OutcodeTable};
use domain::registry::dto::{
    AccreditationView, ContractView, CpvView, IdentifierInput, IdentifierView, ProfilePatch,
    SupplierProfile, Text,
};
use domain::registry::{AccreditationKind, LegalForm, OwnershipModel, SizeClass, TurnoverBand};
use domain::registry::{IdScheme, OrgIdentifier};
use domain::text::{Email, Gbp, Keywords, VatNumber, Website};
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set, TransactionTrait,
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

/// Refuses anyone but a member of the supplier organisation or an admin.
///
/// # Errors
/// `Forbidden` for other users.
pub fn ensure_can_edit(user: &CurrentUser, organisation_id: i64) -> ServiceResult<()> {
    if user.status != "active" {
        return Err(ServiceError::Forbidden);
    }
    if user.is_admin() || (user.is_supplier() && user.organisation_id == Some(organisation_id)) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The supplier organisation the user belongs to.
///
/// # Errors
/// `Forbidden` when the user is not a supplier user.
pub fn own_organisation(user: &CurrentUser) -> ServiceResult<i64> {
    match (user.is_supplier(), user.organisation_id) {
        (true, Some(id)) => Ok(id),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Optional text: empty means "clear".
fn opt_text(t: &Text) -> Option<String> {
    let s = t.as_str();
    (!s.is_empty()).then(|| s.to_owned())
}

fn parse_int<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    errors: &mut FieldErrors,
    field: &str,
    t: &Text,
    min: T,
    max: T,
    what: &str,
) -> Option<Option<T>> {
    let s = t.as_str().replace(',', "");
    if s.is_empty() {
        return Some(None);
    }
    match s.parse::<T>() {
        Ok(v) if v >= min && v <= max => Some(Some(v)),
        _ => {
            errors.add(
                field,
                format!("{what} must be a whole number from {min} to {max}"),
            );
            None
        }
    }
}

fn parse_money(errors: &mut FieldErrors, field: &str, t: &Text, what: &str) -> Option<Option<i64>> {
    if t.as_str().is_empty() {
        return Some(None);
    }
    match Gbp::parse(t.as_str()) {
        Ok(v) => match i64::try_from(v.pounds()) {
            Ok(v) => Some(Some(v)),
            Err(_) => {
                errors.add(field, format!("{what} is too large"));
                None
            }
        },
        Err(e) => {
            errors.add(field, format!("{what}: {e}"));
            None
        }
    }
}

fn limited(
    errors: &mut FieldErrors,
    field: &str,
    t: &Text,
    max: usize,
    what: &str,
) -> Option<String> {
    let s = t.as_str();
    if s.chars().count() > max {
        errors.add(field, format!("{what} must be {max} characters or fewer"));
        None
    } else {
        Some(s.to_owned())
    }
}

/// Applies a validated change to a profile, in one transaction: either every field in the
/// patch is saved or none is.
///
/// # Errors
/// `Validation` naming each bad field; `NotFound`; database failures.
pub async fn apply_patch(
    state: &AppState,
    actor: &CurrentUser,
    organisation_id: i64,
    patch: &ProfilePatch,
) -> ServiceResult<()> {
    ensure_can_edit(actor, organisation_id)?;
    let txn = state.db.begin().await?;
    let profile = supplier_profile::Entity::find_by_id(organisation_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut p = profile.clone().into_active_model();
    let mut errors = FieldErrors::new();
    let this_year = now().year();

    if let Some(t) = &patch.name {
        let name = t.as_str();
        if name.is_empty() {
            errors.add("name", "Enter the organisation's legal name");
        } else if let Some(v) = limited(&mut errors, "name", t, 200, "Legal name") {
            p.legal_name = Set(v);
        }
    }
    if let Some(t) = &patch.trading_name {
        if let Some(v) = limited(&mut errors, "trading_name", t, 200, "Trading name") {
            p.trading_name = Set(v);
        }
    }
    if let Some(t) = &patch.legal_form {
        match LegalForm::from_slug(t.as_str()) {
            Some(f) => {
                p.legal_form = Set(f.slug().to_owned());
                p.social_economy = Set(f.is_social_economy());
            }
            None => errors.add("legal_form", "Choose a legal form from the list"),
        }
    }
    if let Some(t) = &patch.vat_number {
        match opt_text(t).map(|s| VatNumber::parse(&s)).transpose() {
            Ok(v) => p.vat_number = Set(v.map(|v| v.as_str().to_owned()).unwrap_or_default()),
            Err(e) => errors.add("vat_number", e.to_string()),
        }
    }
    if let Some(t) = &patch.year_founded {
        if let Some(v) = parse_int(
            &mut errors,
            "year_founded",
            t,
            1800,
            this_year,
            "Year founded",
        ) {
            p.year_founded = Set(v);
        }
    }
    if let Some(t) = &patch.website {
        match opt_text(t).map(|s| Website::parse(&s)).transpose() {
            Ok(v) => p.website = Set(v.map(|v| v.as_str().to_owned()).unwrap_or_default()),
            Err(e) => errors.add("website", e.to_string()),
        }
    }
    if let Some(t) = &patch.email {
        match opt_text(t).map(|s| Email::parse(&s)).transpose() {
            Ok(v) => p.email = Set(v.map(|v| v.as_str().to_owned()).unwrap_or_default()),
            Err(e) => errors.add("email", e.to_string()),
        }
    }
    if let Some(t) = &patch.phone {
        let s = t.as_str();
        if !s.is_empty()
            && (s.len() > 40 || !s.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c)))
        {
            errors.add(
                "phone",
                "Enter a telephone number using digits, spaces and + ( ) -",
            );
        } else {
            p.phone = Set(s.to_owned());
        }
    }
    for (field, value, slot) in [
        ("address_line1", &patch.address_line1, &mut p.address_line1),
        ("address_line2", &patch.address_line2, &mut p.address_line2),
        ("town", &patch.town, &mut p.town),
    ] {
        if let Some(t) = value {
            if let Some(v) = limited(&mut errors, field, t, 200, "This line") {
                *slot = Set(v);
            }
        }
    }
    if let Some(t) = &patch.postcode {
        if t.as_str().is_empty() {
            p.postcode = Set(None);
            p.outcode = Set(None);
            p.latitude = Set(None);
            p.longitude = Set(None);
        } else {
            match resolve_postcode(&state.outcodes, t.as_str()) {
                Ok((postcode, outcode, lat, lon)) => {
                    p.postcode = Set(Some(postcode));
                    p.outcode = Set(Some(outcode));
                    p.latitude = Set(Some(lat));
                    p.longitude = Set(Some(lon));
                }
                Err(msg) => errors.add("postcode", msg),
            }
        }
    }
    if let Some(t) = &patch.operating_address {
        if let Some(v) = limited(
            &mut errors,
            "operating_address",
            t,
            500,
            "Operating address",
        ) {
            p.operating_address = Set(v);
        }
    }
    if let Some(t) = &patch.service_radius_km {
        if let Some(v) = parse_int(
            &mut errors,
            "service_radius_km",
            t,
            0,
            1500,
            "Service radius",
        ) {
            p.service_radius_km = Set(v);
        }
    }
    let mut service_outcodes = None;
    if let Some(list) = &patch.service_outcodes {
        let mut codes = Vec::new();
        for raw in &list.0 {
            match parse_place(raw)
                .map_err(|e| e.to_string())
                .and_then(|place| {
                    state
                        .outcodes
                        .resolve(&place)
                        .map(|info| info.outcode.clone())
                        .map_err(|e| e.to_string())
                }) {
                Ok(code) if !codes.contains(&code) => codes.push(code),
                Ok(_) => {}
                Err(e) => errors.add("service_outcodes", format!("{raw}: {e}")),
            }
        }
        service_outcodes = Some(codes);
    }
    let mut employees = profile.employees;
    let mut turnover = profile.turnover_gbp;
    if let Some(t) = &patch.employees {
        if let Some(v) = parse_int(
            &mut errors,
            "employees",
            t,
            0,
            10_000_000,
            "Number of employees",
        ) {
            employees = v;
            p.employees = Set(v);
        }
    }
    if let Some(t) = &patch.turnover_gbp {
        if let Some(v) = parse_money(&mut errors, "turnover_gbp", t, "Annual turnover") {
            turnover = v;
            p.turnover_gbp = Set(v);
        }
    }
    p.size_class = Set(SizeClass::derive(
        employees.and_then(|e| u32::try_from(e).ok()),
        turnover.and_then(|t| u64::try_from(t).ok()),
    )
    .map(|s| s.slug().to_owned()));
    if let Some(t) = &patch.ownership_model {
        match opt_text(t)
            .map(|s| OwnershipModel::from_slug(&s).ok_or(()))
            .transpose()
        {
            Ok(v) => p.ownership_model = Set(v.map(|m| m.slug().to_owned())),
            Err(()) => errors.add("ownership_model", "Choose an ownership model from the list"),
        }
    }
    for (field, value, slot, what) in [
        (
            "local_staff_pct",
            &patch.local_staff_pct,
            &mut p.local_staff_pct,
            "Staff living locally",
        ),
        (
            "local_spend_pct",
            &patch.local_spend_pct,
            &mut p.local_spend_pct,
            "Spend with local suppliers",
        ),
    ] {
        if let Some(t) = value {
            if let Some(v) = parse_int::<i16>(&mut errors, field, t, 0, 100, &format!("{what} (%)"))
            {
                *slot = Set(v);
            }
        }
    }
    if let Some(t) = &patch.capability_statement {
        if let Some(v) = limited(
            &mut errors,
            "capability_statement",
            t,
            5000,
            "Capability statement",
        ) {
            p.capability_statement = Set(v);
        }
    }
    if let Some(list) = &patch.keywords {
        match Keywords::from_list(list.0.iter()) {
            Ok(k) => p.keywords = Set(k.as_slice().join(", ")),
            Err(e) => errors.add("keywords", e.to_string()),
        }
    }
    let mut max_value = profile.max_contract_value_gbp;
    let mut min_value = profile.min_contract_value_gbp;
    if let Some(t) = &patch.max_contract_value_gbp {
        if let Some(v) = parse_money(&mut errors, "max_contract_value_gbp", t, "Largest contract") {
            max_value = v;
            p.max_contract_value_gbp = Set(v);
        }
    }
    if let Some(t) = &patch.min_contract_value_gbp {
        if let Some(v) = parse_money(
            &mut errors,
            "min_contract_value_gbp",
            t,
            "Smallest contract",
        ) {
            min_value = v;
            p.min_contract_value_gbp = Set(v);
        }
    }
    if let (Some(lo), Some(hi)) = (min_value, max_value) {
        if lo > hi {
            errors.add("min_contract_value_gbp", "The smallest contract worth bidding for is larger than the largest you can take on");
        }
    }
    let cpv_codes = match &patch.cpv {
        Some(list) => {
            let mut codes = Vec::new();
            for raw in &list.0 {
                match state.cpv.validate(raw) {
                    Ok(entry) if !codes.contains(&entry.code) => codes.push(entry.code),
                    Ok(_) => {}
                    Err(e) => errors.add("cpv", format!("{raw}: {e}")),
                }
            }
            Some(codes)
        }
        None => None,
    };
    let identifiers = match &patch.identifiers {
        Some(list) => {
            let mut parsed = Vec::new();
            for IdentifierInput { scheme, id } in list {
                match parse_identifier(scheme, id) {
                    Ok(i) => parsed.push(i),
                    Err(msg) => errors.add("identifiers", msg),
                }
            }
            Some(parsed)
        }
        None => None,
    };
    if let Some(publish) = patch.published {
        p.published = Set(publish);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }

    p.updated_at = Set(now());
    p.update(&txn).await?;
    if let Some(codes) = service_outcodes {
        supplier_service_outcode::Entity::delete_many()
            .filter(supplier_service_outcode::Column::OrganisationId.eq(organisation_id))
            .exec(&txn)
            .await?;
        for outcode in codes {
            supplier_service_outcode::ActiveModel {
                organisation_id: Set(organisation_id),
                outcode: Set(outcode.to_string()),
            }
            .insert(&txn)
            .await?;
        }
    }
    if let Some(codes) = cpv_codes {
        supplier_cpv::Entity::delete_many()
            .filter(supplier_cpv::Column::OrganisationId.eq(organisation_id))
            .exec(&txn)
            .await?;
        for code in codes {
            supplier_cpv::ActiveModel {
                organisation_id: Set(organisation_id),
                cpv_code: Set(code),
            }
            .insert(&txn)
            .await?;
        }
    }
    if let Some(ids) = identifiers {
        supplier_identifier::Entity::delete_many()
            .filter(supplier_identifier::Column::OrganisationId.eq(organisation_id))
            .exec(&txn)
            .await?;
        for id in ids {
            insert_identifier(&txn, organisation_id, &id).await?;
        }
    }
    refresh_completeness(&txn, organisation_id).await?;
    if patch.published == Some(true) {
        // Checked on the saved state, inside the transaction: a refused publish saves nothing.
        let blockers = publish_blockers(&load_profile(&txn, &state.cpv, organisation_id).await?);
        if !blockers.is_empty() {
            return Err(blockers.into());
        }
    }
    audit::record(
        &txn,
        Some(actor.id),
        "update_profile",
        &format!("organisation {organisation_id}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Postcode or outcode → (postcode as shown, outcode, latitude, longitude).
fn resolve_postcode(table: &OutcodeTable, raw: &str) -> Result<(String, String, f64, f64), String> {
    let place = parse_place(raw).map_err(|e| e.to_string())?;
    let info = table.resolve(&place).map_err(|e| e.to_string())?;
    Ok((
        place.to_string(),
        info.outcode.to_string(),
        info.lat,
        info.lon,
    ))
}

fn parse_identifier(scheme: &str, id: &str) -> Result<OrgIdentifier, String> {
    let scheme = IdScheme::from_prefix(scheme.trim())
        .ok_or_else(|| format!("{scheme}: unknown identifier scheme"))?;
    OrgIdentifier::parse(scheme, id).map_err(|e| e.to_string())
}

async fn insert_identifier(
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

/// Adds one identifier (scheme + number) to a profile.
///
/// # Errors
/// Bad scheme or number (field `identifier`), a number registered by someone else.
pub async fn add_identifier(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    scheme: &str,
    raw: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let id = parse_identifier(scheme, raw).map_err(|m| ServiceError::field("identifier", m))?;
    let txn = state.db.begin().await?;
    insert_identifier(&txn, org, &id).await?;
    refresh_completeness(&txn, org).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes one identifier from a profile.
///
/// # Errors
/// `NotFound` when the identifier is not this organisation's.
pub async fn remove_identifier(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    identifier_id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let res = supplier_identifier::Entity::delete_many()
        .filter(supplier_identifier::Column::Id.eq(identifier_id))
        .filter(supplier_identifier::Column::OrganisationId.eq(org))
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    refresh_completeness(&state.db, org).await
}

/// Adds a CPV code (with or without check digit) to a profile.
///
/// # Errors
/// Unknown code (field `cpv`).
pub async fn add_cpv(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    raw: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let entry = state
        .cpv
        .validate(raw)
        .map_err(|e| ServiceError::field("cpv", e.to_string()))?;
    let txn = state.db.begin().await?;
    let exists = supplier_cpv::Entity::find_by_id((org, entry.code.clone()))
        .one(&txn)
        .await?
        .is_some();
    if !exists {
        supplier_cpv::ActiveModel {
            organisation_id: Set(org),
            cpv_code: Set(entry.code),
        }
        .insert(&txn)
        .await?;
    }
    touch(&txn, org).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a CPV code from a profile.
///
/// # Errors
/// Database failures.
pub async fn remove_cpv(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    code: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    supplier_cpv::Entity::delete_by_id((org, code.trim().to_owned()))
        .exec(&state.db)
        .await?;
    touch(&state.db, org).await
}

/// Adds an accreditation with an optional reference and expiry date (YYYY-MM-DD).
///
/// # Errors
/// Unknown kind, bad date.
pub async fn add_accreditation(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    kind: &str,
    reference: &str,
    expires_on: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let mut errors = FieldErrors::new();
    let kind = AccreditationKind::from_slug(kind.trim());
    if kind.is_none() {
        errors.add("kind", "Choose an accreditation from the list");
    }
    let expires = match expires_on.trim() {
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
    if reference.trim().chars().count() > 100 {
        errors.add("reference", "Reference must be 100 characters or fewer");
    }
    let Some(kind) = kind else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let txn = state.db.begin().await?;
    supplier_accreditation::ActiveModel {
        organisation_id: Set(org),
        kind: Set(kind.slug().to_owned()),
        reference: Set(reference.trim().to_owned()),
        expires_on: Set(expires),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    refresh_completeness(&txn, org).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes an accreditation.
///
/// # Errors
/// `NotFound` when it is not this organisation's.
pub async fn remove_accreditation(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let res = supplier_accreditation::Entity::delete_many()
        .filter(supplier_accreditation::Column::Id.eq(id))
        .filter(supplier_accreditation::Column::OrganisationId.eq(org))
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    refresh_completeness(&state.db, org).await
}

/// Adds a past contract or case study.
///
/// # Errors
/// Missing buyer, bad value or year.
pub async fn add_contract(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    buyer_name: &str,
    value: &str,
    year: &str,
    description: &str,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let mut errors = FieldErrors::new();
    let buyer = buyer_name.trim();
    if buyer.is_empty() {
        errors.add("buyer_name", "Enter who the contract was for");
    } else if buyer.chars().count() > 200 {
        errors.add("buyer_name", "Buyer must be 200 characters or fewer");
    }
    let value = parse_money(
        &mut errors,
        "value_gbp",
        &Text::from(value),
        "Contract value",
    )
    .flatten();
    let year = parse_int(
        &mut errors,
        "year",
        &Text::from(year),
        1900,
        now().year(),
        "Year",
    )
    .flatten();
    if description.trim().chars().count() > 2000 {
        errors.add(
            "description",
            "Description must be 2,000 characters or fewer",
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let txn = state.db.begin().await?;
    supplier_contract::ActiveModel {
        organisation_id: Set(org),
        buyer_name: Set(buyer.to_owned()),
        value_gbp: Set(value),
        year: Set(year),
        description: Set(description.trim().to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    refresh_completeness(&txn, org).await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a past contract.
///
/// # Errors
/// `NotFound` when it is not this organisation's.
pub async fn remove_contract(
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    id: i64,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    let res = supplier_contract::Entity::delete_many()
        .filter(supplier_contract::Column::Id.eq(id))
        .filter(supplier_contract::Column::OrganisationId.eq(org))
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    refresh_completeness(&state.db, org).await
}

async fn touch(db: &impl ConnectionTrait, org: i64) -> ServiceResult<()> {
    refresh_completeness(db, org).await
}

/// Recomputes the completeness figure (share of the profile's sections filled in) and the
/// update time.
async fn refresh_completeness(db: &impl ConnectionTrait, org: i64) -> ServiceResult<()> {
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
    state: &AppState,
    actor: &CurrentUser,
    org: i64,
    publish: bool,
) -> ServiceResult<()> {
    ensure_can_edit(actor, org)?;
    if publish {
        let view = load_profile(&state.db, &state.cpv, org).await?;
        let blockers = publish_blockers(&view);
        if !blockers.is_empty() {
            return Err(blockers.into());
        }
    }
    let txn = state.db.begin().await?;
    let p = supplier_profile::Entity::find_by_id(org)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut active = p.into_active_model();
    active.published = Set(publish);
    active.updated_at = Set(now());
    active.update(&txn).await?;
    changes::changed(&txn, org).await?;
    audit::record(
        &txn,
        Some(actor.id),
        if publish {
            "publish_profile"
        } else {
            "withdraw_profile"
        },
        &format!("organisation {org}"),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A CPV code as shown to people: full code, label and the path above it.
pub fn cpv_view(cpv: &CpvCatalogue, code: &str) -> CpvView {
    match domain::cpv::CpvCode::parse(code)
        .ok()
        .and_then(|c| cpv.get(&c).map(|e| (c, e)))
    {
        Some((c, e)) => CpvView {
            code: e.code.clone(),
            full_code: e.full_code(),
            label: e.label.clone(),
            path: cpv.ancestors(&c).into_iter().map(|a| a.label).collect(),
        },
        None => CpvView {
            code: code.to_owned(),
            full_code: code.to_owned(),
            label: String::new(),
            path: vec![],
        },
    }
}

/// Loads a whole profile.
///
/// # Errors
/// `NotFound` when the organisation has no supplier profile.
pub async fn load_profile(
    db: &impl ConnectionTrait,
    cpv: &CpvCatalogue,
    org: i64,
) -> ServiceResult<SupplierProfile> {
    let p = supplier_profile::Entity::find_by_id(org)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let o = organisation::Entity::find_by_id(org)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let codes = supplier_cpv::Entity::find()
        .filter(supplier_cpv::Column::OrganisationId.eq(org))
        .order_by_asc(supplier_cpv::Column::CpvCode)
        .all(db)
        .await?;
    let ids = supplier_identifier::Entity::find()
        .filter(supplier_identifier::Column::OrganisationId.eq(org))
        .order_by_asc(supplier_identifier::Column::Id)
        .all(db)
        .await?;
    let accs = supplier_accreditation::Entity::find()
        .filter(supplier_accreditation::Column::OrganisationId.eq(org))
        .order_by_asc(supplier_accreditation::Column::Id)
        .all(db)
        .await?;
    let contracts = supplier_contract::Entity::find()
        .filter(supplier_contract::Column::OrganisationId.eq(org))
        .order_by_desc(supplier_contract::Column::Year)
        .all(db)
        .await?;
    let areas = supplier_service_outcode::Entity::find()
        .filter(supplier_service_outcode::Column::OrganisationId.eq(org))
        .order_by_asc(supplier_service_outcode::Column::Outcode)
        .all(db)
        .await?;
    let today = now().date_naive();
    let legal_form = LegalForm::from_slug(&p.legal_form);
    let identifiers: Vec<IdentifierView> = ids.into_iter().map(identifier_view).collect();
    Ok(SupplierProfile {
        id: org,
        name: p.legal_name,
        trading_name: p.trading_name,
        legal_form_label: legal_form.map(|f| f.label().to_owned()).unwrap_or_default(),
        legal_form: p.legal_form,
        status: o.status,
        vat_number: p.vat_number,
        year_founded: p.year_founded,
        website: p.website,
        email: p.email,
        phone: p.phone,
        address_line1: p.address_line1,
        address_line2: p.address_line2,
        town: p.town,
        postcode: p.postcode,
        place_name: None,
        outcode: p.outcode,
        latitude: p.latitude,
        longitude: p.longitude,
        operating_address: p.operating_address,
        service_radius_km: p.service_radius_km,
        service_outcodes: areas.into_iter().map(|a| a.outcode).collect(),
        employees: p.employees,
        turnover_band: p
            .turnover_gbp
            .and_then(|t| u64::try_from(t).ok())
            .map(|t| TurnoverBand::from_turnover(t).label().to_owned()),
        turnover_gbp: p.turnover_gbp,
        size: p.size_class,
        social_economy: p.social_economy,
        ownership_model: p.ownership_model,
        local_staff_pct: p.local_staff_pct,
        local_spend_pct: p.local_spend_pct,
        capability_statement: p.capability_statement,
        keywords: p
            .keywords
            .split(',')
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty())
            .collect(),
        max_contract_value_gbp: p.max_contract_value_gbp,
        min_contract_value_gbp: p.min_contract_value_gbp,
        cpv: codes.iter().map(|c| cpv_view(cpv, &c.cpv_code)).collect(),
        verified: identifiers.iter().any(|i| i.verified),
        identifiers,
        accreditations: accs
            .into_iter()
            .map(|a| AccreditationView {
                id: a.id,
                label: AccreditationKind::from_slug(&a.kind)
                    .map(|k| k.label().to_owned())
                    .unwrap_or_else(|| a.kind.clone()),
                kind: a.kind,
                reference: a.reference,
                expired: a.expires_on.is_some_and(|d| d < today),
                expires_on: a.expires_on.map(|d| d.to_string()),
            })
            .collect(),
        contracts: contracts
            .into_iter()
            .map(|c| ContractView {
                id: c.id,
                buyer_name: c.buyer_name,
                value_gbp: c.value_gbp,
                year: c.year,
                description: c.description,
            })
            .collect(),
        completeness: p.completeness,
        published: p.published,
        updated_at: p.updated_at.to_rfc3339(),
    })
}

/// An identifier row as shown.
pub fn identifier_view(i: supplier_identifier::Model) -> IdentifierView {
    IdentifierView {
        id: i.id,
        scheme_label: IdScheme::from_prefix(&i.scheme)
            .map(|s| s.label().to_owned())
            .unwrap_or_default(),
        scheme: i.scheme,
        identifier: i.identifier,
        verified: i.verified_at.is_some(),
    }
}

/// A profile anyone may see: published and not suspended (members and admins see drafts).
///
/// # Errors
/// `NotFound` otherwise.
pub async fn public_profile(
    state: &AppState,
    viewer: Option<&CurrentUser>,
    org: i64,
) -> ServiceResult<SupplierProfile> {
    let view = load_profile(&state.db, &state.cpv, org).await?;
    let privileged = viewer.is_some_and(|u| u.is_admin() || u.organisation_id == Some(org));
    if !privileged && (!view.published || view.status != "active") {
        return Err(ServiceError::NotFound);
    }
    Ok(view)
}
