//! Building blocks shared by the pages: the header, form fields that show their error
//! beside them and keep the user's input, the error summary, notices.

use crate::error::AppError;
use crate::server_fns::accounts::SignOut;
use domain::accounts::dto::CurrentUser;
use domain::accounts::Role;
use domain::forms::Flash;
use domain::registry::dto::CpvView;
use domain::registry::LegalForm;
use domain::validation::FieldErrors;
use leptos::context::Provider;
use leptos::either::{Either, EitherOf3, EitherOf4};
use leptos::prelude::*;
use leptos_router::components::A;

/// Who is signed in and the pending flash, loaded once per navigation.
#[derive(Clone, Copy)]
pub struct PageCtx(pub Resource<Result<PageContext, AppError>>);

/// The signed-in user and this page's pending flash.
pub type PageContext = (Option<CurrentUser>, Option<Flash>);

impl PageCtx {
    /// The page context; panics only if used outside `App`, a programming error.
    pub fn get() -> Self {
        expect_context::<Self>()
    }

    /// Waits for the user and flash.
    pub async fn load(&self) -> (Option<CurrentUser>, Option<Flash>) {
        self.0.await.unwrap_or((None, None))
    }
}

/// Errors and kept input for the form being rendered.
#[derive(Clone)]
pub struct FormCtx {
    pub name: String,
    pub flash: Option<Flash>,
    pub errors: Signal<FieldErrors>,
}

/// The field errors a post of this form left in the flash (its page is rendered again with
/// them and the input as typed).
pub fn form_errors(form: &str, flash: Option<Flash>) -> FormCtx {
    let flash = flash.filter(|f| f.form == form || f.form == "*");
    let errors = flash.as_ref().map(|f| f.errors.clone()).unwrap_or_default();
    FormCtx {
        name: form.to_owned(),
        flash,
        errors: Signal::stored(errors),
    }
}

/// `p[name]` → `name`: services name fields without the form's nesting.
fn error_key(name: &str) -> &str {
    match (name.find('['), name.rfind(']')) {
        (Some(a), Some(b)) if b > a => &name[a + 1..b],
        _ => name,
    }
}

fn field_id(form: &str, name: &str) -> String {
    format!("{form}-{}", error_key(name).replace('_', "-"))
}

/// The error summary at the top of a form (GOV.UK pattern): focusable, links to each field.
#[component]
pub fn ErrorSummary() -> impl IntoView {
    let ctx = expect_context::<FormCtx>();
    let form = ctx.name.clone();
    let errors = ctx.errors;
    move || {
        let errs = errors.get();
        (!errs.is_empty()).then(|| {
            let form = form.clone();
            view! {
                <div class="error-summary" role="alert" tabindex="-1" aria-labelledby=format!("{form}-error-title")>
                    <h2 id=format!("{form}-error-title")>"There is a problem"</h2>
                    <ul>
                        {errs.iter().map(|(field, msg)| {
                            let msg = msg.to_owned();
                            if field == "form" {
                                view! { <li>{msg}</li> }.into_any()
                            } else {
                                let href = format!("#{}", field_id(&form, field));
                                view! { <li><a href=href>{msg}</a></li> }.into_any()
                            }
                        }).collect_view()}
                    </ul>
                </div>
            }
        })
    }
}

fn kept_value(ctx: &Option<FormCtx>, name: &str, value: String) -> String {
    ctx.as_ref()
        .and_then(|c| c.flash.as_ref())
        .and_then(|f| f.values.get(name).cloned())
        .unwrap_or(value)
}

/// A labelled input with hint and error beside it; the user's input is kept after an error.
#[component]
pub fn Field(
    name: &'static str,
    label: &'static str,
    #[prop(into, optional)] value: String,
    #[prop(optional)] hint: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional)] inputmode: &'static str,
) -> impl IntoView {
    let ctx = use_context::<FormCtx>();
    let form = ctx.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let id = field_id(&form, name);
    let value = if kind == "password" {
        String::new()
    } else {
        kept_value(&ctx, name, value)
    };
    let errors = ctx.as_ref().map(|c| c.errors);
    let error = move || errors.and_then(|e| e.with(|e| e.get(error_key(name)).map(str::to_owned)));
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut parts = Vec::new();
            if !hint.is_empty() {
                parts.push(hint_id.clone());
            }
            if error().is_some() {
                parts.push(error_id.clone());
            }
            (!parts.is_empty()).then(|| parts.join(" "))
        }
    };
    view! {
        <div class="field" class:field-has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {move || error().map(|e| view! {
                <p class="error-message" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <input
                id=id
                name=name
                type=kind
                value=value
                required=required
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                inputmode=(!inputmode.is_empty()).then_some(inputmode)
                aria-invalid=move || error().is_some().then_some("true")
                aria-describedby=described
            />
        </div>
    }
}

/// A labelled multi-line text box.
#[component]
pub fn TextArea(
    name: &'static str,
    label: &'static str,
    #[prop(into, optional)] value: String,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    let ctx = use_context::<FormCtx>();
    let form = ctx.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let id = field_id(&form, name);
    let value = kept_value(&ctx, name, value);
    let errors = ctx.as_ref().map(|c| c.errors);
    let error = move || errors.and_then(|e| e.with(|e| e.get(error_key(name)).map(str::to_owned)));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            {move || error().map(|e| view! {
                <p class="error-message" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <textarea id=id name=name rows="6" aria-invalid=move || error().is_some().then_some("true")>{value}</textarea>
        </div>
    }
}

/// A labelled select from (value, label) pairs.
#[component]
pub fn Select(
    name: &'static str,
    label: &'static str,
    options: Vec<(String, String)>,
    #[prop(into, optional)] value: String,
    #[prop(optional)] blank: &'static str,
) -> impl IntoView {
    let ctx = use_context::<FormCtx>();
    let form = ctx.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let id = field_id(&form, name);
    let value = kept_value(&ctx, name, value);
    let errors = ctx.as_ref().map(|c| c.errors);
    let error = move || errors.and_then(|e| e.with(|e| e.get(error_key(name)).map(str::to_owned)));
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:field-has-error=move || error().is_some()>
            <label for=id.clone()>{label}</label>
            {move || error().map(|e| view! {
                <p class="error-message" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <select id=id name=name aria-invalid=move || error().is_some().then_some("true")>
                {(!blank.is_empty()).then(|| view! { <option value="">{blank}</option> })}
                {options.into_iter().map(|(v, l)| {
                    let selected = v == value;
                    view! { <option value=v selected=selected>{l}</option> }
                }).collect_view()}
            </select>
        </div>
    }
}

/// A success notice: the one a post left in the flash.
#[component]
pub fn Notice(text: Option<String>) -> impl IntoView {
    text.map(|t| view! { <div class="notice" role="status"><p>{t}</p></div> })
}

/// The notice a no-JS post left for this page.
pub fn flash_notice(flash: &Option<Flash>) -> Option<String> {
    flash.as_ref().and_then(|f| f.notice.clone())
}

/// A parameter of the page's query, or "".
pub fn query_text(name: &str) -> String {
    leptos_router::hooks::use_query_map().with_untracked(|q| q.get(name).unwrap_or_default())
}

/// The `:id` of the page's route as a number (`None` when it is not one: the page then
/// says "not found"), read reactively.
pub fn route_id() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()))
}

/// The site header with navigation for the signed-in role.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let ctx = PageCtx::get();
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="site-header">
            <div class="container header-inner">
                <A href="/" attr:class="brand">"Anchorlink"</A>
                <nav aria-label="Main">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            let (user, _) = ctx.load().await;
                            match user {
                                Some(u) => view! {
                                    <ul class="nav">
                                        {u.actor.is(Role::Supplier).then(|| view! { <li><A href="/profile">"Your profile"</A></li> })}
                                        // opportunities (issue 12)
                                        {u.actor.is(Role::Supplier).then(|| view! { <li><A href="/opportunities">"Opportunities"</A></li> })}
                                        {u.actor.can_search().then(|| view! { <li><A href="/suppliers">"Find suppliers"</A></li> })}
                                        {u.actor.is(Role::Buyer).then(|| view! { <li><A href="/shortlists">"Shortlists"</A></li> })}
                                        {u.actor.is(Role::Buyer).then(|| view! { <li><A href="/tenders">"Tenders"</A></li> })}
                                        // spend analysis and registry figures (issue 9)
                                        {u.actor.is(Role::Buyer).then(|| view! { <li><A href="/spend">"Spend"</A></li> })}
                                        <li><A href="/figures">"Figures"</A></li>
                                        {u.actor.is(Role::Admin).then(|| view! { <li><A href="/admin">"Admin"</A></li> })}
                                        <li class="nav-user">{u.email.clone()}</li>
                                        <li>
                                            <ActionForm action=sign_out attr:class="inline">
                                                <button type="submit" class="link-button">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                }.into_any(),
                                None => view! {
                                    <ul class="nav">
                                        <li><A href="/signup">"Register your organisation"</A></li>
                                        <li><A href="/login">"Sign in"</A></li>
                                        // registry figures (issue 9)
                                        <li><A href="/figures">"Figures"</A></li>
                                    </ul>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                </nav>
            </div>
        </header>
    }
}

/// Formats whole pounds as "£1,200,000".
pub fn money(v: Option<i64>) -> String {
    match v {
        Some(v) => domain::text::Gbp::new(u64::try_from(v).unwrap_or(0)).to_string(),
        None => "—".into(),
    }
}

/// Provides a form's errors and kept input to the fields inside it, and only to them: the
/// context lives in a child owner, so it neither leaks to sibling forms nor outlives a
/// re-render (a leaked context whose signals were disposed made later fields panic).
#[component]
pub fn FormScope(ctx: FormCtx, children: Children) -> impl IntoView {
    view! { <Provider value=ctx>{children()}</Provider> }
}

/// The legal forms as (slug, label) choices for a select box.
pub fn legal_form_options() -> Vec<(String, String)> {
    LegalForm::ALL
        .iter()
        .map(|f| (f.slug().to_owned(), f.label().to_owned()))
        .collect()
}

/// What each match of a [`CpvSearch`] offers: data, not a closure, because the search is
/// an island whose props travel to the browser as JSON.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CpvPick {
    /// The profile's capabilities: "Add" posts the code to the profile ("Added" for the
    /// codes in `added`).
    AddToProfile { added: Vec<String> },
    /// The tender editor: "Use for line N" puts the code into the line being edited
    /// (JavaScript only; without it the buyer types the code into the line's cell).
    UseForLine,
}

/// Counts this island as hydrated in `<html data-islands-hydrated>`, once its handlers are
/// attached: browser tests wait until the count matches the page's `leptos-island`s before
/// using a page with JavaScript on.
pub fn island_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(root) = document().document_element() {
            let count = root
                .get_attribute("data-islands-hydrated")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0);
            let _ = root.set_attribute("data-islands-hydrated", &(count + 1).to_string());
        }
    });
}

/// The id of a cell of the tender editor's lines table: `line-3-value-gbp`.
#[must_use]
pub fn cell_id(row: usize, field: &str) -> String {
    format!("line-{row}-{}", field.replace('_', "-"))
}

/// The input of a cell of the tender editor's lines table, if the page has it.
#[cfg(feature = "hydrate")]
pub fn cell_input(row: usize, field: &str) -> Option<web_sys::HtmlInputElement> {
    use wasm_bindgen::JsCast;
    document()
        .get_element_by_id(&cell_id(row, field))?
        .dyn_into()
        .ok()
}

/// The row of the tender editor's lines table that an element belongs to, from its id
/// (`line-3-cpv` → 3; the reverse of [`cell_id`]).
#[must_use]
pub fn line_of_cell(id: &str) -> Option<usize> {
    id.strip_prefix("line-")?.split_once('-')?.0.parse().ok()
}

/// Search-and-pick for CPV codes, shared by the profile's capabilities and the tender
/// editor's lines: an island. Its children are the matches of `initial` rendered on the
/// server (a [`CpvMatches`]): without JavaScript the search box is a plain GET form to
/// `action` (the page passes `cpv_q` back as `initial`) and those are the results. With
/// JavaScript the list follows the typing, fetched by the browser, and in the tender
/// editor each match gets "Use for line N". `pick` says what each match offers.
///
/// `keep`: the id of a form with unsaved input (the tender editor's lines table). Without
/// JavaScript the box and its button then belong to that form and post it with
/// `then=find`, whose server function keeps the input as typed and comes back with
/// `cpv_q` — a plain GET form here would leave the page and lose the edits. With
/// JavaScript the list follows the typing and neither Enter nor the button posts.
#[island]
pub fn CpvSearch(
    action: String,
    pick: CpvPick,
    initial: String,
    label: String,
    hint: String,
    keep: Option<String>,
    children: Children,
) -> impl IntoView {
    island_hydrated();
    // Words typed before the island came alive (a slow phone) are kept, and searched for.
    let rendered = initial.clone();
    let (typed, set_typed) = signal(typed_before_hydration("cpv-q").unwrap_or(initial));
    // The browser's own results, once the words change; until then the server's.
    let live = RwSignal::new(None::<Vec<CpvView>>);
    // At hydration the server's results are for these words already, but in the tender
    // editor they lack "Use for line N", which only the browser can offer: fetched again.
    let refetch_rendered = pick == CpvPick::UseForLine;
    Effect::new(move |ran_before: Option<()>| {
        let q = typed.get();
        if ran_before.is_some() || q != rendered || refetch_rendered {
            show_latest(q.clone(), typed, live, cpv_matches_for(q));
        }
    });
    // "Use for line N" follows the line whose cell last had the focus (the table is
    // another part of the page).
    let active = RwSignal::new(0_usize);
    #[cfg(feature = "hydrate")]
    if pick == CpvPick::UseForLine {
        use wasm_bindgen::JsCast;
        let handle = window_event_listener(leptos::ev::focusin, move |ev| {
            if let Some(row) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|e| line_of_cell(&e.id()))
            {
                active.set(row);
            }
        });
        on_cleanup(move || handle.remove());
    }
    let keeps = keep.is_some();
    let search_box = {
        let keep = keep.clone();
        move || {
            view! {
                <label for="cpv-q">{label.clone()}</label>
                <p class="hint" id="cpv-q-hint">{hint.clone()}</p>
                <div class="inline-fields">
                    <input id="cpv-q" type="search" name="cpv_q" aria-describedby="cpv-q-hint"
                        form=keep.clone()
                        value=typed.get_untracked() prop:value=move || typed.get()
                        autocomplete="off" on:input=move |ev| set_typed.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if keeps && ev.key() == "Enter" {
                                ev.prevent_default();
                            }
                        }/>
                    <button type="submit" class="button secondary"
                        form=keep.clone()
                        name=keeps.then_some("then") value=keeps.then_some("find")
                        on:click=move |ev| {
                            if keeps {
                                ev.prevent_default();
                            }
                        }>"Search"</button>
                </div>
            }
        }
    };
    let from_server = children();
    view! {
        {if keeps {
            Either::Left(view! { <div class="subform" role="search">{search_box()}</div> })
        } else {
            Either::Right(view! { <form method="get" action=action class="subform" role="search">{search_box()}</form> })
        }}
        <div aria-live="polite" class="cpv-results" data-testid="cpv-results">
            <div hidden=move || live.with(Option::is_some)>{from_server}</div>
            {move || live.get().map(|found| {
                let pick = pick.clone();
                cpv_list(&typed.get_untracked(), found, move |c| pick_control(&pick, c, Some(active)))
            })}
        </div>
    }
}

/// What is in the text box or area `id` as the page is hydrated, if anything: what the user
/// typed while the wasm was still on its way (its view would otherwise overwrite it).
pub fn typed_before_hydration(id: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let el = document().get_element_by_id(id)?;
        let value = match el.dyn_into::<web_sys::HtmlInputElement>() {
            Ok(input) => input.value(),
            Err(el) => el.dyn_into::<web_sys::HtmlTextAreaElement>().ok()?.value(),
        };
        Some(value).filter(|v| !v.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        None
    }
}

/// An island's fetch as the user types: runs `fetch` in the browser and shows its answer
/// in `live`, unless the words in `current` have changed from `asked` meanwhile (an older
/// answer arriving late is dropped). A failed fetch shows as nothing found.
pub fn show_latest<T: Default + Send + Sync + 'static>(
    asked: String,
    current: ReadSignal<String>,
    live: RwSignal<Option<T>>,
    fetch: impl std::future::Future<Output = Result<T, AppError>> + 'static,
) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let found = fetch.await.unwrap_or_default();
        if current.get_untracked() == asked {
            live.set(Some(found));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (asked, current, live, fetch);
}

/// The codes matching `query`, rendered on the server: a [`CpvSearch`]'s results before
/// the browser takes over (and all of them without JavaScript).
#[component]
pub fn CpvMatches(query: String, pick: CpvPick) -> impl IntoView {
    let q = query.clone();
    let found = Resource::new(|| (), move |()| cpv_matches_for(q.clone()));
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let query = query.clone();
                let pick = pick.clone();
                Suspend::new(async move {
                    let found = found.await.unwrap_or_default();
                    cpv_list(&query, found, move |c| pick_control(&pick, c, None))
                })
            }}
        </Suspense>
    }
}

/// Whether `query` is long enough to look codes up for (shorter, a list would be noise).
fn searchable(query: &str) -> bool {
    query.trim().chars().count() >= 2
}

/// The codes matching `query`, or none for a query too short to search: what the server
/// renders first and what the browser fetches as the user types.
async fn cpv_matches_for(query: String) -> Result<Vec<CpvView>, AppError> {
    if searchable(&query) {
        crate::server_fns::registry::search_cpv(query).await
    } else {
        Ok(Vec::new())
    }
}

/// A list of CPV matches for `query`, each with its control. (`Either`s rather than
/// `AnyView`s here and in [`pick_control`]: each type made into an `AnyView` brings all its
/// rendering code into the wasm, whether used or not.)
fn cpv_list<V: IntoView + 'static>(
    query: &str,
    found: Vec<CpvView>,
    control: impl Fn(&CpvView) -> V,
) -> impl IntoView {
    if !searchable(query) {
        return EitherOf3::A(view! { <span></span> });
    }
    if found.is_empty() {
        return EitherOf3::B(view! { <p>"No CPV codes match. Try fewer or different words."</p> });
    }
    EitherOf3::C(view! {
        <ul class="items">
            {found.into_iter().map(|c| view! {
                <li>
                    <span><code>{c.full_code.clone()}</code> " " {c.label.clone()}
                        {(!c.path.is_empty()).then(|| view! { <span class="muted">{format!(" — in {}", c.path.join(" › "))}</span> })}</span>
                    {control(&c)}
                </li>
            }).collect_view()}
        </ul>
    })
}

/// What a CPV match offers: "Add" to the profile (or "Added"), or in the tender editor, with
/// JavaScript (`active`: the line being edited), "Use for line N".
fn pick_control(pick: &CpvPick, c: &CpvView, active: Option<RwSignal<usize>>) -> impl IntoView {
    use server_fn::ServerFn;
    match (pick, active) {
        (CpvPick::AddToProfile { added }, _) if added.contains(&c.code) => {
            EitherOf4::A(view! { <strong class="tag">"Added"</strong> })
        }
        (CpvPick::AddToProfile { .. }, _) => EitherOf4::B(view! {
            <form method="post" action=crate::server_fns::registry::AddCpv::url() class="inline">
                <input type="hidden" name="code" value=c.code.clone()/>
                <button type="submit" class="button small">"Add"<span class="visually-hidden">{format!(" {}", c.label)}</span></button>
            </form>
        }),
        (CpvPick::UseForLine, Some(active)) => {
            let code = c.code.clone();
            EitherOf4::C(view! {
                <button type="button" class="button small"
                    on:click=move |_| use_code_for(active.get_untracked(), &code)>
                    {move || format!("Use for line {}", active.get() + 1)}
                    <span class="visually-hidden">{format!(": {}", c.label)}</span>
                </button>
            })
        }
        (CpvPick::UseForLine, None) => EitherOf4::D(()),
    }
}

/// Moves the CPV code a buyer chose in the finder into a line's cell (JavaScript only).
fn use_code_for(row: usize, code: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(input) = cell_input(row, "cpv") {
        input.set_value(code);
        let _ = input.focus();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (row, code);
}

#[cfg(test)]
mod tests {
    use super::{cell_id, line_of_cell};

    #[test]
    fn a_cell_id_names_its_line() {
        assert_eq!(line_of_cell(&cell_id(7, "delivery_postcode")), Some(7));
        assert_eq!(line_of_cell("line-0-cpv"), Some(0));
        assert_eq!(line_of_cell("line-12-value-gbp"), Some(12));
        assert_eq!(line_of_cell("cpv-q"), None);
        assert_eq!(line_of_cell("line-x-cpv"), None);
        assert_eq!(line_of_cell("line-3"), None);
    }
}
