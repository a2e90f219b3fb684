//! One service's page.

use leptos::prelude::*;
use tis_core::wire::{
    DayMark, IncidentPage, LatencySeries, ServiceDetail, UptimeHistory, hourly, last_checked_text,
    latency_summary,
};
use tis_core::{Notice, NoticeKind, NoticeState};

use crate::actions::Choices;
use crate::api::{ApiError, Shown, live};
use crate::components::{
    Freshness, incident_card, latency_chart, latency_table, loading, notice_card, status_marker,
    table_alternative, unavailable, uptime_strip, uptime_table,
};
use crate::conn::{Conn, Part};
use crate::dom::{Content, El, Node, h};
use crate::pages::not_found::missing;
use crate::{Clock, now, set_title};

/// `/services/:id`: what the service is for, its status and why, its uptime (90 days, or
/// a year on request) and response times, how we check it, and the incidents and
/// maintenance that touched it.
#[component]
pub fn ServicePage(
    /// The service's id, from the address.
    id: String,
) -> impl IntoView {
    let id = StoredValue::new(id);
    let path = move |rest: &str| Some(format!("/api/v1/services/{}{rest}", id.get_value()));
    let detail = live::<ServiceDetail>(move || path(""), &[Part::Services]);
    let year = expect_context::<Choices>().year_of_uptime;
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>().0;
    let uptime = live::<UptimeHistory>(
        move || {
            path(if year.get() {
                "/uptime?days=365"
            } else {
                "/uptime?days=90"
            })
        },
        &[Part::Trends],
    )
    .state();
    let latency = live::<LatencySeries>(move || path("/latency"), &[Part::Trends]).state();
    let incidents = live::<IncidentPage>(
        move || {
            Some(format!(
                "/api/v1/incidents?service={}&per_page=5",
                crate::router::encode(&id.get_value())
            ))
        },
        &[Part::Incidents, Part::Reports],
    )
    .state();
    let notices = [
        NoticeState::Active,
        NoticeState::Upcoming,
        NoticeState::Past,
    ]
    .map(|s| live::<Vec<Notice>>(move || Some(s.path()), &[Part::Notices]).state());
    let as_of = detail.as_of();
    let state = detail.state();
    let ready = Memo::new(move |_| state.with(|s| s.ready().cloned()));
    let name = move || {
        ready.with(|d| {
            d.as_ref()
                .map(|d| d.service.name.clone())
                .unwrap_or_default()
        })
    };

    let summary = move || {
        let Some(d) = ready.get() else {
            return Vec::new();
        };
        let s = &d.service;
        let needs: Vec<Node> = s
            .depends_on
            .iter()
            .zip(&d.depends_on_names)
            .enumerate()
            .flat_map(|(i, (id, name))| {
                let sep = match i {
                    0 => None,
                    i if i + 1 == s.depends_on.len() => Some(Node::from(" and ")),
                    _ => Some(Node::from(", ")),
                };
                sep.into_iter().chain([h("a")
                    .a("href", format!("/services/{id}"))
                    .t(name.clone())
                    .into()])
            })
            .collect();
        vec![
            h("div")
                .class("panel service-now")
                .c(h("div")
                    .class("service-head")
                    .c(h("p").class("service-name").t("Status now"))
                    .c(status_marker(s.status)))
                .opt(s.reason.as_ref().map(|r| {
                    h("p")
                        .class("service-reason")
                        .t(format!("{} {r}.", s.status.label()))
                }))
                .c(h("p")
                    .class("service-checked")
                    .t(last_checked_text(s.last_checked, now())))
                .opt((!needs.is_empty()).then(|| {
                    h("p")
                        .class("needs")
                        .t(format!("{} needs ", s.name))
                        .cs(needs)
                        .t(" to work.")
                }))
                .into(),
        ]
    };
    let uptime_part = move || {
        let name = name();
        match uptime.get() {
            Shown::Ready(u) => {
                let days: Vec<DayMark> = u.days.iter().map(DayMark::from).collect();
                vec![
                    uptime_strip(&days, u.uptime_percent).into(),
                    table_alternative(
                        format!("Show the uptime of {name} as a table"),
                        [uptime_table(&days, format!("Uptime of {name}, day by day"))],
                    )
                    .into(),
                ]
            }
            Shown::Loading => vec![h("p").class("loading").t("Getting uptime…").into()],
            Shown::Failed(e) => vec![h("p").t(e.to_string()).into()],
        }
    };
    let latency_part = move || {
        let name = name();
        match latency.get() {
            Shown::Ready(l) => vec![
                h("p").t(latency_summary(&hourly(&l.points))).into(),
                latency_chart(&l.points).into(),
                table_alternative(
                    format!("Show the response times of {name} as a table"),
                    [latency_table(
                        &l.points,
                        format!("Response times of {name}, every 5 minutes"),
                    )],
                )
                .into(),
            ],
            Shown::Loading => vec![h("p").class("loading").t("Getting response times…").into()],
            Shown::Failed(e) => vec![h("p").t(e.to_string()).into()],
        }
    };
    let probes = move || {
        let Some(d) = ready.get() else {
            return Vec::new();
        };
        if d.probes.is_empty() {
            return vec![h("p").t("We do not check this service ourselves.").into()];
        }
        vec![
            h("ul")
                .class("probes")
                .cs(d.probes.iter().map(|p| h("li").t(p.description.clone())))
                .into(),
        ]
    };
    let history = move || {
        let name = name();
        let mut out: Vec<Node> = Vec::new();
        match incidents.get() {
            Shown::Ready(page) if page.incidents.is_empty() => {
                out.push(
                    h("p")
                        .t(format!("No incidents have affected {name}."))
                        .into(),
                );
            }
            Shown::Ready(page) => {
                let names = ready.with(|d| {
                    d.as_ref()
                        .map(|d| vec![(d.service.id.clone(), d.service.name.clone())])
                        .unwrap_or_default()
                });
                out.extend(
                    page.incidents
                        .iter()
                        .map(|i| Node::from(incident_card(i, &names, "h3"))),
                );
                if page.total > page.incidents.len() as u32 {
                    out.push(
                        h("p")
                            .c(h("a")
                                .a(
                                    "href",
                                    format!(
                                        "/incidents?service={}",
                                        crate::router::encode(&id.get_value())
                                    ),
                                )
                                .t(format!("All {} incidents that affected {name}", page.total)))
                            .into(),
                    );
                }
            }
            Shown::Loading => out.push(h("p").class("loading").t("Getting incidents…").into()),
            Shown::Failed(e) => out.push(h("p").t(e.to_string()).into()),
        }
        out
    };
    let maintenance = move || {
        let name = name();
        let service = id.get_value();
        let lists: Vec<Shown<Vec<Notice>>> = notices.iter().map(|n| n.get()).collect();
        let mut found: Vec<El> = Vec::new();
        for list in lists.iter().filter_map(|l| l.ready()) {
            found.extend(
                list.iter()
                    .filter(|n| {
                        n.kind == NoticeKind::PlannedMaintenance && n.services.contains(&service)
                    })
                    .map(|n| notice_card(n, &[], "h3")),
            );
        }
        if found.is_empty() {
            vec![
                h("p")
                    .t(format!("No planned maintenance of {name} is listed."))
                    .into(),
            ]
        } else {
            found.into_iter().map(Node::from).collect()
        }
    };

    let top = move || {
        let mut out: Vec<Node> = vec![
            h("p")
                .class("back")
                .c(h("a").a("href", "/").t("All services"))
                .into(),
        ];
        match state.get() {
            Shown::Loading => {
                set_title("Service");
                out.extend([h("h1").t("Service").into(), loading("this service")]);
            }
            Shown::Failed(ApiError::NotFound(_)) => {
                out.extend(missing(
                    "service",
                    "/",
                    "See the status of all TIS services",
                ));
            }
            Shown::Failed(error) => {
                set_title("Service");
                out.extend([
                    h("h1").t("Service").into(),
                    unavailable(&error, "this service", conn, clock.get()),
                ]);
            }
            Shown::Ready(d) => {
                set_title(&d.service.name);
                out.extend([
                    h("h1").t(d.service.name.clone()).into(),
                    h("p").class("lede").t(d.service.description.clone()).into(),
                ]);
            }
        }
        out
    };
    let body = move || {
        let Some(d) = ready.get() else {
            return Vec::new();
        };
        let name = d.service.name.clone();
        let mut out = summary();
        out.extend([
            h("h2").a("id", "uptime").t("Uptime").into(),
            h("p")
                .t(format!("Uptime is the share of the time we could check {name} when it was not down. Time when it was slow counts as up; time we could not check it counts as neither. "))
                .c(h("a").a("href", "/about#uptime").t("How we work out uptime"))
                .into(),
        ]);
        out.extend(uptime_part());
        out.push(
            h("p")
                .c(h("button")
                    .a("type", "button")
                    .class("button-secondary")
                    .a("data-action", "uptime-year")
                    .t(if year.get() {
                        "Show the last 90 days"
                    } else {
                        "Show the last 12 months"
                    }))
                .into(),
        );
        out.push(h("h2").t("Response times").into());
        out.extend(latency_part());
        out.push(h("h2").t(format!("How we check {name}")).into());
        out.extend(probes());
        out.push(
            h("p")
                .t("Each check runs from the status server. ")
                .c(h("a")
                    .a("href", "/about#checks")
                    .t("More about how we check services"))
                .into(),
        );
        out.push(h("h2").t("Incidents").into());
        out.extend(history());
        out.push(h("h2").t("Planned maintenance").into());
        out.extend(maintenance());
        out
    };
    view! {
        <Content of=top />
        <Freshness as_of />
        <Content of=body />
    }
}
