//! `/tenders/import`: importing another portal's notices (buyers and admins). Upload an
//! OCDS release or release package (or paste its JSON) → a preview of each tender (ocid,
//! title, buyer, lots, lines, value, whether it updates a tender here, the warnings) →
//! "Import" imports them all in one transaction → links to each. Every step is a plain
//! form post, so it works without JavaScript; what is not OCDS is refused at the upload,
//! saying why, and nothing is kept.

use super::planner::pounds;
use crate::components::{flash_notice, Notice, PageCtx};
use crate::server_fns::ocds::{import_outcome, preview_upload, ImportPreview, ImportUpload};
use domain::forms::Flash;
use domain::tendering::dto::ImportResult;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// `/tenders/import`.
#[component]
pub fn ImportPage() -> impl IntoView {
    let query = use_query_map();
    let import = ServerAction::<ImportUpload>::new();
    let preview = Resource::new(
        move || query.with(|q| q.get("upload")),
        |upload| async move {
            match upload {
                Some(u) => Some(preview_upload(u).await),
                None => None,
            }
        },
    );
    let done = Resource::new(
        move || query.with(|q| q.get("done")),
        |done| async move {
            match done {
                Some(d) => Some(import_outcome(d).await),
                None => None,
            }
        },
    );
    let ctx = PageCtx::get();
    view! {
        <Title text="Import from another portal"/>
        <h1>"Import from another portal"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (user, flash) = ctx.load().await;
                let allowed = user.as_ref().is_some_and(|u| u.actor.buyer_organisation().is_some() || u.actor.is_active_admin());
                if !allowed {
                    return view! {
                        <p>"Importing notices is for public buyers. "<A href="/login?next=/tenders/import">"Sign in"</A>"."</p>
                    }.into_any();
                }
                let preview = preview.await;
                let done = done.await;
                view! {
                    <Notice text=flash_notice(&flash)/>
                    {match (done, preview) {
                        (Some(Ok(result)), _) => imported(result).into_any(),
                        (_, Some(Ok(p))) => preview_view(p, import, flash).into_any(),
                        (Some(Err(e)), _) | (_, Some(Err(e))) => view! {
                            <div class="error-summary" role="alert"><p>{e.to_string()}</p></div>
                            {upload_form(None)}
                        }.into_any(),
                        (None, None) => upload_form(flash).into_any(),
                    }}
                }.into_any()
            })}
        </Suspense>
    }
}

fn upload_form(flash: Option<Flash>) -> impl IntoView {
    let error = flash
        .filter(|f| f.form == "ocds_upload" || f.form == "*")
        .and_then(|f| {
            f.errors
                .get("file")
                .or(f.errors.get("form"))
                .map(str::to_owned)
        });
    view! {
        <p>"Bring in notices published as OCDS (Open Contracting Data Standard) by Contracts Finder, Find a Tender, Sell2Wales and other portals, to see the local market for them and plan lots. Nothing is imported until you have checked the preview."</p>
        <form method="post" action="/tenders/import/upload" enctype="multipart/form-data">
            {error.clone().map(|e| view! {
                <div class="error-summary" role="alert" tabindex="-1">
                    <h2>"There is a problem"</h2>
                    <ul><li><a href="#import-file">{e}</a></li></ul>
                </div>
            })}
            <div class="field" class:field-has-error=error.is_some()>
                <label for="import-file">"OCDS file (a release or a release package, JSON)"</label>
                <p class="hint" id="import-file-hint">"Up to 32 MB."</p>
                {error.clone().map(|e| view! {
                    <p class="error-message" id="import-file-error"><span class="visually-hidden">"Error: "</span>{e}</p>
                })}
                <input id="import-file" type="file" name="file" accept=".json,application/json"
                    aria-describedby=if error.is_some() { "import-file-hint import-file-error" } else { "import-file-hint" }
                    aria-invalid=error.is_some().then_some("true")/>
            </div>
            <div class="field">
                <label for="import-json">"Or paste the JSON"</label>
                <textarea id="import-json" name="json" rows="6"></textarea>
            </div>
            <button type="submit" class="button">"Preview"</button>
        </form>
    }
}

fn preview_view(
    p: ImportPreview,
    import: ServerAction<ImportUpload>,
    flash: Option<Flash>,
) -> impl IntoView {
    let refused = p.tenders.iter().any(|t| t.held_elsewhere);
    let error = flash
        .as_ref()
        .filter(|f| f.form == "ocds_import")
        .map(|f| {
            f.errors
                .iter()
                .map(|(_, m)| m.to_owned())
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    let count = p.tenders.len();
    view! {
        <h2>"Preview"</h2>
        <p>{format!("{count} tender{} in this upload. Check them, then import.", if count == 1 { "" } else { "s" })}</p>
        {error.map(|e| view! { <div class="error-summary" role="alert"><p>{e}</p></div> })}
        <div class="table-scroll">
        <table class="import-preview">
            <caption>"Tenders in the upload"</caption>
            <thead><tr>
                <th scope="col">"ocid"</th><th scope="col">"Title"</th><th scope="col">"Buyer"</th>
                <th scope="col">"Lots"</th><th scope="col">"Lines"</th><th scope="col">"Value"</th>
                <th scope="col">"Here"</th><th scope="col">"Warnings"</th>
            </tr></thead>
            <tbody>
                {p.tenders.into_iter().map(|t| view! {
                    <tr>
                        <td class="ocid">{t.ocid.clone()}</td>
                        <th scope="row">{t.title.clone()}</th>
                        <td>{t.buyer.clone().unwrap_or_default()}</td>
                        <td>{t.lots}</td>
                        <td>{t.lines}</td>
                        <td>{t.value_gbp.map(pounds).unwrap_or_default()}</td>
                        <td>{match (t.updates, t.held_elsewhere) {
                            (Some(id), _) => view! { "updates "<A href=format!("/tenders/{id}")>"this tender"</A> }.into_any(),
                            (None, true) => view! { <strong>"held by another organisation"</strong> }.into_any(),
                            (None, false) => view! { "new" }.into_any(),
                        }}</td>
                        <td>{if t.warnings.is_empty() {
                            view! { "none" }.into_any()
                        } else {
                            view! { <ul class="plain">{t.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul> }.into_any()
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {refused.then(|| view! {
            <p role="alert">"Another organisation holds a tender with the same ocid: the import will be refused. Remove that release from the file."</p>
        })}
        <ActionForm action=import>
            <input type="hidden" name="upload" value=p.upload.clone()/>
            <button type="submit" class="button">"Import"</button>
        </ActionForm>
        <p><A href="/tenders/import">"Upload another file"</A></p>
    }
}

fn imported(r: ImportResult) -> impl IntoView {
    view! {
        <h2>"Imported"</h2>
        <p>"Each tender now has market depth and a lot planner."</p>
        <ul class="imported">
            {r.tenders.into_iter().map(|t| { let name = t.title.clone(); view! {
                <li>
                    <A href=format!("/tenders/{}", t.id)>{t.title.clone()}</A>
                    {format!(" ({}, {} lot{}, {} line{}{})", t.ocid, t.lots, if t.lots == 1 { "" } else { "s" },
                        t.items, if t.items == 1 { "" } else { "s" }, if t.updated { ", updated" } else if t.unchanged { ", unchanged: a newer release is already here" } else { "" })}
                    " · "<A href=format!("/tenders/{}/lots", t.id)>"plan lots"<span class="visually-hidden">{format!(" for {name}")}</span></A>
                </li>
            }}).collect_view()}
        </ul>
        <p><A href="/tenders/import">"Import more"</A>" · "<A href="/tenders">"All tenders"</A></p>
    }
}
