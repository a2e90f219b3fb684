//! The list of incidents.

use leptos::prelude::*;
use tis_core::wire::{IncidentPage, ServiceList, service_names, sort_short_by_key};

use crate::api::{Shown, live};
use crate::components::{Freshness, incident_card, loading, unavailable};
use crate::conn::{Conn, Part};
use crate::dom::{Content, Node, h};
use crate::router::{Location, encode};
use crate::{Clock, set_title, words};

/// How many incidents a page lists.
const PER_PAGE: u32 = 10;

/// The reader's filters, from the address.
#[derive(Clone, PartialEq)]
struct Filters {
    service: Option<String>,
    year: Option<i32>,
    page: u32,
}

impl Filters {
    fn read(location: &Location) -> Filters {
        Filters {
            service: location.param("service"),
            year: location.param("year").and_then(|y| y.parse().ok()),
            page: location
                .param("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    /// The query string for these filters on `page`.
    fn query(&self, page: u32) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.service {
            parts.push(format!("service={}", encode(s)));
        }
        if let Some(y) = self.year {
            parts.push(format!("year={y}"));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }

    fn href(&self, page: u32) -> String {
        match self.query(page) {
            q if q.is_empty() => "/incidents".to_string(),
            q => format!("/incidents?{q}"),
        }
    }
}

/// `/incidents`: every incident, newest first, a page at a time, filtered by service
/// and by year.
#[component]
pub fn Incidents() -> impl IntoView {
    let location = expect_context::<Location>();
    let filters = Memo::new(move |_| Filters::read(&location));
    let list = live::<IncidentPage>(
        move || {
            let f = filters.get();
            let q = f.query(f.page);
            Some(format!(
                "/api/v1/incidents?per_page={PER_PAGE}{}{q}",
                if q.is_empty() { "" } else { "&" }
            ))
        },
        &[Part::Incidents, Part::Reports],
    );
    let services =
        live::<ServiceList>(|| Some("/api/v1/services".into()), &[Part::Services]).state();
    let state = list.state();
    let as_of = list.as_of();
    let names = Memo::new(move |_| {
        services.with(|s| {
            s.ready()
                .map(|l| service_names(&l.services))
                .unwrap_or_default()
        })
    });
    let heading = move || {
        let f = filters.get();
        let names = names.get();
        let mut text = "Incidents".to_string();
        if let Some(s) = &f.service {
            text.push_str(&format!(" affecting {}", words::service_name(&names, s)));
        }
        if let Some(y) = f.year {
            text.push_str(&format!(" in {y}"));
        }
        text
    };
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>().0;

    let controls = move || {
        let f = filters.get();
        let names = names.get();
        let years = state.with(|s| s.ready().map(|p| p.years.clone()).unwrap_or_default());
        let option = |value: String, label: String, selected: bool| {
            let o = h("option").a("value", value).t(label);
            if selected { o.a("selected", "") } else { o }
        };
        let mut service_options = vec![option(
            String::new(),
            "All services".into(),
            f.service.is_none(),
        )];
        service_options.extend(
            names.iter().map(|(id, name)| {
                option(id.clone(), name.clone(), f.service.as_deref() == Some(id))
            }),
        );
        let mut year_options = vec![option(String::new(), "All years".into(), f.year.is_none())];
        let mut all_years = years;
        // A year asked for in the address stays choosable even when it has no incidents.
        if let Some(y) = f.year
            && !all_years.contains(&y)
        {
            all_years.push(y);
            sort_short_by_key(&mut all_years, |y| std::cmp::Reverse(*y));
        }
        year_options.extend(
            all_years
                .iter()
                .map(|y| option(y.to_string(), y.to_string(), f.year == Some(*y))),
        );
        let heading = heading();
        set_title(&heading);
        let mut out: Vec<Node> = vec![
            h("h1").t(heading).into(),
            h("p")
                .class("lede")
                .t("Every problem with TIS that we told users about, newest first. Each one says what happened, and for the bigger ones, what we are changing so it does not happen again.")
                .into(),
            // A real form: without the app it still works as a plain request.
            h("form")
                .class("filters")
                .a("action", "/incidents")
                .a("data-action", "filter-incidents")
                .c(h("div")
                    .class("field")
                    .c(h("label").a("for", "filter-service").t("Service"))
                    .c(h("select").a("id", "filter-service").a("name", "service").cs(service_options)))
                .c(h("div")
                    .class("field")
                    .c(h("label").a("for", "filter-year").t("Year"))
                    .c(h("select").a("id", "filter-year").a("name", "year").cs(year_options)))
                .c(h("button").a("type", "submit").class("button").t("Show incidents"))
                .into(),
        ];
        match state.get() {
            Shown::Loading => out.push(loading("incidents")),
            Shown::Failed(error) => out.push(unavailable(&error, "incidents", conn, clock.get())),
            Shown::Ready(_) => {}
        }
        out
    };
    let results = move || {
        let Shown::Ready(page) = state.get() else {
            return Vec::new();
        };
        let f = filters.get();
        let names = names.get();
        let mut out: Vec<Node> = Vec::new();
        let pages = page.total.div_ceil(page.per_page.max(1)).max(1);
        let count = match page.total {
            0 => "No incidents match.".to_string(),
            1 => "1 incident.".to_string(),
            n if pages > 1 => format!(
                "{n} incidents. Page {} of {pages}, newest first.",
                page.page
            ),
            n => format!("{n} incidents, newest first."),
        };
        out.push(
            h("p")
                .class("results-count")
                .a("role", "status")
                .t(count)
                .into(),
        );
        if page.total == 0 {
            out.push(
                h("p")
                    .t("Try all services or all years. ")
                    .c(h("a").a("href", "/incidents").t("See every incident"))
                    .into(),
            );
        }
        out.extend(
            page.incidents
                .iter()
                .map(|i| Node::from(incident_card(i, &names, "h2"))),
        );
        if pages > 1 {
            let mut links = h("ul");
            if page.page > 1 {
                links = links.c(h("li").c(h("a")
                    .a("href", f.href(page.page - 1))
                    .a("rel", "prev")
                    .t("Newer incidents")));
            }
            if page.page < pages {
                links = links.c(h("li").c(h("a")
                    .a("href", f.href(page.page + 1))
                    .a("rel", "next")
                    .t("Older incidents")));
            }
            out.push(
                h("nav")
                    .class("pager")
                    .a("aria-label", "Pages of incidents")
                    .c(h("p").t(format!("Page {} of {pages}", page.page)))
                    .c(links)
                    .into(),
            );
        }
        out
    };

    view! {
        <Content of=controls />
        <Freshness as_of />
        <Content of=results />
    }
}
