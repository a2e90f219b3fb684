//! The freshness line: how current the page's data is.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use tis_core::time::as_of;

use crate::Clock;
use crate::api::ApiError;
use crate::conn::Conn;
use crate::dom::{Content, El, Node, h};

/// How current the page's data is, and, when the server cannot be reached, that the page
/// shows what it last knew and when it will try again. The warning sits in a status
/// region that is always in the page, so screen readers announce it when it appears.
#[component]
pub fn Freshness(
    /// When the data on the page was last confirmed by the server.
    as_of: Signal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>().0;
    let warning = move || {
        // With no data at all, the page says so in full itself (see `unavailable`).
        let (false, Some(at)) = (conn.reachable.get(), as_of.get()) else {
            return Vec::new();
        };
        let now = clock.get();
        let text = h("p")
            .c(h("strong").t("We cannot reach the status server right now."))
            .t(format!(
                " This page shows what we knew as of {}.",
                self::as_of(at, now)
            ));
        vec![
            h("div")
                .class("stale")
                .c(text)
                .c(retry_line(conn, now))
                .into(),
        ]
    };
    let updated = move || {
        let (Some(at), true) = (as_of.get(), conn.reachable.get()) else {
            return Vec::new();
        };
        let how = if conn.events.get() {
            "Changes appear here by themselves."
        } else {
            "This page checks for changes every 15 seconds."
        };
        vec![tis_markup::frame::updated(
            &self::as_of(at, clock.get()),
            how,
        )]
    };
    view! {
        <Content of=warning class="conn-status" role="status" />
        <Content of=updated />
    }
}

/// "We will try again in 8 seconds. [Try again now]"
pub fn retry_line(conn: Conn, now: DateTime<Utc>) -> El {
    let when = match conn.retry_at.get() {
        Some(at) => match ((at - now).num_milliseconds() + 999) / 1000 {
            ..=1 => "We are trying again now.".to_string(),
            s => format!("We will try again in {s} seconds."),
        },
        None => "We are trying again now.".to_string(),
    };
    h("p").class("retry").t(when).t(" ").c(h("button")
        .a("type", "button")
        .class("button-secondary")
        .a("data-action", "retry")
        .t("Try again now"))
}

/// What a page shows instead of its data when it has none: said plainly, with what
/// happens next. `what` is what the page would have shown: "the status of TIS".
pub fn unavailable(error: &ApiError, what: &str, conn: Conn, now: DateTime<Utc>) -> Node {
    let mut block = h("div")
        .class("error-summary")
        .a("role", "alert")
        .c(h("h2").t(format!("We cannot show {what} right now")))
        .c(h("p").t(error.to_string()));
    if error.is_passing() {
        block = block
            .c(h("p")
                .t("This is a problem with this status page. It does not mean that TIS is down."))
            .c(retry_line(conn, now))
            .c(h("p").t("If you need help now, contact your local TIS support team."));
    }
    block.into()
}

/// Shown while the first answer is awaited.
pub fn loading(what: &str) -> Node {
    h("p").class("loading").t(format!("Getting {what}…")).into()
}
