//! A supplier's opportunities: the open lots it is eligible for, best fit first, and the
//! lots it nearly fits, under the lot planner's rules (`domain::tendering::opportunities`).
//!
//! An **open lot** is a lot of a published tender — drafted here or imported from another
//! portal — whose deadline has not passed (a tender without a deadline stays open until
//! it is closed or cancelled).
//!
//! Open lots are kept compiled in memory ([`OpenLots`]): their lines with CPV codes and
//! delivery centroids, value, buyer and deadline, so a supplier's page is one pass over
//! them with no query per lot. The catalogue is keyed by a **fingerprint** of the
//! published tenders — how many there are and the latest `updated_at` among them — read
//! with one indexed aggregate query per request: publishing, closing, cancelling and
//! importing all change a tender's status or `updated_at`, so any process sees any
//! process's change at its next request and rebuilds (one load of the published tenders'
//! lots and lines), and no write path has to remember to invalidate it. Deadlines are
//! compared at request time, so a lot leaves the list the moment its deadline passes.

use super::market::{lines_and_area, Market};
use super::tenders::{self, Loaded};
use crate::entities::{lot_interest, organisation, tender, tender_item, tender_lot};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::state::Env;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::accounts::Actor;
use domain::registry::SupplierSnapshot;
use domain::tendering::opportunities::{assess, OpenLot, Verdict};
use domain::tendering::opportunity_views::{OpportunitiesView, OpportunityQuery, OpportunityView};
use domain::tendering::{LocalArea, TenderStatus};
use domain::text::Gbp;
use domain::validation::FieldErrors;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};

/// One open lot with what the pages show about it.
#[derive(Debug, Clone)]
pub struct LotEntry {
    pub lot: OpenLot,
    pub lot_title: String,
    pub tender_title: String,
    pub buyer: String,
    /// The organisation that owns the tender here.
    pub organisation_id: i64,
    pub deadline: Option<DateTime<Utc>>,
    pub source: String,
    /// The tender's local area (who counts as local for it).
    pub area: LocalArea,
    /// Every line of the lot (with or without a CPV code): id, description, CPV.
    pub lines: Vec<(i64, String, String)>,
}

impl LotEntry {
    /// Still open at `at`: no deadline, or a deadline after `at`.
    #[must_use]
    pub fn open_at(&self, at: DateTime<Utc>) -> bool {
        self.deadline.is_none_or(|d| d > at)
    }
}

/// What the catalogue was built from: the published tenders' count and latest change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint {
    count: i64,
    latest: Option<DateTime<Utc>>,
}

/// The lots of every published tender, compiled.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub lots: Vec<LotEntry>,
    by_id: HashMap<i64, usize>,
}

impl Catalogue {
    /// The lot with this id, if its tender is published.
    #[must_use]
    pub fn get(&self, lot_id: i64) -> Option<&LotEntry> {
        self.by_id.get(&lot_id).map(|&i| &self.lots[i])
    }
}

/// The open lots in memory, shared by every request of a process.
#[derive(Default)]
pub struct OpenLots {
    current: RwLock<Option<(Fingerprint, Arc<Catalogue>)>>,
    /// One rebuild at a time; requests arriving meanwhile wait for it rather than repeat it.
    rebuilding: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for OpenLots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenLots").finish_non_exhaustive()
    }
}

impl OpenLots {
    /// An empty cache; the first question builds it.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn cached(&self, fp: Fingerprint) -> Option<Arc<Catalogue>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|(have, _)| *have == fp)
            .map(|(_, c)| c.clone())
    }

    /// The catalogue as the database stands now: the cached one when the published
    /// tenders have not changed since it was built, else a fresh one.
    ///
    /// # Errors
    /// Database failures.
    pub async fn current(
        &self,
        db: &impl ConnectionTrait,
        env: &Env,
    ) -> ServiceResult<Arc<Catalogue>> {
        let fp = fingerprint(db).await?;
        if let Some(c) = self.cached(fp) {
            return Ok(c);
        }
        let _one = self.rebuilding.lock().await;
        let fp = fingerprint(db).await?;
        if let Some(c) = self.cached(fp) {
            return Ok(c);
        }
        let built = Arc::new(build(db, env).await?);
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some((fp, built.clone()));
        Ok(built)
    }
}

async fn fingerprint(db: &impl ConnectionTrait) -> ServiceResult<Fingerprint> {
    let row: Option<(i64, Option<DateTime<Utc>>)> = tender::Entity::find()
        .select_only()
        .column_as(tender::Column::Id.count(), "count")
        .column_as(tender::Column::UpdatedAt.max(), "latest")
        .filter(tender::Column::Status.eq(TenderStatus::Published.slug()))
        .into_tuple()
        .one(db)
        .await?;
    let (count, latest) = row.unwrap_or((0, None));
    Ok(Fingerprint { count, latest })
}

const CHUNK: usize = 900;

/// Loads every published tender's lots and lines and compiles them.
async fn build(db: &impl ConnectionTrait, env: &Env) -> ServiceResult<Catalogue> {
    let tenders = tender::Entity::find()
        .filter(tender::Column::Status.eq(TenderStatus::Published.slug()))
        .all(db)
        .await?;
    let ids: Vec<i64> = tenders.iter().map(|t| t.id).collect();
    let mut items: HashMap<i64, Vec<tender_item::Model>> = HashMap::new();
    let mut lots: HashMap<i64, Vec<tender_lot::Model>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for it in tender_item::Entity::find()
            .filter(tender_item::Column::TenderId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            items.entry(it.tender_id).or_default().push(it);
        }
        for l in tender_lot::Entity::find()
            .filter(tender_lot::Column::TenderId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            lots.entry(l.tender_id).or_default().push(l);
        }
    }
    let org_ids: HashSet<i64> = tenders.iter().map(|t| t.organisation_id).collect();
    let mut orgs: HashMap<i64, String> = HashMap::new();
    let org_ids: Vec<i64> = org_ids.into_iter().collect();
    for chunk in org_ids.chunks(CHUNK) {
        for o in organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            orgs.insert(o.id, o.name);
        }
    }
    let mut out = Catalogue::default();
    for t in tenders {
        let mut its = items.remove(&t.id).unwrap_or_default();
        its.sort_by_key(|i| (i.position, i.id));
        let mut ls = lots.remove(&t.id).unwrap_or_default();
        ls.sort_by_key(|l| (l.position, l.id));
        let buyer = t
            .buyer_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| orgs.get(&t.organisation_id).cloned())
            .unwrap_or_default();
        let loaded = Loaded {
            tender: t,
            items: its,
            lots: ls,
        };
        for entry in compile(env, &loaded, &buyer) {
            out.by_id.insert(entry.lot.lot_id, out.lots.len());
            out.lots.push(entry);
        }
    }
    Ok(out)
}

/// A tender's lots as open lots: each lot's lines (those with a CPV code are matched),
/// its value (the lines' sum; for a tender of one lot whose lines state no value, the
/// tender's estimate), and the centre of the buyer's area.
fn compile(env: &Env, loaded: &Loaded, buyer: &str) -> Vec<LotEntry> {
    let (lines, _, area) = lines_and_area(env, loaded);
    let centre = area_centre(env, &area);
    let single = loaded.lots.len() == 1;
    loaded
        .lots
        .iter()
        .map(|l| {
            let mine: Vec<&tender_item::Model> = loaded
                .items
                .iter()
                .filter(|i| i.lot_id == Some(l.id))
                .collect();
            let ids: HashSet<i64> = mine.iter().map(|i| i.id).collect();
            let stated: Vec<u64> = mine
                .iter()
                .filter_map(|i| i.value_gbp.and_then(|v| u64::try_from(v).ok()))
                .collect();
            let value = if stated.is_empty() {
                single
                    .then(|| {
                        loaded
                            .tender
                            .estimated_value_gbp
                            .and_then(|v| u64::try_from(v).ok())
                    })
                    .flatten()
                    .map(Gbp::new)
            } else {
                Some(Gbp::new(
                    stated.iter().fold(0u64, |a, v| a.saturating_add(*v)),
                ))
            };
            LotEntry {
                lot: OpenLot {
                    lot_id: l.id,
                    tender_id: loaded.tender.id,
                    lines: lines
                        .iter()
                        .filter(|x| ids.contains(&x.id))
                        .cloned()
                        .collect(),
                    value,
                    centre,
                },
                lot_title: l.title.clone(),
                tender_title: loaded.tender.title.clone(),
                buyer: buyer.to_owned(),
                organisation_id: loaded.tender.organisation_id,
                deadline: loaded.tender.deadline,
                source: loaded.tender.source.clone(),
                area: area.clone(),
                lines: mine
                    .iter()
                    .map(|i| {
                        (
                            i.id,
                            i.description.clone(),
                            i.cpv.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The centre of a local area: its point for a radius, the mean of its outcodes'
/// centroids for a list (none when none is known).
fn area_centre(env: &Env, area: &LocalArea) -> Option<(f64, f64)> {
    match area {
        LocalArea::Near { lat, lon, .. } => Some((*lat, *lon)),
        LocalArea::Outcodes(outcodes) => {
            let points: Vec<(f64, f64)> = outcodes
                .iter()
                .filter_map(|o| env.outcodes.get(o))
                .map(|i| (i.lat, i.lon))
                .collect();
            #[expect(clippy::cast_precision_loss, reason = "at most 500 outcodes")]
            let n = points.len() as f64;
            (!points.is_empty()).then(|| {
                let (a, b) = points
                    .iter()
                    .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
                (a / n, b / n)
            })
        }
    }
}

/// The supplier whose opportunities the actor may see: its own (a supplier user), or any
/// (an admin naming one).
///
/// # Errors
/// `Forbidden` for anyone else, or an admin naming none.
pub fn supplier_of(actor: &Actor, asked: Option<i64>) -> ServiceResult<i64> {
    match (asked, actor.supplier_organisation()) {
        (Some(id), _) if actor.is_active_admin() => Ok(id),
        (Some(id), Some(own)) if id == own => Ok(own),
        (None, Some(own)) => Ok(own),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The filters, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    min_value: Option<Gbp>,
    max_value: Option<Gbp>,
    deadline_before: Option<DateTime<Utc>>,
    within_km: Option<f64>,
    buyer: Option<String>,
}

fn blank(s: Option<&String>) -> Option<&str> {
    s.map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn filters(q: &OpportunityQuery) -> ServiceResult<Filters> {
    let mut errors = FieldErrors::new();
    let mut money = |field: &str, raw: Option<&String>| {
        blank(raw).and_then(|s| match Gbp::parse(s) {
            Ok(g) => Some(g),
            Err(e) => {
                errors.add(field, e.to_string());
                None
            }
        })
    };
    let min_value = money("min_value", q.min_value.as_ref());
    let max_value = money("max_value", q.max_value.as_ref());
    let deadline_before = blank(q.deadline_before.as_ref()).and_then(|s| {
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            // "before 2027-01-31" keeps deadlines during that day.
            Ok(d) => d
                .succ_opt()
                .map(|next| next.and_time(NaiveTime::MIN).and_utc()),
            Err(_) => {
                errors.add(
                    "deadline_before",
                    "enter a date as YYYY-MM-DD, like 2027-01-31",
                );
                None
            }
        }
    });
    let within_km = blank(q.within_km.as_ref()).and_then(|s| match s.parse::<f64>() {
        Ok(km) if km.is_finite() && km > 0.0 && km <= 1_000.0 => Some(km),
        _ => {
            errors.add("within_km", "enter a distance in km between 1 and 1000");
            None
        }
    });
    if let (Some(a), Some(b)) = (min_value, max_value) {
        if a > b {
            errors.add("max_value", "the largest value is below the smallest");
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    Ok(Filters {
        min_value,
        max_value,
        deadline_before,
        within_km,
        buyer: blank(q.buyer.as_ref()).map(str::to_lowercase),
    })
}

impl Filters {
    fn keeps(&self, e: &LotEntry, distance_km: Option<f64>) -> bool {
        let value = e.lot.value;
        self.min_value
            .is_none_or(|min| value.is_some_and(|v| v >= min))
            && self
                .max_value
                .is_none_or(|max| value.is_some_and(|v| v <= max))
            && self
                .deadline_before
                .is_none_or(|before| e.deadline.is_some_and(|d| d < before))
            && self
                .within_km
                .is_none_or(|km| distance_km.is_some_and(|d| d <= km))
            && self
                .buyer
                .as_ref()
                .is_none_or(|b| e.buyer.to_lowercase().contains(b))
    }
}

/// The supplier's snapshot as buyers see it, when it is searchable (from the in-memory
/// pool, built on first use).
///
/// # Errors
/// Database or projection failures.
pub async fn listed_snapshot(
    db: &impl ConnectionTrait,
    market: Market<'_>,
    supplier_id: i64,
) -> ServiceResult<Option<SupplierSnapshot>> {
    market.pool.ready(market.views, db).await?;
    Ok(market.pool.read().get(&supplier_id).cloned())
}

/// Matches one supplier against the open lots: every lot it is eligible for, best fit
/// first (ties: the sooner deadline, then the lot id), and every near miss, best fit
/// first; both filtered by `q`. Also the number of open lots looked at.
///
/// # Errors
/// `Validation` naming a filter that does not parse.
pub fn matches(
    supplier: &SupplierSnapshot,
    catalogue: &Catalogue,
    at: DateTime<Utc>,
    interested: &HashSet<i64>,
    q: &OpportunityQuery,
) -> ServiceResult<(Vec<OpportunityView>, Vec<OpportunityView>, u64)> {
    let f = filters(q)?;
    let mut eligible = Vec::new();
    let mut near = Vec::new();
    let mut open = 0u64;
    for e in catalogue.lots.iter().filter(|e| e.open_at(at)) {
        open += 1;
        let (reasons, fit, missed) = match assess(supplier, &e.lot) {
            Verdict::NoMatch => continue,
            Verdict::Eligible { reasons, fit } => (reasons, fit, None),
            Verdict::NearMiss {
                missed,
                reasons,
                fit,
            } => (reasons, fit, Some(missed)),
        };
        if !f.keeps(e, reasons.distance_km) {
            continue;
        }
        let view = OpportunityView {
            lot_id: e.lot.lot_id,
            tender_id: e.lot.tender_id,
            lot_title: e.lot_title.clone(),
            tender_title: e.tender_title.clone(),
            buyer: e.buyer.clone(),
            value_gbp: e.lot.value.map(Gbp::pounds),
            deadline: e.deadline.map(tenders::rfc3339),
            reasons: reasons.sentences(),
            evidence: reasons,
            fit: (fit * 1000.0).round() / 1000.0,
            source: e.source.clone(),
            interested: interested.contains(&e.lot.lot_id),
            missed_reason: missed.as_ref().map(|m| m.sentence()),
            missed,
        };
        if view.missed.is_some() {
            near.push((fit, e.deadline, view));
        } else {
            eligible.push((fit, e.deadline, view));
        }
    }
    let order = |a: &(f64, Option<DateTime<Utc>>, OpportunityView),
                 b: &(f64, Option<DateTime<Utc>>, OpportunityView)| {
        b.0.total_cmp(&a.0)
            .then_with(|| match (a.1, b.1) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.2.lot_id.cmp(&b.2.lot_id))
    };
    eligible.sort_by(order);
    near.sort_by(order);
    Ok((
        eligible.into_iter().map(|x| x.2).collect(),
        near.into_iter().map(|x| x.2).collect(),
        open,
    ))
}

/// The lots a supplier has marked interest in.
///
/// # Errors
/// Database failures.
pub async fn interested_lots(
    db: &impl ConnectionTrait,
    supplier_id: i64,
) -> ServiceResult<HashSet<i64>> {
    Ok(lot_interest::Entity::find()
        .select_only()
        .column(lot_interest::Column::LotId)
        .filter(lot_interest::Column::SupplierId.eq(supplier_id))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// A supplier's opportunities (see [`matches`]). A supplier whose profile buyers cannot
/// see (a draft, or suspended) is matched to nothing and told so with `listed: false`.
///
/// # Errors
/// `Forbidden` unless the actor is a user of that supplier or an admin; `Validation`
/// naming a bad filter; database failures.
pub async fn for_supplier(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    open: &OpenLots,
    actor: &Actor,
    q: &OpportunityQuery,
) -> ServiceResult<OpportunitiesView> {
    let supplier_id = supplier_of(actor, q.supplier_id)?;
    let Some(supplier) = listed_snapshot(db, market, supplier_id).await? else {
        filters(q)?;
        return Ok(OpportunitiesView {
            supplier_id,
            listed: false,
            opportunities: Vec::new(),
            near_misses: Vec::new(),
            open_lots: 0,
        });
    };
    let catalogue = open.current(db, env).await?;
    let interested = interested_lots(db, supplier_id).await?;
    let (opportunities, near_misses, open_lots) =
        matches(&supplier, &catalogue, now(), &interested, q)?;
    Ok(OpportunitiesView {
        supplier_id,
        listed: true,
        opportunities,
        near_misses,
        open_lots,
    })
}
