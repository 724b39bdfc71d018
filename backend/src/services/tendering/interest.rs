//! Interest in lots: a supplier user marks (or withdraws) its organisation's interest in
//! an open lot, optionally as part of a consortium with a note; the tender's buyer sees
//! per lot the interested suppliers with the evidence it weighs (local, SME, social
//! economy, capacity) and the count on the tender page.

use super::market::lines_and_area;
use super::tenders::{self, SOURCE_IMPORTED};
use crate::entities::{lot_interest, tender, tender_lot};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::snapshots;
use crate::state::Env;
use domain::accounts::Actor;
use domain::tendering::opportunity_views::{
    InterestInput, InterestView, InterestedSupplier, LotInterest, TenderInterest,
};
use domain::tendering::rules;
use domain::tendering::TenderStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::{HashMap, HashSet};

const NOTE_MAX: usize = 2_000;

/// A lot and its tender, when suppliers may act on it: its tender is published and its
/// deadline (if any) has not passed. A draft's lot is `NotFound` (its existence does not
/// leak); a closed, cancelled or past-deadline one is a `Conflict` saying so.
///
/// # Errors
/// As above; database failures.
pub async fn open_lot(
    db: &impl ConnectionTrait,
    lot_id: i64,
) -> ServiceResult<(tender_lot::Model, tender::Model)> {
    let lot = tender_lot::Entity::find_by_id(lot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let t = tender::Entity::find_by_id(lot.tender_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let status: TenderStatus = t.status.parse().unwrap_or(TenderStatus::Draft);
    if status == TenderStatus::Draft && t.source != SOURCE_IMPORTED {
        return Err(ServiceError::NotFound);
    }
    if status != TenderStatus::Published {
        return Err(ServiceError::Conflict(format!(
            "the tender is {}: only lots of open tenders take interest",
            status.slug()
        )));
    }
    if t.deadline.is_some_and(|d| d <= now()) {
        return Err(ServiceError::Conflict(
            "the tender's deadline has passed".into(),
        ));
    }
    Ok((lot, t))
}

/// The supplier organisation an active supplier user acts for.
///
/// # Errors
/// `Forbidden` for anyone else (buyers, admins, suspended users or organisations).
pub fn acting_supplier(actor: &Actor) -> ServiceResult<i64> {
    actor
        .supplier_organisation()
        .filter(|&org| actor.can_edit_supplier(org))
        .ok_or(ServiceError::Forbidden)
}

fn view(m: &lot_interest::Model) -> InterestView {
    InterestView {
        lot_id: m.lot_id,
        supplier_id: m.supplier_id,
        as_consortium: m.as_consortium,
        note: m.note.clone(),
        created_at: tenders::rfc3339(m.created_at),
    }
}

/// Marks the actor's organisation as interested in an open lot; marking again updates
/// the consortium flag and note. The boolean is true when the interest is new.
///
/// # Errors
/// `Forbidden` (not an active supplier user); `NotFound`/`Conflict` as [`open_lot`];
/// `Validation` (`note`, too long); database failures.
pub async fn mark(
    db: &impl ConnectionTrait,
    actor: &Actor,
    lot_id: i64,
    input: &InterestInput,
) -> ServiceResult<(InterestView, bool)> {
    let supplier_id = acting_supplier(actor)?;
    open_lot(db, lot_id).await?;
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(ServiceError::field(
            "note",
            format!("keep the note under {NOTE_MAX} characters"),
        ));
    }
    let existing = lot_interest::Entity::find()
        .filter(lot_interest::Column::LotId.eq(lot_id))
        .filter(lot_interest::Column::SupplierId.eq(supplier_id))
        .one(db)
        .await?;
    if let Some(old) = existing {
        let mut row: lot_interest::ActiveModel = old.into();
        row.as_consortium = Set(input.as_consortium);
        row.note = Set(note);
        let m = row.update(db).await?;
        return Ok((view(&m), false));
    }
    let m = lot_interest::ActiveModel {
        lot_id: Set(lot_id),
        supplier_id: Set(supplier_id),
        user_id: Set(Some(actor.user_id)),
        as_consortium: Set(input.as_consortium),
        note: Set(note),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((view(&m), true))
}

/// Withdraws the actor's organisation's interest in an open lot (nothing to withdraw is
/// fine: the outcome is the same).
///
/// # Errors
/// As [`mark`].
pub async fn withdraw(db: &impl ConnectionTrait, actor: &Actor, lot_id: i64) -> ServiceResult<()> {
    let supplier_id = acting_supplier(actor)?;
    open_lot(db, lot_id).await?;
    lot_interest::Entity::delete_many()
        .filter(lot_interest::Column::LotId.eq(lot_id))
        .filter(lot_interest::Column::SupplierId.eq(supplier_id))
        .exec(db)
        .await?;
    Ok(())
}

/// How many distinct suppliers are interested in any lot of the tender.
///
/// # Errors
/// Database failures.
pub async fn count_for_tender(db: &impl ConnectionTrait, tender_id: i64) -> ServiceResult<u64> {
    let lots: Vec<i64> = tender_lot::Entity::find()
        .filter(tender_lot::Column::TenderId.eq(tender_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.id)
        .collect();
    if lots.is_empty() {
        return Ok(0);
    }
    let rows = lot_interest::Entity::find()
        .filter(lot_interest::Column::LotId.is_in(lots))
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.supplier_id)
        .collect::<HashSet<_>>()
        .len() as u64)
}

/// The interest in a tender's lots, for the buyer who owns it (or an admin): per lot in
/// its order, the interested suppliers, earliest first, with their evidence. Another
/// buyer gets `NotFound` (whether suppliers are interested is the owner's business), a
/// supplier `Forbidden`.
///
/// # Errors
/// As above; database failures.
pub async fn for_tender(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    tender_id: i64,
) -> ServiceResult<TenderInterest> {
    if !(actor.can_search() || actor.is_active_admin()) {
        return Err(ServiceError::Forbidden);
    }
    let loaded = match tenders::managed(db, actor, tender_id).await {
        Err(ServiceError::Forbidden) => return Err(ServiceError::NotFound),
        other => other?,
    };
    let (_, _, area) = lines_and_area(env, &loaded);
    let lot_ids: Vec<i64> = loaded.lots.iter().map(|l| l.id).collect();
    let rows = if lot_ids.is_empty() {
        Vec::new()
    } else {
        lot_interest::Entity::find()
            .filter(lot_interest::Column::LotId.is_in(lot_ids))
            .order_by_asc(lot_interest::Column::CreatedAt)
            .order_by_asc(lot_interest::Column::Id)
            .all(db)
            .await?
    };
    let ids: Vec<i64> = rows
        .iter()
        .map(|r| r.supplier_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let snaps: HashMap<i64, domain::registry::SupplierSnapshot> = snapshots::snapshots(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let lots = loaded
        .lots
        .iter()
        .map(|l| LotInterest {
            lot_id: l.id,
            title: l.title.clone(),
            suppliers: rows
                .iter()
                .filter(|r| r.lot_id == l.id)
                .filter_map(|r| {
                    let s = snaps.get(&r.supplier_id)?;
                    let capacity = rules::capacity(s);
                    Some(InterestedSupplier {
                        supplier_id: s.id,
                        name: s.display_name().to_owned(),
                        town: s.town.clone(),
                        outcode: s.outcode.clone(),
                        local: rules::is_local(s, &area),
                        size: s.size.map(|z| z.slug().to_owned()),
                        sme: s.is_sme(),
                        social_economy: s.social_economy,
                        legal_form: s.legal_form.map(|f| f.slug().to_owned()),
                        capacity_gbp: capacity.limit().map(domain::text::Gbp::pounds),
                        capacity: capacity.to_string(),
                        verified: s.verified,
                        as_consortium: r.as_consortium,
                        note: r.note.clone(),
                        marked_at: tenders::rfc3339(r.created_at),
                    })
                })
                .collect(),
        })
        .collect();
    Ok(TenderInterest {
        tender_id,
        title: loaded.tender.title.clone(),
        lots,
        suppliers: ids.len() as u64,
    })
}

/// Counts of interest per lot, for lists.
///
/// # Errors
/// Database failures.
pub async fn counts(
    db: &impl ConnectionTrait,
    lot_ids: &[i64],
) -> ServiceResult<HashMap<i64, u64>> {
    let mut out = HashMap::new();
    for chunk in lot_ids.chunks(900) {
        let n = lot_interest::Entity::find()
            .filter(lot_interest::Column::LotId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        for r in n {
            *out.entry(r.lot_id).or_default() += 1;
        }
    }
    Ok(out)
}
