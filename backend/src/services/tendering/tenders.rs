//! Tenders: drafting (details, local area, the lines), lots, publishing, closing and
//! cancelling, and reading them back (an organisation's tenders, the public notices).
//!
//! Who may do what:
//! * a buyer drafts tenders for its organisation; the organisation's buyers (and admins)
//!   change, plan, publish, close and cancel them;
//! * a draft is seen only by them; published, closed and cancelled tenders, and every
//!   imported notice, are public;
//! * only a draft drafted here is edited (lines, lots, details); an imported notice
//!   changes by importing it again.
//!
//! Every write runs inside the caller's transaction.

use crate::entities::{organisation, tender, tender_item, tender_lot};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::state::Env;
use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, Utc};
use domain::accounts::Actor;
use domain::place::{parse_place, Outcode, Place};
use domain::tendering::dto::{
    BuyerView, ItemInput, ItemView, LocalAreaInput, LotView, LotsInput, PlanRequest, PublishInput,
    TenderInput, TenderListQuery, TenderSummary, TenderView,
};
use domain::tendering::{TenderStatus, MAX_LINES};
use domain::validation::FieldErrors;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::{HashMap, HashSet};

/// `tenders.source` of a tender drafted here.
pub const SOURCE_LOCAL: &str = "local";
/// `tenders.source` of another portal's notice.
pub const SOURCE_IMPORTED: &str = "imported";

const TITLE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 20_000;
const LINE_DESCRIPTION_MAX: usize = 2_000;
const UNIT_MAX: usize = 100;
const REASON_MAX: usize = 10_000;
const AREA_KM_MAX: f64 = 500.0;
const OUTCODES_MAX: usize = 500;
const LOTS_PER_SUPPLIER_MAX: u32 = 1_000;

/// A tender with its lines and lots, in their positions.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub tender: tender::Model,
    pub items: Vec<tender_item::Model>,
    pub lots: Vec<tender_lot::Model>,
}

impl Loaded {
    /// The tender's status (a stored value always parses; a corrupt one reads as draft,
    /// the most private).
    #[must_use]
    pub fn status(&self) -> TenderStatus {
        self.tender.status.parse().unwrap_or(TenderStatus::Draft)
    }

    /// Anyone may read it: an imported notice, or a tender past its draft.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.tender.source == SOURCE_IMPORTED || self.status() != TenderStatus::Draft
    }

    /// The ocid (always set once the creating transaction commits).
    #[must_use]
    pub fn ocid(&self) -> String {
        self.tender
            .ocid
            .clone()
            .unwrap_or_else(|| format!("tender-{}", self.tender.id))
    }
}

/// The actor's organisation owns the tender (as one of its active buyers), or the actor
/// is an active admin.
#[must_use]
pub fn can_manage(actor: &Actor, t: &tender::Model) -> bool {
    actor.is_active_admin() || actor.buyer_organisation() == Some(t.organisation_id)
}

/// Loads a tender with its lines and lots.
///
/// # Errors
/// `NotFound`; database failures.
pub async fn load(db: &impl ConnectionTrait, id: i64) -> ServiceResult<Loaded> {
    let tender = tender::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let items = tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.eq(id))
        .order_by_asc(tender_item::Column::Position)
        .order_by_asc(tender_item::Column::Id)
        .all(db)
        .await?;
    let lots = tender_lot::Entity::find()
        .filter(tender_lot::Column::TenderId.eq(id))
        .order_by_asc(tender_lot::Column::Position)
        .order_by_asc(tender_lot::Column::Id)
        .all(db)
        .await?;
    Ok(Loaded {
        tender,
        items,
        lots,
    })
}

/// A tender the viewer may read; `NotFound` otherwise (a draft's existence does not leak).
///
/// # Errors
/// `NotFound`; database failures.
pub async fn visible(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    id: i64,
) -> ServiceResult<Loaded> {
    let loaded = load(db, id).await?;
    if loaded.is_public() || viewer.is_some_and(|a| can_manage(a, &loaded.tender)) {
        Ok(loaded)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// A tender the actor may manage: `NotFound` when they may not even read it, `Forbidden`
/// when they may read but not manage it.
///
/// # Errors
/// As above; database failures.
pub async fn managed(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Loaded> {
    let loaded = visible(db, Some(actor), id).await?;
    if can_manage(actor, &loaded.tender) {
        Ok(loaded)
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// A draft drafted here that the actor may change.
async fn editable(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Loaded> {
    let loaded = managed(db, actor, id).await?;
    if loaded.tender.source != SOURCE_LOCAL {
        return Err(ServiceError::Conflict(
            "an imported notice is changed by importing it again".into(),
        ));
    }
    if !loaded.status().is_editable() {
        return Err(ServiceError::Conflict(format!(
            "the tender is {}: only a draft can be changed",
            loaded.status().slug()
        )));
    }
    Ok(loaded)
}

/// A line as checked: every field parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedLine {
    pub id: Option<i64>,
    pub description: String,
    pub cpv: String,
    pub value_gbp: u64,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub delivery_postcode: Option<String>,
    pub delivery_outcode: Option<String>,
}

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn blank_to_none(s: Option<&String>) -> Option<String> {
    s.map(|s| clean(s)).filter(|s| !s.is_empty())
}

/// Checks one line; errors are named `{prefix}.field` (e.g. `items[3].cpv`).
pub fn check_line(
    env: &Env,
    prefix: &str,
    item: &ItemInput,
    errors: &mut FieldErrors,
) -> Option<CheckedLine> {
    let before = errors.len();
    let description = blank_to_none(item.description.as_ref()).unwrap_or_default();
    if description.is_empty() {
        errors.add(format!("{prefix}.description"), "describe the line");
    } else if description.chars().count() > LINE_DESCRIPTION_MAX {
        errors.add(
            format!("{prefix}.description"),
            format!("keep it under {LINE_DESCRIPTION_MAX} characters"),
        );
    }
    let cpv = match blank_to_none(item.cpv.as_ref()) {
        None => {
            errors.add(format!("{prefix}.cpv"), "give the line a CPV code");
            String::new()
        }
        Some(code) => match env.cpv.validate(&code) {
            Ok(entry) => entry.code,
            Err(e) => {
                errors.add(format!("{prefix}.cpv"), e.to_string());
                String::new()
            }
        },
    };
    let value_gbp = item.value_gbp.unwrap_or_else(|| {
        errors.add(
            format!("{prefix}.value_gbp"),
            "give the line's estimated value in pounds",
        );
        0
    });
    if value_gbp > i64::MAX as u64 {
        errors.add(format!("{prefix}.value_gbp"), "that amount is too large");
    }
    if let Some(q) = item.quantity {
        if !q.is_finite() || q < 0.0 {
            errors.add(
                format!("{prefix}.quantity"),
                "a quantity is a number of zero or more",
            );
        }
    }
    let unit = blank_to_none(item.unit.as_ref());
    if unit.as_ref().is_some_and(|u| u.chars().count() > UNIT_MAX) {
        errors.add(
            format!("{prefix}.unit"),
            format!("keep it under {UNIT_MAX} characters"),
        );
    }
    let (delivery_postcode, delivery_outcode) = match blank_to_none(item.delivery_postcode.as_ref())
    {
        None => (None, None),
        Some(text) => match parse_place(&text) {
            Err(e) => {
                errors.add(format!("{prefix}.delivery_postcode"), e.to_string());
                (None, None)
            }
            Ok(place) => {
                let outcode = place.outcode();
                if env.outcodes.get(&outcode).is_none() {
                    errors.add(
                        format!("{prefix}.delivery_postcode"),
                        format!("{outcode} is not a UK postcode district we know"),
                    );
                }
                (Some(place.to_string()), Some(outcode.as_str().to_owned()))
            }
        },
    };
    (errors.len() == before).then_some(CheckedLine {
        id: item.id,
        description,
        cpv,
        value_gbp,
        quantity: item.quantity,
        unit,
        delivery_postcode,
        delivery_outcode,
    })
}

/// Checks a local area and returns it as stored (outcodes upper-cased, sorted, unique).
fn check_area(env: &Env, area: &LocalAreaInput, errors: &mut FieldErrors) -> LocalAreaInput {
    match area {
        LocalAreaInput::Outcodes { outcodes } if outcodes.len() > OUTCODES_MAX => {
            // Judged by its length before any outcode is read.
            errors.add(
                "local_area.outcodes",
                format!(
                    "name at most {OUTCODES_MAX} outcodes (there are {})",
                    outcodes.len()
                ),
            );
            area.clone()
        }
        LocalAreaInput::Outcodes { outcodes } => {
            let mut out = Vec::new();
            for (i, raw) in outcodes.iter().enumerate() {
                match Outcode::parse(raw) {
                    Ok(o) if env.outcodes.get(&o).is_some() => out.push(o.as_str().to_owned()),
                    Ok(o) => errors.add(
                        format!("local_area.outcodes[{i}]"),
                        format!("{o} is not a UK postcode district we know"),
                    ),
                    Err(e) => errors.add(format!("local_area.outcodes[{i}]"), e.to_string()),
                }
            }
            out.sort();
            out.dedup();
            if outcodes.is_empty() {
                errors.add("local_area.outcodes", "name at least one outcode, like PR1");
            } else if out.len() > OUTCODES_MAX {
                errors.add(
                    "local_area.outcodes",
                    format!("name at most {OUTCODES_MAX} outcodes"),
                );
            }
            LocalAreaInput::Outcodes { outcodes: out }
        }
        LocalAreaInput::Near { near, within_km } => {
            let place = match parse_place(near) {
                Ok(p) => {
                    if env.outcodes.get(&p.outcode()).is_none() {
                        errors.add(
                            "local_area.near",
                            format!("{} is not a UK postcode district we know", p.outcode()),
                        );
                    }
                    p.to_string()
                }
                Err(e) => {
                    errors.add("local_area.near", e.to_string());
                    near.clone()
                }
            };
            if !within_km.is_finite() || *within_km <= 0.0 || *within_km > AREA_KM_MAX {
                errors.add(
                    "local_area.within_km",
                    format!("a radius is more than 0 and at most {AREA_KM_MAX} km"),
                );
            }
            LocalAreaInput::Near {
                near: place,
                within_km: *within_km,
            }
        }
    }
}

/// `YYYY-MM-DD` (at `time` that day, UTC) or an RFC 3339 time; blank: `Some(None)`.
fn parse_when(
    field: &str,
    raw: &str,
    time: NaiveTime,
    errors: &mut FieldErrors,
) -> Option<Option<DateTime<Utc>>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(None);
    }
    if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(Some(d.and_time(time).and_utc()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(Some(t.with_timezone(&Utc)));
    }
    errors.add(field, "write a date as YYYY-MM-DD, like 2027-03-31");
    None
}

/// What a [`TenderInput`] asks to change, checked.
#[derive(Debug, Default)]
struct Checked {
    title: Option<String>,
    description: Option<String>,
    estimated_value_gbp: Option<Option<i64>>,
    deadline: Option<Option<DateTime<Utc>>>,
    contract_start: Option<Option<DateTime<Utc>>>,
    contract_end: Option<Option<DateTime<Utc>>>,
    local_area: Option<Option<LocalAreaInput>>,
    lines: Option<Vec<CheckedLine>>,
    max_bid: Option<Option<i32>>,
    max_won: Option<Option<i32>>,
}

fn end_of_day() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN)
}

fn check(
    env: &Env,
    input: &TenderInput,
    creating: bool,
    current: Option<&tender::Model>,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut out = Checked::default();
    match input.title.as_ref().map(|t| clean(t)) {
        None if creating => errors.add("title", "give the tender a title"),
        None => {}
        Some(t) if t.is_empty() => errors.add("title", "give the tender a title"),
        Some(t) if t.chars().count() > TITLE_MAX => {
            errors.add("title", format!("keep it under {TITLE_MAX} characters"));
        }
        Some(t) => out.title = Some(t),
    }
    if let Some(d) = &input.description {
        let d = d.trim().to_owned();
        if d.chars().count() > DESCRIPTION_MAX {
            errors.add(
                "description",
                format!("keep it under {DESCRIPTION_MAX} characters"),
            );
        }
        out.description = Some(d);
    }
    match input.estimated_value_gbp {
        None => {}
        Some(None) => out.estimated_value_gbp = Some(None),
        Some(Some(v)) => match i64::try_from(v) {
            Ok(v) => out.estimated_value_gbp = Some(Some(v)),
            Err(_) => errors.add("estimated_value_gbp", "that amount is too large"),
        },
    }
    if let Some(raw) = &input.deadline {
        out.deadline = parse_when("deadline", raw, end_of_day(), &mut errors);
    }
    if let Some(raw) = &input.contract_start {
        out.contract_start = parse_when("contract_start", raw, NaiveTime::MIN, &mut errors);
    }
    if let Some(raw) = &input.contract_end {
        out.contract_end = parse_when("contract_end", raw, NaiveTime::MIN, &mut errors);
    }
    let start = out
        .contract_start
        .unwrap_or_else(|| current.and_then(|c| c.contract_start));
    let end = out
        .contract_end
        .unwrap_or_else(|| current.and_then(|c| c.contract_end));
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errors.add("contract_end", "the contract ends before it starts");
        }
    }
    if let Some(area) = &input.local_area {
        out.local_area = Some(area.as_ref().map(|a| check_area(env, a, &mut errors)));
    }
    for (field, value, slot) in [
        (
            "max_lots_bid_per_supplier",
            input.max_lots_bid_per_supplier,
            &mut out.max_bid,
        ),
        (
            "max_lots_won_per_supplier",
            input.max_lots_won_per_supplier,
            &mut out.max_won,
        ),
    ] {
        if value == Some(None) {
            *slot = Some(None);
        } else if let Some(Some(v)) = value {
            if v == 0 || v > LOTS_PER_SUPPLIER_MAX {
                errors.add(field, format!("between 1 and {LOTS_PER_SUPPLIER_MAX}"));
            } else {
                *slot = Some(i32::try_from(v).ok());
            }
        }
    }
    if let (Some(Some(bid)), Some(Some(won))) = (out.max_bid, out.max_won) {
        if won > bid {
            errors.add(
                "max_lots_won_per_supplier",
                "a supplier cannot win more lots than it may bid for",
            );
        }
    }
    if let Some(items) = &input.items {
        if items.len() > MAX_LINES {
            errors.add(
                "items",
                format!(
                    "a tender has at most {MAX_LINES} lines (this one has {})",
                    items.len()
                ),
            );
        } else {
            let lines: Vec<CheckedLine> = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| check_line(env, &format!("items[{i}]"), item, &mut errors))
                .collect();
            let mut seen = HashSet::new();
            for (i, item) in items.iter().enumerate() {
                if let Some(id) = item.id {
                    if !seen.insert(id) {
                        errors.add(format!("items[{i}].id"), "this line is listed twice");
                    }
                }
            }
            out.lines = Some(lines);
        }
    }
    errors.into_result(out)
}

fn area_json(area: &LocalAreaInput) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(area).map_err(|e| ServiceError::Unexpected(e.into()))
}

/// Drafts a tender for the buyer's organisation; returns its id.
///
/// # Errors
/// `Forbidden` for anyone but an active buyer; `Validation` naming each bad field
/// (`title`, `items[2].cpv`, …).
pub async fn create(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    input: &TenderInput,
) -> ServiceResult<i64> {
    let org = actor.buyer_organisation().ok_or(ServiceError::Forbidden)?;
    let c = check(env, input, true, None)?;
    let at = now();
    let row = tender::ActiveModel {
        organisation_id: Set(org),
        created_by: Set(Some(actor.user_id)),
        ocid: Set(None),
        source: Set(SOURCE_LOCAL.into()),
        title: Set(c.title.clone().unwrap_or_default()),
        description: Set(c.description.clone().unwrap_or_default()),
        estimated_value_gbp: Set(c.estimated_value_gbp.flatten()),
        deadline: Set(c.deadline.flatten()),
        contract_start: Set(c.contract_start.flatten()),
        contract_end: Set(c.contract_end.flatten()),
        status: Set(TenderStatus::Draft.slug().into()),
        local_area: Set(c
            .local_area
            .as_ref()
            .and_then(Option::as_ref)
            .map(area_json)
            .transpose()?),
        max_lots_bid_per_supplier: Set(c.max_bid.flatten()),
        max_lots_won_per_supplier: Set(c.max_won.flatten()),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    // The ocid is the publisher's prefix and the tender's id, fixed for its life.
    let ocid = format!("{}-{}", env.config.ocid_prefix.as_str(), row.id);
    tender::Entity::update_many()
        .col_expr(tender::Column::Ocid, Expr::value(ocid))
        .filter(tender::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    if let Some(lines) = c.lines {
        if lines.iter().any(|l| l.id.is_some()) {
            return Err(ServiceError::field(
                "items",
                "a new tender's lines have no ids yet",
            ));
        }
        replace_lines(db, row.id, &[], lines).await?;
    }
    Ok(row.id)
}

/// Changes a draft: only the fields sent; `items`, when sent, replaces the lines (a line
/// sent with its `id` keeps it). When lines are added or removed, saved lots are dropped
/// (they no longer cover the tender), so the buyer plans again.
///
/// # Errors
/// `NotFound`/`Forbidden` as [`managed`]; `Conflict` unless it is a draft drafted here;
/// `Validation` naming each bad field.
pub async fn update(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    id: i64,
    input: &TenderInput,
) -> ServiceResult<()> {
    let loaded = editable(db, actor, id).await?;
    let c = check(env, input, false, Some(&loaded.tender))?;
    let mut row: tender::ActiveModel = loaded.tender.clone().into();
    if let Some(t) = c.title {
        row.title = Set(t);
    }
    if let Some(d) = c.description {
        row.description = Set(d);
    }
    if let Some(v) = c.estimated_value_gbp {
        row.estimated_value_gbp = Set(v);
    }
    if let Some(v) = c.deadline {
        row.deadline = Set(v);
    }
    if let Some(v) = c.contract_start {
        row.contract_start = Set(v);
    }
    if let Some(v) = c.contract_end {
        row.contract_end = Set(v);
    }
    if let Some(a) = &c.local_area {
        row.local_area = Set(a.as_ref().map(area_json).transpose()?);
    }
    if let Some(v) = c.max_bid {
        row.max_lots_bid_per_supplier = Set(v);
    }
    if let Some(v) = c.max_won {
        row.max_lots_won_per_supplier = Set(v);
    }
    row.updated_at = Set(now());
    row.update(db).await?;
    if let Some(lines) = c.lines {
        replace_lines(db, id, &loaded.items, lines).await?;
    }
    Ok(())
}

/// Replaces a tender's lines with `lines`, in that order. Lines with the id of a current
/// line update it (keeping its lot); the others are inserted; current lines not sent are
/// deleted. When the set of lines changes, the lots are dropped.
///
/// # Errors
/// `Validation` (`items[i].id`) for an id that is not a line of this tender.
pub async fn replace_lines(
    db: &impl ConnectionTrait,
    tender_id: i64,
    current: &[tender_item::Model],
    lines: Vec<CheckedLine>,
) -> ServiceResult<()> {
    let existing: HashMap<i64, &tender_item::Model> = current.iter().map(|i| (i.id, i)).collect();
    let mut errors = FieldErrors::new();
    for (i, l) in lines.iter().enumerate() {
        if let Some(id) = l.id {
            if !existing.contains_key(&id) {
                errors.add(
                    format!("items[{i}].id"),
                    format!("line {id} is not a line of this tender"),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let kept: HashSet<i64> = lines.iter().filter_map(|l| l.id).collect();
    let set_changed = kept.len() != current.len() || lines.iter().any(|l| l.id.is_none());
    if set_changed {
        drop_lots(db, tender_id).await?;
    }
    let gone: Vec<i64> = current
        .iter()
        .map(|i| i.id)
        .filter(|id| !kept.contains(id))
        .collect();
    if !gone.is_empty() {
        tender_item::Entity::delete_many()
            .filter(tender_item::Column::Id.is_in(gone))
            .exec(db)
            .await?;
    }
    for (i, l) in lines.into_iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let value = i64::try_from(l.value_gbp).unwrap_or(i64::MAX);
        match l.id.and_then(|id| existing.get(&id)) {
            Some(old) => {
                let mut row: tender_item::ActiveModel = (*old).clone().into();
                row.position = Set(position);
                row.description = Set(l.description);
                row.cpv = Set(Some(l.cpv));
                row.value_gbp = Set(Some(value));
                row.quantity = Set(l.quantity);
                row.unit = Set(l.unit);
                row.delivery_postcode = Set(l.delivery_postcode);
                row.delivery_outcode = Set(l.delivery_outcode);
                if set_changed {
                    row.lot_id = Set(None);
                }
                row.update(db).await?;
            }
            None => {
                tender_item::ActiveModel {
                    tender_id: Set(tender_id),
                    position: Set(position),
                    description: Set(l.description),
                    cpv: Set(Some(l.cpv)),
                    value_gbp: Set(Some(value)),
                    quantity: Set(l.quantity),
                    unit: Set(l.unit),
                    delivery_postcode: Set(l.delivery_postcode),
                    delivery_outcode: Set(l.delivery_outcode),
                    lot_id: Set(None),
                    ocds_item_id: Set(None),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    touch(db, tender_id).await
}

async fn drop_lots(db: &impl ConnectionTrait, tender_id: i64) -> ServiceResult<()> {
    tender_item::Entity::update_many()
        .col_expr(tender_item::Column::LotId, Expr::value(Option::<i64>::None))
        .filter(tender_item::Column::TenderId.eq(tender_id))
        .exec(db)
        .await?;
    tender_lot::Entity::delete_many()
        .filter(tender_lot::Column::TenderId.eq(tender_id))
        .exec(db)
        .await?;
    Ok(())
}

async fn touch(db: &impl ConnectionTrait, tender_id: i64) -> ServiceResult<()> {
    tender::Entity::update_many()
        .col_expr(tender::Column::UpdatedAt, Expr::value(now()))
        .filter(tender::Column::Id.eq(tender_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the lines of a draft with lines read elsewhere (the CSV upload), all or
/// nothing.
///
/// # Errors
/// As [`update`].
pub async fn set_lines(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    lines: Vec<CheckedLine>,
) -> ServiceResult<()> {
    let loaded = editable(db, actor, id).await?;
    replace_lines(db, id, &loaded.items, lines).await
}

/// Saves the buyer's lots: every line in exactly one lot. A blank title becomes
/// "Lot N".
///
/// # Errors
/// `Validation`: `lots` (no lots, or lines in no lot), `lots[k].items` (an empty lot, an
/// unknown line, a line already in another lot), `lots[k].title` (too long); as
/// [`update`] otherwise.
pub async fn save_lots(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    input: &LotsInput,
) -> ServiceResult<()> {
    let loaded = editable(db, actor, id).await?;
    let mut errors = FieldErrors::new();
    let known: HashMap<i64, usize> = loaded
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id, i))
        .collect();
    let mut lot_of: HashMap<i64, usize> = HashMap::new();
    if input.lots.is_empty() {
        errors.add("lots", "put the lines in at least one lot");
    }
    for (k, lot) in input.lots.iter().enumerate() {
        if lot.items.is_empty() {
            errors.add(
                format!("lots[{k}].items"),
                format!("lot {} has no lines", k + 1),
            );
        }
        if clean(&lot.title).chars().count() > TITLE_MAX {
            errors.add(
                format!("lots[{k}].title"),
                format!("keep it under {TITLE_MAX} characters"),
            );
        }
        for &item in &lot.items {
            if !known.contains_key(&item) {
                errors.add(
                    format!("lots[{k}].items"),
                    format!("line {item} is not a line of this tender"),
                );
            } else if let Some(&other) = lot_of.get(&item) {
                errors.add(
                    format!("lots[{k}].items"),
                    if other == k {
                        format!("line {item} is listed twice in lot {}", k + 1)
                    } else {
                        format!(
                            "line {item} is already in lot {}: put each line in one lot only",
                            other + 1
                        )
                    },
                );
            } else {
                lot_of.insert(item, k);
            }
        }
    }
    let missing: Vec<String> = loaded
        .items
        .iter()
        .filter(|it| !lot_of.contains_key(&it.id))
        .map(|it| format!("{} (line {})", it.id, it.position))
        .collect();
    if !missing.is_empty() && !input.lots.is_empty() {
        errors.add(
            "lots",
            format!(
                "every line must be in exactly one lot; in no lot: {}",
                missing.join(", ")
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    drop_lots(db, id).await?;
    for (k, lot) in input.lots.iter().enumerate() {
        let title = match clean(&lot.title) {
            t if t.is_empty() => format!("Lot {}", k + 1),
            t => t,
        };
        let row = tender_lot::ActiveModel {
            tender_id: Set(id),
            position: Set(i32::try_from(k + 1).unwrap_or(i32::MAX)),
            title: Set(title),
            description: Set(lot.description.trim().to_owned()),
            ocds_lot_id: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        tender_item::Entity::update_many()
            .col_expr(tender_item::Column::LotId, Expr::value(row.id))
            .filter(tender_item::Column::Id.is_in(lot.items.clone()))
            .exec(db)
            .await?;
    }
    touch(db, id).await
}

/// Publishes a draft. Divide or explain (Procurement Act 2023, s.18): a tender published
/// as one lot (or with no lots saved, which is one lot of everything) needs a written
/// `reason`, stored and shown on the notice.
///
/// # Errors
/// `Validation`: `items` (no lines), `reason` (one lot without a reason, or too long);
/// as [`update`] otherwise.
pub async fn publish(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    input: &PublishInput,
) -> ServiceResult<()> {
    let loaded = editable(db, actor, id).await?;
    let mut errors = FieldErrors::new();
    if loaded.items.is_empty() {
        errors.add("items", "add at least one line before publishing");
    }
    let reason = blank_to_none(input.reason.as_ref());
    let single = loaded.lots.len() <= 1;
    if single && reason.is_none() {
        errors.add(
            "reason",
            "the tender is one lot: explain why it is not divided into lots \
             (Procurement Act 2023, s.18)",
        );
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > REASON_MAX)
    {
        errors.add("reason", format!("keep it under {REASON_MAX} characters"));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if loaded.lots.is_empty() {
        // One lot of every line, so the undivided tender is listed, matched and open to
        // interest like any other lot (opportunities, alerts and interest are per lot).
        whole_tender_lot(db, &loaded).await?;
    }
    let at = now();
    let mut row: tender::ActiveModel = loaded.tender.into();
    row.status = Set(TenderStatus::Published.slug().into());
    row.single_lot_reason = Set(if single { reason } else { None });
    row.published_at = Set(Some(at));
    row.updated_at = Set(at);
    let published = row.update(db).await?;
    // In this transaction: suppliers are told if and only if the tender is published.
    super::alerts::tender_changed(db, &published).await?;
    Ok(())
}

/// Saves the one lot of an undivided tender: all its lines, under the tender's title.
async fn whole_tender_lot(db: &impl ConnectionTrait, loaded: &Loaded) -> ServiceResult<()> {
    let title: String = loaded.tender.title.chars().take(TITLE_MAX).collect();
    let row = tender_lot::ActiveModel {
        tender_id: Set(loaded.tender.id),
        position: Set(1),
        title: Set(title),
        description: Set(String::new()),
        ocds_lot_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    tender_item::Entity::update_many()
        .col_expr(tender_item::Column::LotId, Expr::value(row.id))
        .filter(tender_item::Column::TenderId.eq(loaded.tender.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Closes or cancels a tender, as [`TenderStatus::can_become`] allows.
///
/// # Errors
/// `Conflict` for a change the status does not allow, or for an imported notice (its
/// status comes from its publisher); `NotFound`/`Forbidden` as [`managed`].
pub async fn set_status(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    to: TenderStatus,
) -> ServiceResult<()> {
    let loaded = managed(db, actor, id).await?;
    if loaded.tender.source != SOURCE_LOCAL {
        return Err(ServiceError::Conflict(
            "an imported notice's status comes from its publisher: import it again".into(),
        ));
    }
    let from = loaded.status();
    if to == TenderStatus::Published || !from.can_become(to) {
        return Err(ServiceError::Conflict(format!(
            "a {} tender cannot become {}",
            from.slug(),
            to.slug()
        )));
    }
    let mut row: tender::ActiveModel = loaded.tender.into();
    row.status = Set(to.slug().into());
    row.updated_at = Set(now());
    row.update(db).await?;
    Ok(())
}

/// Remembers the planner constraints last used on a tender the actor manages.
///
/// # Errors
/// Database failures.
pub async fn remember_constraints(
    db: &impl ConnectionTrait,
    id: i64,
    request: &PlanRequest,
) -> ServiceResult<()> {
    let value = serde_json::to_value(request).map_err(|e| ServiceError::Unexpected(e.into()))?;
    tender::Entity::update_many()
        .col_expr(tender::Column::PlanConstraints, Expr::value(value))
        .filter(tender::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// RFC 3339, seconds.
#[must_use]
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The stored local area.
#[must_use]
pub fn stored_area(t: &tender::Model) -> Option<LocalAreaInput> {
    t.local_area
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The buyer as shown: an imported notice's own buyer, else the owning organisation —
/// with the org-id an admin gave that organisation, for a tender drafted here (an
/// imported notice's buyer is not the importer, so it keeps only its own identifier).
///
/// # Errors
/// Database failures.
pub async fn buyer_of(db: &impl ConnectionTrait, t: &tender::Model) -> ServiceResult<BuyerView> {
    let own = match &t.buyer_name {
        Some(n) if !n.is_empty() => None,
        _ => {
            organisation::Entity::find_by_id(t.organisation_id)
                .one(db)
                .await?
        }
    };
    let name = match (&t.buyer_name, &own) {
        (Some(n), _) if !n.is_empty() => n.clone(),
        (_, Some(org)) => org.name.clone(),
        _ => String::new(),
    };
    let (identifier_scheme, identifier) = match (&t.buyer_id_scheme, &t.buyer_id, own) {
        (Some(scheme), Some(id), _) => (Some(scheme.clone()), Some(id.clone())),
        (_, _, Some(org)) if t.source != SOURCE_IMPORTED => (org.identifier_scheme, org.identifier),
        _ => (None, None),
    };
    Ok(BuyerView {
        organisation_id: t.organisation_id,
        name,
        identifier_scheme,
        identifier,
    })
}

fn gbp(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

/// The tender as the API and pages show it to `viewer`.
///
/// # Errors
/// `NotFound` unless the viewer may read it; database failures.
pub async fn get(
    db: &impl ConnectionTrait,
    env: &Env,
    viewer: Option<&Actor>,
    id: i64,
) -> ServiceResult<TenderView> {
    let loaded = visible(db, viewer, id).await?;
    view(db, env, viewer, &loaded).await
}

/// [`get`] for a tender already loaded.
///
/// # Errors
/// Database failures.
pub async fn view(
    db: &impl ConnectionTrait,
    env: &Env,
    viewer: Option<&Actor>,
    loaded: &Loaded,
) -> ServiceResult<TenderView> {
    let t = &loaded.tender;
    let items: Vec<ItemView> = loaded
        .items
        .iter()
        .map(|i| ItemView {
            id: i.id,
            position: i.position,
            description: i.description.clone(),
            cpv_label: i
                .cpv
                .as_ref()
                .and_then(|c| domain::cpv::CpvCode::parse(c).ok())
                .and_then(|c| env.cpv.get(&c))
                .map(|e| e.label),
            cpv: i.cpv.clone(),
            value_gbp: gbp(i.value_gbp),
            quantity: i.quantity,
            unit: i.unit.clone(),
            delivery_postcode: i.delivery_postcode.clone(),
            delivery_outcode: i.delivery_outcode.clone(),
            lot_id: i.lot_id,
            ocds_item_id: i.ocds_item_id.clone().unwrap_or_else(|| i.id.to_string()),
        })
        .collect();
    let lots = loaded
        .lots
        .iter()
        .map(|l| {
            let mine: Vec<&ItemView> = items.iter().filter(|i| i.lot_id == Some(l.id)).collect();
            LotView {
                id: l.id,
                title: l.title.clone(),
                description: l.description.clone(),
                items: mine.iter().map(|i| i.id).collect(),
                value_gbp: mine.iter().filter_map(|i| i.value_gbp).sum(),
            }
        })
        .collect();
    let editable = t.source == SOURCE_LOCAL
        && loaded.status().is_editable()
        && viewer.is_some_and(|a| can_manage(a, t));
    Ok(TenderView {
        id: t.id,
        ocid: loaded.ocid(),
        source: t.source.clone(),
        status: loaded.status().slug().to_owned(),
        title: t.title.clone(),
        description: t.description.clone(),
        estimated_value_gbp: gbp(t.estimated_value_gbp),
        items_value_gbp: items.iter().filter_map(|i| i.value_gbp).sum(),
        deadline: t.deadline.map(rfc3339),
        contract_start: t.contract_start.map(rfc3339),
        contract_end: t.contract_end.map(rfc3339),
        local_area: stored_area(t),
        buyer: buyer_of(db, t).await?,
        single_lot_reason: t.single_lot_reason.clone(),
        max_lots_bid_per_supplier: t
            .max_lots_bid_per_supplier
            .and_then(|v| u32::try_from(v).ok()),
        max_lots_won_per_supplier: t
            .max_lots_won_per_supplier
            .and_then(|v| u32::try_from(v).ok()),
        items,
        lots,
        plan_constraints: t
            .plan_constraints
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        import_warnings: t
            .import_warnings
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default(),
        editable,
        published_at: t.published_at.map(rfc3339),
        created_at: rfc3339(t.created_at),
        updated_at: rfc3339(t.updated_at),
    })
}

/// Tenders, newest change first: with `mine`, the viewer's organisation's (drafts
/// included); otherwise the public notices. `status` keeps one status.
///
/// # Errors
/// `Validation` (`status`) for an unknown status; `Unauthenticated` for `mine` without a
/// caller; `Forbidden` for `mine` from someone without an organisation; database failures.
pub async fn list(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    q: &TenderListQuery,
) -> ServiceResult<Vec<TenderSummary>> {
    let mut find = tender::Entity::find();
    if q.mine == Some(true) {
        let actor = viewer.ok_or(ServiceError::Unauthenticated)?;
        let org = actor.organisation_id().ok_or(ServiceError::Forbidden)?;
        find = find.filter(tender::Column::OrganisationId.eq(org));
    } else {
        find = find.filter(
            Condition::any()
                .add(tender::Column::Source.eq(SOURCE_IMPORTED))
                .add(tender::Column::Status.ne(TenderStatus::Draft.slug())),
        );
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.trim().is_empty()) {
        let status: TenderStatus = s
            .trim()
            .parse()
            .map_err(|_| ServiceError::field("status", "draft, published, closed or cancelled"))?;
        find = find.filter(tender::Column::Status.eq(status.slug()));
    }
    let tenders = find
        .order_by_desc(tender::Column::UpdatedAt)
        .order_by_desc(tender::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = tenders.iter().map(|t| t.id).collect();
    let mut items: HashMap<i64, u64> = HashMap::new();
    for chunk in ids.chunks(900) {
        for it in tender_item::Entity::find()
            .filter(tender_item::Column::TenderId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            *items.entry(it.tender_id).or_default() += 1;
        }
    }
    let mut lots: HashMap<i64, u64> = HashMap::new();
    for chunk in ids.chunks(900) {
        for l in tender_lot::Entity::find()
            .filter(tender_lot::Column::TenderId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            *lots.entry(l.tender_id).or_default() += 1;
        }
    }
    let orgs: HashMap<i64, String> = organisation::Entity::find()
        .filter(
            organisation::Column::Id.is_in(
                tenders
                    .iter()
                    .map(|t| t.organisation_id)
                    .collect::<HashSet<_>>(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    Ok(tenders
        .into_iter()
        .map(|t| TenderSummary {
            id: t.id,
            ocid: t.ocid.clone().unwrap_or_default(),
            status: t.status.clone(),
            buyer_name: t
                .buyer_name
                .clone()
                .filter(|n| !n.is_empty())
                .or_else(|| orgs.get(&t.organisation_id).cloned())
                .unwrap_or_default(),
            estimated_value_gbp: gbp(t.estimated_value_gbp),
            deadline: t.deadline.map(rfc3339),
            items: items.get(&t.id).copied().unwrap_or(0),
            lots: lots.get(&t.id).copied().unwrap_or(0),
            updated_at: rfc3339(t.updated_at),
            source: t.source,
            title: t.title,
        })
        .collect())
}

/// The place a line is delivered to, when it names one.
#[must_use]
pub fn delivery_place(item: &tender_item::Model) -> Option<Place> {
    item.delivery_postcode
        .as_deref()
        .and_then(|p| parse_place(p).ok())
        .or_else(|| {
            item.delivery_outcode
                .as_deref()
                .and_then(|o| Outcode::parse(o).ok())
                .map(Place::Outcode)
        })
}
