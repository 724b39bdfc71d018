//! `anchorlink backup FILE`: a consistent copy of a live SQLite database, taken while the
//! server runs (SQLite's `VACUUM INTO`, which reads one snapshot and writes a compact,
//! self-contained file — no WAL beside it). Restoring is pointing `DATABASE_URL` at the
//! copy (or copying it over the database while the server is stopped); migrations then
//! bring it up to date as on any start. PostgreSQL has its own tools (`pg_dump`), which
//! this command names rather than imitates.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::path::Path;

/// Writes a snapshot of `db` to `file`, which must not exist yet. Returns its size.
///
/// # Errors
/// The file exists, the database is not SQLite (the message says what to use), or the
/// copy fails.
pub async fn backup(db: &DatabaseConnection, file: &Path) -> anyhow::Result<u64> {
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        anyhow::bail!(
            "this database is PostgreSQL: back it up with `pg_dump --format=custom \
             --file=anchorlink.dump \"$DATABASE_URL\"` and restore with `pg_restore \
             --clean --if-exists --dbname=\"$DATABASE_URL\" anchorlink.dump` (see the README)"
        );
    }
    if file.exists() {
        anyhow::bail!("{} exists already; choose a new file name", file.display());
    }
    let target = file
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("{} is not a UTF-8 path", file.display()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await
    .map_err(|e| anyhow::anyhow!("writing {}: {e}", file.display()))?;
    Ok(std::fs::metadata(file)?.len())
}
