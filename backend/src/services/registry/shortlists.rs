//! Buyers' shortlists, saved searches and CSV exports.
//!
//! A shortlist belongs to a buyer organisation. Its creator always sees it; colleagues of
//! the same organisation see it (and may add and remove suppliers) only while it is shared;
//! only the creator may share, unshare or delete it. Anyone else is told it does not exist.
//! A saved search belongs to the user who saved it.

use crate::entities::{
    organisation, saved_search, shortlist, shortlist_item, supplier_cpv, supplier_identifier,
    supplier_profile, user,
};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use crate::services::registry::search;
use crate::state::AppState;
use domain::accounts::dto::CurrentUser;
use domain::cpv::CpvCode;
use domain::registry::dto::{
    SavedSearchView, SearchQuery, ShortlistEntry, ShortlistSummary, ShortlistView,
};
use domain::validation::FieldErrors;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most rows one CSV export carries.
pub const EXPORT_CAP: usize = 10_000;
const NAME_MAX: usize = 120;
const QUERY_MAX: usize = 2_000;
/// Ids per `IN (…)` list, well under SQLite's and PostgreSQL's bind limits.
const CHUNK: usize = 900;

/// One supplier as exported, in the CSV's column order.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportRow {
    pub id: i64,
    pub name: String,
    pub legal_form: String,
    pub size: Option<String>,
    pub postcode: Option<String>,
    pub town: String,
    pub distance_km: Option<f64>,
    /// Full CPV codes separated by `;`.
    pub cpv: String,
    pub website: String,
    pub email: String,
    pub verified: bool,
    pub social_economy: bool,
    pub profile_url: String,
}

/// The buyer organisation of an active buyer.
///
/// # Errors
/// `Forbidden` for suppliers, admins and inactive buyers.
pub fn buyer_organisation(user: &CurrentUser) -> ServiceResult<i64> {
    match user.organisation_id {
        Some(org) if user.is_buyer() && user.status == "active" => Ok(org),
        _ => Err(ServiceError::Forbidden),
    }
}

fn ensure_can_search(user: &CurrentUser) -> ServiceResult<()> {
    if user.can_search() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// A shortlist the user may see, or `NotFound` (never revealing that it exists).
async fn visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> ServiceResult<shortlist::Model> {
    let org = buyer_organisation(user)?;
    let list = shortlist::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if list.organisation_id != org || !(list.shared || list.created_by == Some(user.id)) {
        return Err(ServiceError::NotFound);
    }
    Ok(list)
}

/// A shortlist the user made (and so may share or delete).
async fn own(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> ServiceResult<shortlist::Model> {
    let list = visible(db, user, id).await?;
    if list.created_by != Some(user.id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(list)
}

fn parse_name(raw: &str, what: &str, errors: &mut FieldErrors) -> String {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("name", format!("Enter a name for the {what}"));
    } else if name.chars().count() > NAME_MAX {
        errors.add(
            "name",
            format!("The name must be {NAME_MAX} characters or fewer"),
        );
    }
    name
}

fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

async fn summaries(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    lists: Vec<shortlist::Model>,
) -> ServiceResult<Vec<ShortlistSummary>> {
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let counts: HashMap<i64, i64> = shortlist_item::Entity::find()
        .select_only()
        .column(shortlist_item::Column::ShortlistId)
        .column_as(Expr::col(shortlist_item::Column::SupplierId).count(), "n")
        .filter(shortlist_item::Column::ShortlistId.is_in(ids))
        .group_by(shortlist_item::Column::ShortlistId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let creators: Vec<i64> = lists
        .iter()
        .filter_map(|l| l.created_by)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(creators))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            (
                u.id,
                if u.display_name.is_empty() {
                    u.email
                } else {
                    u.display_name
                },
            )
        })
        .collect();
    Ok(lists
        .into_iter()
        .map(|l| ShortlistSummary {
            id: l.id,
            mine: l.created_by == Some(user.id),
            created_by: l
                .created_by
                .and_then(|c| names.get(&c).cloned())
                .unwrap_or_else(|| "a former colleague".into()),
            items: counts
                .get(&l.id)
                .map_or(0, |n| u64::try_from(*n).unwrap_or(0)),
            name: l.name,
            shared: l.shared,
            updated_at: stamp(l.updated_at),
        })
        .collect())
}

/// The shortlists the buyer sees: their own and those colleagues share, by name.
///
/// # Errors
/// `Forbidden` for anyone but a buyer; database failures.
pub async fn list(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
) -> ServiceResult<Vec<ShortlistSummary>> {
    let org = buyer_organisation(user)?;
    let lists = shortlist::Entity::find()
        .filter(shortlist::Column::OrganisationId.eq(org))
        .filter(
            Condition::any()
                .add(shortlist::Column::Shared.eq(true))
                .add(shortlist::Column::CreatedBy.eq(user.id)),
        )
        .order_by_asc(shortlist::Column::Name)
        .order_by_asc(shortlist::Column::Id)
        .all(db)
        .await?;
    summaries(db, user, lists).await
}

/// One shortlist with its suppliers, in the order they were added.
///
/// # Errors
/// `NotFound` unless the buyer may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: i64,
) -> ServiceResult<ShortlistView> {
    let list = visible(db, user, id).await?;
    let items = shortlist_item::Entity::find()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .order_by_asc(shortlist_item::Column::AddedAt)
        .order_by_asc(shortlist_item::Column::SupplierId)
        .all(db)
        .await?;
    let ids: Vec<i64> = items.iter().map(|i| i.supplier_id).collect();
    let listed = listed_suppliers(db, &ids).await?;
    let mut profiles: HashMap<i64, supplier_profile::Model> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for p in supplier_profile::Entity::find()
            .filter(supplier_profile::Column::OrganisationId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            profiles.insert(p.organisation_id, p);
        }
    }
    let entries = items
        .into_iter()
        .map(|i| {
            let p = profiles.remove(&i.supplier_id);
            ShortlistEntry {
                supplier_id: i.supplier_id,
                name: p.as_ref().map_or_else(
                    || format!("Supplier {}", i.supplier_id),
                    |p| p.legal_name.clone(),
                ),
                legal_form: p.as_ref().map(|p| p.legal_form.clone()).unwrap_or_default(),
                size: p.as_ref().and_then(|p| p.size_class.clone()),
                town: p.as_ref().map(|p| p.town.clone()).unwrap_or_default(),
                postcode: p.as_ref().and_then(|p| p.postcode.clone()),
                listed: listed.contains(&i.supplier_id),
                added_at: stamp(i.added_at),
            }
        })
        .collect();
    let summary = summaries(db, user, vec![list])
        .await?
        .into_iter()
        .next()
        .ok_or(ServiceError::NotFound)?;
    Ok(ShortlistView { summary, entries })
}

/// Creates a shortlist for the buyer's organisation; returns its id.
///
/// # Errors
/// `Forbidden` for anyone but a buyer; a missing or over-long `name`.
pub async fn create(
    db: &DatabaseConnection,
    user: &CurrentUser,
    name: &str,
    shared: bool,
) -> ServiceResult<i64> {
    let org = buyer_organisation(user)?;
    let mut errors = FieldErrors::new();
    let name = parse_name(name, "shortlist", &mut errors);
    errors.into_result(()).map_err(ServiceError::Validation)?;
    let txn = db.begin().await?;
    let id = insert_shortlist(&txn, user, org, &name, shared).await?;
    txn.commit().await?;
    Ok(id)
}

async fn insert_shortlist(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    org: i64,
    name: &str,
    shared: bool,
) -> ServiceResult<i64> {
    let at = now();
    let row = shortlist::ActiveModel {
        organisation_id: Set(org),
        created_by: Set(Some(user.id)),
        name: Set(name.to_owned()),
        shared: Set(shared),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Shares a shortlist with colleagues, or makes it private to its creator again.
///
/// # Errors
/// `NotFound` unless visible; `Forbidden` unless the buyer made it.
pub async fn set_shared(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    shared: bool,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    let list = own(&txn, user, id).await?;
    let mut row: shortlist::ActiveModel = list.into();
    row.shared = Set(shared);
    row.updated_at = Set(now());
    row.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes a shortlist and its entries.
///
/// # Errors
/// `NotFound` unless visible; `Forbidden` unless the buyer made it.
pub async fn delete(db: &DatabaseConnection, user: &CurrentUser, id: i64) -> ServiceResult<()> {
    let txn = db.begin().await?;
    own(&txn, user, id).await?;
    shortlist_item::Entity::delete_many()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .exec(&txn)
        .await?;
    shortlist::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Where a supplier goes: an existing shortlist, or a new one of this name.
#[derive(Debug, Clone, Default)]
pub struct AddTarget {
    /// The id of an existing shortlist, as the form sent it (may be empty).
    pub shortlist_id: String,
    /// The name of a new shortlist, used when no existing one is chosen.
    pub new_name: String,
}

/// Adds a published supplier to a shortlist (creating the shortlist if a new name is
/// given); adding it twice is harmless. Returns the shortlist's id and name.
///
/// # Errors
/// `NotFound` for an unknown or unpublished supplier or an invisible shortlist; field
/// `shortlist_id` when neither a shortlist nor a new name is given, `name` for a bad name.
pub async fn add_item(
    db: &DatabaseConnection,
    user: &CurrentUser,
    target: &AddTarget,
    supplier_id: i64,
) -> ServiceResult<(i64, String)> {
    let org = buyer_organisation(user)?;
    let chosen = target.shortlist_id.trim();
    let new_name = target.new_name.trim();
    let mut errors = FieldErrors::new();
    let existing = if chosen.is_empty() || chosen == "new" {
        None
    } else {
        match chosen.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("shortlist_id", "Choose one of your shortlists");
                None
            }
        }
    };
    let name = if existing.is_none() && errors.is_empty() {
        if new_name.is_empty() {
            errors.add(
                "shortlist_id",
                "Choose a shortlist, or give a name for a new one",
            );
            String::new()
        } else {
            parse_name(new_name, "new shortlist", &mut errors)
        }
    } else {
        String::new()
    };
    errors.into_result(()).map_err(ServiceError::Validation)?;
    let txn = db.begin().await?;
    if !listed_suppliers(&txn, &[supplier_id])
        .await?
        .contains(&supplier_id)
    {
        return Err(ServiceError::NotFound);
    }
    let (id, name) = match existing {
        Some(id) => {
            let list = visible(&txn, user, id).await?;
            (list.id, list.name)
        }
        None => (insert_shortlist(&txn, user, org, &name, false).await?, name),
    };
    let at = now();
    if shortlist_item::Entity::find_by_id((id, supplier_id))
        .one(&txn)
        .await?
        .is_none()
    {
        shortlist_item::ActiveModel {
            shortlist_id: Set(id),
            supplier_id: Set(supplier_id),
            added_by: Set(Some(user.id)),
            added_at: Set(at),
        }
        .insert(&txn)
        .await?;
    }
    shortlist::Entity::update_many()
        .col_expr(shortlist::Column::UpdatedAt, Expr::value(at))
        .filter(shortlist::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((id, name))
}

/// Takes a supplier off a shortlist.
///
/// # Errors
/// `NotFound` unless the shortlist is visible and holds the supplier.
pub async fn remove_item(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
    supplier_id: i64,
) -> ServiceResult<()> {
    let txn = db.begin().await?;
    visible(&txn, user, id).await?;
    let res = shortlist_item::Entity::delete_by_id((id, supplier_id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    shortlist::Entity::update_many()
        .col_expr(shortlist::Column::UpdatedAt, Expr::value(now()))
        .filter(shortlist::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Of `ids`, the suppliers anyone may see: published profiles of active organisations.
async fn listed_suppliers(db: &impl ConnectionTrait, ids: &[i64]) -> ServiceResult<HashSet<i64>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let published: Vec<i64> = supplier_profile::Entity::find()
            .select_only()
            .column(supplier_profile::Column::OrganisationId)
            .filter(supplier_profile::Column::OrganisationId.is_in(chunk.to_vec()))
            .filter(supplier_profile::Column::Published.eq(true))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        let active = organisation::Entity::find()
            .select_only()
            .column(organisation::Column::Id)
            .filter(organisation::Column::Id.is_in(published))
            .filter(organisation::Column::Status.eq("active"))
            .into_tuple::<i64>()
            .all(db)
            .await?;
        out.extend(active);
    }
    Ok(out)
}

// ---- saved searches ----------------------------------------------------------------------

/// The query string of a search URL, kept as the browser sent it: without a leading `?`,
/// without `page` (a saved search starts at the first page) and without empty parameters.
pub fn normalise_query(raw: &str) -> String {
    let raw = raw.trim().trim_start_matches('?');
    let raw = raw
        .split_once('?')
        .map_or(raw, |(path, q)| if path.contains('=') { raw } else { q });
    raw.split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let keep = !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && k != "page"
                && !v.is_empty();
            keep.then(|| format!("{k}={v}"))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Saves a search under a name; returns its id.
///
/// # Errors
/// `Forbidden` unless the user may search; field `name` when missing, too long or already
/// used by another of the user's saved searches; field `query` when too long.
pub async fn save_search(
    db: &DatabaseConnection,
    user: &CurrentUser,
    name: &str,
    query: &str,
) -> ServiceResult<i64> {
    ensure_can_search(user)?;
    let mut errors = FieldErrors::new();
    let name = parse_name(name, "saved search", &mut errors);
    let query = normalise_query(query);
    if query.len() > QUERY_MAX {
        errors.add("query", "This search is too long to save");
    }
    errors.into_result(()).map_err(ServiceError::Validation)?;
    let txn = db.begin().await?;
    let taken = saved_search::Entity::find()
        .filter(saved_search::Column::UserId.eq(user.id))
        .filter(saved_search::Column::Name.eq(name.as_str()))
        .count(&txn)
        .await?
        > 0;
    if taken {
        return Err(ServiceError::field(
            "name",
            "You already have a saved search with this name",
        ));
    }
    let row = saved_search::ActiveModel {
        user_id: Set(user.id),
        name: Set(name),
        query: Set(query),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// The user's saved searches, by name.
///
/// # Errors
/// `Forbidden` unless the user may search.
pub async fn saved_searches(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
) -> ServiceResult<Vec<SavedSearchView>> {
    ensure_can_search(user)?;
    Ok(saved_search::Entity::find()
        .filter(saved_search::Column::UserId.eq(user.id))
        .order_by_asc(saved_search::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SavedSearchView {
            id: s.id,
            name: s.name,
            query: s.query,
            created_at: stamp(s.created_at),
        })
        .collect())
}

/// Deletes one of the user's saved searches.
///
/// # Errors
/// `NotFound` unless it is the user's.
pub async fn delete_saved_search(
    db: &DatabaseConnection,
    user: &CurrentUser,
    id: i64,
) -> ServiceResult<()> {
    ensure_can_search(user)?;
    let txn = db.begin().await?;
    let res = saved_search::Entity::delete_many()
        .filter(saved_search::Column::Id.eq(id))
        .filter(saved_search::Column::UserId.eq(user.id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    txn.commit().await?;
    Ok(())
}

// ---- exports -------------------------------------------------------------------------------

/// Every result of a search (all pages, up to [`EXPORT_CAP`]), in the search's order.
///
/// # Errors
/// `Forbidden` unless the user may search; the search's own field errors.
pub async fn search_rows(
    state: &AppState,
    user: &CurrentUser,
    query: &SearchQuery,
) -> ServiceResult<Vec<ExportRow>> {
    ensure_can_search(user)?;
    let per_page = usize::try_from(search::MAX_PER_PAGE).unwrap_or(100).max(1);
    let mut hits: Vec<(i64, Option<f64>)> = Vec::new();
    let mut page = 1usize;
    loop {
        let mut q = query.clone();
        q.page = Some(page.to_string());
        q.per_page = Some(per_page.to_string());
        let res = search::search(state, &q).await?;
        let got = res.results.len();
        hits.extend(res.results.into_iter().map(|h| (h.id, h.distance_km)));
        let total = usize::try_from(res.total).unwrap_or(usize::MAX);
        if got < per_page || hits.len() >= total.min(EXPORT_CAP) {
            break;
        }
        page += 1;
    }
    hits.truncate(EXPORT_CAP);
    rows(state, &hits).await
}

/// The listed suppliers of a shortlist the user may see, in the order they were added;
/// returns the shortlist's name too (for the file name).
///
/// # Errors
/// `NotFound` unless the shortlist is visible.
pub async fn shortlist_rows(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> ServiceResult<(String, Vec<ExportRow>)> {
    let list = visible(&state.db, user, id).await?;
    let ids: Vec<i64> = shortlist_item::Entity::find()
        .select_only()
        .column(shortlist_item::Column::SupplierId)
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .order_by_asc(shortlist_item::Column::AddedAt)
        .order_by_asc(shortlist_item::Column::SupplierId)
        .limit(u64::try_from(EXPORT_CAP).unwrap_or(u64::MAX))
        .into_tuple::<i64>()
        .all(&state.db)
        .await?;
    let listed = listed_suppliers(&state.db, &ids).await?;
    let hits: Vec<(i64, Option<f64>)> = ids
        .into_iter()
        .filter(|i| listed.contains(i))
        .map(|i| (i, None))
        .collect();
    Ok((list.name, rows(state, &hits).await?))
}

/// Export rows for suppliers, in the given order, with the given distances.
async fn rows(state: &AppState, hits: &[(i64, Option<f64>)]) -> ServiceResult<Vec<ExportRow>> {
    let db = &state.db;
    let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
    let mut profiles: HashMap<i64, supplier_profile::Model> = HashMap::new();
    let mut cpv: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    let mut verified: HashSet<i64> = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        for p in supplier_profile::Entity::find()
            .filter(supplier_profile::Column::OrganisationId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            profiles.insert(p.organisation_id, p);
        }
        for row in supplier_cpv::Entity::find()
            .filter(supplier_cpv::Column::OrganisationId.is_in(chunk.to_vec()))
            .order_by_asc(supplier_cpv::Column::CpvCode)
            .all(db)
            .await?
        {
            cpv.entry(row.organisation_id)
                .or_default()
                .push(row.cpv_code);
        }
        verified.extend(
            supplier_identifier::Entity::find()
                .select_only()
                .column(supplier_identifier::Column::OrganisationId)
                .filter(supplier_identifier::Column::OrganisationId.is_in(chunk.to_vec()))
                .filter(supplier_identifier::Column::VerifiedAt.is_not_null())
                .into_tuple::<i64>()
                .all(db)
                .await?,
        );
    }
    let base = state.config.base_url.trim_end_matches('/');
    Ok(hits
        .iter()
        .filter_map(|(id, distance)| {
            let p = profiles.remove(id)?;
            let codes: Vec<String> = cpv
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    CpvCode::parse(&c)
                        .ok()
                        .and_then(|code| state.cpv.get(&code))
                        .map_or(c, |e| e.full_code())
                })
                .collect();
            Some(ExportRow {
                id: *id,
                name: p.legal_name,
                legal_form: p.legal_form,
                size: p.size_class,
                postcode: p.postcode,
                town: p.town,
                distance_km: *distance,
                cpv: codes.join(";"),
                website: p.website,
                email: p.email,
                verified: verified.contains(id),
                social_economy: p.social_economy,
                profile_url: format!("{base}/suppliers/{id}"),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::normalise_query;

    #[test]
    fn saved_query_drops_page_empty_values_and_the_question_mark() {
        assert_eq!(
            normalise_query("?q=school+meals&cpv=&near=PR1&page=3"),
            "q=school+meals&near=PR1"
        );
    }

    #[test]
    fn saved_query_accepts_a_whole_search_path() {
        assert_eq!(
            normalise_query("/suppliers?q=mowing&size=micro"),
            "q=mowing&size=micro"
        );
    }

    #[test]
    fn saved_query_ignores_malformed_pairs() {
        assert_eq!(
            normalise_query("q=a&<script>=x&noequals&size=small"),
            "q=a&size=small"
        );
    }
}
