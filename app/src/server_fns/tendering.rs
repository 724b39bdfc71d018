//! Server functions of the tendering context: the tenders list, a tender's notice and its
//! market depth, calling `backend::services::tendering`.

use crate::error::AppError;
use domain::tendering::dto::{MarketView, TenderSummary, TenderView};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, respond};

/// Tenders: the signed-in buyer's organisation's (drafts included) when `mine`, otherwise
/// the public notices.
#[server(endpoint = "tenders")]
pub async fn list_tenders(mine: bool) -> Result<Vec<TenderSummary>, AppError> {
    use backend::services::tendering::tenders;
    use domain::tendering::dto::TenderListQuery;
    let state = web::state()?;
    let user = web::current_user().await?;
    let viewer = user.as_ref().map(|u| &u.actor);
    let q = TenderListQuery {
        status: None,
        mine: Some(mine && viewer.is_some()),
    };
    respond(tenders::list(&state.db, viewer, &q).await)
}

/// A tender as its notice shows it (drafts only to their organisation).
#[server(endpoint = "tender")]
pub async fn get_tender(id: i64) -> Result<TenderView, AppError> {
    use backend::services::tendering::tenders;
    let state = web::state()?;
    let user = web::current_user().await?;
    respond(tenders::get(&state.db, &state.env, user.as_ref().map(|u| &u.actor), id).await)
}

/// A tender's market depth.
#[server(endpoint = "tender-market")]
pub async fn get_market(id: i64) -> Result<MarketView, AppError> {
    use backend::services::tendering::market::{self, Market};
    let state = web::state()?;
    let user = web::current_user().await?;
    respond(
        market::depth(
            &state.db,
            &state.env,
            Market::of(&state),
            user.as_ref().map(|u| &u.actor),
            id,
        )
        .await,
    )
}
