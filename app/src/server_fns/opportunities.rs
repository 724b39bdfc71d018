//! Server functions of opportunities, interest and partners (issue 12), calling
//! `backend::services::tendering::{opportunities, interest, partners}`. Forms post here
//! with or without JavaScript; after a change without JavaScript the browser goes back to
//! the page it came from with a notice, with JavaScript the page refreshes its data.

use crate::error::AppError;
use domain::tendering::opportunity_views::{
    OpportunitiesView, OpportunityQuery, PartnerRequestView, PartnersView, TenderInterest,
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
