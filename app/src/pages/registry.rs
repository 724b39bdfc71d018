//! The public supplier profile and the buyers' search page.

use super::auth::legal_form_options;
use crate::api;
use crate::components::{money, PageCtx};
use crate::domain::org::LegalForm;
use crate::dto::SearchQuery;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn SupplierPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()));
    let profile = Resource::new(id, |id| async move {
        match id {
            Some(id) => api::get_supplier(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! {
                        <Title text=p.name.clone()/>
                        <h1>{p.name.clone()}</h1>
                        {(!p.trading_name.is_empty()).then(|| view! { <p class="lead">{format!("Trading as {}", p.trading_name)}</p> })}
                        <p class="tags">
                            <span class="tag">{p.legal_form_label.clone()}</span>
                            {p.size.clone().map(|s| view! { <span class="tag">{s}</span> })}
                            {p.social_economy.then(|| view! { <span class="tag">"Social economy"</span> })}
                            {p.verified.then(|| view! { <span class="tag">"Verified"</span> })}
                            {(!p.published).then(|| view! { <strong class="tag warn">"Draft – not public"</strong> })}
                        </p>
                        <h2>"What we do"</h2>
                        <p class="statement">{p.capability_statement.clone()}</p>
                        <ul class="items">
                            {p.cpv.iter().map(|c| view! { <li><code>{c.full_code.clone()}</code> " " {c.label.clone()}</li> }).collect_view()}
                        </ul>
                        {(!p.keywords.is_empty()).then(|| view! { <p>"Keywords: " {p.keywords.join(", ")}</p> })}
                        <h2>"Details"</h2>
                        <dl class="summary">
                            <dt>"Based in"</dt><dd>{format!("{} {}", p.town, p.postcode.clone().unwrap_or_default())}</dd>
                            <dt>"Works within"</dt><dd>{p.service_radius_km.map(|r| format!("{r} km")).unwrap_or_else(|| "—".into())}
                                {(!p.service_outcodes.is_empty()).then(|| format!("; areas {}", p.service_outcodes.join(", ")))}</dd>
                            <dt>"Employees"</dt><dd>{p.employees.map(|e| e.to_string()).unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Turnover"</dt><dd>{p.turnover_band.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Contract size"</dt><dd>{format!("{} to {}", money(p.min_contract_value_gbp), money(p.max_contract_value_gbp))}</dd>
                            <dt>"Ownership"</dt><dd>{p.ownership_model.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Identifiers"</dt><dd>{p.identifiers.iter().map(|i| format!("{}-{}{}", i.scheme, i.identifier, if i.verified { " (verified)" } else { "" })).collect::<Vec<_>>().join(", ")}</dd>
                            <dt>"Website"</dt><dd>{(!p.website.is_empty()).then(|| view! { <a href=p.website.clone() rel="nofollow noopener">{p.website.clone()}</a> })}</dd>
                        </dl>
                        {(!p.accreditations.is_empty()).then(|| view! {
                            <h2>"Accreditations"</h2>
                            <ul class="items">{p.accreditations.iter().map(|a| view! {
                                <li>{a.label.clone()}{a.expires_on.clone().map(|d| format!(" (until {d})"))}{a.expired.then_some(" – expired")}</li>
                            }).collect_view()}</ul>
                        })}
                        {(!p.contracts.is_empty()).then(|| view! {
                            <h2>"Past contracts"</h2>
                            <ul class="items">{p.contracts.iter().map(|c| view! {
                                <li><strong>{c.buyer_name.clone()}</strong>{format!(" {} {} ", c.year.map(|y| y.to_string()).unwrap_or_default(), money(c.value_gbp))}{c.description.clone()}</li>
                            }).collect_view()}</ul>
                        })}
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Supplier not found"/>
                        <h1>"Supplier not found"</h1>
                        <p>"This supplier does not exist or has not published a profile."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn query_from_url(q: &leptos_router::params::ParamsMap) -> SearchQuery {
    let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    SearchQuery {
        q: get("q"),
        cpv: get("cpv"),
        near: get("near"),
        within_km: get("within_km"),
        legal_form: get("legal_form"),
        size: get("size"),
        page: get("page"),
        per_page: get("per_page"),
    }
}

/// A stable URL for a search, for links and paging.
fn search_url(q: &SearchQuery) -> String {
    let pairs = [
        ("q", &q.q),
        ("cpv", &q.cpv),
        ("near", &q.near),
        ("within_km", &q.within_km),
        ("legal_form", &q.legal_form),
        ("size", &q.size),
        ("page", &q.page),
    ];
    let s: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", urlencoding::encode(v))))
        .collect();
    format!("/suppliers?{}", s.join("&"))
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let ctx = PageCtx::get();
    let results = Resource::new(move || query.with(query_from_url), api::search_suppliers);
    view! {
        <Title text="Find suppliers"/>
        <h1>"Find suppliers"</h1>
        <Suspense fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                let (user, _) = ctx.load().await;
                if !user.as_ref().is_some_and(|u| u.can_search()) {
                    return view! {
                        <p>"Searching the registry is for public buyers. "
                           <A href="/login?next=/suppliers">"Sign in"</A> " or " <A href="/buyers/request-access">"ask for buyer access"</A> "."</p>
                    }.into_any();
                }
                let q = query.with_untracked(query_from_url);
                let res = results.await;
                let errors = res.as_ref().err().and_then(|e| e.field_errors().cloned()).unwrap_or_default();
                let err = move |f: &str| errors.get(f).map(|m| view! { <p class="error-message"><span class="visually-hidden">"Error: "</span>{m.to_owned()}</p> });
                view! {
                    <form method="get" action="/suppliers" class="search-form" role="search">
                        <div class="field">
                            <label for="s-q">"Words"</label>
                            <input id="s-q" name="q" type="search" value=q.q.clone().unwrap_or_default()/>
                        </div>
                        <div class="field">
                            <label for="s-cpv">"CPV code"</label>
                            {err("cpv")}
                            <input id="s-cpv" name="cpv" value=q.cpv.clone().unwrap_or_default() inputmode="numeric"/>
                        </div>
                        <div class="field">
                            <label for="s-near">"Near postcode"</label>
                            {err("near")}
                            <input id="s-near" name="near" value=q.near.clone().unwrap_or_default() autocomplete="postal-code"/>
                        </div>
                        <div class="field">
                            <label for="s-km">"Within (km)"</label>
                            {err("within_km")}
                            <input id="s-km" name="within_km" value=q.within_km.clone().unwrap_or_default() inputmode="numeric"/>
                        </div>
                        <div class="field">
                            <label for="s-form">"Legal form"</label>
                            <select id="s-form" name="legal_form">
                                <option value="">"Any"</option>
                                {legal_form_options().into_iter().map(|(v, l)| {
                                    let sel = q.legal_form.as_deref() == Some(v.as_str());
                                    view! { <option value=v selected=sel>{l}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="s-size">"Size"</label>
                            <select id="s-size" name="size">
                                <option value="">"Any"</option>
                                {["micro", "small", "medium", "large"].into_iter().map(|v| {
                                    let sel = q.size.as_deref() == Some(v);
                                    view! { <option value=v selected=sel>{v}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button">"Search"</button>
                    </form>
                    {match res {
                        Ok(r) => {
                            let total = r.total;
                            let page = r.page;
                            let pages = total.div_ceil(r.per_page).max(1);
                            let facet = |name: &'static str, counts: std::collections::BTreeMap<String, u64>| {
                                let q = q.clone();
                                view! {
                                    <ul class="facet">
                                        {counts.into_iter().map(|(v, n)| {
                                            let mut fq = q.clone();
                                            let label = if name == "legal_form" { LegalForm::from_slug(&v).map(|f| f.label().to_owned()).unwrap_or(v.clone()) } else { v.clone() };
                                            if name == "legal_form" { fq.legal_form = Some(v) } else { fq.size = Some(v) }
                                            fq.page = None;
                                            view! { <li><a href=search_url(&fq)>{format!("{label} ({n})")}</a></li> }
                                        }).collect_view()}
                                    </ul>
                                }
                            };
                            let mut prev = q.clone();
                            prev.page = Some((page.saturating_sub(1)).to_string());
                            let mut next = q.clone();
                            next.page = Some((page + 1).to_string());
                            view! {
                                <p role="status" class="result-count">{format!("{total} supplier{} found", if total == 1 { "" } else { "s" })}</p>
                                <div class="with-sidebar">
                                    <aside aria-label="Refine">
                                        <h2 class="h3">"Legal form"</h2>
                                        {facet("legal_form", r.facets.legal_form)}
                                        <h2 class="h3">"Size"</h2>
                                        {facet("size", r.facets.size)}
                                    </aside>
                                    <ol class="results">
                                        {r.results.into_iter().map(|h| view! {
                                            <li class="result">
                                                <h3><A href=format!("/suppliers/{}", h.id)>{h.name.clone()}</A></h3>
                                                <p class="muted">
                                                    {LegalForm::from_slug(&h.legal_form).map(|f| f.label()).unwrap_or("")}
                                                    {h.size.clone().map(|s| format!(" · {s}"))}
                                                    {format!(" · {} {}", h.town, h.postcode.clone().unwrap_or_default())}
                                                    {h.distance_km.map(|d| format!(" · {d:.1} km away"))}
                                                    {h.verified.then_some(" · verified")}
                                                </p>
                                                <p>{h.capability_statement.chars().take(240).collect::<String>()}</p>
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                </div>
                                <nav aria-label="Pages" class="pager">
                                    {(page > 1).then(|| view! { <a href=search_url(&prev) rel="prev">"Previous page"</a> })}
                                    <span>{format!(" Page {page} of {pages} ")}</span>
                                    {(page < pages).then(|| view! { <a href=search_url(&next) rel="next">"Next page"</a> })}
                                </nav>
                            }.into_any()
                        }
                        Err(e) => view! { <div class="error-summary" role="alert"><h2>"There is a problem"</h2><p>{e.to_string()}</p></div> }.into_any(),
                    }}
                }.into_any()
            })}
        </Suspense>
    }
}
