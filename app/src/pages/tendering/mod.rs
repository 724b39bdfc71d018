//! Pages of the tendering context: the tenders list (`/tenders`) and a tender's notice
//! (`/tenders/{id}`: lots, lines, values, dates, buyer, the reason when it is one lot, the
//! OCDS download, and market depth). Both render on the server and work without
//! JavaScript. (The draft editor, the lot planner and the import page are still to come;
//! buyers use the REST API for them meanwhile.)

// the lot planner, publish and import pages (issue 8)
mod import;
mod planner;
mod publish;
pub use import::ImportPage;
pub use planner::LotsPage;
pub use publish::PublishPage;

use crate::server_fns::tendering::{get_market, get_tender, list_tenders};
use domain::tendering::dto::{DepthRow, MarketView, TenderSummary, TenderView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn pounds(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("£{out}")
}

fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

/// `/tenders`: the buyer organisation's tenders, and the public notices.
#[component]
pub fn TendersPage() -> impl IntoView {
    let mine = Resource::new(|| (), |()| list_tenders(true));
    let public = Resource::new(|| (), |()| list_tenders(false));
    view! {
        <Title text="Tenders"/>
        <h1>"Tenders"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let mine = mine.await.unwrap_or_default();
                let public = public.await.unwrap_or_default();
                view! {
                    // importing (issue 8 pages): for buyers, who have an organisation list
                    {import_link()}
                    {(!mine.is_empty()).then(|| view! {
                        <h2>"Your organisation's tenders"</h2>
                        {table("Your organisation's tenders, newest change first", mine)}
                    })}
                    <h2>"Published notices"</h2>
                    {if public.is_empty() {
                        view! { <p>"No tender has been published yet."</p> }.into_any()
                    } else {
                        table("Published and imported notices, newest change first", public).into_any()
                    }}
                }
            })}
        </Suspense>
    }
}

/// "Import from another portal", for buyers (and admins).
fn import_link() -> impl IntoView {
    let ctx = crate::components::PageCtx::get();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (user, _) = ctx.load().await;
                user.filter(|u| u.actor.buyer_organisation().is_some() || u.actor.is_active_admin())
                    .map(|_| view! { <p><A href="/tenders/import">"Import from another portal"</A></p> })
            })}
        </Suspense>
    }
}

fn table(caption: &'static str, rows: Vec<TenderSummary>) -> impl IntoView {
    view! {
        <table>
            <caption>{caption}</caption>
            <thead><tr>
                <th scope="col">"Title"</th><th scope="col">"Buyer"</th><th scope="col">"Status"</th>
                <th scope="col">"Lines"</th><th scope="col">"Lots"</th><th scope="col">"Deadline"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|t| view! {
                    <tr>
                        <td><A href=format!("/tenders/{}", t.id)>{t.title.clone()}</A></td>
                        <td>{t.buyer_name.clone()}</td>
                        <td>{t.status.clone()}{(t.source == "imported").then_some(" (imported)")}</td>
                        <td>{t.items}</td>
                        <td>{t.lots}</td>
                        <td>{t.deadline.as_deref().map(day).unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/tenders/{id}`: the notice.
#[component]
pub fn TenderPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let tender = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_tender(id).await.map(Some),
            None => Ok(None),
        }
    });
    let market = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_market(id).await.ok(),
            None => None,
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match (tender.await, market.await) {
                    (Ok(Some(t)), m) => notice(t, m).into_any(),
                    _ => view! {
                        <Title text="Tender not found"/>
                        <h1>"Tender not found"</h1>
                        <p>"This tender does not exist, or it is a draft you cannot see."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn notice(t: TenderView, market: Option<MarketView>) -> impl IntoView {
    let lot_title = |lot: Option<i64>| {
        lot.and_then(|l| t.lots.iter().find(|x| x.id == l))
            .map(|l| l.title.clone())
            .unwrap_or_default()
    };
    let items: Vec<_> = t
        .items
        .iter()
        .map(|i| (i.clone(), lot_title(i.lot_id)))
        .collect();
    let ocds = format!("/api/v1/tenders/{}/ocds", t.id);
    view! {
        <Title text=t.title.clone()/>
        <h1>{t.title.clone()}</h1>
        <dl class="summary">
            <dt>"Buyer"</dt><dd>{t.buyer.name.clone()}</dd>
            <dt>"Status"</dt><dd>{t.status.clone()}{(t.source == "imported").then_some(" (imported notice)")}</dd>
            {t.estimated_value_gbp.map(|v| view! { <dt>"Estimated value"</dt><dd>{pounds(v)}</dd> })}
            {t.deadline.clone().map(|d| view! { <dt>"Deadline"</dt><dd>{day(&d)}</dd> })}
            {t.contract_start.clone().map(|d| view! { <dt>"Contract starts"</dt><dd>{day(&d)}</dd> })}
            {t.contract_end.clone().map(|d| view! { <dt>"Contract ends"</dt><dd>{day(&d)}</dd> })}
            <dt>"Reference (ocid)"</dt><dd>{t.ocid.clone()}</dd>
        </dl>
        {(!t.description.is_empty()).then(|| view! { <p>{t.description.clone()}</p> })}
        {t.single_lot_reason.clone().map(|r| view! {
            <h2>"Why this tender is not divided into lots"</h2>
            <p>{r}</p>
        })}
        {(!t.lots.is_empty()).then(|| view! {
            <h2>"Lots"</h2>
            <table>
                <caption>"Lots, with their lines and value"</caption>
                <thead><tr><th scope="col">"Lot"</th><th scope="col">"Lines"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>
                    {t.lots.iter().map(|l| view! {
                        <tr><td>{l.title.clone()}</td><td>{l.items.len()}</td><td>{pounds(l.value_gbp)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h2>"Requirement lines"</h2>
        <table>
            <caption>"What is bought, line by line"</caption>
            <thead><tr>
                <th scope="col">"Line"</th><th scope="col">"Description"</th><th scope="col">"CPV"</th>
                <th scope="col">"Value"</th><th scope="col">"Quantity"</th><th scope="col">"Delivery"</th><th scope="col">"Lot"</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|(i, lot)| view! {
                    <tr>
                        <td>{i.position}</td>
                        <td>{i.description.clone()}</td>
                        <td>{i.cpv.clone().unwrap_or_default()}" "{i.cpv_label.clone().unwrap_or_default()}</td>
                        <td>{i.value_gbp.map(pounds).unwrap_or_default()}</td>
                        <td>{i.quantity.map(|q| q.to_string()).unwrap_or_default()}" "{i.unit.clone().unwrap_or_default()}</td>
                        <td>{i.delivery_postcode.clone().unwrap_or_else(|| "anywhere".into())}</td>
                        <td>{lot}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        {market.map(|m| depth_table(&t, m))}
        <p><a href=ocds download>"Download this notice as OCDS (JSON)"</a></p>
    }
}

fn depth_table(t: &TenderView, m: MarketView) -> impl IntoView {
    let line_name = |row: &DepthRow| match row.item_id {
        Some(id) => t.items.iter().find(|i| i.id == id).map_or_else(
            || format!("Line {id}"),
            |i| format!("Line {}: {}", i.position, i.description),
        ),
        None => "Whole tender (any line)".to_owned(),
    };
    let rows: Vec<(String, DepthRow)> = m
        .items
        .iter()
        .chain(std::iter::once(&m.total))
        .map(|r| (line_name(r), r.clone()))
        .collect();
    view! {
        <h2>"Market depth"</h2>
        <table>
            <caption>"Published suppliers able to deliver each line, and of them how many are local, SMEs and social-economy organisations"</caption>
            <thead><tr>
                <th scope="col">"Line"</th><th scope="col">"Capable"</th><th scope="col">"Local"</th>
                <th scope="col">"SME"</th><th scope="col">"Social economy"</th>
                <th scope="col">"Local SME or social economy"</th><th scope="col">"Big enough for the value"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|(name, r)| view! {
                    <tr>
                        <th scope="row">{name}</th>
                        <td><a href=r.links.capable.clone()>{r.counts.capable}</a></td>
                        <td><a href=r.links.local.clone()>{r.counts.local}</a></td>
                        <td><a href=r.links.sme.clone()>{r.counts.sme}</a></td>
                        <td><a href=r.links.social_economy.clone()>{r.counts.social_economy}</a></td>
                        <td><a href=r.links.target.clone()>{r.counts.target}</a></td>
                        <td><a href=r.links.can_take_value.clone()>{r.counts.can_take_value}</a></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
