//! The registry in figures (`/figures`, `GET /api/v1/figures`): the suppliers buyers can
//! see, counted by legal form, SME class, area and CPV division, with growth, profile
//! completeness and the share verified. Public; admins also see what buyers cannot
//! (drafts, suspended suppliers).
//!
//! Counted in the database under the read model's rule for who is visible
//! ([`super::snapshots::searchable`]): one query for the profiles' columns the figures
//! need (a few small columns, folded a supplier at a time), one grouped query for the CPV
//! divisions and one for the verified identifiers — a fixed number of queries whatever
//! the size of the register, never one per supplier.

use super::snapshots::searchable;
use crate::entities::{organisation, supplier_cpv, supplier_identifier, supplier_profile};
use crate::error::ServiceResult;
use crate::state::Env;
use domain::accounts::{Actor, OrgKind, OrgStatus};
use domain::cpv::CpvCode;
use domain::registry::figures::{AdminFigures, FiguresTally, RegistryFigures, SupplierFacts};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

/// The organisation ids of the suppliers buyers can see, as a subquery.
fn visible_ids() -> SelectStatement {
    Query::select()
        .column(supplier_profile::Column::OrganisationId)
        .from(supplier_profile::Entity)
        .cond_where(searchable())
        .to_owned()
}

/// The registry's figures; `admin` figures only for an active admin.
///
/// # Errors
/// Database failures.
pub async fn figures(
    db: &impl ConnectionTrait,
    env: &Env,
    actor: Option<&Actor>,
) -> ServiceResult<RegistryFigures> {
    let mut tally = FiguresTally::new();
    let rows = supplier_profile::Entity::find()
        .select_only()
        .column(supplier_profile::Column::LegalForm)
        .column(supplier_profile::Column::SizeClass)
        .column(supplier_profile::Column::Outcode)
        .column(supplier_profile::Column::Completeness)
        .column(supplier_profile::Column::CreatedAt)
        .filter(searchable())
        .into_tuple::<(
            String,
            Option<String>,
            Option<String>,
            i16,
            chrono::DateTime<chrono::Utc>,
        )>()
        .all(db)
        .await?;
    for (legal_form, size_class, outcode, completeness, created_at) in rows {
        let month = created_at.format("%Y-%m").to_string();
        tally.add(SupplierFacts {
            legal_form: &legal_form,
            size_class: size_class.as_deref(),
            outcode: outcode.as_deref(),
            completeness,
            month: &month,
        });
    }
    let division = Expr::cust("substr(cpv_code, 1, 2)");
    let divisions: Vec<(String, i64)> = supplier_cpv::Entity::find()
        .select_only()
        .column_as(division.clone(), "division")
        .column_as(Expr::cust("count(distinct organisation_id)"), "suppliers")
        .filter(supplier_cpv::Column::OrganisationId.in_subquery(visible_ids()))
        .group_by(division)
        .into_tuple()
        .all(db)
        .await?;
    let verified: Option<i64> = supplier_identifier::Entity::find()
        .select_only()
        .column_as(Expr::cust("count(distinct organisation_id)"), "verified")
        .filter(supplier_identifier::Column::VerifiedAt.is_not_null())
        .filter(supplier_identifier::Column::OrganisationId.in_subquery(visible_ids()))
        .into_tuple()
        .one(db)
        .await?;
    let cpv = &env.cpv;
    let mut figures = tally.finish(
        divisions
            .into_iter()
            .map(|(d, n)| (d, u64::try_from(n).unwrap_or(0)))
            .collect(),
        |d| {
            CpvCode::parse(&format!("{d}000000"))
                .ok()
                .and_then(|c| cpv.get(&c))
                .map_or_else(|| format!("Division {d}"), |e| format!("{d} {}", e.label))
        },
        verified.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
    );
    if actor.is_some_and(Actor::is_active_admin) {
        figures.admin = Some(AdminFigures {
            draft_profiles: supplier_profile::Entity::find()
                .filter(supplier_profile::Column::Published.eq(false))
                .count(db)
                .await?,
            suspended_suppliers: organisation::Entity::find()
                .filter(organisation::Column::Kind.eq(OrgKind::Supplier.slug()))
                .filter(organisation::Column::Status.eq(OrgStatus::Suspended.slug()))
                .count(db)
                .await?,
        });
    }
    Ok(figures)
}
