//! Pages of the tendering context: the tenders list (`/tenders`) and a tender's notice
//! (`/tenders/{id}`: lots, lines, values, dates, buyer, the reason when it is one lot, the
//! OCDS download, and market depth). Both render on the server and work without
//! JavaScript. The buyer's pages — a new tender, the draft's editor (details, lines, CSV
//! upload, market depth) — are in [`editor`]; the market-depth table in [`market`]; the lot
//! planner (`/tenders/{id}/lots`) in [`planner`], publishing (`/tenders/{id}/publish`) in
//! [`publish`], and importing another portal's OCDS (`/tenders/import`) in [`import`].

// the buyer's pages: drafting, the lines editor, market depth, status (issue 8)
mod editor;
mod market;
pub use editor::{NewTenderPage, TenderEditPage};

use crate::components::{
    flash_notice, form_errors, route_id, ErrorSummary, FormScope, Notice, PageCtx,
};
use crate::error::AppError;
use crate::server_fns::tendering::{get_market, get_tender, list_tenders, SetTenderStatus};
use domain::accounts::dto::CurrentUser;
use domain::accounts::Role;
use domain::forms::Flash;
use domain::tendering::dto::{MarketView, TenderSummary, TenderView};
// the lot planner, publish and import pages (issue 8)
mod import;
mod planner;
mod publish;
pub use import::ImportPage;
pub use planner::LotsPage;
pub use publish::PublishPage;
// opportunities, interest and partners (issue 12)
mod interest;
mod opportunities;
pub use interest::TenderInterestPage;
pub use opportunities::{OpportunitiesPage, PartnerRequestPage, PartnersPage};
// alerts and feeds (issue 12)
mod alerts;
pub use alerts::AlertsPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

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
    let ctx = PageCtx::get();
    view! {
        <Title text="Tenders"/>
        <h1>"Tenders"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let mine = mine.await.unwrap_or_default();
                let public = public.await.unwrap_or_default();
                let (user, flash) = ctx.load().await;
                let buyer = user.as_ref().is_some_and(|u| u.actor.is(Role::Buyer) && u.actor.buyer_organisation().is_some());
                view! {
                    <Notice text=flash_notice(&flash)/>
                    {buyer.then(|| view! { <p><A href="/tenders/new" attr:class="button">"New tender"</A></p> })}
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
        <div class="table-scroll" role="region" aria-label=caption tabindex="0">
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
        </div>
    }
}

type TenderResource = Resource<Result<Option<TenderView>, AppError>>;

/// The tender of the page's `id` (`None` for no such number) and its market depth (`None`
/// when it cannot be had just now): what the notice and the editor show.
fn tender_and_market(
    id: impl Fn() -> Option<i64> + Copy + Send + Sync + 'static,
) -> (TenderResource, Resource<Option<MarketView>>) {
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
    (tender, market)
}

/// `/tenders/{id}`: the notice.
#[component]
pub fn TenderPage() -> impl IntoView {
    let id = route_id();
    let status = ServerAction::<SetTenderStatus>::new();
    let (tender, market) = tender_and_market(id);
    let ctx = PageCtx::get();
    let query = use_query_map();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                let confirm = query.with(|q| q.get("confirm"));
                match (tender.await, market.await) {
                    (Ok(Some(t)), m) => {
                        let shown = flash_notice(&flash);
                        view! {
                            <Notice text=shown/>
                            {notice(t, m, user, confirm, status, flash)}
                        }.into_any()
                    }
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

/// The tender's organisation (its active buyers) or an admin, for a tender drafted here.
fn manages(user: Option<&CurrentUser>, t: &TenderView) -> bool {
    t.source == "local"
        && user.is_some_and(|u| {
            u.actor.is_active_admin()
                || u.actor.buyer_organisation() == Some(t.buyer.organisation_id)
        })
}

/// The buyer's actions on its tender, in one block: edit, plan lots and publish a draft;
/// close or cancel a published tender, each after a confirmation (a link to this page
/// with `?confirm=close`, so it works the same without JavaScript).
fn buyer_actions(
    t: &TenderView,
    confirm: Option<String>,
    status: ServerAction<SetTenderStatus>,
    flash: Option<Flash>,
) -> impl IntoView {
    let id = t.id;
    let draft = t.status == "draft";
    let published = t.status == "published";
    let asked = confirm.filter(|c| published && (c == "close" || c == "cancel"));
    view! {
        <section class="buyer-actions" aria-labelledby="buyer-actions">
            <h2 id="buyer-actions" class="h3">"Your organisation's actions"</h2>
            {draft.then(|| view! {
                <ul class="actions">
                    <li><A href=format!("/tenders/{id}/edit") attr:class="button">"Edit"</A></li>
                    <li><a href=format!("/tenders/{id}/lots") class="button secondary">"Plan lots"</a></li>
                    <li><a href=format!("/tenders/{id}/publish") class="button secondary">"Publish"</a></li>
                </ul>
            })}
            {(published && asked.is_none()).then(|| view! {
                <ul class="actions">
                    // Plain links: the router's would mark this very page as current.
                    <li><a href=format!("/tenders/{id}?confirm=close") class="button secondary">"Close tender"</a></li>
                    <li><a href=format!("/tenders/{id}?confirm=cancel") class="button warning">"Cancel tender"</a></li>
                </ul>
            })}
            {asked.map(|what| {
                let (to, question, yes) = if what == "close" {
                    ("closed", "Close this tender? Suppliers can no longer bid once it is closed.", "Yes, close it")
                } else {
                    ("cancelled", "Cancel this tender? It stays on record as cancelled and cannot be reopened.", "Yes, cancel it")
                };
                view! {
                    <FormScope ctx=form_errors("status", flash)>
                        <ActionForm action=status attr:class="confirm">
                            <ErrorSummary/>
                            <p><strong>{question}</strong></p>
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="to" value=to/>
                            <button type="submit" class="button warning">{yes}</button>
                            " "
                            <a href=format!("/tenders/{id}")>"No, go back"</a>
                        </ActionForm>
                    </FormScope>
                }
            })}
            {(!draft && !published).then(|| view! { <p>"This tender is " {t.status.clone()} "; nothing more to do."</p> })}
        </section>
    }
}

fn notice(
    t: TenderView,
    market: Option<MarketView>,
    user: Option<CurrentUser>,
    confirm: Option<String>,
    status: ServerAction<SetTenderStatus>,
    flash: Option<Flash>,
) -> AnyView {
    let linked = user.as_ref().is_some_and(|u| u.actor.can_search());
    // Type-erased pieces keep the notice's view type within the compiler's depth limit.
    let actions =
        manages(user.as_ref(), &t).then(|| buyer_actions(&t, confirm, status, flash).into_any());
    let depth = market.map(|m| market::depth_table(&t, m, linked).into_any());
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
        {actions}
        // suppliers' interest, for the buyer (issue 12)
        <interest::InterestCount id=t.id/>
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
            <div class="table-scroll" role="region" aria-label="Lots" tabindex="0">
            <table>
                <caption>"Lots, with their lines and value"</caption>
                <thead><tr><th scope="col">"Lot"</th><th scope="col">"Lines"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>
                    {t.lots.iter().map(|l| view! {
                        <tr><td>{l.title.clone()}</td><td>{l.items.len()}</td><td>{pounds(l.value_gbp)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        })}
        <h2>"Requirement lines"</h2>
        <div class="table-scroll" role="region" aria-label="Requirement lines" tabindex="0">
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
        </div>
        {depth}
        <p><a href=ocds download>"Download this notice as OCDS (JSON)"</a></p>
    }
    .into_any()
}
