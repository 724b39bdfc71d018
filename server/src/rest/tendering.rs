//! The tendering context's REST endpoints (`/api/v1/tenders…`): drafting, the lines (JSON
//! or a CSV schedule), market depth and the suppliers behind each count, lot plans, lots,
//! publishing, closing and cancelling. Each handler: who is calling, one service call in
//! one unit of work, the answer.

use super::{ApiError, ApiPath, ApiQuery, ApiUser, ErrorBody, JsonBody, MaybeApiUser, SessionUser};
use crate::SiteState;
use app::error::AppError;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use backend::services::tendering::market::{self, Market};
use backend::services::tendering::{lines_csv, tenders};
use backend::AppState;
use domain::forms::Flash;
use domain::tendering::dto::{
    DepthKind, LotsEvaluation, LotsInput, MarketView, PlanRequest, PlanResponse, PublishInput,
    TenderInput, TenderListQuery, TenderSummary, TenderView,
};
use domain::tendering::TenderStatus;
use serde::{Deserialize, Serialize};

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new()
        .route("/tenders", get(list_tenders).post(create_tender))
        .route("/tenders/{id}", get(get_tender).put(update_tender))
        .route("/tenders/{id}/lines.csv", put(upload_lines))
        .route("/tenders/{id}/market", get(market_depth))
        .route("/tenders/{id}/market/suppliers", get(market_suppliers))
        .route("/tenders/{id}/lot-plan", post(lot_plan))
        .route("/tenders/{id}/lots", put(save_lots))
        .route("/tenders/{id}/lots/evaluate", post(evaluate_lots))
        .route("/tenders/{id}/publish", post(publish))
        .route("/tenders/{id}/close", post(close))
        .route("/tenders/{id}/cancel", post(cancel))
}

/// Tenders: the public notices, or with `mine=true` the caller's organisation's (drafts
/// included).
#[utoipa::path(get, path = "/api/v1/tenders",
    params(("status" = Option<String>, Query, description = "draft, published, closed or cancelled"),
           ("mine" = Option<bool>, Query, description = "true: my organisation's tenders")),
    responses((status = 200, body = Vec<TenderSummary>), (status = 422, body = ErrorBody)))]
pub(super) async fn list_tenders(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiQuery(q): ApiQuery<TenderListQuery>,
) -> Result<Json<Vec<TenderSummary>>, ApiError> {
    let viewer = user.as_ref().map(|u| &u.actor);
    Ok(Json(tenders::list(&state.db, viewer, &q).await?))
}

/// Drafts a tender (buyers).
#[utoipa::path(post, path = "/api/v1/tenders", security(("bearer" = [])), request_body = TenderInput,
    responses((status = 201, body = TenderView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn create_tender(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(input): JsonBody<TenderInput>,
) -> Result<(StatusCode, Json<TenderView>), ApiError> {
    let w = state.write().await?;
    let id = tenders::create(&w, &state.env, &user.actor, &input).await?;
    let view = tenders::get(&w, &state.env, Some(&user.actor), id).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// A tender: public once published (and every imported notice); a draft only to its
/// organisation.
#[utoipa::path(get, path = "/api/v1/tenders/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = TenderView), (status = 404, body = ErrorBody)))]
pub(super) async fn get_tender(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TenderView>, ApiError> {
    let viewer = user.as_ref().map(|u| &u.actor);
    Ok(Json(tenders::get(&state.db, &state.env, viewer, id).await?))
}

/// Changes a draft: only the fields sent; `items` replaces the lines.
#[utoipa::path(put, path = "/api/v1/tenders/{id}", security(("bearer" = [])), params(("id" = i64, Path)), request_body = TenderInput,
    responses((status = 200, body = TenderView), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn update_tender(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(input): JsonBody<TenderInput>,
) -> Result<Json<TenderView>, ApiError> {
    let w = state.write().await?;
    tenders::update(&w, &state.env, &user.actor, id, &input).await?;
    let view = tenders::get(&w, &state.env, Some(&user.actor), id).await?;
    w.commit().await?;
    Ok(Json(view))
}

/// Replaces a draft's lines with a CSV schedule (header row naming description, CPV
/// code, value, and optionally quantity, unit, delivery postcode). All or nothing; errors
/// name the row (`rows[7].cpv`).
#[utoipa::path(put, path = "/api/v1/tenders/{id}/lines.csv", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = TenderView), (status = 422, body = ErrorBody)))]
pub(super) async fn upload_lines(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    body: String,
) -> Result<Json<TenderView>, ApiError> {
    let lines = lines_csv::read(&state.env, &body).map_err(backend::ServiceError::from)?;
    let w = state.write().await?;
    tenders::set_lines(&w, &user.actor, id, lines).await?;
    let view = tenders::get(&w, &state.env, Some(&user.actor), id).await?;
    w.commit().await?;
    Ok(Json(view))
}

/// Market depth per line and in total; each count links to the suppliers behind it.
#[utoipa::path(get, path = "/api/v1/tenders/{id}/market", params(("id" = i64, Path)),
    responses((status = 200, body = MarketView), (status = 404, body = ErrorBody)))]
pub(super) async fn market_depth(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MarketView>, ApiError> {
    let viewer = user.as_ref().map(|u| &u.actor);
    Ok(Json(
        market::depth(&state.db, &state.env, Market::of(&state), viewer, id).await?,
    ))
}

/// Which count's suppliers: `kind` and, for a line's count, `line`.
#[derive(Debug, Deserialize)]
pub(super) struct DepthQuery {
    line: Option<i64>,
    kind: Option<String>,
}

/// The suppliers behind one market-depth count.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct DepthSuppliers {
    /// What the list is, e.g. "Local suppliers able to deliver line 3 of “Parks”".
    banner: String,
    total: usize,
    supplier_ids: Vec<i64>,
}

/// The ids of exactly the suppliers behind one market-depth count (the same filter).
#[utoipa::path(get, path = "/api/v1/tenders/{id}/market/suppliers", params(("id" = i64, Path),
        ("line" = Option<i64>, Query, description = "A line's id; absent: the whole tender"),
        ("kind" = Option<String>, Query, description = "capable (default), local, sme, social_economy, target, can_take_value")),
    responses((status = 200, body = DepthSuppliers), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn market_suppliers(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DepthQuery>,
) -> Result<Json<DepthSuppliers>, ApiError> {
    let kind = match q.kind.as_deref() {
        None | Some("") => DepthKind::Capable,
        Some(k) => DepthKind::from_slug(k).ok_or_else(|| {
            ApiError::from(backend::ServiceError::field(
                "kind",
                "capable, local, sme, social_economy, target or can_take_value",
            ))
        })?,
    };
    let viewer = user.as_ref().map(|u| &u.actor);
    let (ids, banner) = market::depth_suppliers(
        &state.db,
        &state.env,
        Market::of(&state),
        viewer,
        id,
        q.line,
        kind,
    )
    .await?;
    Ok(Json(DepthSuppliers {
        banner,
        total: ids.len(),
        supplier_ids: ids,
    }))
}

/// Suggests lots. A plan that cannot meet the constraints is still 200, with
/// `feasible: false`, empty `lots` and the `obstacles`; bad constraints are 422.
#[utoipa::path(post, path = "/api/v1/tenders/{id}/lot-plan", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PlanRequest,
    responses((status = 200, body = PlanResponse), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn lot_plan(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(request): JsonBody<PlanRequest>,
) -> Result<Json<PlanResponse>, ApiError> {
    let plan = market::plan(
        &state.db,
        &state.env,
        Market::of(&state),
        &user.actor,
        id,
        &request,
    )
    .await?;
    let w = state.write().await?;
    tenders::remember_constraints(&w, id, &request).await?;
    w.commit().await?;
    Ok(Json(plan))
}

/// Saves the buyer's lots (every line in exactly one lot; 422 naming the problem).
#[utoipa::path(put, path = "/api/v1/tenders/{id}/lots", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LotsInput,
    responses((status = 200, body = TenderView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn save_lots(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(input): JsonBody<LotsInput>,
) -> Result<Json<TenderView>, ApiError> {
    let w = state.write().await?;
    tenders::save_lots(&w, &user.actor, id, &input).await?;
    let view = tenders::get(&w, &state.env, Some(&user.actor), id).await?;
    w.commit().await?;
    Ok(Json(view))
}

/// The evidence of a set of lots while the buyer edits them (nothing is saved): each
/// lot's counts and the reach, with warnings for every constraint broken.
#[utoipa::path(post, path = "/api/v1/tenders/{id}/lots/evaluate", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LotsInput,
    responses((status = 200, body = LotsEvaluation), (status = 404, body = ErrorBody)))]
pub(super) async fn evaluate_lots(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(input): JsonBody<LotsInput>,
) -> Result<Json<LotsEvaluation>, ApiError> {
    Ok(Json(
        market::evaluate(
            &state.db,
            &state.env,
            Market::of(&state),
            &user.actor,
            id,
            Some(&input),
        )
        .await?,
    ))
}

/// Publishes a draft; one lot needs `{"reason"}` (divide or explain).
#[utoipa::path(post, path = "/api/v1/tenders/{id}/publish", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PublishInput,
    responses((status = 200, body = TenderView), (status = 422, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn publish(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    body: String,
) -> Result<Json<TenderView>, ApiError> {
    // The body may be left out when there is no reason to give.
    let input: PublishInput = if body.trim().is_empty() {
        PublishInput::default()
    } else {
        serde_json::from_str(&body)
            .map_err(|e| ApiError::from(backend::ServiceError::field("body", e.to_string())))?
    };
    let w = state.write().await?;
    tenders::publish(&w, &user.actor, id, &input).await?;
    let view = tenders::get(&w, &state.env, Some(&user.actor), id).await?;
    w.commit().await?;
    Ok(Json(view))
}

async fn change_status(
    state: &AppState,
    user: &ApiUser,
    id: i64,
    to: TenderStatus,
) -> Result<Json<TenderView>, ApiError> {
    let w = state.write().await?;
    tenders::set_status(&w, &user.0.actor, id, to).await?;
    let view = tenders::get(&w, &state.env, Some(&user.0.actor), id).await?;
    w.commit().await?;
    Ok(Json(view))
}

/// Closes a published tender.
#[utoipa::path(post, path = "/api/v1/tenders/{id}/close", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TenderView), (status = 409, body = ErrorBody)))]
pub(super) async fn close(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TenderView>, ApiError> {
    change_status(&state, &user, id, TenderStatus::Closed).await
}

/// Cancels a draft or a published tender.
#[utoipa::path(post, path = "/api/v1/tenders/{id}/cancel", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TenderView), (status = 409, body = ErrorBody)))]
pub(super) async fn cancel(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TenderView>, ApiError> {
    change_status(&state, &user, id, TenderStatus::Cancelled).await
}

// ---- the editor's CSV upload and template (site routes, session cookie) -----------------

/// The columns of the lines template, as `lines_csv::read` finds them.
const LINES_TEMPLATE: &str = "description,cpv,value_gbp,quantity,unit,delivery_postcode\r\n\
Grounds maintenance of parks,77314000,120000,12,months,PR1 2HE\r\n\
Tree surgery,77211400,30000,,,PR2\r\n\
Office cleaning,90911200,45000,52,weeks,\r\n";

/// The site's tendering routes: the editor's CSV upload (a plain multipart form post, so
/// it works the same with and without JavaScript) and the template CSV it offers.
pub(super) fn site_router() -> Router<SiteState> {
    Router::new()
        .route("/tenders/{id}/lines/upload", post(upload_lines_form))
        .route("/tenders/lines-template.csv", get(lines_template))
}

async fn lines_template() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"tender-lines-template.csv\"",
            ),
        ],
        LINES_TEMPLATE,
    )
}

/// The uploaded file's text: UTF-8, or Windows-1252 as spreadsheets often save it.
async fn uploaded_text(form: &mut Multipart) -> Result<String, backend::ServiceError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        backend::ServiceError::field(
            "file",
            format!("the upload did not arrive whole: {}", e.body_text()),
        )
    };
    let mut text = None;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(bad)?;
            text = Some(domain::spend::read::decode_field(&bytes));
        }
    }
    text.filter(|t| !t.trim().is_empty())
        .ok_or_else(|| backend::ServiceError::field("file", "choose a CSV file of lines to upload"))
}

/// Replaces a draft's lines with an uploaded CSV, all or nothing, and goes back to the
/// editor with the result: a notice, or every bad row and field named (`rows[7].cpv`).
async fn upload_lines_form(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> Response {
    let result = async {
        let text = uploaded_text(&mut form).await?;
        let lines = lines_csv::read(&state.env, &text).map_err(backend::ServiceError::from)?;
        let count = lines.len();
        let w = state.write().await?;
        tenders::set_lines(&w, &user.actor, id, lines).await?;
        w.commit().await?;
        Ok::<usize, backend::ServiceError>(count)
    }
    .await;
    let mut flash = Flash {
        form: "csv".into(),
        ..Flash::default()
    };
    match result {
        Ok(count) => {
            flash.notice = Some(format!(
                "{count} line{} uploaded; they replace the table's lines.",
                if count == 1 { "" } else { "s" }
            ));
        }
        Err(backend::ServiceError::Validation(errors)) => flash.errors = errors,
        Err(e) => {
            let e = AppError::from(e);
            if matches!(e, AppError::NotFound | AppError::Forbidden) {
                return super::page_error(match e {
                    AppError::NotFound => backend::ServiceError::NotFound,
                    _ => backend::ServiceError::Forbidden,
                });
            }
            flash.errors.add("file", e.to_string());
        }
    }
    let mut response = Redirect::to(&format!("/tenders/{id}/edit#upload")).into_response();
    match backend::services::flash::put(&state.db, &flash).await {
        Ok(flash_id) => {
            let secure = if state.env.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{}={flash_id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600{secure}",
                app::web::FLASH_COOKIE
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        Err(e) => tracing::error!(error = ?e, "storing the upload's flash failed"),
    }
    response
}
