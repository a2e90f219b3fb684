//! One incident's page.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use tis_core::incident::AffectedService;
use tis_core::keytimes::{KeyTime, KeyTimes};
use tis_core::time::{
    date_words, format_duration, format_timeline_when, to_uk, uk_date_time, zone_label,
};
use tis_core::uptime::uk_day_bounds;
use tis_core::wire::{
    IncidentView, PublicReport, RevisionInfo, ServiceList, StatusHistory, StatusSpan,
    sort_short_by_key,
};
use tis_core::{Incident, IncidentStatus, Report, Status, TimelineEntry, TimelineWhen};

use crate::api::{ApiError, Shown, live};
use crate::components::{
    Freshness, facts, incident_status_tag, loading, status_marker, unavailable,
};
use crate::conn::{Conn, Part};
use crate::dom::{Content, El, Node, h, svg};
use crate::pages::not_found::missing;
use crate::{Clock, set_title, words};

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
                .map(|l| {
                    l.services
                        .iter()
                        .map(|s| (s.id.clone(), s.name.clone()))
                        .collect::<Vec<_>>()
                })
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
        let Some(v) = ready.get() else {
            return Vec::new();
        };
        let i = &v.incident;
        let names = names.get();
        let mut items = vec![
            ("Affects", affected_list(&i.affected, &names)),
            ("Started", uk_date_time(i.started_at)),
        ];
        if let Some(at) = i
            .resolved_at
            .filter(|_| i.status == IncidentStatus::Resolved)
        {
            items.push((
                "Resolved",
                format!(
                    "{} ({})",
                    uk_date_time(at),
                    words::lasted(i.started_at, Some(at)).to_ascii_lowercase()
                ),
            ));
        }
        let mut out: Vec<Node> = vec![
            h("p")
                .class("incident-meta")
                .c(incident_status_tag(i.status))
                .t(" ")
                .c(h("span").class("impact").t(i.impact.label()))
                .into(),
            facts(items).into(),
        ];
        if i.is_active() {
            out.push(match i.next_update_at {
                Some(at) => h("p")
                    .class("next-update")
                    .c(h("strong").t(format!("Next update by {}", uk_date_time(at))))
                    .opt(
                        (at < clock.get())
                            .then_some(" (this update is late: we will post it as soon as we can)"),
                    )
                    .into(),
                None => h("p")
                    .class("next-update")
                    .t("We will post an update here when we know more.")
                    .into(),
            });
        }
        out
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
            Some(v) => vec![
                h("h2").a("id", "updates").t("Updates we gave").into(),
                updates_list(&v.incident).into(),
            ],
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

/// The stretch of time drawn under the timeline: from an hour before the incident
/// started until an hour after it ended (or now), at most the two weeks the server
/// gives at a time.
fn history_window(incident: &Incident, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let end = incident.resolved_at.unwrap_or(now).min(now);
    let to = (end + Duration::hours(1)).min(now.max(end));
    let from = (incident.started_at - Duration::hours(1)).max(to - Duration::days(14));
    (from, to.max(from + Duration::minutes(1)))
}

fn affected_list(affected: &[AffectedService], names: &[(String, String)]) -> String {
    let list: Vec<String> = affected
        .iter()
        .map(|a| {
            format!(
                "{} ({})",
                words::service_name(names, &a.service),
                a.status.label().to_ascii_lowercase()
            )
        })
        .collect();
    words::and_list(&list)
}

fn section(id: &'static str, title: &'static str, body: &str) -> Vec<Node> {
    if body.trim().is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Node> = vec![h("h2").a("id", id).t(title).into()];
    out.extend(
        words::paragraphs(body)
            .into_iter()
            .map(|p| Node::from(h("p").t(p))),
    );
    out
}

fn plain_language(report: &PublicReport) -> Vec<Node> {
    let mut out = Vec::new();
    let what = if report.non_technical.trim().is_empty() {
        report.summary.clone()
    } else {
        format!("{}\n\n{}", report.summary, report.non_technical)
    };
    out.extend(section("what-happened", "What happened", &what));
    out.extend(section("who", "Who was affected and how", &report.impact));
    out.extend(section("what-we-did", "What we did", &report.resolution));
    if !report.actions.is_empty() {
        out.push(
            h("h2")
                .a("id", "changes")
                .t("What we are doing so it does not happen again")
                .into(),
        );
        out.push(
            h("ul")
                .class("actions")
                .cs(report.actions.iter().map(|a| {
                    let (class, state) = if a.done {
                        ("action-done", "✓ Done:")
                    } else {
                        ("action-open", "◯ Not done yet:")
                    };
                    h("li")
                        .c(h("span").class(format!("action-state {class}")).t(state))
                        .c(h("span").t(a.text.clone()))
                }))
                .into(),
        );
    }
    out
}

fn no_report_yet(incident: &Incident) -> Vec<Node> {
    let text = if incident.is_active() {
        "We are still working on this problem. The updates below say what we know so far. Once it is fixed, we will explain here what happened and what we are changing."
    } else {
        "The updates below say what happened. We have not published a fuller account of this incident."
    };
    vec![
        h("h2").a("id", "what-happened").t("What happened").into(),
        h("p").t(text).into(),
    ]
}

fn updates_list(incident: &Incident) -> El {
    if incident.updates.is_empty() {
        return h("p").t("No updates have been posted yet.");
    }
    let mut list: Vec<_> = incident.updates.iter().collect();
    sort_short_by_key(&mut list, |u| std::cmp::Reverse(u.at));
    h("ol")
        .class("updates")
        .a("reversed", "")
        .cs(list.into_iter().map(|u| {
            h("li")
                .c(h("p")
                    .class("update-when")
                    .c(incident_status_tag(u.status))
                    .t(format!(" {}", uk_date_time(u.at))))
                .cs(words::paragraphs(&u.body).into_iter().map(|p| h("p").t(p)))
        }))
}

fn starts(entry: &TimelineEntry) -> DateTime<Utc> {
    match entry.when {
        TimelineWhen::At { at } => at,
        TimelineWhen::Range { from, .. } => from,
    }
}

/// "Times in BST", or on the days the clocks change, which zone when.
fn zones_of_day(date: chrono::NaiveDate) -> String {
    let (start, end) = uk_day_bounds(date);
    let (first, last) = (zone_label(start), zone_label(end - Duration::seconds(1)));
    match (first, last) {
        (a, b) if a == b => format!("times in {a}"),
        ("BST", _) => "times in BST until 2am, then GMT".to_string(),
        _ => "times in GMT until 1am, then BST".to_string(),
    }
}

fn timeline_view(entries: &[TimelineEntry]) -> Vec<Node> {
    let mut sorted: Vec<&TimelineEntry> = entries.iter().collect();
    sort_short_by_key(&mut sorted, |e| starts(e));
    let mut out: Vec<Node> = vec![
        h("h2").a("id", "timeline").t("Timeline").into(),
        h("p")
            .t("All times are UK time. A time shown as a span of an hour (\"some time between 2pm and 3pm\") means we know only the hour. ")
            .c(h("a").a("href", "/about#key-times").t("How we read the timeline"))
            .into(),
    ];
    let mut day: Option<chrono::NaiveDate> = None;
    let mut list = h("ol").class("timeline");
    let mut any = false;
    for entry in sorted {
        let date = to_uk(starts(entry)).date_naive();
        if day != Some(date) {
            if any {
                out.push(std::mem::replace(&mut list, h("ol").class("timeline")).into());
            }
            out.push(
                h("h3")
                    .class("timeline-day")
                    .t(format!("{} ({})", date_words(date), zones_of_day(date)))
                    .into(),
            );
            day = Some(date);
        }
        any = true;
        let kind = entry.kind.tag();
        list = list.c(h("li")
            .class(format!(
                "timeline-entry kind-{}",
                words::timeline_kind_class(entry.kind)
            ))
            .c(h("span")
                .class("entry-when")
                .t(capitalise(&format_timeline_when(
                    &entry.when,
                    entry.approximate,
                ))))
            .opt(kind.map(|k| {
                h("span")
                    .class(format!(
                        "entry-kind entry-{}",
                        words::timeline_kind_class(entry.kind)
                    ))
                    .t(k)
            }))
            .t(entry.text.clone()));
    }
    if any {
        out.push(list.into());
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut text = text.to_string();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

fn key_times_view(times: &KeyTimes) -> Vec<Node> {
    let item = |label: &'static str, time: Option<KeyTime>| {
        time.map(|t| {
            h("div")
                .c(h("dt").t(label))
                .c(h("dd").t(capitalise(&t.describe())))
        })
    };
    let items: Vec<El> = [
        item("To find the problem", times.to_detect),
        item("To tell users", times.to_inform),
        item("To fix it for users", times.to_mitigate),
        item("To resolve it fully", times.to_resolve),
    ]
    .into_iter()
    .flatten()
    .collect();
    if items.is_empty() {
        return Vec::new();
    }
    vec![
        h("h2").a("id", "key-times").t("Key times").into(),
        h("p")
            .t("Measured from when the problem began. Where the timeline gives only the hour, the time is a range. ")
            .c(h("a").a("href", "/about#key-times").t("How we work out key times"))
            .into(),
        h("dl").class("keytimes").cs(items).into(),
    ]
}

/// The whole report, for signed-in staff only (the server sends it only to them).
fn technical_view(
    report: &Report,
    revision: Option<u32>,
    revisions: Option<&[RevisionInfo]>,
) -> Vec<Node> {
    let mut out: Vec<Node> = vec![
        h("h2")
            .a("id", "full-report")
            .t("Full report (staff only)")
            .into(),
        h("p")
            .t(format!(
                "{}{}. Written by {}.",
                report.status.label(),
                revision
                    .map(|r| format!(", revision {r}"))
                    .unwrap_or_default(),
                if report.authors.is_empty() {
                    "nobody yet".to_string()
                } else {
                    words::and_list(&report.authors)
                }
            ))
            .into(),
    ];
    let text_part = |out: &mut Vec<Node>, title: &'static str, body: &str| {
        if !body.trim().is_empty() {
            out.push(h("h3").t(title).into());
            out.extend(
                words::paragraphs(body)
                    .into_iter()
                    .map(|p| Node::from(h("p").t(p))),
            );
        }
    };
    let list_part = |out: &mut Vec<Node>, title: &'static str, items: &[String]| {
        if !items.is_empty() {
            out.push(h("h3").t(title).into());
            out.push(
                h("ul")
                    .cs(items.iter().map(|i| h("li").t(i.clone())))
                    .into(),
            );
        }
    };
    text_part(&mut out, "Trigger", &report.trigger);
    text_part(&mut out, "Detection", &report.detection);
    list_part(&mut out, "Root causes", &report.root_causes);
    if !report.action_items.is_empty() {
        out.push(h("h3").t("Action items").into());
        out.push(
            h("div")
                .class("table-scroll")
                .a("tabindex", "0")
                .a("role", "region")
                .a("aria-label", "Action items")
                .c(h("table")
                    .c(h("caption").t("Action items, with owners and status"))
                    .c(h("thead").c(h("tr").cs(["Action", "Owner", "Status", "Due"]
                        .map(|c| h("th").a("scope", "col").t(c)))))
                    .c(h("tbody").cs(report.action_items.iter().map(|a| {
                        h("tr")
                            .c(h("td").t(a.text.clone()))
                            .c(h("td").t(a.owner.clone()))
                            .c(h("td").t(a.status.label()))
                            .c(h("td").t(a.due.map(date_words).unwrap_or_default()))
                    }))))
                .into(),
        );
    }
    list_part(&mut out, "Lessons learned", &report.lessons);
    list_part(&mut out, "Labels", &report.labels);
    if let Some(revisions) = revisions.filter(|r| !r.is_empty()) {
        out.push(h("h3").t("Revisions").into());
        out.push(
            h("ul")
                .class("revisions")
                .cs(revisions.iter().map(|r| {
                    h("li").t(format!(
                        "Revision {} by {}, {} ({}){}",
                        r.number,
                        r.author,
                        uk_date_time(r.at),
                        r.status.label().to_ascii_lowercase(),
                        if r.current { ", shown above" } else { "" }
                    ))
                }))
                .into(),
        );
    }
    vec![
        h("section")
            .class("technical")
            .a("aria-labelledby", "full-report")
            .cs(out)
            .into(),
    ]
}

/// One affected service's own status over the incident, drawn as a bar, with the same
/// facts as a list.
#[component]
fn ProbeHistory(
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
