//! One incident's page.

mod history;
mod report;

use leptos::prelude::*;
use tis_core::time::uk_date_time;
use tis_core::wire::{IncidentView, RevisionInfo, ServiceList, service_names};

use crate::api::{ApiError, Shown, live};
use crate::components::{Freshness, loading, unavailable};
use crate::conn::{Conn, Part};
use crate::dom::{Content, Node, h};
use crate::pages::not_found::missing;
use crate::{Clock, set_title};
use history::{ProbeHistory, history_window};
use report::{key_times_view, no_report_yet, plain_language, technical_view, timeline_view};

/// `/incidents/:id`: in plain language first (what happened, who was affected and how,
/// what we did, what we are doing so it does not happen again), then the updates users
/// were given, the timeline in UK time, what our checks saw, and the key times. Staff
/// who are signed in also see the full report.
#[component]
pub fn IncidentPage(
    /// The incident's number, from the address.
    id: i64,
) -> impl IntoView {
    let view = live::<IncidentView>(
        move || Some(format!("/api/v1/incidents/{id}")),
        &[Part::Incidents, Part::Reports],
    );
    let services =
        live::<ServiceList>(|| Some("/api/v1/services".into()), &[Part::Services]).state();
    let state = view.state();
    let as_of_signal = view.as_of();
    let ready = Memo::new(move |_| state.with(|s| s.ready().cloned()));
    let staff =
        Memo::new(move |_| ready.with(|v| v.as_ref().is_some_and(|v| v.incident.report.is_some())));
    let revisions = live::<Vec<RevisionInfo>>(
        move || {
            staff
                .get()
                .then(|| format!("/api/v1/incidents/{id}/report/revisions"))
        },
        &[Part::Reports],
    )
    .state();
    let names = Memo::new(move |_| {
        services.with(|s| {
            s.ready()
                .map(|l| service_names(&l.services))
                .unwrap_or_default()
        })
    });
    let clock = expect_context::<Clock>().0;
    let conn = expect_context::<Conn>();

    let top = move || {
        let mut out: Vec<Node> = vec![
            h("p")
                .class("back")
                .c(h("a").a("href", "/incidents").t("All incidents"))
                .into(),
        ];
        match state.get() {
            Shown::Loading => {
                set_title("Incident");
                out.extend([h("h1").t("Incident").into(), loading("this incident")]);
            }
            Shown::Failed(ApiError::NotFound(_)) => {
                out.extend(missing("incident", "/incidents", "See all incidents"))
            }
            Shown::Failed(error) => {
                set_title("Incident");
                out.extend([
                    h("h1").t("Incident").into(),
                    unavailable(&error, "this incident", conn, clock.get()),
                ]);
            }
            Shown::Ready(v) => {
                set_title(&v.incident.title);
                out.push(h("h1").t(v.incident.title.clone()).into());
            }
        }
        out
    };
    let head = move || {
        ready.with(|v| match v {
            Some(v) => tis_markup::incident::head(&v.incident, &names.get(), clock.get()),
            None => Vec::new(),
        })
    };
    let plain = move || {
        let Some(v) = ready.get() else {
            return Vec::new();
        };
        match &v.public_report {
            Some(report) => plain_language(report),
            None => no_report_yet(&v.incident),
        }
    };
    let updates = move || {
        ready.with(|v| match v {
            Some(v) => tis_markup::incident::updates(&v.incident),
            None => Vec::new(),
        })
    };
    let timeline = move || {
        let Some(v) = ready.get() else {
            return Vec::new();
        };
        match &v.public_report {
            Some(r) if !r.timeline.is_empty() => timeline_view(&r.timeline),
            _ => Vec::new(),
        }
    };
    let key_times = move || {
        ready.with(|v| {
            v.as_ref()
                .and_then(|v| v.key_times)
                .map(|k| key_times_view(&k))
                .unwrap_or_default()
        })
    };
    let technical = move || {
        let Some(v) = ready.get() else {
            return Vec::new();
        };
        let Some(report) = &v.incident.report else {
            return Vec::new();
        };
        technical_view(
            report,
            v.report_revision,
            revisions.get().ready().map(|r| r.as_slice()),
        )
    };
    // Affected services with the stretch of time their checks are drawn for.
    let history_of = Memo::new(move |_| {
        ready.with(|v| {
            v.as_ref().map(|v| {
                let (from, to) = history_window(&v.incident, clock.get_untracked());
                (
                    v.incident
                        .affected
                        .iter()
                        .map(|a| a.service.clone())
                        .collect::<Vec<_>>(),
                    from,
                    to,
                )
            })
        })
    });

    let history_intro = move || {
        history_of.with(|h| {
            h.as_ref().map(|(_, from, to)| {
                vec![
                    crate::dom::h("h2").a("id", "history-heading").t("What our checks saw").into(),
                    crate::dom::h("p")
                        .t(format!(
                            "The status of each affected service as our automatic checks saw it, from {} to {}. Each line shows only the service's own checks, without the services it needs.",
                            uk_date_time(*from),
                            uk_date_time(*to)
                        ))
                        .into(),
                ]
            })
        })
        .unwrap_or_default()
    };

    view! {
        <Content of=top />
        <Show when=move || ready.with(Option::is_some)>
            <Freshness as_of=as_of_signal />
            <Content of=head />
            <Content of=plain class="plain" />
            <Content of=updates />
            <Content of=timeline />
            <section class="history" aria-labelledby="history-heading">
                <Content of=history_intro />
                {move || history_of.get().map(|(services, from, to)| {
                    services.into_iter().map(|service| view! { <ProbeHistory service from to names /> }).collect_view()
                })}
            </section>
            <Content of=key_times />
            <Content of=technical class="technical-holder" />
        </Show>
    }
}
