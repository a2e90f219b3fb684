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
use crate::service::{ProbeResult, Service};
use crate::status::{ProbeHealth, ProbeRules, health_timeline, probe_id, service_status};
use crate::status::{ServiceState, Status, StatusChange};
use crate::time::{format_duration, uk_date_time, uk_hour_start, uk_time, zone_label};
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

/// `GET /api/v1/trends`: what the overview draws beside each service, in one small answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trends {
    pub generated_at: DateTime<Utc>,
    pub services: Vec<ServiceTrend>,
}

/// One service's recent uptime, day by day, and its response times, hour by hour, in a
/// compact form: a first visit on a slow network fetches this for every service. Read it
/// through [`ServiceTrend::day_marks`] and [`ServiceTrend::hour_latencies`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceTrend {
    pub service: String,
    /// The UK day that `days` starts with.
    pub first_day: chrono::NaiveDate,
    /// One letter a day, oldest first, ending today: see [`DayVerdict::letter`].
    pub days: String,
    /// The days with something to say beyond their letter (down, slow, or checked for
    /// only part of the day), in full.
    pub details: Vec<DayMark>,
    /// Over the days with data, as [`UptimeHistory::uptime_percent`].
    pub uptime_percent: Option<f64>,
    /// The start of the first UK clock hour of the hourly lists.
    pub first_hour: DateTime<Utc>,
    /// Per hour, oldest first: see [`HourLatency`].
    pub hourly_median_ms: Vec<Option<u32>>,
    pub hourly_checks: Vec<u32>,
    pub hourly_failed: Vec<u32>,
}

/// How a service did on one UK day, as the uptime strip shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayMark {
    pub date: chrono::NaiveDate,
    /// Length of the day so far.
    pub minutes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub down_minutes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub degraded_minutes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub no_data_minutes: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl From<&DailyUptime> for DayMark {
    fn from(d: &DailyUptime) -> Self {
        DayMark {
            date: d.date,
            minutes: d.minutes,
            down_minutes: d.minutes_down,
            degraded_minutes: d.minutes_degraded,
            no_data_minutes: d.minutes_no_data,
        }
    }
}

/// What one day of the uptime strip says, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayVerdict {
    Down,
    Slow,
    /// Checks ran for only part of the day, with no problems seen.
    PartData,
    NoData,
    Good,
}

impl DayVerdict {
    /// Words for a legend or a table cell.
    pub fn label(self) -> &'static str {
        match self {
            DayVerdict::Down => "Down for some of the day",
            DayVerdict::Slow => "Slow for some of the day",
            DayVerdict::PartData => "No problems, not checked all day",
            DayVerdict::NoData => "Not checked",
            DayVerdict::Good => "No problems",
        }
    }

    /// One letter for [`ServiceTrend::days`].
    pub fn letter(self) -> char {
        match self {
            DayVerdict::Down => 'd',
            DayVerdict::Slow => 's',
            DayVerdict::PartData => 'p',
            DayVerdict::NoData => 'n',
            DayVerdict::Good => 'g',
        }
    }

    fn from_letter(letter: char) -> Option<DayVerdict> {
        [
            DayVerdict::Down,
            DayVerdict::Slow,
            DayVerdict::PartData,
            DayVerdict::NoData,
            DayVerdict::Good,
        ]
        .into_iter()
        .find(|v| v.letter() == letter)
    }

    /// For CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            DayVerdict::Down => "down",
            DayVerdict::Slow => "slow",
            DayVerdict::PartData => "part",
            DayVerdict::NoData => "none",
            DayVerdict::Good => "good",
        }
    }
}

impl DayMark {
    pub fn verdict(&self) -> DayVerdict {
        if self.down_minutes > 0 {
            DayVerdict::Down
        } else if self.degraded_minutes > 0 {
            DayVerdict::Slow
        } else if self.minutes == 0 || self.no_data_minutes >= self.minutes {
            DayVerdict::NoData
        } else if self.no_data_minutes > 0 {
            DayVerdict::PartData
        } else {
            DayVerdict::Good
        }
    }

    /// Of the time with data, the share not down; `None` without data.
    pub fn uptime_percent(&self) -> Option<f64> {
        let with_data = self.minutes.saturating_sub(self.no_data_minutes);
        (with_data > 0).then(|| {
            f64::from(with_data.saturating_sub(self.down_minutes)) / f64::from(with_data) * 100.0
        })
    }

    /// One cell of the table alternative: "Down for 45 minutes, slow for 10 minutes".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.down_minutes > 0 {
            parts.push(format!(
                "down for {}",
                format_duration(self.down_minutes.into())
            ));
        }
        if self.degraded_minutes > 0 {
            parts.push(format!(
                "slow for {}",
                format_duration(self.degraded_minutes.into())
            ));
        }
        if self.no_data_minutes > 0 && self.no_data_minutes < self.minutes {
            parts.push(format!(
                "not checked for {}",
                format_duration(self.no_data_minutes.into())
            ));
        }
        let text = match (self.verdict(), parts.is_empty()) {
            (DayVerdict::NoData, _) => return "Not checked".into(),
            (_, true) => return "No problems".into(),
            _ => parts.join(", "),
        };
        // Only ever starts with "down", "slow" or "not": ASCII, so no Unicode tables are
        // needed to capitalise it.
        let mut text = text;
        if let Some(first) = text.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        text
    }
}

/// Typical response time in one UK clock hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourLatency {
    /// The start of the hour.
    pub at: DateTime<Utc>,
    pub checks: u32,
    pub failed: u32,
    /// The middle of the typical (median) times of the hour's 5-minute spells; `None`
    /// when no check succeeded.
    pub median_ms: Option<u32>,
}

/// Latency points put together hour by hour (UK clock hours), oldest first.
pub fn hourly(points: &[LatencyPoint]) -> Vec<HourLatency> {
    let mut sorted: Vec<&LatencyPoint> = points.iter().collect();
    sort_short_by_key(&mut sorted, |p| p.at);
    let mut hours: Vec<(HourLatency, Vec<u32>)> = Vec::new();
    for p in sorted {
        let at = uk_hour_start(p.at);
        if hours.last().is_none_or(|(h, _)| h.at != at) {
            hours.push((
                HourLatency {
                    at,
                    checks: 0,
                    failed: 0,
                    median_ms: None,
                },
                Vec::new(),
            ));
        }
        if let Some((hour, medians)) = hours.last_mut() {
            hour.checks += p.checks;
            hour.failed += p.failed;
            medians.extend(p.median_ms);
        }
    }
    hours
        .into_iter()
        .map(|(mut hour, mut medians)| {
            sort_short_by_key(&mut medians, |m| *m);
            hour.median_ms = medians.get(medians.len().saturating_sub(1) / 2).copied();
            hour
        })
        .collect()
}

impl ServiceTrend {
    /// The overview's view of one service from its daily uptime (the strip's days, as
    /// `/uptime` gives them, oldest first) and its latency points.
    pub fn new(service: &str, days: &[DailyUptime], latency: &[LatencyPoint]) -> ServiceTrend {
        let marks: Vec<DayMark> = days.iter().map(DayMark::from).collect();
        let hours = hourly(latency);
        ServiceTrend {
            service: service.to_string(),
            first_day: days
                .first()
                .map_or_else(chrono::NaiveDate::default, |d| d.date),
            days: marks.iter().map(|d| d.verdict().letter()).collect(),
            details: marks
                .iter()
                .filter(|d| !matches!(d.verdict(), DayVerdict::Good | DayVerdict::NoData))
                .cloned()
                .collect(),
            uptime_percent: UptimeHistory::new(service, days.to_vec()).uptime_percent,
            first_hour: hours.first().map_or(DateTime::<Utc>::UNIX_EPOCH, |h| h.at),
            hourly_median_ms: hours.iter().map(|h| h.median_ms).collect(),
            hourly_checks: hours.iter().map(|h| h.checks).collect(),
            hourly_failed: hours.iter().map(|h| h.failed).collect(),
        }
    }

    /// Every day of the strip, oldest first. Days without details were whole days (or
    /// today so far) with no problems, or with no data at all.
    pub fn day_marks(&self) -> Vec<DayMark> {
        self.days
            .chars()
            .enumerate()
            .map(|(i, letter)| {
                let date = self.first_day + chrono::Duration::days(i as i64);
                if let Some(d) = self.details.iter().find(|d| d.date == date) {
                    return d.clone();
                }
                // The exact length of a plain day does not matter to anything shown.
                let minutes = 1440;
                let none = DayVerdict::from_letter(letter) == Some(DayVerdict::NoData);
                DayMark {
                    date,
                    minutes,
                    down_minutes: 0,
                    degraded_minutes: 0,
                    no_data_minutes: if none { minutes } else { 0 },
                }
            })
            .collect()
    }

    /// The hourly response times, oldest first.
    pub fn hour_latencies(&self) -> Vec<HourLatency> {
        self.hourly_median_ms
            .iter()
            .enumerate()
            .map(|(i, median)| HourLatency {
                at: self.first_hour + chrono::Duration::hours(i as i64),
                checks: self.hourly_checks.get(i).copied().unwrap_or(0),
                failed: self.hourly_failed.get(i).copied().unwrap_or(0),
                median_ms: *median,
            })
            .collect()
    }
}

/// A percentage of uptime as people read it: never rounded up to 100% ("99.99%").
pub fn percent_text(percent: f64) -> String {
    // Whole hundredths, formatted by hand: float formatting would add kilobytes to the
    // browser app for one number.
    let hundredths = (percent * 100.0).floor().clamp(0.0, 10_000.0) as u32;
    let (whole, part) = (hundredths / 100, hundredths % 100);
    match part {
        0 => format!("{whole}%"),
        p if p % 10 == 0 => format!("{whole}.{}%", p / 10),
        p => format!("{whole}.{p:02}%"),
    }
}

/// The uptime strip in one or two sentences, for people who cannot see it.
pub fn strip_summary(days: &[DayMark]) -> String {
    let count = |v: DayVerdict| days.iter().filter(|d| d.verdict() == v).count();
    let span = match days.len() {
        1 => "today".to_string(),
        n => format!("the last {n} days"),
    };
    let day_count = |n: usize| {
        if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        }
    };
    let (down, slow, none) = (
        count(DayVerdict::Down),
        count(DayVerdict::Slow),
        count(DayVerdict::NoData),
    );
    if none == days.len() {
        return format!("Not checked in {span}.");
    }
    let mut parts = Vec::new();
    if down > 0 {
        parts.push(format!("down on {}", day_count(down)));
    }
    if slow > 0 {
        parts.push(format!("slow on {}", day_count(slow)));
    }
    if none > 0 {
        parts.push(format!("not checked on {}", day_count(none)));
    }
    let mut text = if parts.is_empty() {
        format!("No problems in {span}.")
    } else {
        let last = parts.pop().unwrap_or_default();
        let list = if parts.is_empty() {
            last
        } else {
            format!("{} and {last}", parts.join(", "))
        };
        format!("In {span}: {list}.")
    };
    if let Some(worst) = days
        .iter()
        .filter(|d| d.down_minutes > 0)
        .max_by_key(|d| (d.down_minutes, d.date))
    {
        text.push_str(&format!(
            " The worst day was {}: down for {}.",
            crate::time::date_words(worst.date),
            format_duration(worst.down_minutes.into())
        ));
    }
    text
}

/// A response time in words: "40 ms", or "under 1 ms" for what rounds down to nothing.
pub fn ms_text(ms: u32) -> String {
    if ms == 0 {
        "under 1 ms".to_string()
    } else {
        format!("{ms} ms")
    }
}

/// The latency line in one sentence, for people who cannot see it.
pub fn latency_summary(hours: &[HourLatency]) -> String {
    let known: Vec<u32> = hours.iter().filter_map(|h| h.median_ms).collect();
    let (Some(low), Some(high)) = (known.iter().min(), known.iter().max()) else {
        return "No response times in the last 24 hours.".into();
    };
    let range = if low == high {
        ms_text(*low)
    } else {
        format!("between {} and {}", ms_text(*low), ms_text(*high))
    };
    let latest = hours
        .iter()
        .rev()
        .find_map(|h| h.median_ms.map(|ms| (h.at, ms)));
    let mut text = format!("Typical response time over the last 24 hours: {range}.");
    if let Some((at, ms)) = latest {
        text.push_str(&format!(
            " In the hour from {} it was {}.",
            uk_time(at),
            ms_text(ms)
        ));
    }
    text
}

/// `GET /api/v1/services/{id}/history`: a service's own status over a stretch of time,
/// worked out from its probes' results (dependencies and maintenance left out), for the
/// probe history drawn under an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusHistory {
    pub service: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// In order, touching, covering `from` to `to`.
    pub spans: Vec<StatusSpan>,
    pub checks: u32,
    pub failed_checks: u32,
    /// How long raw results are kept, so a reader knows why an old stretch has none.
    pub kept_days: u32,
    /// The spans come from the status changes the server recorded (kept for ever), as the
    /// checks themselves are no longer kept; `checks` is then 0.
    #[serde(default)]
    pub from_changes: bool,
}

/// The status of a service from `from` to `to` as its recorded changes tell it, for a
/// stretch whose raw results are gone. `changes` are the service's, oldest first, and
/// should include the last one before `from`: it gives the status the stretch starts in.
/// Empty when nothing was recorded at all.
pub fn spans_from_changes(
    changes: &[StatusChange],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<StatusSpan> {
    let before = changes.iter().rev().find(|c| c.at < from);
    let inside: Vec<&StatusChange> = changes
        .iter()
        .filter(|c| c.at >= from && c.at < to)
        .collect();
    let Some(mut status) = before
        .map(|c| c.to)
        .or_else(|| inside.first().map(|c| c.from))
    else {
        return Vec::new();
    };
    let mut spans: Vec<StatusSpan> = Vec::new();
    let mut cursor = from;
    for change in inside {
        if change.at > cursor {
            spans.push(StatusSpan {
                from: cursor,
                to: change.at,
                status,
            });
            cursor = change.at;
        }
        status = change.to;
    }
    spans.push(StatusSpan {
        from: cursor,
        to,
        status,
    });
    // Touching spans of one status read as one spell.
    spans.dedup_by(|next, prev| {
        if next.status == prev.status {
            prev.to = next.to;
            true
        } else {
            false
        }
    });
    spans
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusSpan {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub status: Status,
}

/// A probe's health from one moment until another.
type HealthPiece = (DateTime<Utc>, DateTime<Utc>, ProbeHealth);

/// The status of `service` from `from` to `to` by its probes alone, replayed with the
/// live rules: a result holds until the next or until it goes stale. Pass results from a
/// little before `from` too, so the first span starts with the right health.
pub fn status_spans(
    service: &Service,
    results: &[ProbeResult],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<StatusSpan> {
    if from >= to {
        return Vec::new();
    }
    // Each probe's health as (start, end, health) pieces.
    let probes: Vec<Vec<HealthPiece>> = service
        .probes
        .iter()
        .enumerate()
        .map(|(i, probe)| {
            let id = probe_id(&service.id, i);
            let own: Vec<ProbeResult> = results.iter().filter(|r| r.probe == id).cloned().collect();
            let rules = ProbeRules::from(probe);
            let timeline = health_timeline(&own, &rules);
            timeline
                .iter()
                .enumerate()
                .map(|(n, &(at, health))| {
                    let stale = at
                        .checked_add_signed(rules.stale_after())
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    let end = timeline
                        .get(n + 1)
                        .map_or(stale, |&(next, _)| next.min(stale));
                    (at, end, health)
                })
                .filter(|(a, b, _)| a < b && *b > from && *a < to)
                .collect()
        })
        .collect();
    let mut edges = vec![from, to];
    for piece in probes.iter().flatten() {
        edges.extend([piece.0.max(from), piece.1.min(to)]);
    }
    edges.sort_unstable();
    edges.dedup();
    let mut spans: Vec<StatusSpan> = Vec::new();
    // Pieces of one probe are in order and apart, so one cursor each walks them once.
    let mut next = vec![0usize; probes.len()];
    for pair in edges.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let healths: Vec<ProbeHealth> = probes
            .iter()
            .zip(next.iter_mut())
            .map(|(pieces, cursor)| {
                while pieces.get(*cursor).is_some_and(|p| p.1 <= start) {
                    *cursor += 1;
                }
                match pieces.get(*cursor) {
                    Some(p) if p.0 <= start => p.2,
                    _ => ProbeHealth::Unknown,
                }
            })
            .collect();
        let status = service_status(&healths);
        match spans.last_mut() {
            Some(last) if last.status == status && last.to == start => last.to = end,
            _ => spans.push(StatusSpan {
                from: start,
                to: end,
                status,
            }),
        }
    }
    spans
}

/// `GET /api/v1/incidents`: one page of history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentPage {
    pub incidents: Vec<IncidentSummary>,
    pub page: u32,
    pub per_page: u32,
    pub total: u32,
    /// UK calendar years in which any incident started, newest first, to filter by.
    #[serde(default)]
    pub years: Vec<i32>,
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

/// `GET /api/v1/incidents/{id}/report/revisions` (staff): one saved version of a report
/// in a list, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionInfo {
    pub number: u32,
    pub author: String,
    pub at: DateTime<Utc>,
    pub status: ReportStatus,
    /// Whether this is the version shown now.
    pub current: bool,
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

/// Reads a whole number in either of the spellings JSON counts as one, `3249` or
/// `3249.0` (JSON Schema calls both integers, so clients and tools may send either), for
/// `#[serde(deserialize_with)]`. Serde alone refuses the second.
pub fn whole_u32<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<u32, E> {
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                Ok(n as u32)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(n), &self))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

/// A save of an incident report (`PUT /api/v1/incidents/{id}/report`). `base_revision`
/// is the revision the editor started from (0 for a first save): if someone saved in
/// between, the save is refused with 409 Conflict rather than overwriting their work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportSave {
    #[serde(deserialize_with = "whole_u32")]
    pub base_revision: u32,
    pub report: Report,
}

/// Sorts a short list by key, keeping equal items in their order. The standard sorts
/// are faster on long lists, but each use adds kilobytes to the browser app's Wasm, and
/// the lists sorted here are short or already nearly in order (services, a day of
/// 5-minute points, a timeline).
pub fn sort_short_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
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

#[cfg(test)]
mod tests {

    fn change(at: &str, from: Status, to: Status) -> StatusChange {
        StatusChange {
            service: "bulk-upload".into(),
            at: at.parse().unwrap(),
            from,
            to,
            reason: None,
            detail: String::new(),
        }
    }

    #[test]
    fn recorded_changes_give_the_spells_of_a_stretch_whose_checks_are_gone() {
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        let changes = [
            change("2026-09-01T10:00:00Z", Status::Unknown, Status::Operational),
            change(
                "2026-10-13T18:02:00Z",
                Status::Operational,
                Status::MajorOutage,
            ),
            change(
                "2026-10-14T17:40:00Z",
                Status::MajorOutage,
                Status::Operational,
            ),
        ];
        let spans = spans_from_changes(
            &changes,
            at("2026-10-13T17:00:00Z"),
            at("2026-10-14T18:40:00Z"),
        );
        let seen: Vec<(DateTime<Utc>, Status)> = spans.iter().map(|s| (s.from, s.status)).collect();
        assert_eq!(
            seen,
            [
                (at("2026-10-13T17:00:00Z"), Status::Operational),
                (at("2026-10-13T18:02:00Z"), Status::MajorOutage),
                (at("2026-10-14T17:40:00Z"), Status::Operational),
            ]
        );
        assert_eq!(spans[2].to, at("2026-10-14T18:40:00Z"));
        // Starting inside an outage: the status it started in comes from before.
        let spans = spans_from_changes(
            &changes,
            at("2026-10-14T09:00:00Z"),
            at("2026-10-14T12:00:00Z"),
        );
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].status, Status::MajorOutage);
        assert!(
            spans_from_changes(&[], at("2026-10-14T09:00:00Z"), at("2026-10-14T12:00:00Z"))
                .is_empty()
        );
    }
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

    fn day(date: &str, minutes: u32, down: u32, slow: u32, none: u32) -> DayMark {
        DayMark {
            date: date.parse().unwrap(),
            minutes,
            down_minutes: down,
            degraded_minutes: slow,
            no_data_minutes: none,
        }
    }

    #[test]
    fn the_strip_is_told_in_words() {
        let good = day("2026-11-22", 1440, 0, 0, 0);
        assert_eq!(
            strip_summary(&[good.clone(), good.clone()]),
            "No problems in the last 2 days."
        );
        let days = [
            day("2026-10-13", 1440, 0, 0, 1440),
            day("2026-10-14", 1440, 45, 0, 0),
            day("2026-10-15", 1440, 842, 10, 0),
            day("2026-10-16", 1440, 0, 30, 0),
            good,
        ];
        assert_eq!(
            strip_summary(&days),
            "In the last 5 days: down on 2 days, slow on 1 day and not checked on 1 day. \
             The worst day was Thursday 15 October 2026: down for 14 hours 2 minutes."
        );
        assert_eq!(
            strip_summary(&[day("2026-11-24", 600, 0, 0, 600)]),
            "Not checked in today."
        );
        assert_eq!(
            days[2].describe(),
            "Down for 14 hours 2 minutes, slow for 10 minutes"
        );
        assert_eq!(days[0].describe(), "Not checked");
        assert_eq!(days[4].describe(), "No problems");
        assert_eq!(days[0].verdict(), DayVerdict::NoData);
        assert_eq!(
            day("2026-11-24", 600, 0, 0, 30).verdict(),
            DayVerdict::PartData
        );
    }

    #[test]
    fn a_trend_reads_back_the_days_and_hours_it_was_made_from() {
        let daily = |date: &str, down: u32, none: u32| DailyUptime {
            service: "sign-in".into(),
            date: date.parse().unwrap(),
            checks: 10,
            failed_checks: 0,
            minutes: 1440,
            minutes_down: down,
            minutes_degraded: 0,
            minutes_no_data: none,
            median_latency_ms: None,
            p95_latency_ms: None,
        };
        let days = [
            daily("2026-10-24", 0, 1440),
            daily("2026-10-25", 0, 0),
            daily("2026-10-26", 25, 0),
            daily("2026-10-27", 0, 600),
        ];
        let points = [
            point("2026-10-27T10:00:00Z", 10, 0, Some(20)),
            point("2026-10-27T11:05:00Z", 10, 3, None),
        ];
        let trend = ServiceTrend::new("sign-in", &days, &points);
        assert_eq!(trend.days, "ngdp");
        assert_eq!(trend.details.len(), 2);
        let expected: Vec<DayMark> = days.iter().map(DayMark::from).collect();
        assert_eq!(trend.day_marks(), expected);
        assert_eq!(trend.hour_latencies(), hourly(&points));
        let json = serde_json::to_string(&trend).unwrap();
        let back: ServiceTrend = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (back.day_marks(), back.hour_latencies()),
            (trend.day_marks(), trend.hour_latencies())
        );
    }

    #[test]
    fn percentages_are_never_rounded_up_to_100() {
        assert_eq!(percent_text(100.0), "100%");
        assert_eq!(percent_text(99.999), "99.99%");
        assert_eq!(percent_text(99.5), "99.5%");
        assert_eq!(percent_text(97.0), "97%");
        assert_eq!(percent_text(99.05), "99.05%");
        assert_eq!(percent_text(0.0), "0%");
    }

    fn point(at: &str, checks: u32, failed: u32, median: Option<u32>) -> LatencyPoint {
        LatencyPoint {
            at: at.parse().unwrap(),
            checks,
            failed,
            median_ms: median,
            p95_ms: median,
        }
    }

    #[test]
    fn latency_is_put_together_by_uk_clock_hour() {
        let hours = hourly(&[
            point("2026-11-24T10:05:00Z", 10, 0, Some(30)),
            point("2026-11-24T09:55:00Z", 10, 1, Some(12)),
            point("2026-11-24T10:00:00Z", 10, 0, Some(20)),
            point("2026-11-24T10:10:00Z", 10, 2, Some(90)),
            point("2026-11-24T11:00:00Z", 10, 10, None),
        ]);
        let got: Vec<_> = hours
            .iter()
            .map(|h| (uk_time(h.at), h.checks, h.failed, h.median_ms))
            .collect();
        assert_eq!(
            got,
            [
                ("9am".to_string(), 10, 1, Some(12)),
                ("10am".to_string(), 30, 2, Some(30)),
                ("11am".to_string(), 10, 10, None),
            ]
        );
        assert_eq!(
            latency_summary(&hours),
            "Typical response time over the last 24 hours: between 12 ms and 30 ms. \
             In the hour from 10am it was 30 ms."
        );
        assert_eq!(
            latency_summary(&[]),
            "No response times in the last 24 hours."
        );
        let quick = hourly(&[point("2026-11-24T10:05:00Z", 10, 0, Some(0))]);
        assert_eq!(
            latency_summary(&quick),
            "Typical response time over the last 24 hours: under 1 ms. In the hour from 10am it was under 1 ms."
        );
    }

    fn two_probe_service() -> Service {
        let probe: Probe = serde_json::from_value(serde_json::json!({
            "kind": "tcp", "host": "tis", "port": 443,
            "interval": "1m", "fail_after": 2, "recover_after": 1
        }))
        .unwrap();
        Service {
            id: "bulk-upload".into(),
            name: "Bulk upload".into(),
            description: String::new(),
            group: String::new(),
            depends_on: Vec::new(),
            position: 0,
            probes: vec![probe.clone(), probe],
        }
    }

    fn result(probe: usize, at: DateTime<Utc>, ok: bool) -> ProbeResult {
        ProbeResult {
            probe: probe_id("bulk-upload", probe),
            service: "bulk-upload".into(),
            at,
            ok,
            latency_ms: 10,
            error_kind: None,
            detail: String::new(),
            degraded: false,
            location: None,
        }
    }

    #[test]
    fn history_replays_the_live_rules_and_shows_gaps_as_not_known() {
        let t0: DateTime<Utc> = "2026-10-13T18:00:00Z".parse().unwrap();
        let min = |m: i64| t0 + chrono::Duration::minutes(m);
        let mut results = Vec::new();
        // Both probes fine for 10 minutes, then probe 2 fails from minute 10 to 19,
        // then nothing at all after minute 29.
        for m in 0..30 {
            results.push(result(0, min(m), true));
            results.push(result(1, min(m), !(10..20).contains(&m)));
        }
        let spans = status_spans(&two_probe_service(), &results, min(0), min(60));
        let got: Vec<_> = spans
            .iter()
            .map(|s| {
                (
                    (s.from - t0).num_minutes(),
                    (s.to - t0).num_minutes(),
                    s.status,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (0, 11, Status::Operational),
                (11, 20, Status::PartialOutage),
                (20, 32, Status::Operational),
                (32, 60, Status::Unknown),
            ]
        );
        assert!(status_spans(&two_probe_service(), &results, min(5), min(5)).is_empty());
    }

    #[test]
    fn short_sorts_keep_equal_items_in_order() {
        let mut items = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e')];
        sort_short_by_key(&mut items, |i| i.0);
        assert_eq!(items, [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]);
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
