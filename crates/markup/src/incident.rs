//! One incident's page, the parts the server writes into `/incidents/:id` and the app
//! then takes over: how it stands, what it affects, when users hear next, and the
//! updates they were given.

use chrono::{DateTime, Utc};
use tis_core::incident::AffectedService;
use tis_core::time::uk_date_time;
use tis_core::wire::sort_short_by_key;
use tis_core::{Incident, IncidentStatus};

use crate::components::{facts, incident_status_tag};
use crate::words;
use crate::{El, Node, h};

/// Its stage and impact, what it affects and since when, and while it lasts when the
/// next update is due (late, said so, once `now` is past it).
pub fn head(incident: &Incident, names: &[(String, String)], now: DateTime<Utc>) -> Vec<Node> {
    let i = incident;
    let mut items = vec![
        ("Affects", affected_list(&i.affected, names)),
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
                    (at < now)
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
}

/// The updates users were given, newest first, under their heading.
pub fn updates(incident: &Incident) -> Vec<Node> {
    vec![
        h("h2").a("id", "updates").t("Updates we gave").into(),
        updates_list(incident).into(),
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

/// "Sign-in (slow) and ESR (down)": each affected service and how it was affected.
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
