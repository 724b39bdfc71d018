//! Atom feeds of opportunities (RFC 4287, written with `atom_syndication`):
//! * the public feed of open lots, `/feeds/opportunities.atom`, filterable by CPV division
//!   (`cpv=77`), an outcode (`outcode=PR1`) and a radius around it (`radius_km=20`);
//! * a supplier's private feed of its matches, `/feeds/suppliers/{secret}.atom`, whose
//!   secret is kept here only as a digest and can be regenerated (the old URL stops) or
//!   revoked.
//!
//! One entry per open lot (a tender not divided into lots is one entry), newest first,
//! with absolute links from `ANCHORLINK_BASE_URL`.

use super::market;
use super::tenders::{self, Loaded};
use crate::entities::{lot_match, supplier_feed_token, tender};
use crate::error::{ServiceError, ServiceResult};
use crate::services::accounts::crypto;
use crate::services::now;
use crate::state::Env;
use atom_syndication::{Entry, Feed, FixedDateTime, Link, Text};
use chrono::{DateTime, Utc};
use domain::accounts::Actor;
use domain::place::{haversine_km, Outcode};
use domain::tendering::alerts::WHOLE_TENDER;
use domain::tendering::{LocalArea, TenderLine, TenderStatus};
use domain::validation::FieldErrors;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::{HashMap, HashSet};

/// Entries in a feed at most (the newest).
pub const FEED_MAX: usize = 200;
/// Tenders read per feed at most: the most recently published.
const TENDERS_MAX: u64 = 500;
/// The widest radius a filter may ask for.
const RADIUS_MAX_KM: f64 = 500.0;

/// The public feed's filters, as given in the query string.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FeedQuery {
    pub cpv: Option<String>,
    pub outcode: Option<String>,
    pub radius_km: Option<String>,
}

/// The filters, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedFilter {
    /// Two digits: a lot with a line in this CPV division.
    pub division: Option<String>,
    /// A lot with a line delivered within `radius_km` of this outcode's centre (0: in it).
    pub near: Option<(Outcode, (f64, f64), f64)>,
}

impl FeedFilter {
    /// Checks the query: `cpv` is a division (two digits, or a code whose first two are
    /// taken), `outcode` is a known outcode, `radius_km` a distance up to 500 that needs an
    /// outcode.
    ///
    /// # Errors
    /// `Validation` naming each bad parameter.
    pub fn parse(env: &Env, q: &FeedQuery) -> ServiceResult<Self> {
        let mut errors = FieldErrors::new();
        let blank = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let division = blank(&q.cpv).and_then(|c| {
            let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
            if digits.len() >= 2 {
                Some(digits[..2].to_owned())
            } else {
                errors.add("cpv", "give a CPV division: its first two digits, e.g. 77");
                None
            }
        });
        let radius = match blank(&q.radius_km) {
            None => None,
            Some(r) => match r.parse::<f64>() {
                Ok(km) if km.is_finite() && (0.0..=RADIUS_MAX_KM).contains(&km) => Some(km),
                _ => {
                    errors.add(
                        "radius_km",
                        format!("a distance in km from 0 to {RADIUS_MAX_KM}"),
                    );
                    None
                }
            },
        };
        let near = match blank(&q.outcode) {
            None => {
                if radius.is_some() {
                    errors.add("outcode", "a radius needs an outcode to measure from");
                }
                None
            }
            Some(o) => match Outcode::parse(&o)
                .ok()
                .and_then(|o| env.outcodes.get(&o).map(|i| (o, (i.lat, i.lon))))
            {
                Some((o, at)) => Some((o, at, radius.unwrap_or(0.0))),
                None => {
                    errors.add("outcode", "not a UK outcode we know, e.g. PR1");
                    None
                }
            },
        };
        if errors.is_empty() {
            Ok(Self { division, near })
        } else {
            Err(errors.into())
        }
    }

    /// The lot passes every filter given. A lot's places are its lines' delivery places;
    /// a lot without any is placed at the centre of the buyer's local area, if it has one.
    fn admits(&self, lines: &[TenderLine], area: &LocalArea) -> bool {
        if let Some(d) = &self.division {
            if !lines.iter().any(|l| l.cpv.as_str().starts_with(d.as_str())) {
                return false;
            }
        }
        let Some((outcode, (lat, lon), km)) = &self.near else {
            return true;
        };
        let mut places: Vec<(Option<&Outcode>, (f64, f64))> = lines
            .iter()
            .filter_map(|l| {
                l.delivery
                    .as_ref()
                    .map(|d| (Some(&d.outcode), (d.lat, d.lon)))
            })
            .collect();
        if places.is_empty() {
            if let LocalArea::Near { lat, lon, .. } = area {
                places.push((None, (*lat, *lon)));
            }
        }
        places.iter().any(|(o, (plat, plon))| {
            *o == Some(outcode) || haversine_km(*lat, *lon, *plat, *plon) <= *km
        })
    }
}

fn fixed(t: DateTime<Utc>) -> FixedDateTime {
    t.fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_owned));
    l
}

/// A tender open for bids.
fn is_open(t: &tender::Model, at: DateTime<Utc>) -> bool {
    t.status == TenderStatus::Published.slug() && t.deadline.is_none_or(|d| d >= at)
}

/// The lots of a loaded tender with their judgeable lines: (lot id, title, lines, value).
/// A lot in a feed: its id, entry title, judgeable lines and value in pounds.
type FeedLot = (i64, String, Vec<TenderLine>, i64);

fn lots_of(env: &Env, loaded: &Loaded) -> (Vec<FeedLot>, LocalArea) {
    let (lines, _, area) = market::lines_and_area(env, loaded);
    let value_of = |lot: Option<i64>| -> i64 {
        loaded
            .items
            .iter()
            .filter(|i| lot.is_none() || i.lot_id == lot)
            .filter_map(|i| i.value_gbp)
            .sum()
    };
    if loaded.lots.is_empty() {
        return (
            vec![(
                WHOLE_TENDER,
                loaded.tender.title.clone(),
                lines,
                value_of(None),
            )],
            area,
        );
    }
    let lot_of: HashMap<i64, Option<i64>> = loaded.items.iter().map(|i| (i.id, i.lot_id)).collect();
    let lots = loaded
        .lots
        .iter()
        .map(|lot| {
            let mine = lines
                .iter()
                .filter(|l| lot_of.get(&l.id).copied().flatten() == Some(lot.id))
                .cloned()
                .collect();
            (
                lot.id,
                format!(
                    "{} — Lot {}: {}",
                    loaded.tender.title, lot.position, lot.title
                ),
                mine,
                value_of(Some(lot.id)),
            )
        })
        .collect();
    (lots, area)
}

fn entry(
    base: &str,
    loaded: &Loaded,
    lot: i64,
    title: &str,
    lines: &[TenderLine],
    value: i64,
) -> Entry {
    let t = &loaded.tender;
    let mut e = Entry::default();
    e.set_id(format!("{base}/tenders/{}#lot-{lot}", t.id));
    e.set_title(Text::plain(title));
    e.set_updated(fixed(t.updated_at));
    e.set_published(t.published_at.map(fixed));
    e.set_links(vec![link(
        format!("{base}/tenders/{}", t.id),
        "alternate",
        Some("text/html"),
    )]);
    let mut summary = Vec::new();
    if let Some(b) = &t.buyer_name {
        summary.push(format!("Buyer: {b}"));
    }
    if value > 0 {
        summary.push(format!("Value: about £{value}"));
    }
    if let Some(d) = t.deadline {
        summary.push(format!("Deadline: {}", d.format("%Y-%m-%d")));
    }
    let codes: Vec<&str> = lines.iter().map(|l| l.cpv.as_str()).collect();
    if !codes.is_empty() {
        summary.push(format!("CPV: {}", codes.join(", ")));
    }
    e.set_summary(Some(Text::plain(summary.join(". "))));
    e
}

fn feed(base: &str, self_path: &str, title: &str, mut entries: Vec<Entry>) -> String {
    entries.sort_by(|a, b| {
        b.updated()
            .cmp(a.updated())
            .then_with(|| a.id().cmp(b.id()))
    });
    entries.truncate(FEED_MAX);
    let updated = entries
        .iter()
        .map(|e| *e.updated())
        .max()
        .unwrap_or_else(|| fixed(now()));
    let mut f = Feed::default();
    f.set_id(format!("{base}{self_path}"));
    f.set_title(Text::plain(title));
    f.set_updated(updated);
    f.set_links(vec![
        link(
            format!("{base}{self_path}"),
            "self",
            Some("application/atom+xml"),
        ),
        link(
            format!("{base}/opportunities"),
            "alternate",
            Some("text/html"),
        ),
    ]);
    f.set_entries(entries);
    f.to_string()
}

/// The most recently published open tenders, optionally only these.
async fn open_tenders(
    db: &impl ConnectionTrait,
    only: Option<&HashSet<i64>>,
) -> ServiceResult<Vec<Loaded>> {
    let at = now();
    let mut q = tender::Entity::find()
        .filter(tender::Column::Status.eq(TenderStatus::Published.slug()))
        .filter(
            Condition::any()
                .add(tender::Column::Deadline.is_null())
                .add(tender::Column::Deadline.gte(at)),
        );
    if let Some(ids) = only {
        q = q.filter(tender::Column::Id.is_in(ids.iter().copied().take(TENDERS_MAX as usize)));
    }
    let ids: Vec<i64> = q
        .select_only()
        .column(tender::Column::Id)
        .order_by_desc(tender::Column::PublishedAt)
        .limit(TENDERS_MAX)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let loaded = tenders::load(db, id).await?;
        if is_open(&loaded.tender, at) {
            out.push(loaded);
        }
    }
    Ok(out)
}

/// The public feed of open lots passing the filter.
///
/// # Errors
/// Database failures.
pub async fn public_feed(
    db: &impl ConnectionTrait,
    env: &Env,
    filter: &FeedFilter,
    self_path: &str,
) -> ServiceResult<String> {
    let base = env.config.base_url.trim_end_matches('/');
    let mut entries = Vec::new();
    for loaded in open_tenders(db, None).await? {
        let (lots, area) = lots_of(env, &loaded);
        for (lot, title, lines, value) in lots {
            if filter.admits(&lines, &area) {
                entries.push(entry(base, &loaded, lot, &title, &lines, value));
            }
        }
    }
    Ok(feed(base, self_path, "Open lots on Anchorlink", entries))
}

/// The private feed behind a secret: the supplier's matched lots on open tenders. `None`
/// for a secret that is not (or no longer) valid.
///
/// # Errors
/// Database failures.
pub async fn supplier_feed(
    db: &impl ConnectionTrait,
    env: &Env,
    secret: &str,
) -> ServiceResult<Option<String>> {
    let Some(token) = supplier_feed_token::Entity::find()
        .filter(supplier_feed_token::Column::TokenHash.eq(crypto::digest(secret.trim())))
        .filter(supplier_feed_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let matches = lot_match::Entity::find()
        .filter(lot_match::Column::SupplierId.eq(token.supplier_id))
        .all(db)
        .await?;
    let wanted: HashSet<(i64, i64)> = matches.iter().map(|m| (m.tender_id, m.lot_id)).collect();
    let tender_ids: HashSet<i64> = matches.iter().map(|m| m.tender_id).collect();
    let base = env.config.base_url.trim_end_matches('/');
    let mut entries = Vec::new();
    if !tender_ids.is_empty() {
        for loaded in open_tenders(db, Some(&tender_ids)).await? {
            let (lots, _) = lots_of(env, &loaded);
            for (lot, title, lines, value) in lots {
                if wanted.contains(&(loaded.tender.id, lot)) {
                    entries.push(entry(base, &loaded, lot, &title, &lines, value));
                }
            }
        }
    }
    Ok(Some(feed(
        base,
        &format!("/feeds/suppliers/{secret}.atom"),
        "Lots you can bid for",
        entries,
    )))
}

/// The supplier organisation of an active supplier user.
fn supplier_of(actor: &Actor) -> ServiceResult<i64> {
    match actor.supplier_organisation() {
        Some(org) if actor.is_active() => Ok(org),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Stops the supplier's private feed (every URL given so far).
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn revoke_feed(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<()> {
    let supplier = supplier_of(actor)?;
    supplier_feed_token::Entity::update_many()
        .col_expr(
            supplier_feed_token::Column::RevokedAt,
            Expr::value(Some(now())),
        )
        .filter(supplier_feed_token::Column::SupplierId.eq(supplier))
        .filter(supplier_feed_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A new private feed URL path for the supplier (`/feeds/suppliers/{secret}.atom`); the
/// previous one stops. Shown once: only its digest is kept.
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn new_feed(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<String> {
    let supplier = supplier_of(actor)?;
    revoke_feed(db, actor).await?;
    let secret = crypto::random_token();
    supplier_feed_token::Entity::insert(supplier_feed_token::ActiveModel {
        supplier_id: Set(supplier),
        token_hash: Set(crypto::digest(&secret)),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(format!("/feeds/suppliers/{secret}.atom"))
}

/// Whether the supplier has a live private feed.
///
/// # Errors
/// `Forbidden` for anyone but an active supplier user; database failures.
pub async fn has_feed(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<bool> {
    let supplier = supplier_of(actor)?;
    Ok(supplier_feed_token::Entity::find()
        .filter(supplier_feed_token::Column::SupplierId.eq(supplier))
        .filter(supplier_feed_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}
