//! The report on an incident's page: the plain-language account, the timeline in UK time,
//! the key times, and for signed-in staff the whole report.

use chrono::{DateTime, Duration, Utc};
use tis_core::keytimes::{KeyTime, KeyTimes};
use tis_core::time::{date_words, format_timeline_when, to_uk, uk_date_time, zone_label};
use tis_core::uptime::uk_day_bounds;
use tis_core::wire::{PublicReport, RevisionInfo, sort_short_by_key};
use tis_core::{Incident, Report, TimelineEntry, TimelineWhen};

use crate::dom::{El, Node, h};
use crate::words;

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

pub(super) fn plain_language(report: &PublicReport) -> Vec<Node> {
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

pub(super) fn no_report_yet(incident: &Incident) -> Vec<Node> {
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

pub(super) fn timeline_view(entries: &[TimelineEntry]) -> Vec<Node> {
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

pub(super) fn key_times_view(times: &KeyTimes) -> Vec<Node> {
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
pub(super) fn technical_view(
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
