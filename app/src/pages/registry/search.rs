//! The public supplier profile and the buyers' search page.

use super::shortlists::{provide_shortlist_options, AddToShortlist, SearchActions};
use crate::components::{legal_form_options, money, route_id, PageCtx};
use crate::server_fns::registry::{get_supplier, search_suppliers};
use domain::accounts::dto::CurrentUser;
use domain::forms::Flash;
use domain::registry::dto::SearchQuery;
use domain::registry::{AccreditationKind, LegalForm, SizeClass};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

#[component]
pub fn SupplierPage() -> impl IntoView {
    provide_shortlist_options();
    let ctx = PageCtx::get();
    let id = route_id();
    let profile = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_supplier(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
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
                        <AddToShortlist supplier_id=p.id supplier_name=p.name.clone() user=user.clone() flash=flash.clone()/>
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
        accreditation: get("accreditation"),
        valid_on: get("valid_on"),
        verified: get("verified"),
        social_economy: get("social_economy"),
        min_capacity: get("min_capacity"),
        area: get("area"),
        sort: get("sort"),
        page: get("page"),
        per_page: get("per_page"),
        tender: get("tender"),
        line: get("line"),
        kind: get("kind"),
    }
}

/// A stable URL for a search, for links and paging.
pub fn search_url(q: &SearchQuery) -> String {
    let pairs = [
        ("q", &q.q),
        ("cpv", &q.cpv),
        ("near", &q.near),
        ("within_km", &q.within_km),
        ("area", &q.area),
        ("legal_form", &q.legal_form),
        ("size", &q.size),
        ("accreditation", &q.accreditation),
        ("valid_on", &q.valid_on),
        ("verified", &q.verified),
        ("social_economy", &q.social_economy),
        ("min_capacity", &q.min_capacity),
        ("sort", &q.sort),
        ("page", &q.page),
        ("tender", &q.tender),
        ("line", &q.line),
        ("kind", &q.kind),
    ];
    let s: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .map(|v| format!("{k}={}", urlencoding::encode(v)))
        })
        .collect();
    format!("/suppliers?{}", s.join("&"))
}

/// Submits the search form when one of its fields changes, so a filter applies at once:
/// an island that renders nothing and listens on the page for `change` events from the
/// search form (the form itself is server-rendered HTML). Without JavaScript the "Search"
/// button does the same as a plain GET.
///
/// Back and Forward: a browser shows the page again with its controls as they were left
/// (the back-forward cache, or its own restoring of form state), which after a change is
/// one filter ahead of the results shown. The island then puts the controls back to what
/// the page was rendered with, which is what its URL and results say.
#[island]
fn SubmitOnChange() -> impl IntoView {
    crate::components::island_hydrated();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        fn reset_search_form() {
            if let Some(form) = document()
                .query_selector("form.search-form")
                .ok()
                .flatten()
                .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
            {
                form.reset();
            }
        }
        let from_history = window()
            .performance()
            .map(|p| p.get_entries_by_type("navigation"))
            .and_then(|entries| {
                entries
                    .get(0)
                    .dyn_into::<web_sys::PerformanceNavigationTiming>()
                    .ok()
            })
            .is_some_and(|nav| nav.type_() == web_sys::NavigationType::BackForward);
        if from_history {
            reset_search_form();
        }
        let shown = window_event_listener(leptos::ev::pageshow, |ev| {
            if ev.persisted() {
                reset_search_form();
            }
        });
        let changed = window_event_listener(leptos::ev::change, |ev| {
            if let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| e.closest("form.search-form").ok().flatten())
                .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
            {
                form.request_submit().ok();
            }
        });
        on_cleanup(move || {
            shown.remove();
            changed.remove();
        });
    }
    // nothing to show: the form is the page's
}

fn options_with_any(all: Vec<(String, String)>, current: &Option<String>) -> impl IntoView {
    let current = current.clone().unwrap_or_default();
    view! {
        <option value="">"Any"</option>
        {all.into_iter().map(|(v, l)| {
            let sel = v == current;
            view! { <option value=v selected=sel>{l}</option> }
        }).collect_view()}
    }
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let ctx = PageCtx::get();
    provide_shortlist_options();
    let results = Resource::new(move || query.with(query_from_url), search_suppliers);
    view! {
        <Title text="Find suppliers"/>
        <h1>"Find suppliers"</h1>
        <Suspense fallback=|| view! { <p>"Searching…"</p> }>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                if !user.as_ref().is_some_and(|u| u.actor.can_search()) {
                    return view! {
                        <p>"Searching the registry is for public buyers. "
                           <A href="/login?next=/suppliers">"Sign in"</A> " or " <A href="/buyers/request-access">"ask for buyer access"</A> "."</p>
                    }.into_any();
                }
                let q = query.with_untracked(query_from_url);
                let res = results.await;
                let errors = res.as_ref().err().and_then(|e| e.field_errors().cloned()).unwrap_or_default();
                // Filters fold away behind a disclosure (results first on a phone), open when
                // one is set or wrong so the buyer sees what narrows the list.
                let set = |o: &Option<String>| o.as_deref().is_some_and(|v| !v.trim().is_empty());
                let filters_open = !errors.is_empty()
                    || [&q.cpv, &q.near, &q.within_km, &q.area, &q.legal_form, &q.size, &q.accreditation,
                        &q.valid_on, &q.min_capacity, &q.verified, &q.social_economy]
                        .into_iter()
                        .any(set)
                    || q.sort.as_deref().is_some_and(|s| !s.is_empty() && s != "relevance");
                let err = move |f: &str| errors.get(f).map(|m| view! { <p class="error-message"><span class="visually-hidden">"Error: "</span>{m.to_owned()}</p> });
                let v = |o: &Option<String>| o.clone().unwrap_or_default();
                let for_results = q.clone();
                let sort = q.sort.clone().unwrap_or_else(|| "relevance".into());
                view! {
                    <Form method="GET" action="/suppliers" attr:class="search-form" attr:role="search">
                        <div class="field">
                            <label for="s-q">"Words"</label>
                            <input id="s-q" name="q" type="search" value=v(&q.q) prop:value=v(&q.q)/>
                        </div>
                        // A tender's market-depth list stays that list while the buyer narrows it.
                        {[("tender", &q.tender), ("line", &q.line), ("kind", &q.kind)].into_iter().filter_map(|(name, value)| {
                            value.clone().map(|value| view! { <input type="hidden" name=name value=value/> })
                        }).collect_view()}
                        <button type="submit" class="button">"Search"</button>
                        <details class="filters" open=filters_open>
                        <summary>"Filters"</summary>
                        <div class="filter-fields">
                        <div class="field">
                            <label for="s-cpv">"CPV code"</label>
                            {err("cpv")}
                            <input id="s-cpv" name="cpv" value=v(&q.cpv) prop:value=v(&q.cpv) inputmode="numeric"/>
                        </div>
                        <div class="field">
                            <label for="s-near">"Near postcode"</label>
                            {err("near")}
                            <input id="s-near" name="near" value=v(&q.near) prop:value=v(&q.near) autocomplete="postal-code"/>
                        </div>
                        <div class="field">
                            <label for="s-km">"Within (km)"</label>
                            {err("within_km")}
                            <input id="s-km" name="within_km" value=v(&q.within_km) prop:value=v(&q.within_km) inputmode="numeric"/>
                        </div>
                        <div class="field">
                            <label for="s-area">"Named areas"</label>
                            {err("area")}
                            <input id="s-area" name="area" value=v(&q.area) prop:value=v(&q.area) aria-describedby="s-area-hint"/>
                            <p class="hint" id="s-area-hint">"Postcode districts, e.g. PR1, PR2"</p>
                        </div>
                        <div class="field">
                            <label for="s-form">"Legal form"</label>
                            {err("legal_form")}
                            <select id="s-form" name="legal_form" prop:value=v(&q.legal_form)>{options_with_any(legal_form_options(), &q.legal_form)}</select>
                        </div>
                        <div class="field">
                            <label for="s-size">"Size"</label>
                            {err("size")}
                            <select id="s-size" name="size" prop:value=v(&q.size)>{options_with_any(
                                SizeClass::ALL.iter().map(|s| (s.slug().to_owned(), s.label().to_owned())).collect(), &q.size)}</select>
                        </div>
                        <div class="field">
                            <label for="s-acc">"Accreditation"</label>
                            {err("accreditation")}
                            <select id="s-acc" name="accreditation" prop:value=v(&q.accreditation)>{options_with_any(
                                AccreditationKind::ALL.iter().map(|a| (a.slug().to_owned(), a.label().to_owned())).collect(), &q.accreditation)}</select>
                        </div>
                        <div class="field">
                            <label for="s-valid">"Accreditation valid on"</label>
                            {err("valid_on")}
                            <input id="s-valid" name="valid_on" type="date" value=v(&q.valid_on) prop:value=v(&q.valid_on)/>
                        </div>
                        <div class="field">
                            <label for="s-cap">"Can take a contract of (£)"</label>
                            {err("min_capacity")}
                            <input id="s-cap" name="min_capacity" value=v(&q.min_capacity) prop:value=v(&q.min_capacity) inputmode="numeric"/>
                        </div>
                        <div class="field checkbox">
                            <input id="s-verified" name="verified" type="checkbox" value="true" checked=q.verified.is_some() prop:checked=q.verified.is_some()/>
                            <label for="s-verified">"Verified only"</label>
                        </div>
                        <div class="field checkbox">
                            <input id="s-social" name="social_economy" type="checkbox" value="true" checked=q.social_economy.is_some() prop:checked=q.social_economy.is_some()/>
                            <label for="s-social">"Social economy only"</label>
                        </div>
                        <div class="field">
                            <label for="s-sort">"Sort by"</label>
                            {err("sort")}
                            <select id="s-sort" name="sort" prop:value=sort.clone()>
                                {[("relevance", "Relevance"), ("distance", "Distance"), ("name", "Name"), ("updated", "Recently updated")].into_iter().map(|(val, label)| {
                                    let sel = sort == val;
                                    view! { <option value=val selected=sel>{label}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <button type="submit" class="button secondary">"Apply filters"</button>
                        </div>
                        </details>
                    </Form>
                    <SubmitOnChange/>
                    {match res {
                        Ok(r) => results_view(for_results, r, user, flash).into_any(),
                        Err(e) => view! { <div class="error-summary" role="alert"><h2>"There is a problem"</h2><p>{e.to_string()}</p></div> }.into_any(),
                    }}
                }.into_any()
            })}
        </Suspense>
    }
}

fn facet_list(
    q: &SearchQuery,
    counts: Vec<(String, String, u64)>,
    set: fn(&mut SearchQuery, String),
) -> impl IntoView {
    view! {
        <ul class="facet">
            // A value with no suppliers is not worth a link to an empty page.
            {counts.into_iter().filter(|(_, _, n)| *n > 0).map(|(value, label, n)| {
                let mut fq = q.clone();
                set(&mut fq, value);
                fq.page = None;
                view! { <li><a href=search_url(&fq)>{format!("{label} ({n})")}</a></li> }
            }).collect_view()}
        </ul>
    }
}

fn results_view(
    q: SearchQuery,
    r: domain::registry::dto::SearchResults,
    user: Option<CurrentUser>,
    flash: Option<Flash>,
) -> impl IntoView {
    let total = r.total;
    let page = r.page;
    let pages = total.div_ceil(r.per_page).max(1);
    let mut prev = q.clone();
    prev.page = Some(page.saturating_sub(1).to_string());
    let mut next = q.clone();
    next.page = Some((page + 1).to_string());
    let f = r.facets;
    let legal: Vec<_> = f
        .legal_form
        .into_iter()
        .map(|(v, n)| {
            (
                v.clone(),
                LegalForm::from_slug(&v).map_or(v, |f| f.label().to_owned()),
                n,
            )
        })
        .collect();
    let sizes: Vec<_> = f
        .size
        .into_iter()
        .map(|(v, n)| {
            (
                v.clone(),
                SizeClass::from_slug(&v).map_or(v, |s| s.label().to_owned()),
                n,
            )
        })
        .collect();
    let accs: Vec<_> = f
        .accreditation
        .into_iter()
        .map(|(v, n)| {
            (
                v.clone(),
                AccreditationKind::from_slug(&v).map_or(v, |a| a.label().to_owned()),
                n,
            )
        })
        .collect();
    let mut up = q.clone();
    up.cpv = None;
    up.page = None;
    view! {
        {r.banner.clone().map(|banner| {
            let everyone = SearchQuery { tender: None, line: None, kind: None, page: None, ..q.clone() };
            let tender = q.tender.clone().unwrap_or_default();
            view! {
                <div class="notice depth-banner">
                    <p>{banner}"."</p>
                    <p><a href=format!("/tenders/{tender}")>"Back to the tender"</a>" · "
                       <a href=search_url(&everyone)>"Search every supplier instead"</a></p>
                </div>
            }
        })}
        <p role="status" class="result-count">{format!("{total} supplier{} found", if total == 1 { "" } else { "s" })}</p>
        // Exports and saved searches take the registry's filters; a tender's list is a link.
        {q.tender.is_none().then(|| view! { <SearchActions total=total user=user.clone() flash=flash.clone()/> })}
        {(total == 0).then(|| view! {
            <div class="notice">
                <p>"No supplier matches every filter."</p>
                {(!r.widen.is_empty()).then(|| view! {
                    <p>"Try a wider search:"</p>
                    <ul>{r.widen.iter().map(|w| view! { <li><a href=search_url(&w.query)>{w.message.clone()}</a></li> }).collect_view()}</ul>
                })}
                // No single filter emptied the set (several did together): still offer a way out.
                {r.widen.is_empty().then(|| view! {
                    <p>"No single filter is to blame. " <a href="/suppliers">"Clear every filter and start again"</a></p>
                })}
            </div>
        })}
        <div class="with-sidebar sidebar-after">
            <ol class="results">
                {r.results.into_iter().map(|h| {
                    let supplier_name = h.name.clone();
                    view! {
                        <li class="result">
                            <h3><A href=format!("/suppliers/{}", h.id)>{h.name.clone()}</A></h3>
                            <p class="muted">
                                {LegalForm::from_slug(&h.legal_form).map(|f| f.label()).unwrap_or("")}
                                {h.size.clone().map(|s| format!(" · {s}"))}
                                {format!(" · {} {}", h.town, h.postcode.clone().unwrap_or_default())}
                                {h.distance_km.map(|d| format!(" · {d:.1} km away"))}
                                {h.verified.then_some(" · verified")}
                                {h.social_economy.then_some(" · social economy")}
                            </p>
                            {if h.snippet_html.is_empty() {
                                view! { <p>{h.capability_statement.chars().take(240).collect::<String>()}</p> }.into_any()
                            } else {
                                // The engine escapes the statement and adds only <mark> tags.
                                view! { <p inner_html=h.snippet_html.clone()></p> }.into_any()
                            }}
                            {(!h.reasons.is_empty()).then(|| view! { <p class="reasons">"Matched: " {h.reasons.join(", ")}</p> })}
                            <AddToShortlist supplier_id=h.id supplier_name=supplier_name user=user.clone() flash=flash.clone()/>
                        </li>
                    }
                }).collect_view()}
            </ol>
            // After the results in reading order (first on a phone); beside them on a wide screen.
            <aside aria-label="Refine">
                <h2 class="h3">"Capabilities (CPV)"</h2>
                {q.cpv.is_some().then(|| view! { <p><a href=search_url(&up)>"All capabilities"</a></p> })}
                {facet_list(&q, f.cpv_children, |fq, v| fq.cpv = Some(v))}
                <h2 class="h3">"Legal form"</h2>
                {facet_list(&q, legal, |fq, v| fq.legal_form = Some(v))}
                <h2 class="h3">"Size"</h2>
                {facet_list(&q, sizes, |fq, v| fq.size = Some(v))}
                <h2 class="h3">"Accreditations"</h2>
                {facet_list(&q, accs, |fq, v| fq.accreditation = Some(v))}
                <h2 class="h3">"Other"</h2>
                {facet_list(&q, vec![
                    ("true".to_owned(), "Verified".to_owned(), f.verified),
                ], |fq, v| fq.verified = Some(v))}
                {facet_list(&q, vec![
                    ("true".to_owned(), "Social economy".to_owned(), f.social_economy),
                ], |fq, v| fq.social_economy = Some(v))}
            </aside>
        </div>
        <nav aria-label="Pages" class="pager">
            {(page > 1).then(|| view! { <a href=search_url(&prev) rel="prev">"Previous page"</a> })}
            <span>{format!(" Page {page} of {pages} ")}</span>
            {(page < pages).then(|| view! { <a href=search_url(&next) rel="next">"Next page"</a> })}
        </nav>
    }
}
