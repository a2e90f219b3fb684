use std::sync::Arc;

use leptos::prelude::*;
use tis_core::ServiceState;
use tis_core::wire::{IncidentSummary, ServiceTrend, Summary, Trends, by_group, last_checked_text};

use crate::api::{Shown, live};
use crate::components::{
    Freshness, audience_chooser, hour_table, incident_card, latency_spark, loading, notice_card,
    status_marker, strip_key, table_alternative, unavailable, uptime_strip, uptime_table,
};
use crate::conn::{Conn, Part};
use crate::dom::{Content, El, Node, h};
use crate::{AudienceChoice, Clock, set_title};

/// `/`: one sentence for the whole of TIS, the problems we are working on, notices for
/// the reader, then every service by group with its recent history.
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
    let trends = live::<Trends>(|| Some("/api/v1/trends".into()), &[Part::Figures]).state();
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
        Shown::Ready(s) => {
            let mut out: Vec<Node> = Vec::new();
            if s.demo {
                out.push(demo_banner().into());
            }
            out.push(h("h1").class("headline").t(s.headline.clone()).into());
            out
        }
    };
    let incidents = move || {
        let Some(s) = ready.get() else {
            return Vec::new();
        };
        if s.incidents.is_empty() {
            return Vec::new();
        }
        let names = names(&s);
        vec![
            h("section")
                .class("current-incidents")
                .a("aria-labelledby", "current-problems")
                .c(h("h2")
                    .a("id", "current-problems")
                    .t("Problems we are working on"))
                .cs(s
                    .incidents
                    .iter()
                    .map(|i| incident_card(&IncidentSummary::from(i), &names, "h3")))
                .into(),
        ]
    };
    let notices = move || {
        let Some(s) = ready.get() else {
            return Vec::new();
        };
        let names = names(&s);
        let reader = audience.get();
        let now: Vec<El> = s
            .notices
            .iter()
            .filter(|n| n.audience.reaches(reader))
            .map(|n| notice_card(n, &names, "h3"))
            .collect();
        let later = s.upcoming.iter().any(|n| n.audience.reaches(reader));
        let mut section = h("section")
            .class("notices-now")
            .a("aria-labelledby", "notices-heading")
            .c(h("h2").a("id", "notices-heading").t("Notices"))
            .c(audience_chooser(reader));
        if now.is_empty() {
            section = section.c(h("p").class("none").t(if later {
                "There are no notices for you now. Planned work is listed after the services."
            } else {
                "There are no notices for you at the moment."
            }));
        }
        section = section.cs(now);
        vec![
            section
                .c(h("p").c(h("a")
                    .a("href", "/notices")
                    .t("All notices, including past ones")))
                .into(),
        ]
    };
    // Planned work comes after the services: a reader asking "is it working now?" sees
    // the services first.
    let coming = move || {
        let Some(s) = ready.get() else {
            return Vec::new();
        };
        let names = names(&s);
        let reader = audience.get();
        let later: Vec<El> = s
            .upcoming
            .iter()
            .filter(|n| n.audience.reaches(reader))
            .map(|n| notice_card(n, &names, "h3"))
            .collect();
        if later.is_empty() {
            return Vec::new();
        }
        vec![
            h("section")
                .class("coming-up")
                .a("aria-labelledby", "coming-up-heading")
                .c(h("h2").a("id", "coming-up-heading").t("Coming up"))
                .cs(later)
                .into(),
        ]
    };
    let services = move || {
        let Some(s) = ready.get() else {
            return Vec::new();
        };
        let figures = trends.get();
        let trend_of = |id: &str| {
            figures
                .ready()
                .and_then(|t| t.services.iter().find(|t| t.service == id))
        };
        let mut out: Vec<Node> = vec![
            h("p")
                .class("strips-intro")
                .t("Under each service: its uptime for the last 90 days, day by day, and its typical response time over the last 24 hours. ")
                .c(h("a").a("href", "/about#uptime").t("How we work these out"))
                .into(),
            strip_key().into(),
        ];
        for (group, list) in by_group(&s.services) {
            let id = group_id(&group);
            out.push(
                h("section")
                    .class("group")
                    .a("aria-labelledby", id.clone())
                    .c(h("h2").a("id", id).t(group))
                    .c(h("ul").class("services").cs(list
                        .iter()
                        .map(|service| service_row(service, &s, trend_of(&service.id)))))
                    .into(),
            );
        }
        out
    };

    view! {
        <Content of=top />
        <Freshness as_of />
        <Content of=incidents />
        <Content of=notices />
        <Content of=services />
        <Content of=coming />
    }
}

fn names(summary: &Arc<Summary>) -> Vec<(String, String)> {
    summary
        .services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

/// Says plainly that the demo is not the real TIS.
pub fn demo_banner() -> El {
    h("div")
        .class("demo-banner")
        .a("role", "note")
        .c(h("strong").t("Demo data. "))
        .t("These services and incidents are examples, checked against a small test estate on this computer. They are not the real TIS.")
}

fn group_id(group: &str) -> String {
    let slug: String = group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("group-{slug}")
}

/// One service: name, status in words and why, when last checked, and its recent history.
fn service_row(service: &ServiceState, summary: &Summary, trend: Option<&ServiceTrend>) -> El {
    let row = h("li")
        .class("service")
        .a("data-service", service.id.clone())
        .c(h("div")
            .class("service-head")
            .c(h("h3").class("service-name").c(h("a")
                .a("href", format!("/services/{}", service.id))
                .t(service.name.clone())))
            .c(status_marker(service.status)))
        .c(h("p")
            .class("service-description")
            .t(service.description.clone()))
        .opt(service.reason.as_ref().map(|r| {
            h("p")
                .class("service-reason")
                .t(format!("{} {r}.", service.status.label()))
        }))
        .c(h("p").class("service-checked").t(last_checked_text(
            service.last_checked,
            summary.generated_at,
        )));
    let Some(trend) = trend else {
        return row;
    };
    let days = trend.day_marks();
    let hours = trend.hour_latencies();
    let name = &service.name;
    row.c(h("div")
        .class("trends")
        .c(uptime_strip(&days, trend.uptime_percent))
        .c(latency_spark(&hours)))
        .c(table_alternative(
            format!("Show the uptime and response times of {name} as tables"),
            [
                uptime_table(&days, format!("Uptime of {name}, day by day")),
                hour_table(&hours, format!("Response times of {name}, hour by hour")),
            ],
        ))
}
