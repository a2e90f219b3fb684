//! Alerts about the probers themselves: when the checks from one location cannot reach
//! TIS (none of its canaries answer), the team hears it once, about that location, and
//! again when it reaches TIS once more; never once per service it could not check.

use chrono::{DateTime, Utc};
use tis_core::Status;
use tis_core::alert::{Alert, AlertFact, AlertKind, AlertLink};
use tis_core::time::{format_duration, uk_date_time, uk_time};

use super::{Memory, Outgoing, View, channels_for};
use crate::read::live::CutOff;

/// Tells of each location newly cut off, and of each told of that reaches TIS again (a
/// location that stopped reporting altogether is left to the "cannot see" alerts).
///
/// Quiet during planned maintenance as other alerts are: only the rules whose services
/// are not all under planned work hear of it, and while every service is, nothing is
/// said (and it is said once the work is over, if the location is still cut off).
pub(super) fn decide_reach(memory: &mut Memory, view: &View, out: &mut Vec<Outgoing>) {
    let everything: Vec<&str> = view.config.services.iter().map(|s| s.id.as_str()).collect();
    let working: Vec<&str> = view
        .services
        .iter()
        .filter(|s| s.status != Status::Maintenance)
        .map(|s| s.id.as_str())
        .collect();
    for cut in &view.reach.cut_off {
        if memory.cut_off.contains_key(&cut.location) {
            continue;
        }
        let channels = channels_for(&view.config.alerts, &working);
        if channels.is_empty() {
            continue;
        }
        out.push(Outgoing {
            alert: cut_off(view, cut),
            channels,
        });
        memory.cut_off.insert(cut.location.clone(), cut.since);
    }
    let back: Vec<(String, DateTime<Utc>)> = memory
        .cut_off
        .iter()
        .filter(|(location, _)| view.reach.reaching.contains(location))
        .map(|(l, since)| (l.clone(), *since))
        .collect();
    for (location, since) in back {
        memory.cut_off.remove(&location);
        out.push(Outgoing {
            alert: reached_again(view, &location, since),
            channels: channels_for(&view.config.alerts, &everything),
        });
    }
}

fn fact(label: &str, value: impl Into<String>) -> AlertFact {
    AlertFact {
        label: label.into(),
        value: value.into(),
    }
}

fn links(view: &View) -> Vec<AlertLink> {
    let base = view.base_url.trim_end_matches('/');
    vec![
        AlertLink {
            label: "Public status page".into(),
            url: format!("{base}/"),
        },
        AlertLink {
            label: "Staff page".into(),
            url: format!("{base}/manage/alerts"),
        },
    ]
}

/// "The checks from london cannot reach TIS: the TIS front door (tis.example:443) …"
fn cut_off(view: &View, cut: &CutOff) -> Alert {
    Alert {
        kind: AlertKind::CutOff,
        title: format!(
            "The checks from {} cannot reach TIS: {}",
            cut.location, cut.canaries
        ),
        summary: format!(
            "Since {}, the checks from {} have failed and so have all of its canaries, so the trouble is most likely the network where it runs, not TIS. Its failed checks are recorded as \"could not check\": services only it checks show as not known, not down, and no alert is sent about each of them. Check that place's network and firewall.",
            uk_date_time(cut.since),
            cut.location
        ),
        facts: vec![
            fact("Location", cut.location.clone()),
            fact("Since", uk_date_time(cut.since)),
            fact("Canaries not reached", cut.canaries.clone()),
        ],
        affected: Vec::new(),
        services: Vec::new(),
        links: links(view),
        at: view.now,
    }
}

/// "The checks from london reach TIS again"
fn reached_again(view: &View, location: &str, since: DateTime<Utc>) -> Alert {
    let minutes = (view.now - since).num_minutes();
    let lasted = if minutes < 1 {
        "less than a minute".to_string()
    } else {
        format_duration(minutes)
    };
    Alert {
        kind: AlertKind::Recovered,
        title: format!("The checks from {location} reach TIS again"),
        summary: format!(
            "They could not for {lasted}, from {} to {}. Failed checks from there count again.",
            uk_date_time(since),
            uk_time(view.now)
        ),
        facts: vec![
            fact("Location", location),
            fact("Cut off for", lasted),
            fact("Since", uk_date_time(since)),
            fact("Back at", uk_date_time(view.now)),
        ],
        affected: Vec::new(),
        services: Vec::new(),
        links: links(view),
        at: view.now,
    }
}
