//! The staff pages under `/manage`, and `/sign-in`: support posts notices and incident
//! updates; editors also run incidents and write their reports.

mod alerts;
mod client;
mod form;
mod hints;
mod home;
mod incidents;
mod notices;
mod report;
mod report_draft;
mod revisions;
mod services;
mod session;
mod subscribers;
mod subscriptions;

use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::components::{A, Outlet, ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_params_map};
use leptos_router::{MatchNestedRoutes, path};
use tis_core::ServiceState;

use session::{Session, SignInAgain, SignInChoices, SignOutButton, role_words};

pub use session::SignInPage;

/// The staff app: its own Wasm bundle, served for `/sign-in` and every `/manage` address.
#[component]
pub fn StaffApp() -> impl IntoView {
    provide_meta_context();
    // One session for the whole page, asked about once: signing in on `/sign-in` carries
    // over to the staff pages it leads to.
    Session::get();
    view! {
        <Title formatter=|page: String| format!("{page} – TIS Status") />
        <Router>
            <a class="skip-link" href="#main">"Skip to main content"</a>
            <header class="site-header">
                <div class="width">
                    // The public pages are another bundle: a plain link loads them.
                    <a href="/" class="site-name" rel="external">"TIS Status"</a>
                    <span class="site-tagline">"Staff pages"</span>
                </div>
            </header>
            <main id="main" class="width" tabindex="-1">
                <Routes fallback=StaffNotFound>
                    <Route path=path!("/sign-in") view=SignInPage />
                    <StaffRoutes />
                </Routes>
            </main>
            <footer class="site-footer">
                <div class="width">
                    <p>"All times are UK time: GMT in winter, BST in summer."</p>
                </div>
            </footer>
        </Router>
    }
}

/// An address under `/manage` that is not a staff page.
#[component]
fn StaffNotFound() -> impl IntoView {
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>"There is no staff page at this address. Check it, or go to the "
            <A href="/manage">"staff home page"</A> "."</p>
    }
}

/// The routes under `/manage`, for the app's `<Routes>` (beside `/sign-in`, which is
/// [`SignInPage`]). One parent route, so it works with erased component types too.
#[component(transparent)]
pub fn StaffRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/manage") view=StaffFrame>
            <Route path=path!("") view=home::StaffHome />
            <Route path=path!("notices") view=notices::NoticeList />
            <Route path=path!("notices/new") view=notices::NoticeEditor />
            <Route path=path!("notices/:id") view=notices::NoticeEditor />
            <Route path=path!("incidents") view=incidents::IncidentList />
            <Route path=path!("incidents/new") view=incidents::OpenIncident />
            <Route path=path!("incidents/:id") view=incidents::IncidentPage />
            <Route path=path!("incidents/:id/report") view=report::ReportEditor />
            <Route path=path!("incidents/:id/revisions") view=revisions::Revisions />
            <Route path=path!("glossary") view=hints::GlossaryPage />
            <Route path=path!("alerts") view=alerts::AlertsPage />
            <Route path=path!("subscriptions") view=subscriptions::SubscriptionsPage />
            <Route path=path!("services") view=services::ServiceList />
            <Route path=path!("services/:id") view=services::ServicePage />
            <Route path=path!("subscribers") view=subscribers::SubscribersPage />
        </ParentRoute>
    }
    .into_inner()
}

/// Every service, for the forms that name them; loaded once for all staff pages (none
/// until they are in, and none if they could not be loaded: the forms still work).
#[derive(Clone, Copy)]
pub struct Services(pub Signal<Vec<ServiceState>>);

impl Services {
    pub fn get() -> Services {
        if let Some(s) = use_context::<Services>() {
            return s;
        }
        let loaded = LocalResource::new(|| async {
            client::services().await.map(|list| {
                let mut services = list.services;
                services.sort_by_key(|s| s.position);
                services
            })
        });
        let s = Services(Signal::derive(move || {
            loaded.get().and_then(Result::ok).unwrap_or_default()
        }));
        provide_context(s);
        s
    }
}

/// The record number in a staff address (`/manage/incidents/12`): `Err` with what the
/// address has instead when it is missing or not a whole number from 1, so a page never
/// loads "incident 0".
pub fn id_param() -> Result<i64, String> {
    let raw = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or(raw)
}

/// The page for an address whose record number is not a number: what is wrong, in
/// words, and the way back to the list.
#[component]
pub fn NoSuchRecord(
    /// What the address has where the number should be.
    raw: String,
    /// "an incident" or "a notice".
    what: &'static str,
    /// The list to go back to, e.g. `/manage/incidents`.
    list: &'static str,
    /// The list's name, e.g. "incidents".
    list_name: &'static str,
) -> impl IntoView {
    let said = if raw.is_empty() {
        format!(
            "This address does not say which {} to show. ",
            &what[what.find(' ').map_or(0, |i| i + 1)..]
        )
    } else {
        format!(
            "This address has \"{raw}\" where the number of {what} should be, so there is nothing to show. "
        )
    };
    view! {
        <Title text="Page not found" />
        <h1>"Page not found"</h1>
        <p>{said} "Check the address, or go to the " <A href=list>{format!("list of {list_name}")}</A> "."</p>
    }
}

/// A message about what was just done ("Published …"), shown on the next page.
#[derive(Clone, Copy)]
pub struct Flash {
    message: RwSignal<Option<(String, String)>>,
}

impl Flash {
    pub fn get() -> Flash {
        if let Some(f) = use_context::<Flash>() {
            return f;
        }
        let f = Flash {
            message: RwSignal::new(None),
        };
        provide_context(f);
        f
    }

    /// Shows `text` until the person moves on from the page after this one.
    pub fn say(&self, text: impl Into<String>) {
        self.message.set(Some((String::new(), text.into())));
    }
}

/// A page's data could not be loaded: why, in words.
#[component]
fn LoadProblem(problem: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        problem
            .get()
            .map(|p| view! { <p class="load-problem" role="alert">{p}</p> })
    }
}

/// The frame of every staff page: who is signed in, the staff menu, and the page; or the
/// sign-in form in place of the page when nobody is.
#[component]
fn StaffFrame() -> impl IntoView {
    let session = Session::get();
    let flash = Flash::get();
    Services::get();
    hints::Terms::get();
    let location = use_location();
    // The flash stays for the page it was said on and goes when the person moves on.
    Effect::new(move |_| {
        let path = location.pathname.get();
        flash.message.update(|m| {
            if let Some((shown_on, _)) = m {
                if shown_on.is_empty() {
                    *shown_on = path;
                } else if *shown_on != path {
                    *m = None;
                }
            }
        });
    });
    let signed_in = Memo::new(move |_| session.who.with(Option::is_some));
    view! {
        <div class="staff">
            {move || {
                if !session.checked.get() && !signed_in.get() {
                    view! {
                        <Title text="Staff pages" />
                        <p class="loading">"Checking whether you are signed in…"</p>
                    }.into_any()
                } else if !signed_in.get() {
                    view! {
                        <Title text="Sign in" />
                        <h1>"Sign in to manage TIS Status"</h1>
                        <p>"These pages are for TIS support staff and the TIS team."</p>
                        <SignInChoices next=Signal::derive(move || location.pathname.get())
                            on_signed_in=move |info| session.who.set(Some(info)) />
                    }.into_any()
                } else {
                    view! {
                        <StaffBar />
                        <SignInAgain />
                        <div role="status" class="flash-region">
                            {move || flash.message.get().map(|(_, m)| view! { <p class="flash">{m}</p> })}
                        </div>
                        <Outlet />
                    }.into_any()
                }
            }}
        </div>
    }
}

/// Who is signed in, and the staff menu.
#[component]
fn StaffBar() -> impl IntoView {
    let session = Session::get();
    let who = move || {
        session.who.get().map(|info| {
            view! { "Signed in as " <strong>{info.name.clone()}</strong> " (" {role_words(info.role)} ")" }
        })
    };
    view! {
        <nav class="staff-bar" aria-label="Staff pages">
            <ul class="staff-menu">
                <li><A href="/manage" exact=true>"Staff home"</A></li>
                <li><A href="/manage/notices">"Notices"</A></li>
                <li><A href="/manage/incidents">"Incidents"</A></li>
                <li><A href="/manage/glossary">"Glossary"</A></li>
                <li><A href="/manage/alerts">"Alerts"</A></li>
                // Two kinds of subscriber, side by side: readers' emails (counts), and
                // other teams' webhooks and channels.
                <li><A href="/manage/subscribers">"Email subscribers"</A></li>
                <li><A href="/manage/subscriptions">"Team subscriptions"</A></li>
                <li><A href="/manage/services">"Services"</A></li>
            </ul>
            <p class="staff-who">{who} " " <SignOutButton /></p>
        </nav>
    }
}
