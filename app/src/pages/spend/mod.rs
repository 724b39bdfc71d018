//! Pages of the spend context: `/spend` (the buyer organisation's analyses, compared year
//! on year, and the upload form) and `/spend/{id}` (an analysis's results: headline
//! shares, per year and per category as server-rendered SVG bars with the data table
//! beside each, leakage with the local suppliers named, LM3 with its assumptions, the
//! review screen and the unmatched payees). Everything works without JavaScript: the
//! upload and the review decisions are plain form posts to site routes that answer with
//! the job's progress page (`/jobs/{id}`), which links back here when done.

// the column-mapping step (issue 9)
mod mapping;
pub use mapping::SpendColumnsPage;

use crate::components::route_id;
use crate::error::AppError;
use crate::server_fns::spend::{get_analysis, list_analyses};
use domain::spend::dto::{AnalysisBundle, AnalysisListItem, Slice};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn money(pounds: f64) -> String {
    let pence = (pounds * 100.0).round() as i64;
    let (sign, pence) = if pence < 0 {
        ("-", -pence)
    } else {
        ("", pence)
    };
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}£{grouped}.{:02}", pence % 100)
}

/// Horizontal bars of shares (0 to 1), one per row, drawn on the server; the caller puts
/// the data table beside it. (The registry figures draw theirs with it too.)
#[component]
pub fn ShareBars(title: String, rows: Vec<(String, f64)>) -> impl IntoView {
    const ROW: usize = 26;
    const LABEL: usize = 220;
    const BAR: f64 = 300.0;
    let height = (rows.len().max(1) * ROW + 8).to_string();
    let view_box = format!("0 0 600 {height}");
    let description = rows
        .iter()
        .map(|(label, share)| format!("{label}: {}", pct(*share)))
        .collect::<Vec<_>>()
        .join("; ");
    view! {
        <svg class="chart" role="img" aria-label=format!("{title}. {description}")
            width="600" height=height viewBox=view_box>
            <title>{format!("{title}. {description}")}</title>
            {rows.into_iter().enumerate().map(|(i, (label, share))| {
                let y = i * ROW + 4;
                let width = (share.clamp(0.0, 1.0) * BAR).max(1.0);
                view! {
                    <text x="0" y=(y + 17).to_string() font-size="13" fill="#1d1d1b">{label.chars().take(30).collect::<String>()}</text>
                    <rect x=LABEL.to_string() y=y.to_string() width=format!("{width:.1}") height="18" fill="#1d5c96"></rect>
                    <text x=format!("{:.1}", LABEL as f64 + width + 6.0) y=(y + 14).to_string() font-size="13" fill="#1d1d1b">{pct(share)}</text>
                }
            }).collect_view()}
        </svg>
    }
}

/// A table of slices (years or categories) with their shares.
fn slice_table(caption: &str, slices: &[Slice]) -> impl IntoView {
    view! {
        <div class="table-scroll" role="region" aria-label=caption.to_owned() tabindex="0">
        <table>
            <caption>{caption.to_owned()}</caption>
            <thead><tr>
                <th scope="col">""</th><th scope="col">"Total"</th><th scope="col">"Matched"</th>
                <th scope="col">"Local"</th><th scope="col">"Region"</th><th scope="col">"SME"</th>
                <th scope="col">"Social economy"</th><th scope="col">"Real Living Wage"</th>
            </tr></thead>
            <tbody>
                {slices.iter().map(|s| view! {
                    <tr>
                        <th scope="row">{s.label.clone()}</th>
                        <td>{money(s.total)}</td><td>{pct(s.matched_share)}</td>
                        <td>{pct(s.local_share)}</td><td>{pct(s.region_share)}</td>
                        <td>{pct(s.sme_share)}</td><td>{pct(s.social_economy_share)}</td>
                        <td>{pct(s.real_living_wage_share)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
    }
}

/// Links to a table's CSV and XLSX downloads (`/spend/{id}/{table}.csv|xlsx`).
fn downloads(id: i64, table: &'static str, what: &'static str) -> impl IntoView {
    view! {
        <p class="downloads">"Download "{what}": "
            <a href=format!("/spend/{id}/{table}.csv") download="">"CSV"</a>" · "
            <a href=format!("/spend/{id}/{table}.xlsx") download="">"XLSX (Excel)"</a></p>
    }
}

/// An analysis's field errors as a sentence each (`{"file": "could not find …"}`).
fn error_text(errors: &serde_json::Value) -> String {
    match errors.as_object() {
        Some(fields) => fields
            .values()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(" "),
        None => errors.to_string(),
    }
}

#[component]
pub fn SpendListPage() -> impl IntoView {
    let list = Resource::new(|| (), |()| list_analyses());
    view! {
        <Title text="Spend analysis"/>
        <h1>"Where your money goes"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) => list_view(items).into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <p><A href="/login?next=/spend">"Sign in"</A>" to analyse your spend."</p>
                    }.into_any(),
                    Err(_) => view! { <p>"Spend analysis is for buyers."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn list_view(items: Vec<AnalysisListItem>) -> impl IntoView {
    let share = |s: Option<f64>| s.map_or_else(|| "–".to_owned(), pct);
    view! {
        <h2>"Upload a payments file"</h2>
        <form method="post" action="/spend/upload" enctype="multipart/form-data">
            <p><label for="spend-file">"Payments file (CSV or XLSX, as published)"</label><br/>
               <input id="spend-file" type="file" name="file" required accept=".csv,.xlsx,text/csv"/></p>
            <p><label for="spend-name">"Name"</label><br/>
               <input id="spend-name" type="text" name="name" maxlength="200"/></p>
            <p><label for="spend-area">"Your area: outcodes, comma-separated"</label><br/>
               <input id="spend-area" type="text" name="area" aria-describedby="spend-area-hint"/>
               <span id="spend-area-hint" class="hint">" e.g. PR1, PR2, PR3"</span></p>
            <p><label for="spend-near">"Wider region: centre (postcode or outcode)"</label><br/>
               <input id="spend-near" type="text" name="near"/></p>
            <p><label for="spend-km">"Wider region: radius in km"</label><br/>
               <input id="spend-km" type="number" name="within_km" min="1" max="500"/></p>
            <p class="hint">"Next you check the columns we find against the first rows, and correct them if needed."</p>
            <p><button type="submit">"Upload and check the columns"</button></p>
        </form>
        <h2>"Your analyses"</h2>
        {if items.is_empty() {
            view! { <p>"None yet."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" role="region" aria-label="Your analyses" tabindex="0">
                <table>
                    <caption>"Analyses, newest first: headline shares of the total, to compare year on year"</caption>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Total"</th>
                        <th scope="col">"Local"</th><th scope="col">"SME"</th><th scope="col">"Social economy"</th><th scope="col">"Created"</th></tr></thead>
                    <tbody>
                        {items.into_iter().map(|a| view! {
                            <tr>
                                <th scope="row"><A href=if a.status == "mapping" { format!("/spend/{}/columns", a.id) } else { format!("/spend/{}", a.id) }>{a.name}</A></th>
                                <td>{a.status}</td><td>{money(a.total)}</td>
                                <td>{share(a.local_share)}</td><td>{share(a.sme_share)}</td>
                                <td>{share(a.social_economy_share)}</td><td>{a.created_at}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            }.into_any()
        }}
    }
}

#[component]
pub fn SpendAnalysisPage() -> impl IntoView {
    let id = route_id();
    let bundle = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_analysis(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match bundle.await {
                    Ok(b) => analysis_view(b).into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Sign in"/>
                        <p><A href="/login">"Sign in"</A>" to see this analysis."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Analysis not found"/>
                        <h1>"Analysis not found"</h1>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn analysis_view(b: AnalysisBundle) -> impl IntoView {
    let s = b.summary;
    let id = s.id;
    let headline = vec![
        ("In your area".to_owned(), s.local_share),
        ("In the wider region".to_owned(), s.region_share),
        ("With SMEs".to_owned(), s.sme_share),
        ("With the social economy".to_owned(), s.social_economy_share),
        (
            "Real Living Wage employers".to_owned(),
            s.real_living_wage_share,
        ),
        ("Matched to the registry".to_owned(), s.matched_share),
    ];
    let years: Vec<(String, f64)> = b
        .categories
        .years
        .iter()
        .map(|y| (format!("{} local", y.label), y.local_share))
        .collect();
    let categories: Vec<(String, f64)> = b
        .categories
        .categories
        .iter()
        .take(12)
        .map(|c| (c.label.clone(), c.local_share))
        .collect();
    let assumptions = s.assumptions.to_string();
    let lm3 = s.lm3.get("multiplier").and_then(serde_json::Value::as_f64);
    view! {
        <Title text=s.name.clone()/>
        <h1>{s.name.clone()}</h1>
        <p role="status">{format!("Status: {}", s.status)}
            {s.job_id.map(|j| view! { " · " <A href=format!("/jobs/{j}")>"progress"</A> })}</p>
        {s.errors.clone().map(|e| view! { <div class="error-summary" role="alert"><p>{error_text(&e)}</p></div> })}
        {(s.status == "mapping" || s.status == "failed").then(|| view! {
            <p><A href=format!("/spend/{id}/columns")>{if s.status == "mapping" { "Check the columns and analyse" } else { "Check the columns and try again" }}</A></p>
        })}
        <p>{format!("{} rows: total {}, matched {}; {} unmatched rows, {} refused.",
            s.rows, money(s.total), money(s.matched_total), s.unmatched_rows, s.rejected_rows.len())}</p>
        <h2>"Shares of the total"</h2>
        <ShareBars title="Shares of the total spend".to_owned() rows=headline.clone()/>
        <table><caption>"Shares of the total (unmatched spend counts as not local, not SME, not social economy)"</caption>
            <tbody>{headline.into_iter().map(|(l, v)| view! { <tr><th scope="row">{l}</th><td>{pct(v)}</td></tr> }).collect_view()}</tbody>
        </table>
        <h2>"Per financial year"</h2>
        <ShareBars title="Local share per financial year".to_owned() rows=years/>
        {slice_table("Per financial year", &b.categories.years)}
        <h2>"Per category"</h2>
        <ShareBars title="Local share per category (largest 12)".to_owned() rows=categories/>
        {slice_table("Per category, largest first", &b.categories.categories)}
        {downloads(id, "categories", "categories and years")}
        <h2>"Where money leaves although local suppliers could deliver"</h2>
        <div class="table-scroll" role="region" aria-label="Leakage" tabindex="0"><table><caption>"Leakage, most money leaving first"</caption>
            <thead><tr><th scope="col">"Category"</th><th scope="col">"Leaving"</th><th scope="col">"Local suppliers"</th><th scope="col">""</th></tr></thead>
            <tbody>{b.leakage.leakage.into_iter().map(|l| view! {
                <tr><th scope="row">{l.label}</th><td>{money(l.leaving)}</td>
                    <td>{format!("{}: ", l.local_supplier_count)}
                        {l.local_suppliers.into_iter().map(|ls| view! { <A href=format!("/suppliers/{}", ls.supplier_id)>{ls.name}</A>" " }).collect_view()}</td>
                    <td><a href=l.search_url>"Find them"</a></td></tr>
            }).collect_view()}</tbody>
        </table></div>
        {downloads(id, "leakage", "leakage")}
        <h2>"LM3 (local multiplier)"</h2>
        <p>{match lm3 { Some(m) => format!("LM3 = {m:.2}"), None => "LM3: no spend".to_owned() }}
            {format!(" (R1 {}, R2 {}, R3 {} pence)", s.lm3["round1"], s.lm3["round2"], s.lm3["round3"])}</p>
        <p class="hint assumptions">{format!("Assumptions: {assumptions}")}</p>
        <h2>"Suppliers paid"</h2>
        <div class="table-scroll" role="region" aria-label="Suppliers paid" tabindex="0"><table><caption>"Attached suppliers, largest first, with LM3 per supplier"</caption>
            <thead><tr><th scope="col">"Supplier"</th><th scope="col">"Amount"</th><th scope="col">"Rows"</th><th scope="col">"Confidence"</th><th scope="col">"Local"</th><th scope="col">"LM3"</th></tr></thead>
            <tbody>{b.suppliers.suppliers.into_iter().map(|l| view! {
                <tr><th scope="row"><A href=format!("/suppliers/{}", l.supplier_id)>{l.name}</A></th>
                    <td>{money(l.amount)}</td><td>{l.rows}</td><td>{format!("{:.2}", l.confidence)}</td>
                    <td>{if l.local { "yes" } else { "no" }}</td>
                    <td>{l.lm3.get("multiplier").and_then(serde_json::Value::as_f64).map_or_else(|| "–".to_owned(), |m| format!("{m:.2}"))}</td></tr>
            }).collect_view()}</tbody>
        </table></div>
        {downloads(id, "suppliers", "suppliers")}
        <h2>"To review"</h2>
        {b.review.review.into_iter().map(|p| {
            let key = p.key.clone();
            view! {
                <section class="review-item">
                    <h3>{format!("{} — {} in {} rows", p.name, money(p.amount), p.rows)}</h3>
                    {p.candidates.into_iter().map(|c| {
                        let key = key.clone();
                        view! {
                            <form method="post" action=format!("/spend/{id}/review")>
                                <input type="hidden" name="key" value=key.clone()/>
                                <input type="hidden" name="supplier_id" value=c.supplier_id.to_string()/>
                                <p>{format!("{} ({}, confidence {:.2}) ", c.name, c.why, c.confidence)}
                                    <button type="submit" name="decision" value="confirm">"This is them"</button>" "
                                    <button type="submit" name="decision" value="reject">"Not them"</button></p>
                            </form>
                        }
                    }).collect_view()}
                    <form method="post" action=format!("/spend/{id}/review")>
                        <input type="hidden" name="key" value=key/>
                        <button type="submit" name="decision" value="not_registered">"None of these"</button>
                    </form>
                </section>
            }
        }).collect_view()}
        <h2>"Not matched"</h2>
        <div class="table-scroll" role="region" aria-label="Not matched" tabindex="0"><table><caption>"Payees matched to no registered supplier, largest first"</caption>
            <thead><tr><th scope="col">"Payee"</th><th scope="col">"Amount"</th><th scope="col">"Rows"</th><th scope="col">"Why"</th></tr></thead>
            <tbody>{b.unmatched.unmatched.into_iter().map(|u| view! {
                <tr><th scope="row">{u.name}</th><td>{money(u.amount)}</td><td>{u.rows}</td>
                    <td>{u.reason.unwrap_or_default().replace('_', " ")}</td></tr>
            }).collect_view()}</tbody>
        </table></div>
        {downloads(id, "unmatched", "unmatched payees")}
        <p>"Invite the largest to register: "<A href="/signup">"sign-up page"</A></p>
        {(!s.rejected_rows.is_empty()).then(|| view! {
            <h2>"Rows not counted"</h2>
            <ul>{s.rejected_rows.into_iter().map(|r| view! { <li>{format!("Row {}: {}", r.row, r.reason)}</li> }).collect_view()}</ul>
        })}
    }
}
