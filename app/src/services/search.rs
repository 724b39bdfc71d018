//! Supplier search over the database: words, CPV (a code matches its descendants), distance
//! from a postcode or outcode, legal form and size, with facet counts. Straightforward SQL
//! plus exact distances in Rust; portable between SQLite and PostgreSQL.

use crate::domain::cpv::CpvCode;
use crate::domain::org::{LegalForm, SizeClass};
use crate::domain::place::{bounding_box, haversine_km, parse_place};
use crate::domain::validation::FieldErrors;
use crate::dto::{Facets, SearchQuery, SearchResults, SupplierHit};
use crate::entities::{organisation, supplier_cpv, supplier_identifier, supplier_profile};
use crate::error::{ServiceError, ServiceResult};
use crate::state::AppState;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashSet};

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;
const DEFAULT_RADIUS_KM: f64 = 25.0;

/// A validated search.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub words: Vec<String>,
    pub cpv: Option<CpvCode>,
    pub near: Option<(f64, f64)>,
    pub within_km: Option<f64>,
    pub legal_form: Option<LegalForm>,
    pub size: Option<SizeClass>,
    pub page: u64,
    pub per_page: u64,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks every parameter, naming each bad one.
///
/// # Errors
/// `Validation` with one message per bad parameter.
pub fn parse_query(state: &AppState, q: &SearchQuery) -> ServiceResult<Search> {
    let mut errors = FieldErrors::new();
    let mut s = Search { page: 1, per_page: DEFAULT_PER_PAGE, ..Default::default() };
    if let Some(text) = present(&q.q) {
        s.words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .take(12)
            .collect();
    }
    if let Some(code) = present(&q.cpv) {
        match state.cpv.validate(code) {
            Ok(entry) => s.cpv = CpvCode::parse(&entry.code).ok(),
            Err(e) => errors.add("cpv", e.to_string()),
        }
    }
    if let Some(near) = present(&q.near) {
        match parse_place(near).map_err(|e| e.to_string()).and_then(|p| state.outcodes.resolve(&p).map_err(|e| e.to_string())) {
            Ok(info) => s.near = Some((info.lat, info.lon)),
            Err(e) => errors.add("near", e),
        }
    }
    if let Some(km) = present(&q.within_km) {
        match km.parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 1500.0 => s.within_km = Some(v),
            _ => errors.add("within_km", "Distance must be a number of kilometres from 1 to 1500"),
        }
        if present(&q.near).is_none() {
            errors.add("near", "Give a postcode or outcode to measure the distance from");
        }
    }
    if let Some(form) = present(&q.legal_form) {
        match LegalForm::from_slug(form) {
            Some(f) => s.legal_form = Some(f),
            None => errors.add("legal_form", "Unknown legal form"),
        }
    }
    if let Some(size) = present(&q.size) {
        match SizeClass::from_slug(size) {
            Some(v) => s.size = Some(v),
            None => errors.add("size", "Size must be micro, small, medium or large"),
        }
    }
    if let Some(page) = present(&q.page) {
        match page.parse::<u64>() {
            Ok(v) if v >= 1 => s.page = v,
            _ => errors.add("page", "Page must be a whole number from 1"),
        }
    }
    if let Some(pp) = present(&q.per_page) {
        match pp.parse::<u64>() {
            Ok(v) if (1..=MAX_PER_PAGE).contains(&v) => s.per_page = v,
            _ => errors.add("per_page", format!("Results per page must be from 1 to {MAX_PER_PAGE}")),
        }
    }
    if s.near.is_some() && s.within_km.is_none() {
        s.within_km = Some(DEFAULT_RADIUS_KM);
    }
    errors.into_result(s).map_err(ServiceError::Validation)
}

/// Runs a search over published, active supplier profiles.
///
/// # Errors
/// Bad parameters or database failures.
pub async fn search(state: &AppState, q: &SearchQuery) -> ServiceResult<SearchResults> {
    let s = parse_query(state, q)?;
    let db = &state.db;
    let mut cond = Condition::all()
        .add(supplier_profile::Column::Published.eq(true))
        .add(
            supplier_profile::Column::OrganisationId.in_subquery(
                Query::select()
                    .column(organisation::Column::Id)
                    .from(organisation::Entity)
                    .and_where(organisation::Column::Status.eq("active"))
                    .to_owned(),
            ),
        );
    for word in &s.words {
        let pattern = format!("%{}%", word.replace(['%', '_'], ""));
        let mut any = Condition::any();
        for col in [
            supplier_profile::Column::LegalName,
            supplier_profile::Column::TradingName,
            supplier_profile::Column::CapabilityStatement,
            supplier_profile::Column::Keywords,
        ] {
            any = any.add(Expr::expr(Func::lower(Expr::col((supplier_profile::Entity, col)))).like(pattern.clone()));
        }
        cond = cond.add(any);
    }
    if let Some(code) = &s.cpv {
        cond = cond.add(
            supplier_profile::Column::OrganisationId.in_subquery(
                Query::select()
                    .column(supplier_cpv::Column::OrganisationId)
                    .from(supplier_cpv::Entity)
                    .and_where(supplier_cpv::Column::CpvCode.like(format!("{}%", code.significant_prefix())))
                    .to_owned(),
            ),
        );
    }
    if let (Some((lat, lon)), Some(km)) = (s.near, s.within_km) {
        let (min_lat, max_lat, min_lon, max_lon) = bounding_box(lat, lon, km);
        cond = cond
            .add(supplier_profile::Column::Latitude.between(min_lat, max_lat))
            .add(supplier_profile::Column::Longitude.between(min_lon, max_lon));
    }
    if let Some(f) = s.legal_form {
        cond = cond.add(supplier_profile::Column::LegalForm.eq(f.slug()));
    }
    if let Some(size) = s.size {
        cond = cond.add(supplier_profile::Column::SizeClass.eq(size.slug()));
    }
    let rows = supplier_profile::Entity::find().filter(cond).all(db).await?;

    let mut hits: Vec<(supplier_profile::Model, Option<f64>)> = rows
        .into_iter()
        .filter_map(|p| {
            let distance = match (s.near, p.latitude, p.longitude) {
                (Some((lat, lon)), Some(plat), Some(plon)) => Some(haversine_km(lat, lon, plat, plon)),
                _ => None,
            };
            match (s.within_km, distance) {
                (Some(km), Some(d)) if d > km => None,
                _ => Some((p, distance)),
            }
        })
        .collect();
    let mut facets = Facets::default();
    for (p, _) in &hits {
        *facets.legal_form.entry(p.legal_form.clone()).or_default() += 1;
        if let Some(size) = &p.size_class {
            *facets.size.entry(size.clone()).or_default() += 1;
        }
    }
    let score = |p: &supplier_profile::Model| -> usize {
        // Words in the name count most, then keywords, then the statement.
        s.words
            .iter()
            .map(|w| {
                3 * usize::from(p.legal_name.to_lowercase().contains(w) || p.trading_name.to_lowercase().contains(w))
                    + 2 * usize::from(p.keywords.contains(w.as_str()))
                    + usize::from(p.capability_statement.to_lowercase().contains(w))
            })
            .sum()
    };
    hits.sort_by(|(a, da), (b, db_)| {
        score(b)
            .cmp(&score(a))
            .then(da.unwrap_or(f64::MAX).total_cmp(&db_.unwrap_or(f64::MAX)))
            .then(a.legal_name.to_lowercase().cmp(&b.legal_name.to_lowercase()))
    });
    let total = hits.len() as u64;
    let start = usize::try_from((s.page - 1) * s.per_page).unwrap_or(usize::MAX);
    let page: Vec<_> = hits.into_iter().skip(start).take(usize::try_from(s.per_page).unwrap_or(20)).collect();
    let ids: Vec<i64> = page.iter().map(|(p, _)| p.organisation_id).collect();
    let mut cpv_by_org: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in supplier_cpv::Entity::find().filter(supplier_cpv::Column::OrganisationId.is_in(ids.clone())).all(db).await? {
        cpv_by_org.entry(row.organisation_id).or_default().push(row.cpv_code);
    }
    let verified: HashSet<i64> = supplier_identifier::Entity::find()
        .select_only()
        .column(supplier_identifier::Column::OrganisationId)
        .filter(supplier_identifier::Column::OrganisationId.is_in(ids))
        .filter(supplier_identifier::Column::VerifiedAt.is_not_null())
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let results = page
        .into_iter()
        .map(|(p, distance)| SupplierHit {
            id: p.organisation_id,
            cpv: cpv_by_org
                .remove(&p.organisation_id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| CpvCode::parse(&c).ok().and_then(|code| state.cpv.get(&code)).map_or(c, |e| e.full_code()))
                .collect(),
            verified: verified.contains(&p.organisation_id),
            name: p.legal_name,
            trading_name: p.trading_name,
            legal_form: p.legal_form,
            size: p.size_class,
            postcode: p.postcode,
            town: p.town,
            distance_km: distance.map(|d| (d * 10.0).round() / 10.0),
            capability_statement: p.capability_statement,
            social_economy: p.social_economy,
        })
        .collect();
    Ok(SearchResults { total, page: s.page, per_page: s.per_page, results, facets })
}
