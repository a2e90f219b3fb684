//! The TIS Status browser app: Leptos, rendered in the browser, reading the JSON API.

pub mod api;
pub mod components;
mod manage;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::pages::{NotFound, Overview};

/// The whole app: the page frame and the routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} – TIS Status") />
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <header class="site-header">
                <div class="width">
                    <A href="/" attr:class="site-name">"TIS Status"</A>
                    <span class="site-tagline">"Is TIS working? Live status of the NHS Trainee Information System"</span>
                </div>
            </header>
            <main id="main" class="width" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Overview />
                    <Route path=path!("/sign-in") view=manage::SignInPage />
                    <manage::ManageRoutes />
                </Routes>
            </main>
            <footer class="site-footer">
                <div class="width">
                    <p>"All times are UK time. Status is checked automatically every few seconds."</p>
                </div>
            </footer>
        </Router>
    }
}
