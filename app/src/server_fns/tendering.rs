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
    let estimated_value_gbp = match f.estimated_value_gbp.trim() {
        "" => None,
        v => match Gbp::parse(v) {
            Ok(g) => Some(g.pounds()),
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
            }
            None
        }
        (false, false) => {
            errors.add(
                "area_outcodes",
                "give either postcode districts or a place and a radius, not both",
            );
            None
        }
        (false, true) => Some(LocalAreaInput::Outcodes { outcodes }),
        (true, false) => match km.parse::<f64>() {
            Ok(within_km) => Some(LocalAreaInput::Near {
                near: near.to_owned(),
                within_km,
            }),
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
    use backend::services::tendering::tenders;
    let values = serde_json::json!({ "t": t });
    let result = async {
        let user = web::signed_in().await?;
        let state = web::state().map_err(|_| anyhow::anyhow!("AppState missing"))?;
        let mut own = domain::validation::FieldErrors::new();
        let input = tender_input(&t, &mut own);
        let w = state.write().await?;
        match (
            tenders::update(&w, &state.env, &user.actor, id, &input).await,
            own.is_empty(),
        ) {
            (Ok(()), true) => Ok::<(), backend::ServiceError>(w.commit().await?),
            (Ok(()), false) => Err(own.into()),
            (Err(e), _) => Err(rename_errors(e, own, form_field)),
        }
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
/// again, as typed, with one more row.
#[server(endpoint = "tender-lines")]
pub async fn save_tender_lines(
    id: i64,
    #[server(default)] lines: Vec<LineForm>,
    #[server(default)] then: String,
) -> Result<(), AppError> {
    use backend::services::tendering::tenders;
    use domain::tendering::dto::ItemInput;
    use domain::text::Gbp;
    let values = lines_values(&lines);
    if then == "add" {
        return web::keep_input("lines", &values).await;
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
        let w = state.write().await?;
        match (
            tenders::update(&w, &state.env, &user.actor, id, &input).await,
            own.is_empty(),
        ) {
            (Ok(()), true) => Ok::<(), backend::ServiceError>(w.commit().await?),
            (Ok(()), false) => Err(own.into()),
            (Err(e), _) => Err(rename_errors(e, own, rename)),
        }
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
