//! Saved searches: a name and the query string of a stable search URL, kept per user.
//! Writes run inside the caller's transaction.

use super::shortlists::{parse_name, stamp};
use crate::entities::saved_search;
use crate::error::{ServiceError, ServiceResult};
use crate::services::now;
use domain::accounts::Actor;
use domain::registry::dto::SavedSearchView;
use domain::validation::FieldErrors;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

const QUERY_MAX: usize = 2_000;

fn ensure_can_search(actor: &Actor) -> ServiceResult<()> {
    if actor.can_search() {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

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
pub async fn save(
    db: &impl ConnectionTrait,
    actor: &Actor,
    name: &str,
    query: &str,
) -> ServiceResult<i64> {
    ensure_can_search(actor)?;
    let mut errors = FieldErrors::new();
    let name = parse_name(name, "saved search", &mut errors);
    let query = normalise_query(query);
    if query.len() > QUERY_MAX {
        errors.add("query", "This search is too long to save");
    }
    errors.into_result(()).map_err(ServiceError::Validation)?;
    let taken = saved_search::Entity::find()
        .filter(saved_search::Column::UserId.eq(actor.user_id))
        .filter(saved_search::Column::Name.eq(name.as_str()))
        .count(db)
        .await?
        > 0;
    if taken {
        return Err(ServiceError::field(
            "name",
            "You already have a saved search with this name",
        ));
    }
    let row = saved_search::ActiveModel {
        user_id: Set(actor.user_id),
        name: Set(name),
        query: Set(query),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// The user's saved searches, by name.
///
/// # Errors
/// `Forbidden` unless the user may search.
pub async fn list(db: &impl ConnectionTrait, actor: &Actor) -> ServiceResult<Vec<SavedSearchView>> {
    ensure_can_search(actor)?;
    Ok(saved_search::Entity::find()
        .filter(saved_search::Column::UserId.eq(actor.user_id))
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
pub async fn delete(db: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<()> {
    ensure_can_search(actor)?;
    let res = saved_search::Entity::delete_many()
        .filter(saved_search::Column::Id.eq(id))
        .filter(saved_search::Column::UserId.eq(actor.user_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    Ok(())
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
