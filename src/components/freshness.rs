use chrono::{DateTime, Utc};
use leptos::prelude::*;
use tis_core::time::as_of;

use crate::Clock;
use crate::api::ApiError;
use crate::conn::Conn;

/// How current the page's data is, and, when the server cannot be reached, that the page
/// shows what it last knew, and when it will try again.
#[component]
pub fn Freshness(
    /// When the data on the page was last confirmed by the server.
    #[prop(into)]
    as_of: Signal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>();
    let updated = move || {
        let at = as_of.get()?;
        let how = if conn.events.get() {
            "Changes appear here by themselves."
        } else {
            "This page checks for changes every 15 seconds."
        };
        Some(view! {
            <p class="updated">
                "Updated " {move || self::as_of(at, clock.0.get())} ". "
                <span class="how-live">{how}</span>
            </p>
        })
    };
    view! {
        // Always in the page, so that screen readers announce what appears in it.
        <div class="conn-status" role="status">
            {move || (!conn.reachable.get()).then(|| view! {
                <div class="stale">
                    <p>
                        <strong>"We cannot reach the status server at the moment."</strong>
                        {move || as_of.get().map(|at| format!(
                            " This page shows what we knew as of {}.",
                            self::as_of(at, clock.0.get())
                        ))}
                    </p>
                    <RetryLine />
                </div>
            })}
        </div>
        {move || conn.reachable.get().then(updated)}
    }
}

/// "We will try again in 8 seconds. [Try again now]"
#[component]
fn RetryLine() -> impl IntoView {
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>();
    let when = move || match conn.retry_at.get() {
        Some(at) => {
            let seconds = ((at - clock.0.get()).num_milliseconds() + 999) / 1000;
            match seconds {
                ..=1 => "We are trying again now.".to_string(),
                s => format!("We will try again in {s} seconds."),
            }
        }
        None => "We are trying again now.".to_string(),
    };
    view! {
        <p class="retry">
            {when} " "
            <button type="button" class="button-secondary" on:click=move |_| conn.retry_now()>"Try again now"</button>
        </p>
    }
}

/// What a page shows instead of its data when it has none: said plainly, with what
/// happens next.
#[component]
pub fn Unavailable(
    /// Why there is no data.
    error: ApiError,
    /// What the page would have shown: "the status of TIS".
    what: &'static str,
) -> impl IntoView {
    let passing = error.is_passing();
    view! {
        <div class="error-summary" role="alert">
            <h2>{format!("We cannot show {what} right now")}</h2>
            <p>{error.to_string()}</p>
            {passing.then(|| view! {
                <p>"This is a problem with this status page. It does not mean that TIS is down."</p>
                <RetryLine />
                <p>"If you need help now, contact your local TIS support team."</p>
            })}
        </div>
    }
}

/// Shown while the first answer is awaited.
#[component]
pub fn Loading(
    /// What is being loaded: "the status of TIS".
    what: &'static str,
) -> impl IntoView {
    view! { <p class="loading">{format!("Getting {what}…")}</p> }
}
