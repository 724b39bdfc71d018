//! Importing other portals' OCDS: a release, a release package, a record package.
//!
//! All or nothing: the upload is parsed whole first (`domain::ocds::parse` refuses the
//! whole upload if any release is not OCDS), then every tender is written inside the
//! caller's transaction, so a failure leaves nothing behind.
//!
//! * The key is the ocid: importing the same release again updates that tender (its lines
//!   and lots are matched by their OCDS ids, so their ids here stay the same), and an
//!   export of a tender re-imports to the same tender.
//! * The importing buyer's organisation owns a new import; an ocid another organisation
//!   already holds is refused, naming the release.
//! * A notice's status comes from OCDS: active, planning and planned read as published
//!   (it is a public notice), complete and unsuccessful as closed, cancelled and
//!   withdrawn as cancelled.
//! * Money is kept in whole pounds (OCDS amounts are rounded to the pound; other
//!   currencies are dropped with a warning from the parser).
//! * A notice whose buyer has a postcode gets the area within 25 km of it as its local
//!   area, so market depth and plans have a "local" from the start.

use crate::entities::{tender, tender_item, tender_lot};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::tendering::tenders::{SOURCE_IMPORTED, SOURCE_LOCAL};
use crate::state::Env;
use domain::accounts::Actor;
use domain::ocds::{ImportedTender, OcdsError, TenderStatus as OcdsStatus};
use domain::tendering::dto::{ImportResult, ImportedSummary, LocalAreaInput};
use domain::tendering::TenderStatus;
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

/// The radius of the local area given to a notice from its buyer's postcode.
pub const IMPORTED_AREA_KM: f64 = 25.0;

/// A tender's status here, from its OCDS status.
#[must_use]
pub fn status_from_ocds(status: Option<OcdsStatus>) -> TenderStatus {
    match status {
        Some(OcdsStatus::Complete | OcdsStatus::Unsuccessful) => TenderStatus::Closed,
        Some(OcdsStatus::Cancelled | OcdsStatus::Withdrawn) => TenderStatus::Cancelled,
        _ => TenderStatus::Published,
    }
}

/// Where the parser's refusal points: the release's path (`releases[3]`) or the upload.
fn refusal(e: &OcdsError) -> ServiceError {
    let field = match e {
        OcdsError::NotARelease { at, .. }
        | OcdsError::MissingOcid { at }
        | OcdsError::OcidNotText { at, .. }
        | OcdsError::MissingTender { at }
        | OcdsError::TenderNotAnObject { at, .. }
        | OcdsError::RecordWithoutRelease { at } => at.path.clone(),
        _ => "ocds".to_owned(),
    };
    ServiceError::field(&field, e.to_string())
}

/// Reads an upload without writing anything: the tenders it holds, CPV codes checked,
/// with their warnings (the import page's preview).
///
/// # Errors
/// `Validation` naming the refused release, or `ocds` for what is not OCDS at all.
pub fn read(env: &Env, text: &str) -> ServiceResult<Vec<ImportedTender>> {
    let mut tenders = domain::ocds::parse(text).map_err(|e| refusal(&e))?;
    for t in &mut tenders {
        t.check_cpv(&env.cpv);
    }
    Ok(tenders)
}

/// Imports an upload for the actor's organisation, inside the caller's transaction.
///
/// # Errors
/// `Forbidden` for anyone but an active buyer or admin; `Validation` as [`read`], or
/// naming a release whose ocid another organisation holds; database failures (then the
/// caller's transaction rolls everything back).
pub async fn import(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    text: &str,
) -> ServiceResult<ImportResult> {
    importer(actor)?;
    let tenders = read(env, text)?;
    import_tenders(db, actor, &tenders).await
}

/// The organisation that owns what the actor imports.
fn importer(actor: &Actor) -> ServiceResult<i64> {
    if actor.is_active_admin() {
        actor.organisation_id()
    } else {
        actor.buyer_organisation()
    }
    .ok_or(ServiceError::Forbidden)
}

/// Imports tenders already read with [`read`], inside the caller's transaction (the bulk
/// import reads first to leave out what is already here).
///
/// # Errors
/// As [`import`].
pub async fn import_tenders(
    db: &impl ConnectionTrait,
    actor: &Actor,
    tenders: &[ImportedTender],
) -> ServiceResult<ImportResult> {
    let org = importer(actor)?;
    let mut out = Vec::with_capacity(tenders.len());
    for (i, t) in tenders.iter().enumerate() {
        out.push(store(db, actor, org, i, tenders.len(), t).await?);
    }
    Ok(ImportResult { tenders: out })
}

fn text_or(value: Option<&String>, fallback: impl FnOnce() -> String) -> String {
    value
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(fallback)
}

fn pounds(m: Option<&domain::ocds::Money>) -> Option<i64> {
    m.and_then(domain::ocds::Money::whole_pounds)
        .and_then(|g| i64::try_from(g.pounds()).ok())
}

fn cut(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        s.chars().take(max).collect()
    }
}

async fn store(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    index: usize,
    count: usize,
    t: &ImportedTender,
) -> ServiceResult<ImportedSummary> {
    let at = now();
    let existing = tender::Entity::find()
        .filter(tender::Column::Ocid.eq(t.ocid.as_str()))
        .one(db)
        .await?;
    if let Some(e) = &existing {
        if e.organisation_id != org && !actor.is_active_admin() {
            let mut errors = FieldErrors::new();
            let field = if count == 1 {
                "ocid".to_owned()
            } else {
                format!("releases[{index}].ocid")
            };
            errors.add(
                field,
                format!(
                    "{} is already held here by another organisation; ask them to import it",
                    t.ocid
                ),
            );
            return Err(errors.into());
        }
    }
    if let Some(held) = existing.as_ref().filter(|e| holds_newer(e, t)) {
        return Ok(ImportedSummary {
            id: held.id,
            ocid: t.ocid.clone(),
            title: held.title.clone(),
            lots: t.tender.lots.len() as u64,
            items: t.tender.items.len() as u64,
            updated: false,
            unchanged: true,
            warnings: t.warnings.clone(),
        });
    }
    let tn = &t.tender;
    let status = status_from_ocds(tn.status);
    let title = cut(
        text_or(tn.title.as_ref(), || format!("Notice {}", t.ocid)),
        300,
    );
    let area = t.buyer.as_ref().and_then(|b| b.postcode()).map(|p| {
        serde_json::to_value(LocalAreaInput::Near {
            near: p.outcode().as_str().to_owned(),
            within_km: IMPORTED_AREA_KM,
        })
        .unwrap_or_default()
    });
    let buyer = t.buyer.clone().unwrap_or_default();
    let warnings = serde_json::to_value(&t.warnings).unwrap_or_default();
    let mut row: tender::ActiveModel = match &existing {
        Some(e) => e.clone().into(),
        None => tender::ActiveModel {
            organisation_id: Set(org),
            created_by: Set(Some(actor.user_id)),
            ocid: Set(Some(t.ocid.clone())),
            source: Set(SOURCE_IMPORTED.into()),
            local_area: Set(area),
            created_at: Set(at),
            ..Default::default()
        },
    };
    let updated = existing.is_some();
    let local = existing.as_ref().is_some_and(|e| e.source == SOURCE_LOCAL);
    if !local {
        row.source_release_id = Set(t.release_id.clone());
        row.source_release_date = Set(t.date);
        row.buyer_name = Set(buyer.name.clone().map(|n| cut(n, 300)));
        row.buyer_id_scheme = Set(buyer.identifier.as_ref().map(|i| cut(i.scheme.clone(), 64)));
        row.buyer_id = Set(buyer.identifier.as_ref().map(|i| cut(i.id.clone(), 200)));
        row.import_warnings = Set(Some(warnings));
    }
    row.title = Set(title.clone());
    row.description = Set(tn.description.clone().unwrap_or_default());
    row.estimated_value_gbp = Set(pounds(tn.value.as_ref()));
    row.deadline = Set(tn.deadline);
    row.contract_start = Set(tn.contract_period.as_ref().and_then(|p| p.start));
    row.contract_end = Set(tn.contract_period.as_ref().and_then(|p| p.end));
    row.status = Set(status.slug().into());
    row.single_lot_reason = Set(tn.lot_details.no_lots_division_rationale.clone());
    row.max_lots_bid_per_supplier = Set(tn
        .lot_details
        .maximum_lots_bid_per_supplier
        .and_then(|v| i32::try_from(v).ok()));
    row.max_lots_won_per_supplier = Set(tn
        .lot_details
        .maximum_lots_awarded_per_supplier
        .and_then(|v| i32::try_from(v).ok()));
    if status != TenderStatus::Draft {
        let published = existing.as_ref().and_then(|e| e.published_at);
        row.published_at = Set(published.or(t.date).or(Some(at)));
    }
    row.updated_at = Set(at);
    let saved = if updated {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    let tender_id = saved.id;
    // In this transaction, so an import that commits always reaches the matched suppliers.
    crate::services::tendering::alerts::tender_changed(db, &saved).await?;

    // Lots, matched by their OCDS id.
    let old_lots = tender_lot::Entity::find()
        .filter(tender_lot::Column::TenderId.eq(tender_id))
        .order_by_asc(tender_lot::Column::Position)
        .all(db)
        .await?;
    let mut old_lots: HashMap<String, tender_lot::Model> = old_lots
        .into_iter()
        .map(|l| (l.ocds_lot_id.clone().unwrap_or_else(|| l.id.to_string()), l))
        .collect();
    let mut lot_ids: HashMap<String, i64> = HashMap::new();
    for (k, lot) in tn.lots.iter().enumerate() {
        let position = i32::try_from(k + 1).unwrap_or(i32::MAX);
        let title = cut(
            text_or(lot.title.as_ref(), || format!("Lot {}", lot.id)),
            300,
        );
        let description = lot.description.clone().unwrap_or_default();
        let id = match old_lots.remove(&lot.id) {
            Some(old) => {
                let mut r: tender_lot::ActiveModel = old.into();
                r.position = Set(position);
                r.title = Set(title);
                r.description = Set(description);
                r.update(db).await?.id
            }
            None => {
                tender_lot::ActiveModel {
                    tender_id: Set(tender_id),
                    position: Set(position),
                    title: Set(title),
                    description: Set(description),
                    ocds_lot_id: Set(Some(cut(lot.id.clone(), 200))),
                    ..Default::default()
                }
                .insert(db)
                .await?
                .id
            }
        };
        lot_ids.insert(lot.id.clone(), id);
    }
    let only_lot = (tn.lots.len() == 1)
        .then(|| lot_ids.values().next().copied())
        .flatten();

    // Items, matched by their OCDS id.
    let old_items = tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.eq(tender_id))
        .all(db)
        .await?;
    let mut old_items: HashMap<String, tender_item::Model> = old_items
        .into_iter()
        .map(|i| {
            (
                i.ocds_item_id.clone().unwrap_or_else(|| i.id.to_string()),
                i,
            )
        })
        .collect();
    for (k, item) in tn.items.iter().enumerate() {
        let position = i32::try_from(k + 1).unwrap_or(i32::MAX);
        let place = item.delivery_place();
        let lot_id = item
            .related_lot
            .as_ref()
            .and_then(|l| lot_ids.get(l).copied())
            .or(only_lot);
        let description = text_or(item.description.as_ref(), || "(no description)".to_owned());
        let cpv = item.cpv.as_ref().map(|c| c.code.as_str().to_owned());
        let value = pounds(item.value.as_ref());
        let postcode = place.as_ref().map(|p| cut(p.to_string(), 10));
        let outcode = place.as_ref().map(|p| p.outcode().as_str().to_owned());
        let unit = item.unit_name.clone().map(|u| cut(u, 100));
        match old_items.remove(&item.id) {
            Some(old) => {
                let mut r: tender_item::ActiveModel = old.into();
                r.position = Set(position);
                r.description = Set(description);
                r.cpv = Set(cpv);
                r.value_gbp = Set(value);
                r.quantity = Set(item.quantity);
                r.unit = Set(unit);
                r.delivery_postcode = Set(postcode);
                r.delivery_outcode = Set(outcode);
                r.lot_id = Set(lot_id);
                r.update(db).await?;
            }
            None => {
                tender_item::ActiveModel {
                    tender_id: Set(tender_id),
                    position: Set(position),
                    description: Set(description),
                    cpv: Set(cpv),
                    value_gbp: Set(value),
                    quantity: Set(item.quantity),
                    unit: Set(unit),
                    delivery_postcode: Set(postcode),
                    delivery_outcode: Set(outcode),
                    lot_id: Set(lot_id),
                    ocds_item_id: Set(Some(cut(item.id.clone(), 200))),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    let gone_items: Vec<i64> = old_items.values().map(|i| i.id).collect();
    if !gone_items.is_empty() {
        tender_item::Entity::delete_many()
            .filter(tender_item::Column::Id.is_in(gone_items))
            .exec(db)
            .await?;
    }
    let gone_lots: Vec<i64> = old_lots.values().map(|l| l.id).collect();
    if !gone_lots.is_empty() {
        tender_lot::Entity::delete_many()
            .filter(tender_lot::Column::Id.is_in(gone_lots))
            .exec(db)
            .await?;
    }
    Ok(ImportedSummary {
        id: tender_id,
        ocid: t.ocid.clone(),
        title,
        lots: tn.lots.len() as u64,
        items: tn.items.len() as u64,
        updated,
        unchanged: false,
        warnings: t.warnings.clone(),
    })
}

/// Whether the imported notice held here comes from a newer release than `t`. Releases of
/// one ocid arrive in any order (a folder, a feed replayed): the latest by release date
/// wins, so an older release changes nothing. The same release again still updates (an
/// importer correcting a notice re-sends it). A tender drafted here is not an import and
/// is left to [`store`]'s own rules.
fn holds_newer(held: &tender::Model, t: &ImportedTender) -> bool {
    held.source == SOURCE_IMPORTED
        && matches!((held.source_release_date, t.date), (Some(h), Some(n)) if h > n)
}

/// What importing an upload would do to tenders already here, for the import page's
/// preview: for each ocid held here, the tender's id and whether the actor may update it
/// (its organisation holds it, or the actor is an admin); ocids not listed are new.
///
/// # Errors
/// Database failures.
pub async fn existing(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ocids: &[String],
) -> ServiceResult<HashMap<String, (i64, bool)>> {
    let mut out = HashMap::new();
    // SQLite allows some 32,000 bound values; a chunk stays far below it.
    for chunk in ocids.chunks(500) {
        let rows = tender::Entity::find()
            .filter(tender::Column::Ocid.is_in(chunk.iter().map(String::as_str)))
            .all(db)
            .await?;
        for row in rows {
            if let Some(ocid) = row.ocid {
                let mine = actor.is_active_admin()
                    || actor.buyer_organisation() == Some(row.organisation_id);
                out.insert(ocid, (row.id, mine));
            }
        }
    }
    Ok(out)
}
