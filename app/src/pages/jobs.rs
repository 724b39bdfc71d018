//! A background job's progress page, `/jobs/{id}`: imports, alerts and spend files link
//! here. It works without JavaScript: while the job runs, the page reloads itself every
//! two seconds (`<meta http-equiv="refresh">`), and progress is a `<progress>` bar with the
//! same figures as text.

use crate::components::route_id;
use crate::error::AppError;
use crate::server_fns::jobs::get_job;
use domain::jobs::{JobStatus, JobView};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

/// How often a running job's page reloads, in seconds.
const REFRESH_SECS: u32 = 2;

#[component]
pub fn JobPage() -> impl IntoView {
    let id = route_id();
    let job = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_job(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match job.await {
                    Ok(j) => job_view(j).into_any(),
                    Err(AppError::Unauthenticated) => view! {
                        <Title text="Sign in"/>
                        <h1>"Sign in to see this job"</h1>
                        <p><A href="/login">"Sign in"</A></p>
                    }.into_any(),
                    Err(_) => view! {
                        <Title text="Job not found"/>
                        <h1>"Job not found"</h1>
                        <p>"This job does not exist, or it is not yours to see."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn job_view(j: JobView) -> impl IntoView {
    let running = !j.status.is_finished();
    let summary = j
        .result
        .as_ref()
        .and_then(|r| r.get("summary"))
        .and_then(|v| v.as_str())
        .map(str::to_owned);
    let link = j
        .result
        .as_ref()
        .and_then(|r| r.get("link"))
        .and_then(|v| v.as_str())
        .filter(|l| domain::forms::internal_path(l).is_some())
        .map(str::to_owned);
    let figures = match j.total {
        Some(total) => format!("{} of {total} done", j.done),
        None if j.done > 0 => format!("{} done", j.done),
        None => String::new(),
    };
    view! {
        <Title text=format!("Job {}", j.id)/>
        {running.then(|| view! { <Meta http_equiv="refresh" content=REFRESH_SECS.to_string()/> })}
        <h1>{format!("Job {}: {}", j.id, j.kind.replace('_', " "))}</h1>
        <p role="status" class="job-status"><strong>{j.status.label()}</strong>
            {(j.status == JobStatus::Queued && j.attempts > 0)
                .then(|| format!(" (attempt {} of {} failed; it will try again)", j.attempts, j.max_attempts))}
        </p>
        {(j.status == JobStatus::Running || j.total.is_some()).then(|| {
            let label = j.percent().map_or_else(|| "working".to_owned(), |p| format!("{p}%"));
            view! {
                <p>
                    <label for="job-progress">"Progress"</label>" "
                    {match j.total {
                        Some(total) => view! { <progress id="job-progress" max=total.to_string() value=j.done.min(total).to_string()>{label.clone()}</progress> }.into_any(),
                        None => view! { <progress id="job-progress">{label.clone()}</progress> }.into_any(),
                    }}
                    " " {figures.clone()}
                </p>
            }
        })}
        {(!j.note.is_empty()).then(|| view! { <p class="hint">{j.note.clone()}</p> })}
        {summary.map(|s| view! { <p>{s}</p> })}
        {link.map(|l| view! { <p><A href=l>"See the result"</A></p> })}
        {(j.status == JobStatus::Failed).then(|| view! {
            <div class="error-summary" role="alert">
                <h2>"This job failed"</h2>
                <p>{format!("It was tried {} times.", j.attempts)}</p>
                {j.error.clone().map(|e| view! { <pre>{e}</pre> })}
            </div>
        })}
        {running.then(|| view! { <p class="hint">{format!("This page refreshes every {REFRESH_SECS} seconds.")}</p> })}
        <dl class="summary">
            <dt>"Started"</dt><dd>{j.created_at.clone()}</dd>
            {j.finished_at.clone().map(|f| view! { <dt>"Finished"</dt><dd>{f}</dd> })}
        </dl>
    }
}
