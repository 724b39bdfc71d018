//! The consortium finder and "Ask to partner".
//!
//! For an open lot a supplier cannot cover alone (lines it does not cover or serve, or a
//! value above its capacity), [`suggest`] ranks the registry's other listed suppliers by
//! what they complete (`domain::tendering::opportunities::partners`).
//!
//! [`ask`] records a request and mails the other supplier's users through the platform:
//! the mail names the asking supplier and links to its public profile and to the page
//! where they answer, and carries no e-mail address of either side. Only when they
//! accept ([`answer`]) does each side receive the other's contact details, by e-mail.
//! Every mail is a durable `SendMail` job enqueued in the same transaction as the change
//! it reports, so it goes if and only if the change is saved.
//!
//! Limits: one request per (lot, from, to) — the table's unique key — and at most
//! [`PARTNER_REQUESTS_PER_SUPPLIER`] a day from one supplier (counted in the database,
//! so every server process shares the count).

use super::interest::{acting_supplier, open_lot};
use super::market::Market;
use super::opportunities::{listed_snapshot, OpenLots};
use super::tenders;
use crate::entities::{partner_request, supplier_profile, tender, tender_lot, user};
use crate::error::{ServiceError, ServiceResult};
use crate::mail::Email;
use crate::services::accounts::limits::{self, Limit};
use crate::services::accounts::mails;
use crate::services::now;
use crate::services::registry::snapshots;
use crate::state::Env;
use domain::accounts::{Actor, UserStatus};
use domain::registry::SupplierSnapshot;
use domain::tendering::opportunities::{partners as rank, PartnerFit};
use domain::tendering::opportunity_views::{
    GapLine, PartnerRequestInput, PartnerRequestView, PartnerView, PartnersView,
};
use domain::text::Gbp;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashSet;

/// Partner requests one supplier may send in a day.
pub const PARTNER_REQUESTS_PER_SUPPLIER: Limit = Limit {
    bucket: "partner_request",
    max: 20,
    window_secs: 24 * 60 * 60,
    message: "Your organisation has sent 20 partner requests in the last day. Try again",
};

/// How many partners the finder suggests.
pub const PARTNERS_SHOWN: usize = 20;

const MESSAGE_MAX: usize = 2_000;

/// Request statuses.
pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const DECLINED: &str = "declined";

fn completes_text(p: &PartnerFit) -> String {
    let mut parts = Vec::new();
    match p.lines.as_slice() {
        [] => {}
        [one] => parts.push(format!("does line {one}")),
        many => parts.push(format!(
            "does lines {}",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    if p.capacity_added_gbp > 0 {
        parts.push(format!(
            "adds {} of capacity",
            Gbp::new(p.capacity_added_gbp)
        ));
    }
    let mut s = parts.join(" and ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    if p.completes {
        s.push_str("; together you could bid for the whole lot");
    }
    s
}

/// Suggested partners for an open lot, for a user of the asking supplier.
///
/// # Errors
/// `Forbidden` for anyone but a supplier user; `NotFound`/`Conflict` as
/// [`open_lot`]; database failures.
pub async fn suggest(
    db: &impl ConnectionTrait,
    env: &Env,
    market: Market<'_>,
    open: &OpenLots,
    actor: &Actor,
    lot_id: i64,
) -> ServiceResult<PartnersView> {
    let me_id = actor
        .supplier_organisation()
        .ok_or(ServiceError::Forbidden)?;
    open_lot(db, lot_id).await?;
    let catalogue = open.current(db, env).await?;
    let entry = catalogue.get(lot_id).ok_or(ServiceError::NotFound)?;
    let me = match listed_snapshot(db, market, me_id).await? {
        Some(s) => s,
        None => snapshots::snapshots(db, &[me_id])
            .await?
            .pop()
            .unwrap_or_else(|| SupplierSnapshot {
                id: me_id,
                ..SupplierSnapshot::default()
            }),
    };
    let (gap, ranked) = {
        let pool = market.pool.read();
        let (gap, ranked) = rank(&me, &entry.lot, pool.values(), PARTNERS_SHOWN);
        let ranked: Vec<(PartnerFit, SupplierSnapshot)> = ranked
            .into_iter()
            .filter_map(|p| pool.get(&p.supplier_id).map(|s| (p, s.clone())))
            .collect();
        (gap, ranked)
    };
    let asked: HashSet<i64> = partner_request::Entity::find()
        .select_only()
        .column(partner_request::Column::ToSupplierId)
        .filter(partner_request::Column::LotId.eq(lot_id))
        .filter(partner_request::Column::FromSupplierId.eq(me_id))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let gap_lines = entry
        .lines
        .iter()
        .filter(|(id, _, _)| gap.lines.contains(id))
        .map(|(id, description, cpv)| GapLine {
            id: *id,
            description: description.clone(),
            cpv: cpv.clone(),
        })
        .collect();
    Ok(PartnersView {
        lot_id,
        tender_id: entry.lot.tender_id,
        lot_title: entry.lot_title.clone(),
        tender_title: entry.tender_title.clone(),
        buyer: entry.buyer.clone(),
        gap,
        gap_lines,
        partners: ranked
            .into_iter()
            .map(|(p, s)| PartnerView {
                supplier_id: s.id,
                name: s.display_name().to_owned(),
                town: s.town.clone(),
                size: s.size.map(|z| z.slug().to_owned()),
                social_economy: s.social_economy,
                completes_text: completes_text(&p),
                lines: p.lines,
                capacity_added_gbp: p.capacity_added_gbp,
                completes: p.completes,
                distance_km: p.distance_km.map(|d| (d * 10.0).round() / 10.0),
                profile: format!("/suppliers/{}", s.id),
                asked: asked.contains(&s.id),
            })
            .collect(),
    })
}

async fn active_users(
    db: &impl ConnectionTrait,
    organisation_id: i64,
) -> ServiceResult<Vec<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::OrganisationId.eq(organisation_id))
        .filter(user::Column::Status.eq(UserStatus::Active.slug()))
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?)
}

async fn name_of(db: &impl ConnectionTrait, supplier_id: i64) -> ServiceResult<String> {
    Ok(snapshots::snapshots(db, &[supplier_id])
        .await?
        .pop()
        .map(|s| s.display_name().to_owned())
        .unwrap_or_else(|| format!("Supplier {supplier_id}")))
}

async fn view_of(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    r: &partner_request::Model,
) -> ServiceResult<PartnerRequestView> {
    let lot = tender_lot::Entity::find_by_id(r.lot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let t = tender::Entity::find_by_id(lot.tender_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let can_answer = r.status == PENDING
        && actor.is_some_and(|a| acting_supplier(a).ok() == Some(r.to_supplier_id));
    Ok(PartnerRequestView {
        id: r.id,
        lot_id: r.lot_id,
        tender_id: t.id,
        lot_title: lot.title,
        tender_title: t.title,
        from_supplier_id: r.from_supplier_id,
        from_name: name_of(db, r.from_supplier_id).await?,
        to_supplier_id: r.to_supplier_id,
        to_name: name_of(db, r.to_supplier_id).await?,
        message: r.message.clone(),
        status: r.status.clone(),
        created_at: tenders::rfc3339(r.created_at),
        can_answer,
    })
}

/// Asks another listed supplier to bid for an open lot together: records the request
/// and mails the other supplier's active users (no address of either side in it).
///
/// # Errors
/// `Forbidden` (not an active supplier user); `NotFound`/`Conflict` as [`open_lot`];
/// `Validation` (`to_supplier_id`: itself, or not a listed supplier; `message`: too
/// long); `Conflict` when it already asked that supplier about that lot;
/// `TooManyRequests` past [`PARTNER_REQUESTS_PER_SUPPLIER`]; database failures.
pub async fn ask(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    lot_id: i64,
    input: &PartnerRequestInput,
) -> ServiceResult<PartnerRequestView> {
    let from = acting_supplier(actor)?;
    let (lot, t) = open_lot(db, lot_id).await?;
    let to = input.to_supplier_id;
    if to == from {
        return Err(ServiceError::field(
            "to_supplier_id",
            "choose another supplier than your own organisation",
        ));
    }
    let to_snap = snapshots::snapshots(db, &[to])
        .await?
        .pop()
        .filter(SupplierSnapshot::is_searchable)
        .ok_or_else(|| ServiceError::field("to_supplier_id", "no listed supplier has this id"))?;
    let message = input.message.trim().to_owned();
    if message.chars().count() > MESSAGE_MAX {
        return Err(ServiceError::field(
            "message",
            format!("keep the message under {MESSAGE_MAX} characters"),
        ));
    }
    let already = partner_request::Entity::find()
        .filter(partner_request::Column::LotId.eq(lot_id))
        .filter(partner_request::Column::FromSupplierId.eq(from))
        .filter(partner_request::Column::ToSupplierId.eq(to))
        .one(db)
        .await?;
    if already.is_some() {
        return Err(ServiceError::Conflict(format!(
            "you have already asked {} about this lot",
            to_snap.display_name()
        )));
    }
    limits::hit(db, PARTNER_REQUESTS_PER_SUPPLIER, &from.to_string()).await?;
    let r = partner_request::ActiveModel {
        lot_id: Set(lot_id),
        from_supplier_id: Set(from),
        from_user_id: Set(Some(actor.user_id)),
        to_supplier_id: Set(to),
        message: Set(message.clone()),
        status: Set(PENDING.to_owned()),
        answered_by: Set(None),
        answered_at: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let from_name = name_of(db, from).await?;
    let base = &env.config.base_url;
    let said = if message.is_empty() {
        "They left no message.".to_owned()
    } else {
        format!("Their message:\n\n{message}")
    };
    for u in active_users(db, to).await? {
        mails::send(
            db,
            Email {
                to: u.email,
                subject: format!("{from_name} would like to bid with you for “{}”", lot.title),
                body: format!(
                    "{from_name} would like to bid together with {to_name} for a lot on Anchorlink.\n\n\
                     Lot: {lot}\nTender: {tender}\n{base}/tenders/{tender_id}\n\n\
                     Their profile: {base}/suppliers/{from}\n\n{said}\n\n\
                     Accept or decline through Anchorlink (sign in first):\n{base}/partner-requests/{id}\n\n\
                     Your contact details are not shared with them unless you accept; then each \
                     side receives the other's by e-mail.\n",
                    to_name = to_snap.display_name(),
                    lot = lot.title,
                    tender = t.title,
                    tender_id = t.id,
                    id = r.id,
                ),
            },
        )
        .await?;
    }
    view_of(db, Some(actor), &r).await
}

fn contact_lines(
    person: Option<&user::Model>,
    profile: Option<&supplier_profile::Model>,
) -> String {
    let mut out = Vec::new();
    if let Some(u) = person {
        let name = if u.display_name.trim().is_empty() {
            u.email.clone()
        } else {
            format!("{} <{}>", u.display_name, u.email)
        };
        out.push(format!("Contact: {name}"));
    }
    if let Some(p) = profile {
        if !p.email.trim().is_empty() {
            out.push(format!("Organisation e-mail: {}", p.email));
        }
        if !p.phone.trim().is_empty() {
            out.push(format!("Telephone: {}", p.phone));
        }
    }
    out.join("\n")
}

/// The other side answers a pending request. Accepting mails each side the other's
/// contact details; declining tells the asking side, with none.
///
/// # Errors
/// `NotFound` unless the actor is a user of either side; `Forbidden` for the asking
/// side or a suspended user; `Conflict` when already answered; database failures.
pub async fn answer(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: &Actor,
    id: i64,
    accept: bool,
) -> ServiceResult<PartnerRequestView> {
    let r = visible(db, actor, id).await?;
    if acting_supplier(actor).ok() != Some(r.to_supplier_id) {
        return Err(ServiceError::Forbidden);
    }
    if r.status != PENDING {
        return Err(ServiceError::Conflict(format!(
            "this request was already {}",
            r.status
        )));
    }
    let mut row: partner_request::ActiveModel = r.clone().into();
    row.status = Set(if accept { ACCEPTED } else { DECLINED }.to_owned());
    row.answered_by = Set(Some(actor.user_id));
    row.answered_at = Set(Some(now()));
    let r = row.update(db).await?;
    let lot = tender_lot::Entity::find_by_id(r.lot_id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let base = &env.config.base_url;
    let from_name = name_of(db, r.from_supplier_id).await?;
    let to_name = name_of(db, r.to_supplier_id).await?;
    let asker = match r.from_user_id {
        Some(uid) => user::Entity::find_by_id(uid).one(db).await?,
        None => None,
    };
    let askers: Vec<user::Model> = match &asker {
        Some(u) if u.status == UserStatus::Active.slug() => vec![u.clone()],
        _ => active_users(db, r.from_supplier_id).await?,
    };
    if accept {
        let answerer = user::Entity::find_by_id(actor.user_id).one(db).await?;
        let from_profile = supplier_profile::Entity::find_by_id(r.from_supplier_id)
            .one(db)
            .await?;
        let to_profile = supplier_profile::Entity::find_by_id(r.to_supplier_id)
            .one(db)
            .await?;
        for u in &askers {
            mails::send(
                db,
                Email {
                    to: u.email.clone(),
                    subject: format!("{to_name} accepted your request to bid together"),
                    body: format!(
                        "{to_name} accepted your request to bid together for “{}”.\n\n{}\n\n\
                         The request: {base}/partner-requests/{}\n",
                        lot.title,
                        contact_lines(answerer.as_ref(), to_profile.as_ref()),
                        r.id
                    ),
                },
            )
            .await?;
        }
        if let Some(me) = &answerer {
            mails::send(
                db,
                Email {
                    to: me.email.clone(),
                    subject: format!("Contact details of {from_name}"),
                    body: format!(
                        "You accepted {from_name}'s request to bid together for “{}”.\n\n{}\n\n\
                         The request: {base}/partner-requests/{}\n",
                        lot.title,
                        contact_lines(asker.as_ref(), from_profile.as_ref()),
                        r.id
                    ),
                },
            )
            .await?;
        }
    } else {
        for u in &askers {
            mails::send(
                db,
                Email {
                    to: u.email.clone(),
                    subject: format!("{to_name} declined your request to bid together"),
                    body: format!(
                        "{to_name} declined your request to bid together for “{}”.\n\n\
                         Other partners for this lot: {base}/lots/{}/partners\n",
                        lot.title, r.lot_id
                    ),
                },
            )
            .await?;
        }
    }
    view_of(db, Some(actor), &r).await
}

/// A request either side's users (or an admin) may read; `NotFound` for anyone else.
async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<partner_request::Model> {
    let r = partner_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mine = actor.supplier_organisation();
    if actor.is_active_admin() || mine == Some(r.from_supplier_id) || mine == Some(r.to_supplier_id)
    {
        Ok(r)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// One request, for either side.
///
/// # Errors
/// `NotFound` unless the actor is on either side (or an admin); database failures.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<PartnerRequestView> {
    let r = visible(db, actor, id).await?;
    view_of(db, Some(actor), &r).await
}

/// The requests the actor's supplier sent and received, newest first.
///
/// # Errors
/// `Forbidden` for anyone but a supplier user; database failures.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> ServiceResult<Vec<PartnerRequestView>> {
    let me = actor
        .supplier_organisation()
        .ok_or(ServiceError::Forbidden)?;
    let rows = partner_request::Entity::find()
        .filter(
            Condition::any()
                .add(partner_request::Column::FromSupplierId.eq(me))
                .add(partner_request::Column::ToSupplierId.eq(me)),
        )
        .order_by_desc(partner_request::Column::CreatedAt)
        .order_by_desc(partner_request::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(view_of(db, Some(actor), r).await?);
    }
    Ok(out)
}
