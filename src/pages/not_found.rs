//! The page for an address the app does not know.

use leptos::prelude::*;

use crate::dom::{Node, h};
use crate::set_title;

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    set_title("Page not found");
    view! {
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p>"If you pasted the web address, check you copied the entire address."</p>
        <p>"You can:"</p>
        <ul>
            <li><a href="/">"see the status of all TIS services"</a></li>
            <li><a href="/incidents">"look through past incidents"</a></li>
            <li><a href="/notices">"read notices about TIS"</a></li>
        </ul>
    }
}

/// Shown when the address is right but the thing it names does not exist: an old link
/// to a service that was renamed, or a mistyped incident number. `what` is "service" or
/// "incident"; `back` and `back_text` say where to go instead.
pub fn missing(what: &str, back: &str, back_text: &str) -> Vec<Node> {
    let mut title = what.to_string();
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let title = format!("{title} not found");
    set_title(&title);
    vec![
        h("h1").t(title).into(),
        h("p")
            .t(format!("We could not find this {what}. The link may be wrong, or the {what} may have been removed."))
            .into(),
        h("p").c(h("a").a("href", back).t(back_text)).into(),
    ]
}
