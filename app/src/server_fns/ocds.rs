//! Server functions of the OCDS context: importing other portals' notices through the
//! import page (`/tenders/import`), calling `backend::services::ocds`.
//!
//! Three steps, each a plain form post that works without JavaScript: the upload (a file
//! or pasted JSON) is read whole and refused at once if it is not OCDS; otherwise it is
//! kept for an hour under a random id (a one-time store, the form flashes' table) and the
//! browser goes to its preview; "Import" then imports it in one transaction and the page
//! links to each tender.

use crate::error::AppError;
use domain::tendering::dto::ImportResult;
use leptos::server;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};
#[cfg(feature = "ssr")]
use backend::ServiceError;
#[cfg(feature = "ssr")]
use domain::accounts::Actor;

/// The largest upload the page accepts: the REST import's limit (a package of a few
/// thousand releases).
pub const IMPORT_MAX_BYTES: usize = 32 * 1024 * 1024;

/// One tender of an upload, as the preview shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviewTender {
    pub ocid: String,
    pub title: String,
    pub buyer: Option<String>,
    pub lots: usize,
    pub lines: usize,
    /// The tender's value in whole pounds, else the sum of its lines' values.
    pub value_gbp: Option<u64>,
    /// The tender here that importing updates, when the ocid is already here.
    pub updates: Option<i64>,
    /// Another organisation holds this ocid: the import would be refused.
    pub held_elsewhere: bool,
    pub warnings: Vec<String>,
}

/// The preview of a kept upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// The kept upload's id, posted back by "Import".
    pub upload: String,
    pub tenders: Vec<PreviewTender>,
}

#[cfg(feature = "ssr")]
fn importer(actor: &Actor) -> Result<i64, ServiceError> {
    if actor.is_active_admin() {
        Ok(actor.organisation_id().unwrap_or(0))
    } else {
        actor.buyer_organisation().ok_or(ServiceError::Forbidden)
    }
}

/// The kept upload's tag: only the organisation that uploaded it may read it.
#[cfg(feature = "ssr")]
fn tag(kind: &str, org: i64) -> String {
    format!("ocds_{kind}:{org}")
}

#[cfg(feature = "ssr")]
async fn keep(
    state: &backend::AppState,
    kind: &str,
    org: i64,
    text: String,
) -> Result<String, ServiceError> {
    let mut values = std::collections::BTreeMap::new();
    values.insert("text".to_owned(), text);
    let flash = domain::forms::Flash {
        form: tag(kind, org),
        values,
        ..Default::default()
    };
    Ok(backend::services::flash::put(&state.db, &flash).await?)
}

#[cfg(feature = "ssr")]
async fn kept(
    state: &backend::AppState,
    kind: &str,
    org: i64,
    id: &str,
) -> Result<String, ServiceError> {
    let gone = || {
        ServiceError::field(
            "upload",
            "this upload is no longer kept (uploads are kept for an hour): upload the file again",
        )
    };
    let flash = backend::services::flash::peek(&state.db, id)
        .await?
        .ok_or_else(gone)?;
    if flash.form != tag(kind, org) {
        return Err(gone());
    }
    flash.values.get("text").cloned().ok_or_else(gone)
}

/// The upload (`POST /tenders/import/upload`, a site route because it is a file):
/// refused at once, naming why, when it is not OCDS; otherwise kept for its preview.
/// Returns the kept upload's id.
///
/// # Errors
/// `Forbidden` for anyone but a buyer or admin; `Validation` (`file`) for what is not
/// OCDS; database failures.
#[cfg(feature = "ssr")]
pub async fn keep_upload(
    state: &backend::AppState,
    actor: &Actor,
    text: String,
) -> Result<String, ServiceError> {
    use backend::services::ocds::import;
    let org = importer(actor)?;
    if text.trim().is_empty() {
        return Err(ServiceError::field(
            "file",
            "choose an OCDS file or paste its JSON",
        ));
    }
    // Refusals come now, before anything is kept.
    import::read(&state.env, &text).map_err(|e| match e {
        ServiceError::Validation(f) => {
            let reasons: Vec<String> = f.iter().map(|(_, m)| m.to_owned()).collect();
            ServiceError::field(
                "file",
                format!(
                    "this is not OCDS that can be imported: {}",
                    reasons.join("; ")
                ),
            )
        }
        other => other,
    })?;
    keep(state, "upload", org, text).await
}

/// The preview of a kept upload: each tender, whether it updates one here, its warnings.
#[server(endpoint = "ocds-preview")]
pub async fn preview_upload(upload: String) -> Result<ImportPreview, AppError> {
    use backend::services::ocds::import;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let org = importer(&actor)?;
        let text = kept(&state, "upload", org, &upload).await?;
        let read = import::read(&state.env, &text)?;
        let ocids: Vec<String> = read.iter().map(|t| t.ocid.clone()).collect();
        let here = import::existing(&state.db, &actor, &ocids).await?;
        let tenders = read
            .into_iter()
            .map(|t| {
                let found = here.get(&t.ocid).copied();
                let lines_value: Option<u64> = t
                    .tender
                    .items
                    .iter()
                    .map(|i| {
                        i.value
                            .as_ref()
                            .and_then(|m| m.whole_pounds())
                            .map(|g| g.pounds())
                    })
                    .sum();
                PreviewTender {
                    title: t
                        .tender
                        .title
                        .clone()
                        .unwrap_or_else(|| "(no title)".to_owned()),
                    buyer: t.buyer.as_ref().and_then(|b| b.name.clone()),
                    lots: t.tender.lots.len(),
                    lines: t.tender.items.len(),
                    value_gbp: t
                        .tender
                        .value
                        .as_ref()
                        .and_then(|m| m.whole_pounds())
                        .map(|g| g.pounds())
                        .or(lines_value),
                    updates: found.filter(|(_, mine)| *mine).map(|(id, _)| id),
                    held_elsewhere: found.is_some_and(|(_, mine)| !mine),
                    warnings: t.warnings,
                    ocid: t.ocid,
                }
            })
            .collect();
        Ok(ImportPreview { upload, tenders })
    }
    .await;
    respond(result)
}

/// "Import": imports the kept upload in one transaction (all or nothing) and goes to the
/// list of what was imported.
#[server(endpoint = "ocds-import")]
pub async fn import_upload(upload: String) -> Result<ImportResult, AppError> {
    use backend::services::ocds::import;
    let state = web::state()?;
    let mut next = None;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let org = importer(&actor)?;
        let text = kept(&state, "upload", org, &upload).await?;
        let w = state.write().await?;
        let imported = import::import(&w, &state.env, &actor, &text).await?;
        w.commit().await?;
        backend::services::flash::take(&state.db, &upload).await?;
        let json =
            serde_json::to_string(&imported).map_err(|e| ServiceError::Unexpected(e.into()))?;
        let done = keep(&state, "result", org, json).await?;
        next = Some(format!("/tenders/import?done={done}"));
        Ok(imported)
    }
    .await;
    let notice = match &result {
        Ok(r) => format!(
            "Imported {} tender{}.",
            r.tenders.len(),
            if r.tenders.len() == 1 { "" } else { "s" }
        ),
        Err(_) => String::new(),
    };
    finish(
        "ocds_import",
        &serde_json::json!({}),
        result,
        &notice,
        next.as_deref(),
    )
    .await
}

/// What an import did, for the page after "Import".
#[server(endpoint = "ocds-import-result")]
pub async fn import_outcome(done: String) -> Result<ImportResult, AppError> {
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let org = importer(&actor)?;
        let json = kept(&state, "result", org, &done).await?;
        serde_json::from_str(&json).map_err(|e| ServiceError::Unexpected(e.into()))
    }
    .await;
    respond(result)
}
