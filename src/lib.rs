//! The TIS Status browser app: Leptos, rendered in the browser, reading the JSON API.
//!
//! Public pages answer "is it me or is it TIS, and when will it be back?" for people who
//! are often anxious and on a slow network, so the app is kept small, shows the last
//! known status at once, and says plainly when it cannot reach the server.

pub mod actions;
pub mod api;
pub mod cache;
pub mod clock;
pub mod components;
pub mod conn;
pub mod dom;
pub mod http;
pub mod pages;
pub mod router;
pub mod staff;
pub mod storage;
pub use tis_markup::words;

use leptos::prelude::*;
use tis_core::Audience;

use crate::conn::Conn;
use crate::dom::Content;
use crate::pages::{
    About, IncidentPage, Incidents, NotFound, Notices, Overview, ServicePage, Subscribe,
};
use crate::router::{Page, provide_location};
use tis_markup::frame::{self, Section};

pub use crate::clock::{Clock, now};

/// Which notices the reader wants to see, remembered in the browser.
#[derive(Clone, Copy)]
pub struct AudienceChoice(pub RwSignal<Audience>);

/// Kept as `tis-status:audience` (see [`storage`]).
const AUDIENCE_KEY: &str = "audience";

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
        Page::Subscribe => view! { <Subscribe /> }.into_any(),
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
    Clock::get();
    let audience = storage::get(AUDIENCE_KEY)
        .and_then(|word| Audience::parse(&word))
        .unwrap_or(Audience::Everyone);
    let chosen = AudienceChoice(RwSignal::new(audience));
    provide_context(chosen);
    actions::listen(conn, chosen);
    Effect::new(move |_| {
        storage::set(AUDIENCE_KEY, chosen.0.get().as_str());
    });

    let page = Memo::new(move |_| location.path.with(|p| Page::for_path(p)));
    let header = move || {
        let section = page.with(|p| match p {
            Page::Overview | Page::Service(_) => Some(Section::Status),
            Page::Incidents | Page::Incident(_) => Some(Section::Incidents),
            Page::Notices => Some(Section::Notices),
            Page::About => Some(Section::About),
            Page::Subscribe | Page::NotFound => None,
        });
        frame::header(section)
    };
    // Drawn once the page's own content has been (effects run before timers), so the
    // server's copy is swapped for an identical one in a single step.
    set_timeout(take_over, std::time::Duration::ZERO);
    view! {
        <Content of=header />
        <main id="main" class="width" tabindex="-1">
            {move || pages(page.get())}
        </main>
        <Content of=frame::footer />
    }
}

/// The id of the server's copy of the page (see `crates/server/src/http/page.rs`).
const SERVER_COPY: &str = "tis-page";
/// The id of the element the app draws into.
const APP_HOLDER: &str = "tis-app";

/// Starts `app` in the page. The server wrote the page's content into the HTML, so the
/// answer is on screen before any script runs; the app draws its own copy out of sight
/// and then puts it in the server's place ([`take_over`]), from the same data and the
/// same builders, so the reader sees no jump.
pub fn start<V: IntoView + 'static>(app: impl FnOnce() -> V + 'static) {
    let doc = document();
    let Ok(holder) = doc.create_element("div") else {
        return;
    };
    holder.set_id(APP_HOLDER);
    // A page the server wrote for one request (the answer to a form or a link in an
    // email) is complete as it is, and no address of the app's.
    if doc
        .get_element_by_id(SERVER_COPY)
        .is_some_and(|copy| copy.has_attribute("data-static"))
    {
        return;
    }
    if doc.get_element_by_id(SERVER_COPY).is_some() {
        let _ = holder.set_attribute("hidden", "");
    }
    let Some(body) = doc.body() else {
        return;
    };
    let _ = body.append_child(&holder);
    use wasm_bindgen::JsCast;
    if let Ok(holder) = holder.dyn_into::<web_sys::HtmlElement>() {
        leptos::mount::mount_to(holder, app).forget();
    }
}

/// Removes the server's copy of the page and shows the app's in its place, in one step.
pub fn take_over() {
    let doc = document();
    if let Some(copy) = doc.get_element_by_id(SERVER_COPY) {
        copy.remove();
    }
    if let Some(holder) = doc.get_element_by_id(APP_HOLDER) {
        let _ = holder.remove_attribute("hidden");
    }
}
