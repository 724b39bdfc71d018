//! Form flashes: when a form is posted without JavaScript, the browser follows a redirect
//! back to the page; the input and errors wait here, keyed by a random id in a cookie, and
//! are read exactly once.

use crate::entities::form_flash;
use domain::forms::Flash;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

/// Stores a flash and returns its id.
///
/// # Errors
/// The insert failed.
pub async fn put(db: &impl ConnectionTrait, flash: &Flash) -> Result<String, DbErr> {
    let id = super::accounts::crypto::random_token();
    // Flashes not read within an hour were abandoned (a closed tab); sweep them.
    form_flash::Entity::delete_many()
        .filter(form_flash::Column::CreatedAt.lt(super::now() - chrono::Duration::hours(1)))
        .exec(db)
        .await?;
    form_flash::ActiveModel {
        id: Set(id.clone()),
        payload: Set(serde_json::to_string(flash).unwrap_or_default()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Takes (reads and deletes) a flash.
///
/// # Errors
/// The database failed.
pub async fn take(db: &impl ConnectionTrait, id: &str) -> Result<Option<Flash>, DbErr> {
    let Some(row) = form_flash::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    form_flash::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(serde_json::from_str(&row.payload).ok())
}

/// Reads a flash without taking it: an upload kept between its preview and its import
/// (the OCDS import page), read once per page view until the import takes it.
///
/// # Errors
/// The database failed.
pub async fn peek(db: &impl ConnectionTrait, id: &str) -> Result<Option<Flash>, DbErr> {
    Ok(form_flash::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .and_then(|row| serde_json::from_str(&row.payload).ok()))
}
