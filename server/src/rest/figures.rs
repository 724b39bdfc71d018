//! The registry in figures: `GET /api/v1/figures` (public; an admin's token adds the
//! admin figures) and the figures page's CSV downloads (`/figures/{table}.csv`), calling
//! `backend::services::registry::figures`.

use super::downloads::{Cell, Table};
use super::{ApiError, ErrorBody, MaybeApiUser};
use crate::SiteState;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use backend::services::registry::figures;
use backend::AppState;
use domain::registry::figures::{FigureCount, RegistryFigures};

/// Routes under `/api/v1`.
pub(super) fn api_router() -> Router<SiteState> {
    Router::new().route("/figures", get(get_figures))
}

/// The site's downloads of the figures (public).
pub(super) fn site_router() -> Router<SiteState> {
    Router::new().route("/figures/{file}", get(download))
}

/// The registry in figures: suppliers buyers can see by legal form, SME class, postcode
/// area and CPV division; growth by month; profile completeness; the share verified.
/// Public; with an admin's token, `admin` adds drafts and suspended suppliers.
#[utoipa::path(get, path = "/api/v1/figures",
    responses((status = 200, body = RegistryFigures), (status = 401, body = ErrorBody)))]
pub(super) async fn get_figures(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
) -> Result<Json<RegistryFigures>, ApiError> {
    let actor = user.as_ref().map(|u| &u.actor);
    Ok(Json(figures::figures(&state.db, &state.env, actor).await?))
}

fn counts(name: &str, sheet: &'static str, rows: &[FigureCount]) -> Table {
    Table {
        name: format!("registry-{name}"),
        sheet,
        header: vec!["key", "label", "suppliers", "share"],
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    Cell::text(c.key.clone()),
                    Cell::text(c.label.clone()),
                    Cell::Count(c.suppliers),
                    Cell::Share(c.share),
                ]
            })
            .collect(),
    }
}

/// The table a download path names (`legal-forms.csv`…), from the figures.
fn table(file: &str, f: &RegistryFigures) -> Option<Table> {
    let name = file.strip_suffix(".csv")?;
    Some(match name {
        "legal-forms" => counts(name, "Legal forms", &f.by_legal_form),
        "sizes" => counts(name, "SME classes", &f.by_size),
        "areas" => counts(name, "Areas", &f.by_area),
        "cpv-divisions" => counts(name, "CPV divisions", &f.by_cpv_division),
        "completeness" => counts(name, "Completeness", &f.completeness),
        "growth" => Table {
            name: "registry-growth".to_owned(),
            sheet: "Growth",
            header: vec!["month", "published", "cumulative"],
            rows: f
                .growth
                .iter()
                .map(|m| {
                    vec![
                        Cell::Text(m.month.clone()),
                        Cell::Count(m.published),
                        Cell::Count(m.cumulative),
                    ]
                })
                .collect(),
        },
        _ => return None,
    })
}

async fn download(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match figures::figures(&state.db, &state.env, None).await {
        Ok(f) => match table(&file, &f) {
            Some(t) => t.csv_response(),
            None => super::page_error(backend::ServiceError::NotFound),
        },
        Err(e) => super::page_error(e),
    }
}
