//! `/tenders/{id}/lots`: the lot planner. The buyer sets the constraints and asks for a
//! suggestion, reads each lot's evidence beside the plan's reach, the reach of a single lot
//! and the best possible reach, then renames lots, moves lines, merges and splits lots;
//! every change is saved (a draft) and the evidence worked out again. Every form is an
//! `ActionForm`: without JavaScript it is a plain post that comes back to this page.
//! For a tender whose lots are not saved here (an imported or published notice) the plan
//! being edited travels in the page's address instead.

use crate::components::{
    flash_notice, form_errors, route_id, ErrorSummary, Field, FormScope, Notice, PageCtx,
};
use crate::error::AppError;
use crate::server_fns::tendering::{
    lots_workspace, EditLots, LotsPageData, SetLotLimits, SuggestLots,
};
use domain::forms::Flash;
use domain::tendering::dto::{ItemView, LotInput};
use domain::tendering::planner::Lot;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

pub(super) fn pounds(v: u64) -> String {
    domain::text::Gbp::new(v).to_string()
}

/// The rules, briefly, for the buyer (the planner's exact rules are in the README).
pub(super) fn rules() -> impl IntoView {
    view! {
        <details class="planner-rules">
            <summary>"How the planner counts"</summary>
            <dl>
                <dt>"Covers"</dt>
                <dd>"A supplier covers a line when one of its CPV codes is the line's code, a broader code above it or a narrower code below it."</dd>
                <dt>"Serves"</dt>
                <dd>"It serves a line's place when the line has no delivery postcode, or the supplier names that outcode, or it lies within the supplier's service radius (50 km when it states none)."</dd>
                <dt>"Eligible"</dt>
                <dd>"A published, active supplier is eligible for a lot when it covers and serves every line of the lot and the lot's value is within its maximum contract value (else half its turnover; when it states neither, it counts and the evidence says “capacity not stated”)."</dd>
                <dt>"Target"</dt>
                <dd>"A target supplier is local to your area and an SME or a social-economy organisation (co-operative, social enterprise, charity)."</dd>
                <dt>"Reach"</dt>
                <dd>"A plan's reach is how many different target suppliers are eligible for at least one lot. The planner looks for the largest reach within your constraints; on a tie, fewer lots, then the most bidders in the thinnest lot."</dd>
            </dl>
        </details>
    }
}

/// `/tenders/{id}/lots`.
#[component]
pub fn LotsPage() -> impl IntoView {
    let query = use_query_map();
    let id = route_id();
    let suggest = ServerAction::<SuggestLots>::new();
    let edit = ServerAction::<EditLots>::new();
    let limits = ServerAction::<SetLotLimits>::new();
    let data = Resource::new(
        move || (id(), query.with(|q| q.get("plan"))),
        |(id, plan)| async move {
            match id {
                Some(id) => lots_workspace(id, plan).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let ctx = PageCtx::get();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let suggested = query.with_untracked(|q| q.get("suggested"));
                match data.await {
                    Ok(d) => workspace(d, suggested, flash, suggest, edit, limits).into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Sign in"/>
                        <h1>"Plan lots"</h1>
                        <p><A href="/login">"Sign in"</A>" as a buyer to plan this tender's lots."</p>
                    }.into_any(),
                    Err(AppError::Forbidden) => view! {
                        <Title text="Plan lots"/>
                        <h1>"Plan lots"</h1>
                        <p>"Only the buyers of the organisation that owns this tender can plan its lots."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Tender not found"/>
                        <h1>"Tender not found"</h1>
                        <p>"This tender does not exist, or it is not yours to plan."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn workspace(
    d: LotsPageData,
    suggested: Option<String>,
    flash: Option<Flash>,
    suggest: ServerAction<SuggestLots>,
    edit: ServerAction<EditLots>,
    limits: ServerAction<SetLotLimits>,
) -> impl IntoView {
    let t = d.tender.clone();
    let id = t.id;
    let notice = flash_notice(&flash);
    let constraints = t.plan_constraints.unwrap_or_default();
    let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let plan_json = (!d.saves).then(|| serde_json::to_string(&d.lots).unwrap_or_default());
    let edit_errors: Vec<String> = flash
        .as_ref()
        .filter(|f| f.form == "edit_lots")
        .map(|f| f.errors.iter().map(|(_, m)| m.to_owned()).collect())
        .unwrap_or_default();
    let items = t.items.clone();
    let lot_count = d.lots.len();
    view! {
        <Title text=format!("Plan lots: {}", t.title)/>
        <h1>"Plan lots"</h1>
        <p class="lead">"Tender: "<A href=format!("/tenders/{id}")>{t.title.clone()}</A>
            {format!(" · {} line{} worth {}", t.items.len(), if t.items.len() == 1 { "" } else { "s" }, pounds(t.items_value_gbp))}</p>
        {(!d.saves).then(|| view! {
            <p class="hint">"This tender's lots are not saved here (an imported or published notice): the plan you edit stays in this page's address. Bookmark it to keep it."</p>
        })}
        <Notice text=notice/>
        {rules()}
        <section aria-labelledby="constraints-title">
            <h2 id="constraints-title">"Constraints"</h2>
            <FormScope ctx=form_errors("suggest_lots", flash.clone())>
                <ActionForm action=suggest>
                    <ErrorSummary/>
                    <input type="hidden" name="id" value=id/>
                    <Field name="max_lots" label="Most lots" hint="Blank: 10" inputmode="numeric"
                        value=opt(constraints.max_lots.map(u64::from))/>
                    <Field name="min_lot_value_gbp" label="Smallest lot value (£)" hint="Blank: £0" inputmode="numeric"
                        value=opt(constraints.min_lot_value_gbp)/>
                    <Field name="min_bidders_per_lot" label="Fewest eligible bidders per lot" hint="Suppliers of any kind; blank: 3" inputmode="numeric"
                        value=opt(constraints.min_bidders_per_lot.map(u64::from))/>
                    <button type="submit" class="button">"Suggest lots"</button>
                    <p class="hint">"A suggestion replaces the lots you are editing."</p>
                </ActionForm>
            </FormScope>
        </section>
        {match suggested.as_deref() {
            Some("exact") => Some(view! { <p class="plan-kind" role="status">"This suggestion is exact: no split within your constraints reaches more target suppliers."</p> }.into_any()),
            Some("heuristic") => Some(view! { <p class="plan-kind" role="status">"This suggestion is heuristic (more than 10 lines): a good split, not proven the best."</p> }.into_any()),
            _ => None,
        }}
        <section aria-labelledby="plan-title">
            <h2 id="plan-title">"Your lots"</h2>
            {(!edit_errors.is_empty()).then(|| view! {
                <div class="error-summary" role="alert">
                    <h3>"That change could not be made"</h3>
                    <ul>{edit_errors.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                </div>
            })}
            {match d.evaluation.clone() {
                None => view! {
                    <p>"No lots yet. Suggest lots above, or start from one lot holding every line and split it yourself."</p>
                    <ActionForm action=edit>
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="op" value="single"/>
                        {plan_json.clone().map(|p| view! { <input type="hidden" name="plan" value=p/> })}
                        <button type="submit" class="button">"Start from one lot"</button>
                    </ActionForm>
                }.into_any(),
                Some(ev) => view! {
                    <dl class="summary plan-reach">
                        <dt>"This plan reaches"</dt>
                        <dd>{format!("{} local SMEs and social-economy suppliers", ev.reach)}</dd>
                        <dt>"One single lot would reach"</dt>
                        <dd>{ev.reach_single_lot}</dd>
                        <dt>"Best possible reach (one lot per line)"</dt>
                        <dd>{ev.upper_bound}</dd>
                    </dl>
                    {(!ev.warnings.is_empty()).then(|| view! {
                        <h3>"What this plan breaks"</h3>
                        <ul class="plan-warnings">
                            {ev.warnings.iter().map(|w| view! { <li>{w.message.clone()}</li> }).collect_view()}
                        </ul>
                    })}
                    {d.lots.iter().enumerate().map(|(k, lot)| {
                        let evidence = ev.lots.get(k).cloned();
                        lot_section(id, k + 1, lot, evidence, &d.lots, &items, plan_json.clone(), edit)
                    }).collect_view()}
                }.into_any(),
            }}
        </section>
        {d.saves.then(|| view! {
            <section aria-labelledby="limits-title">
                <h2 id="limits-title">"Limits per supplier"</h2>
                <FormScope ctx=form_errors("lot_limits", flash.clone())>
                    <ActionForm action=limits>
                        <ErrorSummary/>
                        <input type="hidden" name="id" value=id/>
                        <Field name="max_lots_bid_per_supplier" label="Most lots one supplier may bid for" hint="Blank: no limit" inputmode="numeric"
                            value=t.max_lots_bid_per_supplier.map(|v| v.to_string()).unwrap_or_default()/>
                        <Field name="max_lots_won_per_supplier" label="Most lots one supplier may win" hint="Blank: no limit" inputmode="numeric"
                            value=t.max_lots_won_per_supplier.map(|v| v.to_string()).unwrap_or_default()/>
                        <button type="submit" class="button">"Save limits"</button>
                    </ActionForm>
                </FormScope>
            </section>
            <p><A href=format!("/tenders/{id}/publish")>{if lot_count > 0 { "Publish with these lots" } else { "Publish" }}</A></p>
        })}
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a lot's section needs the whole plan and the forms' shared parts"
)]
fn lot_section(
    id: i64,
    n: usize,
    lot: &LotInput,
    evidence: Option<Lot>,
    all: &[LotInput],
    items: &[ItemView],
    plan_json: Option<String>,
    edit: ServerAction<EditLots>,
) -> impl IntoView {
    let title = evidence
        .as_ref()
        .map(|e| e.title.clone())
        .filter(|t| !t.is_empty())
        .or_else(|| (!lot.title.is_empty()).then(|| lot.title.clone()))
        .unwrap_or_else(|| format!("Lot {n}"));
    let lines: Vec<ItemView> = lot
        .items
        .iter()
        .filter_map(|i| items.iter().find(|it| it.id == *i).cloned())
        .collect();
    let others: Vec<(usize, String)> = all
        .iter()
        .enumerate()
        .filter(|(k, _)| k + 1 != n)
        .map(|(k, l)| {
            let t = if l.title.is_empty() {
                format!("Lot {}", k + 1)
            } else {
                format!("Lot {}: {}", k + 1, l.title)
            };
            (k + 1, t)
        })
        .collect();
    let hidden = |plan_json: Option<String>| {
        view! {
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="lot" value=n/>
            {plan_json.map(|p| view! { <input type="hidden" name="plan" value=p/> })}
        }
    };
    let (h_rename, h_move, h_merge, h_split) = (
        hidden(plan_json.clone()),
        hidden(plan_json.clone()),
        hidden(plan_json.clone()),
        hidden(plan_json),
    );
    let line_options: Vec<(i64, String)> = lines
        .iter()
        .map(|i| (i.id, format!("Line {}: {}", i.position, i.description)))
        .collect();
    let (others_move, others_merge) = (others.clone(), others.clone());
    let split_lines = line_options.clone();
    let lot_title = lot.title.clone();
    let move_merge = (!others.is_empty()).then(move || view! {
        <ActionForm action=edit attr:class="lot-edit">
            {h_move}
            <input type="hidden" name="op" value="move"/>
            <label for=format!("lot-{n}-line")>"Line to move"</label>
            <select id=format!("lot-{n}-line") name="lines[]">
                {line_options.into_iter().map(|(v, l)| view! { <option value=v>{l}</option> }).collect_view()}
            </select>
            <label for=format!("lot-{n}-to")>"Move it to"</label>
            <select id=format!("lot-{n}-to") name="to">
                {others_move.into_iter().map(|(k, t)| view! { <option value=k>{t}</option> }).collect_view()}
            </select>
            <button type="submit" class="button">"Move line"</button>
        </ActionForm>
        <ActionForm action=edit attr:class="lot-edit">
            {h_merge}
            <input type="hidden" name="op" value="merge"/>
            <label for=format!("lot-{n}-other")>{format!("Lot to merge into lot {n}")}</label>
            <select id=format!("lot-{n}-other") name="to">
                {others_merge.into_iter().map(|(k, t)| view! { <option value=k>{t}</option> }).collect_view()}
            </select>
            <button type="submit" class="button">"Merge lots"</button>
        </ActionForm>
    });
    let split = (lines.len() > 1).then(move || {
        view! {
            <ActionForm action=edit attr:class="lot-edit">
                {h_split}
                <input type="hidden" name="op" value="split"/>
                <fieldset>
                    <legend>{format!("Lines to split off lot {n} into a new lot")}</legend>
                    {split_lines.into_iter().map(|(v, l)| {
                        let cid = format!("lot-{n}-split-{v}");
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=cid.clone() name="lines[]" value=v/>
                                " "<label for=cid>{l}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">"Split lot"</button>
            </ActionForm>
        }
    });
    let rename = view! {
        <ActionForm action=edit attr:class="lot-edit">
            {h_rename}
            <input type="hidden" name="op" value="rename"/>
            <label for=format!("lot-{n}-title-input")>{format!("New title for lot {n}")}</label>
            <input id=format!("lot-{n}-title-input") name="title" type="text" maxlength="200" value=lot_title/>
            <button type="submit" class="button">"Rename"</button>
        </ActionForm>
    };
    let heading = format!("lot-{n}-title");
    view! {
        <section class="lot" aria-labelledby=heading.clone()>
            <h3 id=heading.clone()>{format!("Lot {n}: {title}")}</h3>
            <div class="table-scroll">
            <table>
                <caption>{format!("Lines in lot {n}")}</caption>
                <thead><tr><th scope="col">"Line"</th><th scope="col">"Description"</th><th scope="col">"CPV"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>
                    {lines.iter().map(|i| view! {
                        <tr>
                            <td>{i.position}</td>
                            <td>{i.description.clone()}</td>
                            <td>{i.cpv.clone().unwrap_or_default()}" "{i.cpv_label.clone().unwrap_or_default()}</td>
                            <td>{i.value_gbp.map(pounds).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
            {evidence.map(|e| view! {
                <dl class="summary lot-evidence">
                    <dt>"Value"</dt><dd>{pounds(e.value_gbp.pounds())}</dd>
                    <dt>"Eligible suppliers"</dt><dd>{e.eligible_suppliers}</dd>
                    <dt>"Target suppliers (local SME or social economy)"</dt><dd>{e.target_suppliers}</dd>
                    <dt>"Local"</dt><dd>{e.local}</dd>
                    <dt>"SMEs"</dt><dd>{e.sme}</dd>
                    <dt>"Social economy"</dt><dd>{e.social_economy}</dd>
                    <dt>"Largest capacity"</dt>
                    <dd>{e.largest_capacity_gbp.map_or_else(|| "not stated by any".to_owned(), |g| pounds(g.pounds()))}
                        {(e.capacity_not_stated > 0).then(|| format!(" ({} with capacity not stated)", e.capacity_not_stated))}</dd>
                </dl>
                {(!e.why.is_empty()).then(|| view! { <p class="hint">{e.why.clone()}</p> })}
            })}
            <div class="lot-edits">
                {rename}
                {move_merge}
                {split}
            </div>
        </section>
    }
}
