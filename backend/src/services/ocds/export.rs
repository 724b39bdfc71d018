//! A tender as an OCDS 1.1 release package with the lots extension.
//!
//! Mapping decisions (the exporter in `domain::ocds::export` documents the format side):
//! * the ocid is the one stored with the tender: the publisher's prefix and the tender's
//!   id for tenders drafted here, the ocid it came with for an imported notice;
//! * the release id is the ocid and the time of the last change (`…-20270101T120000Z`),
//!   so every change published is a new release; an imported notice keeps its release id;
//! * item and lot ids are the ones an import brought, else the rows' own ids;
//! * a line's value (whole pounds here) becomes `items[].value` in pence-exact GBP;
//! * a tender without saved lots is one ("virtual") lot; the divide-or-explain reason is
//!   `tender.lotDetails.noLotsDivisionRationale`.

use crate::error::ServiceResult;
use crate::services::tendering::tenders::{self, Loaded, SOURCE_IMPORTED};
use crate::state::Env;
use domain::accounts::Actor;
use domain::cpv::CpvCode;
use domain::ocds::{
    release_package, Address, Buyer, Cpv, ExportTender, Item, Lot, LotDetails, Money, Ocid, OrgId,
    PackageMeta, Period, Publisher, Tender, TenderStatus as OcdsStatus,
};
use domain::tendering::TenderStatus;
use domain::text::Gbp;
use sea_orm::ConnectionTrait;

/// The OCDS status of a tender here.
#[must_use]
pub fn ocds_status(status: TenderStatus) -> OcdsStatus {
    match status {
        TenderStatus::Draft => OcdsStatus::Planning,
        TenderStatus::Published => OcdsStatus::Active,
        TenderStatus::Closed => OcdsStatus::Complete,
        TenderStatus::Cancelled => OcdsStatus::Cancelled,
    }
}

fn money(v: Option<i64>) -> Option<Money> {
    v.and_then(|v| u64::try_from(v).ok())
        .and_then(|v| Money::from_gbp(Gbp::new(v)))
}

/// The tender in the exporter's terms.
///
/// # Errors
/// Database failures (reading the buyer's name).
pub async fn export_tender(
    db: &impl ConnectionTrait,
    env: &Env,
    loaded: &Loaded,
) -> ServiceResult<ExportTender> {
    let t = &loaded.tender;
    let buyer = tenders::buyer_of(db, t).await?;
    let identifier = match (&buyer.identifier_scheme, &buyer.identifier) {
        (Some(scheme), Some(id)) => Some(OrgId {
            scheme: scheme.clone(),
            id: id.clone(),
        }),
        _ => None,
    };
    let party_id = identifier.as_ref().map_or_else(
        || format!("anchorlink-organisation-{}", t.organisation_id),
        OrgId::org_id,
    );
    let lot_ocds_id = |lot_id: i64| {
        loaded
            .lots
            .iter()
            .find(|l| l.id == lot_id)
            .map(|l| l.ocds_lot_id.clone().unwrap_or_else(|| l.id.to_string()))
    };
    let status = ocds_status(loaded.status());
    let items = loaded
        .items
        .iter()
        .map(|i| Item {
            id: i.ocds_item_id.clone().unwrap_or_else(|| i.id.to_string()),
            description: Some(i.description.clone()).filter(|d| !d.is_empty()),
            cpv: i
                .cpv
                .as_deref()
                .and_then(|c| CpvCode::parse(c).ok())
                .map(|code| Cpv::from_catalogue(&env.cpv, &code).unwrap_or_else(|| Cpv::new(code))),
            quantity: i.quantity,
            unit_name: i.unit.clone(),
            value: money(i.value_gbp),
            delivery_addresses: tenders::delivery_place(i)
                .map(|p| vec![Address::at(&p)])
                .unwrap_or_default(),
            related_lot: i.lot_id.and_then(lot_ocds_id),
            ..Item::default()
        })
        .collect();
    let lots = loaded
        .lots
        .iter()
        .map(|l| {
            let value: i64 = loaded
                .items
                .iter()
                .filter(|i| i.lot_id == Some(l.id))
                .filter_map(|i| i.value_gbp)
                .sum();
            Lot {
                id: l.ocds_lot_id.clone().unwrap_or_else(|| l.id.to_string()),
                title: Some(l.title.clone()),
                description: Some(l.description.clone()).filter(|d| !d.is_empty()),
                status: Some(status),
                value: money(Some(value)),
                contract_period: None,
            }
        })
        .collect();
    let period = Period {
        start: t.contract_start,
        end: t.contract_end,
        duration_in_days: None,
    };
    let imported = t.source == SOURCE_IMPORTED;
    let ocid = loaded.ocid();
    let release_id = match (&t.source_release_id, imported) {
        (Some(id), true) => id.clone(),
        _ => format!("{ocid}-{}", t.updated_at.format("%Y%m%dT%H%M%SZ")),
    };
    Ok(ExportTender {
        ocid: Ocid::Given(ocid),
        release_id,
        date: if imported {
            t.source_release_date.unwrap_or(t.updated_at)
        } else {
            t.updated_at
        },
        buyer: Some(Buyer {
            party_id: Some(party_id),
            name: Some(buyer.name),
            identifier,
            address: None,
        }),
        tender: Tender {
            id: Some(t.id.to_string()),
            title: Some(t.title.clone()),
            description: Some(t.description.clone()).filter(|d| !d.is_empty()),
            status: Some(status),
            value: money(t.estimated_value_gbp),
            deadline: t.deadline,
            contract_period: (!period.is_empty()).then_some(period),
            items,
            lots,
            lot_details: LotDetails {
                maximum_lots_bid_per_supplier: t
                    .max_lots_bid_per_supplier
                    .and_then(|v| u32::try_from(v).ok()),
                maximum_lots_awarded_per_supplier: t
                    .max_lots_won_per_supplier
                    .and_then(|v| u32::try_from(v).ok()),
                no_lots_division_rationale: t.single_lot_reason.clone(),
            },
            ..Tender::default()
        },
    })
}

/// The release package of one tender the viewer may read (published and imported ones
/// are public; drafts only to their organisation).
///
/// # Errors
/// `NotFound` unless the viewer may read it; database failures.
pub async fn package(
    db: &impl ConnectionTrait,
    env: &Env,
    viewer: Option<&Actor>,
    id: i64,
) -> ServiceResult<serde_json::Value> {
    let loaded = tenders::visible(db, viewer, id).await?;
    let export = export_tender(db, env, &loaded).await?;
    let base = env.config.base_url.trim_end_matches('/');
    let meta = PackageMeta {
        uri: format!("{base}/api/v1/tenders/{id}/ocds"),
        published_date: loaded.tender.updated_at,
        publisher: Publisher {
            name: "Anchorlink".into(),
            uri: Some(base.to_owned()),
            scheme: None,
            uid: None,
        },
        ocid_prefix: env.config.ocid_prefix.clone(),
        license: Some(
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/".into(),
        ),
        publication_policy: None,
    };
    Ok(release_package(&[export], &meta))
}
