use leptos::prelude::*;
#[component]
pub fn Notices() -> impl IntoView {
    view! { <h1>"Notices"</h1> }
}
