//! Opportunities, interest and partners (issue 12): a supplier's open lots
//! (`/api/v1/opportunities`), its interest in a lot, the buyer's view of the interest in
//! a tender (JSON, and CSV for a spreadsheet), the consortium finder and partner requests.
//! Each handler: who is calling, one service call in one unit of work, the answer.

use super::downloads::{Cell, Table};
use super::{page_error, ApiError, ApiPath, ApiQuery, ApiUser, ErrorBody, SessionUser};
use crate::SiteState;
use app::error::AppError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use backend::services::tendering::market::Market;
use backend::services::tendering::{interest, opportunities, partners};
use backend::AppState;
use domain::tendering::opportunity_views::{
    InterestInput, InterestView, OpportunitiesView, OpportunityQuery, PartnerRequestInput,
    PartnerRequestView, PartnersView, TenderInterest,
};

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new()
        .route("/opportunities", get(list_opportunities))
        .route(
            "/lots/{id}/interest",
            post(mark_interest).delete(withdraw_interest),
        )
        .route("/tenders/{id}/interest", get(tender_interest))
        .route("/tenders/{id}/interest.csv", get(tender_interest_csv_api))
        .route("/lots/{id}/partners", get(lot_partners))
        .route("/lots/{id}/partner-requests", post(ask_partner))
        .route("/partner-requests", get(list_partner_requests))
        .route("/partner-requests/{id}/accept", post(accept_partner))
        .route("/partner-requests/{id}/decline", post(decline_partner))
}

/// The site's download (session cookie): the interest CSV linked from the buyer's page.
pub(super) fn site_router() -> Router<SiteState> {
    Router::new().route("/tenders/{id}/interest.csv", get(tender_interest_csv_page))
}

/// The open lots the calling supplier is eligible for, best fit first, and the lots it
/// nearly fits (one rule missed). Filters: `min_value`, `max_value` (£), `deadline_before`
/// (YYYY-MM-DD), `within_km`, `buyer` (name contains); admins add `supplier_id`.
#[utoipa::path(get, path = "/api/v1/opportunities", security(("bearer" = [])),
    params(OpportunityQuery),
    responses((status = 200, body = OpportunitiesView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_opportunities(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<OpportunityQuery>,
) -> Result<Json<OpportunitiesView>, ApiError> {
    Ok(Json(
        opportunities::for_supplier(
            &state.db,
            &state.env,
            Market::of(&state),
            &state.opportunities,
            &user.actor,
            &q,
        )
        .await?,
    ))
}

/// The body is optional: none (or an empty one) marks plain interest.
fn interest_input(body: &Bytes) -> Result<InterestInput, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(InterestInput::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError(AppError::field("body", e.to_string())))
}

/// Marks the calling supplier's interest in an open lot (201), or updates it (200).
#[utoipa::path(post, path = "/api/v1/lots/{id}/interest", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body(content = Option<InterestInput>),
    responses((status = 201, body = InterestView), (status = 200, body = InterestView),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn mark_interest(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<InterestView>), ApiError> {
    let input = interest_input(&body)?;
    let w = state.write().await?;
    let (view, created) = interest::mark(&w, &user.actor, id, &input).await?;
    w.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}

/// Withdraws the calling supplier's interest in an open lot.
#[utoipa::path(delete, path = "/api/v1/lots/{id}/interest", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub(super) async fn withdraw_interest(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    let w = state.write().await?;
    interest::withdraw(&w, &user.actor, id).await?;
    w.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Per lot, the suppliers interested in it with their evidence (the tender's buyer).
#[utoipa::path(get, path = "/api/v1/tenders/{id}/interest", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = TenderInterest), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn tender_interest(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TenderInterest>, ApiError> {
    Ok(Json(
        interest::for_tender(&state.db, &state.env, &user.actor, id).await?,
    ))
}

#[expect(clippy::cast_precision_loss, reason = "pounds as a spreadsheet number")]
fn money(pounds: u64) -> Cell {
    Cell::Money(pounds as f64)
}

/// The interest as a table: one row per lot and interested supplier.
#[must_use]
pub fn interest_table(view: &TenderInterest) -> Table {
    let mut rows = Vec::new();
    for lot in &view.lots {
        for s in &lot.suppliers {
            rows.push(vec![
                Cell::Count(u64::try_from(lot.lot_id).unwrap_or(0)),
                Cell::text(lot.title.clone()),
                Cell::Count(u64::try_from(s.supplier_id).unwrap_or(0)),
                Cell::text(s.name.clone()),
                Cell::text(s.town.clone()),
                s.outcode.clone().map_or(Cell::Empty, Cell::text),
                Cell::Flag(s.local),
                s.size.clone().map_or(Cell::Empty, Cell::text),
                Cell::Flag(s.sme),
                Cell::Flag(s.social_economy),
                s.legal_form.clone().map_or(Cell::Empty, Cell::text),
                s.capacity_gbp.map_or(Cell::Empty, money),
                Cell::Flag(s.verified),
                Cell::Flag(s.as_consortium),
                s.note.clone().map_or(Cell::Empty, Cell::text),
                Cell::text(s.marked_at.clone()),
            ]);
        }
    }
    Table {
        name: format!("tender-{}-interest", view.tender_id),
        sheet: "Interest",
        header: vec![
            "lot_id",
            "lot",
            "supplier_id",
            "supplier",
            "town",
            "outcode",
            "local",
            "size",
            "sme",
            "social_economy",
            "legal_form",
            "capacity_gbp",
            "verified",
            "as_consortium",
            "note",
            "marked_at",
        ],
        rows,
    }
}

/// The same as CSV (formula-like text made inert).
#[utoipa::path(get, path = "/api/v1/tenders/{id}/interest.csv", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/csv"), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub(super) async fn tender_interest_csv_api(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, ApiError> {
    let view = interest::for_tender(&state.db, &state.env, &user.actor, id).await?;
    Ok(interest_table(&view).csv_response())
}

async fn tender_interest_csv_page(
    State(state): State<AppState>,
    SessionUser(user): SessionUser,
    Path(id): Path<i64>,
) -> Response {
    match interest::for_tender(&state.db, &state.env, &user.actor, id).await {
        Ok(view) => interest_table(&view).csv_response(),
        Err(e) => page_error(e),
    }
}

/// Suppliers who would complete the calling supplier's cover of an open lot, ranked by
/// what they complete, then distance.
#[utoipa::path(get, path = "/api/v1/lots/{id}/partners", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PartnersView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn lot_partners(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PartnersView>, ApiError> {
    Ok(Json(
        partners::suggest(
            &state.db,
            &state.env,
            Market::of(&state),
            &state.opportunities,
            &user.actor,
            id,
        )
        .await?,
    ))
}

/// Asks another supplier to bid for the lot together: mailed to its users through the
/// platform, with no address of either side (201).
#[utoipa::path(post, path = "/api/v1/lots/{id}/partner-requests", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PartnerRequestInput,
    responses((status = 201, body = PartnerRequestView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub(super) async fn ask_partner(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    super::JsonBody(input): super::JsonBody<PartnerRequestInput>,
) -> Result<(StatusCode, Json<PartnerRequestView>), ApiError> {
    let w = state.write().await?;
    let view = partners::ask(&w, &state.env, &user.actor, id, &input).await?;
    w.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The partner requests the calling supplier sent and received, newest first.
#[utoipa::path(get, path = "/api/v1/partner-requests", security(("bearer" = [])),
    responses((status = 200, body = Vec<PartnerRequestView>), (status = 403, body = ErrorBody)))]
pub(super) async fn list_partner_requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<PartnerRequestView>>, ApiError> {
    Ok(Json(partners::list(&state.db, &user.actor).await?))
}

async fn answer(
    state: &AppState,
    user: &ApiUser,
    id: i64,
    accept: bool,
) -> Result<Json<PartnerRequestView>, ApiError> {
    let w = state.write().await?;
    let view = partners::answer(&w, &state.env, &user.0.actor, id, accept).await?;
    w.commit().await?;
    Ok(Json(view))
}

/// The asked supplier accepts: each side is mailed the other's contact details.
#[utoipa::path(post, path = "/api/v1/partner-requests/{id}/accept", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PartnerRequestView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn accept_partner(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PartnerRequestView>, ApiError> {
    answer(&state, &user, id, true).await
}

/// The asked supplier declines: the asking side is told, with no contact details.
#[utoipa::path(post, path = "/api/v1/partner-requests/{id}/decline", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PartnerRequestView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn decline_partner(
    State(state): State<AppState>,
    user: ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PartnerRequestView>, ApiError> {
    answer(&state, &user, id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::tendering::opportunity_views::{InterestedSupplier, LotInterest};

    #[test]
    fn a_formula_in_a_suppliers_note_is_made_inert_in_the_csv() {
        let view = TenderInterest {
            tender_id: 3,
            title: "Grounds".into(),
            suppliers: 1,
            lots: vec![LotInterest {
                lot_id: 7,
                title: "Lot 1".into(),
                suppliers: vec![InterestedSupplier {
                    supplier_id: 9,
                    name: "=HYPERLINK(\"http://x\")".into(),
                    town: "Preston".into(),
                    outcode: Some("PR1".into()),
                    local: true,
                    size: Some("micro".into()),
                    sme: true,
                    social_economy: false,
                    legal_form: None,
                    capacity_gbp: Some(50_000),
                    capacity: "takes contracts up to £50,000".into(),
                    verified: false,
                    as_consortium: true,
                    note: Some("+1 we can".into()),
                    marked_at: "2026-12-01T00:00:00Z".into(),
                }],
            }],
        };
        let csv = String::from_utf8(interest_table(&view).to_csv().expect("csv")).expect("utf-8");
        let row = csv.lines().nth(1).expect("a row");
        assert!(row.contains("'=HYPERLINK"), "{row}");
        assert!(row.contains("'+1 we can"), "{row}");
        assert!(row.starts_with("7,Lot 1,9,"), "{row}");
        assert!(row.contains("50000.00"), "{row}");
    }
}
