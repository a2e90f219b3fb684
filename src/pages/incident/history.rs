//! What our checks saw of each affected service over an incident, as bars and lists.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use tis_core::time::{format_duration, uk_date_time};
use tis_core::wire::{StatusHistory, StatusSpan};
use tis_core::{Incident, Status};

use crate::api::{Shown, live};
use crate::components::status_marker;
use crate::conn::Part;
use crate::dom::{Content, El, Node, h, svg};
use crate::words;

/// The stretch of time drawn under the timeline: from an hour before the incident
/// started until an hour after it ended (or now), at most the two weeks the server
/// gives at a time.
pub(super) fn history_window(
    incident: &Incident,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = incident.resolved_at.unwrap_or(now).min(now);
    let to = (end + Duration::hours(1)).min(now.max(end));
    let from = (incident.started_at - Duration::hours(1)).max(to - Duration::days(14));
    (from, to.max(from + Duration::minutes(1)))
}

/// One affected service's own status over the incident, drawn as a bar, with the same
/// facts as a list.
#[component]
pub(super) fn ProbeHistory(
    /// The service's id.
    service: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// Every service's id and name.
    names: Memo<Vec<(String, String)>>,
) -> impl IntoView {
    let path = format!(
        "/api/v1/services/{}/history?from={}&to={}",
        crate::router::encode(&service),
        crate::router::encode(&from.to_rfc3339()),
        crate::router::encode(&to.to_rfc3339())
    );
    let history = live::<StatusHistory>(move || Some(path.clone()), &[Part::Trends]).state();
    let service = StoredValue::new(service);
    let content = move || {
        let name = names.with(|n| words::service_name(n, &service.get_value()));
        let mut row = h("div").class("history-row").c(h("h3").t(name.clone()));
        row = match history.get() {
            Shown::Ready(hist) => row.cs(history_view(&hist)),
            Shown::Loading => row.c(h("p").class("loading").t("Getting check results…")),
            Shown::Failed(e) => row.c(h("p").t(e.to_string())),
        };
        vec![Node::from(row)]
    };
    view! { <Content of=content /> }
}

/// A service that went up and down many times would fill the page; the first spells
/// say what happened.
const SPANS_LISTED: usize = 12;

fn history_view(history: &StatusHistory) -> Vec<El> {
    if history.checks == 0 && !history.from_changes {
        return vec![h("p").t(format!(
            "We have no check results from this time. We keep check results for {} days.",
            history.kept_days
        ))];
    }
    let total = (history.to - history.from).num_seconds().max(1);
    let x = |at: DateTime<Utc>| {
        ((at - history.from).num_seconds().clamp(0, total) * 1000 / total).to_string()
    };
    let bars = history.spans.iter().map(|s| {
        let width = ((s.to - s.from).num_seconds().clamp(0, total) * 1000 / total).max(1);
        svg("rect")
            .a("x", x(s.from))
            .a(
                "y",
                if s.status == Status::Unknown {
                    "12"
                } else {
                    "0"
                },
            )
            .a("width", width.to_string())
            .a(
                "height",
                if s.status == Status::Unknown {
                    "8"
                } else {
                    "20"
                },
            )
            .class(format!("span-{}", s.status.as_str()))
    });
    let problems: Vec<&StatusSpan> = history
        .spans
        .iter()
        .filter(|s| s.status != Status::Operational)
        .collect();
    let summary = if history.from_changes {
        format!(
            "From the changes our checks recorded. We keep each check for {} days, and every change for good.",
            history.kept_days
        )
    } else {
        format!(
            "{} checks, {} failed.",
            history.checks, history.failed_checks
        )
    };
    let mut out = vec![
        svg("svg")
            .class("history-bar")
            .a("viewBox", "0 0 1000 20")
            .a("preserveAspectRatio", "none")
            .a("aria-hidden", "true")
            .a("focusable", "false")
            .cs(bars),
        h("div")
            .class("strip-ends")
            .a("aria-hidden", "true")
            .c(h("span").t(uk_date_time(history.from)))
            .c(h("span").t(uk_date_time(history.to))),
    ];
    if problems.is_empty() {
        out.push(h("p").t(format!("Working throughout. {summary}")));
    } else {
        out.push(h("p").t(summary));
        let more = problems.len().saturating_sub(SPANS_LISTED);
        out.push(
            h("ul")
                .class("history-spans")
                .cs(problems.into_iter().take(SPANS_LISTED).map(|s| {
                    let length = match (s.to - s.from).num_minutes() {
                        0 => "under a minute".to_string(),
                        m => format_duration(m),
                    };
                    h("li")
                        .c(status_marker(s.status))
                        .t(format!(" {} ({length})", words::window(s.from, Some(s.to))))
                })),
        );
        if more > 0 {
            out.push(h("p").t(format!(
                "And {more} more short spells. The uptime table on the service's own page gives every day."
            )));
        }
    }
    out
}
