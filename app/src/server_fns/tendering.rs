//! Server functions of the tendering context: the tenders list, a tender's notice and its
//! market depth, calling `backend::services::tendering`.

use crate::error::AppError;
use domain::tendering::dto::{MarketView, TenderSummary, TenderView};
use leptos::server;

#[cfg(feature = "ssr")]
use crate::web::{self, respond};
// the lot planner and publishing pages
#[cfg(feature = "ssr")]
use crate::web::finish;
use domain::tendering::dto::{LotInput, LotsEvaluation, PlanResponse};
#[cfg(feature = "ssr")]
use domain::tendering::dto::{LotsInput, PlanRequest};

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

// ---- the lot planner and publishing pages (`/tenders/{id}/lots`, `/tenders/{id}/publish`)
// Every form here posts straight to its function: without JavaScript `finish` saves, then
// brings the browser back to the page (or on to the notice) with the new evidence.

/// What the lot planner page shows: the tender, the plan being edited and its evidence.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LotsPageData {
    pub tender: TenderView,
    /// The plan being edited: the saved lots of a draft, or for a tender whose lots are
    /// not saved here (an imported or published notice) the plan carried in the page's
    /// address.
    pub lots: Vec<LotInput>,
    /// The evidence of `lots` under the constraints last used; `None` without lots.
    pub evaluation: Option<LotsEvaluation>,
    /// Edits are saved (the organisation's draft); otherwise they live in the address.
    pub saves: bool,
}

/// The address of the planner page showing `lots` (carried in the address only when the
/// tender's lots are not saved) and, after a suggestion, whether the plan was exact.
pub fn lots_path(id: i64, lots: Option<&[LotInput]>, suggested: Option<bool>) -> String {
    let mut query = Vec::new();
    if let Some(exact) = suggested {
        query.push(format!(
            "suggested={}",
            if exact { "exact" } else { "heuristic" }
        ));
    }
    if let Some(lots) = lots {
        let json = serde_json::to_string(lots).unwrap_or_default();
        query.push(format!("plan={}", urlencoding::encode(&json)));
    }
    if query.is_empty() {
        format!("/tenders/{id}/lots")
    } else {
        format!("/tenders/{id}/lots?{}", query.join("&"))
    }
}

/// Reads the plan carried in the address or a form (JSON lots); anything else is none.
pub fn read_plan(plan: Option<&str>) -> Option<Vec<LotInput>> {
    plan.filter(|p| !p.trim().is_empty())
        .and_then(|p| serde_json::from_str(p).ok())
}

#[cfg(feature = "ssr")]
fn lots_of(view: &TenderView) -> Vec<LotInput> {
    view.lots
        .iter()
        .map(|l| LotInput {
            title: l.title.clone(),
            description: l.description.clone(),
            items: l.items.clone(),
        })
        .collect()
}

/// The planner page's data for a tender the caller manages (its organisation's drafts,
/// published and imported tenders). `plan` is the plan carried in the address.
#[server(endpoint = "tender-lots")]
pub async fn lots_workspace(id: i64, plan: Option<String>) -> Result<LotsPageData, AppError> {
    use backend::services::tendering::market::{self, Market};
    use backend::services::tendering::tenders;
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        tenders::managed(&state.db, &actor, id).await?;
        let tender = tenders::get(&state.db, &state.env, Some(&actor), id).await?;
        let saves = tender.editable;
        let lots = match (saves, read_plan(plan.as_deref())) {
            (false, Some(carried)) => carried,
            _ => lots_of(&tender),
        };
        let evaluation = if lots.is_empty() {
            None
        } else {
            let input = LotsInput { lots: lots.clone() };
            Some(
                market::evaluate(
                    &state.db,
                    &state.env,
                    Market::of(&state),
                    &actor,
                    id,
                    Some(&input),
                )
                .await?,
            )
        };
        Ok(LotsPageData {
            tender,
            lots,
            evaluation,
            saves,
        })
    }
    .await;
    respond(result)
}

/// A whole number typed in a form: blank is `None`.
#[cfg(feature = "ssr")]
fn whole<T: std::str::FromStr>(
    field: &str,
    raw: &str,
    errors: &mut domain::validation::FieldErrors,
) -> Option<T> {
    let raw = raw.trim().trim_start_matches('£').replace(',', "");
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.add(field, "enter a whole number, 0 or more");
            None
        }
    }
}

/// The planner's obstacles as the page says them (lines by their number and description,
/// constraints by their label), keyed by the constraint they concern.
#[cfg(feature = "ssr")]
fn obstacle_errors(
    tender: &TenderView,
    obstacles: &[domain::tendering::planner::Explained<domain::tendering::planner::Obstacle>],
) -> domain::validation::FieldErrors {
    use domain::tendering::planner::Obstacle;
    let line = |id: i64| {
        tender.items.iter().find(|i| i.id == id).map_or_else(
            || format!("line {id}"),
            |i| format!("line {} ({})", i.position, i.description),
        )
    };
    let mut by_field: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for o in obstacles {
        let (field, text) = match &o.what {
            Obstacle::LineLacksBidders {
                line_id,
                eligible,
                min_bidders_per_lot,
                ..
            } => (
                "min_bidders_per_lot",
                format!(
                    "{} has only {eligible} eligible supplier{} even as a lot of its own, \
                     fewer than the {min_bidders_per_lot} bidders asked for",
                    line(*line_id),
                    if *eligible == 1 { "" } else { "s" }
                ),
            ),
            Obstacle::LinesNeedSeparateLots { line_ids, max_lots } => (
                "max_lots",
                format!(
                    "{} each need a lot of their own to keep enough bidders, but at most \
                     {max_lots} lots are allowed",
                    line_ids
                        .iter()
                        .map(|i| line(*i))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            Obstacle::NoLotsAllowed => ("max_lots", "allow at least one lot".to_owned()),
            Obstacle::TotalBelowMinLotValue {
                total_gbp,
                min_lot_value_gbp,
            } => (
                "min_lot_value_gbp",
                format!(
                    "the whole tender is worth {total_gbp}, less than the minimum lot value \
                     {min_lot_value_gbp}"
                ),
            ),
            Obstacle::LineCannotReachMinLotValue {
                line_id,
                best_value_gbp,
                min_lot_value_gbp,
                ..
            } => (
                "min_lot_value_gbp",
                format!(
                    "{} can only be in lots worth at most {best_value_gbp} that keep enough \
                     bidders, less than the minimum lot value {min_lot_value_gbp}",
                    line(*line_id)
                ),
            ),
            _ => ("form", o.message.clone()),
        };
        by_field.entry(field).or_default().push(text);
    }
    let mut errors = domain::validation::FieldErrors::new();
    errors.add(
        "form",
        by_field.remove("form").map_or_else(
            || "No split into lots meets these constraints: see each one below.".to_owned(),
            |m| {
                format!(
                    "No split into lots meets these constraints: {}.",
                    m.join("; ")
                )
            },
        ),
    );
    for (field, messages) in by_field {
        errors.add(field, messages.join("; "));
    }
    errors
}

/// "Suggest lots": plans the tender under the buyer's constraints (blank: the defaults),
/// remembers them, and makes the plan the one being edited (saved for a draft). When no
/// plan meets the constraints, the answer names what makes it impossible beside each
/// constraint.
#[server(endpoint = "tender-suggest-lots")]
pub async fn suggest_lots(
    id: i64,
    max_lots: String,
    min_lot_value_gbp: String,
    min_bidders_per_lot: String,
) -> Result<PlanResponse, AppError> {
    use backend::services::tendering::market::{self, Market};
    use backend::services::tendering::tenders;
    use backend::ServiceError;
    let values = serde_json::json!({
        "max_lots": max_lots, "min_lot_value_gbp": min_lot_value_gbp,
        "min_bidders_per_lot": min_bidders_per_lot,
    });
    let state = web::state()?;
    let mut next = None;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let mut errors = domain::validation::FieldErrors::new();
        let request = PlanRequest {
            max_lots: whole("max_lots", &max_lots, &mut errors),
            min_lot_value_gbp: whole("min_lot_value_gbp", &min_lot_value_gbp, &mut errors),
            min_bidders_per_lot: whole("min_bidders_per_lot", &min_bidders_per_lot, &mut errors),
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let plan = market::plan(
            &state.db,
            &state.env,
            Market::of(&state),
            &actor,
            id,
            &request,
        )
        .await?;
        let w = state.write().await?;
        tenders::remember_constraints(&w, id, &request).await?;
        let tender = tenders::get(&w, &state.env, Some(&actor), id).await?;
        if !plan.feasible {
            w.commit().await?;
            return Err(ServiceError::Validation(obstacle_errors(
                &tender,
                &plan.obstacles,
            )));
        }
        let lots: Vec<LotInput> = plan
            .lots
            .iter()
            .map(|l| LotInput {
                title: l.title.clone(),
                description: String::new(),
                items: l.items.clone(),
            })
            .collect();
        if tender.editable {
            tenders::save_lots(&w, &actor, id, &LotsInput { lots }).await?;
            next = Some(lots_path(id, None, Some(plan.exact)));
        } else {
            next = Some(lots_path(id, Some(&lots), Some(plan.exact)));
        }
        w.commit().await?;
        Ok(plan)
    }
    .await;
    let notice = match &result {
        Ok(p) => format!(
            "Suggested {} lot{}, reaching {} local SMEs and social-economy suppliers.",
            p.lots.len(),
            if p.lots.len() == 1 { "" } else { "s" },
            p.reach
        ),
        Err(_) => String::new(),
    };
    finish("suggest_lots", &values, result, &notice, next.as_deref()).await
}

/// One edit of the plan being edited (`op`: `rename`, `move`, `merge`, `split`,
/// `single`); lots are numbered from 1 as on the page. `to` is the other lot (where a
/// moved line goes, or the lot merged into `lot`); `lines` the chosen lines (the one line
/// to move, or those to split off). A draft's lots are saved (`tenders::save_lots`: every
/// line in exactly one lot); otherwise the new plan goes back in the address. Returns the
/// new plan.
#[server(endpoint = "tender-edit-lots")]
pub async fn edit_lots(
    id: i64,
    op: String,
    #[server(default)] plan: Option<String>,
    #[server(default)] lot: Option<usize>,
    #[server(default)] title: Option<String>,
    #[server(default)] to: Option<usize>,
    #[server(default)] lines: Option<Vec<i64>>,
) -> Result<Vec<LotInput>, AppError> {
    use backend::services::tendering::tenders;
    use backend::ServiceError;
    use domain::tendering::lot_edits::{self, LotEdit};
    let form = "edit_lots";
    let values = serde_json::json!({ "title": title });
    let state = web::state()?;
    let mut next = None;
    // Lots are numbered from 1 on the page.
    let index = |n: Option<usize>, field: &str| {
        n.and_then(|n| n.checked_sub(1))
            .ok_or_else(|| ServiceError::field(field, "choose a lot"))
    };
    let result = async {
        let actor = web::signed_in().await?.actor;
        tenders::managed(&state.db, &actor, id).await?;
        let tender = tenders::get(&state.db, &state.env, Some(&actor), id).await?;
        let current = if tender.editable {
            lots_of(&tender)
        } else {
            read_plan(plan.as_deref()).unwrap_or_default()
        };
        let edit = match op.as_str() {
            "rename" => LotEdit::Rename {
                lot: index(lot, "lot")?,
                title: title.clone().unwrap_or_default(),
            },
            "move" => LotEdit::Move {
                line: lines
                    .as_ref()
                    .and_then(|l| l.first().copied())
                    .ok_or_else(|| ServiceError::field("line", "choose a line"))?,
                to: index(to, "to")?,
            },
            "merge" => LotEdit::Merge {
                lot: index(lot, "lot")?,
                other: index(to, "other")?,
            },
            "split" => LotEdit::Split {
                lot: index(lot, "lot")?,
                lines: lines.clone().unwrap_or_default(),
            },
            "single" => LotEdit::Single {
                lines: tender.items.iter().map(|i| i.id).collect(),
            },
            _ => return Err(ServiceError::field("op", "unknown change")),
        };
        let lots = lot_edits::apply(current, edit)?;
        if tender.editable {
            let w = state.write().await?;
            tenders::save_lots(&w, &actor, id, &LotsInput { lots: lots.clone() }).await?;
            w.commit().await?;
            // With JavaScript the page reloads its data in place: no navigation to the
            // same address (whose flash would wait for the next page).
            next = web::is_plain_form_post().then(|| lots_path(id, None, None));
        } else {
            next = Some(lots_path(id, Some(&lots), None));
        }
        Ok(lots)
    }
    .await;
    let notice = match op.as_str() {
        "rename" => "Lot renamed.",
        "move" => "Line moved.",
        "merge" => "Lots merged.",
        "split" => "Lot split.",
        _ => "Plan changed.",
    };
    finish(form, &values, result, notice, next.as_deref()).await
}

/// The limits on how many lots one supplier may bid for and win (blank: unchanged).
#[server(endpoint = "tender-lot-limits")]
pub async fn set_lot_limits(
    id: i64,
    max_lots_bid_per_supplier: String,
    max_lots_won_per_supplier: String,
) -> Result<(), AppError> {
    use backend::services::tendering::tenders;
    use backend::ServiceError;
    use domain::tendering::dto::TenderInput;
    let values = serde_json::json!({
        "max_lots_bid_per_supplier": max_lots_bid_per_supplier,
        "max_lots_won_per_supplier": max_lots_won_per_supplier,
    });
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let mut errors = domain::validation::FieldErrors::new();
        let input = TenderInput {
            max_lots_bid_per_supplier: whole(
                "max_lots_bid_per_supplier",
                &max_lots_bid_per_supplier,
                &mut errors,
            ),
            max_lots_won_per_supplier: whole(
                "max_lots_won_per_supplier",
                &max_lots_won_per_supplier,
                &mut errors,
            ),
            ..Default::default()
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let w = state.write().await?;
        tenders::update(&w, &state.env, &actor, id, &input).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    let next = web::is_plain_form_post().then(|| format!("/tenders/{id}/lots"));
    finish(
        "lot_limits",
        &values,
        result,
        "Limits per supplier saved.",
        next.as_deref(),
    )
    .await
}

/// Publishes a draft and goes to its public notice. With one lot, `reason` (divide or
/// explain, Procurement Act 2023 s.18) is required and shown on the notice.
#[server(endpoint = "tender-publish")]
pub async fn publish_tender(
    id: i64,
    #[server(default)] reason: Option<String>,
) -> Result<(), AppError> {
    use backend::services::tendering::tenders;
    use domain::tendering::dto::PublishInput;
    let values = serde_json::json!({ "reason": reason });
    let state = web::state()?;
    let result = async {
        let actor = web::signed_in().await?.actor;
        let w = state.write().await?;
        tenders::publish(&w, &actor, id, &PublishInput { reason }).await?;
        w.commit().await?;
        Ok::<(), backend::ServiceError>(())
    }
    .await;
    let next = format!("/tenders/{id}");
    finish(
        "publish",
        &values,
        result,
        "The tender is published.",
        Some(&next),
    )
    .await
}
