//! Spend analyses: creating one from an upload, reading its figures, and the buyer's
//! review decisions. Only the owner buyer organisation's users (and admins) see an
//! analysis; anyone else is told it does not exist.

use super::compute::StoredFigures;
use super::job::SpendAnalysisJob;
use crate::entities::{
    spend_alias, spend_analysis, spend_analysis_payee, spend_analysis_supplier, spend_refused_row,
    upload,
};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{self, Enqueue};
use crate::state::{AppState, Env};
use domain::accounts::{Actor, Role};
use domain::jobs::JobStatus;
use domain::place::{parse_place, Outcode};
use domain::spend::columns::ColumnSpec;
use domain::spend::dto::{
    pounds, AnalysisListItem, AnalysisSummary, CategoryList, LeakageList, PayeeGroup, RejectedRow,
    ReviewCandidate, ReviewDecision, ReviewList, Slice, SupplierLine, SupplierList, UnmatchedList,
};
use domain::spend::figures::{Area, Breakdown};
use domain::spend::lm3::Lm3Assumptions;
use domain::spend::matching::{AliasDecision, AliasKey};
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Analysis statuses, as stored and shown.
pub const QUEUED: &str = "queued";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// What the buyer asks for, as the query string or the upload form gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnalysisRequest {
    pub name: Option<String>,
    /// Outcodes, comma-separated: the buyer's area.
    pub area: Option<String>,
    /// A postcode or outcode: the centre of the wider region.
    pub near: Option<String>,
    pub within_km: Option<f64>,
    /// The buyer's column mapping (`supplier_name:Name,amount:17`).
    pub columns: Option<String>,
}

/// The buyer's area, the wider region, and the supplier-search query meaning "local".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Places {
    pub area: Area,
    pub region: Area,
    /// `area=PR1,PR2` or `near=PR1&within_km=20`, for links to the supplier search.
    pub local_query: String,
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct NewAnalysis {
    pub name: String,
    pub places: Places,
    pub columns: Option<String>,
}

/// Radius of the wider region when `near` is given without `within_km`.
pub const DEFAULT_REGION_KM: f64 = 30.0;

/// Checks a request before the file is read: the caller is a buyer, the places are real,
/// the column mapping parses.
///
/// # Errors
/// `Forbidden` for anyone but an active buyer; `Validation` naming `area`, `near`,
/// `within_km`, `columns` or `name`.
pub fn check(env: &Env, actor: &Actor, req: &AnalysisRequest) -> ServiceResult<NewAnalysis> {
    if actor.buyer_organisation().is_none() {
        return Err(ServiceError::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let mut area = Area::default();
    let mut area_words: Vec<String> = Vec::new();
    for part in req
        .area
        .as_deref()
        .unwrap_or("")
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match Outcode::parse(part) {
            Ok(o) if env.outcodes.get(&o).is_some() => {
                area_words.push(o.as_str().to_owned());
                area.outcodes.push(o);
            }
            Ok(o) => errors.add("area", format!("{} is not a known outcode", o.as_str())),
            Err(e) => errors.add("area", format!("'{part}': {e}")),
        }
    }
    let mut region = Area::default();
    let within = req.within_km;
    if let Some(km) = within {
        if !(km.is_finite() && km > 0.0 && km <= 500.0) {
            errors.add("within_km", "give a distance from 0 to 500 km");
        }
    }
    let mut near_text = None;
    if let Some(near) = req.near.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        match parse_place(near).map_err(|e| e.to_string()).and_then(|p| {
            env.outcodes
                .resolve(&p)
                .map(|info| (p.to_string(), info.lat, info.lon))
                .map_err(|e| e.to_string())
        }) {
            Ok((text, lat, lon)) => {
                region.centre = Some((lat, lon));
                region.radius_km = Some(within.unwrap_or(DEFAULT_REGION_KM));
                near_text = Some(text);
            }
            Err(e) => errors.add("near", e),
        }
    } else if within.is_some() {
        errors.add("near", "give near= (a postcode or outcode) with within_km=");
    }
    if area.outcodes.is_empty() && near_text.is_none() && !errors.contains("area") {
        errors.add(
            "area",
            "give the buyer's area as outcodes (area=PR1,PR2) or a place and radius (near=PR1&within_km=20)",
        );
    }
    let columns = req
        .columns
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(c) = columns {
        if let Err(e) = ColumnSpec::parse(c) {
            errors.add("columns", e.to_string());
        }
    }
    let name = req.name.as_deref().map(str::trim).unwrap_or_default();
    if name.chars().count() > 200 {
        errors.add("name", "at most 200 characters");
    }
    errors.into_result(())?;
    // Without outcodes, the area is the place given and the region its radius.
    if area.outcodes.is_empty() {
        area.centre = region.centre;
        area.radius_km = region.radius_km;
    }
    let local_query = match &near_text {
        _ if !area_words.is_empty() => format!("area={}", area_words.join(",")),
        Some(near) => format!(
            "near={}&within_km={}",
            near.replace(' ', "+"),
            region.radius_km.unwrap_or(DEFAULT_REGION_KM)
        ),
        None => String::new(),
    };
    Ok(NewAnalysis {
        name: if name.is_empty() {
            format!(
                "Spend analysis {}",
                super::super::now().format("%Y-%m-%d %H:%M")
            )
        } else {
            name.to_owned()
        },
        places: Places {
            area,
            region,
            local_query,
        },
        columns: columns.map(str::to_owned),
    })
}

fn json<T: Serialize>(value: &T) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ServiceError::Unexpected(e.into()))
}

/// Records an analysis of upload `upload_id` and queues its job, in the caller's
/// transaction; returns `(analysis id, job id)`.
///
/// # Errors
/// `Forbidden` for anyone but an active buyer; database failures.
pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: &NewAnalysis,
    upload_id: i64,
) -> ServiceResult<(i64, i64)> {
    let id = insert(db, actor, new, upload_id, QUEUED).await?;
    let job_id = enqueue_run(db, actor, id, 0).await?;
    Ok((id, job_id))
}

/// Records an analysis of upload `upload_id` that waits for the buyer to confirm its
/// columns (the pages' upload; see [`super::mapping`]), in the caller's transaction;
/// returns its id. No job runs until the columns are confirmed.
///
/// # Errors
/// `Forbidden` for anyone but an active buyer; database failures.
pub async fn create_for_mapping(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: &NewAnalysis,
    upload_id: i64,
) -> ServiceResult<i64> {
    insert(db, actor, new, upload_id, super::mapping::MAPPING).await
}

/// The new analysis row of the actor's buyer organisation, in `status`.
async fn insert(
    db: &impl ConnectionTrait,
    actor: &Actor,
    new: &NewAnalysis,
    upload_id: i64,
    status: &str,
) -> ServiceResult<i64> {
    let organisation = actor.buyer_organisation().ok_or(ServiceError::Forbidden)?;
    let row = spend_analysis::ActiveModel {
        organisation_id: Set(organisation),
        created_by: Set(Some(actor.user_id)),
        name: Set(new.name.clone()),
        upload_id: Set(Some(upload_id)),
        status: Set(status.to_owned()),
        columns_spec: Set(new.columns.clone()),
        area: Set(json(&new.places)?),
        region: Set(json(&new.places.region)?),
        assumptions: Set(json(&Lm3Assumptions::default())?),
        revision: Set(0),
        created_at: Set(super::super::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

pub(super) async fn enqueue_run(
    db: &impl ConnectionTrait,
    actor: &Actor,
    analysis_id: i64,
    revision: i32,
) -> ServiceResult<i64> {
    let job_id = jobs::enqueue(
        db,
        &SpendAnalysisJob {
            analysis_id,
            revision,
        },
        Enqueue::now()
            .requested_by(actor)
            .dedupe(format!("spend_analysis:{analysis_id}:{revision}")),
    )
    .await?;
    spend_analysis::ActiveModel {
        id: Set(analysis_id),
        job_id: Set(Some(job_id)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(job_id)
}

/// The analysis if the actor may see it: the owner buyer organisation's users and admins.
pub(super) async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<spend_analysis::Model> {
    let row = spend_analysis::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let owner = actor.role == Role::Buyer && actor.organisation_id() == Some(row.organisation_id);
    if owner || actor.is_active_admin() {
        Ok(row)
    } else {
        Err(ServiceError::NotFound)
    }
}

fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn figures_of(row: &spend_analysis::Model) -> Option<StoredFigures> {
    row.figures
        .clone()
        .and_then(|f| serde_json::from_value(f).ok())
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The analysis's headline figures and refused rows.
///
/// # Errors
/// `NotFound` unless the actor may see it; database failures.
pub async fn summary(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<AnalysisSummary> {
    let row = visible(db, actor, id).await?;
    let status = effective_status(db, &row).await?;
    let refused = spend_refused_row::Entity::find()
        .filter(spend_refused_row::Column::AnalysisId.eq(id))
        .order_by_asc(spend_refused_row::Column::Row)
        .all(db)
        .await?;
    let figures = figures_of(&row);
    let overall = figures.as_ref().map(|f| f.overall);
    let share = |f: fn(&Breakdown) -> f64| overall.as_ref().map_or(0.0, f);
    let amounts = overall.map(|o| o.amounts).unwrap_or_default();
    let errors = match (&row.error_fields, status.as_str()) {
        (Some(fields), _) => Some(fields.clone()),
        (None, FAILED) => Some(serde_json::json!({
            "file": row.error.clone().unwrap_or_else(|| "the file could not be analysed".to_owned())
        })),
        _ => None,
    };
    Ok(AnalysisSummary {
        id: row.id,
        name: row.name.clone(),
        status,
        job_id: row.job_id,
        rows: count(row.rows_accepted + row.rows_refused),
        accepted_rows: count(row.rows_accepted),
        blank_rows: count(row.rows_blank),
        total: pounds(row.total),
        matched_total: pounds(row.matched_total),
        matched_share: share(|o| o.matched_share),
        local_share: share(|o| o.local_share),
        region_share: share(|o| o.region_share),
        sme_share: share(|o| o.sme_share),
        social_economy_share: share(|o| o.social_economy_share),
        real_living_wage_share: share(|o| o.real_living_wage_share),
        unmatched_rows: amounts.rows - amounts.matched_rows,
        review_rows: amounts.review_rows,
        rejected_rows: refused
            .into_iter()
            .map(|r| RejectedRow {
                row: count(r.row),
                reason: r.reason,
                amount: r.amount.map(pounds),
            })
            .collect(),
        lm3: figures
            .as_ref()
            .map(|f| serde_json::to_value(f.lm3).unwrap_or_default())
            .unwrap_or_default(),
        assumptions: row.assumptions.clone(),
        columns: row.layout.clone().unwrap_or_else(|| serde_json::json!({})),
        errors,
        created_at: stamp(row.created_at),
        finished_at: row.finished_at.map(stamp),
    })
}

/// `queued`, `running`, `done` or `failed`: the analysis's own status, or its job's while
/// the job has not finished it (a job that gave up leaves the analysis `failed`).
pub(super) async fn effective_status(
    db: &impl ConnectionTrait,
    row: &spend_analysis::Model,
) -> ServiceResult<String> {
    if row.status == DONE || row.status == FAILED {
        return Ok(row.status.clone());
    }
    let Some(job_id) = row.job_id else {
        return Ok(row.status.clone());
    };
    let job = crate::entities::job::Entity::find_by_id(job_id)
        .one(db)
        .await?;
    Ok(match job.and_then(|j| JobStatus::from_slug(&j.status)) {
        Some(JobStatus::Failed) => FAILED.to_owned(),
        Some(JobStatus::Running) => "running".to_owned(),
        _ => row.status.clone(),
    })
}

/// The analyses of the actor's buyer organisation, newest first.
///
/// # Errors
/// `Forbidden` for anyone but a buyer; database failures.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ServiceResult<Vec<AnalysisListItem>> {
    let organisation = match (actor.role, actor.organisation_id()) {
        (Role::Buyer, Some(org)) => org,
        _ => return Err(ServiceError::Forbidden),
    };
    let rows = spend_analysis::Entity::find()
        .filter(spend_analysis::Column::OrganisationId.eq(organisation))
        .order_by_desc(spend_analysis::Column::CreatedAt)
        .order_by_desc(spend_analysis::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| AnalysisListItem {
            id: r.id,
            name: r.name,
            status: r.status,
            total: pounds(r.total),
            local_share: r.local_share,
            sme_share: r.sme_share,
            social_economy_share: r.social_economy_share,
            created_at: stamp(r.created_at),
        })
        .collect())
}

/// Spend per attached supplier, largest first.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; database failures.
pub async fn suppliers(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<SupplierList> {
    visible(db, actor, id).await?;
    let rows = spend_analysis_supplier::Entity::find()
        .filter(spend_analysis_supplier::Column::AnalysisId.eq(id))
        .order_by_desc(spend_analysis_supplier::Column::Amount)
        .order_by_asc(spend_analysis_supplier::Column::SupplierId)
        .all(db)
        .await?;
    Ok(SupplierList {
        suppliers: rows
            .into_iter()
            .map(|s| SupplierLine {
                supplier_id: s.supplier_id,
                name: s.name,
                amount: pounds(s.amount),
                rows: count(s.rows),
                confidence: s.confidence,
                local: s.local,
                region: s.region,
                sme: s.sme,
                social_economy: s.social_economy,
                real_living_wage: s.real_living_wage,
                lm3: s.lm3,
            })
            .collect(),
    })
}

fn slice(key: String, label: String, cpv_division: Option<String>, b: &Breakdown) -> Slice {
    Slice {
        key,
        label,
        cpv_division,
        rows: b.amounts.rows,
        total: pounds(b.amounts.total),
        matched_total: pounds(b.amounts.matched),
        matched_share: b.matched_share,
        local_share: b.local_share,
        region_share: b.region_share,
        sme_share: b.sme_share,
        social_economy_share: b.social_economy_share,
        real_living_wage_share: b.real_living_wage_share,
    }
}

/// Figures per category (largest first) and per financial year (oldest first).
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; database failures.
pub async fn categories(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<CategoryList> {
    let row = visible(db, actor, id).await?;
    let f = figures_of(&row);
    Ok(CategoryList {
        categories: f
            .as_ref()
            .map(|f| {
                f.by_category
                    .iter()
                    .map(|c| {
                        slice(
                            c.key.clone(),
                            c.label.clone(),
                            c.cpv_division.clone(),
                            &c.figures,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        years: f
            .as_ref()
            .map(|f| {
                f.by_year
                    .iter()
                    .map(|y| slice(y.year.clone(), y.year.clone(), None, &y.figures))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// Categories where money leaves although local suppliers could deliver.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; database failures.
pub async fn leakage(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<LeakageList> {
    let row = visible(db, actor, id).await?;
    Ok(LeakageList {
        leakage: figures_of(&row).map(|f| f.leakage).unwrap_or_default(),
    })
}

async fn payees(
    db: &impl ConnectionTrait,
    id: i64,
    status: &str,
) -> ServiceResult<Vec<PayeeGroup>> {
    let rows = spend_analysis_payee::Entity::find()
        .filter(spend_analysis_payee::Column::AnalysisId.eq(id))
        .filter(spend_analysis_payee::Column::Status.eq(status))
        .order_by_desc(spend_analysis_payee::Column::Amount)
        .order_by_asc(spend_analysis_payee::Column::Key)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| PayeeGroup {
            key: p.key,
            name: p.name,
            amount: pounds(p.amount),
            rows: count(p.rows),
            first_row: count(p.first_row),
            reason: p.reason,
            candidates: p
                .candidates
                .and_then(|c| serde_json::from_value::<Vec<ReviewCandidate>>(c).ok())
                .unwrap_or_default(),
        })
        .collect())
}

/// Payees awaiting the buyer's review, with their candidates, largest first.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; database failures.
pub async fn review(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<ReviewList> {
    visible(db, actor, id).await?;
    Ok(ReviewList {
        review: payees(db, id, "review").await?,
    })
}

/// Payees matched to no registered supplier, grouped by normalised name, largest first.
///
/// # Errors
/// `NotFound` unless the actor may see the analysis; database failures.
pub async fn unmatched(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<UnmatchedList> {
    visible(db, actor, id).await?;
    Ok(UnmatchedList {
        unmatched: payees(db, id, "unmatched").await?,
    })
}

/// The stored form of an alias decision: `(decision, supplier)`.
#[must_use]
pub fn decision_slug(d: AliasDecision) -> (&'static str, Option<i64>) {
    match d {
        AliasDecision::Confirmed { supplier_id } => ("confirmed", Some(supplier_id)),
        AliasDecision::Rejected { supplier_id } => ("rejected", Some(supplier_id)),
        AliasDecision::NotRegistered => ("not_registered", None),
    }
}

/// A stored alias row as the matcher takes it; `None` for a row it cannot read.
#[must_use]
pub fn alias_of(row: &spend_alias::Model) -> Option<domain::spend::matching::Alias> {
    let key = match row.key_kind.as_str() {
        "name" => AliasKey::Name(row.key_value.clone()),
        "creditor_ref" => AliasKey::CreditorRef(row.key_value.clone()),
        _ => return None,
    };
    let decision = match (row.decision.as_str(), row.supplier_id) {
        ("confirmed", Some(supplier_id)) => AliasDecision::Confirmed { supplier_id },
        ("rejected", Some(supplier_id)) => AliasDecision::Rejected { supplier_id },
        ("not_registered", _) => AliasDecision::NotRegistered,
        _ => return None,
    };
    Some(domain::spend::matching::Alias { key, decision })
}

/// Records the buyer's decision about a payee awaiting review — remembered for every
/// later file of the same buyer organisation — and queues the analysis to be worked out
/// again with it; returns the job's id.
///
/// A confirmation or "not registered" replaces earlier decisions about the payee; a
/// rejection adds to them (other candidates may still be offered).
///
/// # Errors
/// `NotFound` unless the actor's buyer organisation owns the analysis, or the payee is not
/// awaiting review in it; `Validation` on `decision` or `supplier_id`; database failures.
pub async fn decide(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    input: &ReviewDecision,
) -> ServiceResult<i64> {
    let row = visible(db, actor, id).await?;
    if actor.buyer_organisation() != Some(row.organisation_id) {
        return Err(ServiceError::Forbidden);
    }
    let payee = spend_analysis_payee::Entity::find()
        .filter(spend_analysis_payee::Column::AnalysisId.eq(id))
        .filter(spend_analysis_payee::Column::Key.eq(input.key.as_str()))
        .filter(spend_analysis_payee::Column::Status.eq("review"))
        .one(db)
        .await?
        .ok_or_else(|| ServiceError::field("key", "no payee awaiting review has this key"))?;
    let candidates: Vec<ReviewCandidate> = payee
        .candidates
        .and_then(|c| serde_json::from_value(c).ok())
        .unwrap_or_default();
    let offered = |supplier: Option<i64>| -> ServiceResult<i64> {
        let s = supplier.ok_or_else(|| ServiceError::field("supplier_id", "name the supplier"))?;
        if candidates.iter().any(|c| c.supplier_id == s) {
            Ok(s)
        } else {
            Err(ServiceError::field(
                "supplier_id",
                "not one of the suppliers offered for this payee",
            ))
        }
    };
    let decision = match input.decision.as_str() {
        "confirm" => AliasDecision::Confirmed {
            supplier_id: offered(input.supplier_id)?,
        },
        "reject" => AliasDecision::Rejected {
            supplier_id: offered(input.supplier_id)?,
        },
        "not_registered" => AliasDecision::NotRegistered,
        _ => {
            return Err(ServiceError::field(
                "decision",
                "one of confirm, reject, not_registered",
            ))
        }
    };
    let (slug, supplier_id) = decision_slug(decision);
    let same_key = spend_alias::Entity::delete_many()
        .filter(spend_alias::Column::OrganisationId.eq(row.organisation_id))
        .filter(spend_alias::Column::KeyKind.eq("name"))
        .filter(spend_alias::Column::KeyValue.eq(input.key.as_str()));
    match decision {
        AliasDecision::Rejected { supplier_id } => {
            same_key
                .filter(spend_alias::Column::SupplierId.eq(supplier_id))
                .exec(db)
                .await?;
        }
        _ => {
            same_key.exec(db).await?;
        }
    }
    spend_alias::ActiveModel {
        organisation_id: Set(row.organisation_id),
        key_kind: Set("name".to_owned()),
        key_value: Set(input.key.clone()),
        decision: Set(slug.to_owned()),
        supplier_id: Set(supplier_id),
        decided_by: Set(Some(actor.user_id)),
        decided_at: Set(super::super::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let revision = row.revision + 1;
    spend_analysis::ActiveModel {
        id: Set(id),
        revision: Set(revision),
        status: Set(QUEUED.to_owned()),
        ..Default::default()
    }
    .update(db)
    .await?;
    enqueue_run(db, actor, id, revision).await
}

/// Deletes an analysis and its upload (an API upload whose columns could not be found is
/// answered 422 and leaves nothing behind).
///
/// # Errors
/// `NotFound` unless the actor may see it; database failures.
pub async fn discard(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<()> {
    let row = visible(db, actor, id).await?;
    spend_analysis::Entity::delete_by_id(id).exec(db).await?;
    if let Some(upload_id) = row.upload_id {
        upload::Entity::delete_by_id(upload_id).exec(db).await?;
    }
    Ok(())
}

/// Runs the analysis's job here if no worker has taken it, and waits until the analysis
/// is done or failed, at most `bound`; true when it finished in time.
///
/// # Errors
/// Database failures.
pub async fn wait_for(
    state: &AppState,
    id: i64,
    job_id: i64,
    bound: Duration,
) -> ServiceResult<bool> {
    let runner = state.clone();
    // Its own task: if the bound passes first, the work carries on and the caller polls.
    tokio::spawn(async move {
        if let Err(e) = runner.jobs.run_now(&runner, job_id).await {
            tracing::warn!(error = format!("{e:#}"), job_id, "spend analysis job");
        }
    });
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        let row = spend_analysis::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let status = effective_status(&state.db, &row).await?;
        if status == DONE || status == FAILED {
            return Ok(true);
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}
