//! The alert rules, as a pure function: from what the services show now and what was
//! told before, the alerts to send. One alert per root cause (the dependency rule of
//! `tis_core::deps`), reminders while down, recovery with how long it lasted, "we cannot
//! see" after three intervals without a check, silence during planned maintenance, and chasing
//! incident updates that were promised and not posted.

mod messages;
mod reach;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tis_core::alert::{Alert, AlertKind};
use tis_core::time::{uk_time, zone_label};
use tis_core::{Incident, IncidentStatus, Notice, NoticeKind, ServiceState, Status};

use crate::config::{AlertRule, Config};
use messages::{
    cannot_see, certificate_expiring, certificate_renewed, outage, recovered, update_due,
};

/// What the rules remember between looks; kept in the store beside the outbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memory {
    /// Alerts told and not yet over, by the id of the service where the trouble starts.
    #[serde(default)]
    pub open: BTreeMap<String, Open>,
    /// Services we have said we cannot see.
    #[serde(default)]
    pub unseen: BTreeSet<String>,
    /// Late incident updates already chased, by `incident@promised time`.
    #[serde(default)]
    pub chased: BTreeMap<String, Chase>,
    /// Services failing on their own, held back since when (see [`hold_for`]).
    #[serde(default)]
    pub held: BTreeMap<String, DateTime<Utc>>,
    /// Services whose certificate the team has been warned of, and when last told.
    #[serde(default)]
    pub warned: BTreeMap<String, DateTime<Utc>>,

    /// Locations told of as cut off, since when (see `reach`).
    #[serde(default)]
    pub cut_off: BTreeMap<String, DateTime<Utc>>,
}

/// An outage the team has been told of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Open {
    pub status: Status,
    pub since: DateTime<Utc>,
    /// Ids of the services affected because of it, as last told.
    pub affected: Vec<String>,
    /// When each rule (by its place in the config) last heard of it.
    #[serde(default)]
    pub told: BTreeMap<usize, DateTime<Utc>>,
}

/// A late update that has been chased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chase {
    #[serde(default)]
    pub told: BTreeMap<usize, DateTime<Utc>>,
}

/// Everything the rules look at.
pub struct View<'a> {
    pub now: DateTime<Utc>,
    pub config: &'a Config,
    /// Each service as readers see it now.
    pub services: &'a [ServiceState],
    pub notices: &'a [Notice],
    pub incidents: &'a [Incident],
    /// What each service's newest failing check said ("connect: connection refused").
    pub details: &'a HashMap<String, String>,
    /// Services whose certificate checks have fresh results, each with what they warn of
    /// ("Certificate expires in 9 days, …"), or `None` when all is well. A service left
    /// out is not known: neither warned of nor renewed.
    pub warnings: &'a HashMap<String, Option<String>>,
    /// When this server began watching: a service never checked since counts from here.
    pub watching_since: DateTime<Utc>,
    /// The public address of this server, for links.
    pub base_url: &'a str,
    /// Which probers' locations can reach TIS now.
    pub reach: &'a crate::read::live::Reach,
}

/// An alert and the channels it goes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub alert: Alert,
    pub channels: Vec<String>,
}

/// How often the team is told again of a certificate close to expiry: daily, as the
/// days left count down, whatever a rule's `remind_every` (meant for outages) says.
const WARN_AGAIN_EVERY: Duration = Duration::hours(24);

/// How long after planned maintenance ends an outage is said to have outlasted it.
const WORK_ENDED_WITHIN: i64 = 15;

/// The alerts to send now, and what to remember.
pub fn decide(mut memory: Memory, view: &View) -> (Memory, Vec<Outgoing>) {
    let mut out = Vec::new();
    let now = view.now;
    let shown: HashMap<String, Status> = view
        .services
        .iter()
        .map(|s| (s.id.clone(), s.status))
        .collect();
    let roots = tis_core::deps::root_causes(&view.config.services, &shown).unwrap_or_default();
    let state = |id: &str| view.services.iter().find(|s| s.id == id);

    // Outages, one per root cause, in config order.
    let mut current: Vec<(&str, Vec<String>)> = Vec::new();
    for s in &view.config.services {
        if roots.get(&s.id) != Some(&s.id) || needs_work_under_way(view, &s.id, &shown) {
            continue;
        }
        let affected = view
            .config
            .services
            .iter()
            .filter(|d| d.id != s.id && roots.get(&d.id) == Some(&s.id))
            .map(|d| d.id.clone())
            .collect();
        current.push((&s.id, affected));
    }
    memory
        .held
        .retain(|id, _| current.iter().any(|(root, _)| root == id));
    for (id, affected) in current {
        let status = shown[id];
        let services: Vec<&str> = std::iter::once(id)
            .chain(affected.iter().map(String::as_str))
            .collect();
        match memory.open.get_mut(id) {
            None if {
                let first = *memory.held.entry(id.to_string()).or_insert(now);
                now - first < hold_for(view.config, id)
            } =>
            {
                continue;
            }
            None => {
                memory.held.remove(id);
                let since = state(id).and_then(|s| s.last_checked).unwrap_or(now);
                let mut alert = outage(view, AlertKind::Down, id, status, since, &affected);
                if let Some(work) = work_just_ended(view, id) {
                    alert.summary = format!("{work} {}", alert.summary);
                }
                let channels = channels_for(&view.config.alerts, &services);
                let told = rules_for(&view.config.alerts, &services)
                    .map(|i| (i, now))
                    .collect();
                out.push(Outgoing { alert, channels });
                memory.open.insert(
                    id.to_string(),
                    Open {
                        status,
                        since,
                        affected,
                        told,
                    },
                );
            }
            Some(open) if open.status != status => {
                // Worse or better, but still failing: a new state to tell of.
                let alert = outage(view, AlertKind::Down, id, status, open.since, &affected);
                out.push(Outgoing {
                    alert,
                    channels: channels_for(&view.config.alerts, &services),
                });
                open.status = status;
                open.affected = affected.clone();
                for i in rules_for(&view.config.alerts, &services) {
                    open.told.insert(i, now);
                }
            }
            Some(open) => {
                open.affected = affected.clone();
                for i in rules_for(&view.config.alerts, &services).collect::<Vec<_>>() {
                    let rule = &view.config.alerts[i];
                    let Some(every) = rule.remind_every else {
                        continue;
                    };
                    let last = open.told.get(&i).copied().unwrap_or(open.since);
                    if now - last >= every.as_chrono() {
                        let alert = outage(
                            view,
                            AlertKind::Reminder,
                            id,
                            status,
                            open.since,
                            &open.affected,
                        );
                        out.push(Outgoing {
                            alert,
                            channels: rule.channels.clone(),
                        });
                        open.told.insert(i, now);
                    }
                }
            }
        }
    }
    // Outages over, or now part of another's.
    let ended: Vec<String> = memory
        .open
        .keys()
        .filter(|id| roots.get(*id) != Some(*id) || needs_work_under_way(view, id, &shown))
        .cloned()
        .collect();
    for id in ended {
        if !view.config.services.iter().any(|s| s.id == id) {
            // Gone from the config: nothing will ever say it recovered.
            memory.open.remove(&id);
            continue;
        }
        match shown.get(&id).copied().unwrap_or(Status::Unknown) {
            // No data is no news: neither recovered nor still down.
            Status::Unknown => continue,
            Status::Operational => {
                let open = memory.open.remove(&id).expect("listed from the map");
                let services: Vec<&str> = std::iter::once(id.as_str())
                    .chain(open.affected.iter().map(String::as_str))
                    .collect();
                out.push(Outgoing {
                    alert: recovered(view, &id, &open),
                    channels: channels_for(&view.config.alerts, &services),
                });
            }
            // In planned maintenance, or failing because of something else now, whose alert
            // names it: nothing more to say of it alone.
            _ => {
                memory.open.remove(&id);
            }
        }
    }

    // Services no check has reached for three intervals.
    let mut unseen = Vec::new();
    for s in view.services {
        let blind = s.status == Status::Unknown && {
            let every = interval_of(view.config, &s.id);
            let last = s.last_checked.unwrap_or(view.watching_since);
            every > Duration::zero() && now - last >= every * 3
        };
        if blind {
            if memory.unseen.insert(s.id.clone()) {
                unseen.push(s);
            }
        } else {
            memory.unseen.remove(&s.id);
        }
    }
    if !unseen.is_empty() {
        let ids: Vec<&str> = unseen.iter().map(|s| s.id.as_str()).collect();
        out.push(Outgoing {
            alert: cannot_see(view, &unseen),
            channels: channels_for(&view.config.alerts, &ids),
        });
    }

    // Certificates close to expiry, and renewed.
    for s in &view.config.services {
        let channels = channels_for(&view.config.alerts, &[s.id.as_str()]);
        match view.warnings.get(&s.id) {
            Some(Some(text)) => {
                let due = memory
                    .warned
                    .get(&s.id)
                    .is_none_or(|told| now - *told >= WARN_AGAIN_EVERY);
                if due {
                    memory.warned.insert(s.id.clone(), now);
                    out.push(Outgoing {
                        alert: certificate_expiring(view, &s.id, text),
                        channels,
                    });
                }
            }
            Some(None) if memory.warned.remove(&s.id).is_some() => {
                out.push(Outgoing {
                    alert: certificate_renewed(view, &s.id),
                    channels,
                });
            }
            Some(None) | None => {}
        }
    }
    memory
        .warned
        .retain(|id, _| view.config.services.iter().any(|s| &s.id == id));

    // Probers that cannot reach TIS: one alert per location, not one per service.
    reach::decide_reach(&mut memory, view, &mut out);

    // Promised incident updates that are late.
    let mut overdue = BTreeSet::new();
    for incident in view.incidents {
        let Some(due) = incident.next_update_at else {
            continue;
        };
        if incident.status == IncidentStatus::Resolved || incident.resolved_at.is_some() {
            continue;
        }
        if due > now {
            continue;
        }
        let key = format!("{}@{}", incident.id, due.timestamp());
        overdue.insert(key.clone());
        let services: Vec<&str> = incident
            .affected
            .iter()
            .map(|a| a.service.as_str())
            .collect();
        let rules: Vec<usize> = if services.is_empty() {
            (0..view.config.alerts.len()).collect()
        } else {
            rules_for(&view.config.alerts, &services).collect()
        };
        let chase = memory.chased.entry(key).or_insert_with(|| Chase {
            told: BTreeMap::new(),
        });
        let mut channels = Vec::new();
        for i in rules {
            let rule = &view.config.alerts[i];
            let due_again = match (chase.told.get(&i), rule.remind_every) {
                (None, _) => true,
                (Some(last), Some(every)) => now - *last >= every.as_chrono(),
                (Some(_), None) => false,
            };
            if due_again {
                chase.told.insert(i, now);
                for c in &rule.channels {
                    if !channels.contains(c) {
                        channels.push(c.clone());
                    }
                }
            }
        }
        if !channels.is_empty() {
            out.push(Outgoing {
                alert: update_due(view, incident, due),
                channels,
            });
        }
    }
    memory.chased.retain(|key, _| overdue.contains(key));
    out.retain(|o| !o.channels.is_empty());
    (memory, out)
}

/// How long a service that fails on its own is held back before it is told of: long
/// enough for what it depends on to be found failing too (each probe's `fail_after`
/// runs and its timeout), so that the team gets one alert at the root instead of one
/// from each service that happened to be checked first. Nothing for a service that
/// depends on nothing.
fn hold_for(config: &Config, id: &str) -> Duration {
    let mut longest = Duration::zero();
    let mut seen = BTreeSet::new();
    let mut next: Vec<&str> = vec![id];
    while let Some(id) = next.pop() {
        let Some(s) = config.services.iter().find(|s| s.id == id) else {
            continue;
        };
        for dep in &s.depends_on {
            if !seen.insert(dep.as_str()) {
                continue;
            }
            next.push(dep);
            if let Some(d) = config.services.iter().find(|s| &s.id == dep) {
                for p in &d.probes {
                    let takes =
                        p.interval.as_chrono() * p.fail_after.max(1) as i32 + p.timeout.as_chrono();
                    longest = longest.max(takes);
                }
            }
        }
    }
    longest
}

/// Whether `id` needs (directly or further along) a service in planned maintenance: its
/// failure then most likely comes from the work, which the team already knows of.
fn needs_work_under_way(view: &View, id: &str, shown: &HashMap<String, Status>) -> bool {
    let mut seen = BTreeSet::new();
    let mut next = vec![id.to_string()];
    while let Some(id) = next.pop() {
        let Some(s) = view.config.services.iter().find(|s| s.id == id) else {
            continue;
        };
        for dep in &s.depends_on {
            if shown.get(dep) == Some(&Status::Maintenance) {
                return true;
            }
            if seen.insert(dep.clone()) {
                next.push(dep.clone());
            }
        }
    }
    false
}

/// "The planned maintenance "Database upgrade" ended at 10:30am GMT, and Sign-in is still
/// down." when planned maintenance on `id` ended a short while ago.
fn work_just_ended(view: &View, id: &str) -> Option<String> {
    view.notices
        .iter()
        .filter(|n| n.published && n.kind == NoticeKind::PlannedMaintenance)
        .filter(|n| n.services.is_empty() || n.services.iter().any(|s| s == id))
        .filter_map(|n| Some((n, n.ends_at?)))
        .filter(|(_, end)| {
            *end <= view.now && view.now - *end <= Duration::minutes(WORK_ENDED_WITHIN)
        })
        .max_by_key(|(_, end)| *end)
        .map(|(n, end)| {
            format!(
                "The planned maintenance \"{}\" ended at {} {}, and {} is still not working.",
                n.title,
                uk_time(end),
                zone_label(end),
                name_of(view.config, id)
            )
        })
}

/// The rules (by place) that cover any of `services`.
fn rules_for<'a>(
    rules: &'a [AlertRule],
    services: &'a [&'a str],
) -> impl Iterator<Item = usize> + 'a {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| services.iter().any(|s| r.covers(s)))
        .map(|(i, _)| i)
}

/// Every channel of the rules that cover any of `services`, each once, in config order.
fn channels_for(rules: &[AlertRule], services: &[&str]) -> Vec<String> {
    let mut channels: Vec<String> = Vec::new();
    for i in rules_for(rules, services) {
        for c in &rules[i].channels {
            if !channels.contains(c) {
                channels.push(c.clone());
            }
        }
    }
    channels
}

fn name_of<'a>(config: &'a Config, id: &'a str) -> &'a str {
    config
        .services
        .iter()
        .find(|s| s.id == id)
        .map_or(id, |s| s.name.as_str())
}

/// The longest interval of a service's probes.
fn interval_of(config: &Config, id: &str) -> Duration {
    config
        .services
        .iter()
        .find(|s| s.id == id)
        .and_then(|s| s.probes.iter().map(|p| p.interval.as_chrono()).max())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
