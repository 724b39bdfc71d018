//! Anchorlink's Leptos application: pages, components, routing and server functions, laid
//! out by bounded context (`pages::<context>`, `server_fns::<context>`). The types they
//! exchange are `domain`'s; everything that touches the database goes through `backend`,
//! behind the `ssr` feature, so the browser build carries neither.

// light pages (issue 13): the hashed asset names the shell links
pub mod assets;
pub mod components;
pub mod error;
pub mod pages;
pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod web;

use components::{PageCtx, SiteHeader};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = use_context::<assets::AssetNames>()
        .unwrap_or_else(assets::AssetNames::unhashed)
        .stylesheet_href();
    let hydrate = use_context::<http::request::Parts>()
        .is_none_or(|request| assets::has_islands(request.uri.path()));
    view! {
        <!DOCTYPE html>
        <html lang="en-GB">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                // light pages (issue 13): the stylesheet under its content-hashed name
                <link rel="stylesheet" href=stylesheet/>
                // light pages (issue 13): only pages with islands load the browser half, and
                // it hydrates those islands alone
                {hydrate.then(|| view! { <HydrationScripts options islands=true/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|t: String| if t.is_empty() { "Anchorlink".to_owned() } else { format!("{t} – Anchorlink") }/>
        <Router>
            <Shell/>
        </Router>
    }
}

/// Everything inside the router: who is signed in (re-read on every navigation, so sign-in
/// and sign-out show at once), the header, and the pages.
#[component]
fn Shell() -> impl IntoView {
    let location = use_location();
    let ctx = Resource::new(
        move || (location.pathname.get(), location.search.get()),
        |_| server_fns::accounts::page_context(),
    );
    provide_context(PageCtx(ctx));
    use pages::*;
    view! {
        <a href="#main" class="skip-link">"Skip to main content"</a>
        <SiteHeader/>
        <main id="main" class="container" tabindex="-1">
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/") view=Home ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/check-email") view=CheckEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password/sent") view=ResetSentPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invitations/:token") view=InvitationPage ssr=SsrMode::Async/>
                <Route path=path!("/buyers/request-access") view=BuyerAccessPage ssr=SsrMode::Async/>
                <Route path=path!("/buyers/requested") view=BuyerRequestedPage ssr=SsrMode::Async/>
                <Route path=path!("/profile") view=ProfileOverviewPage ssr=SsrMode::Async/>
                <Route path=path!("/profile/:step") view=ProfileStepPage ssr=SsrMode::Async/>
                <Route path=path!("/suppliers") view=SearchPage ssr=SsrMode::Async/>
                <Route path=path!("/suppliers/:id") view=SupplierPage ssr=SsrMode::Async/>
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async/>
                <Route path=path!("/shortlists") view=ShortlistsPage ssr=SsrMode::Async/>
                <Route path=path!("/shortlists/:id") view=ShortlistPage ssr=SsrMode::Async/>
                <Route path=path!("/jobs/:id") view=JobPage ssr=SsrMode::Async/>
                // tendering (issue 8)
                <Route path=path!("/tenders") view=TendersPage ssr=SsrMode::Async/>
                // tendering: the buyer's drafting pages; static paths before /tenders/:id
                <Route path=path!("/tenders/new") view=NewTenderPage ssr=SsrMode::Async/>
                <Route path=path!("/tenders/:id/edit") view=TenderEditPage ssr=SsrMode::Async/>
                // lot planner, publish and import (issue 8 pages); `/tenders/import` before `/tenders/:id`
                <Route path=path!("/tenders/import") view=ImportPage ssr=SsrMode::Async/>
                <Route path=path!("/tenders/:id/lots") view=LotsPage ssr=SsrMode::Async/>
                <Route path=path!("/tenders/:id/publish") view=PublishPage ssr=SsrMode::Async/>
                <Route path=path!("/tenders/:id") view=TenderPage ssr=SsrMode::Async/>
                // spend analysis (issue 9)
                <Route path=path!("/spend") view=SpendListPage ssr=SsrMode::Async/>
                <Route path=path!("/spend/:id") view=SpendAnalysisPage ssr=SsrMode::Async/>
                // spend: the column-mapping step
                <Route path=path!("/spend/:id/columns") view=SpendColumnsPage ssr=SsrMode::Async/>
                // registry figures (issue 9)
                <Route path=path!("/figures") view=FiguresPage ssr=SsrMode::Async/>
                // opportunities, interest and partners (issue 12)
                <Route path=path!("/opportunities") view=OpportunitiesPage ssr=SsrMode::Async/>
                <Route path=path!("/alerts") view=AlertsPage ssr=SsrMode::Async/>
                <Route path=path!("/lots/:id/partners") view=PartnersPage ssr=SsrMode::Async/>
                <Route path=path!("/partner-requests/:id") view=PartnerRequestPage ssr=SsrMode::Async/>
                <Route path=path!("/tenders/:id/interest") view=TenderInterestPage ssr=SsrMode::Async/>
            </Routes>
        </main>
        <footer class="site-footer container">
            <p>"Anchorlink is open-source software for Local Wealth Building. "
            "CPV 2008 vocabulary © European Union; outcode centroids from Ordnance Survey Code-Point Open (OGL)."</p>
            // registry figures (issue 9)
            <p><a href="/figures">"The registry in figures"</a></p>
        </footer>
    }
}
