//! `/subscribe`: the form "Get emails about TIS problems". The same form the server
//! writes (which works as a plain HTML form with scripts off); here it is sent to the
//! API instead, and the answer or the problems are shown in place.

use leptos::prelude::*;
use tis_core::FieldError;
use tis_core::wire::{NewsKind, ServiceList, SubscriptionRequest};
use tis_markup::subscribe::{self, Filled};
use wasm_bindgen::JsCast;

use crate::api::{Shown, live};
use crate::conn::Part;
use crate::dom::Content;
use crate::http::{self, ApiError, Request};
use crate::set_title;

/// Where the form stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Filling {
        filled: Filled,
        errors: Vec<FieldError>,
    },
    Sent,
}

/// The form's stage, shared with the page's one submit listener (`crate::actions`).
#[derive(Clone, Copy)]
pub struct SubscribeForm(RwSignal<Stage>);

thread_local! {
    /// The form on the page now, if any: the listener runs outside every component, so
    /// it cannot reach the page's context.
    static FORM: std::cell::Cell<Option<SubscribeForm>> = const { std::cell::Cell::new(None) };
}

/// `/subscribe`.
#[component]
pub fn Subscribe() -> impl IntoView {
    set_title("Get emails about TIS problems");
    let stage = RwSignal::new(Stage::Filling {
        filled: Filled::default(),
        errors: Vec::new(),
    });
    FORM.with(|f| f.set(Some(SubscribeForm(stage))));
    on_cleanup(|| FORM.with(|f| f.set(None)));
    let services =
        live::<ServiceList>(|| Some("/api/v1/services".into()), &[Part::Services]).state();
    let content = move || match stage.get() {
        Stage::Sent => subscribe::sent(),
        Stage::Filling { filled, errors } => {
            let names: Vec<(String, String)> = match services.get() {
                Shown::Ready(list) => list
                    .services
                    .iter()
                    .map(|s| (s.id.clone(), s.name.clone()))
                    .collect(),
                _ => Vec::new(),
            };
            subscribe::form(&names, &filled, &errors)
        }
    };
    view! { <Content of=content /> }
}

fn checked(name: &str) -> Vec<String> {
    let Ok(list) = document().query_selector_all(&format!("input[name={name}]:checked")) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .collect()
}

fn focus(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Sends the form to the API; `true` when this page's form was there to send.
pub fn submit() -> bool {
    let Some(SubscribeForm(stage)) = FORM.with(|f| f.get()) else {
        return false;
    };
    let email = document()
        .get_element_by_id("subscribe-email")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default();
    let filled = Filled {
        email,
        services: checked("services"),
        kinds: Some(
            checked("kinds")
                .iter()
                .filter_map(|k| NewsKind::parse(k))
                .collect(),
        ),
    };
    let request = SubscriptionRequest {
        email: filled.email.clone(),
        services: filled.services.clone(),
        kinds: filled.kinds.clone().unwrap_or_default(),
    };
    let body = serde_json::to_string(&request).unwrap_or_default();
    // Not an `Action`: this runs from the page's one submit listener (rule 2 of
    // `crate::dom`), outside any component, and sets the form's stage when done.
    leptos::task::spawn_local(async move {
        let answer = http::send(Request::new("POST", "/api/v1/subscriptions").json(body)).await;
        match answer {
            Ok(_) => {
                stage.set(Stage::Sent);
                focus("subscribe-sent");
            }
            Err(ApiError::Invalid { errors, detail }) => {
                let errors = if errors.is_empty() {
                    vec![FieldError::new("email", detail)]
                } else {
                    errors
                };
                stage.set(Stage::Filling { filled, errors });
                focus("subscribe-problems");
            }
            Err(other) => {
                stage.set(Stage::Filling {
                    filled,
                    errors: vec![FieldError::new("email", other.to_string())],
                });
                focus("subscribe-problems");
            }
        }
    });
    true
}
