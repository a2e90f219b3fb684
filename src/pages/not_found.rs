use leptos::prelude::*;

use crate::set_title;

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    set_title("Page not found");
    view! {
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p>"If you pasted the web address, check you copied the entire address."</p>
        <p><a href="/">"See the status of all TIS services"</a></p>
    }
}
