//! A tender's market depth as a table, on its notice and in its editor: per line and for
//! the whole tender, how many published suppliers are capable, local, SMEs, social economy,
//! local SMEs or social economy (the planner's target), and able to take the value. For a
//! reader who may search the registry, each number links to the supplier search listing
//! exactly those suppliers (`/suppliers?tender=…&line=…&kind=…`).

use domain::tendering::dto::{depth_page_link, DepthKind, DepthRow, MarketView, TenderView};
use domain::tendering::market::DepthCounts;
use leptos::prelude::*;

fn count(c: &DepthCounts, kind: DepthKind) -> u32 {
    match kind {
        DepthKind::Capable => c.capable,
        DepthKind::Local => c.local,
        DepthKind::Sme => c.sme,
        DepthKind::SocialEconomy => c.social_economy,
        DepthKind::Target => c.target,
        DepthKind::CanTakeValue => c.can_take_value,
    }
}

/// The column heading of a count.
const fn heading(kind: DepthKind) -> &'static str {
    match kind {
        DepthKind::Capable => "Capable",
        DepthKind::Local => "Local",
        DepthKind::Sme => "SME",
        DepthKind::SocialEconomy => "Social economy",
        DepthKind::Target => "Local SME or social economy",
        DepthKind::CanTakeValue => "Big enough for the value",
    }
}

/// The market-depth section. `linked`: the reader may search the registry, so each count
/// is a link to the suppliers behind it.
pub fn depth_table(t: &TenderView, m: MarketView, linked: bool) -> impl IntoView {
    let line_name = |row: &DepthRow| match row.item_id {
        Some(id) => t.items.iter().find(|i| i.id == id).map_or_else(
            || format!("Line {id}"),
            |i| format!("Line {}: {}", i.position, i.description),
        ),
        None => "Whole tender (any line)".to_owned(),
    };
    let rows: Vec<(String, String, DepthRow)> = m
        .items
        .iter()
        .chain(std::iter::once(&m.total))
        .map(|r| {
            let short = match r.item_id {
                Some(id) => t
                    .items
                    .iter()
                    .find(|i| i.id == id)
                    .map_or_else(|| format!("line {id}"), |i| format!("line {}", i.position)),
                None => "the whole tender".to_owned(),
            };
            (line_name(r), short, r.clone())
        })
        .collect();
    let tender_id = t.id;
    let not_counted = m.lines_not_counted.len();
    view! {
        <section aria-labelledby="market-depth" class="market-depth">
            <h2 id="market-depth">"Market depth"</h2>
            {(not_counted > 0).then(|| view! {
                <p class="hint">{format!("{not_counted} line(s) without a CPV code are not counted.")}</p>
            })}
            <div class="table-scroll" role="region" aria-labelledby="market-depth-caption" tabindex="0">
                <table class="depth">
                    <caption id="market-depth-caption">"Published suppliers able to deliver each line, and of them how many are local, SMEs and social-economy organisations"
                        {linked.then_some(". Each number lists those suppliers.")}</caption>
                    <thead><tr>
                        <th scope="col">"Line"</th>
                        {DepthKind::ALL.into_iter().map(|k| view! { <th scope="col">{heading(k)}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {rows.into_iter().map(|(name, short, r)| view! {
                            <tr class:total=r.item_id.is_none()>
                                <th scope="row">{name}</th>
                                {DepthKind::ALL.into_iter().map(|k| {
                                    let n = count(&r.counts, k);
                                    if linked {
                                        let href = depth_page_link(tender_id, r.item_id, k);
                                        let hidden = format!(" {} for {short}", k.words().to_lowercase());
                                        view! {
                                            <td><a href=href data-kind=k.slug() data-count=n>{n}<span class="visually-hidden">{hidden}</span></a></td>
                                        }.into_any()
                                    } else {
                                        view! { <td>{n}</td> }.into_any()
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
