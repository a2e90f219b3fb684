use leptos::prelude::*;
#[component]
pub fn ServicePage(id: String) -> impl IntoView {
    view! { <h1>{id}</h1> }
}
