//! Shapes of API answers that the browser app reads, and the sentences built from them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{
    AffectedService, Impact, Incident, IncidentStatus, IncidentUpdate, Report, ReportStatus,
    TimelineEntry,
};
use crate::keytimes::KeyTimes;
use crate::notice::{Audience, Notice, NoticeKind, NoticeSeverity};
use crate::service::{Probe, ProbeKind};
use crate::status::{ServiceState, Status};
use crate::time::{uk_date_time, uk_time, zone_label};
use crate::uptime::DailyUptime;
use crate::uptime::uk_date_of;

/// `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceList {
    /// True when this is the built-in demo, so the page can say the data is not real.
    pub demo: bool,
    pub generated_at: DateTime<Utc>,
    pub services: Vec<ServiceState>,
}

/// `GET /api/v1/summary`: everything the overview shows, in one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Summary {
    pub demo: bool,
    pub generated_at: DateTime<Utc>,
    /// One sentence for the whole of TIS.
    pub headline: String,
    pub services: Vec<ServiceState>,
    /// Published notices in their window now; readers filter by audience.
    pub notices: Vec<Notice>,
    /// Published notices that start later.
    pub upcoming: Vec<Notice>,
    /// Unresolved incidents, newest first, with their updates.
    pub incidents: Vec<Incident>,
}

/// One probe of a service, described for people.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProbeInfo {
    pub kind: String,
    pub interval_seconds: u64,
    /// "We sign in the way Bulk upload does, then call it, every 30 seconds."
    pub description: String,
}

/// `GET /api/v1/services/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceDetail {
    pub service: ServiceState,
    /// Names of the services it needs, in the order of `depends_on`.
    pub depends_on_names: Vec<String>,
    pub probes: Vec<ProbeInfo>,
}

/// How a probe checks a service, in plain words.
pub fn probe_in_words(service_name: &str, probe: &Probe) -> ProbeInfo {
    let what = match &probe.kind {
        ProbeKind::Http { .. } => format!("We ask {service_name} whether it is healthy"),
        ProbeKind::Tcp { .. } => format!("We check that {service_name} accepts connections"),
        ProbeKind::Tls { warn_days, .. } => format!(
            "We check that {service_name}'s security certificate is valid for at least {warn_days} more days"
        ),
        ProbeKind::Oidc {
            then_url: Some(_), ..
        } => {
            format!("We sign in the way {service_name} does, then call it")
        }
        ProbeKind::Oidc { then_url: None, .. } => {
            format!("We sign in the way {service_name} does")
        }
    };
    let every = every(probe.interval.as_millis() / 1000);
    ProbeInfo {
        kind: probe.kind.name().to_string(),
        interval_seconds: probe.interval.as_millis() / 1000,
        description: format!("{what}, {every}."),
    }
}

fn every(seconds: u64) -> String {
    match seconds {
        0 | 1 => "every second".into(),
        60 => "every minute".into(),
        s if s % 60 == 0 => format!("every {} minutes", s / 60),
        s => format!("every {s} seconds"),
    }
}

/// `GET /api/v1/services/{id}/uptime`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UptimeHistory {
    pub service: String,
    /// Oldest first; a day with no row had no data.
    pub days: Vec<DailyUptime>,
    /// Over the days with data, degraded counted as up; `None` when there was no data.
    pub uptime_percent: Option<f64>,
}

impl UptimeHistory {
    pub fn new(service: &str, days: Vec<DailyUptime>) -> UptimeHistory {
        let with_data: u64 = days
            .iter()
            .map(|d| u64::from(d.minutes.saturating_sub(d.minutes_no_data)))
            .sum();
        let down: u64 = days.iter().map(|d| u64::from(d.minutes_down)).sum();
        UptimeHistory {
            service: service.to_string(),
            uptime_percent: (with_data > 0)
                .then(|| (with_data.saturating_sub(down)) as f64 / with_data as f64 * 100.0),
            days,
        }
    }
}

/// One point of a latency chart: the checks that started in `[at, at + bucket)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencyPoint {
    pub at: DateTime<Utc>,
    pub checks: u32,
    pub failed: u32,
    pub median_ms: Option<u32>,
    pub p95_ms: Option<u32>,
}

/// `GET /api/v1/services/{id}/latency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatencySeries {
    pub service: String,
    pub bucket_minutes: u32,
    pub points: Vec<LatencyPoint>,
}

/// `GET /api/v1/incidents`: one page of history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentPage {
    pub incidents: Vec<IncidentSummary>,
    pub page: u32,
    pub per_page: u32,
    pub total: u32,
}

/// An incident in a list: no report, only its latest update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentSummary {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub affected: Vec<AffectedService>,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub next_update_at: Option<DateTime<Utc>>,
    pub latest_update: Option<IncidentUpdate>,
    /// Whether a published report can be read.
    pub has_report: bool,
}

impl From<&Incident> for IncidentSummary {
    fn from(i: &Incident) -> Self {
        IncidentSummary {
            id: i.id,
            title: i.title.clone(),
            status: i.status,
            impact: i.impact,
            affected: i.affected.clone(),
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            next_update_at: i.next_update_at,
            latest_update: i.latest_update().cloned(),
            has_report: i
                .report
                .as_ref()
                .is_some_and(|r| r.status == ReportStatus::Published),
        }
    }
}

/// `GET /api/v1/incidents/{id}`: what the reader may see of an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentView {
    pub incident: Incident,
    /// The report's plain-language parts, for everyone once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_report: Option<PublicReport>,
    /// Worked out from the report's timeline (published, or for staff any report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_times: Option<KeyTimes>,
    /// The current revision number, for staff (the base of the next save).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_revision: Option<u32>,
}

/// The parts of a report that everyone may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicReport {
    pub summary: String,
    pub impact: String,
    pub non_technical: String,
    pub resolution: String,
    pub timeline: Vec<TimelineEntry>,
    /// What we are doing so it does not happen again: the action items' text and status,
    /// without owners.
    pub actions: Vec<PublicAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicAction {
    pub text: String,
    pub done: bool,
}

impl From<&Report> for PublicReport {
    fn from(r: &Report) -> Self {
        PublicReport {
            summary: r.summary.clone(),
            impact: r.impact.clone(),
            non_technical: r.non_technical.clone(),
            resolution: r.resolution.clone(),
            timeline: r.timeline.clone(),
            actions: r
                .action_items
                .iter()
                .map(|a| PublicAction {
                    text: a.text.clone(),
                    done: a.status == crate::incident::ActionStatus::Done,
                })
                .collect(),
        }
    }
}

/// A notice as support staff write it (`POST /api/v1/notices`, `PUT /api/v1/notices/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    pub kind: NoticeKind,
    pub severity: NoticeSeverity,
    #[serde(default)]
    pub services: Vec<String>,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    pub audience: Audience,
    /// False keeps it as a draft that only staff see.
    pub published: bool,
}

/// An incident as editors open or change it (`POST /api/v1/incidents`, `PUT …/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub affected: Vec<AffectedService>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub next_update_at: Option<DateTime<Utc>>,
}

/// An update for users during an incident (`POST /api/v1/incidents/{id}/updates`). It
/// moves the incident to `status`; resolving it sets the resolved time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    pub status: IncidentStatus,
    pub body: String,
    /// When users will hear next; absent once resolved.
    #[serde(default)]
    pub next_update_at: Option<DateTime<Utc>>,
}

/// A save of an incident report (`PUT /api/v1/incidents/{id}/report`). `base_revision`
/// is the revision the editor started from (0 for a first save): if someone saved in
/// between, the save is refused with 409 Conflict rather than overwriting their work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportSave {
    pub base_revision: u32,
    pub report: Report,
}

/// One sentence for the whole of TIS, worst news first.
pub fn headline(services: &[ServiceState]) -> &'static str {
    let any = |s: Status| services.iter().any(|x| x.status == s);
    if services.is_empty() || services.iter().all(|s| s.status == Status::Unknown) {
        "We cannot check TIS services at the moment"
    } else if any(Status::MajorOutage) || any(Status::PartialOutage) {
        "Some services are not working"
    } else if any(Status::Degraded) {
        "Some services are slow"
    } else if any(Status::Maintenance) {
        "Some services have planned maintenance"
    } else if any(Status::Unknown) {
        "We cannot check some services at the moment"
    } else {
        "All services are working"
    }
}

/// Services grouped under their headings, groups in the order of their first service.
pub fn by_group(services: &[ServiceState]) -> Vec<(String, Vec<ServiceState>)> {
    let mut sorted = services.to_vec();
    sorted.sort_by_key(|s| s.position);
    let mut groups: Vec<(String, Vec<ServiceState>)> = Vec::new();
    for s in sorted {
        match groups.iter_mut().find(|(g, _)| *g == s.group) {
            Some((_, list)) => list.push(s),
            None => groups.push((s.group.clone(), vec![s])),
        }
    }
    groups
}

/// When a service was last checked, short when it was today (UK time).
pub fn last_checked_text(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        None => "Not checked yet".to_string(),
        Some(at) if uk_date_of(at) == uk_date_of(now) => {
            format!("Last checked {} {}", uk_time(at), zone_label(at))
        }
        Some(at) => format!("Last checked {}", uk_date_time(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_checked_names_the_day_only_when_it_was_not_today() {
        let now: DateTime<Utc> = "2026-11-24T19:30:00Z".parse().unwrap();
        let today: DateTime<Utc> = "2026-11-24T19:29:10Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(today), now),
            "Last checked 7:29pm GMT"
        );
        let before: DateTime<Utc> = "2026-11-23T19:29:00Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(before), now),
            "Last checked 7:29pm GMT on Monday 23 November 2026"
        );
        assert_eq!(last_checked_text(None, now), "Not checked yet");
        // A summer evening is BST, and just after midnight BST is still "today" in the UK.
        let summer_now: DateTime<Utc> = "2026-07-01T23:30:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-01T23:10:00Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(summer), summer_now),
            "Last checked 12:10am BST"
        );
    }

    fn state(id: &str, group: &str, position: i32, status: Status) -> ServiceState {
        ServiceState {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            group: group.into(),
            position,
            depends_on: vec![],
            status,
            reason: None,
            last_checked: None,
        }
    }

    #[test]
    fn the_headline_gives_the_worst_news() {
        let ok = state("a", "G", 1, Status::Operational);
        assert_eq!(
            headline(std::slice::from_ref(&ok)),
            "All services are working"
        );
        let down = state("b", "G", 2, Status::MajorOutage);
        let slow = state("c", "G", 3, Status::Degraded);
        assert_eq!(
            headline(&[ok.clone(), slow.clone(), down]),
            "Some services are not working"
        );
        assert_eq!(headline(&[ok.clone(), slow]), "Some services are slow");
        let unknown = state("d", "G", 4, Status::Unknown);
        assert_eq!(
            headline(&[ok, unknown.clone()]),
            "We cannot check some services at the moment"
        );
        assert_eq!(
            headline(&[unknown]),
            "We cannot check TIS services at the moment"
        );
    }

    #[test]
    fn groups_keep_the_order_of_positions() {
        let list = [
            state("x", "For admins", 2, Status::Operational),
            state("s", "Sign-in", 1, Status::Operational),
            state("y", "For admins", 3, Status::Operational),
        ];
        let groups = by_group(&list);
        let names: Vec<_> = groups.iter().map(|(g, _)| g.as_str()).collect();
        assert_eq!(names, ["Sign-in", "For admins"]);
        assert_eq!(groups[1].1.len(), 2);
    }
}
