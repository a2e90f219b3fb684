use leptos::prelude::*;
#[component]
pub fn IncidentPage(id: i64) -> impl IntoView {
    view! { <h1>{id}</h1> }
}
