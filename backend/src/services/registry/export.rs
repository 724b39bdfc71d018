//! Supplier exports: a search's whole result set or a shortlist, as rows for a CSV file.
//! Both are the same three steps — which suppliers (the search index, or the shortlist's
//! entries), their snapshots from the read model, one row each — so every export reads
//! suppliers the way the rest of the product does.

use super::search::{self, full_codes};
use super::shortlists;
use super::snapshots;
use super::views::RegistryViews;
use crate::error::ServiceResult;
use crate::state::Env;
use domain::accounts::Actor;
use domain::registry::dto::SearchQuery;
use domain::registry::SupplierSnapshot;
use sea_orm::ConnectionTrait;

/// The most rows one CSV export carries.
pub const EXPORT_CAP: usize = 10_000;

/// One supplier as exported, in the CSV's column order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub name: String,
    pub legal_form: String,
    pub size: Option<String>,
    pub postcode: Option<String>,
    pub town: String,
    pub distance_km: Option<f64>,
    /// Full CPV codes separated by `;`.
    pub cpv: String,
    pub website: String,
    pub email: String,
    pub verified: bool,
    pub social_economy: bool,
    pub profile_url: String,
}

/// Every result of a search (up to [`EXPORT_CAP`]), in the search's order.
///
/// # Errors
/// `Forbidden` unless the actor may search; the search's own field errors.
pub async fn search_rows(
    db: &impl ConnectionTrait,
    env: &Env,
    views: &RegistryViews,
    actor: &Actor,
    query: &SearchQuery,
) -> ServiceResult<Vec<ExportRow>> {
    let matches = search::all_matches(db, env, views, actor, query, EXPORT_CAP).await?;
    let ids: Vec<i64> = matches.iter().map(|(id, _)| *id).collect();
    let found = snapshots::snapshots(db, &ids).await?;
    let mut distances: std::collections::HashMap<i64, Option<f64>> = matches.into_iter().collect();
    Ok(found
        .into_iter()
        .filter(SupplierSnapshot::is_searchable)
        .map(|s| {
            let distance = distances.remove(&s.id).flatten();
            row(env, s, distance)
        })
        .collect())
}

/// The searchable suppliers of a shortlist the actor may see, in the order they were
/// added, with the shortlist's name (for the file name).
///
/// # Errors
/// `NotFound` unless the shortlist is visible.
pub async fn shortlist_rows(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    id: i64,
) -> ServiceResult<(String, Vec<ExportRow>)> {
    let (name, ids) = shortlists::supplier_ids(db, actor, id, EXPORT_CAP).await?;
    let rows = snapshots::snapshots(db, &ids)
        .await?
        .into_iter()
        .filter(SupplierSnapshot::is_searchable)
        .map(|s| row(env, s, None))
        .collect();
    Ok((name, rows))
}

fn row(env: &Env, s: SupplierSnapshot, distance_km: Option<f64>) -> ExportRow {
    let base = env.config.base_url.trim_end_matches('/');
    ExportRow {
        id: s.id,
        cpv: full_codes(&env.cpv, &s).join(";"),
        legal_form: s
            .legal_form
            .map(|f| f.slug().to_owned())
            .unwrap_or_default(),
        size: s.size.map(|c| c.slug().to_owned()),
        profile_url: format!("{base}/suppliers/{}", s.id),
        name: s.name,
        postcode: s.postcode,
        town: s.town,
        distance_km,
        website: s.website,
        email: s.email,
        verified: s.verified,
        social_economy: s.social_economy,
    }
}
