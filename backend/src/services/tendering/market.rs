//! Market depth, the lot planner and the evaluation of a buyer's lots, for a stored
//! tender: its lines and local area are compiled with `domain::tendering::TenderMarket`
//! against the in-memory supplier pool ([`super::pool`]), off the async runtime.
//!
//! Lines that cannot be planned — imported lines without a CPV code — are left out and
//! named in the answer; a line without a value counts as £0.

use super::tenders::{self, Loaded};
use crate::error::{ServiceError, ServiceResult};
use crate::services::registry::pool::SupplierPool;
use crate::services::registry::search;
use crate::services::registry::views::RegistryViews;
use crate::state::{AppState, Env};
use domain::accounts::Actor;
use domain::cpv::CpvCode;
use domain::place::{parse_place, Outcode};
use domain::registry::dto::{SearchQuery, SearchResults};
use domain::tendering::dto::{
    DepthKind, DepthLinks, DepthRow, LocalAreaInput, LotsEvaluation, LotsInput, MarketView,
    PlanRequest, PlanResponse,
};
use domain::tendering::{
    DeliveryPlace, DepthFilters, LocalArea, LotDraft, PlanConstraints, PlanOutcome, SupplierFilter,
    TenderLine, TenderMarket, MAX_LINES,
};
use domain::text::Gbp;
use domain::validation::FieldErrors;
use sea_orm::ConnectionTrait;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where the registry's suppliers come from for tender questions.
#[derive(Clone, Copy)]
pub struct Market<'a> {
    pub views: &'a RegistryViews,
    pub pool: &'a Arc<SupplierPool>,
}

impl<'a> Market<'a> {
    /// The process's views and supplier pool.
    #[must_use]
    pub fn of(state: &'a AppState) -> Self {
        Self {
            views: &state.views,
            pool: &state.suppliers,
        }
    }
}

/// A tender compiled against the registry, and the lines left out.
pub struct Compiled {
    pub market: TenderMarket,
    pub left_out: Vec<i64>,
}

/// The tender's lines as the planner sees them (lines without a CPV code left out) and its
/// local area (none stated: nobody is local).
#[must_use]
pub fn lines_and_area(env: &Env, loaded: &Loaded) -> (Vec<TenderLine>, Vec<i64>, LocalArea) {
    let mut lines = Vec::new();
    let mut left_out = Vec::new();
    for item in &loaded.items {
        let Some(cpv) = item.cpv.as_deref().and_then(|c| CpvCode::parse(c).ok()) else {
            left_out.push(item.id);
            continue;
        };
        let delivery = item
            .delivery_outcode
            .as_deref()
            .and_then(|o| Outcode::parse(o).ok())
            .and_then(|o| env.outcodes.get(&o))
            .map(|info| DeliveryPlace {
                outcode: info.outcode.clone(),
                lat: info.lat,
                lon: info.lon,
            });
        lines.push(TenderLine {
            id: item.id,
            cpv,
            value_gbp: Gbp::new(
                item.value_gbp
                    .and_then(|v| u64::try_from(v).ok())
                    .unwrap_or(0),
            ),
            delivery,
        });
    }
    (lines, left_out, area_of(env, loaded))
}

fn area_of(env: &Env, loaded: &Loaded) -> LocalArea {
    match tenders::stored_area(&loaded.tender) {
        Some(LocalAreaInput::Outcodes { outcodes }) => LocalArea::Outcodes(
            outcodes
                .iter()
                .filter_map(|o| Outcode::parse(o).ok())
                .collect(),
        ),
        Some(LocalAreaInput::Near { near, within_km }) => {
            let resolved = parse_place(&near)
                .ok()
                .and_then(|p| env.outcodes.resolve(&p).ok().map(|i| (p, i.lat, i.lon)));
            match resolved {
                Some((near, lat, lon)) => LocalArea::Near {
                    near,
                    lat,
                    lon,
                    within_km,
                },
                None => LocalArea::Outcodes(BTreeSet::new()),
            }
        }
        None => LocalArea::Outcodes(BTreeSet::new()),
    }
}

/// Compiles a tender against the current registry (building the pool on first use).
///
/// # Errors
/// `Validation` (`items`) for more lines than the planner takes; internal failures.
pub async fn compile(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    loaded: &Loaded,
) -> ServiceResult<Compiled> {
    let (lines, left_out, area) = lines_and_area(env, loaded);
    if lines.len() > MAX_LINES {
        return Err(ServiceError::field(
            "items",
            format!("the planner takes at most {MAX_LINES} lines"),
        ));
    }
    market.pool.ready(market.views, db).await?;
    let pool = market.pool.clone();
    let compiled = tokio::task::spawn_blocking(move || {
        let suppliers = pool.read();
        TenderMarket::new(lines, area, suppliers.values())
    })
    .await
    .map_err(|e| ServiceError::Unexpected(e.into()))?
    .map_err(|e| ServiceError::field("items", e.to_string()))?;
    Ok(Compiled {
        market: compiled,
        left_out,
    })
}

/// The link listing exactly the suppliers behind one count (the same filter as the
/// count): `GET /api/v1/tenders/{id}/market/suppliers`.
#[must_use]
pub fn depth_link(tender_id: i64, line: Option<i64>, kind: DepthKind) -> String {
    match line {
        Some(line) => format!(
            "/api/v1/tenders/{tender_id}/market/suppliers?line={line}&kind={}",
            kind.slug()
        ),
        None => format!(
            "/api/v1/tenders/{tender_id}/market/suppliers?kind={}",
            kind.slug()
        ),
    }
}

fn links(tender_id: i64, line: Option<i64>) -> DepthLinks {
    let l = |k| depth_link(tender_id, line, k);
    DepthLinks {
        capable: l(DepthKind::Capable),
        local: l(DepthKind::Local),
        sme: l(DepthKind::Sme),
        social_economy: l(DepthKind::SocialEconomy),
        target: l(DepthKind::Target),
        can_take_value: l(DepthKind::CanTakeValue),
    }
}

/// Market depth of a tender the viewer may read: per line and in total, each count with
/// the link to the suppliers behind it.
///
/// # Errors
/// `NotFound` unless the viewer may read the tender; as [`compile`].
pub async fn depth(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    viewer: Option<&Actor>,
    id: i64,
) -> ServiceResult<MarketView> {
    let loaded = tenders::visible(db, viewer, id).await?;
    let compiled = compile(db, env, market, &loaded).await?;
    let depth = compiled.market.depth();
    let items = depth
        .lines
        .iter()
        .map(|l| DepthRow {
            item_id: Some(l.line_id),
            value_gbp: l.value_gbp.pounds(),
            counts: l.counts,
            links: links(id, Some(l.line_id)),
        })
        .collect();
    let total = DepthRow {
        item_id: None,
        value_gbp: compiled
            .market
            .lines()
            .iter()
            .map(|l| l.value_gbp.pounds())
            .sum(),
        counts: depth.total.counts,
        links: links(id, None),
    };
    Ok(MarketView {
        tender_id: id,
        items,
        total,
        lines_not_counted: compiled.left_out,
    })
}

fn pick(filters: &DepthFilters, kind: DepthKind) -> &SupplierFilter {
    match kind {
        DepthKind::Capable => &filters.capable,
        DepthKind::Local => &filters.local,
        DepthKind::Sme => &filters.sme,
        DepthKind::SocialEconomy => &filters.social_economy,
        DepthKind::Target => &filters.target,
        DepthKind::CanTakeValue => &filters.can_take_value,
    }
}

/// The suppliers behind one market-depth count (`line` absent: the whole tender's), in id
/// order, with a sentence saying what they are ("Local suppliers able to deliver line 3
/// of “Parks”"). What a depth link lists; the same filter as the count.
///
/// # Errors
/// `NotFound` unless the viewer may read the tender, or for a line not in it; as
/// [`compile`].
pub async fn depth_suppliers(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    viewer: Option<&Actor>,
    id: i64,
    line: Option<i64>,
    kind: DepthKind,
) -> ServiceResult<(Vec<i64>, String)> {
    let loaded = tenders::visible(db, viewer, id).await?;
    let compiled = compile(db, env, market, &loaded).await?;
    let depth = compiled.market.depth();
    let (filter, what) = match line {
        Some(line_id) => {
            let l = depth
                .lines
                .iter()
                .find(|l| l.line_id == line_id)
                .ok_or(ServiceError::NotFound)?;
            let position = loaded
                .items
                .iter()
                .find(|i| i.id == line_id)
                .map_or(0, |i| i.position);
            (pick(&l.filters, kind).clone(), format!("line {position}"))
        }
        None => (
            pick(&depth.total.filters, kind).clone(),
            "at least one line".to_owned(),
        ),
    };
    let pool = market.pool.clone();
    let ids = tokio::task::spawn_blocking(move || {
        let suppliers = pool.read();
        let mut ids: Vec<i64> = suppliers
            .values()
            .filter(|s| filter.matches(s))
            .map(|s| s.id)
            .collect();
        ids.sort_unstable();
        ids
    })
    .await
    .map_err(|e| ServiceError::Unexpected(e.into()))?;
    let able = if kind == DepthKind::CanTakeValue {
        "able to take the value of"
    } else {
        "able to deliver"
    };
    let banner = format!(
        "{} {able} {what} of “{}”",
        kind.words(),
        loaded.tender.title
    );
    Ok((ids, banner))
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The supplier search (the page's and `GET /api/v1/suppliers`); when the query names a
/// `tender` (with `kind`, and `line` for a line's count), a search among exactly the
/// suppliers behind that market-depth count — [`depth_suppliers`]' set — so the list's
/// total is the count, while the other filters, paging and sorting still apply. The
/// results then carry the banner saying what the list is.
///
/// # Errors
/// `Validation` naming `tender`, `line` or `kind` when they do not read; as
/// [`depth_suppliers`] and `registry::search::search` otherwise.
pub async fn search_suppliers(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    actor: &Actor,
    q: &SearchQuery,
) -> ServiceResult<SearchResults> {
    if [&q.tender, &q.line, &q.kind]
        .into_iter()
        .all(|v| given(v).is_none())
    {
        return search::search(db, env, market.views, actor, q).await;
    }
    if !actor.can_search() {
        return Err(ServiceError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let tender = match given(&q.tender).map(str::parse::<i64>) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.add("tender", "a tender is named by its number");
            None
        }
        None => {
            errors.add("tender", "name the tender whose market depth this is");
            None
        }
    };
    let line = match given(&q.line).map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            errors.add("line", "a line is named by its number");
            None
        }
    };
    let kind = match given(&q.kind) {
        None => DepthKind::Capable,
        Some(k) => DepthKind::from_slug(k).unwrap_or_else(|| {
            errors.add(
                "kind",
                "capable, local, sme, social_economy, target or can_take_value",
            );
            DepthKind::Capable
        }),
    };
    let Some(tender) = tender.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let (ids, banner) = depth_suppliers(db, env, market, Some(actor), tender, line, kind).await?;
    let rest = SearchQuery {
        tender: None,
        line: None,
        kind: None,
        ..q.clone()
    };
    let mut found = search::search_among(db, env, market.views, actor, &rest, Some(ids)).await?;
    found.banner = Some(banner);
    Ok(found)
}

/// The constraints a request asks for, over the defaults.
///
/// # Errors
/// `Validation` naming `max_lots` (0 or above the line limit).
pub fn constraints(request: &PlanRequest) -> ServiceResult<PlanConstraints> {
    let d = PlanConstraints::default();
    let c = PlanConstraints {
        max_lots: request.max_lots.unwrap_or(d.max_lots),
        min_lot_value_gbp: request
            .min_lot_value_gbp
            .map_or(d.min_lot_value_gbp, Gbp::new),
        min_bidders_per_lot: request.min_bidders_per_lot.unwrap_or(d.min_bidders_per_lot),
    };
    let max = u32::try_from(MAX_LINES).unwrap_or(u32::MAX);
    if c.max_lots == 0 || c.max_lots > max {
        return Err(ServiceError::field(
            "max_lots",
            format!("between 1 and {max}"),
        ));
    }
    Ok(c)
}

/// Proposes lots for a tender the actor manages (drafts, published and imported ones)
/// and remembers the constraints used. An impossible plan is an answer, not an error:
/// `feasible: false` with the obstacles.
///
/// # Errors
/// `Validation` for bad constraints; `NotFound`/`Forbidden` as
/// [`tenders::managed`]; as [`compile`].
pub async fn plan(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    actor: &Actor,
    id: i64,
    request: &PlanRequest,
) -> ServiceResult<PlanResponse> {
    let c = constraints(request)?;
    let loaded = tenders::managed(db, actor, id).await?;
    let compiled = compile(db, env, market, &loaded).await?;
    let labels = env.cpv.clone();
    let left_out = compiled.left_out;
    let tender_market = compiled.market;
    let outcome = tokio::task::spawn_blocking(move || tender_market.plan(&c, labels.as_ref()))
        .await
        .map_err(|e| ServiceError::Unexpected(e.into()))?;
    Ok(match outcome {
        PlanOutcome::Plan(p) => PlanResponse {
            lots: p.lots,
            reach: p.reach,
            reach_single_lot: p.reach_single_lot,
            upper_bound: p.upper_bound,
            exact: p.exact,
            feasible: true,
            obstacles: Vec::new(),
            proven: true,
            lines_not_planned: left_out,
        },
        PlanOutcome::Infeasible(i) => PlanResponse {
            lots: Vec::new(),
            reach: 0,
            reach_single_lot: i.reach_single_lot,
            upper_bound: i.upper_bound,
            exact: i.exact,
            feasible: false,
            obstacles: i.obstacles,
            proven: i.proven,
            lines_not_planned: left_out,
        },
    })
}

/// The evidence of a buyer's lots (saved or being edited) and what they break, under the
/// constraints last used (or the defaults).
///
/// # Errors
/// `NotFound`/`Forbidden` as [`tenders::managed`]; as [`compile`].
pub async fn evaluate(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    actor: &Actor,
    id: i64,
    lots: Option<&LotsInput>,
) -> ServiceResult<LotsEvaluation> {
    let loaded = tenders::managed(db, actor, id).await?;
    let request: PlanRequest = loaded
        .tender
        .plan_constraints
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let c = constraints(&request).unwrap_or_default();
    let drafts: Vec<LotDraft> = match lots {
        Some(input) => input
            .lots
            .iter()
            .map(|l| LotDraft {
                title: l.title.clone(),
                items: l.items.clone(),
            })
            .collect(),
        None => loaded
            .lots
            .iter()
            .map(|l| LotDraft {
                title: l.title.clone(),
                items: loaded
                    .items
                    .iter()
                    .filter(|i| i.lot_id == Some(l.id))
                    .map(|i| i.id)
                    .collect(),
            })
            .collect(),
    };
    let compiled = compile(db, env, market, &loaded).await?;
    let labels = env.cpv.clone();
    let tender_market = compiled.market;
    let e =
        tokio::task::spawn_blocking(move || tender_market.evaluate(&drafts, &c, labels.as_ref()))
            .await
            .map_err(|e| ServiceError::Unexpected(e.into()))?;
    Ok(LotsEvaluation {
        lots: e.lots,
        reach: e.reach,
        reach_single_lot: e.reach_single_lot,
        upper_bound: e.upper_bound,
        warnings: e.warnings,
    })
}
