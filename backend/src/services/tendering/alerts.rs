//! Opportunity alerts: when a tender is published here or imported from another portal,
//! every eligible supplier's users hear about the lots they can bid for — at once (one
//! e-mail per tender), in a daily digest, or not at all, as each user chooses — and the
//! supplier's in-app list of new matches grows.
//!
//! # Through the job runner, in three steps
//! 1. **Asked for in the change's own transaction.** [`tender_changed`] enqueues a
//!    [`MatchTender`] job in the transaction that publishes or imports the tender, keyed by
//!    the tender and its version (`updated_at`), so a crash cannot lose it and asking twice
//!    is one job.
//! 2. **Matching records what is owed.** [`MatchTender`] computes the eligible (supplier,
//!    lot) pairs with the lot planner's rule over the in-memory supplier pool, and in one
//!    transaction inserts `lot_matches` and one pending `alert_deliveries` row per user and
//!    lot (insert-or-ignore on unique keys: matching again owes nothing new), and enqueues
//!    the [`SendAlerts`] job (keyed by this job) and, for digest users, the day's
//!    [`AlertDigest`].
//! 3. **Sending claims, sends, marks.** A claim gives each user's pending deliveries for
//!    the tender one message id and marks them `sending` (committed before anything is
//!    sent); the message goes with that fixed `Message-ID`; then they are marked `sent`.
//!
//! # What "exactly once" means here
//! A delivery is marked sent only after the message has gone, so a crash (`kill -9`)
//! between the two sends the message again when the job is retried: at least once. The
//! retry sends the *same* message — same id, same recipients, same lots — and:
//! * in the outbox the message is a file named after its id, replaced atomically, so the
//!   outbox holds exactly one copy whatever happens;
//! * over SMTP a duplicate can reach the relay; SMTP has no idempotent submission, so no
//!   sender can promise exactly once. Receivers that drop a repeated `Message-ID` (most
//!   mail stores do) show one. The window is the few milliseconds between the relay's
//!   answer and the `sent` mark.
//!
//! A lot is never owed twice (the unique key), and no owed alert is lost: pending and
//! claimed deliveries stay in the table until a send job marks them sent.

use super::market;
use super::tenders::{self, Loaded};
use crate::entities::{
    alert_delivery, alert_setting, alert_unsubscribe_link, lot_match, organisation, tender,
    tender_item, tender_lot, user,
};
use crate::error::{ServiceError, ServiceResult};
use crate::jobs::{self, Enqueue, Job, JobContext};
use crate::mail::ListEmail;
use crate::services::accounts::crypto;
use crate::services::now;
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use domain::accounts::{Actor, Role};
use domain::tendering::alerts::{self as rules, AlertMode, OpenLot, WHOLE_TENDER};
use domain::tendering::TenderStatus;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// `alert_deliveries.status` values.
pub const PENDING: &str = "pending";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
/// The user turned alerts off before the delivery went.
pub const SKIPPED: &str = "skipped";

/// Rows per insert statement: well under SQLite's limit of bound values.
const BATCH: usize = 300;
/// Users whose messages are claimed per transaction.
const CLAIM_USERS: u64 = 50;

/// Asks for the tender's alerts, in the caller's transaction (the one that publishes or
/// imports it). Only a published notice is matched; asking again for the same version
/// is a no-op, and a new version (an import that updates the notice) is matched again,
/// which alerts only for lots nobody was alerted about.
///
/// # Errors
/// Database failures (then the caller's transaction rolls back with it).
pub async fn tender_changed(db: &impl ConnectionTrait, t: &tender::Model) -> ServiceResult<()> {
    if t.status != TenderStatus::Published.slug() {
        return Ok(());
    }
    jobs::enqueue(
        db,
        &MatchTender { tender_id: t.id },
        Enqueue::now().dedupe(format!(
            "alerts_match:{}:{}",
            t.id,
            t.updated_at.timestamp_micros()
        )),
    )
    .await?;
    Ok(())
}

/// The open lots of a tender as the matcher sees them: its lots' judgeable lines, or one
/// lot of all its lines when it is not divided.
#[must_use]
pub fn open_lots(env: &crate::state::Env, loaded: &Loaded) -> Vec<OpenLot> {
    let (lines, _, _) = market::lines_and_area(env, loaded);
    let lot_of: HashMap<i64, Option<i64>> = loaded.items.iter().map(|i| (i.id, i.lot_id)).collect();
    if loaded.lots.is_empty() {
        return OpenLot::new(WHOLE_TENDER, lines).into_iter().collect();
    }
    loaded
        .lots
        .iter()
        .filter_map(|lot| {
            let mine = lines
                .iter()
                .filter(|l| lot_of.get(&l.id).copied().flatten() == Some(lot.id))
                .cloned()
                .collect();
            OpenLot::new(lot.id, mine)
        })
        .collect()
}

/// A tender open for bids: published, and its deadline (if any) not passed.
fn is_open(t: &tender::Model, at: DateTime<Utc>) -> bool {
    t.status == TenderStatus::Published.slug() && t.deadline.is_none_or(|d| d >= at)
}

/// Each user's alert setting (no row: immediate).
async fn modes(db: &impl ConnectionTrait, users: &[i64]) -> Result<HashMap<i64, AlertMode>, DbErr> {
    let mut out = HashMap::new();
    for chunk in users.chunks(BATCH) {
        for s in alert_setting::Entity::find()
            .filter(alert_setting::Column::UserId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(s.user_id, AlertMode::from_slug(&s.mode).unwrap_or_default());
        }
    }
    Ok(out)
}

/// Inserts rows, ignoring those whose unique key is taken.
async fn insert_ignoring<E, A>(
    db: &impl ConnectionTrait,
    rows: Vec<A>,
    key: OnConflict,
) -> Result<(), DbErr>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows;
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(BATCH));
        let batch = std::mem::replace(&mut rows, rest);
        match E::insert_many(batch)
            .on_conflict(key.clone())
            .exec(db)
            .await
        {
            Ok(_) | Err(DbErr::RecordNotInserted) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Matches a published tender's lots against the registry and records what is owed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatchTender {
    pub tender_id: i64,
}

impl Job for MatchTender {
    const KIND: &'static str = "alerts_match";

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let state = ctx.state();
        let loaded = match tenders::load(&state.db, self.tender_id).await {
            Ok(l) => l,
            Err(ServiceError::NotFound) => {
                return Ok(serde_json::json!({ "summary": "The tender was deleted" }))
            }
            Err(e) => return Err(e.into()),
        };
        let at = now();
        if !is_open(&loaded.tender, at) {
            return Ok(serde_json::json!({ "summary": "The tender is not open for bids" }));
        }
        let lots = open_lots(&state.env, &loaded);
        ctx.progress(0, None, "matching the registry").await?;
        let pairs = eligible(state, lots).await?;
        let recorded = record(state, self.tender_id, &pairs, ctx.id(), at).await?;
        Ok(serde_json::json!({
            "summary": format!(
                "{} supplier–lot matches; {} alerts owed",
                pairs.len(),
                recorded
            ),
            "link": format!("/tenders/{}", self.tender_id),
        }))
    }
}

/// Every eligible (supplier, lot) pair, over the in-memory pool, off the async runtime.
///
/// # Errors
/// The pool could not be built or brought up to date.
pub async fn eligible(state: &AppState, lots: Vec<OpenLot>) -> anyhow::Result<Vec<(i64, i64)>> {
    if lots.is_empty() {
        return Ok(Vec::new());
    }
    state.suppliers.ready(&state.views, &state.db).await?;
    let pool = state.suppliers.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let suppliers = pool.read();
        rules::eligible_pairs(suppliers.values(), &lots)
    })
    .await?)
}

/// In one transaction: the matches, the deliveries owed to each matched supplier's users
/// (by their setting), and the jobs that send them. Returns how many deliveries were owed
/// (before the unique keys dropped those already owed).
///
/// # Errors
/// Database failures (then nothing is recorded).
pub async fn record(
    state: &AppState,
    tender_id: i64,
    pairs: &[(i64, i64)],
    job_id: i64,
    at: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let w = state.write().await?;
    let matches = pairs
        .iter()
        .map(|&(supplier, lot)| lot_match::ActiveModel {
            supplier_id: Set(supplier),
            tender_id: Set(tender_id),
            lot_id: Set(lot),
            created_at: Set(at),
            ..Default::default()
        })
        .collect();
    insert_ignoring(
        &w,
        matches,
        OnConflict::columns([
            lot_match::Column::SupplierId,
            lot_match::Column::TenderId,
            lot_match::Column::LotId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .await?;

    let mut suppliers: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    suppliers.sort_unstable();
    suppliers.dedup();
    let mut users_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in suppliers.chunks(BATCH) {
        for u in user::Entity::find()
            .filter(user::Column::OrganisationId.is_in(chunk.iter().copied()))
            .filter(user::Column::Role.eq(Role::Supplier.slug()))
            .filter(user::Column::Status.eq(domain::accounts::UserStatus::Active.slug()))
            .filter(user::Column::EmailVerifiedAt.is_not_null())
            .all(&w)
            .await?
        {
            if let Some(org) = u.organisation_id {
                users_of.entry(org).or_default().push(u.id);
            }
        }
    }
    let all_users: Vec<i64> = users_of.values().flatten().copied().collect();
    let modes = modes(&w, &all_users).await?;
    let mut owed = Vec::new();
    let mut any_daily = false;
    for &(supplier, lot) in pairs {
        for &u in users_of.get(&supplier).map(Vec::as_slice).unwrap_or(&[]) {
            let mode = modes.get(&u).copied().unwrap_or_default();
            if mode == AlertMode::Off {
                continue;
            }
            any_daily |= mode == AlertMode::Daily;
            owed.push(alert_delivery::ActiveModel {
                user_id: Set(u),
                tender_id: Set(tender_id),
                lot_id: Set(lot),
                mode: Set(mode.slug().to_owned()),
                status: Set(PENDING.to_owned()),
                attempts: Set(0),
                message_id: Set(None),
                claimed_at: Set(None),
                sent_at: Set(None),
                created_at: Set(at),
                ..Default::default()
            });
        }
    }
    let count = owed.len();
    insert_ignoring(
        &w,
        owed,
        OnConflict::columns([
            alert_delivery::Column::UserId,
            alert_delivery::Column::TenderId,
            alert_delivery::Column::LotId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .await?;
    jobs::enqueue(
        &w,
        &SendAlerts { tender_id },
        Enqueue::now().dedupe(format!("alerts_send:{job_id}")),
    )
    .await?;
    if any_daily {
        schedule_digest(&w, at).await?;
    }
    w.commit().await?;
    Ok(count)
}

/// Makes sure the next daily digest is queued (once per day, by its dedupe key).
///
/// # Errors
/// Database failures.
pub async fn schedule_digest(db: &impl ConnectionTrait, at: DateTime<Utc>) -> ServiceResult<i64> {
    let (day, when) = rules::next_digest(at);
    jobs::enqueue(
        db,
        &AlertDigest { day },
        Enqueue::now()
            .at(when)
            .dedupe(format!("alerts_digest:{day}")),
    )
    .await
}

/// Sends the pending immediate alerts of one tender: one e-mail per user listing its lots.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SendAlerts {
    pub tender_id: i64,
}

impl Job for SendAlerts {
    const KIND: &'static str = "alerts_send";
    const MAX_ATTEMPTS: i32 = 8;

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let sent = send(ctx.state(), Scope::Tender(self.tender_id), Some(ctx)).await?;
        Ok(serde_json::json!({
            "summary": format!("{sent} alert e-mails sent"),
            "link": format!("/tenders/{}", self.tender_id),
        }))
    }
}

/// Sends the day's digest: one e-mail per digest user listing every lot matched since
/// their last digest; then queues the next day's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertDigest {
    pub day: NaiveDate,
}

impl Job for AlertDigest {
    const KIND: &'static str = "alerts_digest";
    const MAX_ATTEMPTS: i32 = 8;

    async fn run(self, ctx: &JobContext) -> anyhow::Result<serde_json::Value> {
        let state = ctx.state();
        let sent = send(state, Scope::Digest(self.day), Some(ctx)).await?;
        // The next day's, keyed by its day: re-running this job queues it once.
        let next = self.day.succ_opt().unwrap_or(self.day);
        let w = state.write().await?;
        let midnight = next.and_hms_opt(0, 0, 0).map_or_else(now, |d| d.and_utc());
        schedule_digest(&w, std::cmp::max(midnight, now())).await?;
        w.commit().await?;
        Ok(serde_json::json!({ "summary": format!("{sent} digest e-mails sent") }))
    }
}

/// What one send run covers.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// The immediate alerts of one tender.
    Tender(i64),
    /// Every pending digest delivery, for this day's digest.
    Digest(NaiveDate),
}

impl Scope {
    fn mode(self) -> AlertMode {
        match self {
            Self::Tender(_) => AlertMode::Immediate,
            Self::Digest(_) => AlertMode::Daily,
        }
    }

    fn of(self, status: &str) -> Condition {
        let c = Condition::all()
            .add(alert_delivery::Column::Status.eq(status))
            .add(alert_delivery::Column::Mode.eq(self.mode().slug()));
        match self {
            Self::Tender(t) => c.add(alert_delivery::Column::TenderId.eq(t)),
            Self::Digest(_) => c,
        }
    }

    fn message_id(self, user: i64, first: i64, host: &str) -> String {
        match self {
            Self::Tender(t) => format!("alert-t{t}-u{user}-d{first}@{host}"),
            Self::Digest(day) => format!("digest-{day}-u{user}-d{first}@{host}"),
        }
    }
}

/// The host part of message ids: the site's host name, as a mail domain.
fn mail_host(base_url: &str) -> String {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let host: String = rest
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    if host.is_empty() {
        "anchorlink.invalid".to_owned()
    } else {
        host
    }
}

/// Claims, sends and marks every message in scope; returns how many went. Messages
/// claimed by an earlier attempt that died are sent again first, with the same id.
async fn send(state: &AppState, scope: Scope, ctx: Option<&JobContext>) -> anyhow::Result<usize> {
    let mut sent = send_claimed(state, scope, ctx, 0).await?;
    // Every round moves its users' pending deliveries out of `pending` (claimed, skipped
    // or over to the digest), so the loop ends.
    while claim(state, scope).await? > 0 {
        sent = send_claimed(state, scope, ctx, sent).await?;
    }
    Ok(sent)
}

/// Gives up to [`CLAIM_USERS`] users' pending deliveries one message id each; returns
/// how many users it dealt with. Users who turned alerts off meanwhile are skipped;
/// users who moved to the digest since the match wait for it (a digest user who moved to
/// immediate gets the lots in this digest).
async fn claim(state: &AppState, scope: Scope) -> anyhow::Result<usize> {
    let w = state.write().await?;
    let pending = alert_delivery::Entity::find()
        .filter(scope.of(PENDING))
        .order_by_asc(alert_delivery::Column::UserId)
        .order_by_asc(alert_delivery::Column::Id)
        .all(&w)
        .await?;
    let mut by_user: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for d in &pending {
        if by_user.len() as u64 >= CLAIM_USERS && !by_user.contains_key(&d.user_id) {
            break;
        }
        by_user.entry(d.user_id).or_default().push(d.id);
    }
    let users: Vec<i64> = by_user.keys().copied().collect();
    let modes = modes(&w, &users).await?;
    let host = mail_host(&state.env.config.base_url);
    let at = now();
    let dealt = by_user.len();
    let mut to_digest = false;
    for (user, ids) in by_user {
        let mode = modes.get(&user).copied().unwrap_or_default();
        let mut change = alert_delivery::Entity::update_many()
            .filter(alert_delivery::Column::Id.is_in(ids.clone()))
            .filter(alert_delivery::Column::Status.eq(PENDING));
        change = if mode == AlertMode::Off {
            change.col_expr(alert_delivery::Column::Status, Expr::value(SKIPPED))
        } else if matches!(scope, Scope::Tender(_)) && mode == AlertMode::Daily {
            to_digest = true;
            change.col_expr(alert_delivery::Column::Mode, Expr::value(mode.slug()))
        } else {
            let first = ids.first().copied().unwrap_or_default();
            change
                .col_expr(alert_delivery::Column::Status, Expr::value(SENDING))
                .col_expr(
                    alert_delivery::Column::MessageId,
                    Expr::value(scope.message_id(user, first, &host)),
                )
                .col_expr(alert_delivery::Column::ClaimedAt, Expr::value(at))
        };
        change.exec(&w).await?;
    }
    if to_digest {
        schedule_digest(&w, at).await?;
    }
    w.commit().await?;
    Ok(dealt)
}

/// Sends every claimed message in scope and marks it sent.
async fn send_claimed(
    state: &AppState,
    scope: Scope,
    ctx: Option<&JobContext>,
    mut sent: usize,
) -> anyhow::Result<usize> {
    let claimed = alert_delivery::Entity::find()
        .filter(scope.of(SENDING))
        .order_by_asc(alert_delivery::Column::Id)
        .all(&state.db)
        .await?;
    let mut messages: BTreeMap<String, Vec<alert_delivery::Model>> = BTreeMap::new();
    for d in claimed {
        if let Some(id) = d.message_id.clone() {
            messages.entry(id).or_default().push(d);
        }
    }
    let total = messages.len();
    for (done, (message_id, deliveries)) in messages.into_iter().enumerate() {
        if let Some(ctx) = ctx {
            ctx.progress(
                done as u64,
                Some(total as u64),
                &format!("sending {}", scope.mode().label()),
            )
            .await?;
        }
        let Some(email) = compose(state, scope, &message_id, &deliveries).await? else {
            continue;
        };
        state.mailer.send_list(email).await?;
        let ids: Vec<i64> = deliveries.iter().map(|d| d.id).collect();
        alert_delivery::Entity::update_many()
            .col_expr(alert_delivery::Column::Status, Expr::value(SENT))
            .col_expr(alert_delivery::Column::SentAt, Expr::value(now()))
            .col_expr(
                alert_delivery::Column::Attempts,
                Expr::col(alert_delivery::Column::Attempts).add(1),
            )
            .filter(alert_delivery::Column::Id.is_in(ids))
            .filter(alert_delivery::Column::Status.eq(SENDING))
            .exec(&state.db)
            .await?;
        sent += 1;
    }
    Ok(sent)
}

/// A lot as a mail lists it.
struct LotLine {
    title: String,
    value_gbp: i64,
}

/// The tenders' lots, titled and valued, by (tender, lot).
async fn lot_lines(
    db: &impl ConnectionTrait,
    tender_ids: &[i64],
) -> Result<(HashMap<i64, tender::Model>, HashMap<(i64, i64), LotLine>), DbErr> {
    let tenders: HashMap<i64, tender::Model> = tender::Entity::find()
        .filter(tender::Column::Id.is_in(tender_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let items = tender_item::Entity::find()
        .filter(tender_item::Column::TenderId.is_in(tender_ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<(i64, i64), LotLine> = HashMap::new();
    for lot in tender_lot::Entity::find()
        .filter(tender_lot::Column::TenderId.is_in(tender_ids.iter().copied()))
        .all(db)
        .await?
    {
        let value = items
            .iter()
            .filter(|i| i.lot_id == Some(lot.id))
            .filter_map(|i| i.value_gbp)
            .sum();
        out.insert(
            (lot.tender_id, lot.id),
            LotLine {
                title: format!("Lot {}: {}", lot.position, lot.title),
                value_gbp: value,
            },
        );
    }
    for t in tenders.values() {
        let value = items
            .iter()
            .filter(|i| i.tender_id == t.id)
            .filter_map(|i| i.value_gbp)
            .sum();
        out.insert(
            (t.id, WHOLE_TENDER),
            LotLine {
                title: "The whole tender (not divided into lots)".to_owned(),
                value_gbp: value,
            },
        );
    }
    Ok((tenders, out))
}

fn pounds(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("£{out}")
}

/// The e-mail for one claimed message, with a fresh unsubscribe link (its digest stored
/// first, so the link works as soon as the mail arrives). `None` when the user is gone.
async fn compose(
    state: &AppState,
    scope: Scope,
    message_id: &str,
    deliveries: &[alert_delivery::Model],
) -> anyhow::Result<Option<ListEmail>> {
    let Some(first) = deliveries.first() else {
        return Ok(None);
    };
    let Some(u) = user::Entity::find_by_id(first.user_id)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    let mut tender_ids: Vec<i64> = deliveries.iter().map(|d| d.tender_id).collect();
    tender_ids.sort_unstable();
    tender_ids.dedup();
    let (tenders, lots) = lot_lines(&state.db, &tender_ids).await?;
    let supplier = match u.organisation_id {
        Some(org) => organisation::Entity::find_by_id(org)
            .one(&state.db)
            .await?
            .map(|o| o.name),
        None => None,
    }
    .unwrap_or_default();
    let token = crypto::random_token();
    let w = state.write().await?;
    alert_unsubscribe_link::Entity::insert(alert_unsubscribe_link::ActiveModel {
        token_hash: Set(crypto::digest(&token)),
        user_id: Set(u.id),
        created_at: Set(now()),
    })
    .exec(&w)
    .await?;
    w.commit().await?;

    let base = state.env.config.base_url.trim_end_matches('/');
    let mut body = String::new();
    let count = deliveries.len();
    let plural = if count == 1 { "lot" } else { "lots" };
    body.push_str(&format!(
        "Hello,\n\n{} can bid for {count} new {plural} on Anchorlink:\n",
        if supplier.is_empty() {
            "Your organisation"
        } else {
            &supplier
        }
    ));
    for t in &tender_ids {
        let Some(tender) = tenders.get(t) else {
            continue;
        };
        body.push_str(&format!("\n{}\n", tender.title));
        if let Some(buyer) = &tender.buyer_name {
            body.push_str(&format!("Buyer: {buyer}\n"));
        }
        if let Some(deadline) = tender.deadline {
            body.push_str(&format!("Deadline: {}\n", deadline.format("%-d %B %Y")));
        }
        for d in deliveries.iter().filter(|d| d.tender_id == *t) {
            if let Some(lot) = lots.get(&(d.tender_id, d.lot_id)) {
                body.push_str(&format!(
                    "  - {} (about {})\n",
                    lot.title,
                    pounds(lot.value_gbp)
                ));
            }
        }
        body.push_str(&format!("Read the notice: {base}/tenders/{t}\n"));
    }
    let unsubscribe = format!("{base}/alerts/unsubscribe?token={token}");
    body.push_str(&format!(
        "\nEvery lot you can bid for, and why it matched: {base}/opportunities\n\n\
         You get these e-mails because opportunity alerts are on for {}. Choose at once, \
         a daily digest or none at {base}/alerts\nStop them with one click (no sign-in): \
         {unsubscribe}\n",
        u.email
    ));
    let subject = match scope {
        Scope::Tender(t) => format!(
            "New {plural} you can bid for: {}",
            tenders
                .get(&t)
                .map(|t| t.title.as_str())
                .unwrap_or("a tender")
        ),
        Scope::Digest(day) => format!(
            "Your daily opportunities, {}: {count} new {plural}",
            day.format("%-d %B %Y")
        ),
    };
    Ok(Some(ListEmail {
        to: u.email,
        subject,
        body,
        message_id: message_id.to_owned(),
        unsubscribe_url: unsubscribe,
    }))
}

// ---- settings, unsubscribe, the in-app list ----

/// A user's alert setting (immediate when never set).
///
/// # Errors
/// Database failures.
pub async fn mode_of(db: &impl ConnectionTrait, user_id: i64) -> ServiceResult<AlertMode> {
    Ok(modes(db, &[user_id])
        .await?
        .get(&user_id)
        .copied()
        .unwrap_or_default())
}

async fn upsert_mode(
    db: &impl ConnectionTrait,
    user_id: i64,
    mode: AlertMode,
) -> Result<(), DbErr> {
    let at = now();
    match alert_setting::Entity::insert(alert_setting::ActiveModel {
        user_id: Set(user_id),
        mode: Set(mode.slug().to_owned()),
        seen_until: Set(None),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(alert_setting::Column::UserId)
            .update_columns([
                alert_setting::Column::Mode,
                alert_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await
    {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Sets the signed-in supplier user's alert setting.
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn set_mode(
    db: &impl ConnectionTrait,
    actor: &Actor,
    mode: AlertMode,
) -> ServiceResult<()> {
    supplier_of(actor)?;
    upsert_mode(db, actor.user_id, mode).await?;
    Ok(())
}

/// The supplier organisation of an active supplier user.
fn supplier_of(actor: &Actor) -> ServiceResult<i64> {
    match actor.supplier_organisation() {
        Some(org) if actor.is_active() => Ok(org),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Whose alerts an unsubscribe token stops: their e-mail address, for the confirmation
/// page. `None` for a token that is not ours.
///
/// # Errors
/// Database failures.
pub async fn unsubscribe_target(
    db: &impl ConnectionTrait,
    token: &str,
) -> ServiceResult<Option<String>> {
    let Some(link) = alert_unsubscribe_link::Entity::find_by_id(crypto::digest(token.trim()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id(link.user_id)
        .one(db)
        .await?
        .map(|u| u.email))
}

/// Turns alerts off for the user an unsubscribe token names (no sign-in: the token is the
/// proof). Using a token twice is fine.
///
/// # Errors
/// `NotFound` for a token that is not ours; database failures.
pub async fn unsubscribe(db: &impl ConnectionTrait, token: &str) -> ServiceResult<()> {
    let link = alert_unsubscribe_link::Entity::find_by_id(crypto::digest(token.trim()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    upsert_mode(db, link.user_id, AlertMode::Off).await?;
    Ok(())
}

pub use domain::tendering::opportunity_views::MatchView;

/// The signed-in supplier user's matches on tenders still open, newest first (at most
/// `limit`), each marked new if matched since they last looked.
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn matches(
    db: &impl ConnectionTrait,
    actor: &Actor,
    limit: u64,
) -> ServiceResult<Vec<MatchView>> {
    let supplier = supplier_of(actor)?;
    let seen = alert_setting::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .and_then(|s| s.seen_until);
    let rows = lot_match::Entity::find()
        .filter(lot_match::Column::SupplierId.eq(supplier))
        .order_by_desc(lot_match::Column::CreatedAt)
        .order_by_desc(lot_match::Column::Id)
        .all(db)
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|m| m.tender_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut tenders = HashMap::new();
    let mut lots = HashMap::new();
    for chunk in ids.chunks(BATCH) {
        let (t, l) = lot_lines(db, chunk).await?;
        tenders.extend(t);
        lots.extend(l);
    }
    let at = now();
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let t = tenders.get(&m.tender_id).filter(|t| is_open(t, at))?;
            let lot = lots.get(&(m.tender_id, m.lot_id))?;
            Some(MatchView {
                tender_id: m.tender_id,
                lot_id: m.lot_id,
                tender_title: t.title.clone(),
                lot_title: lot.title.clone(),
                value_gbp: lot.value_gbp,
                matched_at: m.created_at,
                new: seen.is_none_or(|s| m.created_at > s),
            })
        })
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

/// Marks every match so far as seen by the signed-in supplier user.
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn mark_seen(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<()> {
    supplier_of(actor)?;
    let at = now();
    let mode = mode_of(db, actor.user_id).await?;
    match alert_setting::Entity::insert(alert_setting::ActiveModel {
        user_id: Set(actor.user_id),
        mode: Set(mode.slug().to_owned()),
        seen_until: Set(Some(at)),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(alert_setting::Column::UserId)
            .update_columns([
                alert_setting::Column::SeenUntil,
                alert_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await
    {
        Ok(_) | Err(DbErr::RecordNotInserted) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_use_the_sites_host_name() {
        assert_eq!(
            mail_host("https://anchorlink.example.org/"),
            "anchorlink.example.org"
        );
        assert_eq!(mail_host("http://127.0.0.1:3000"), "127.0.0.1");
        assert_eq!(mail_host(""), "anchorlink.invalid");
    }

    #[test]
    fn pounds_are_grouped_in_thousands() {
        assert_eq!(pounds(0), "£0");
        assert_eq!(pounds(1_500), "£1,500");
        assert_eq!(pounds(150_000), "£150,000");
        assert_eq!(pounds(1_234_567), "£1,234,567");
    }
}
