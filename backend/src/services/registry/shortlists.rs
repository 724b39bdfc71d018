//! Buyers' shortlists.
//!
//! A shortlist belongs to a buyer organisation. Its creator always sees it; colleagues of
//! the same organisation see it (and may add and remove suppliers) only while it is shared;
//! only the creator may share, unshare or delete it. Anyone else is told it does not exist.
//! Writes run inside the caller's transaction.

use super::snapshots;
use crate::entities::{shortlist, shortlist_item, user};
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use domain::accounts::Actor;
use domain::registry::dto::{ShortlistEntry, ShortlistSummary, ShortlistView};
use domain::validation::FieldErrors;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};

const NAME_MAX: usize = 120;

/// The buyer organisation of an active buyer.
///
/// # Errors
/// `Forbidden` for suppliers, admins and inactive buyers.
pub fn buyer_organisation(actor: &Actor) -> ServiceResult<i64> {
    actor.buyer_organisation().ok_or(ServiceError::Forbidden)
}

/// A shortlist the user may see, or `NotFound` (never revealing that it exists).
async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<shortlist::Model> {
    let org = buyer_organisation(actor)?;
    let list = shortlist::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if list.organisation_id != org || !(list.shared || list.created_by == Some(actor.user_id)) {
        return Err(ServiceError::NotFound);
    }
    Ok(list)
}

/// A shortlist the user made (and so may share or delete).
async fn own(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<shortlist::Model> {
    let list = visible(db, actor, id).await?;
    if list.created_by != Some(actor.user_id) {
        return Err(ServiceError::Forbidden);
    }
    Ok(list)
}

async fn summaries(
    db: &impl ConnectionTrait,
    actor: &Actor,
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
            mine: l.created_by == Some(actor.user_id),
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
    actor: &Actor,
) -> ServiceResult<Vec<ShortlistSummary>> {
    let org = buyer_organisation(actor)?;
    let lists = shortlist::Entity::find()
        .filter(shortlist::Column::OrganisationId.eq(org))
        .filter(
            Condition::any()
                .add(shortlist::Column::Shared.eq(true))
                .add(shortlist::Column::CreatedBy.eq(actor.user_id)),
        )
        .order_by_asc(shortlist::Column::Name)
        .order_by_asc(shortlist::Column::Id)
        .all(db)
        .await?;
    summaries(db, actor, lists).await
}

/// One shortlist with its suppliers, in the order they were added.
///
/// # Errors
/// `NotFound` unless the buyer may see it.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> ServiceResult<ShortlistView> {
    let list = visible(db, actor, id).await?;
    let items = shortlist_item::Entity::find()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .order_by_asc(shortlist_item::Column::AddedAt)
        .order_by_asc(shortlist_item::Column::SupplierId)
        .all(db)
        .await?;
    let ids: Vec<i64> = items.iter().map(|i| i.supplier_id).collect();
    let mut found: HashMap<i64, _> = snapshots::snapshots(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let entries = items
        .into_iter()
        .map(|i| match found.remove(&i.supplier_id) {
            Some(s) => ShortlistEntry {
                supplier_id: i.supplier_id,
                listed: s.is_searchable(),
                legal_form: s
                    .legal_form
                    .map(|f| f.slug().to_owned())
                    .unwrap_or_default(),
                size: s.size.map(|c| c.slug().to_owned()),
                name: s.name,
                town: s.town,
                postcode: s.postcode,
                added_at: stamp(i.added_at),
            },
            None => ShortlistEntry {
                supplier_id: i.supplier_id,
                name: format!("Supplier {}", i.supplier_id),
                legal_form: String::new(),
                size: None,
                town: String::new(),
                postcode: None,
                listed: false,
                added_at: stamp(i.added_at),
            },
        })
        .collect();
    let summary = summaries(db, actor, vec![list])
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
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
    shared: bool,
) -> ServiceResult<i64> {
    let org = buyer_organisation(actor)?;
    let mut errors = FieldErrors::new();
    let name = parse_name(name, "shortlist", &mut errors);
    errors.into_result(()).map_err(ServiceError::Validation)?;
    let id = insert_shortlist(db, actor, org, &name, shared).await?;
    Ok(id)
}

async fn insert_shortlist(
    db: &impl ConnectionTrait,
    actor: &Actor,
    org: i64,
    name: &str,
    shared: bool,
) -> ServiceResult<i64> {
    let at = now();
    let row = shortlist::ActiveModel {
        organisation_id: Set(org),
        created_by: Set(Some(actor.user_id)),
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
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    shared: bool,
) -> ServiceResult<()> {
    let list = own(db, actor, id).await?;
    let mut row: shortlist::ActiveModel = list.into();
    row.shared = Set(shared);
    row.updated_at = Set(now());
    row.update(db).await?;
    Ok(())
}

/// Deletes a shortlist and its entries.
///
/// # Errors
/// `NotFound` unless visible; `Forbidden` unless the buyer made it.
pub async fn delete(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<()> {
    own(db, actor, id).await?;
    shortlist_item::Entity::delete_many()
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .exec(db)
        .await?;
    shortlist::Entity::delete_by_id(id).exec(db).await?;
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
    db: &impl ConnectionTrait,
    actor: &Actor,
    target: &AddTarget,
    supplier_id: i64,
) -> ServiceResult<(i64, String)> {
    let org = buyer_organisation(actor)?;
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
    if !snapshots::searchable_among(db, &[supplier_id])
        .await?
        .contains(&supplier_id)
    {
        return Err(ServiceError::NotFound);
    }
    let (id, name) = match existing {
        Some(id) => {
            let list = visible(db, actor, id).await?;
            (list.id, list.name)
        }
        None => (insert_shortlist(db, actor, org, &name, false).await?, name),
    };
    let at = now();
    if shortlist_item::Entity::find_by_id((id, supplier_id))
        .one(db)
        .await?
        .is_none()
    {
        shortlist_item::ActiveModel {
            shortlist_id: Set(id),
            supplier_id: Set(supplier_id),
            added_by: Set(Some(actor.user_id)),
            added_at: Set(at),
        }
        .insert(db)
        .await?;
    }
    shortlist::Entity::update_many()
        .col_expr(shortlist::Column::UpdatedAt, Expr::value(at))
        .filter(shortlist::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok((id, name))
}

/// Takes a supplier off a shortlist.
///
/// # Errors
/// `NotFound` unless the shortlist is visible and holds the supplier.
pub async fn remove_item(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    supplier_id: i64,
) -> ServiceResult<()> {
    visible(db, actor, id).await?;
    let res = shortlist_item::Entity::delete_by_id((id, supplier_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    shortlist::Entity::update_many()
        .col_expr(shortlist::Column::UpdatedAt, Expr::value(now()))
        .filter(shortlist::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The suppliers of a shortlist the buyer may see, in the order they were added, with
/// the shortlist's name.
///
/// # Errors
/// `NotFound` unless the shortlist is visible.
pub async fn supplier_ids(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
    cap: usize,
) -> ServiceResult<(String, Vec<i64>)> {
    let list = visible(db, actor, id).await?;
    let ids = shortlist_item::Entity::find()
        .select_only()
        .column(shortlist_item::Column::SupplierId)
        .filter(shortlist_item::Column::ShortlistId.eq(id))
        .order_by_asc(shortlist_item::Column::AddedAt)
        .order_by_asc(shortlist_item::Column::SupplierId)
        .limit(u64::try_from(cap).unwrap_or(u64::MAX))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    Ok((list.name, ids))
}

pub(super) fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn parse_name(raw: &str, what: &str, errors: &mut FieldErrors) -> String {
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
