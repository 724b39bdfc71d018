//! A supplier's side of tendering (issue 12): `/opportunities` (the open lots it can bid
//! for, best fit first, with why; the lots it nearly fits, with the rule missed; filters
//! as a GET form; mark or withdraw interest), `/lots/{id}/partners` (the consortium
//! finder with "Ask to partner") and `/partner-requests/{id}` (the asked side accepts or
//! declines). Every page renders on the server and every form works without JavaScript.

use crate::components::{flash_notice, route_id, Notice, PageCtx};
use crate::error::AppError;
use crate::server_fns::opportunities::{
    get_opportunities, get_partner_request, get_partners, AnswerPartnerRequest, AskPartner,
    MarkInterest, WithdrawInterest,
};
use domain::forms::Flash;
use domain::tendering::opportunity_views::{
    OpportunitiesView, OpportunityQuery, OpportunityView, PartnerRequestView, PartnersView,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn pounds(v: u64) -> String {
    domain::text::Gbp::new(v).to_string()
}

fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

fn field_error(flash: &Option<Flash>, form: &str) -> Option<String> {
    flash
        .as_ref()
        .filter(|f| f.form == form)
        .and_then(|f| f.errors.iter().next().map(|(_, m)| m.to_owned()))
}

/// `/opportunities`.
#[component]
pub fn OpportunitiesPage() -> impl IntoView {
    let query = use_query_map();
    let mark = ServerAction::<MarkInterest>::new();
    let withdraw = ServerAction::<WithdrawInterest>::new();
    let q = move || {
        query.with(|m| OpportunityQuery {
            min_value: m.get("min_value"),
            max_value: m.get("max_value"),
            deadline_before: m.get("deadline_before"),
            within_km: m.get("within_km"),
            buyer: m.get("buyer"),
            supplier_id: m.get("supplier_id").and_then(|v| v.parse().ok()),
        })
    };
    let list = Resource::new(q, get_opportunities);
    let ctx = PageCtx::get();
    view! {
        <Title text="Opportunities for you"/>
        <h1>"Opportunities for you"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let q = q();
                match list.await {
                    Ok(v) => page(v, &q, None, flash, mark, withdraw),
                    Err(AppError::Validation(errors)) => page(
                        OpportunitiesView { supplier_id: 0, listed: true, opportunities: Vec::new(), near_misses: Vec::new(), open_lots: 0 },
                        &q, Some(errors), flash, mark, withdraw,
                    ),
                    Err(AppError::Unauthenticated) => view! {
                        <p><A href="/login?next=/opportunities">"Sign in"</A>" to see the lots you can bid for."</p>
                    }.into_any(),
                    Err(_) => view! { <p>"Opportunities are for suppliers: sign in with your organisation's account."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn filter_field(
    id: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: &'static str,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let hint_id = format!("f-{id}-hint");
    let error_id = format!("f-{id}-error");
    let described = if error.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        hint_id.clone()
    };
    let invalid = error.is_some().then_some("true");
    let has_error = error.is_some();
    view! {
        <div class="field" class:field-has-error=has_error>
            <label for=format!("f-{id}")>{label}</label>
            <p class="hint" id=hint_id>{hint}</p>
            {error.map(|e| view! {
                <p class="error-message" id=error_id><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <input id=format!("f-{id}") name=id type=kind value=value.unwrap_or_default()
                aria-describedby=described aria-invalid=invalid/>
        </div>
    }
}

fn filters(
    q: &OpportunityQuery,
    errors: Option<&domain::validation::FieldErrors>,
) -> impl IntoView {
    let err = |f: &str| errors.and_then(|e| e.get(f).map(str::to_owned));
    view! {
        <form method="get" action="/opportunities" class="filters" aria-labelledby="filters-title">
            <h2 id="filters-title" class="h3">"Filter"</h2>
            {errors.map(|e| view! {
                <div class="error-summary" role="alert" tabindex="-1" aria-labelledby="filter-error-title">
                    <h2 id="filter-error-title">"There is a problem"</h2>
                    <ul>{e.iter().map(|(f, m)| view! {
                        <li><a href=format!("#f-{f}")>{m.to_owned()}</a></li>
                    }).collect_view()}</ul>
                </div>
            })}
            <div class="filter-grid">
                {filter_field("min_value", "Smallest value (£)", "For example 10000 or 10k", "text", q.min_value.clone(), err("min_value"))}
                {filter_field("max_value", "Largest value (£)", "For example 250k or 1.2m", "text", q.max_value.clone(), err("max_value"))}
                {filter_field("deadline_before", "Deadline on or before", "A date, YYYY-MM-DD", "date", q.deadline_before.clone(), err("deadline_before"))}
                {filter_field("within_km", "Within (km)", "From you to where the work is", "text", q.within_km.clone(), err("within_km"))}
                {filter_field("buyer", "Buyer", "Part of the buyer's name", "text", q.buyer.clone(), err("buyer"))}
            </div>
            <button type="submit" class="button">"Filter"</button>
            " "
            <a href="/opportunities">"Clear filters"</a>
        </form>
    }
}

fn page(
    v: OpportunitiesView,
    q: &OpportunityQuery,
    errors: Option<domain::validation::FieldErrors>,
    flash: Option<Flash>,
    mark: ServerAction<MarkInterest>,
    withdraw: ServerAction<WithdrawInterest>,
) -> AnyView {
    let shown = flash_notice(&flash);
    let eligible = v.opportunities.len();
    let near = v.near_misses.len();
    let matched: Vec<AnyView> = v
        .opportunities
        .into_iter()
        .map(|o| lot_card(o, &flash, mark, withdraw))
        .collect();
    let nearly: Vec<AnyView> = v
        .near_misses
        .into_iter()
        .map(|o| lot_card(o, &flash, mark, withdraw))
        .collect();
    view! {
        <Notice text=shown/>
        <p class="lead">"Open lots from this registry's buyers and from other portals' notices that fit what you do, where you work and what you can take on. Best fit first."</p>
        <p><a href="/alerts">"Alerts and feeds"</a>": choose how you hear about new lots, see what was matched to you, follow them in a feed reader."</p>
        {(!v.listed).then(|| view! {
            <div class="notice" role="status"><p>"Your profile is not published, so buyers cannot see you and no lot is matched to you. "
                <A href="/profile">"Publish your profile"</A>"."</p></div>
        })}
        {filters(q, errors.as_ref())}
        <section aria-labelledby="matched-title">
            <h2 id="matched-title">{format!("Lots you can bid for ({eligible})")}</h2>
            {(eligible == 0).then(|| view! { <p>"None at the moment (with these filters)."</p> })}
            <ol class="opportunities">{matched}</ol>
        </section>
        <section aria-labelledby="near-title">
            <h2 id="near-title">{format!("Lots you nearly fit ({near})")}</h2>
            <p class="hint">"You miss one rule for each of these: a partner could cover it."</p>
            {(near == 0).then(|| view! { <p>"None at the moment (with these filters)."</p> })}
            <ol class="opportunities">{nearly}</ol>
        </section>
    }
    .into_any()
}

fn lot_card(
    o: OpportunityView,
    flash: &Option<Flash>,
    mark: ServerAction<MarkInterest>,
    withdraw: ServerAction<WithdrawInterest>,
) -> AnyView {
    let lot = o.lot_id;
    let heading = format!("lot-{lot}-title");
    let labelled = heading.clone();
    let error = field_error(flash, &format!("interest-{lot}"));
    let interest = if o.interested {
        view! {
            <ActionForm action=withdraw attr:class="inline">
                <p class="interested"><strong>"You are interested in this lot."</strong></p>
                <input type="hidden" name="lot_id" value=lot/>
                <button type="submit" class="button secondary">"Withdraw interest"</button>
            </ActionForm>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=mark attr:class="interest-form">
                <input type="hidden" name="lot_id" value=lot/>
                <div class="field checkbox">
                    <input type="checkbox" id=format!("consortium-{lot}") name="as_consortium" value="yes"/>
                    <label for=format!("consortium-{lot}")>"We would bid as part of a consortium"</label>
                </div>
                <div class="field">
                    <label for=format!("note-{lot}")>"Note for the buyer (optional)"</label>
                    <textarea id=format!("note-{lot}") name="note" rows="2" maxlength="2000"></textarea>
                </div>
                <button type="submit" class="button">"Mark interest"</button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <li class="opportunity">
            <article aria-labelledby=labelled>
                <h3 id=heading>{o.lot_title.clone()}</h3>
                <dl class="summary">
                    <dt>"Tender"</dt><dd><A href=format!("/tenders/{}", o.tender_id)>{o.tender_title.clone()}</A></dd>
                    <dt>"Buyer"</dt><dd>{o.buyer.clone()}</dd>
                    <dt>"Value"</dt><dd>{o.value_gbp.map_or_else(|| "not stated".to_owned(), pounds)}</dd>
                    <dt>"Deadline"</dt><dd>{o.deadline.as_deref().map_or_else(|| "not stated".to_owned(), day)}</dd>
                </dl>
                {o.missed_reason.clone().map(|m| view! {
                    <p class="missed"><strong>"Missed: "</strong>{m}</p>
                })}
                <p class="why-title">{if o.missed.is_some() { "What fits" } else { "Why it matched" }}</p>
                <ul class="reasons">{o.reasons.iter().map(|r| view! { <li>{r.clone()}</li> }).collect_view()}</ul>
                {error.map(|e| view! { <p class="error-message" role="alert">{e}</p> })}
                {interest}
                <p><A href=format!("/lots/{lot}/partners")>{if o.missed.is_some() { "Find partners to cover it" } else { "Find partners for this lot" }}</A></p>
            </article>
        </li>
    }
    .into_any()
}

/// `/lots/{id}/partners`.
#[component]
pub fn PartnersPage() -> impl IntoView {
    let id = route_id();
    let ask = ServerAction::<AskPartner>::new();
    let found = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_partners(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let ctx = PageCtx::get();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                match found.await {
                    Ok(v) => partners_view(v, flash, ask),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Partners"/>
                        <h1>"Partners"</h1>
                        <p><A href="/login">"Sign in"</A>" to find partners."</p>
                    }.into_any(),
                    Err(AppError::Conflict(m)) => view! {
                        <Title text="Partners"/>
                        <h1>"This lot is not open"</h1>
                        <p>{m}</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Lot not found"/>
                        <h1>"Lot not found"</h1>
                        <p>"This lot does not exist, is not open, or partners are for suppliers only."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn partners_view(v: PartnersView, flash: Option<Flash>, ask: ServerAction<AskPartner>) -> AnyView {
    let shown = flash_notice(&flash);
    let lot = v.lot_id;
    let gap_text = if v.gap.lines.is_empty() && v.gap.shortfall_gbp.is_none() {
        "You could bid for this lot alone. These suppliers could share the work.".to_owned()
    } else {
        let mut parts = Vec::new();
        if !v.gap_lines.is_empty() {
            parts.push(format!(
                "{} of its lines you do not cover or do not deliver where needed",
                v.gap_lines.len()
            ));
        }
        if let Some(s) = v.gap.shortfall_gbp {
            parts.push(format!("it is worth {} more than your capacity", pounds(s)));
        }
        format!(
            "You cannot bid for this lot alone: {}.",
            parts.join("; and ")
        )
    };
    let cards: Vec<AnyView> = v
        .partners
        .into_iter()
        .map(|p| {
            let form = format!("ask-{}", p.supplier_id);
            let error = field_error(&flash, &form);
            let heading = format!("partner-{}", p.supplier_id);
            let labelled = heading.clone();
            let message_label = format!("Message to {} (optional)", p.name);
            let message_id = format!("message-{}", p.supplier_id);
            let distance = p
                .distance_km
                .map_or_else(|| "distance not known".to_owned(), |d| format!("{d:.0} km from the work"));
            view! {
                <li class="partner">
                    <article aria-labelledby=labelled>
                        <h3 id=heading><A href=p.profile.clone()>{p.name.clone()}</A></h3>
                        <p>{p.completes_text.clone()}</p>
                        <p class="hint">{format!("{} · {}{}", if p.town.is_empty() { "town not stated".to_owned() } else { p.town.clone() }, distance,
                            if p.social_economy { " · social economy" } else { "" })}</p>
                        {error.map(|e| view! { <p class="error-message" role="alert">{e}</p> })}
                        {if p.asked {
                            view! { <p><strong>"You have asked them about this lot."</strong></p> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=ask attr:class="ask-form">
                                    <input type="hidden" name="lot_id" value=lot/>
                                    <input type="hidden" name="to_supplier_id" value=p.supplier_id/>
                                    <div class="field">
                                        <label for=message_id.clone()>{message_label}</label>
                                        <textarea id=message_id name="message" rows="2" maxlength="2000"></textarea>
                                    </div>
                                    <button type="submit" class="button">"Ask to partner"</button>
                                </ActionForm>
                            }.into_any()
                        }}
                    </article>
                </li>
            }
            .into_any()
        })
        .collect();
    let none = cards.is_empty();
    view! {
        <Title text=format!("Partners for {}", v.lot_title)/>
        <Notice text=shown/>
        <h1>{format!("Partners for “{}”", v.lot_title)}</h1>
        <p>"Tender: "<A href=format!("/tenders/{}", v.tender_id)>{v.tender_title.clone()}</A>" · "{v.buyer.clone()}</p>
        <p class="lead">{gap_text}</p>
        {(!v.gap_lines.is_empty()).then(|| view! {
            <h2 class="h3">"Lines you cannot do alone"</h2>
            <ul>{v.gap_lines.iter().map(|l| view! { <li>{format!("Line {}: {} (CPV {})", l.id, l.description, l.cpv)}</li> }).collect_view()}</ul>
        })}
        <h2>"Suggested partners"</h2>
        <p class="hint">"Ranked by how much of the lot they complete, then by distance. Asking sends them an e-mail through Anchorlink: your address is shared only if they accept."</p>
        {none.then(|| view! { <p>"No registered supplier completes this lot at the moment."</p> })}
        <ol class="partners">{cards}</ol>
        <p><A href="/opportunities">"Back to your opportunities"</A></p>
    }
    .into_any()
}

/// `/partner-requests/{id}`: the request, and for the asked side, accept or decline.
#[component]
pub fn PartnerRequestPage() -> impl IntoView {
    let id = route_id();
    let answer = ServerAction::<AnswerPartnerRequest>::new();
    let request = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_partner_request(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let ctx = PageCtx::get();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let path = id().map(|i| format!("/partner-requests/{i}")).unwrap_or_default();
                match request.await {
                    Ok(r) => request_view(r, flash, answer),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Partner request"/>
                        <h1>"Partner request"</h1>
                        <p><A href=format!("/login?next={path}")>"Sign in"</A>" to answer this request."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Request not found"/>
                        <h1>"Request not found"</h1>
                        <p>"This request does not exist, or it is not for your organisation."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn request_view(
    r: PartnerRequestView,
    flash: Option<Flash>,
    answer: ServerAction<AnswerPartnerRequest>,
) -> AnyView {
    let shown = flash_notice(&flash);
    let error = field_error(&flash, "partner-answer");
    let id = r.id;
    view! {
        <Title text="Partner request"/>
        <Notice text=shown/>
        <h1>"Request to bid together"</h1>
        <dl class="summary">
            <dt>"From"</dt><dd><A href=format!("/suppliers/{}", r.from_supplier_id)>{r.from_name.clone()}</A></dd>
            <dt>"To"</dt><dd>{r.to_name.clone()}</dd>
            <dt>"Lot"</dt><dd>{r.lot_title.clone()}</dd>
            <dt>"Tender"</dt><dd><A href=format!("/tenders/{}", r.tender_id)>{r.tender_title.clone()}</A></dd>
            <dt>"Sent"</dt><dd>{day(&r.created_at)}</dd>
            <dt>"Status"</dt><dd>{r.status.clone()}</dd>
        </dl>
        <h2 class="h3">"Their message"</h2>
        <p>{if r.message.is_empty() { "No message.".to_owned() } else { r.message.clone() }}</p>
        {error.map(|e| view! { <p class="error-message" role="alert">{e}</p> })}
        {r.can_answer.then(|| view! {
            <p>"If you accept, each side is sent the other's contact details by e-mail. If you decline, they are told, without yours."</p>
            <div class="actions">
                <ActionForm action=answer attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="answer" value="accept"/>
                    <button type="submit" class="button">"Accept and share contact details"</button>
                </ActionForm>
                <ActionForm action=answer attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="answer" value="decline"/>
                    <button type="submit" class="button secondary">"Decline"</button>
                </ActionForm>
            </div>
        })}
    }
    .into_any()
}
