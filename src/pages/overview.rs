//! The overview at `/`.

use leptos::prelude::*;
use tis_core::wire::{Summary, Trends};
use tis_markup::overview;

use crate::api::{Shown, live};
use crate::components::{Freshness, loading, unavailable};
use crate::conn::{Conn, Part};
use crate::dom::{Content, Node, h};
use crate::{AudienceChoice, Clock, set_title};

/// `/`: one sentence for the whole of TIS, the problems we are working on, notices for
/// the reader, then every service by group with its recent history. The content is
/// built by `tis_markup::overview`, which the server also writes into the page's HTML.
#[component]
pub fn Overview() -> impl IntoView {
    set_title("Live status");
    let summary = live::<Summary>(
        || Some("/api/v1/summary".into()),
        &[
            Part::Services,
            Part::Notices,
            Part::Incidents,
            Part::Reports,
        ],
    );
    let trends = live::<Trends>(|| Some("/api/v1/trends".into()), &[Part::Trends]).state();
    let state = summary.state();
    let as_of = summary.as_of();
    let ready = Memo::new(move |_| state.with(|s| s.ready().cloned()));
    let audience = expect_context::<AudienceChoice>().0;
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>().0;

    let top = move || match state.get() {
        Shown::Loading => vec![
            h("h1").t("Status of TIS").into(),
            loading("the status of TIS"),
        ],
        Shown::Failed(error) => vec![
            h("h1").t("Status of TIS").into(),
            unavailable(&error, "the status of TIS", conn, clock.get()),
        ],
        Shown::Ready(s) => overview::top(&s),
    };
    let incidents = move || {
        ready
            .get()
            .map(|s| overview::incidents(&s))
            .unwrap_or_default()
    };
    let notices = move || {
        let reader = audience.get();
        ready
            .get()
            .map(|s| overview::notices(&s, reader))
            .unwrap_or_default()
    };
    let upcoming = move || {
        let reader = audience.get();
        ready
            .get()
            .map(|s| overview::upcoming(&s, reader))
            .unwrap_or_default()
    };
    let services = move || -> Vec<Node> {
        let Some(s) = ready.get() else {
            return Vec::new();
        };
        let trends = trends.get();
        overview::services(&s, trends.ready().map(|t| t.as_ref()))
    };

    view! {
        <Content of=top />
        <Freshness as_of />
        <Content of=incidents />
        <Content of=notices />
        <Content of=services />
        <Content of=upcoming />
    }
}
