//! The buyer's drafting pages: `/tenders/new` (the details; it creates the draft and goes
//! to its editor) and `/tenders/{id}/edit` (the details, the requirement lines as a table,
//! a CSV of lines, and market depth). Every form posts to a server function, or for the
//! CSV file to a site route, so the pages work without JavaScript. Two parts are islands
//! that JavaScript brings alive: the CPV finder (the list follows the typing, and "Use for
//! line" fills the line being edited) and "Add a row" (adds the row in place).

use super::market::depth_table;
use crate::components::{
    cell_id, flash_notice, form_errors, island_hydrated, query_text, route_id, CpvMatches, CpvPick,
    CpvSearch, ErrorSummary, Field, FormCtx, FormScope, Notice, PageCtx, TextArea,
};
use crate::server_fns::tendering::{
    CreateTender, LineForm, SaveTenderDetails, SaveTenderLines, TenderForm,
};
use domain::forms::Flash;
use domain::tendering::dto::{ItemView, LocalAreaInput, TenderView};
use domain::validation::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use std::collections::BTreeMap;

fn day(rfc3339: &Option<String>) -> String {
    rfc3339
        .as_deref()
        .map(|d| d.get(..10).unwrap_or(d).to_owned())
        .unwrap_or_default()
}

/// A number as typed: `12`, not `12.0`.
fn number(q: f64) -> String {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        format!("{q:.0}")
    } else {
        q.to_string()
    }
}

/// A stored tender's details as the form shows them.
fn details_of(t: &TenderView) -> TenderForm {
    let (area_outcodes, area_near, area_within_km) = match &t.local_area {
        Some(LocalAreaInput::Outcodes { outcodes }) => {
            (outcodes.join(", "), String::new(), String::new())
        }
        Some(LocalAreaInput::Near { near, within_km }) => {
            (String::new(), near.clone(), number(*within_km))
        }
        None => Default::default(),
    };
    TenderForm {
        title: t.title.clone(),
        description: t.description.clone(),
        estimated_value_gbp: t
            .estimated_value_gbp
            .map(|v| v.to_string())
            .unwrap_or_default(),
        deadline: day(&t.deadline),
        contract_start: day(&t.contract_start),
        contract_end: day(&t.contract_end),
        area_outcodes,
        area_near,
        area_within_km,
    }
}

/// A stored line as a row of the table.
fn row_of(i: &ItemView) -> LineForm {
    LineForm {
        id: i.id.to_string(),
        description: i.description.clone(),
        cpv: i.cpv.clone().unwrap_or_default(),
        value_gbp: i.value_gbp.map(|v| v.to_string()).unwrap_or_default(),
        quantity: i.quantity.map(number).unwrap_or_default(),
        unit: i.unit.clone().unwrap_or_default(),
        delivery_postcode: i.delivery_postcode.clone().unwrap_or_default(),
        remove: String::new(),
    }
}

/// `lines[3][cpv]` → (3, "cpv").
fn cell_key(key: &str) -> Option<(usize, &str)> {
    let rest = key.strip_prefix("lines[")?;
    let (row, rest) = rest.split_once(']')?;
    let field = rest.strip_prefix('[')?.strip_suffix(']')?;
    Some((row.parse().ok()?, field))
}

/// The table as a no-JavaScript post left it in the flash: every row, as typed.
fn rows_from_values(values: &BTreeMap<String, String>) -> Vec<LineForm> {
    let mut rows: Vec<LineForm> = Vec::new();
    for (key, value) in values {
        let Some((r, field)) = cell_key(key) else {
            continue;
        };
        // A forged flash cannot make the page render millions of rows.
        if r >= domain::tendering::MAX_LINES * 2 {
            continue;
        }
        if rows.len() <= r {
            rows.resize_with(r + 1, LineForm::default);
        }
        let row = &mut rows[r];
        let slot = match field {
            "id" => &mut row.id,
            "description" => &mut row.description,
            "cpv" => &mut row.cpv,
            "value_gbp" => &mut row.value_gbp,
            "quantity" => &mut row.quantity,
            "unit" => &mut row.unit,
            "delivery_postcode" => &mut row.delivery_postcode,
            "remove" => &mut row.remove,
            _ => continue,
        };
        value.clone_into(slot);
    }
    rows
}

/// `lines[3].cpv` (a service error of a row) → (3, "cpv").
fn error_cell(field: &str) -> Option<(usize, &str)> {
    let rest = field.strip_prefix("lines[")?;
    let (row, rest) = rest.split_once(']')?;
    Some((row.parse().ok()?, rest.strip_prefix('.')?))
}

/// The details fields, shared by the new-tender page and the editor.
#[component]
fn DetailsFields(form: TenderForm) -> impl IntoView {
    view! {
        <Field name="t[title]" label="Title" value=form.title required=true/>
        <TextArea name="t[description]" label="Description (optional)" value=form.description
            hint="What is bought and why, in plain words: suppliers read it first."/>
        <Field name="t[estimated_value_gbp]" label="Estimated total value (£, optional)" value=form.estimated_value_gbp
            hint="Whole pounds, for example 250000 or 250k"/>
        <Field name="t[deadline]" label="Tender deadline (optional)" value=form.deadline kind="date"/>
        <Field name="t[contract_start]" label="Contract starts (optional)" value=form.contract_start kind="date"/>
        <Field name="t[contract_end]" label="Contract ends (optional)" value=form.contract_end kind="date"/>
        <fieldset class="area">
            <legend>"Your local area"</legend>
            <p class="hint">"Suppliers based here count as local in market depth and the lot planner. Give postcode districts, or a postcode or outcode and a radius."</p>
            <Field name="t[area_outcodes]" label="Postcode districts" value=form.area_outcodes
                hint="Separated by commas, for example PR1, PR2, PR3"/>
            <Field name="t[area_near]" label="Or a postcode or outcode" value=form.area_near
                hint="For example PR1 2HE or PR1" autocomplete="postal-code"/>
            <Field name="t[area_within_km]" label="And a radius around it (km)" value=form.area_within_km inputmode="decimal"/>
        </fieldset>
    }
}

fn not_a_buyer(next: &str) -> AnyView {
    view! {
        <p>"Drafting tenders is for public buyers. "
           <A href=format!("/login?next={next}")>"Sign in"</A> " or "
           <A href="/buyers/request-access">"ask for buyer access"</A> "."</p>
    }
    .into_any()
}

/// `/tenders/new`: a new draft's details; saving creates it and opens its editor.
#[component]
pub fn NewTenderPage() -> impl IntoView {
    let create = ServerAction::<CreateTender>::new();
    let ctx = PageCtx::get();
    view! {
        <Title text="New tender"/>
        <h1>"New tender"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                if user.is_none_or(|u| u.actor.buyer_organisation().is_none()) {
                    return not_a_buyer("/tenders/new");
                }
                view! {
                    <p>"Start with the details. The requirement lines, market depth and lots come next; nothing is public until you publish."</p>
                    <FormScope ctx=form_errors("tender", flash)>
                        <ActionForm action=create attr:class="tender-details">
                            <ErrorSummary/>
                            <DetailsFields form=TenderForm::default()/>
                            <button type="submit" class="button">"Save draft and add lines"</button>
                        </ActionForm>
                    </FormScope>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// Puts the keyboard focus in a cell (JavaScript only): the first cell of a row just
/// added, so a keyboard or screen-reader user carries on typing there.
#[cfg(feature = "hydrate")]
fn focus_cell(row: usize, field: &'static str) {
    request_animation_frame(move || {
        if let Some(input) = crate::components::cell_input(row, field) {
            let _ = input.focus();
        }
    });
}

/// `/tenders/{id}/edit`: a draft's details, lines, CSV upload and market depth.
#[component]
pub fn TenderEditPage() -> impl IntoView {
    let id = route_id();
    let details = ServerAction::<SaveTenderDetails>::new();
    let lines = ServerAction::<SaveTenderLines>::new();
    let (tender, market) = super::tender_and_market(id);
    let ctx = PageCtx::get();
    let cpv_q = query_text("cpv_q");
    view! {
        <Suspense fallback=|| view! { <p>"Loading the tender…"</p> }>
            {move || {
                let cpv_q = cpv_q.clone();
                Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                let Some(user) = user else {
                    return not_a_buyer(&format!("/tenders/{}/edit", id().unwrap_or_default()));
                };
                match tender.await {
                    Ok(Some(t)) if t.editable => {
                        let linked = user.actor.can_search();
                        editor(t, market.await, flash, details, lines, linked, cpv_q)
                    }
                    Ok(Some(t)) => view! {
                        <Title text=t.title.clone()/>
                        <h1>{t.title.clone()}</h1>
                        <p>"Only a draft can be edited, by its own organisation. "
                           <A href=format!("/tenders/{}", t.id)>"See the tender"</A></p>
                    }
                    .into_any(),
                    _ => view! {
                        <Title text="Tender not found"/>
                        <h1>"Tender not found"</h1>
                        <p>"This tender does not exist, or it is a draft you cannot see."</p>
                    }
                    .into_any(),
                }
            })
            }}
        </Suspense>
    }
}

fn editor(
    t: TenderView,
    market: Option<domain::tendering::dto::MarketView>,
    flash: Option<Flash>,
    details: ServerAction<SaveTenderDetails>,
    lines: ServerAction<SaveTenderLines>,
    linked: bool,
    cpv_q: String,
) -> AnyView {
    let id = t.id;
    let notice = flash_notice(&flash);
    let details_form = details_of(&t);
    let table = lines_table(&t, flash.clone(), lines);
    let depth = match market {
        Some(m) => depth_table(&t, m, linked).into_any(),
        None => view! { <p>"Market depth is not available just now."</p> }.into_any(),
    };
    view! {
        <Title text=format!("Edit: {}", t.title)/>
        <h1>"Edit draft: " {t.title.clone()}</h1>
        <Notice text=notice/>
        <nav aria-label="This tender" class="tender-nav">
            <ul class="actions">
                // A plain link: the router's would mark the notice as the current page here.
                <li><a href=format!("/tenders/{id}")>"See the notice"</a></li>
                <li><a href=format!("/tenders/{id}/lots")>"Plan lots"</a></li>
                <li><a href=format!("/tenders/{id}/publish")>"Publish"</a></li>
            </ul>
        </nav>
        <section aria-labelledby="details">
            <h2 id="details">"Details"</h2>
            <FormScope ctx=form_errors("tender", flash.clone())>
                <ActionForm action=details attr:class="tender-details">
                    <ErrorSummary/>
                    <input type="hidden" name="id" value=id/>
                    <DetailsFields form=details_form/>
                    <button type="submit" class="button">"Save details"</button>
                </ActionForm>
            </FormScope>
        </section>
        <section aria-labelledby="lines">
            <h2 id="lines">"Requirement lines"</h2>
            <p>"Each line is one thing bought: describe it, give its CPV code and value, and where it is delivered if that matters. Save the table to keep your changes; a blank row is ignored."</p>
            <h3 id="find-cpv">"Find a CPV code"</h3>
            <CpvSearch action=format!("/tenders/{id}/edit") pick=CpvPick::UseForLine initial=cpv_q.clone()
                keep=Some(LINES_FORM.to_owned())
                label="Find a CPV code by words or code".to_owned()
                hint="For example “grounds maintenance” or 7731. Searching keeps the lines you have not saved yet. Type the code into a line's CPV cell; with JavaScript, “Use for line” fills the line you were editing.".to_owned()>
                <CpvMatches query=cpv_q pick=CpvPick::UseForLine/>
            </CpvSearch>
            {table}
        </section>
        {upload_section(id, flash)}
        {depth}
    }
    .into_any()
}

/// The error summary of the lines table: each row's errors, linked to the cell.
#[component]
fn LinesErrorSummary() -> impl IntoView {
    let errors = expect_context::<FormCtx>().errors;
    move || {
        let errs = errors.get();
        (!errs.is_empty()).then(|| view! {
            <div class="error-summary" role="alert" tabindex="-1" aria-labelledby="lines-error-title">
                <h2 id="lines-error-title">"There is a problem with the lines"</h2>
                <p>"Nothing was saved. Correct these and save again:"</p>
                <ul>
                    {errs.iter().map(|(field, msg)| match error_cell(field) {
                        Some((r, f)) => view! {
                            <li><a href=format!("#{}", cell_id(r, f))>{format!("Line {}: {msg}", r + 1)}</a></li>
                        }.into_any(),
                        None => view! { <li>{msg.to_owned()}</li> }.into_any(),
                    }).collect_view()}
                </ul>
            </div>
        })
    }
}

/// One input cell of the lines table, its error beside it.
fn cell(
    row: usize,
    field: &'static str,
    label: &'static str,
    value: String,
    errors: Signal<FieldErrors>,
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let id = cell_id(row, field);
    let key = format!("lines[{row}].{field}");
    let error = move || errors.with(|e| e.get(&key).map(str::to_owned));
    let error_id = format!("{id}-error");
    let described = {
        let error = error.clone();
        let error_id = error_id.clone();
        move || error().is_some().then(|| error_id.clone())
    };
    let invalid = {
        let error = error.clone();
        move || error().is_some().then_some("true")
    };
    let has_error = {
        let error = error.clone();
        move || error().is_some()
    };
    view! {
        <td class:field-has-error=has_error>
            <label class="visually-hidden" for=id.clone()>{format!("Line {}: {label}", row + 1)}</label>
            {move || error().map(|e| view! {
                <p class="error-message" id=error_id.clone()><span class="visually-hidden">"Error: "</span>{e}</p>
            })}
            <input id=id name=format!("lines[{row}][{field}]") value=value inputmode=inputmode
                aria-invalid=invalid aria-describedby=described/>
        </td>
    }
}

fn line_row(row: usize, l: LineForm, errors: Signal<FieldErrors>) -> impl IntoView {
    let remove_id = format!("line-{row}-remove");
    let removing = !l.remove.trim().is_empty();
    view! {
        <tr>
            <th scope="row">{row + 1}<input type="hidden" name=format!("lines[{row}][id]") value=l.id/></th>
            {cell(row, "description", "description", l.description, errors, None)}
            {cell(row, "cpv", "CPV code", l.cpv, errors, Some("numeric"))}
            {cell(row, "value_gbp", "value (£)", l.value_gbp, errors, None)}
            {cell(row, "quantity", "quantity", l.quantity, errors, Some("decimal"))}
            {cell(row, "unit", "unit", l.unit, errors, None)}
            {cell(row, "delivery_postcode", "delivery postcode or outcode", l.delivery_postcode, errors, None)}
            <td class="remove">
                <input type="checkbox" id=remove_id.clone() name=format!("lines[{row}][remove]") value="on" checked=removing/>
                <label for=remove_id>"Remove"<span class="visually-hidden">{format!(" line {}", row + 1)}</span></label>
            </td>
        </tr>
    }
}

/// The lines table's form: the CPV search box posts it without JavaScript, so a search
/// keeps the unsaved edits.
const LINES_FORM: &str = "lines-form";

/// The row number the `<template>` row is rendered with; "Add a row" (JavaScript) copies
/// it with the next row's number in its place.
const TEMPLATE_ROW: usize = 99_998;

fn lines_table(
    t: &TenderView,
    flash: Option<Flash>,
    save: ServerAction<SaveTenderLines>,
) -> impl IntoView {
    let kept = flash
        .as_ref()
        .filter(|f| f.form == "lines" && !f.values.is_empty())
        .map(|f| rows_from_values(&f.values));
    let rows: Vec<LineForm> = kept.unwrap_or_else(|| t.items.iter().map(row_of).collect());
    // One spare row to type a new line into; "Add a row" adds more.
    let spare = rows.len();
    let ctx = form_errors("lines", flash);
    let errors = ctx.errors;
    let id = t.id;
    view! {
        <FormScope ctx=ctx>
            <ActionForm action=save attr:class="lines-form" attr:id=LINES_FORM>
                <LinesErrorSummary/>
                <input type="hidden" name="id" value=id/>
                <div class="table-scroll" role="region" aria-labelledby="lines-caption" tabindex="0">
                    <table class="lines">
                        <caption id="lines-caption">"The tender's requirement lines"</caption>
                        <thead><tr>
                            <th scope="col">"Line"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"CPV code"</th>
                            <th scope="col">"Value (£)"</th>
                            <th scope="col">"Quantity"</th>
                            <th scope="col">"Unit"</th>
                            <th scope="col">"Delivery postcode"</th>
                            <th scope="col">"Remove"</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().enumerate().map(|(r, l)| line_row(r, l, errors)).collect_view()}
                            {line_row(spare, LineForm::default(), errors)}
                        </tbody>
                    </table>
                </div>
                <template id="line-template">{line_row(TEMPLATE_ROW, LineForm::default(), errors)}</template>
                <p class="hint">"Values in whole pounds (250000 or 250k). A delivery postcode may be just an outcode such as PR1; leave it blank when the place does not matter."</p>
                <div class="actions">
                    <button type="submit" class="button">"Save lines"</button>
                    <AddRow/>
                </div>
            </ActionForm>
        </FormScope>
    }
}

/// "Add a row": an island. With JavaScript it adds a blank row to the table in place — a
/// copy of the page's row template, numbered next — and puts the focus in its first cell;
/// without it the button posts the table with `then=add` and the page comes back as typed
/// with one more row.
#[island]
fn AddRow() -> impl IntoView {
    island_hydrated();
    view! {
        <button type="submit" name="then" value="add" class="button secondary"
            on:click=move |ev| {
                ev.prevent_default();
                add_row();
            }>"Add a row"</button>
    }
}

/// Appends a copy of the row template to the lines table, numbered after the last row, and
/// focuses its description (JavaScript only).
fn add_row() {
    #[cfg(feature = "hydrate")]
    {
        let (Some(body), Some(template)) = (
            document()
                .query_selector("table.lines tbody")
                .ok()
                .flatten(),
            document().get_element_by_id("line-template"),
        ) else {
            return;
        };
        let row = usize::try_from(body.child_element_count()).unwrap_or(0);
        let html = template
            .inner_html()
            .replace(&(TEMPLATE_ROW + 1).to_string(), &(row + 1).to_string())
            .replace(&TEMPLATE_ROW.to_string(), &row.to_string());
        if body.insert_adjacent_html("beforeend", &html).is_ok() {
            focus_cell(row, "description");
        }
    }
}

/// The CSV upload: what the file holds, a template, and the file's errors row by row.
fn upload_section(id: i64, flash: Option<Flash>) -> impl IntoView {
    let flash = flash.filter(|f| f.form == "csv");
    let errors = flash.map(|f| f.errors).unwrap_or_default();
    let file_error = errors.get("file").map(str::to_owned);
    let row_errors: Vec<(String, String)> = errors
        .iter()
        .filter(|(f, _)| *f != "file")
        .map(|(f, m)| {
            let place = f
                .strip_prefix("rows[")
                .and_then(|rest| rest.split_once("]."))
                .map_or_else(
                    || f.to_owned(),
                    |(row, field)| format!("Row {row}, {}", field.replace('_', " ")),
                );
            (place, m.to_owned())
        })
        .collect();
    let has_errors = !errors.is_empty();
    view! {
        <section aria-labelledby="upload" id="upload-section">
            <h2 id="upload">"Upload lines from a CSV file"</h2>
            <p>"A schedule of lines saved from a spreadsheet as CSV replaces the table's lines. The first row names the columns: "
               <code>"description"</code>", "<code>"cpv"</code>" and "<code>"value_gbp"</code>" are needed; "
               <code>"quantity"</code>", "<code>"unit"</code>" and "<code>"delivery_postcode"</code>" are optional. "
               "Columns may come in any order and be named as your spreadsheet names them (“CPV code”, “Value (£)”, “Qty”). "
               "If any row is wrong, nothing is saved and every bad row is listed here."</p>
            <p><a href="/tenders/lines-template.csv" download="tender-lines-template.csv" rel="external">"Download a template CSV"</a></p>
            {has_errors.then(|| view! {
                <div class="error-summary" role="alert" tabindex="-1" aria-labelledby="upload-error-title">
                    <h3 id="upload-error-title">"The file was not uploaded"</h3>
                    <p>"Nothing was saved. Rows are numbered as in the file, the header being row 1."</p>
                    <ul>
                        {file_error.clone().map(|m| view! { <li><a href="#lines-file">{m}</a></li> })}
                        {row_errors.into_iter().map(|(place, m)| view! { <li>{format!("{place}: {m}")}</li> }).collect_view()}
                    </ul>
                </div>
            })}
            <form method="post" action=format!("/tenders/{id}/lines/upload") enctype="multipart/form-data" class="subform">
                <div class="field" class:field-has-error=file_error.is_some()>
                    <label for="lines-file">"CSV file of lines"</label>
                    {file_error.clone().map(|m| view! {
                        <p class="error-message" id="lines-file-error"><span class="visually-hidden">"Error: "</span>{m}</p>
                    })}
                    <input id="lines-file" type="file" name="file" accept=".csv,text/csv" required
                        aria-invalid=file_error.is_some().then_some("true")
                        aria-describedby=file_error.is_some().then_some("lines-file-error")/>
                </div>
                <button type="submit" class="button secondary">"Upload and replace the lines"</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_table_comes_back_row_by_row_as_typed() {
        let values: BTreeMap<String, String> = [
            ("lines[0][description]", "Parks"),
            ("lines[0][cpv]", "77314000"),
            ("lines[2][value_gbp]", "12k"),
            ("lines[2][remove]", "on"),
            ("t[title]", "not a line"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let rows = rows_from_values(&values);
        assert_eq!(
            rows.len(),
            3,
            "a row with nothing typed between keeps its place"
        );
        assert_eq!(rows[0].description, "Parks");
        assert_eq!(rows[0].cpv, "77314000");
        assert!(rows[1].is_blank());
        assert_eq!(rows[2].value_gbp, "12k");
        assert_eq!(rows[2].remove, "on");
    }

    #[test]
    fn a_row_error_names_its_cell() {
        assert_eq!(error_cell("lines[4].value_gbp"), Some((4, "value_gbp")));
        assert_eq!(error_cell("items"), None);
        assert_eq!(cell_id(4, "value_gbp"), "line-4-value-gbp");
    }

    #[test]
    fn whole_quantities_read_without_a_decimal_point() {
        assert_eq!(number(12.0), "12");
        assert_eq!(number(2.5), "2.5");
    }
}
