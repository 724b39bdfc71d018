//! Server functions of opportunities, interest, partners and alerts (issue 12), calling
//! `backend::services::tendering::{opportunities, interest, partners, alerts, feeds}`.
//! Forms post here with or without JavaScript; after a change without JavaScript the
//! browser goes back to the page it came from with a notice, with JavaScript the page
//! refreshes its data.

use crate::error::AppError;
use domain::tendering::opportunity_views::{
    AlertsView, OpportunitiesView, OpportunityQuery, PartnerRequestView, PartnersView,
    TenderInterest,
};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, finish, respond};

/// The signed-in supplier's opportunities, filtered.
#[server(endpoint = "opportunities")]
pub async fn get_opportunities(
    // All filters blank serialise to nothing at all, so the argument must default.
    #[server(default)] q: OpportunityQuery,
) -> Result<OpportunitiesView, AppError> {
    use backend::services::tendering::market::Market;
    use backend::services::tendering::opportunities;
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(
        opportunities::for_supplier(
            &state.db,
            &state.env,
            Market::of(&state),
            &state.opportunities,
            &user.actor,
            &q,
        )
        .await,
    )
}

/// Marks the signed-in supplier's interest in a lot.
#[server(endpoint = "lot-interest")]
pub async fn mark_interest(
    lot_id: i64,
    #[server(default)] as_consortium: Option<String>,
    #[server(default)] note: Option<String>,
) -> Result<(), AppError> {
    use backend::services::tendering::interest;
    use domain::tendering::opportunity_views::InterestInput;
    let values = serde_json::json!({ "note": note, "as_consortium": as_consortium });
    let state = web::state()?;
    let input = InterestInput {
        as_consortium: as_consortium.is_some_and(|v| !v.is_empty() && v != "false"),
        note,
    };
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        interest::mark(&w, &actor, lot_id, &input).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    finish(
        &format!("interest-{lot_id}"),
        &values,
        result,
        "Your interest is recorded: the buyer can see it.",
        None,
    )
    .await
}

/// Withdraws the signed-in supplier's interest in a lot.
#[server(endpoint = "lot-interest-withdraw")]
pub async fn withdraw_interest(lot_id: i64) -> Result<(), AppError> {
    use backend::services::tendering::interest;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        interest::withdraw(&w, &actor, lot_id).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    finish(
        &format!("interest-{lot_id}"),
        &serde_json::json!({}),
        result,
        "Your interest is withdrawn.",
        None,
    )
    .await
}

/// The consortium finder for a lot.
#[server(endpoint = "lot-partners")]
pub async fn get_partners(lot_id: i64) -> Result<PartnersView, AppError> {
    use backend::services::tendering::market::Market;
    use backend::services::tendering::partners;
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(
        partners::suggest(
            &state.db,
            &state.env,
            Market::of(&state),
            &state.opportunities,
            &user.actor,
            lot_id,
        )
        .await,
    )
}

/// Asks another supplier to bid for a lot together (mailed through the platform).
#[server(endpoint = "partner-ask")]
pub async fn ask_partner(
    lot_id: i64,
    to_supplier_id: i64,
    #[server(default)] message: String,
) -> Result<(), AppError> {
    use backend::services::tendering::partners;
    use domain::tendering::opportunity_views::PartnerRequestInput;
    let values = serde_json::json!({ "message": message });
    let state = web::state()?;
    let input = PartnerRequestInput {
        to_supplier_id,
        message,
    };
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        let r = partners::ask(&w, &state.env, &actor, lot_id, &input).await?;
        w.commit().await?;
        Ok::<String, backend::ServiceError>(r.to_name)
    }
    .await;
    let notice = match &result {
        Ok(name) => format!("Your request was sent to {name}. They answer through Anchorlink; you will get an e-mail."),
        Err(_) => String::new(),
    };
    finish(
        &format!("ask-{to_supplier_id}"),
        &values,
        result.map(|_| ()),
        &notice,
        None,
    )
    .await
}

/// The interest in a tender's lots, for its buyer.
#[server(endpoint = "tender-interest")]
pub async fn get_tender_interest(id: i64) -> Result<TenderInterest, AppError> {
    use backend::services::tendering::interest;
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(interest::for_tender(&state.db, &state.env, &user.actor, id).await)
}

/// How many suppliers are interested in the tender: `None` unless the viewer manages it.
#[server(endpoint = "tender-interest-count")]
pub async fn tender_interest_count(id: i64) -> Result<Option<u64>, AppError> {
    use backend::services::tendering::{interest, tenders};
    let state = web::state()?;
    let Some(user) = web::current_user().await? else {
        return Ok(None);
    };
    match tenders::managed(&state.db, &user.actor, id).await {
        Ok(_) => respond(interest::count_for_tender(&state.db, id).await.map(Some)),
        Err(_) => Ok(None),
    }
}

/// A partner request, for either side.
#[server(endpoint = "partner-request")]
pub async fn get_partner_request(id: i64) -> Result<PartnerRequestView, AppError> {
    use backend::services::tendering::partners;
    let state = web::state()?;
    let user = web::require_user().await?;
    respond(partners::get(&state.db, &user.actor, id).await)
}

/// The asked side accepts (`answer=accept`) or declines a partner request.
#[server(endpoint = "partner-answer")]
pub async fn answer_partner_request(id: i64, answer: String) -> Result<(), AppError> {
    use backend::services::tendering::partners;
    let accept = answer == "accept";
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        partners::answer(&w, &state.env, &actor, id, accept).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    let notice = if accept {
        "Accepted: you and they have each been sent the other's contact details by e-mail."
    } else {
        "Declined: they have been told, without your contact details."
    };
    finish(
        "partner-answer",
        &serde_json::json!({}),
        result,
        notice,
        None,
    )
    .await
}

/// The signed-in supplier user's alert setting, recent matches and feed state (`/alerts`).
#[server(endpoint = "alerts")]
pub async fn get_alerts() -> Result<AlertsView, AppError> {
    use backend::services::tendering::{alerts, feeds};
    let state = web::state()?;
    let user = web::require_user().await?;
    let view = async {
        Ok::<_, backend::ServiceError>(AlertsView {
            mode: alerts::mode_of(&state.db, user.actor.user_id)
                .await?
                .slug()
                .to_owned(),
            matches: alerts::matches(&state.db, &user.actor, ALERTS_LISTED).await?,
            has_feed: feeds::has_feed(&state.db, &user.actor).await?,
        })
    }
    .await;
    respond(view)
}

/// How many recent matches the alerts page lists.
#[cfg(feature = "ssr")]
const ALERTS_LISTED: u64 = 100;

/// Sets how the signed-in supplier user hears about new lots (`immediate`, `daily`, `off`).
#[server(endpoint = "alerts-mode")]
pub async fn set_alert_mode(#[server(default)] mode: String) -> Result<(), AppError> {
    use backend::services::tendering::alerts;
    use domain::tendering::alerts::AlertMode;
    let values = serde_json::json!({ "mode": mode });
    let state = web::state()?;
    let result = async {
        let chosen = AlertMode::from_slug(mode.trim()).ok_or_else(|| {
            let mut e = domain::validation::FieldErrors::new();
            e.add("mode", "choose how you want to hear about new lots");
            backend::ServiceError::from(e)
        })?;
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        alerts::set_mode(&w, &actor, chosen).await?;
        w.commit().await?;
        Ok::<_, backend::ServiceError>(chosen)
    }
    .await;
    let notice = match &result {
        Ok(AlertMode::Immediate) => {
            "Saved: you get an e-mail as soon as a tender with lots you can bid for is published."
        }
        Ok(AlertMode::Daily) => {
            "Saved: you get one e-mail a day, in the morning, listing the new lots you can bid for."
        }
        Ok(AlertMode::Off) => {
            "Saved: you get no alert e-mails. New matches still show on this page."
        }
        Err(_) => "",
    };
    finish("alerts-mode", &values, result.map(|_| ()), notice, None).await
}

/// Marks every match so far as seen by the signed-in supplier user.
#[server(endpoint = "alerts-seen")]
pub async fn mark_matches_seen() -> Result<(), AppError> {
    use backend::services::tendering::alerts;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        alerts::mark_seen(&w, &actor).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    finish(
        "alerts-seen",
        &serde_json::json!({}),
        result,
        "Marked as seen.",
        None,
    )
    .await
}

/// A new private feed URL for the signed-in supplier's organisation (any earlier one
/// stops). The URL is shown once: the answer carries it, and without JavaScript the
/// notice on the page does.
#[server(endpoint = "alerts-feed")]
pub async fn new_private_feed() -> Result<String, AppError> {
    use backend::services::tendering::feeds;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        let path = feeds::new_feed(&w, &actor).await?;
        w.commit().await?;
        Ok::<_, backend::ServiceError>(format!(
            "{}{path}",
            state.env.config.base_url.trim_end_matches('/')
        ))
    }
    .await;
    let notice = match &result {
        Ok(url) => format!(
            "Your private feed: {url} — copy it into your feed reader now; it is shown only once. \
             Anyone with it can read your matches, so treat it like a password."
        ),
        Err(_) => String::new(),
    };
    finish("alerts-feed", &serde_json::json!({}), result, &notice, None).await
}

/// Stops the signed-in supplier's private feed (every URL given so far).
#[server(endpoint = "alerts-feed-revoke")]
pub async fn revoke_private_feed() -> Result<(), AppError> {
    use backend::services::tendering::feeds;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        feeds::revoke_feed(&w, &actor).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    finish(
        "alerts-feed",
        &serde_json::json!({}),
        result,
        "Your private feed is stopped: its URL no longer works.",
        None,
    )
    .await
}
