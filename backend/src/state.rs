//! The one `AppState` built at start-up and shared by pages, server functions and the REST API.

use crate::mail::Mailer;
use domain::cpv::CpvCatalogue;
use domain::place::OutcodeTable;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What the application needs to know about where it runs.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Public base URL used in links sent by e-mail, e.g. `http://127.0.0.1:3000`.
    pub base_url: String,
    /// Mark cookies `Secure` (the site is served over TLS).
    pub secure_cookies: bool,
}

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<AppConfig>,
    pub mailer: Mailer,
    pub cpv: Arc<CpvCatalogue>,
    pub outcodes: Arc<OutcodeTable>,
    pub index: Arc<crate::services::registry::search_index::SearchIndex>,
}

/// The CPV vocabulary and outcode table shipped in `data/`, parsed once.
///
/// # Errors
/// Fails if the shipped files are corrupt, which is a build defect worth stopping for.
pub fn load_reference_data() -> anyhow::Result<(CpvCatalogue, OutcodeTable)> {
    let cpv = CpvCatalogue::from_json(include_str!("../../data/cpv-2008-en.json"))
        .map_err(|e| anyhow::anyhow!("data/cpv-2008-en.json: {e}"))?;
    let outcodes = OutcodeTable::from_csv(include_str!("../../data/uk-outcodes.csv"))
        .map_err(|e| anyhow::anyhow!("data/uk-outcodes.csv: {e}"))?;
    Ok((cpv, outcodes))
}
