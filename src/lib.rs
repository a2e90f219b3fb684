//! The TIS Status browser app: Leptos, rendered in the browser, reading the JSON API.
//!
//! Public pages answer "is it me or is it TIS, and when will it be back?" for people who
//! are often anxious and on a slow network, so the app is kept small, shows the last
//! known status at once, and says plainly when it cannot reach the server.

pub mod actions;
pub mod api;
pub mod cache;
pub mod components;
pub mod conn;
pub mod dom;
pub mod manage;
pub mod pages;
pub mod router;
pub mod words;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use tis_core::Audience;

use crate::conn::Conn;
use crate::pages::{About, IncidentPage, Incidents, NotFound, Notices, Overview, ServicePage};
use crate::router::{Page, provide_location};

/// Now, by the browser's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The time, ticking, for "6 minutes ago" and countdowns.
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<DateTime<Utc>>);

/// How often relative times are brought up to date.
const TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// Which notices the reader wants to see, remembered in the browser.
#[derive(Clone, Copy)]
pub struct AudienceChoice(pub RwSignal<Audience>);

const AUDIENCE_KEY: &str = "tis-status:audience";

/// Sets the browser tab's title: "`page` – TIS Status".
pub fn set_title(page: &str) {
    document().set_title(&format!("{page} – TIS Status"));
}

/// The whole app: every page, with links between them followed without a reload.
#[component]
pub fn App() -> impl IntoView {
    frame(true, |page| match page {
        Page::Overview => view! { <Overview /> }.into_any(),
        Page::Service(id) => view! { <ServicePage id /> }.into_any(),
        Page::Incidents => view! { <Incidents /> }.into_any(),
        Page::Incident(id) => view! { <IncidentPage id /> }.into_any(),
        Page::Notices => view! { <Notices /> }.into_any(),
        Page::About => view! { <About /> }.into_any(),
        Page::NotFound => view! { <NotFound /> }.into_any(),
    })
}

/// The overview alone, for a first visit to `/`: a reader who came to see whether TIS
/// is working gets the answer from a download a fraction of the size of the whole app.
/// Links to other pages load the whole app (`index.html` picks which to load).
#[component]
pub fn FirstView() -> impl IntoView {
    frame(false, |page| match page {
        Page::Overview => view! { <Overview /> }.into_any(),
        _ => view! { <NotFound /> }.into_any(),
    })
}

/// The page frame: skip link, header and navigation, the page, and the footer.
/// `follow_links` makes links within the app change the page without a reload.
fn frame(follow_links: bool, pages: fn(Page) -> AnyView) -> impl IntoView {
    let location = provide_location(follow_links);
    let conn = Conn::start();
    let clock = Clock(RwSignal::new(now()));
    provide_context(clock);
    let _ = set_interval_with_handle(move || clock.0.set(now()), TICK);
    let audience = api::stored_choice(AUDIENCE_KEY)
        .and_then(|word| Audience::parse(&word))
        .unwrap_or(Audience::Everyone);
    let chosen = AudienceChoice(RwSignal::new(audience));
    provide_context(chosen);
    actions::listen(conn, chosen);
    Effect::new(move |_| {
        api::store_choice(AUDIENCE_KEY, chosen.0.get().as_str());
    });

    let page = Memo::new(move |_| location.path.with(|p| Page::for_path(p)));
    let nav = move |href: &'static str, label: &'static str, matches: fn(&Page) -> bool| {
        view! {
            <li>
                <a href=href aria-current=move || page.with(matches).then_some("page")>{label}</a>
            </li>
        }
    };
    view! {
        <a class="skip-link" href="#main">"Skip to main content"</a>
        <header class="site-header">
            <div class="width">
                <a href="/" class="site-name">"TIS Status"</a>
                <span class="site-tagline">"Is TIS working? Live status of the NHS Trainee Information System"</span>
            </div>
            <nav class="site-nav" aria-label="Main">
                <ul class="width">
                    {nav("/", "Live status", |p| *p == Page::Overview || matches!(p, Page::Service(_)))}
                    {nav("/incidents", "Incidents", |p| matches!(p, Page::Incidents | Page::Incident(_)))}
                    {nav("/notices", "Notices", |p| *p == Page::Notices)}
                    {nav("/about", "How it works", |p| *p == Page::About)}
                </ul>
            </nav>
        </header>
        <main id="main" class="width" tabindex="-1">
            {move || pages(page.get())}
        </main>
        <footer class="site-footer">
            <div class="width">
                <p>"All times are UK time: GMT in winter, BST in summer."</p>
                <p>
                    "If TIS is not working for you and this page does not say why, contact your local TIS support team. "
                    <a href="/about">"How this page works"</a>
                    " · "
                    <a href="/feed.atom">"Feed of incidents and notices"</a>
                </p>
            </div>
        </footer>
    }
}
