//! Buyers' shortlists and saved searches, and the small controls the search results and
//! supplier pages use to feed them. Every form posts straight to its server function, so
//! all of it works without JavaScript.

use crate::components::{
    flash_notice, form_errors, route_id, ErrorSummary, Field, FormScope, Notice, PageCtx, Select,
};
use crate::error::AppError;
use crate::server_fns::registry::{
    self, add_form_name, AddToShortlist as AddToShortlistFn, CreateShortlist, DeleteSavedSearch,
    DeleteShortlist, RemoveFromShortlist, SaveSearch, ShareShortlist,
};
use domain::accounts::dto::CurrentUser;
use domain::forms::Flash;
use domain::registry::dto::ShortlistSummary;
use domain::registry::LegalForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

fn is_buyer(user: &Option<CurrentUser>) -> bool {
    user.as_ref()
        .is_some_and(|u| u.actor.buyer_organisation().is_some())
}

fn legal_form_label(slug: &str) -> String {
    LegalForm::from_slug(slug).map_or_else(|| slug.to_owned(), |f| f.label().to_owned())
}

fn not_for_you() -> AnyView {
    view! {
        <p>"Shortlists and saved searches are for public buyers. "
           <A href="/login?next=/shortlists">"Sign in"</A> " or " <A href="/buyers/request-access">"ask for buyer access"</A> "."</p>
    }
    .into_any()
}

/// `/shortlists`: the buyer's shortlists (their own and those colleagues share), a form to
/// start one, and their saved searches.
#[component]
pub fn ShortlistsPage() -> impl IntoView {
    let create = ServerAction::<CreateShortlist>::new();
    let delete_saved = ServerAction::<DeleteSavedSearch>::new();
    let lists = Resource::new(|| (), |()| registry::my_shortlists());
    let saved = Resource::new(|| (), |()| registry::my_saved_searches());
    let ctx = PageCtx::get();
    view! {
        <Title text="Shortlists"/>
        <h1>"Shortlists and saved searches"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                if !is_buyer(&user) {
                    return not_for_you();
                }
                let org = user.as_ref().and_then(|u| u.organisation_name.clone()).unwrap_or_else(|| "your organisation".into());
                let lists = lists.await;
                let saved = saved.await;
                let notice = flash_notice(&flash);
                view! {
                    <Notice text=notice/>
                    <section aria-labelledby="lists-title">
                        <h2 id="lists-title">"Shortlists"</h2>
                        {match lists {
                            Ok(lists) if lists.is_empty() => view! {
                                <p>"You have no shortlists yet. Start one below, or use “Add to shortlist” on a search result or a supplier's page."</p>
                            }.into_any(),
                            Ok(lists) => shortlist_table(lists).into_any(),
                            Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                        }}
                    </section>
                    <section aria-labelledby="new-list-title">
                        <h2 id="new-list-title">"Start a shortlist"</h2>
                        <FormScope ctx=form_errors("create_shortlist", flash.clone())>
                            <ActionForm action=create>
                                <ErrorSummary/>
                                <Field name="name" label="Name" hint="For example “Grounds maintenance 2027 – local co-ops”" required=true/>
                                <div class="field">
                                    <input type="checkbox" id="create-shortlist-shared" name="shared" value="true"/>
                                    " "
                                    <label for="create-shortlist-shared" class="checkbox-label">{format!("Share with colleagues at {org}")}</label>
                                </div>
                                <button type="submit" class="button">"Create shortlist"</button>
                            </ActionForm>
                        </FormScope>
                    </section>
                    <section aria-labelledby="saved-title">
                        <h2 id="saved-title">"Saved searches"</h2>
                        {match saved {
                            Ok(saved) if saved.is_empty() => view! {
                                <p>"No saved searches. Use “Save this search” on the " <A href="/suppliers">"search page"</A> "."</p>
                            }.into_any(),
                            Ok(saved) => view! {
                                <ul class="items saved-searches">
                                    {saved.into_iter().map(|s| {
                                        let run = format!("/suppliers?{}", s.query);
                                        let export = format!("/suppliers/export.csv?{}", s.query);
                                        let name = s.name.clone();
                                        view! {
                                            <li>
                                                <a href=run>{s.name.clone()}</a>
                                                <span class="muted">{format!(" saved {}", s.created_at)}</span>
                                                " · "
                                                <a href=export download="" rel="external">"Export CSV"<span class="visually-hidden">{format!(" of {name}")}</span></a>
                                                <ActionForm action=delete_saved attr:class="inline">
                                                    <input type="hidden" name="id" value=s.id/>
                                                    <button type="submit" class="link-button">"Delete"<span class="visually-hidden">{format!(" saved search {}", s.name)}</span></button>
                                                </ActionForm>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                        }}
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}

fn shortlist_table(lists: Vec<ShortlistSummary>) -> impl IntoView {
    view! {
        <table class="shortlists">
            <caption class="visually-hidden">"Your shortlists and those your colleagues share"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Suppliers"</th>
                    <th scope="col">"Seen by"</th>
                    <th scope="col">"Created by"</th>
                    <th scope="col">"Last changed"</th>
                    <th scope="col"><span class="visually-hidden">"Download"</span></th>
                </tr>
            </thead>
            <tbody>
                {lists.into_iter().map(|l| { let label = l.name.clone(); view! {
                    <tr>
                        <th scope="row"><A href=format!("/shortlists/{}", l.id)>{label}</A></th>
                        <td>{l.items}</td>
                        <td>{if l.shared { "Your colleagues" } else { "Only you" }}</td>
                        <td>{if l.mine { "You".to_owned() } else { l.created_by.clone() }}</td>
                        <td>{l.updated_at.clone()}</td>
                        <td><a href=format!("/shortlists/{}/export.csv", l.id) download="" rel="external">"Export CSV"<span class="visually-hidden">{format!(" of {}", l.name)}</span></a></td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
    }
}

/// `/shortlists/:id`: one shortlist, its suppliers, sharing and export.
#[component]
pub fn ShortlistPage() -> impl IntoView {
    let id = route_id();
    let remove = ServerAction::<RemoveFromShortlist>::new();
    let share = ServerAction::<ShareShortlist>::new();
    let delete = ServerAction::<DeleteShortlist>::new();
    let list = Resource::new(id, |id| async move {
        match id {
            Some(id) => registry::get_shortlist(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let ctx = PageCtx::get();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                if !is_buyer(&user) {
                    return view! { <Title text="Shortlist"/> <h1>"Shortlist"</h1> {not_for_you()} }.into_any();
                }
                let notice = flash_notice(&flash);
                match list.await {
                    Err(_) => view! {
                        <Title text="Shortlist not found"/>
                        <h1>"Shortlist not found"</h1>
                        <p>"This shortlist does not exist, or it is not shared with you. " <A href="/shortlists">"Your shortlists"</A></p>
                    }.into_any(),
                    Ok(v) => {
                        let s = v.summary;
                        let id = s.id;
                        let name = s.name.clone();
                        view! {
                            <Title text=s.name.clone()/>
                            <p><A href="/shortlists">"All shortlists"</A></p>
                            <h1>{s.name.clone()}</h1>
                            <Notice text=notice/>
                            <p class="muted">
                                {format!("{} supplier{} · ", s.items, if s.items == 1 { "" } else { "s" })}
                                {if s.shared { "Shared with your colleagues" } else { "Private to its creator" }}
                                {format!(" · created by {} · last changed {}", if s.mine { "you".to_owned() } else { s.created_by.clone() }, s.updated_at)}
                            </p>
                            <p>
                                <a href=format!("/shortlists/{id}/export.csv") class="button secondary" download="" rel="external">
                                    "Export CSV"<span class="visually-hidden">{format!(" of {name}")}</span>
                                </a>
                            </p>
                            {s.mine.then(|| view! {
                                <ActionForm action=share>
                                    <input type="hidden" name="id" value=id/>
                                    <input type="hidden" name="shared" value=if s.shared { "false" } else { "true" }/>
                                    <button type="submit" class="button secondary">
                                        {if s.shared { "Make private" } else { "Share with colleagues" }}
                                    </button>
                                </ActionForm>
                            })}
                            {if v.entries.is_empty() {
                                view! { <p>"No suppliers yet. Add them from the " <A href="/suppliers">"search results"</A> "."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="shortlist">
                                        <caption class="visually-hidden">{format!("Suppliers on {name}")}</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"Supplier"</th>
                                                <th scope="col">"Legal form"</th>
                                                <th scope="col">"Size"</th>
                                                <th scope="col">"Based in"</th>
                                                <th scope="col">"Added"</th>
                                                <th scope="col"><span class="visually-hidden">"Remove"</span></th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {v.entries.into_iter().map(|e| { let label = e.name.clone(); view! {
                                                <tr>
                                                    <th scope="row">
                                                        <A href=format!("/suppliers/{}", e.supplier_id)>{label}</A>
                                                        {(!e.listed).then(|| view! { " " <strong class="tag warn">"No longer listed"</strong> })}
                                                    </th>
                                                    <td>{legal_form_label(&e.legal_form)}</td>
                                                    <td>{e.size.clone().unwrap_or_else(|| "—".into())}</td>
                                                    <td>{format!("{} {}", e.town, e.postcode.clone().unwrap_or_default())}</td>
                                                    <td>{e.added_at.clone()}</td>
                                                    <td>
                                                        <ActionForm action=remove attr:class="inline">
                                                            <input type="hidden" name="id" value=id/>
                                                            <input type="hidden" name="supplier_id" value=e.supplier_id/>
                                                            <button type="submit" class="link-button">"Remove"<span class="visually-hidden">{format!(" {} from this shortlist", e.name)}</span></button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }}).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            {s.mine.then(|| view! {
                                <h2>"Delete"</h2>
                                <ActionForm action=delete>
                                    <input type="hidden" name="id" value=id/>
                                    <button type="submit" class="button secondary">"Delete this shortlist"</button>
                                </ActionForm>
                            })}
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The shortlists the "Add to shortlist" controls of one page offer, loaded once per page
/// and reloaded after a control adds to (perhaps a new) shortlist.
#[derive(Clone, Copy)]
pub struct ShortlistOptions {
    lists: Resource<Result<Vec<ShortlistSummary>, AppError>>,
}

/// Loads the buyer's shortlists for the "Add to shortlist" controls of this page.
pub fn provide_shortlist_options() {
    let lists = Resource::new(|| (), |()| registry::shortlist_choices());
    provide_context(ShortlistOptions { lists });
}

/// "Add to shortlist" for one supplier, shown to buyers only: choose a shortlist or name a
/// new one. Needs [`provide_shortlist_options`] on the page. `user` and `flash` are the
/// page's (the page has loaded them already): awaiting the page context here again would
/// race the page's own re-render on every navigation, and a control whose owner is
/// disposed meanwhile would panic when its wait ends.
#[component]
pub fn AddToShortlist(
    supplier_id: i64,
    #[prop(into)] supplier_name: String,
    user: Option<CurrentUser>,
    flash: Option<Flash>,
) -> impl IntoView {
    let options = use_context::<ShortlistOptions>().filter(|_| is_buyer(&user))?;
    let action = ServerAction::<AddToShortlistFn>::new();
    let form = add_form_name(supplier_id);
    let flash = flash.filter(|f| f.form == form);
    let open = flash.is_some();
    let notice = flash_notice(&flash);
    let errors = form_errors(&form, flash);
    Some(view! {
        <Suspense fallback=|| ()>
            {move || {
                let supplier_name = supplier_name.clone();
                let errors = errors.clone();
                let notice = notice.clone();
                Suspend::new(async move {
                    let lists = options.lists.await.unwrap_or_default();
                    let mut choices: Vec<(String, String)> = lists.into_iter().map(|l| (l.id.to_string(), l.name)).collect();
                    choices.push(("new".into(), "A new shortlist (name it below)".into()));
                    let chosen = choices.first().map(|(v, _)| v.clone()).unwrap_or_default();
                    view! {
                        <details class="add-to-shortlist" open=open>
                            <summary>"Add to shortlist"<span class="visually-hidden">{format!(": {supplier_name}")}</span></summary>
                            <Notice text=notice/>
                            <FormScope ctx=errors>
                                <ActionForm action>
                                    <ErrorSummary/>
                                    <input type="hidden" name="supplier_id" value=supplier_id/>
                                    <Select name="shortlist_id" label="Shortlist" options=choices value=chosen/>
                                    <Field name="new_name" label="Name for a new shortlist" hint="Only needed if you chose a new shortlist"/>
                                    <button type="submit" class="button small">"Add"<span class="visually-hidden">{format!(" {supplier_name} to the shortlist")}</span></button>
                                </ActionForm>
                            </FormScope>
                        </details>
                    }
                })
            }}
        </Suspense>
    })
}

/// "Export CSV" and "Save this search" for the search results on the page, shown to buyers.
/// `user` and `flash` are the page's (see [`AddToShortlist`] for why they are not awaited here).
#[component]
pub fn SearchActions(total: u64, user: Option<CurrentUser>, flash: Option<Flash>) -> impl IntoView {
    if !is_buyer(&user) {
        return None;
    }
    let save = ServerAction::<SaveSearch>::new();
    let query = use_location()
        .search
        .get_untracked()
        .trim_start_matches('?')
        .to_owned();
    let flash = flash.filter(|f| f.form == "save_search");
    let open = flash.is_some();
    let notice = flash_notice(&flash);
    let export = format!("/suppliers/export.csv?{query}");
    Some(view! {
        <div class="search-actions">
            <Notice text=notice/>
            <p>
                <a href=export class="button secondary small" download="" rel="external">
                    "Export CSV"<span class="visually-hidden">{format!(" of all {total} results")}</span>
                </a>
            </p>
            <details open=open>
                <summary>"Save this search"</summary>
                <FormScope ctx=form_errors("save_search", flash)>
                    <ActionForm action=save>
                        <ErrorSummary/>
                        <input type="hidden" name="query" value=query/>
                        <Field name="name" label="Name for this search" required=true/>
                        <button type="submit" class="button small">"Save search"</button>
                    </ActionForm>
                </FormScope>
            </details>
        </div>
    })
}
