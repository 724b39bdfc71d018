use crate::components::{flash_notice, Notice, PageCtx};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn Home() -> impl IntoView {
    let ctx = PageCtx::get();
    view! {
        <Title text=""/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (_, flash) = ctx.load().await;
                view! { <Notice text=flash_notice(&flash)/> }
            })}
        </Suspense>
        <h1>"Keep public spend in the places it comes from"</h1>
        <p class="lead">
            "Anchorlink is the register of local co-operatives, social enterprises, charities and small firms. "
            "Councils, NHS trusts and universities use it to find them, see how deep the local market is, "
            "and design contracts that local suppliers can win."
        </p>
        <div class="cards">
            <section class="card">
                <h2>"For suppliers"</h2>
                <p>"Register once, describe what you can do, and be found by the public bodies near you."</p>
                <A href="/signup" attr:class="button">"Register your organisation"</A>
            </section>
            <section class="card">
                <h2>"For public buyers"</h2>
                <p>"Search local suppliers by what they do, where they are and how they are owned."</p>
                <A href="/login" attr:class="button secondary">"Sign in"</A>
                " "
                <A href="/buyers/request-access">"Ask for buyer access"</A>
                // spend analysis and registry figures (issue 9)
                <p>"Upload your payments file to see "<A href="/spend">"where your money goes"</A>
                   ", and see the "<A href="/figures">"registry in figures"</A>"."</p>
            </section>
        </div>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p><A href="/">"Go to the home page"</A></p>
    }
}
