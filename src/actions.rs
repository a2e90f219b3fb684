//! What readers do with controls drawn as content (rule 2 of `crate::dom`): one listener
//! for the whole page reads the control's `data-action` and acts, so no control needs
//! code of its own.

use leptos::prelude::*;
use tis_core::Audience;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::AudienceChoice;
use crate::conn::Conn;
use crate::router::{encode, navigate};

/// Reader choices that pages share.
#[derive(Clone, Copy)]
pub struct Choices {
    /// The service page shows a year of uptime rather than 90 days.
    pub year_of_uptime: RwSignal<bool>,
}

/// Starts listening for actions, for the life of the page.
pub fn listen(conn: Conn, audience: AudienceChoice) -> Choices {
    let choices = Choices {
        year_of_uptime: RwSignal::new(false),
    };
    provide_context(choices);
    on("click", move |target| {
        let Some(control) = target.closest("[data-action]").ok().flatten() else {
            return false;
        };
        match control.get_attribute("data-action").as_deref() {
            Some("retry") => conn.retry_now(),
            Some("uptime-year") => choices.year_of_uptime.update(|y| *y = !*y),
            _ => return false,
        }
        true
    });
    on("change", move |target| {
        if target.get_attribute("data-action").as_deref() != Some("audience") {
            return false;
        }
        let value = target
            .dyn_ref::<web_sys::HtmlInputElement>()
            .map(|i| i.value())
            .unwrap_or_default();
        audience
            .0
            .set(Audience::parse(&value).unwrap_or(Audience::Everyone));
        false
    });
    on("submit", move |target| {
        match target.get_attribute("data-action").as_deref() {
            Some("subscribe") => return crate::pages::subscribe::submit(),
            Some("filter-incidents") => {}
            _ => return false,
        }
        navigate(&incident_filter_href(
            &select_value("filter-service"),
            &select_value("filter-year"),
        ));
        true
    });
    choices
}

/// Listens for `event` on the whole document; `act` says whether it handled it (and so
/// the browser should not).
fn on(event: &str, act: impl Fn(web_sys::Element) -> bool + 'static) {
    let handler = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        let target = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if target.is_some_and(&act) {
            e.prevent_default();
        }
    });
    let _ = document().add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
    // The page's listeners live as long as the page.
    handler.forget();
}

fn select_value(id: &str) -> String {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|s| s.value())
        .unwrap_or_default()
}

/// The address of the incidents list filtered by a service id and a year (either may be
/// empty, for all).
pub fn incident_filter_href(service: &str, year: &str) -> String {
    let mut parts = Vec::new();
    if !service.is_empty() {
        parts.push(format!("service={}", encode(service)));
    }
    if !year.is_empty() {
        parts.push(format!("year={}", encode(year)));
    }
    if parts.is_empty() {
        "/incidents".to_string()
    } else {
        format!("/incidents?{}", parts.join("&"))
    }
}
