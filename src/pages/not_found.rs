use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Shown for any address the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"If you typed the web address, check it is correct."</p>
        <p>"If you pasted the web address, check you copied the entire address."</p>
        <p><A href="/">"See the status of all TIS services"</A></p>
    }
}
