//! Supplier search: validates a `SearchQuery` (the page's URL and the API's query string
//! alike), asks the search index, and fills the page of results from the registry's read
//! model. When nothing matches, it works out which filter emptied the set and offers wider
//! searches. Only active buyers and admins may search; the service checks.

use super::snapshots;
use super::views::RegistryViews;
use crate::error::{ServiceError, ServiceResult};
use crate::state::Env;
use anchorlink_search::{days_from_civil, IndexQuery, SortOrder};
use chrono::Datelike;
use domain::accounts::Actor;
use domain::cpv::{CpvCatalogue, CpvCode};
use domain::place::parse_place;
use domain::registry::dto::{Facets, SearchQuery, SearchResults, SupplierHit, Widening};
use domain::registry::{AccreditationKind, LegalForm, SizeClass, SupplierSnapshot};
use domain::text::Gbp;
use domain::validation::FieldErrors;
use sea_orm::ConnectionTrait;

pub const DEFAULT_PER_PAGE: u64 = 20;
pub const MAX_PER_PAGE: u64 = 100;
/// Radius used when a buyer gives a place but no distance.
pub const DEFAULT_RADIUS_KM: f64 = 25.0;
/// How deep result pages go; a CSV export can take more.
pub const MAX_RESULTS: u64 = 10_000;

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn list(v: &Option<String>) -> Vec<&str> {
    present(v)
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn flag(v: &Option<String>) -> bool {
    matches!(present(v), Some("true" | "1" | "on" | "yes"))
}

/// A validated search: the index query plus paging.
#[derive(Debug, Clone)]
pub struct Search {
    pub index: IndexQuery,
    pub page: u64,
    pub per_page: u64,
}

/// Checks every parameter, naming each bad one.
///
/// # Errors
/// `Validation` with one message per bad parameter.
pub fn parse_query(env: &Env, q: &SearchQuery) -> ServiceResult<Search> {
    let mut errors = FieldErrors::new();
    let mut iq = IndexQuery {
        text: present(&q.q).map(str::to_owned),
        ..IndexQuery::default()
    };
    if let Some(code) = present(&q.cpv) {
        match env.cpv.validate(code) {
            Ok(entry) => iq.cpv = Some(entry.code),
            Err(e) => errors.add("cpv", e.to_string()),
        }
    }
    if let Some(near) = present(&q.near) {
        match parse_place(near)
            .map_err(|e| e.to_string())
            .and_then(|p| env.outcodes.resolve(&p).map_err(|e| e.to_string()))
        {
            Ok(info) => iq.near = Some((info.lat, info.lon)),
            Err(e) => errors.add("near", e),
        }
    }
    if let Some(km) = present(&q.within_km) {
        match km.parse::<f64>() {
            Ok(v) if v > 0.0 && v <= 1500.0 => iq.within_km = Some(v),
            _ => errors.add(
                "within_km",
                "Distance must be a number of kilometres from 1 to 1500",
            ),
        }
        if present(&q.near).is_none() {
            errors.add(
                "near",
                "Give a postcode or outcode to measure the distance from",
            );
        }
    }
    if iq.near.is_some() && iq.within_km.is_none() {
        iq.within_km = Some(DEFAULT_RADIUS_KM);
    }
    for form in list(&q.legal_form) {
        match LegalForm::from_slug(form) {
            Some(f) => iq.legal_forms.push(f.slug().to_owned()),
            None => errors.add("legal_form", format!("Unknown legal form: {form}")),
        }
    }
    for size in list(&q.size) {
        match SizeClass::from_slug(size) {
            Some(v) => iq.sizes.push(v.slug().to_owned()),
            None => errors.add("size", "Size must be micro, small, medium or large"),
        }
    }
    for kind in list(&q.accreditation) {
        match AccreditationKind::from_slug(kind) {
            Some(k) => iq.accreditations.push(k.slug().to_owned()),
            None => errors.add("accreditation", format!("Unknown accreditation: {kind}")),
        }
    }
    if let Some(date) = present(&q.valid_on) {
        match chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) => {
                iq.accreditations_valid_on = Some(days_from_civil(d.year(), d.month(), d.day()))
            }
            Err(_) => errors.add("valid_on", "Give the date as YYYY-MM-DD, like 2027-04-01"),
        }
    }
    iq.verified_only = flag(&q.verified);
    iq.social_economy_only = flag(&q.social_economy);
    if let Some(v) = present(&q.min_capacity) {
        match Gbp::parse(v).map(|g| i64::try_from(g.pounds())) {
            Ok(Ok(v)) => iq.min_capacity_gbp = Some(v),
            _ => errors.add(
                "min_capacity",
                "Give a contract value in pounds, like 250000 or 250k",
            ),
        }
    }
    for area in list(&q.area) {
        match parse_place(area)
            .map_err(|e| e.to_string())
            .and_then(|p| env.outcodes.resolve(&p).map_err(|e| e.to_string()))
        {
            Ok(info) => iq.outcodes.push(info.outcode.to_string()),
            Err(e) => errors.add("area", e),
        }
    }
    iq.sort = match present(&q.sort) {
        None | Some("relevance") => SortOrder::Relevance,
        Some("distance") if iq.near.is_some() => SortOrder::Distance,
        Some("distance") => {
            errors.add(
                "sort",
                "Sorting by distance needs a postcode to measure from",
            );
            SortOrder::Relevance
        }
        Some("name") => SortOrder::Name,
        Some("updated") => SortOrder::Updated,
        Some(_) => {
            errors.add("sort", "Sort by relevance, distance, name or updated");
            SortOrder::Relevance
        }
    };
    let mut page = 1;
    if let Some(p) = present(&q.page) {
        match p.parse::<u64>() {
            Ok(v) if v >= 1 => page = v,
            _ => errors.add("page", "Page must be a whole number from 1"),
        }
    }
    let mut per_page = DEFAULT_PER_PAGE;
    if let Some(pp) = present(&q.per_page) {
        match pp.parse::<u64>() {
            Ok(v) if (1..=MAX_PER_PAGE).contains(&v) => per_page = v,
            _ => errors.add(
                "per_page",
                format!("Results per page must be from 1 to {MAX_PER_PAGE}"),
            ),
        }
    }
    if page.saturating_mul(per_page) > MAX_RESULTS {
        errors.add(
            "page",
            format!("Results go {MAX_RESULTS} deep; narrow the search"),
        );
    }
    iq.offset = usize::try_from((page - 1) * per_page).unwrap_or(0);
    iq.limit = usize::try_from(per_page).unwrap_or(20);
    errors
        .into_result(Search {
            index: iq,
            page,
            per_page,
        })
        .map_err(ServiceError::Validation)
}

/// Runs an index query off the async runtime (it is CPU work).
async fn run(
    views: &RegistryViews,
    q: IndexQuery,
) -> ServiceResult<anchorlink_search::SearchResults> {
    let index = views.index().clone();
    tokio::task::spawn_blocking(move || index.engine().search(&q))
        .await
        .map_err(|e| ServiceError::Unexpected(e.into()))?
        .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("search index: {e}")))
}

async fn count(views: &RegistryViews, q: IndexQuery) -> ServiceResult<u64> {
    let index = views.index().clone();
    tokio::task::spawn_blocking(move || index.engine().count(&q))
        .await
        .map_err(|e| ServiceError::Unexpected(e.into()))?
        .map_err(|e| ServiceError::Unexpected(anyhow::anyhow!("search index: {e}")))
}

/// The index as this process last wrote it: catches up on this process's own writes
/// first (in memory; no query unless it wrote), so an edit is searchable at once here.
async fn current(views: &RegistryViews, db: &impl ConnectionTrait) -> ServiceResult<()> {
    views.fresh(db).await.map_err(ServiceError::Unexpected)
}

fn ensure_can_search(actor: &Actor) -> ServiceResult<()> {
    if actor.can_search() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Runs a search over the searchable suppliers, for an active buyer or admin.
///
/// # Errors
/// `Forbidden` for anyone else; bad parameters; internal failures.
pub async fn search(
    db: &impl ConnectionTrait,
    env: &Env,
    views: &RegistryViews,
    actor: &Actor,
    q: &SearchQuery,
) -> ServiceResult<SearchResults> {
    refuse_depth_parameters(q)?;
    search_among(db, env, views, actor, q, None).await
}

/// A tender's market-depth list needs the tender's suppliers
/// (`services::tendering::market::search_suppliers`); a search that ignored the
/// parameters would list everyone under the tender's name.
fn refuse_depth_parameters(q: &SearchQuery) -> ServiceResult<()> {
    if [&q.tender, &q.line, &q.kind]
        .into_iter()
        .any(|v| present(v).is_some())
    {
        return Err(ServiceError::field(
            "tender",
            "a tender's market-depth list is searched with the tender's suppliers; \
             this search does not take tender, line or kind",
        ));
    }
    Ok(())
}

/// Runs a search among `among` only (`None`: every searchable supplier): the same
/// filters, paging, sorting, facets and total, over that set.
///
/// # Errors
/// As [`search`].
pub async fn search_among(
    db: &impl ConnectionTrait,
    env: &Env,
    views: &RegistryViews,
    actor: &Actor,
    q: &SearchQuery,
    among: Option<Vec<i64>>,
) -> ServiceResult<SearchResults> {
    ensure_can_search(actor)?;
    let mut s = parse_query(env, q)?;
    s.index.among = among;
    current(views, db).await?;
    let found = run(views, s.index.clone()).await?;
    let results = fill(db, &env.cpv, &found.hits).await?;
    let f = found.facets;
    let facets = Facets {
        legal_form: f.legal_form,
        size: f.size,
        accreditation: f.accreditations,
        verified: f.verified.get(&true).copied().unwrap_or(0),
        social_economy: f.social_economy.get(&true).copied().unwrap_or(0),
        cpv_division: f
            .cpv_division
            .into_iter()
            .map(|(d, n)| (format!("{d:0<8}"), n))
            .collect(),
        cpv_children: f
            .cpv_children
            .into_iter()
            .map(|(code, n)| {
                let label = CpvCode::parse(&code)
                    .ok()
                    .and_then(|c| env.cpv.get(&c))
                    .map(|e| e.label)
                    .unwrap_or_default();
                (code, label, n)
            })
            .collect(),
    };
    let widen = if found.total == 0 {
        widenings(env, views, q, &s).await?
    } else {
        Vec::new()
    };
    Ok(SearchResults {
        total: found.total,
        page: s.page,
        per_page: s.per_page,
        results,
        facets,
        widen,
        banner: None,
    })
}

/// Every match of a search, best first, up to `cap`: supplier ids with their distance
/// from the search's place (rounded to 100 m). For exports, which then read the
/// suppliers through the read model.
///
/// # Errors
/// As [`search`].
pub async fn all_matches(
    db: &impl ConnectionTrait,
    env: &Env,
    views: &RegistryViews,
    actor: &Actor,
    q: &SearchQuery,
    cap: usize,
) -> ServiceResult<Vec<(i64, Option<f64>)>> {
    ensure_can_search(actor)?;
    refuse_depth_parameters(q)?;
    let first_page = SearchQuery {
        page: None,
        per_page: None,
        ..q.clone()
    };
    let mut s = parse_query(env, &first_page)?;
    s.index.offset = 0;
    s.index.limit = cap;
    current(views, db).await?;
    let found = run(views, s.index).await?;
    Ok(found
        .hits
        .into_iter()
        .map(|h| (h.id, h.distance_km.map(round_km)))
        .collect())
}

/// Distances are shown to 100 m: outcode centroids are no more precise than that.
fn round_km(d: f64) -> f64 {
    (d * 10.0).round() / 10.0
}

/// A supplier's CPV codes as people read them: with check digits, in order.
pub fn full_codes(cpv: &CpvCatalogue, s: &SupplierSnapshot) -> Vec<String> {
    let mut codes: Vec<String> = s
        .cpv
        .iter()
        .map(|c| {
            cpv.get(c)
                .map_or_else(|| c.as_str().to_owned(), |e| e.full_code())
        })
        .collect();
    codes.sort();
    codes
}

/// Display fields for a page of hits, from the read model, in the index's order.
async fn fill(
    db: &impl ConnectionTrait,
    cpv: &CpvCatalogue,
    hits: &[anchorlink_search::Hit],
) -> ServiceResult<Vec<SupplierHit>> {
    let ids: Vec<i64> = hits.iter().map(|h| h.id).collect();
    let mut found: std::collections::HashMap<i64, SupplierSnapshot> =
        snapshots::snapshots(db, &ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
    Ok(hits
        .iter()
        .filter_map(|h| {
            // A supplier can vanish between index and database (deleted since): skip it.
            let s = found.remove(&h.id)?;
            Some(SupplierHit {
                id: h.id,
                cpv: full_codes(cpv, &s),
                legal_form: s
                    .legal_form
                    .map(|f| f.slug().to_owned())
                    .unwrap_or_default(),
                size: s.size.map(|c| c.slug().to_owned()),
                distance_km: h.distance_km.map(round_km),
                name: s.name,
                trading_name: s.trading_name,
                postcode: s.postcode,
                town: s.town,
                capability_statement: s.capability_statement,
                social_economy: s.social_economy,
                verified: s.verified,
                snippet_html: h.snippet_html.clone(),
                reasons: h.reasons.clone(),
                score: h.score,
            })
        })
        .collect())
}

/// For an empty result: each filter that alone emptied the set, and wider searches
/// (the parent CPV code, a larger radius) that find suppliers.
async fn widenings(
    env: &Env,
    views: &RegistryViews,
    q: &SearchQuery,
    s: &Search,
) -> ServiceResult<Vec<Widening>> {
    let mut out = Vec::new();
    let base = SearchQuery {
        page: None,
        ..q.clone()
    };
    let try_without = |name: &str, query: SearchQuery, iq: IndexQuery| (name.to_owned(), query, iq);
    let mut candidates = Vec::new();
    let iq = &s.index;
    if iq.text.is_some() {
        candidates.push(try_without(
            "the words",
            SearchQuery {
                q: None,
                ..base.clone()
            },
            IndexQuery {
                text: None,
                ..iq.clone()
            },
        ));
    }
    if let Some(code) = iq.cpv.as_deref().and_then(|c| CpvCode::parse(c).ok()) {
        if let Some(parent) = env.cpv.parent(&code) {
            candidates.push(try_without(
                &format!(
                    "a broader CPV code ({} {})",
                    parent.full_code(),
                    parent.label
                ),
                SearchQuery {
                    cpv: Some(parent.code.clone()),
                    ..base.clone()
                },
                IndexQuery {
                    cpv: Some(parent.code.clone()),
                    ..iq.clone()
                },
            ));
        }
    }
    if let Some(km) = iq.within_km {
        let wider = (km * 2.0).min(1500.0);
        candidates.push(try_without(
            &format!("a {wider:.0} km radius"),
            SearchQuery {
                within_km: Some(format!("{wider:.0}")),
                ..base.clone()
            },
            IndexQuery {
                within_km: Some(wider),
                ..iq.clone()
            },
        ));
    }
    if !iq.legal_forms.is_empty() {
        candidates.push(try_without(
            "the legal form filter",
            SearchQuery {
                legal_form: None,
                ..base.clone()
            },
            IndexQuery {
                legal_forms: vec![],
                ..iq.clone()
            },
        ));
    }
    if !iq.sizes.is_empty() {
        candidates.push(try_without(
            "the size filter",
            SearchQuery {
                size: None,
                ..base.clone()
            },
            IndexQuery {
                sizes: vec![],
                ..iq.clone()
            },
        ));
    }
    if !iq.accreditations.is_empty() || iq.accreditations_valid_on.is_some() {
        candidates.push(try_without(
            "the accreditation filter",
            SearchQuery {
                accreditation: None,
                valid_on: None,
                ..base.clone()
            },
            IndexQuery {
                accreditations: vec![],
                accreditations_valid_on: None,
                ..iq.clone()
            },
        ));
    }
    if iq.verified_only {
        candidates.push(try_without(
            "“verified only”",
            SearchQuery {
                verified: None,
                ..base.clone()
            },
            IndexQuery {
                verified_only: false,
                ..iq.clone()
            },
        ));
    }
    if iq.social_economy_only {
        candidates.push(try_without(
            "“social economy only”",
            SearchQuery {
                social_economy: None,
                ..base.clone()
            },
            IndexQuery {
                social_economy_only: false,
                ..iq.clone()
            },
        ));
    }
    if iq.min_capacity_gbp.is_some() {
        candidates.push(try_without(
            "the capacity filter",
            SearchQuery {
                min_capacity: None,
                ..base.clone()
            },
            IndexQuery {
                min_capacity_gbp: None,
                ..iq.clone()
            },
        ));
    }
    if !iq.outcodes.is_empty() {
        candidates.push(try_without(
            "the named areas",
            SearchQuery {
                area: None,
                ..base.clone()
            },
            IndexQuery {
                outcodes: vec![],
                ..iq.clone()
            },
        ));
    }
    for (what, query, iq) in candidates {
        let total = count(views, iq).await?;
        if total > 0 {
            let verb = if what.starts_with("a ") {
                "With"
            } else {
                "Without"
            };
            out.push(Widening {
                message: format!(
                    "{verb} {what}: {total} supplier{}",
                    if total == 1 { "" } else { "s" }
                ),
                query,
                total,
            });
        }
    }
    if out.is_empty() && iq.text.is_some() {
        // Several filters together emptied the set: offer the words alone.
        let words_only = IndexQuery {
            text: iq.text.clone(),
            limit: iq.limit,
            ..IndexQuery::default()
        };
        let total = count(views, words_only).await?;
        if total > 0 {
            out.push(Widening {
                message: format!(
                    "Only the words, without any filter: {total} supplier{}",
                    if total == 1 { "" } else { "s" }
                ),
                query: SearchQuery {
                    q: q.q.clone(),
                    ..SearchQuery::default()
                },
                total,
            });
        }
    }
    Ok(out)
}
