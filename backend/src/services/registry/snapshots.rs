//! The registry's read model: suppliers as every other context reads them.
//!
//! [`snapshots`] loads [`SupplierSnapshot`]s for any set of suppliers in a fixed number of
//! queries per batch (one per table, never one per supplier); [`SearchableSuppliers`]
//! walks every searchable supplier in batches for rebuilds and whole-registry work. The
//! rule for who is visible to buyers is [`SupplierSnapshot::is_searchable`]; its SQL twin,
//! for counting and filtering in the database, is [`searchable`] and lives only here.
//!
//! Search indexing, search result pages, CSV exports and shortlists read suppliers through
//! this module; so should market depth, the lot planner, spend matching and opportunity
//! alerts.

use crate::entities::{
    organisation, supplier_accreditation, supplier_contract, supplier_cpv, supplier_identifier,
    supplier_profile, supplier_service_outcode,
};
use domain::accounts::OrgStatus;
use domain::cpv::CpvCode;
use domain::registry::{
    Accreditation, AccreditationKind, IdScheme, LegalForm, OrgIdentifier, PastContract, SizeClass,
    SupplierSnapshot,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::{HashMap, HashSet};

/// Ids per `IN (…)` list, well under SQLite's and PostgreSQL's bind limits.
pub const CHUNK: usize = 900;

/// The SQL twin of [`SupplierSnapshot::is_searchable`], as a condition on
/// `supplier_profiles`: published, and the organisation active.
///
/// A correlated `EXISTS` (one primary-key lookup per profile), not `IN (SELECT …)`:
/// SQLite materialises an uncorrelated list of every active organisation each time a
/// statement runs, which made each batch of [`SearchableSuppliers`] cost the whole
/// registry — 10 minutes to walk 1,000,000 suppliers.
pub fn searchable() -> Condition {
    Condition::all()
        .add(supplier_profile::Column::Published.eq(true))
        .add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(organisation::Entity)
                .and_where(
                    Expr::col((organisation::Entity, organisation::Column::Id)).equals((
                        supplier_profile::Entity,
                        supplier_profile::Column::OrganisationId,
                    )),
                )
                .and_where(
                    Expr::col((organisation::Entity, organisation::Column::Status))
                        .eq(OrgStatus::Active.slug()),
                )
                .to_owned(),
        ))
}

/// How many suppliers buyers can see.
///
/// # Errors
/// Database failures.
pub async fn searchable_count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    supplier_profile::Entity::find()
        .filter(searchable())
        .count(db)
        .await
}

/// Of `ids`, those buyers can see.
///
/// # Errors
/// Database failures.
pub async fn searchable_among(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        out.extend(
            supplier_profile::Entity::find()
                .select_only()
                .column(supplier_profile::Column::OrganisationId)
                .filter(supplier_profile::Column::OrganisationId.is_in(chunk.to_vec()))
                .filter(searchable())
                .into_tuple::<i64>()
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The snapshots of the given suppliers, in the order of `ids`; ids without a supplier
/// profile are left out. Drafts and suspended suppliers are included (ask
/// [`SupplierSnapshot::is_searchable`]).
///
/// # Errors
/// Database failures.
pub async fn snapshots(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<SupplierSnapshot>, DbErr> {
    let mut found: HashMap<i64, SupplierSnapshot> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        for s in load_chunk(db, chunk).await? {
            found.insert(s.id, s);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// Every searchable supplier, in batches by id: for rebuilding projections and for work
/// over the whole registry without holding it all in memory.
pub struct SearchableSuppliers<'a, C> {
    db: &'a C,
    after: i64,
    batch: u64,
}

impl<'a, C: ConnectionTrait> SearchableSuppliers<'a, C> {
    /// A walk over the registry in batches of `batch` suppliers.
    pub fn new(db: &'a C, batch: u64) -> Self {
        Self {
            db,
            after: 0,
            batch: batch.clamp(1, CHUNK as u64),
        }
    }

    /// The next batch, or `None` at the end.
    ///
    /// # Errors
    /// Database failures.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<SupplierSnapshot>>, DbErr> {
        let ids: Vec<i64> = supplier_profile::Entity::find()
            .select_only()
            .column(supplier_profile::Column::OrganisationId)
            .filter(supplier_profile::Column::OrganisationId.gt(self.after))
            .filter(searchable())
            .order_by_asc(supplier_profile::Column::OrganisationId)
            .limit(self.batch)
            .into_tuple()
            .all(self.db)
            .await?;
        let Some(last) = ids.last() else {
            return Ok(None);
        };
        self.after = *last;
        snapshots(self.db, &ids).await.map(Some)
    }
}

/// The keywords as stored (one comma-separated column) as a list.
pub(crate) fn keywords_from_column(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty())
        .collect()
}

/// One query per table for up to [`CHUNK`] suppliers.
async fn load_chunk(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<SupplierSnapshot>, DbErr> {
    let ids = ids.to_vec();
    let profiles = supplier_profile::Entity::find()
        .filter(supplier_profile::Column::OrganisationId.is_in(ids.clone()))
        .all(db)
        .await?;
    let statuses: HashMap<i64, String> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Status)
        .filter(organisation::Column::Id.is_in(ids.clone()))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut cpv: HashMap<i64, Vec<CpvCode>> = HashMap::new();
    for row in supplier_cpv::Entity::find()
        .filter(supplier_cpv::Column::OrganisationId.is_in(ids.clone()))
        .order_by_asc(supplier_cpv::Column::CpvCode)
        .all(db)
        .await?
    {
        if let Ok(code) = CpvCode::parse(&row.cpv_code) {
            cpv.entry(row.organisation_id).or_default().push(code);
        }
    }
    let mut areas: HashMap<i64, Vec<String>> = HashMap::new();
    for row in supplier_service_outcode::Entity::find()
        .filter(supplier_service_outcode::Column::OrganisationId.is_in(ids.clone()))
        .order_by_asc(supplier_service_outcode::Column::Outcode)
        .all(db)
        .await?
    {
        areas
            .entry(row.organisation_id)
            .or_default()
            .push(row.outcode);
    }
    let mut accreditations: HashMap<i64, Vec<Accreditation>> = HashMap::new();
    for row in supplier_accreditation::Entity::find()
        .filter(supplier_accreditation::Column::OrganisationId.is_in(ids.clone()))
        .order_by_asc(supplier_accreditation::Column::Id)
        .all(db)
        .await?
    {
        if let Some(kind) = AccreditationKind::from_slug(&row.kind) {
            accreditations
                .entry(row.organisation_id)
                .or_default()
                .push(Accreditation {
                    kind,
                    expires_on: row.expires_on,
                });
        }
    }
    let mut identifiers: HashMap<i64, Vec<OrgIdentifier>> = HashMap::new();
    let mut verified: HashSet<i64> = HashSet::new();
    for row in supplier_identifier::Entity::find()
        .filter(supplier_identifier::Column::OrganisationId.is_in(ids.clone()))
        .order_by_asc(supplier_identifier::Column::Id)
        .all(db)
        .await?
    {
        if row.verified_at.is_some() {
            verified.insert(row.organisation_id);
        }
        if let Some(scheme) = IdScheme::from_prefix(&row.scheme) {
            identifiers
                .entry(row.organisation_id)
                .or_default()
                .push(OrgIdentifier {
                    scheme,
                    id: row.identifier,
                });
        }
    }
    let mut contracts: HashMap<i64, Vec<PastContract>> = HashMap::new();
    for row in supplier_contract::Entity::find()
        .filter(supplier_contract::Column::OrganisationId.is_in(ids))
        .order_by_asc(supplier_contract::Column::Id)
        .all(db)
        .await?
    {
        contracts
            .entry(row.organisation_id)
            .or_default()
            .push(PastContract {
                buyer_name: row.buyer_name,
                value_gbp: row.value_gbp,
                year: row.year,
                description: row.description,
            });
    }
    Ok(profiles
        .into_iter()
        .map(|p| {
            let id = p.organisation_id;
            SupplierSnapshot {
                id,
                name: p.legal_name,
                trading_name: p.trading_name,
                legal_form: LegalForm::from_slug(&p.legal_form),
                size: p.size_class.as_deref().and_then(SizeClass::from_slug),
                social_economy: p.social_economy,
                published: p.published,
                active: statuses.get(&id).map(String::as_str) == Some(OrgStatus::Active.slug()),
                verified: verified.contains(&id),
                postcode: p.postcode,
                outcode: p.outcode,
                town: p.town,
                location: p.latitude.zip(p.longitude),
                service_radius_km: p.service_radius_km,
                service_outcodes: areas.remove(&id).unwrap_or_default(),
                cpv: cpv.remove(&id).unwrap_or_default(),
                capability_statement: p.capability_statement,
                keywords: keywords_from_column(&p.keywords),
                contracts: contracts.remove(&id).unwrap_or_default(),
                employees: p.employees,
                turnover_gbp: p.turnover_gbp,
                max_contract_value_gbp: p.max_contract_value_gbp,
                min_contract_value_gbp: p.min_contract_value_gbp,
                local_staff_pct: p.local_staff_pct,
                local_spend_pct: p.local_spend_pct,
                accreditations: accreditations.remove(&id).unwrap_or_default(),
                identifiers: identifiers.remove(&id).unwrap_or_default(),
                vat_number: p.vat_number,
                website: p.website,
                email: p.email,
                updated_at: p.updated_at.timestamp(),
            }
        })
        .collect())
}
