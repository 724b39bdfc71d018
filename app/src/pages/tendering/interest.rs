//! The buyer's view of suppliers' interest (issue 12): `/tenders/{id}/interest` lists per
//! lot the interested suppliers with their evidence (local, size, social economy,
//! capacity, consortium, note) and links the CSV download; [`InterestCount`] puts the
//! count on the tender page for the buyer who manages it.

use crate::components::route_id;
use crate::error::AppError;
use crate::server_fns::opportunities::{get_tender_interest, tender_interest_count};
use domain::tendering::opportunity_views::TenderInterest;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn pounds(v: u64) -> String {
    domain::text::Gbp::new(v).to_string()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

/// `/tenders/{id}/interest`.
#[component]
pub fn TenderInterestPage() -> impl IntoView {
    let id = route_id();
    let interest = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_tender_interest(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match interest.await {
                    Ok(v) => interest_view(v),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Interest"/>
                        <h1>"Suppliers' interest"</h1>
                        <p><A href="/login">"Sign in"</A>" to see the interest in your tender."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Tender not found"/>
                        <h1>"Tender not found"</h1>
                        <p>"This tender does not exist, or it is not your organisation's."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn interest_view(v: TenderInterest) -> AnyView {
    let csv = format!("/tenders/{}/interest.csv", v.tender_id);
    let lots: Vec<AnyView> = v
        .lots
        .into_iter()
        .map(|l| {
            let n = l.suppliers.len();
            let label = format!("Interest in {}", l.title);
            let rows: Vec<AnyView> = l
                .suppliers
                .into_iter()
                .map(|s| {
                    view! {
                        <tr>
                            <th scope="row"><A href=format!("/suppliers/{}", s.supplier_id)>{s.name.clone()}</A></th>
                            <td>{if s.town.is_empty() { s.outcode.clone().unwrap_or_default() } else { s.town.clone() }}</td>
                            <td>{yes_no(s.local)}</td>
                            <td>{s.size.clone().unwrap_or_else(|| "not known".into())}</td>
                            <td>{yes_no(s.social_economy)}</td>
                            <td>{s.capacity_gbp.map_or_else(|| "not stated".to_owned(), pounds)}</td>
                            <td>{yes_no(s.as_consortium)}</td>
                            <td>{s.note.clone().unwrap_or_default()}</td>
                            <td>{s.marked_at.get(..10).unwrap_or(&s.marked_at).to_owned()}</td>
                        </tr>
                    }
                    .into_any()
                })
                .collect();
            view! {
                <h2>{format!("{} ({n} interested)", l.title)}</h2>
                {if n == 0 {
                    view! { <p>"No supplier has marked interest in this lot yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-scroll" role="region" aria-label=label.clone() tabindex="0">
                        <table>
                            <caption>{label.clone()}</caption>
                            <thead><tr>
                                <th scope="col">"Supplier"</th><th scope="col">"Town"</th><th scope="col">"Local"</th>
                                <th scope="col">"Size"</th><th scope="col">"Social economy"</th><th scope="col">"Capacity"</th>
                                <th scope="col">"As a consortium"</th><th scope="col">"Note"</th><th scope="col">"Marked"</th>
                            </tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                        </div>
                    }.into_any()
                }}
            }
            .into_any()
        })
        .collect();
    view! {
        <Title text=format!("Interest: {}", v.title)/>
        <h1>{format!("Suppliers' interest in “{}”", v.title)}</h1>
        <p class="lead">{format!("{} supplier(s) interested across the lots.", v.suppliers)}</p>
        <p><a href=csv download>"Download the interest as CSV"</a>" · "<A href=format!("/tenders/{}", v.tender_id)>"Back to the tender"</A></p>
        {lots}
    }
    .into_any()
}

/// The interest count and a link to it, on the tender page, for the buyer who manages the
/// tender (nothing for anyone else).
#[component]
pub fn InterestCount(id: i64) -> impl IntoView {
    let count = Resource::new(move || id, tender_interest_count);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                count.await.ok().flatten().map(|n| view! {
                    <p class="interest-count">
                        <strong>{format!("{n} supplier(s) interested")}</strong>" · "
                        <A href=format!("/tenders/{id}/interest")>"See who, with their evidence"</A>
                    </p>
                })
            })}
        </Suspense>
    }
}
