//! Services as the API answers them: the list with its summary, one service's detail and
//! probes in words, uptime history and latency.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::Incident;
use crate::notice::Notice;
use crate::service::{HeartbeatPing, Probe, ProbeKind, ProbeResult, duration_words};
use crate::status::{ServiceState, Status};
use crate::time::{uk_date_time, uk_time, zone_label};
use crate::uptime::DailyUptime;
use crate::uptime::uk_date_of;

use super::sort_short_by_key;

/// `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceList {
    /// True when this is the built-in demo, so the page can say the data is not real.
    pub demo: bool,
    pub generated_at: DateTime<Utc>,
    pub services: Vec<ServiceState>,
}

/// Every service's id and name, for naming the services incidents and notices affect.
pub fn service_names(services: &[ServiceState]) -> Vec<(String, String)> {
    services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
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
        ProbeKind::Heartbeat {
            every: period,
            grace,
            job,
            ..
        } => {
            let job = job.as_deref().unwrap_or(service_name);
            let runs = match period {
                Some(period) => format!("every {}", duration_words(*period)),
                None => "at set times".to_string(),
            };
            return ProbeInfo {
                kind: probe.kind.name().to_string(),
                interval_seconds: probe.interval.as_millis() / 1000,
                description: format!(
                    "{job} tells us when each run starts and finishes. It runs {runs}, and we allow it {} more.",
                    duration_words(*grace)
                ),
            };
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
    sort_short_by_key(&mut sorted, |s| s.position);
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

/// One probe of a service as staff see it: what it checks, its latest results with what
/// each check said, and for a heartbeat the job's last reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffProbe {
    /// The probe's id, e.g. `esr/2`: heartbeat addresses and tokens name it.
    pub id: String,
    pub info: ProbeInfo,
    /// The newest results first, with their `detail`.
    pub results: Vec<ProbeResult>,
    /// For a heartbeat: its last reports, newest first; empty for other probes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pings: Vec<HeartbeatPing>,
    /// For a heartbeat: whether a token has been made for it (`tis-status heartbeat
    /// token`); `None` for other probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_token: Option<bool>,
}

/// `GET /api/v1/services/{id}/probes` (staff): the service and each of its probes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffServiceDetail {
    pub service: ServiceState,
    pub probes: Vec<StaffProbe>,
}
