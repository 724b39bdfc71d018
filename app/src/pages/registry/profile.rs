//! The supplier's own profile: an overview and seven steps, each saved as the supplier goes.

use crate::components::{
    flash_notice, form_errors, money, ErrorSummary, Field, Notice, PageCtx, Select, TextArea,
};
use crate::components::{
    island_hydrated, legal_form_options, query_text, show_latest, typed_before_hydration,
    CpvMatches, CpvPick, CpvSearch, FormScope,
};
use crate::server_fns::accounts::{team, InviteColleague};
use crate::server_fns::registry::{
    self, AddAccreditation, AddContract, AddIdentifier, RemoveAccreditation, RemoveContract,
    RemoveCpv, RemoveIdentifier, SaveProfile, SetPublished, PROFILE_STEPS,
};
use domain::forms::Flash;
use domain::registry::dto::{CpvSuggestionView, SupplierProfile};
use domain::registry::IdScheme;
use domain::registry::{AccreditationKind, OwnershipModel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn options<T: Copy>(
    all: &[T],
    slug: fn(&T) -> &'static str,
    label: fn(&T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (slug(v).to_owned(), label(v).to_owned()))
        .collect()
}

/// Shown instead of a profile page to someone who is not a supplier user.
fn not_a_supplier() -> AnyView {
    view! {
        <p>"Sign in with a supplier account to build a profile. "
           <A href="/login?next=/profile">"Sign in"</A> " or " <A href="/signup">"register your organisation"</A> "."</p>
    }
    .into_any()
}

#[component]
fn StepNav(current: String, completeness: i16) -> impl IntoView {
    view! {
        <nav aria-label="Profile steps" class="steps">
            <p class="completeness">"Profile " {completeness} "% complete"</p>
            <ol>
                {PROFILE_STEPS.iter().enumerate().map(|(i, (slug, title))| {
                    let here = *slug == current;
                    view! {
                        <li>
                            <A href=format!("/profile/{slug}") attr:aria-current=here.then_some("step")>
                                {format!("{}. {title}", i + 1)}
                            </A>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </nav>
    }
}

#[component]
pub fn ProfileOverviewPage() -> impl IntoView {
    let profile = Resource::new(|| (), |_| registry::my_profile());
    let ctx = PageCtx::get();
    view! {
        <Title text="Your profile"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                match profile.await {
                    Ok(p) => view! {
                        <Notice text=flash_notice(&flash)/>
                        <h1>{p.name.clone()}</h1>
                        <p>{if p.published { "Your profile is published." } else { "Your profile is a draft: only you can see it until you publish it." }}</p>
                        <StepNav current=String::new() completeness=p.completeness/>
                        <p><A href="/profile/identity" attr:class="button">"Continue your profile"</A></p>
                        {p.published.then(|| view! { <p><A href=format!("/suppliers/{}", p.id)>"See your public profile"</A></p> })}
                    }.into_any(),
                    Err(_) => not_a_supplier(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ProfileStepPage() -> impl IntoView {
    let params = use_params_map();
    let step = move || params.with(|p| p.get("step").unwrap_or_default());
    let save = ServerAction::<SaveProfile>::new();
    let add_id = ServerAction::<AddIdentifier>::new();
    let rm_id = ServerAction::<RemoveIdentifier>::new();
    let rm_cpv = ServerAction::<RemoveCpv>::new();
    let add_acc = ServerAction::<AddAccreditation>::new();
    let rm_acc = ServerAction::<RemoveAccreditation>::new();
    let add_con = ServerAction::<AddContract>::new();
    let rm_con = ServerAction::<RemoveContract>::new();
    let publish = ServerAction::<SetPublished>::new();
    let invite = ServerAction::<InviteColleague>::new();
    let profile = Resource::new(|| (), |()| registry::my_profile());
    let ctx = PageCtx::get();
    let actions = StepActions {
        save,
        add_id,
        rm_id,
        rm_cpv,
        add_acc,
        rm_acc,
        add_con,
        rm_con,
        publish,
        invite,
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading your profile…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                let step = step();
                let Some((_, title)) = PROFILE_STEPS.iter().find(|(s, _)| *s == step) else {
                    return view! { <h1>"Page not found"</h1> }.into_any();
                };
                match profile.await {
                    Ok(p) => {
                        let notice = flash_notice(&flash);
                        view! {
                            <Title text=format!("{title} – your profile")/>
                            <Notice text=notice/>
                            <div class="with-sidebar">
                                <StepNav current=step.clone() completeness=p.completeness/>
                                <div class="step-body">
                                    <h1>{*title}</h1>
                                    {step_body(&step, p, flash, actions)}
                                </div>
                            </div>
                        }.into_any()
                    }
                    Err(_) => not_a_supplier(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct StepActions {
    save: ServerAction<SaveProfile>,
    add_id: ServerAction<AddIdentifier>,
    rm_id: ServerAction<RemoveIdentifier>,
    rm_cpv: ServerAction<RemoveCpv>,
    add_acc: ServerAction<AddAccreditation>,
    rm_acc: ServerAction<RemoveAccreditation>,
    add_con: ServerAction<AddContract>,
    rm_con: ServerAction<RemoveContract>,
    publish: ServerAction<SetPublished>,
    invite: ServerAction<InviteColleague>,
}

fn step_body(step: &str, p: SupplierProfile, flash: Option<Flash>, a: StepActions) -> AnyView {
    // The fields are built inside the form's scope (hence a closure), so that they find the
    // form's errors and the input kept from a no-JavaScript post.
    let save_form =
        |fields: Box<dyn FnOnce() -> AnyView + Send>, flash: Option<Flash>, step: &'static str| {
            view! {
                <FormScope ctx=form_errors("profile", flash)>
                    <ActionForm action=a.save>
                        <ErrorSummary/>
                        <input type="hidden" name="step" value=step/>
                        {fields()}
                        <button type="submit" class="button">"Save and continue"</button>
                    </ActionForm>
                </FormScope>
            }
            .into_any()
        };
    match step {
        "identity" => view! {
            {save_form(Box::new(move || view! {
                <Field name="p[name]" label="Legal name" value=p.name.clone() autocomplete="organization" required=true/>
                <Field name="p[trading_name]" label="Trading name (if different)" value=p.trading_name.clone()/>
                <Select name="p[legal_form]" label="Legal form" options=legal_form_options() value=p.legal_form.clone()/>
                <Field name="p[vat_number]" label="VAT number (optional)" value=p.vat_number.clone() hint="For example GB123456789"/>
                <Field name="p[year_founded]" label="Year founded" value=opt(p.year_founded) inputmode="numeric"/>
                // Text with a URL keyboard, not type="url": the browser would refuse "ribble.coop",
                // which is how most people write an address (https:// is added on saving).
                <Field name="p[website]" label="Website" value=p.website.clone() inputmode="url" autocomplete="url"
                    hint="For example ribble.coop"/>
                <Field name="p[email]" label="Public contact e-mail" value=p.email.clone() kind="email"/>
                <Field name="p[phone]" label="Public telephone" value=p.phone.clone() kind="tel" autocomplete="tel"/>
            }.into_any()), flash.clone(), "identity")}
            <h2>"Registered identifiers"</h2>
            <p class="hint">"Company, charity or society numbers. The platform team verifies each against its register."</p>
            <ul class="items">
                {p.identifiers.into_iter().map(|i| view! {
                    <li>
                        <span>{format!("{}-{} ({})", i.scheme, i.identifier, i.scheme_label)}</span>
                        {if i.verified { view! { <strong class="tag">"Verified"</strong> }.into_any() } else { view! { <span class="tag muted">"Not yet verified"</span> }.into_any() }}
                        <ActionForm action=a.rm_id attr:class="inline">
                            <input type="hidden" name="id" value=i.id/>
                            <button type="submit" class="link-button">"Remove"<span class="visually-hidden">{format!(" {}-{}", i.scheme, i.identifier)}</span></button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <FormScope ctx=form_errors("identifier", flash)>
                <ActionForm action=a.add_id attr:class="subform">
                    <ErrorSummary/>
                    <Select name="scheme" label="Register" options=IdScheme::ALL.iter().map(|s| (s.prefix().to_owned(), format!("{} ({})", s.label(), s.prefix()))).collect()/>
                    <Field name="identifier" label="Number" hint="For example 01234567 for Companies House, SC012345 for OSCR"/>
                    <button type="submit" class="button secondary">"Add identifier"</button>
                </ActionForm>
            </FormScope>
        }.into_any(),
        "place" => save_form(Box::new(move || view! {
            <Field name="p[address_line1]" label="Address line 1" value=p.address_line1.clone() autocomplete="address-line1"/>
            <Field name="p[address_line2]" label="Address line 2 (optional)" value=p.address_line2.clone() autocomplete="address-line2"/>
            <Field name="p[town]" label="Town or city" value=p.town.clone() autocomplete="address-level2"/>
            <Field name="p[postcode]" label="Postcode" value=opt(p.postcode.clone()) autocomplete="postal-code" hint="For example PR1 2HE"/>
            <TextArea name="p[operating_address]" label="Operating address, if different (optional)" value=p.operating_address.clone()/>
            <Field name="p[service_radius_km]" label="How far from your postcode do you work? (km)" value=opt(p.service_radius_km) inputmode="numeric"/>
            <Field name="p[service_outcodes]" label="Named areas you serve (optional)" value=p.service_outcodes.join(", ")
                hint="Postcode districts separated by commas, for example PR1, PR2, BB1"/>
        }.into_any()), flash, "place"),
        "size" => save_form(Box::new(move || view! {
            <Field name="p[employees]" label="Number of employees" value=opt(p.employees) inputmode="numeric" hint="Full-time equivalent, including owners who work in the business"/>
            <Field name="p[turnover_gbp]" label="Annual turnover (£)" value=opt(p.turnover_gbp) hint="Whole pounds, for example 450000 or 450k"/>
            <p>"Size class (worked out for you): " <strong>{p.size.clone().unwrap_or_else(|| "not yet known".into())}</strong></p>
        }.into_any()), flash, "size"),
        "social-value" => view! {
            {save_form(Box::new(move || view! {
                <Select name="p[ownership_model]" label="Ownership model" blank="Not stated"
                    options=options(OwnershipModel::ALL, |m| m.slug(), |m| m.label()) value=opt(p.ownership_model.clone())/>
                <Field name="p[local_staff_pct]" label="Staff living locally (%)" value=opt(p.local_staff_pct) inputmode="numeric"/>
                <Field name="p[local_spend_pct]" label="Spend with local suppliers (%)" value=opt(p.local_spend_pct) inputmode="numeric"
                    hint="Used to estimate your local multiplier (LM3)"/>
            }.into_any()), flash.clone(), "social-value")}
            <h2>"Accreditations"</h2>
            <ul class="items">
                {p.accreditations.into_iter().map(|acc| view! {
                    <li>
                        <span>{acc.label.clone()}</span>
                        {acc.expires_on.clone().map(|d| view! { <span class="muted">{format!(" expires {d}")}</span> })}
                        {acc.expired.then(|| view! { <strong class="tag warn">"Expired"</strong> })}
                        <ActionForm action=a.rm_acc attr:class="inline">
                            <input type="hidden" name="id" value=acc.id/>
                            <button type="submit" class="link-button">"Remove"<span class="visually-hidden">{format!(" {}", acc.label)}</span></button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <FormScope ctx=form_errors("accreditation", flash)>
                <ActionForm action=a.add_acc attr:class="subform">
                    <ErrorSummary/>
                    <Select name="kind" label="Accreditation" options=options(AccreditationKind::ALL, |k| k.slug(), |k| k.label())/>
                    <Field name="reference" label="Certificate or member number (optional)"/>
                    <Field name="expires_on" label="Expiry date (optional)" kind="date"/>
                    <button type="submit" class="button secondary">"Add accreditation"</button>
                </ActionForm>
            </FormScope>
        }.into_any(),
        "capabilities" => {
            let added: Vec<String> = p.cpv.iter().map(|c| c.code.clone()).collect();
            let suggested_except = added.clone();
            let (described, rejected) = (query_text("describe"), query_text("rejected"));
            view! {
            <h2>"What you can supply"</h2>
            <p class="hint">"Choose codes from the Common Procurement Vocabulary (CPV) that buyers use in tenders. A code covers everything below it."</p>
            <ul class="items">
                {p.cpv.into_iter().map(|c| view! {
                    <li>
                        <span><code>{c.full_code.clone()}</code> " " {c.label.clone()}
                            {(!c.path.is_empty()).then(|| view! { <span class="muted">{format!(" — in {}", c.path.join(" › "))}</span> })}</span>
                        <ActionForm action=a.rm_cpv attr:class="inline">
                            <input type="hidden" name="code" value=c.code.clone()/>
                            <button type="submit" class="link-button">"Remove"<span class="visually-hidden">{format!(" {}", c.label)}</span></button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <WhatDoYouDo described=described.clone() rejected=rejected.clone() added=added.clone()>
                <Suggestions described=described rejected=rejected added=suggested_except/>
            </WhatDoYouDo>
            <CpvPicker flash=flash.clone() added=added/>
            {save_form(Box::new(move || view! {
                <TextArea name="p[capability_statement]" label="Capability statement" value=p.capability_statement.clone()
                    hint="In plain words: what you do, for whom, and what makes you good at it."/>
                <Field name="p[keywords]" label="Keywords" value=p.keywords.join(", ") hint="Separated by commas, for example grounds maintenance, tree surgery"/>
            }.into_any()), flash, "capabilities")}
            }.into_any()
        }
        "capacity" => view! {
            {save_form(Box::new(move || view! {
                <Field name="p[max_contract_value_gbp]" label="Largest single contract you can take on (£)" value=opt(p.max_contract_value_gbp)/>
                <Field name="p[min_contract_value_gbp]" label="Smallest contract worth bidding for (£)" value=opt(p.min_contract_value_gbp)/>
            }.into_any()), flash.clone(), "capacity")}
            <h2>"Past contracts and case studies"</h2>
            <ul class="items">
                {p.contracts.into_iter().map(|c| view! {
                    <li>
                        <span><strong>{c.buyer_name.clone()}</strong> {format!(" {} {}", opt(c.year), money(c.value_gbp))} " " {c.description.clone()}</span>
                        <ActionForm action=a.rm_con attr:class="inline">
                            <input type="hidden" name="id" value=c.id/>
                            <button type="submit" class="link-button">"Remove"<span class="visually-hidden">{format!(" {}", c.buyer_name)}</span></button>
                        </ActionForm>
                    </li>
                }).collect_view()}
            </ul>
            <FormScope ctx=form_errors("contract", flash)>
                <ActionForm action=a.add_con attr:class="subform">
                    <ErrorSummary/>
                    <Field name="buyer_name" label="Buyer"/>
                    <Field name="value_gbp" label="Value (£)"/>
                    <Field name="year" label="Year" inputmode="numeric"/>
                    <TextArea name="description" label="What you delivered"/>
                    <button type="submit" class="button secondary">"Add contract"</button>
                </ActionForm>
            </FormScope>
        }.into_any(),
        _ => review(p, flash, a),
    }
}

fn review(p: SupplierProfile, flash: Option<Flash>, a: StepActions) -> AnyView {
    let team = Resource::new(|| (), |()| team());
    view! {
        <dl class="summary">
            <dt>"Legal name"</dt><dd>{p.name.clone()}</dd>
            <dt>"Legal form"</dt><dd>{p.legal_form_label.clone()}</dd>
            <dt>"Postcode"</dt><dd>{opt(p.postcode.clone())}</dd>
            <dt>"Size"</dt><dd>{opt(p.size.clone())}</dd>
            <dt>"Capabilities"</dt><dd>{p.cpv.iter().map(|c| c.label.clone()).collect::<Vec<_>>().join("; ")}</dd>
        </dl>
        <FormScope ctx=form_errors("publish", flash.clone())>
            <ActionForm action=a.publish>
                <ErrorSummary/>
                <input type="hidden" name="publish" value=(!p.published).to_string()/>
                <button type="submit" class="button">{if p.published { "Withdraw profile" } else { "Publish profile" }}</button>
            </ActionForm>
        </FormScope>
        {p.published.then(|| view! { <p>"Published. " <A href=format!("/suppliers/{}", p.id)>"See your public profile"</A></p> })}
        <h2>"Your team"</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let members = team.await.unwrap_or_default();
                view! {
                    <ul class="items">
                        {members.into_iter().map(|m| view! {
                            <li>{m.email}{m.pending.then(|| view! { <span class="tag muted">"Invited"</span> })}</li>
                        }).collect_view()}
                    </ul>
                }
            })}
        </Suspense>
        <FormScope ctx=form_errors("invite", flash)>
            <ActionForm action=a.invite attr:class="subform">
                <ErrorSummary/>
                <Field name="email" label="Invite a colleague by e-mail" kind="email"/>
                <button type="submit" class="button secondary">"Send invitation"</button>
            </ActionForm>
        </FormScope>
    }
    .into_any()
}

/// "What do you do?": a plain-language description suggests CPV codes, each with the
/// reason, to accept (adds the code to the profile) or reject (hides it). An island whose
/// children are the suggestions rendered on the server ([`Suggestions`]): without
/// JavaScript the description is a GET form and each "Reject" re-submits it with the code
/// added to the rejected list. With JavaScript the list follows the typing, fetched by the
/// browser, and rejecting is instant. "Accept" posts to the profile in both cases, and
/// comes back to the description and the other suggestions (see [`keep_in_address`]).
/// `described` and `rejected` come from the page's query, `added` is the profile's codes.
#[island]
fn WhatDoYouDo(
    described: String,
    rejected: String,
    added: Vec<String>,
    children: Children,
) -> impl IntoView {
    island_hydrated();
    // A description typed before the island came alive is kept, and suggested for.
    let rendered = described.clone();
    let (described, set_described) =
        signal(typed_before_hydration("describe").unwrap_or(described));
    let (rejected, set_rejected) = signal(codes_in(&rejected));
    // The browser's own suggestions, once the description or the rejections change.
    let live = RwSignal::new(None::<Vec<CpvSuggestionView>>);
    Effect::new(move |ran_before: Option<()>| {
        let text = described.get();
        let rejected = rejected.get();
        // At hydration the server's suggestions are for this description already.
        if ran_before.is_some() || text != rendered {
            keep_in_address(&text, &rejected);
            let mut except = added.clone();
            except.extend(rejected);
            show_latest(
                text.clone(),
                described,
                live,
                suggestions_for(text, except.join(",")),
            );
        }
    });
    let from_server = children();
    view! {
        <h3 id="describe-heading">"What do you do?"</h3>
        <form method="get" action="/profile/capabilities" class="subform" aria-labelledby="describe-heading">
            <label for="describe">"Describe your work in your own words"</label>
            <p class="hint" id="describe-hint">"For example “we prune and fell trees and grind stumps for councils and housing associations”. We suggest the codes buyers use for it; you choose which to add."</p>
            <textarea id="describe" name="describe" rows="3" aria-describedby="describe-hint"
                prop:value=move || described.get()
                on:input=move |ev| set_described.set(event_target_value(&ev))>{described.get_untracked()}</textarea>
            <input type="hidden" name="rejected" prop:value=move || rejected.get().join(",")
                value=rejected.get_untracked().join(",")/>
            <button type="submit" class="button secondary">"Suggest codes"</button>
        </form>
        <div aria-live="polite" class="cpv-results" data-testid="cpv-suggestions">
            <div hidden=move || live.with(Option::is_some)>{from_server}</div>
            {move || live.get().map(|found| {
                suggestion_list(&described.get_untracked(), found, &rejected.get_untracked(), Some(set_rejected))
            })}
        </div>
    }
}

/// Puts the description and the rejected codes into the page's address as the supplier
/// types (JavaScript only), where the GET form would put them: "Accept" posts and comes
/// back to this address, so the description and the other suggestions are still there.
fn keep_in_address(described: &str, rejected: &[String]) {
    #[cfg(feature = "hydrate")]
    {
        let Ok(url) = window()
            .location()
            .href()
            .and_then(|href| web_sys::Url::new(&href))
        else {
            return;
        };
        let query = url.search_params();
        query.set("describe", described);
        query.set("rejected", &rejected.join(","));
        if let Ok(history) = window().history() {
            let _ =
                history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url.href()));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (described, rejected);
}

/// The codes of a comma-separated list.
fn codes_in(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The suggestions for the page's description, rendered on the server: a [`WhatDoYouDo`]'s
/// list before the browser takes over (and the whole of it without JavaScript).
#[component]
fn Suggestions(described: String, rejected: String, added: Vec<String>) -> impl IntoView {
    let rejected = codes_in(&rejected);
    let mut except = added;
    except.extend(rejected.iter().cloned());
    let text = described.clone();
    let found = Resource::new(
        || (),
        move |()| suggestions_for(text.clone(), except.join(",")),
    );
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (described, rejected) = (described.clone(), rejected.clone());
                Suspend::new(async move {
                    let found = found.await.unwrap_or_default();
                    suggestion_list(&described, found, &rejected, None)
                })
            }}
        </Suspense>
    }
}

/// Whether a description says enough to suggest codes for (two words at least).
fn describes(text: &str) -> bool {
    text.split_whitespace().count() >= 2
}

/// The codes suggested for a description (none for one too short), leaving out `except`
/// (comma-separated): what the server renders first and what the browser fetches as the
/// supplier types.
async fn suggestions_for(
    text: String,
    except: String,
) -> Result<Vec<CpvSuggestionView>, crate::error::AppError> {
    if describes(&text) {
        registry::suggest_cpv(text, except).await
    } else {
        Ok(Vec::new())
    }
}

/// The suggested codes for `text`, each with "Accept" (a post to the profile) and "Reject"
/// (a GET of the page with the code added to `rejected`; with `reject` set, the browser
/// hides it at once instead).
fn suggestion_list(
    text: &str,
    found: Vec<CpvSuggestionView>,
    rejected: &[String],
    reject: Option<WriteSignal<Vec<String>>>,
) -> impl IntoView {
    use leptos::either::EitherOf3;
    use server_fn::ServerFn;
    if !describes(text) {
        return EitherOf3::A(view! { <span></span> });
    }
    if found.is_empty() {
        return EitherOf3::B(
            view! { <p>"No suggestions for that description. Say what you do and for whom, or find a code by its words below."</p> },
        );
    }
    EitherOf3::C(view! {
        <p>{format!("{} suggested codes:", found.len())}</p>
        <ul class="items">
            {found.into_iter().map(|s| {
                let code = s.cpv.code.clone();
                let mut with_this = rejected.to_vec();
                with_this.push(code.clone());
                let on_reject = move |ev: leptos::ev::SubmitEvent| {
                    if let Some(reject) = reject {
                        ev.prevent_default();
                        let code = code.clone();
                        reject.update(|r| r.push(code));
                    }
                };
                view! {
                <li>
                    <span><code>{s.cpv.full_code.clone()}</code> " " {s.cpv.label.clone()}
                        <span class="muted">{format!(" — {}", s.reason)}</span></span>
                    <span class="inline-fields">
                        <form method="post" action=registry::AddCpv::url() class="inline">
                            <input type="hidden" name="code" value=s.cpv.code.clone()/>
                            <button type="submit" class="button small">"Accept"<span class="visually-hidden">{format!(" {}", s.cpv.label)}</span></button>
                        </form>
                        <form method="get" action="/profile/capabilities" class="inline" on:submit=on_reject>
                            <input type="hidden" name="describe" value=text.to_owned()/>
                            <input type="hidden" name="rejected" value=with_this.join(",")/>
                            <button type="submit" class="link-button">"Reject"<span class="visually-hidden">{format!(" {}", s.cpv.label)}</span></button>
                        </form>
                    </span>
                </li>
            }}).collect_view()}
        </ul>
    })
}

/// Search-and-add for CPV codes: the errors of adding one, then the shared [`CpvSearch`],
/// each match with its "Add" button (or "Added").
#[component]
fn CpvPicker(flash: Option<Flash>, added: Vec<String>) -> impl IntoView {
    let cpv_q = query_text("cpv_q");
    view! {
        <FormScope ctx=form_errors("cpv", flash)>
            <ErrorSummary/>
        </FormScope>
        <CpvSearch action="/profile/capabilities".to_owned() pick=CpvPick::AddToProfile { added: added.clone() }
            initial=cpv_q.clone()
            label="Find a capability by words or code".to_owned()
            hint="For example “grounds maintenance” or 7731".to_owned() keep=None>
            <CpvMatches query=cpv_q pick=CpvPick::AddToProfile { added }/>
        </CpvSearch>
    }
}
