//! The spend context's REST endpoints (`/api/v1/spend/analyses…`), calling
//! `backend::services::spend`.
//!
//! An upload is the request body itself (`text/csv`, an XLSX workbook, or anything a
//! council exports) or a `multipart/form-data` form whose `file` field holds it. The body
//! is streamed into the database chunk by chunk (never buffered whole; its own size limit,
//! `ANCHORLINK_SPEND_MAX_UPLOAD_MB`), then the `spend_analysis` job reads it. The request
//! waits for the job up to `ANCHORLINK_SPEND_WAIT_SECS` and answers 201 with the figures;
//! past that it answers 202 with `Location: /api/v1/spend/analyses/{id}` to poll (the job
//! carries on durably, and `status` says when it is `done`).

use super::{ApiError, ApiPath, ApiQuery, ApiUser, ErrorBody, JsonBody, SessionUser};
use crate::SiteState;
use app::error::AppError;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use backend::services::spend::analyses::{self, AnalysisRequest, NewAnalysis, FAILED};
use backend::services::spend::mapping;
use backend::services::spend::uploads::UploadSink;
use backend::{AppState, Write};
use domain::accounts::dto::CurrentUser;
use domain::spend::dto::{
    AnalysisListItem, AnalysisSummary, CategoryList, LeakageList, ReviewDecision, ReviewList,
    SupplierList, UnmatchedList,
};
use http_body_util::BodyExt;

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new()
        .route(
            "/spend/analyses",
            get(list_analyses)
                .post(create_analysis)
                // The upload's own limit is enforced as it streams in (see the module).
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/spend/analyses/{id}", get(get_analysis))
        .route("/spend/analyses/{id}/categories", get(get_categories))
        .route("/spend/analyses/{id}/leakage", get(get_leakage))
        .route("/spend/analyses/{id}/suppliers", get(get_suppliers))
        .route("/spend/analyses/{id}/unmatched", get(get_unmatched))
        .route(
            "/spend/analyses/{id}/review",
            get(get_review).post(post_review),
        )
}

/// Upload a payments file and analyse it (buyers).
#[utoipa::path(post, path = "/api/v1/spend/analyses", security(("bearer" = [])),
    params(
        ("area" = Option<String>, Query, description = "The buyer's area: outcodes, comma-separated"),
        ("near" = Option<String>, Query, description = "Centre of the wider region: postcode or outcode"),
        ("within_km" = Option<f64>, Query, description = "Radius of the wider region from `near` (default 30)"),
        ("name" = Option<String>, Query, description = "A name for the analysis"),
        ("columns" = Option<String>, Query, description = "Column mapping when detection is not enough: `supplier_name:Name,amount:Amount Paid,date:Payment Date` by header or `supplier_name:12,amount:17` by 1-based position")),
    request_body(content = String, description = "The payments file: CSV (`text/csv`), XLSX, or `multipart/form-data` with a `file` field", content_type = "text/csv"),
    responses(
        (status = 201, description = "The analysis", body = AnalysisSummary),
        (status = 202, description = "Still running: poll the `Location`", body = AnalysisSummary),
        (status = 422, description = "Columns not found (names what is missing and the header seen), bad parameters, or an unreadable file", body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub(super) async fn create_analysis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(mut req): ApiQuery<AnalysisRequest>,
    request: Request,
) -> Result<Response, ApiError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let w = state.write().await?;
    let (new, sink) = if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|e| AppError::field("file", e.body_text()))?;
        receive_form(&w, &state, &user, &mut req, &mut form).await?
    } else {
        let new = analyses::check(&state.env, &user.actor, &req)?;
        let mut sink = begin(&w, &state, &user, &content_type).await?;
        let mut body = request.into_body();
        while let Some(frame) = body.frame().await {
            let frame =
                frame.map_err(|e| AppError::field("file", format!("the upload broke off: {e}")))?;
            if let Ok(data) = frame.into_data() {
                sink.push(&w, &data).await?;
            }
        }
        (new, sink)
    };
    let upload_id = sink.finish(&w).await?;
    let (id, job_id) = analyses::create(&w, &user.actor, &new, upload_id).await?;
    w.commit().await?;
    answer_when_done(&state, &user, id, job_id, StatusCode::CREATED, true).await
}

async fn begin(
    w: &Write<'_>,
    state: &AppState,
    user: &CurrentUser,
    content_type: &str,
) -> Result<UploadSink, ApiError> {
    let org = user
        .actor
        .buyer_organisation()
        .ok_or(ApiError(AppError::Forbidden))?;
    Ok(UploadSink::begin(
        w,
        org,
        user.actor.user_id,
        content_type,
        state.env.config.spend.upload_max_bytes,
    )
    .await?)
}

/// Reads a form: the text fields (`name`, `area`, `near`, `within_km`, `columns`) add to
/// the query's, wherever they come relative to the `file` field, which is streamed into
/// the upload as it arrives. The request is checked once the form is read; a refused one
/// leaves nothing, since the caller's transaction is never committed.
async fn receive_form(
    w: &Write<'_>,
    state: &AppState,
    user: &CurrentUser,
    req: &mut AnalysisRequest,
    form: &mut Multipart,
) -> Result<(NewAnalysis, UploadSink), ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| AppError::field("file", e.body_text());
    let mut sink = None;
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if sink.is_some() {
                return Err(ApiError(AppError::field("file", "send one file")));
            }
            // Refuse early when the caller may not analyse at all.
            if user.actor.buyer_organisation().is_none() {
                return Err(ApiError(AppError::Forbidden));
            }
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_owned();
            let mut upload = begin(w, state, user, &content_type).await?;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                upload.push(w, &chunk).await?;
            }
            sink = Some(upload);
            continue;
        }
        let text = field.text().await.map_err(bad)?;
        let text = Some(text).filter(|t| !t.trim().is_empty());
        match name.as_str() {
            "name" => req.name = text,
            "area" => req.area = text,
            "near" => req.near = text,
            "columns" => req.columns = text,
            "within_km" => {
                req.within_km = match text.map(|t| t.trim().parse::<f64>()) {
                    None => None,
                    Some(Ok(km)) => Some(km),
                    Some(Err(_)) => {
                        return Err(ApiError(AppError::field("within_km", "not a number")))
                    }
                }
            }
            _ => {}
        }
    }
    let new = analyses::check(&state.env, &user.actor, req)?;
    let sink = sink.ok_or_else(|| AppError::field("file", "the form has no `file` field"))?;
    Ok((new, sink))
}

/// Waits for the job, then answers with the analysis: `ok` when done, 202 with a
/// `Location` while it runs, and 422 when the file could not be analysed (the analysis
/// is then deleted when `discard_failed`, so a refused upload leaves nothing behind).
async fn answer_when_done(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    job_id: i64,
    ok: StatusCode,
    discard_failed: bool,
) -> Result<Response, ApiError> {
    let finished = analyses::wait_for(state, id, job_id, state.env.config.spend.wait).await?;
    let summary = analyses::summary(&state.db, &user.actor, id).await?;
    if !finished {
        let location = format!("/api/v1/spend/analyses/{id}");
        let mut response = (StatusCode::ACCEPTED, Json(summary)).into_response();
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(response);
    }
    if summary.status == FAILED {
        if discard_failed {
            let w = state.write().await?;
            analyses::discard(&w, &user.actor, id).await?;
            w.commit().await?;
        }
        let errors = summary
            .errors
            .unwrap_or_else(|| serde_json::json!({ "file": "the file could not be analysed" }));
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({ "errors": errors })),
        )
            .into_response());
    }
    Ok((ok, Json(summary)).into_response())
}

/// The buyer organisation's analyses, newest first.
#[utoipa::path(get, path = "/api/v1/spend/analyses", security(("bearer" = [])),
    responses((status = 200, description = "`{\"analyses\": [...]}`", body = Vec<AnalysisListItem>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_analyses(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let list = analyses::list(&state.db, &user.actor).await?;
    Ok(Json(serde_json::json!({ "analyses": list })))
}

/// An analysis's headline figures (its owner buyer organisation and admins).
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = AnalysisSummary), (status = 404, body = ErrorBody)))]
pub(super) async fn get_analysis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AnalysisSummary>, ApiError> {
    Ok(Json(analyses::summary(&state.db, &user.actor, id).await?))
}

/// Figures per category (expense type or CPV division) and per financial year.
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}/categories", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CategoryList), (status = 404, body = ErrorBody)))]
pub(super) async fn get_categories(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CategoryList>, ApiError> {
    Ok(Json(
        analyses::categories(&state.db, &user.actor, id).await?,
    ))
}

/// Categories where money leaves the area although local registered suppliers could
/// deliver, with those suppliers named and counted.
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}/leakage", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = LeakageList), (status = 404, body = ErrorBody)))]
pub(super) async fn get_leakage(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<LeakageList>, ApiError> {
    Ok(Json(analyses::leakage(&state.db, &user.actor, id).await?))
}

/// Spend per attached supplier (matches awaiting review are listed by `/review`).
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}/suppliers", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SupplierList), (status = 404, body = ErrorBody)))]
pub(super) async fn get_suppliers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SupplierList>, ApiError> {
    Ok(Json(analyses::suppliers(&state.db, &user.actor, id).await?))
}

/// Payees matched to no registered supplier, grouped by normalised name, largest first.
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}/unmatched", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = UnmatchedList), (status = 404, body = ErrorBody)))]
pub(super) async fn get_unmatched(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UnmatchedList>, ApiError> {
    Ok(Json(analyses::unmatched(&state.db, &user.actor, id).await?))
}

/// Payees awaiting review, with the suppliers they may be.
#[utoipa::path(get, path = "/api/v1/spend/analyses/{id}/review", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ReviewList), (status = 404, body = ErrorBody)))]
pub(super) async fn get_review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ReviewList>, ApiError> {
    Ok(Json(analyses::review(&state.db, &user.actor, id).await?))
}

/// Confirms or rejects a payee awaiting review (remembered for the buyer's later files)
/// and works the figures out again; answers like the upload (200, or 202 to poll).
#[utoipa::path(post, path = "/api/v1/spend/analyses/{id}/review", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReviewDecision,
    responses((status = 200, body = AnalysisSummary), (status = 202, body = AnalysisSummary), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn post_review(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    JsonBody(decision): JsonBody<ReviewDecision>,
) -> Result<Response, ApiError> {
    let w = state.write().await?;
    let job_id = analyses::decide(&w, &user.actor, id, &decision).await?;
    w.commit().await?;
    answer_when_done(&state, &user, id, job_id, StatusCode::OK, false).await
}

/// The site's spend routes (session cookie): the upload form and the review buttons of
/// the pages (plain form posts, so they work without JavaScript; both answer with the
/// job's progress page), and the results' tables as CSV.
pub(super) fn site_router() -> Router<SiteState> {
    Router::new()
        .route(
            "/spend/upload",
            axum::routing::post(upload_form).layer(DefaultBodyLimit::disable()),
        )
        .route("/spend/{id}/review", axum::routing::post(review_form))
        .route("/spend/{id}/run", axum::routing::post(run_form))
        // suppliers, unmatched, categories, leakage: .csv and .xlsx
        .route("/spend/{id}/{file}", get(download))
}

/// A page's error as a short page with the right status.
fn page_failure(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = match &e.0 {
        AppError::Validation(fields) => fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "The payments file could not be analysed:\n{text}\n\nGo back to /spend to try again."
        ),
    )
        .into_response()
}

async fn upload_form(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    mut form: Multipart,
) -> Response {
    let result = async {
        let w = state.write().await?;
        let mut req = AnalysisRequest::default();
        let (new, sink) = receive_form(&w, &state, &user, &mut req, &mut form).await?;
        let upload_id = sink.finish(&w).await?;
        let id = analyses::create_for_mapping(&w, &user.actor, &new, upload_id).await?;
        w.commit().await?;
        Ok::<_, ApiError>(id)
    };
    match result.await {
        // The file is stored; the buyer checks the columns found before the job runs.
        Ok(id) => axum::response::Redirect::to(&format!("/spend/{id}/columns")).into_response(),
        Err(e) => page_failure(e),
    }
}

/// The mapping step's "Analyse with these columns": the form's selects are
/// `field=position` pairs. A mapping that does not find the payee and the amount goes
/// back to the mapping page with the choices kept, where the problem is shown.
async fn run_form(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
    axum::Form(choices): axum::Form<Vec<(String, String)>>,
) -> Response {
    let columns = domain::spend::columns::spec_from_choices(
        choices.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    match mapping::confirm(&state, &user.actor, id, &columns).await {
        Ok(job_id) => axum::response::Redirect::to(&format!("/jobs/{job_id}")).into_response(),
        Err(backend::ServiceError::Validation(fields)) if fields.contains("columns") => {
            // Only slugs, digits, `:`, `,` and `-`: safe in a query string as it is.
            axum::response::Redirect::to(&format!("/spend/{id}/columns?columns={columns}"))
                .into_response()
        }
        Err(e) => page_failure(e.into()),
    }
}

#[derive(serde::Deserialize)]
struct ReviewForm {
    key: String,
    decision: String,
    supplier_id: Option<i64>,
}

async fn review_form(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<ReviewForm>,
) -> Response {
    let decision = ReviewDecision {
        key: form.key,
        decision: form.decision,
        supplier_id: form.supplier_id,
    };
    let result = async {
        let w = state.write().await?;
        let job_id = analyses::decide(&w, &user.actor, id, &decision).await?;
        w.commit().await?;
        state.jobs.wake();
        Ok::<_, ApiError>(job_id)
    };
    match result.await {
        Ok(job_id) => axum::response::Redirect::to(&format!("/jobs/{job_id}")).into_response(),
        Err(e) => page_failure(e),
    }
}

/// The analysis's tables as a buyer takes them to a spreadsheet (CSV and XLSX alike).
mod tables {
    use super::super::downloads::{Cell, Table};
    use domain::spend::dto::{CategoryList, LeakageList, SupplierList, UnmatchedList};

    fn lm3(value: &serde_json::Value) -> Cell {
        value
            .get("multiplier")
            .and_then(serde_json::Value::as_f64)
            .map_or(Cell::Empty, Cell::Decimal)
    }

    pub fn suppliers(id: i64, list: SupplierList) -> Table {
        Table {
            name: format!("spend-{id}-suppliers"),
            sheet: "Suppliers",
            header: vec![
                "supplier_id",
                "name",
                "amount_gbp",
                "rows",
                "confidence",
                "local",
                "region",
                "sme",
                "social_economy",
                "real_living_wage",
                "lm3",
            ],
            rows: list
                .suppliers
                .into_iter()
                .map(|s| {
                    vec![
                        Cell::Text(s.supplier_id.to_string()),
                        Cell::text(s.name),
                        Cell::Money(s.amount),
                        Cell::Count(s.rows),
                        Cell::Decimal(s.confidence),
                        Cell::Flag(s.local),
                        Cell::Flag(s.region),
                        Cell::Flag(s.sme),
                        Cell::Flag(s.social_economy),
                        Cell::Flag(s.real_living_wage),
                        lm3(&s.lm3),
                    ]
                })
                .collect(),
        }
    }

    pub fn unmatched(id: i64, list: UnmatchedList) -> Table {
        Table {
            name: format!("spend-{id}-unmatched"),
            sheet: "Unmatched payees",
            header: vec!["payee", "key", "amount_gbp", "rows", "first_row", "reason"],
            rows: list
                .unmatched
                .into_iter()
                .map(|p| {
                    vec![
                        Cell::text(p.name),
                        Cell::text(p.key),
                        Cell::Money(p.amount),
                        Cell::Count(p.rows),
                        Cell::Count(p.first_row),
                        Cell::text(p.reason.unwrap_or_default()),
                    ]
                })
                .collect(),
        }
    }

    pub fn categories(id: i64, list: &CategoryList) -> Table {
        Table {
            name: format!("spend-{id}-categories"),
            sheet: "Categories",
            header: vec![
                "kind",
                "key",
                "label",
                "total_gbp",
                "matched_share",
                "local_share",
                "region_share",
                "sme_share",
                "social_economy_share",
                "real_living_wage_share",
            ],
            rows: list
                .years
                .iter()
                .map(|s| ("year", s))
                .chain(list.categories.iter().map(|s| ("category", s)))
                .map(|(kind, s)| {
                    vec![
                        Cell::Text(kind.to_owned()),
                        Cell::text(s.key.clone()),
                        Cell::text(s.label.clone()),
                        Cell::Money(s.total),
                        Cell::Share(s.matched_share),
                        Cell::Share(s.local_share),
                        Cell::Share(s.region_share),
                        Cell::Share(s.sme_share),
                        Cell::Share(s.social_economy_share),
                        Cell::Share(s.real_living_wage_share),
                    ]
                })
                .collect(),
        }
    }

    pub fn leakage(id: i64, list: LeakageList) -> Table {
        Table {
            name: format!("spend-{id}-leakage"),
            sheet: "Leakage",
            header: vec![
                "key",
                "category",
                "leaving_gbp",
                "total_gbp",
                "outside_area_gbp",
                "unmatched_gbp",
                "cpv",
                "cpv_source",
                "local_supplier_count",
                "local_suppliers",
                "search_url",
            ],
            rows: list
                .leakage
                .into_iter()
                .map(|l| {
                    vec![
                        Cell::text(l.key),
                        Cell::text(l.label),
                        Cell::Money(l.leaving),
                        Cell::Money(l.total),
                        Cell::Money(l.outside_area),
                        Cell::Money(l.unmatched),
                        Cell::Text(l.cpv.join(" ")),
                        Cell::Text(l.cpv_source),
                        Cell::Count(l.local_supplier_count),
                        Cell::text(
                            l.local_suppliers
                                .into_iter()
                                .map(|s| s.name)
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                        Cell::text(l.search_url),
                    ]
                })
                .collect(),
        }
    }
}

/// `csv` or `xlsx`, from the path's last segment (`suppliers.xlsx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

/// The table and format a download path names: `suppliers.csv`, `leakage.xlsx`…
fn download_of(file: &str) -> Option<(&str, Format)> {
    let (table, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return None,
    };
    ["suppliers", "unmatched", "categories", "leakage"]
        .contains(&table)
        .then_some((table, format))
}

/// `/spend/{id}/{table}.{csv|xlsx}`: an analysis's table to download.
async fn download(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path((id, file)): Path<(i64, String)>,
) -> Response {
    let Some((name, format)) = download_of(&file) else {
        return super::page_error(backend::ServiceError::NotFound);
    };
    let (db, actor) = (&state.db, &user.actor);
    let table = match name {
        "suppliers" => analyses::suppliers(db, actor, id)
            .await
            .map(|l| tables::suppliers(id, l)),
        "unmatched" => analyses::unmatched(db, actor, id)
            .await
            .map(|l| tables::unmatched(id, l)),
        "categories" => analyses::categories(db, actor, id)
            .await
            .map(|l| tables::categories(id, &l)),
        _ => analyses::leakage(db, actor, id)
            .await
            .map(|l| tables::leakage(id, l)),
    };
    match (table, format) {
        (Ok(t), Format::Csv) => t.csv_response(),
        (Ok(t), Format::Xlsx) => t.xlsx_response(),
        (Err(e), _) => super::page_error(e),
    }
}
