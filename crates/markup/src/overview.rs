//! The overview's content (`/`): the headline, problems we are working on, notices,
//! every service by group with its recent history, and upcoming notices. The app redraws
//! these blocks as data changes; the server writes the same blocks into the HTML of `/`.

use tis_core::wire::{
    IncidentSummary, ServiceTrend, Summary, Trends, by_group, last_checked_text, service_names,
};
use tis_core::{Audience, NoticeState, ServiceState};

use crate::components::{
    audience_chooser, hour_table, incident_card, latency_spark, notice_card, status_marker,
    strip_key, table_alternative, uptime_strip, uptime_table,
};
use crate::{El, Node, h};

/// The demo banner, if this is the demo, and one sentence for the whole of TIS.
pub fn top(s: &Summary) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    if s.demo {
        out.push(demo_banner().into());
    }
    out.push(h("h1").class("headline").t(s.headline.clone()).into());
    out
}

/// The incidents still open, with when users will hear next.
pub fn incidents(s: &Summary) -> Vec<Node> {
    if s.incidents.is_empty() {
        return Vec::new();
    }
    let names = service_names(&s.services);
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
}

/// The notices shown now that reach `reader`, with the choice of whose to show.
pub fn notices(s: &Summary, reader: Audience) -> Vec<Node> {
    let names = service_names(&s.services);
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
            "There are no notices for you now. Notices coming up are listed after the services."
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
}

/// Upcoming notices that reach `reader`. It comes after the services: a reader asking
/// "is it working now?" sees the services first.
pub fn upcoming(s: &Summary, reader: Audience) -> Vec<Node> {
    let names = service_names(&s.services);
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
            .class("upcoming")
            .a("aria-labelledby", "upcoming-heading")
            .c(h("h2")
                .a("id", "upcoming-heading")
                .t(NoticeState::Upcoming.label()))
            .cs(later)
            .into(),
    ]
}

/// Every service by group: its status in words and why, and, once `trends` are there,
/// its uptime strip and response times.
pub fn services(s: &Summary, trends: Option<&Trends>) -> Vec<Node> {
    let trend_of = |id: &str| trends.and_then(|t| t.services.iter().find(|t| t.service == id));
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
                    .map(|service| service_row(service, s, trend_of(&service.id)))))
                .into(),
        );
    }
    out
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
pub fn service_row(service: &ServiceState, summary: &Summary, trend: Option<&ServiceTrend>) -> El {
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
