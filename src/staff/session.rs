//! Who is signed in, signing in (on its own page, or again in place when a sign-in ends
//! mid-task, so nothing typed is lost) and signing out.

use std::rc::Rc;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use tis_core::Role;
use tis_core::account::SessionInfo;

use super::client::{self, ApiError};
use super::form::{ButtonRow, ProblemSummary, Problems, TextField, focus_id};

/// The signed-in person, shared by every staff page.
#[derive(Clone, Copy)]
pub struct Session {
    pub who: RwSignal<Option<SessionInfo>>,
    /// Whether the first check of the sign-in has answered.
    pub checked: RwSignal<bool>,
    /// The sign-in ended while the person was working; the page stays as it is.
    pub expired: RwSignal<bool>,
    /// What to do once signed in again: the action that found the sign-in had ended.
    retry: StoredValue<Option<Rc<dyn Fn()>>, LocalStorage>,
}

impl Session {
    /// The session of this page, made and checked with the server the first time.
    pub fn get() -> Session {
        if let Some(s) = use_context::<Session>() {
            return s;
        }
        let s = Session {
            who: RwSignal::new(None),
            checked: RwSignal::new(false),
            expired: RwSignal::new(false),
            retry: StoredValue::new_local(None),
        };
        provide_context(s);
        // Who is signed in is asked once per page; the answer seeds `who`, which signing
        // in and out then change.
        let asked = LocalResource::new(client::session);
        Effect::new(move |_| {
            if let Some(answer) = asked.get() {
                // Only a yes changes anything, and only if nobody has signed in since the
                // question was asked: a late "not signed in" must neither undo a sign-in
                // nor redraw the sign-in form and clear what is being typed in it.
                if let Ok(info) = answer
                    && s.who.with_untracked(Option::is_none)
                {
                    s.who.set(Some(info));
                }
                s.checked.set(true);
            }
        });
        s
    }

    pub fn role(&self) -> Option<Role> {
        self.who.with(|w| w.as_ref().map(|i| i.role))
    }

    /// Whether the person may do what needs `role`.
    pub fn can(&self, role: Role) -> bool {
        self.role().is_some_and(|r| r.allows(role))
    }

    /// The sign-in has ended: ask for it again in place, then run `retry`.
    pub fn expire(&self, retry: impl Fn() + 'static) {
        self.retry.set_value(Some(Rc::new(retry)));
        self.expired.set(true);
        request_animation_frame(|| focus_id("sign-in-again"));
    }

    fn signed_in(&self, info: SessionInfo) {
        self.who.set(Some(info));
        if self.expired.get_untracked() {
            self.expired.set(false);
            if let Some(retry) = self.retry.get_value() {
                self.retry.set_value(None);
                retry();
            }
        }
    }
}

/// The sign-in form: name and password, with the server's answer shown in words.
#[component]
pub fn SignInForm(
    /// Called once signed in.
    #[prop(into)]
    on_signed_in: Callback<SessionInfo>,
    /// The name to start with (after an ended sign-in, the same person's).
    #[prop(optional, into)]
    name: Option<String>,
    /// What the button says.
    #[prop(into)]
    button: String,
) -> impl IntoView {
    let name = RwSignal::new(name.unwrap_or_default());
    let password = RwSignal::new(String::new());
    let problems = Problems::new();
    let sign_in = Action::new_local(move |(n, p): &(String, String)| {
        let (n, p) = (n.clone(), p.clone());
        async move {
            match client::sign_in(&n, &p).await {
                Ok(info) => {
                    password.set(String::new());
                    on_signed_in.run(info);
                }
                Err(ApiError::SignInRefused(detail)) => {
                    // The password is cleared: it was wrong or is about to be retyped.
                    password.set(String::new());
                    problems.general.set(Some(detail));
                    problems.focus();
                }
                Err(other) => {
                    problems.general.set(Some(other.to_string()));
                    problems.focus();
                }
            }
        }
    });
    let busy = sign_in.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problems.clear();
        let (n, p) = (name.get_untracked(), password.get_untracked());
        let mut missing = Vec::new();
        if n.trim().is_empty() {
            missing.push(tis_core::FieldError::new("name", "Enter your name."));
        }
        if p.is_empty() {
            missing.push(tis_core::FieldError::new(
                "password",
                "Enter your password.",
            ));
        }
        if !missing.is_empty() {
            problems.set(missing);
            problems.focus();
            return;
        }
        sign_in.dispatch((n, p));
    };
    view! {
        <form class="sign-in-form" on:submit=submit novalidate>
            <ProblemSummary problems />
            <TextField field="name" label="Name" value=name on_input=move |v| name.set(v)
                problems autocomplete="username" class="input-medium" />
            <TextField field="password" label="Password" kind="password" value=password
                on_input=move |v| password.set(v) problems autocomplete="current-password"
                class="input-medium" />
            <ButtonRow>
                <button type="submit" class="button" disabled=move || busy.get()>{button}</button>
            </ButtonRow>
        </form>
    }
}

/// Shown over the page when the sign-in ends mid-task: sign in again without leaving it.
/// Where staff sign in with their TIS account, that way leaves the page for Keycloak's and
/// comes back to it, with what was typed kept in this browser; the emergency account's
/// form stays in place below it.
#[component]
pub fn SignInAgain() -> impl IntoView {
    let session = Session::get();
    let options = LocalResource::new(client::sign_in_options);
    let location = leptos_router::hooks::use_location();
    move || {
        session.expired.get().then(|| {
            let name = session.who.with_untracked(|w| w.as_ref().map(|i| i.name.clone()));
            let form = move |name: String| {
                view! {
                    <SignInForm name button="Sign in and save"
                        on_signed_in=move |info| session.signed_in(info) />
                }
            };
            let tis_account = options
                .get()
                .and_then(Result::ok)
                .and_then(|o| o.tis_account);
            let ways = match tis_account {
                Some(start) => {
                    let href = format!(
                        "{start}?next={}",
                        js_sys::encode_uri_component(&location.pathname.get_untracked())
                    );
                    view! {
                        <p>"Your sign-in has ended, so your last change was not saved. What you typed is kept in this browser: sign in again, then save it."</p>
                        <p><a class="button sign-in-tis" href=href rel="external">"Sign in with your TIS account"</a></p>
                        <h3>"Keycloak not working? Use your emergency account"</h3>
                        {form(String::new())}
                    }
                    .into_any()
                }
                None => view! {
                    <p>"Your sign-in has ended, so your last change was not saved. Everything you typed is still here. Sign in again and it will be saved."</p>
                    {form(name.unwrap_or_default())}
                }
                .into_any(),
            };
            view! {
                <section class="sign-in-again" aria-labelledby="sign-in-again">
                    <h2 id="sign-in-again" tabindex="-1">"Sign in again to carry on"</h2>
                    {ways}
                </section>
            }
        })
    }
}

/// `/sign-in`: the door to the staff pages.
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::get();
    let query = use_query_map();
    let navigate = use_navigate();
    let next = move || {
        query
            .read()
            .get("next")
            // Only somewhere on this site.
            .filter(|n| n.starts_with("/manage"))
            .unwrap_or_else(|| "/manage".to_string())
    };
    let on_signed_in = move |info: SessionInfo| {
        session.who.set(Some(info));
        navigate(&next(), Default::default());
    };
    // The form is drawn again only when signing in or out, never when `who` is merely
    // told the same thing again: redrawing it would clear what is typed.
    let signed_in = Memo::new(move |_| session.who.with(Option::is_some));
    view! {
        <Title text="Sign in" />
        <div class="staff">
            <h1>"Sign in"</h1>
            {move || match signed_in.get().then(|| session.who.get_untracked()).flatten() {
                Some(info) => view! {
                    <p>"You are signed in as " <strong>{info.name.clone()}</strong> " (" {role_words(info.role)} ")."</p>
                    <p><a href="/manage" class="button">"Go to the staff pages"</a></p>
                    <SignOutButton />
                }.into_any(),
                None => view! {
                    <p>"For TIS support staff and the TIS team: post notices, tell users about incidents and write incident reports."</p>
                    <SignInChoices next=Signal::derive(next) on_signed_in=on_signed_in.clone() />
                    <p class="field-hint">"You do not need to sign in to see whether TIS is working. "
                        <a href="/">"See the live status"</a>"."</p>
                }.into_any(),
            }}
        </div>
    }
}

/// The ways in: "Sign in with your TIS account" (Keycloak) when the server offers it,
/// with the password form below it as the emergency way; else the password form alone.
#[component]
pub fn SignInChoices(
    /// The staff page to land on.
    #[prop(into)]
    next: Signal<String>,
    /// Called once signed in with a password.
    #[prop(into)]
    on_signed_in: Callback<SessionInfo>,
) -> impl IntoView {
    let options = LocalResource::new(client::sign_in_options);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || options.get().map(|answer| match answer {
                Ok(tis_core::account::SignInOptions { tis_account: Some(start), .. }) => {
                    let href = format!("{start}?next={}", js_sys::encode_uri_component(&next.get()));
                    // `rel="external"`: the router would otherwise take the click as a page
                    // of its own, and the browser must go to the server (then Keycloak).
                    view! {
                        <p><a class="button sign-in-tis" href=href rel="external">"Sign in with your TIS account"</a></p>
                        <p class="field-hint">"Use the name and password you use for TIS."</p>
                        <section class="sign-in-emergency" aria-labelledby="emergency-heading">
                            <h2 id="emergency-heading">"Keycloak not working? Use your emergency account"</h2>
                            <p>"Only if signing in with your TIS account does not work. The TIS team is told each time an emergency account is used."</p>
                            <SignInForm button="Sign in with emergency account" on_signed_in=on_signed_in />
                        </section>
                    }.into_any()
                }
                // Without Keycloak (or when the server cannot say), passwords are the way in.
                _ => view! { <SignInForm button="Sign in" on_signed_in=on_signed_in /> }.into_any(),
            })}
        </Transition>
    }
}

/// What a role may do, in words.
pub fn role_words(role: Role) -> &'static str {
    match role {
        Role::Support => "support: notices and incident updates",
        Role::Editor => "editor: incidents, updates and reports",
        Role::Admin => "admin: everything",
        Role::Prober => "prober: probe results only",
    }
}

/// Signs out and goes to the sign-in page. Unsaved drafts kept in this browser are
/// deleted, so the next person at a shared computer cannot read them; when there are
/// some, the button asks first.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let session = Session::get();
    let problem = RwSignal::new(None::<String>);
    let asking = RwSignal::new(false);
    let sign_out = Action::new_local(move |_: &()| async move {
        match client::sign_out().await {
            Ok(provider) => {
                client::drafts::clear_all();
                session.who.set(None);
                // A full load, so nothing of the signed-in pages stays in memory; after a
                // Keycloak sign-in, by way of Keycloak, which ends its sign-in too and
                // sends the browser back to the sign-in page.
                let to = provider.unwrap_or_else(|| "/sign-in".to_string());
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_href(&to);
                }
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    });
    let ask_or_sign_out = move |_| {
        if client::drafts::any() {
            asking.set(true);
        } else {
            sign_out.dispatch(());
        }
    };
    let confirm = move |_| {
        sign_out.dispatch(());
    };
    let keep = move |_| asking.set(false);
    view! {
        <button type="button" class="button-link" on:click=ask_or_sign_out>"Sign out"</button>
        {move || {
            asking
                .get()
                .then(|| {
                    view! {
                        // Inline, as the button sits in a line of text.
                        <span class="sign-out-check" role="alert">
                            "You have unsaved work in this browser. Signing out deletes it, so that nobody else using this computer can read it. "
                            <button type="button" class="button-warning" on:click=confirm>
                                "Sign out and delete it"
                            </button>
                            " "
                            <button type="button" class="button-link" on:click=keep>
                                "Stay signed in"
                            </button>
                        </span>
                    }
                })
        }}
        {move || problem.get().map(|p| view! { <p class="field-problem" role="alert">{p}</p> })}
    }
}
