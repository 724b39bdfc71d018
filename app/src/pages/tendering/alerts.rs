//! A supplier user's alerts (issue 12), `/alerts`: how they hear about new lots they can
//! bid for (at once, a daily digest, or not by e-mail), the lots matched to them lately
//! (new ones marked until they say they have seen them), the private Atom feed of their
//! organisation's matches (a secret URL, shown once, revocable) and the public feed. It
//! loads no wasm: every form is a plain post that comes back here with a notice.

use crate::components::{flash_notice, Notice, PageCtx};
use crate::error::AppError;
use crate::server_fns::opportunities::{
    get_alerts, MarkMatchesSeen, NewPrivateFeed, RevokePrivateFeed, SetAlertMode,
};
use domain::forms::Flash;
use domain::tendering::alerts::AlertMode;
use domain::tendering::opportunity_views::{AlertsView, MatchView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// `/alerts`.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let ctx = PageCtx::get();
    let view = Resource::new(|| (), |()| get_alerts());
    view! {
        <Title text="Alerts and feeds"/>
        <h1>"Alerts and feeds"</h1>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                match view.await {
                    Ok(v) => page(v, flash),
                    Err(AppError::Unauthenticated) => view! {
                        <p><A href="/login?next=/alerts">"Sign in"</A>" to choose how you hear about new lots."</p>
                    }.into_any(),
                    Err(_) => view! {
                        <p>"Alerts are for suppliers: sign in with your organisation's account."</p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn error_of(flash: &Option<Flash>, form: &str) -> Option<String> {
    flash
        .as_ref()
        .filter(|f| f.form == form || f.form == "*")
        .and_then(|f| f.errors.iter().next().map(|(_, m)| m.to_owned()))
}

fn page(v: AlertsView, flash: Option<Flash>) -> AnyView {
    let shown = flash_notice(&flash);
    let mode_error = error_of(&flash, "alerts-mode");
    let feed_error = error_of(&flash, "alerts-feed");
    let fresh = v.matches.iter().filter(|m| m.new).count();
    let listed = v.matches.len();
    view! {
        <Notice text=shown/>
        <p class="lead">"When a buyer here publishes a tender, or a notice from another portal is imported, "
            "every supplier whose work, place and capacity fit one of its lots is told. "
            <A href="/opportunities">"See all your opportunities"</A>"."</p>
        {mode_form(&v.mode, mode_error)}
        <section aria-labelledby="matches-title">
            <h2 id="matches-title">{format!("Lots matched to you ({fresh} new)")}</h2>
            {(listed == 0).then(|| view! {
                <p>"No lot on an open tender has been matched to you yet."</p>
            })}
            {(listed > 0).then(|| view! {
                <div class="table-scroll" role="region" aria-labelledby="matches-title" tabindex="0">
                <table class="matches">
                    <caption class="visually-hidden">"Lots matched to your organisation, newest first"</caption>
                    <thead><tr>
                        <th scope="col">"Lot"</th>
                        <th scope="col">"Tender"</th>
                        <th scope="col" class="num">"Value"</th>
                        <th scope="col">"Matched"</th>
                    </tr></thead>
                    <tbody>{v.matches.into_iter().map(match_row).collect_view()}</tbody>
                </table>
                </div>
            })}
            {(fresh > 0).then(|| view! {
                <ActionForm action={ServerAction::<MarkMatchesSeen>::new()} attr:class="inline">
                    <button type="submit" class="button secondary">"Mark all as seen"</button>
                </ActionForm>
            })}
        </section>
        {feeds(v.has_feed, feed_error)}
    }
    .into_any()
}

fn mode_form(mode: &str, error: Option<String>) -> AnyView {
    let has_error = error.is_some();
    let mode = mode.to_owned();
    view! {
        <section aria-labelledby="mode-title">
            <h2 id="mode-title">"E-mail alerts"</h2>
            <ActionForm action={ServerAction::<SetAlertMode>::new()}>
                <fieldset class="field" class:field-has-error=has_error
                    aria-describedby=if has_error { "mode-hint mode-error" } else { "mode-hint" }>
                    <legend>"How do you want to hear about new lots you can bid for?"</legend>
                    <p class="hint" id="mode-hint">"This is your own setting: others in your organisation choose theirs. "
                        "Every alert has a link to stop them without signing in."</p>
                    {error.map(|e| view! {
                        <p class="error-message" id="mode-error" role="alert"><span class="visually-hidden">"Error: "</span>{e}</p>
                    })}
                    {AlertMode::ALL.iter().map(|m| {
                        let id = format!("mode-{}", m.slug());
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="mode" value=m.slug() checked=m.slug() == mode.as_str()/>
                                " "<label for=id>{m.label()}</label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button">"Save alert setting"</button>
            </ActionForm>
        </section>
    }
    .into_any()
}

fn match_row(m: MatchView) -> AnyView {
    let value = u64::try_from(m.value_gbp).map_or_else(
        |_| "—".to_owned(),
        |v| domain::text::Gbp::new(v).to_string(),
    );
    view! {
        <tr>
            <td>
                <A href=format!("/tenders/{}", m.tender_id)>{m.lot_title.clone()}</A>
                {m.new.then(|| view! { " "<strong class="tag">"New"</strong> })}
            </td>
            <td>{m.tender_title.clone()}</td>
            <td class="num">{value}</td>
            <td>{m.matched_at.format("%-d %b %Y").to_string()}</td>
        </tr>
    }
    .into_any()
}

fn feeds(has_feed: bool, error: Option<String>) -> AnyView {
    view! {
        <section aria-labelledby="feeds-title">
            <h2 id="feeds-title">"Feeds"</h2>
            <p>"A feed reader (or another system) can follow the lots instead of e-mail."</p>
            <h3>"Your private feed"</h3>
            <p>"The lots matched to your organisation, at a secret address. Anyone with the address can read it; "
                "making a new one stops the old one."</p>
            {error.map(|e| view! { <p class="error-message" role="alert">{e}</p> })}
            <p>{if has_feed {
                "Your organisation has a private feed. Its address was shown once, when it was made."
            } else {
                "Your organisation has no private feed."
            }}</p>
            <div class="actions">
                <ActionForm action={ServerAction::<NewPrivateFeed>::new()} attr:class="inline">
                    <button type="submit" class="button">{if has_feed { "Make a new address" } else { "Make a private feed" }}</button>
                </ActionForm>
                {has_feed.then(|| view! {
                    <ActionForm action={ServerAction::<RevokePrivateFeed>::new()} attr:class="inline">
                        <button type="submit" class="button secondary">"Stop the private feed"</button>
                    </ActionForm>
                })}
            </div>
            <h3>"The public feed"</h3>
            <p>"Every open lot on Anchorlink: "<a href="/feeds/opportunities.atom">"/feeds/opportunities.atom"</a>". "
                "Narrow it with "<code>"cpv"</code>" (a CPV division, such as 77), "<code>"outcode"</code>
                " and "<code>"radius_km"</code>", for example "
                <a href="/feeds/opportunities.atom?cpv=77&outcode=PR1&radius_km=20">"grounds work within 20 km of PR1"</a>"."</p>
        </section>
    }
    .into_any()
}
