//! `/spend/{id}/columns`: the mapping step of an upload. The buyer sees which column was
//! taken for each field (one labelled select per field, offering the file's headers, or
//! positions for a file without one) and the first rows as the analysis will read them,
//! corrects the choices ("Preview with these columns" is a GET form, so the page simply
//! reloads with them) and confirms ("Analyse with these columns" posts the same form to
//! `/spend/{id}/run`, which queues the job and answers with its progress page). When the
//! columns cannot be found the page says what is missing and shows the header it saw.
//! Plain forms: the same with JavaScript on or off.

use super::money;
use crate::components::route_id;
use crate::error::AppError;
use crate::server_fns::spend::column_preview;
use domain::spend::columns::{spec_from_choices, MAPPED_FIELDS};
use domain::spend::dto::{ColumnsPreview, FieldMapping};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SpendColumnsPage() -> impl IntoView {
    let query = use_query_map();
    let id = route_id();
    // `columns=` as the API spells it (the confirm route sends it back that way), or the
    // selects of the preview form.
    let columns = move || {
        query.with(|q| {
            q.get("columns").or_else(|| {
                MAPPED_FIELDS
                    .iter()
                    .any(|f| q.get(f.slug()).is_some())
                    .then(|| {
                        let choices: Vec<(&str, String)> = MAPPED_FIELDS
                            .iter()
                            .map(|f| (f.slug(), q.get(f.slug()).unwrap_or_default()))
                            .collect();
                        spec_from_choices(choices.iter().map(|(k, v)| (*k, v.as_str())))
                    })
            })
        })
    };
    let preview = Resource::new(
        move || (id(), columns()),
        |(id, columns)| async move {
            match id {
                Some(id) => column_preview(id, columns).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(p) => mapping_view(p).into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Sign in"/>
                        <p><A href="/login?next=/spend">"Sign in"</A>" to check the columns of your file."</p>
                    }.into_any(),
                    Err(AppError::Validation(fields)) => view! {
                        <Title text="The file cannot be read"/>
                        <h1>"The file cannot be read"</h1>
                        <div class="error-summary" role="alert">
                            <ul>{fields.into_iter().map(|(_, m)| view! { <li>{m}</li> }).collect_view()}</ul>
                        </div>
                        <p><A href="/spend">"Upload another file"</A></p>
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

fn select(f: FieldMapping, options: &[domain::spend::dto::ColumnOption]) -> impl IntoView {
    let id = format!("col-{}", f.field);
    let hint_id = format!("{id}-hint");
    let none = if f.required {
        "(choose a column)"
    } else {
        "(not in this file)"
    };
    let missing = f.required && f.position.is_none();
    view! {
        <p class="mapping-field">
            <label for=id.clone()>{if f.required { format!("{} (required)", f.label) } else { f.label.clone() }}</label><br/>
            {missing.then(|| view! {
                <span class="error-message" id=hint_id.clone()>{format!("Choose the column that holds the {}.", f.label)}</span><br/>
            })}
            <select id=id name=f.field.clone() aria-invalid=missing.then_some("true")
                aria-describedby=missing.then_some(hint_id)>
                <option value="" selected=f.position.is_none()>{none}</option>
                {options.iter().map(|o| view! {
                    <option value=o.position.to_string() selected=f.position == Some(o.position)>{o.label.clone()}</option>
                }).collect_view()}
            </select>
        </p>
    }
}

fn mapping_view(p: ColumnsPreview) -> impl IntoView {
    let id = p.analysis_id;
    let action = format!("/spend/{id}/columns");
    let run = format!("/spend/{id}/run");
    let editable = p.status == "mapping" || p.status == "failed";
    let header_text = p
        .header
        .iter()
        .map(|h| h.trim())
        .filter(|h| !h.is_empty())
        .map(|h| format!("“{h}”"))
        .collect::<Vec<_>>()
        .join(", ");
    let found = match (p.header_row, p.problem.is_some()) {
        (_, true) => None,
        (Some(row), false) => Some(format!("Header found on row {row}: {header_text}.")),
        (None, false) => Some("No header row: the columns are taken by position.".to_owned()),
    };
    let options = p.options.clone();
    view! {
        <Title text=format!("Check the columns: {}", p.name)/>
        <h1>"Check the columns"</h1>
        <p>{format!("File for “{}”. ", p.name)}
           "We found these columns. Check the rows below read as you expect, correct any column, then analyse."</p>
        {p.problem.clone().map(|problem| view! {
            <div class="error-summary" role="alert">
                <h2 id="mapping-problem-title">"The columns could not all be found"</h2>
                <p>{problem}</p>
                <p>{if header_text.is_empty() {
                    "The file showed no header.".to_owned()
                } else {
                    format!("The header seen: {header_text}.")
                }}" Choose the columns below."</p>
            </div>
        })}
        {found.map(|f| view! { <p role="status">{f}</p> })}
        {(!editable).then(|| view! {
            <p>"This analysis has run with its columns: "<A href=format!("/spend/{id}")>"see the results"</A>"."</p>
        })}
        <form method="get" action=action class="mapping-form">
            <fieldset>
                <legend>"Which column holds what"</legend>
                {p.fields.into_iter().map(|f| select(f, &options)).collect_view()}
            </fieldset>
            <p class="actions">
                <button type="submit" class="button secondary">"Preview with these columns"</button>" "
                {editable.then(|| view! {
                    <button type="submit" class="button" formmethod="post" formaction=run>"Analyse with these columns"</button>
                })}
            </p>
        </form>
        <h2>"The first rows as the analysis will read them"</h2>
        {if p.rows.is_empty() {
            view! { <p>"No rows to show until the supplier name and amount columns are chosen."</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll" role="region" aria-labelledby="mapping-preview-caption" tabindex="0">
                <table>
                    <caption id="mapping-preview-caption">"First rows of the file, read with the columns above"</caption>
                    <thead><tr>
                        <th scope="col">"Row"</th><th scope="col">"Supplier name"</th><th scope="col">"Amount"</th>
                        <th scope="col">"Date"</th><th scope="col">"Category"</th><th scope="col">"Read as"</th>
                    </tr></thead>
                    <tbody>{p.rows.into_iter().map(|r| view! {
                        <tr>
                            <th scope="row">{r.row}</th><td>{r.payee}</td>
                            <td>{r.amount.map(money).unwrap_or_default()}</td>
                            <td>{r.date.unwrap_or_default()}</td>
                            <td>{r.category.unwrap_or_default()}</td>
                            <td>{r.outcome}</td>
                        </tr>
                    }).collect_view()}</tbody>
                </table>
                </div>
            }.into_any()
        }}
    }
}
