//! Server functions of the tendering context: the tenders list, a tender's notice and its
//! market depth, calling `backend::services::tendering`.

use crate::error::AppError;
use domain::tendering::dto::{MarketView, TenderSummary, TenderView};
use leptos::server;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use domain::tendering::dto::TenderInput;

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

// ---- the buyer's pages: drafting a tender, its lines, its status (issue 8) ----------------

/// The tender details form (`/tenders/new` and the editor) as typed: every field a string,
/// so that what the buyer typed comes back beside its error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenderForm {
    pub title: String,
    pub description: String,
    /// Whole pounds; `250000`, `250,000`, `£250k` read alike.
    pub estimated_value_gbp: String,
    pub deadline: String,
    pub contract_start: String,
    pub contract_end: String,
    /// The local area as postcode districts, comma-separated…
    pub area_outcodes: String,
    /// …or a postcode or outcode and a radius.
    pub area_near: String,
    pub area_within_km: String,
}

/// One row of the lines table as typed. A row with `remove` set, or with nothing typed,
/// is not saved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineForm {
    pub id: String,
    pub description: String,
    pub cpv: String,
    pub value_gbp: String,
    pub quantity: String,
    pub unit: String,
    pub delivery_postcode: String,
    pub remove: String,
}

impl LineForm {
    /// Nothing typed (a spare row of the table).
    #[must_use]
    pub fn is_blank(&self) -> bool {
        [
            &self.id,
            &self.description,
            &self.cpv,
            &self.value_gbp,
            &self.quantity,
            &self.unit,
            &self.delivery_postcode,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

/// The form's fields as the service's input; errors of the form's own reading (a value
/// that is not an amount) go in `errors`, named as the form names them.
#[cfg(feature = "ssr")]
fn tender_input(f: &TenderForm, errors: &mut domain::validation::FieldErrors) -> TenderInput {
    use domain::tendering::dto::LocalAreaInput;
    use domain::text::Gbp;
    // A blank field clears what was saved (`Some(None)`); a field in error changes nothing.
    let estimated_value_gbp = match f.estimated_value_gbp.trim() {
        "" => Some(None),
        v => match Gbp::parse(v) {
            Ok(g) => Some(Some(g.pounds())),
            Err(e) => {
                errors.add("estimated_value_gbp", e.to_string());
                None
            }
        },
    };
    let outcodes: Vec<String> = f
        .area_outcodes
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .collect();
    let near = f.area_near.trim();
    let km = f.area_within_km.trim();
    let local_area = match (outcodes.is_empty(), near.is_empty()) {
        (true, true) => {
            if !km.is_empty() {
                errors.add(
                    "area_near",
                    "give the postcode or outcode the radius is from",
                );
                None
            } else {
                Some(None)
            }
        }
        (false, false) => {
            errors.add(
                "area_outcodes",
                "give either postcode districts or a place and a radius, not both",
            );
            None
        }
        (false, true) => Some(Some(LocalAreaInput::Outcodes { outcodes })),
        (true, false) => match km.parse::<f64>() {
            Ok(within_km) => Some(Some(LocalAreaInput::Near {
                near: near.to_owned(),
                within_km,
            })),
            Err(_) => {
                errors.add("area_within_km", "give the radius in kilometres, like 20");
                None
            }
        },
    };
    TenderInput {
        title: Some(f.title.clone()),
        description: Some(f.description.clone()),
        estimated_value_gbp,
        deadline: Some(f.deadline.clone()),
        contract_start: Some(f.contract_start.clone()),
        contract_end: Some(f.contract_end.clone()),
        local_area,
        ..TenderInput::default()
    }
}

/// The service names the local area's fields as the API has them; the form has its own.
#[cfg(feature = "ssr")]
fn form_field(service_field: &str) -> String {
    if service_field.starts_with("local_area.outcodes") {
        "area_outcodes".into()
    } else if service_field == "local_area.near" {
        "area_near".into()
    } else if service_field == "local_area.within_km" {
        "area_within_km".into()
    } else {
        service_field.to_owned()
    }
}

/// Renames the service's field errors for the form, and adds the form's own.
#[cfg(feature = "ssr")]
fn rename_errors(
    e: backend::ServiceError,
    own: domain::validation::FieldErrors,
    rename: impl Fn(&str) -> String,
) -> backend::ServiceError {
    match e {
        backend::ServiceError::Validation(found) => {
            let mut out = own;
            for (field, message) in found.iter() {
                out.add(rename(field), message);
            }
            backend::ServiceError::Validation(out)
        }
        other => other,
    }
}

/// Updates draft `id` with `input` in one transaction, committed only when neither the
/// form's own reading (`own`) nor the service found a problem; the service's errors are
/// renamed to the form's fields and given together with `own`.
#[cfg(feature = "ssr")]
async fn update_draft(
    state: &backend::AppState,
    actor: &domain::accounts::Actor,
    id: i64,
    input: &TenderInput,
    own: domain::validation::FieldErrors,
    rename: impl Fn(&str) -> String,
) -> backend::ServiceResult<()> {
    use backend::services::tendering::tenders;
    let w = state.write().await?;
    match (
        tenders::update(&w, &state.env, actor, id, input).await,
        own.is_empty(),
    ) {
        (Ok(()), true) => Ok(w.commit().await?),
        (Ok(()), false) => Err(own.into()),
        (Err(e), _) => Err(rename_errors(e, own, rename)),
    }
}

/// Drafts a tender for the buyer's organisation and goes to its editor.
#[server(endpoint = "tender-create")]
pub async fn create_tender(#[server(default)] t: TenderForm) -> Result<i64, AppError> {
    use backend::services::tendering::tenders;
    let values = serde_json::json!({ "t": t });
    let result = async {
        let user = web::signed_in().await?;
        let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing"))?;
        let mut own = domain::validation::FieldErrors::new();
        let input = tender_input(&t, &mut own);
        let w = state.write().await?;
        let created = tenders::create(&w, &state.env, &user.actor, &input).await;
        match (created, own.is_empty()) {
            (Ok(id), true) => {
                w.commit().await?;
                Ok::<i64, backend::ServiceError>(id)
            }
            (Ok(_), false) => Err(own.into()),
            (Err(e), _) => Err(rename_errors(e, own, form_field)),
        }
    }
    .await;
    let next = result.as_ref().ok().map(|id| format!("/tenders/{id}/edit"));
    web::finish(
        "tender",
        &values,
        result,
        "Draft saved. Now add its requirement lines.",
        next.as_deref(),
    )
    .await
}

/// Saves a draft's details (not its lines).
#[server(endpoint = "tender-details")]
pub async fn save_tender_details(
    id: i64,
    #[server(default)] t: TenderForm,
) -> Result<(), AppError> {
    let values = serde_json::json!({ "t": t });
    let result = async {
        let user = web::signed_in().await?;
        let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing"))?;
        let mut own = domain::validation::FieldErrors::new();
        let input = tender_input(&t, &mut own);
        update_draft(&state, &user.actor, id, &input, own, form_field).await
    }
    .await;
    web::finish("tender", &values, result, "Details saved.", None).await
}

/// The lines table as the flash keeps it: `lines[3][cpv]`, as the inputs are named.
#[cfg(feature = "ssr")]
fn lines_values(lines: &[LineForm]) -> serde_json::Value {
    let rows: serde_json::Map<String, serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(r, l)| (r.to_string(), serde_json::json!(l)))
        .collect();
    serde_json::json!({ "lines": rows })
}

/// Saves the whole lines table in one transaction: every row is checked, errors name the
/// row and field (`lines[3].cpv`), and nothing is saved unless every row is right.
/// `then=add` (the no-JavaScript "Add a row" button) saves nothing and shows the table
/// again, as typed, with one more row; `then=find` (the no-JavaScript CPV search above the
/// table, whose box belongs to this form) saves nothing either and shows the table as
/// typed with the codes matching `cpv_q`, so looking a code up loses no unsaved edit.
#[server(endpoint = "tender-lines")]
pub async fn save_tender_lines(
    id: i64,
    #[server(default)] lines: Vec<LineForm>,
    #[server(default)] then: String,
    #[server(default)] cpv_q: String,
) -> Result<(), AppError> {
    use domain::tendering::dto::ItemInput;
    use domain::text::Gbp;
    let values = lines_values(&lines);
    match then.as_str() {
        "add" => return web::keep_input("lines", &values).await,
        "find" => {
            let to = format!(
                "/tenders/{id}/edit?cpv_q={}#find-cpv",
                urlencoding::encode(cpv_q.trim())
            );
            return web::keep_input_at("lines", &values, &to).await;
        }
        _ => {}
    }
    let result = async {
        let user = web::signed_in().await?;
        let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing"))?;
        let mut own = domain::validation::FieldErrors::new();
        // Which table row each line sent came from, to name the row in errors.
        let mut rows = Vec::new();
        let mut items = Vec::new();
        for (r, l) in lines.iter().enumerate() {
            if !l.remove.trim().is_empty() || l.is_blank() {
                continue;
            }
            let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
            let id = match text(&l.id).map(|v| v.parse::<i64>()) {
                Some(Ok(id)) => Some(id),
                Some(Err(_)) => {
                    own.add(
                        format!("lines[{r}].id"),
                        "this row's line number is damaged; reload the page",
                    );
                    None
                }
                None => None,
            };
            let value_gbp = match text(&l.value_gbp).map(|v| Gbp::parse(&v)) {
                Some(Ok(g)) => Some(g.pounds()),
                Some(Err(e)) => {
                    own.add(format!("lines[{r}].value_gbp"), e.to_string());
                    // Counted as given, so the service does not ask for it as well.
                    Some(0)
                }
                None => None,
            };
            let quantity = match text(&l.quantity).map(|v| v.replace(',', "").parse::<f64>()) {
                Some(Ok(q)) => Some(q),
                Some(Err(_)) => {
                    own.add(
                        format!("lines[{r}].quantity"),
                        "a quantity is a number, like 12 or 2.5",
                    );
                    None
                }
                None => None,
            };
            rows.push(r);
            items.push(ItemInput {
                id,
                description: text(&l.description),
                cpv: text(&l.cpv),
                value_gbp,
                quantity,
                unit: text(&l.unit),
                delivery_postcode: text(&l.delivery_postcode),
            });
        }
        let input = TenderInput {
            items: Some(items),
            ..TenderInput::default()
        };
        let rename = |field: &str| match field
            .strip_prefix("items[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(i, rest)| Some((rows.get(i.parse::<usize>().ok()?)?, rest)))
        {
            Some((r, rest)) => format!("lines[{r}]{rest}"),
            None => field.to_owned(),
        };
        update_draft(&state, &user.actor, id, &input, own, rename).await
    }
    .await;
    web::finish("lines", &values, result, "Lines saved.", None).await
}

/// Closes or cancels a tender (`to` is `closed` or `cancelled`), back to its notice.
#[server(endpoint = "tender-status")]
pub async fn set_tender_status(id: i64, to: String) -> Result<(), AppError> {
    use backend::services::tendering::tenders;
    use domain::tendering::TenderStatus;
    let values = serde_json::json!({ "to": to });
    let result = async {
        let user = web::signed_in().await?;
        let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing"))?;
        let status = to
            .parse::<TenderStatus>()
            .map_err(|_| backend::ServiceError::field("to", "close or cancel"))?;
        let w = state.write().await?;
        tenders::set_status(&w, &user.actor, id, status).await?;
        Ok::<(), backend::ServiceError>(w.commit().await?)
    }
    .await;
    let notice = if to == "closed" {
        "The tender is closed."
    } else {
        "The tender is cancelled."
    };
    let back = format!("/tenders/{id}");
    let next = result.is_ok().then_some(back.as_str());
    web::finish("status", &values, result, notice, next).await
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

/// A limit field: blank clears the limit (`Some(None)`), a number sets it, anything else
/// is an error in `errors` and changes nothing.
#[cfg(feature = "ssr")]
fn limit(
    field: &str,
    raw: &str,
    errors: &mut domain::validation::FieldErrors,
) -> Option<Option<u32>> {
    if raw.trim().is_empty() {
        return Some(None);
    }
    whole(field, raw, errors).map(Some)
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
            // A script calling this for JSON gets the lots back; only a form post is sent
            // back to the page (whose flash would otherwise wait for the next page).
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

/// The limits on how many lots one supplier may bid for and win (blank: no limit).
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
            max_lots_bid_per_supplier: limit(
                "max_lots_bid_per_supplier",
                &max_lots_bid_per_supplier,
                &mut errors,
            ),
            max_lots_won_per_supplier: limit(
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
