//! The words of each alert: what is wrong in plain English, the facts beside it and the
//! links to follow, as the team reads them in Teams, Slack and email.

use chrono::{DateTime, Utc};
use tis_core::alert::{Alert, AlertFact, AlertKind, AlertLink};
use tis_core::time::{format_duration, uk_date_time, uk_time, zone_label};
use tis_core::words::counted;
use tis_core::{Incident, ServiceState, Status};

use super::{Open, View, name_of};

/// How long, in words, with less than a minute said so.
fn lasted(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let minutes = (to - from).num_minutes();
    if minutes < 1 {
        "less than a minute".into()
    } else {
        format_duration(minutes)
    }
}

fn links(view: &View, service: Option<&str>) -> Vec<AlertLink> {
    let base = view.base_url.trim_end_matches('/');
    let public = match service {
        Some(id) => format!("{base}/services/{id}"),
        None => format!("{base}/"),
    };
    vec![
        AlertLink {
            label: "Public status page".into(),
            url: public,
        },
        AlertLink {
            label: "Staff page".into(),
            url: format!("{base}/manage/alerts"),
        },
    ]
}

fn fact(label: &str, value: impl Into<String>) -> AlertFact {
    AlertFact {
        label: label.into(),
        value: value.into(),
    }
}

/// A service down (or slow), told first or again.
pub(super) fn outage(
    view: &View,
    kind: AlertKind,
    id: &str,
    status: Status,
    since: DateTime<Utc>,
    affected: &[String],
) -> Alert {
    let name = name_of(view.config, id);
    let words = status.in_sentence();
    let names: Vec<String> = affected
        .iter()
        .map(|a| name_of(view.config, a).to_string())
        .collect();
    let kind = match (kind, status) {
        (AlertKind::Down, Status::Degraded) => AlertKind::Degraded,
        (kind, _) => kind,
    };
    let title = match kind {
        AlertKind::Reminder => format!("{name} is still {words}"),
        _ => format!("{name} is {words}"),
    };
    let because = if names.is_empty() {
        "No other service is affected because of it.".to_string()
    } else {
        format!(
            "{} {} affected because of it: {}.",
            counted(names.len() as u64, "service", "services"),
            if names.len() == 1 { "is" } else { "are" },
            names.join(", ")
        )
    };
    let summary = match kind {
        AlertKind::Reminder => format!(
            "It has been {words} for {}, since {}. {because}",
            lasted(since, view.now),
            uk_date_time(since)
        ),
        _ => because,
    };
    let mut facts = vec![
        fact("Status", status.label()),
        fact("Since", uk_date_time(since)),
    ];
    if let Some(detail) = view.details.get(id).filter(|d| !d.is_empty()) {
        facts.push(fact("What the check said", detail.clone()));
    }
    if !names.is_empty() {
        facts.push(fact("Affected", names.join(", ")));
    }
    Alert {
        kind,
        title,
        summary,
        facts,
        affected: names,
        services: std::iter::once(id.to_string())
            .chain(affected.iter().cloned())
            .collect(),
        links: links(view, Some(id)),
        at: view.now,
    }
}

pub(super) fn recovered(view: &View, id: &str, open: &Open) -> Alert {
    let name = name_of(view.config, id);
    let names: Vec<String> = open
        .affected
        .iter()
        .map(|a| name_of(view.config, a).to_string())
        .collect();
    let mut summary = format!(
        "It was {} for {}, from {} to {}.",
        open.status.in_sentence(),
        lasted(open.since, view.now),
        uk_date_time(open.since),
        uk_time(view.now)
    );
    if !names.is_empty() {
        summary.push_str(&format!(
            " {} affected because of it: {}.",
            counted(names.len() as u64, "service was", "services were"),
            names.join(", ")
        ));
    }
    Alert {
        kind: AlertKind::Recovered,
        title: format!("{name} is working again"),
        summary,
        facts: vec![
            fact("Down for", lasted(open.since, view.now)),
            fact("Since", uk_date_time(open.since)),
            fact("Back at", uk_date_time(view.now)),
        ],
        affected: names,
        services: std::iter::once(id.to_string())
            .chain(open.affected.iter().cloned())
            .collect(),
        links: links(view, Some(id)),
        at: view.now,
    }
}

pub(super) fn cannot_see(view: &View, unseen: &[&ServiceState]) -> Alert {
    let names: Vec<String> = unseen.iter().map(|s| s.name.clone()).collect();
    let last = unseen.iter().filter_map(|s| s.last_checked).max();
    let since = match last {
        Some(at) => format!("no check since {}", uk_date_time(at)),
        None => format!(
            "no check since this server started at {}",
            uk_date_time(view.watching_since)
        ),
    };
    let title = match names.as_slice() {
        [one] => format!("We cannot see {one}: {since}"),
        _ => format!("We cannot see {} services: {since}", names.len()),
    };
    Alert {
        kind: AlertKind::CannotSee,
        title,
        summary: format!(
            "No probe result has come in for three intervals, so we cannot tell whether {} working. Check that the probes are running.",
            if names.len() == 1 {
                "it is"
            } else {
                "they are"
            }
        ),
        facts: vec![fact("Services", names.join(", "))],
        affected: Vec::new(),
        services: unseen.iter().map(|s| s.id.clone()).collect(),
        links: links(
            view,
            match unseen {
                [one] => Some(one.id.as_str()),
                _ => None,
            },
        ),
        at: view.now,
    }
}

/// A certificate close to expiry: `warning` is the check's own words, which start
/// "Certificate expires in 9 days".
pub(super) fn certificate_expiring(view: &View, id: &str, warning: &str) -> Alert {
    let name = name_of(view.config, id);
    let headline = warning.split([',', ':']).next().unwrap_or(warning).trim();
    Alert {
        kind: AlertKind::CertificateExpiring,
        title: format!("{name}: {headline}"),
        summary: format!(
            "{name} still works. Renew its certificate before it expires, or users will see security errors and may not reach it at all."
        ),
        facts: vec![fact("What the check said", warning)],
        affected: Vec::new(),
        services: vec![id.to_string()],
        links: links(view, Some(id)),
        at: view.now,
    }
}

/// The certificate that was close to expiry is no longer.
pub(super) fn certificate_renewed(view: &View, id: &str) -> Alert {
    let name = name_of(view.config, id);
    Alert {
        kind: AlertKind::CertificateRenewed,
        title: format!("{name}: certificate renewed"),
        summary: format!("The certificate of {name} is no longer close to expiry."),
        facts: vec![fact("Checked at", uk_date_time(view.now))],
        affected: Vec::new(),
        services: vec![id.to_string()],
        links: links(view, Some(id)),
        at: view.now,
    }
}

pub(super) fn update_due(view: &View, incident: &Incident, due: DateTime<Utc>) -> Alert {
    let late = lasted(due, view.now);
    let late = if late == "less than a minute" {
        "just now".to_string()
    } else {
        format!("{late} ago")
    };
    let base = view.base_url.trim_end_matches('/');
    Alert {
        kind: AlertKind::UpdateDue,
        title: format!("Update due {late} on \"{}\"", incident.title),
        summary: format!(
            "Users were promised the next update at {} {}. Post one, even to say there is no news, so they know someone is on it.",
            uk_time(due),
            zone_label(due)
        ),
        facts: vec![
            fact("Promised for", uk_date_time(due)),
            fact("Incident status", incident.status.label()),
        ],
        affected: Vec::new(),
        services: incident
            .affected
            .iter()
            .map(|a| a.service.clone())
            .collect(),
        links: vec![
            AlertLink {
                label: "Post an update".into(),
                url: format!("{base}/manage/incidents/{}", incident.id),
            },
            AlertLink {
                label: "Public incident page".into(),
                url: format!("{base}/incidents/{}", incident.id),
            },
        ],
        at: view.now,
    }
}
