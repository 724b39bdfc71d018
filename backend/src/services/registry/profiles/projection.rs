//! Profiles as people read them: the whole profile (the owner's form, the public page, the
//! REST API's answer), CPV codes with their labels and path, identifiers with their
//! register's name.

use crate::entities::{
    organisation, supplier_accreditation, supplier_contract, supplier_cpv, supplier_identifier,
    supplier_profile, supplier_service_outcode,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::snapshots::keywords_from_column;
use domain::accounts::OrgStatus;
use domain::cpv::CpvCatalogue;
use domain::registry::dto::{
    AccreditationView, ContractView, CpvView, IdentifierView, SupplierProfile,
};
use domain::registry::{AccreditationKind, IdScheme, LegalForm, TurnoverBand};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

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
        status: OrgStatus::from_slug(&o.status).ok_or_else(|| {
            anyhow::anyhow!("organisation {org} has an unknown status {}", o.status)
        })?,
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
        keywords: keywords_from_column(&p.keywords),
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
