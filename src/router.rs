//! Client-side routing in a few lines of browser API: links within the app change the
//! address without a reload, and the back button works. A router crate would cost more
//! Wasm than the whole of this app's routing needs.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

pub use tis_markup::route::Page;

/// Where the reader is: the path and the query string (without "?").
#[derive(Clone, Copy)]
pub struct Location {
    pub path: RwSignal<String>,
    pub query: RwSignal<String>,
}

impl Location {
    /// One value of the query string, decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query.with(|q| param(q, name))
    }
}

/// The value of `name` in a query string like "service=sign-in&year=2026".
pub fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name && !value.is_empty()).then(|| decode(value))
    })
}

/// Percent-decodes a path segment or query value ("+" is a space in a query).
pub fn decode(text: &str) -> String {
    js_sys::decode_uri_component(&text.replace('+', " "))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| text.to_string())
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

thread_local! {
    /// The app's location, for code that runs outside any component (event handlers).
    static LOCATION: std::cell::OnceCell<Location> = const { std::cell::OnceCell::new() };
}

fn current() -> (String, String) {
    let location = window().location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let query = location.search().unwrap_or_default();
    (path, query.trim_start_matches('?').to_string())
}

/// Starts routing: reads the address, follows the back and forward buttons, and (when
/// `follow_links`) turns clicks on links within the app into address changes without a
/// reload.
pub fn provide_location(follow_links: bool) -> Location {
    let (path, query) = current();
    let location = Location {
        path: RwSignal::new(path),
        query: RwSignal::new(query),
    };
    provide_context(location);
    LOCATION.with(|l| l.set(location).ok());

    let on_pop = Closure::<dyn Fn()>::new(move || {
        let (path, query) = current();
        location.path.set(path);
        location.query.set(query);
    });
    window().set_onpopstate(Some(on_pop.as_ref().unchecked_ref()));
    // The app lives as long as the page, so the handlers do too.
    on_pop.forget();
    // A link like /about#uptime opened directly: the browser looked for #uptime before
    // the app drew it, so look again once it has.
    if let Some(fragment) = window()
        .location()
        .hash()
        .ok()
        .and_then(|h| h.strip_prefix('#').map(str::to_string))
        .filter(|f| !f.is_empty())
    {
        scroll_to_when_drawn(fragment, 20);
    }
    if !follow_links {
        return location;
    }

    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |event| {
        if let Some(href) = link_to_follow(&event) {
            event.prevent_default();
            navigate(&href);
        }
    });
    let _ = document().add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    on_click.forget();
    location
}

/// The address a click should take the app to, or `None` when the browser should handle
/// it: other sites, new tabs, downloads, the API and feeds, links within the page.
fn link_to_follow(event: &web_sys::MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.ctrl_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let target: web_sys::Element = event.target()?.dyn_into().ok()?;
    let link = target.closest("a[href]").ok()??;
    if link.has_attribute("download") || link.get_attribute("target").is_some_and(|t| !t.is_empty())
    {
        return None;
    }
    let href = link.get_attribute("href")?;
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    // The API, the feeds and the staff pages (a bundle of their own) load in full.
    let other_bundle = href == "/sign-in" || href == "/manage" || href.starts_with("/manage/");
    if href.starts_with("/api/") || href.starts_with("/feed") || other_bundle {
        return None;
    }
    let (path, _) = current();
    let without_hash = href.split('#').next().unwrap_or_default();
    if without_hash.is_empty() || (href.contains('#') && without_hash == path) {
        return None;
    }
    Some(href)
}

/// Goes to `href` (a path with an optional query and fragment) within the app, as a new
/// history entry. Focus moves to the start of the new page's content, so screen reader
/// and keyboard users start reading there, as they would after a full page load.
pub fn navigate(href: &str) {
    let Some(location) = LOCATION.with(|l| l.get().copied()) else {
        return;
    };
    let history = window().history();
    if history
        .as_ref()
        .map(|h| h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href)))
        .is_err()
    {
        let _ = window().location().set_href(href);
        return;
    }
    let (path, query) = current();
    let changed_page =
        location.path.get_untracked() != path || location.query.get_untracked() != query;
    location.path.set(path);
    location.query.set(query);
    let fragment = href.split_once('#').map(|(_, f)| f.to_string());
    // After the new page has rendered.
    set_timeout(
        move || {
            if let Some(target) = fragment.and_then(|f| document().get_element_by_id(&f)) {
                target.scroll_into_view();
                focus(&target);
            } else if changed_page {
                window().scroll_to_with_x_and_y(0.0, 0.0);
                if let Some(main) = document().get_element_by_id("main") {
                    focus(&main);
                }
            }
        },
        std::time::Duration::ZERO,
    );
}

/// Scrolls to the element with id `fragment` once it exists, looking every 100 ms up to
/// `tries` times (its data may still be on the way).
fn scroll_to_when_drawn(fragment: String, tries: u32) {
    set_timeout(
        move || match document().get_element_by_id(&fragment) {
            Some(target) => {
                target.scroll_into_view();
                focus(&target);
            }
            None if tries > 0 => scroll_to_when_drawn(fragment, tries - 1),
            None => {}
        },
        std::time::Duration::from_millis(100),
    );
}

fn focus(element: &web_sys::Element) {
    if let Some(el) = element.dyn_ref::<web_sys::HtmlElement>() {
        if el.get_attribute("tabindex").is_none() {
            let _ = el.set_attribute("tabindex", "-1");
        }
        let _ = el.focus();
    }
}
