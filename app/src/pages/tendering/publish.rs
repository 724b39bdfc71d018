//! `/tenders/{id}/publish`: what will be published (lots, lines, values, deadline) and the
//! button. Divide or explain (Procurement Act 2023, s.18): with one lot a written reason
//! is required; it is stored and shown on the notice. Errors come back beside the field
//! with the reason kept; publishing goes to the public notice.

use super::planner::pounds;
use crate::components::{form_errors, route_id, ErrorSummary, FormScope, PageCtx, TextArea};
use crate::error::AppError;
use crate::server_fns::tendering::{get_tender, PublishTender};
use domain::forms::Flash;
use domain::tendering::dto::TenderView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// `/tenders/{id}/publish`.
#[component]
pub fn PublishPage() -> impl IntoView {
    let id = route_id();
    let publish = ServerAction::<PublishTender>::new();
    let tender = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_tender(id).await,
            None => Err(AppError::NotFound),
        }
    });
    let ctx = PageCtx::get();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                match tender.await {
                    Ok(t) if t.editable => summary(t, flash, publish).into_any(),
                    Ok(t) => view! {
                        <Title text="Publish"/>
                        <h1>"Publish"</h1>
                        <p>"Only a draft of your organisation can be published. "
                           <A href=format!("/tenders/{}", t.id)>"See the notice"</A>"."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Tender not found"/>
                        <h1>"Tender not found"</h1>
                        <p>"This tender does not exist, or it is a draft you cannot see."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn summary(
    t: TenderView,
    flash: Option<Flash>,
    publish: ServerAction<PublishTender>,
) -> impl IntoView {
    let id = t.id;
    let one_lot = t.lots.len() <= 1;
    let line = |item: i64| {
        t.items
            .iter()
            .find(|i| i.id == item)
            .map(|i| format!("Line {}: {}", i.position, i.description))
            .unwrap_or_default()
    };
    let lots: Vec<(String, u64, Vec<String>)> = t
        .lots
        .iter()
        .map(|l| {
            (
                l.title.clone(),
                l.value_gbp,
                l.items.iter().map(|i| line(*i)).collect(),
            )
        })
        .collect();
    view! {
        <Title text=format!("Publish: {}", t.title)/>
        <h1>"Publish this tender"</h1>
        <p class="lead">"Check what will be published on the public notice."</p>
        <dl class="summary">
            <dt>"Title"</dt><dd>{t.title.clone()}</dd>
            <dt>"Lines"</dt><dd>{t.items.len()}</dd>
            <dt>"Value of the lines"</dt><dd>{pounds(t.items_value_gbp)}</dd>
            <dt>"Deadline"</dt>
            <dd>{t.deadline.as_deref().map_or_else(|| "not set".to_owned(), |d| d.get(..10).unwrap_or(d).to_owned())}</dd>
            <dt>"Lots"</dt>
            <dd>{if t.lots.is_empty() { "none saved: one lot of every line".to_owned() } else { t.lots.len().to_string() }}</dd>
        </dl>
        {(!lots.is_empty()).then(|| view! {
            <div class="table-scroll">
            <table>
                <caption>"Lots to be published"</caption>
                <thead><tr><th scope="col">"Lot"</th><th scope="col">"Lines"</th><th scope="col">"Value"</th></tr></thead>
                <tbody>
                    {lots.into_iter().map(|(title, value, lines)| view! {
                        <tr>
                            <th scope="row">{title}</th>
                            <td><ul class="plain">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul></td>
                            <td>{pounds(value)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            </div>
        })}
        <p><A href=format!("/tenders/{id}/lots")>"Change the lots"</A></p>
        <FormScope ctx=form_errors("publish", flash)>
            <ActionForm action=publish>
                <ErrorSummary/>
                <input type="hidden" name="id" value=id/>
                {one_lot.then(|| view! {
                    <TextArea name="reason" label="Why is this tender not divided into lots?"
                        hint="Required for a single lot (Procurement Act 2023, section 18: divide or explain). It is shown on the public notice."/>
                })}
                <button type="submit" class="button">"Publish"</button>
            </ActionForm>
        </FormScope>
    }
}
