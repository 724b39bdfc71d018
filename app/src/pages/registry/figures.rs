//! `/figures`: the registry in figures, for everyone (admins also see drafts and
//! suspended suppliers). Each figure is a server-rendered SVG chart with its text
//! alternative, the data table beside it and a CSV download (`/figures/{table}.csv`);
//! the same numbers as JSON at `GET /api/v1/figures`. No JavaScript needed.

use crate::pages::spend::ShareBars;
use crate::server_fns::registry::registry_figures;
use domain::registry::figures::{FigureCount, MonthCount, RegistryFigures};
use leptos::prelude::*;
use leptos_meta::Title;

/// Bars drawn in a chart; the table beside it lists every group.
const CHART_ROWS: usize = 15;

fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A figure: heading, chart, the table beside it and its download.
fn counts_section(
    id: &'static str,
    heading: &'static str,
    group: &'static str,
    rows: Vec<FigureCount>,
    note: Option<&'static str>,
) -> impl IntoView {
    let bars: Vec<(String, f64)> = rows
        .iter()
        .take(CHART_ROWS)
        .map(|c| (c.label.clone(), c.share))
        .collect();
    let caption = format!("Suppliers by {group}");
    let caption_id = format!("{id}-caption");
    let region_label = caption_id.clone();
    view! {
        <section class="figure" aria-labelledby=id>
            <h2 id=id>{heading}</h2>
            {note.map(|n| view! { <p class="hint">{n}</p> })}
            {if rows.is_empty() {
                view! { <p>"No suppliers yet."</p> }.into_any()
            } else {
                view! {
                    <ShareBars title=format!("Share of suppliers by {group}") rows=bars/>
                    <div class="table-scroll" role="region" aria-labelledby=region_label tabindex="0">
                        <table>
                            <caption id=caption_id>{caption}</caption>
                            <thead><tr><th scope="col">{group.to_owned()}</th><th scope="col">"Suppliers"</th><th scope="col">"Share"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|c| view! {
                                <tr><th scope="row">{c.label}</th><td>{c.suppliers}</td><td>{pct(c.share)}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <p class="downloads"><a href=format!("/figures/{id}.csv") download="">{format!("Download suppliers by {group} (CSV)")}</a></p>
        </section>
    }
}

/// The register's size month by month, as columns.
#[component]
fn GrowthChart(months: Vec<MonthCount>) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 180.0;
    let max = months
        .iter()
        .map(|m| m.cumulative)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = months.len().max(1);
    #[expect(
        clippy::cast_precision_loss,
        reason = "a few hundred months and counts far below 2^53"
    )]
    let (step, scale) = (WIDTH / n as f64, (HEIGHT - 30.0) / max as f64);
    let description = months
        .iter()
        .map(|m| format!("{}: {}", m.month, m.cumulative))
        .collect::<Vec<_>>()
        .join("; ");
    let text = format!("Suppliers on the register at the end of each month. {description}");
    let label = text.clone();
    let first = months.first().map(|m| m.month.clone()).unwrap_or_default();
    let last = months.last().map(|m| m.month.clone()).unwrap_or_default();
    view! {
        <svg class="chart" role="img" aria-label=label width="600" height="180" viewBox="0 0 600 180">
            <title>{text}</title>
            {months.into_iter().enumerate().map(|(i, m)| {
                #[expect(clippy::cast_precision_loss, reason = "counts far below 2^53")]
                let h = (m.cumulative as f64 * scale).max(1.0);
                #[expect(clippy::cast_precision_loss, reason = "a few hundred months")]
                let x = i as f64 * step;
                view! {
                    <rect x=format!("{x:.1}") y=format!("{:.1}", HEIGHT - 20.0 - h)
                        width=format!("{:.1}", (step - 2.0).max(1.0)) height=format!("{h:.1}") fill="#1d5c96"></rect>
                }
            }).collect_view()}
            <text x="0" y="176" font-size="13" fill="#1d1d1b">{first}</text>
            <text x="600" y="176" font-size="13" fill="#1d1d1b" text-anchor="end">{last}</text>
        </svg>
    }
}

#[component]
pub fn FiguresPage() -> impl IntoView {
    let figures = Resource::new(|| (), |()| registry_figures());
    view! {
        <Title text="The registry in figures"/>
        <h1>"The registry in figures"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match figures.await {
                    Ok(f) => figures_view(f).into_any(),
                    Err(_) => view! { <p role="alert">"The figures cannot be shown just now."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn figures_view(f: RegistryFigures) -> impl IntoView {
    let growth = f.growth.clone();
    view! {
        <p class="lead">{format!(
            "{} suppliers buyers can see. {} ({}) have an identifier checked by the platform team. Profiles are {:.0}% complete on average.",
            f.suppliers, f.verified, pct(f.verified_share), f.average_completeness)}</p>
        <p>"The same figures as JSON: "<a href="/api/v1/figures">"/api/v1/figures"</a>"."</p>
        {f.admin.map(|a| view! {
            <section class="figure" aria-labelledby="admin-figures">
                <h2 id="admin-figures">"Not visible to buyers (admins only)"</h2>
                <ul>
                    <li>{format!("{} profiles started but not published", a.draft_profiles)}</li>
                    <li>{format!("{} supplier organisations suspended", a.suspended_suppliers)}</li>
                </ul>
            </section>
        })}
        {counts_section("legal-forms", "Legal form", "legal form", f.by_legal_form, None)}
        {counts_section("sizes", "Size (SME class)", "size", f.by_size, Some("From headcount and turnover, by the UK SME definition."))}
        {counts_section("areas", "Where they are", "postcode area", f.by_area, Some("The postcode area of the supplier's address: PR is Preston, M Manchester. The chart shows the largest 15."))}
        {counts_section("cpv-divisions", "What they do", "CPV division", f.by_cpv_division,
            Some("A supplier counts once in every division it offers, so the shares add up to more than 100%. The chart shows the largest 15."))}
        <section class="figure" aria-labelledby="growth">
            <h2 id="growth">"Growth"</h2>
            <p class="hint">"Suppliers buyers can see today, by the month their profile was created."</p>
            {if growth.is_empty() {
                view! { <p>"No suppliers yet."</p> }.into_any()
            } else {
                let rows = growth.clone();
                view! {
                    <GrowthChart months=growth/>
                    <div class="table-scroll" role="region" aria-labelledby="growth-caption" tabindex="0">
                        <table>
                            <caption id="growth-caption">"Suppliers by month"</caption>
                            <thead><tr><th scope="col">"Month"</th><th scope="col">"New"</th><th scope="col">"On the register"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|m| view! {
                                <tr><th scope="row">{m.month}</th><td>{m.published}</td><td>{m.cumulative}</td></tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <p class="downloads"><a href="/figures/growth.csv" download="">"Download suppliers by month (CSV)"</a></p>
        </section>
        {counts_section("completeness", "Profile completeness", "completeness", f.completeness, None)}
    }
}
