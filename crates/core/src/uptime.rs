//! Uptime per service per UK calendar day, worked out from probe results with the same
//! rules that decide the live status, so the history never disagrees with the page.

use std::ops::RangeInclusive;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};

use crate::service::{ProbeResult, Service};
use crate::status::{
    ProbeHealth, ProbeRules, Status, agree, health_timeline, probe_id, service_status,
};

/// How one service did over one UK calendar day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyUptime {
    pub service: String,
    /// The calendar day in UK time (Europe/London).
    pub date: NaiveDate,
    /// Results of the service's probes that started this day.
    pub checks: u32,
    pub failed_checks: u32,
    /// Length of the day so far: 1440, 1380 or 1500 on clock-change days, less for today,
    /// 0 for days still to come.
    pub minutes: u32,
    /// Partly or wholly down.
    pub minutes_down: u32,
    /// Slow: counted as up, but reported apart.
    pub minutes_degraded: u32,
    /// No recent data: counted neither as up nor as down.
    pub minutes_no_data: u32,
    /// Of the successful checks that started this day (nearest rank).
    pub median_latency_ms: Option<u32>,
    pub p95_latency_ms: Option<u32>,
}

impl DailyUptime {
    /// Percentage of the time with data that the service was not down, or `None` when
    /// there was no data all day.
    pub fn uptime_percent(&self) -> Option<f64> {
        let with_data = self.minutes.saturating_sub(self.minutes_no_data);
        if with_data == 0 {
            return None;
        }
        let up = with_data.saturating_sub(self.minutes_down);
        Some(f64::from(up) / f64::from(with_data) * 100.0)
    }
}

/// Midnight UK time at the start of `date`, in UTC.
fn uk_midnight(date: NaiveDate) -> DateTime<Utc> {
    let local = date.and_time(NaiveTime::MIN);
    // UK clocks change at 01:00 and 02:00, so midnight always exists exactly once; the
    // fallback only guards dates at the very ends of chrono's range.
    London
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// Results that arrive late (a standalone prober that was cut off) still count towards
/// the day before for this long after UK midnight; after that the day's uptime is final.
pub const LATE_RESULTS: Duration = Duration::hours(1);

/// The oldest time a result may have and still count towards uptime at `now`: the start
/// of today (UK), or of yesterday during the first [`LATE_RESULTS`] of today. Older
/// results would change a day whose uptime is already final, so they are not taken.
pub fn earliest_countable(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = uk_date_of(now);
    let (start, _) = uk_day_bounds(today);
    if now < start + LATE_RESULTS {
        today
            .pred_opt()
            .map_or(start, |yesterday| uk_day_bounds(yesterday).0)
    } else {
        start
    }
}

/// When a UK calendar day starts and ends (exclusive), in UTC. The last Sunday of March
/// is 23 hours long and the last Sunday of October 25.
pub fn uk_day_bounds(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = uk_midnight(date);
    let end = date.succ_opt().map_or(start, uk_midnight);
    (start, end)
}

/// The UK calendar day that `at` falls on.
pub fn uk_date_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&London).date_naive()
}

/// A stretch of time over which one probe's health held.
#[derive(Debug, Clone, Copy)]
struct Span {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    health: ProbeHealth,
}

/// The health of one probe as spans of time: each result's health holds until the next
/// result or until it goes stale, whichever is first. Gaps between spans are no data.
fn spans(results: &[ProbeResult], rules: &ProbeRules) -> Vec<Span> {
    let timeline = health_timeline(results, rules);
    timeline
        .iter()
        .enumerate()
        .map(|(i, &(from, health))| {
            let stale = from
                .checked_add_signed(rules.stale_after())
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let to = timeline
                .get(i + 1)
                .map_or(stale, |&(next, _)| next.min(stale));
            Span { from, to, health }
        })
        .filter(|s| s.from < s.to)
        .collect()
}

/// Milliseconds spent down, degraded and without data between `from` and `to`, with the
/// probes' health combined moment by moment as the live status does: the spans of each
/// location of a probe (`probe_of[i]` says which probe list `i` is of) agree by `quorum`,
/// then the probes make the service's status.
fn tally(
    probes: &[Vec<Span>],
    probe_of: &[usize],
    probe_count: usize,
    quorum: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> [i64; 3] {
    // Only the spans that overlap the window; spans of a probe are in order and apart.
    let overlapping: Vec<&[Span]> = probes
        .iter()
        .map(|spans| {
            let first = spans.partition_point(|s| s.to <= from);
            let last = spans.partition_point(|s| s.from < to);
            &spans[first..last.max(first)]
        })
        .collect();
    let mut edges: Vec<DateTime<Utc>> = vec![from, to];
    for s in overlapping.iter().flat_map(|spans| spans.iter()) {
        edges.extend([s.from.max(from), s.to.min(to)]);
    }
    edges.sort_unstable();
    edges.dedup();

    let mut next = vec![0usize; overlapping.len()];
    let mut totals = [0i64; 3];
    let mut healths = vec![ProbeHealth::Unknown; overlapping.len()];
    for piece in edges.windows(2) {
        let (start, end) = (piece[0], piece[1]);
        for (p, spans) in overlapping.iter().enumerate() {
            while spans.get(next[p]).is_some_and(|s| s.to <= start) {
                next[p] += 1;
            }
            healths[p] = match spans.get(next[p]) {
                Some(s) if s.from <= start => s.health,
                _ => ProbeHealth::Unknown,
            };
        }
        let per_probe: Vec<ProbeHealth> = (0..probe_count)
            .map(|p| {
                let locations: Vec<ProbeHealth> = healths
                    .iter()
                    .zip(probe_of)
                    .filter(|(_, of)| **of == p)
                    .map(|(h, _)| *h)
                    .collect();
                agree(&locations, quorum)
            })
            .collect();
        let slot = match service_status(&per_probe) {
            Status::MajorOutage | Status::PartialOutage => 0,
            Status::Degraded => 1,
            Status::Unknown => 2,
            Status::Operational | Status::Maintenance => continue,
        };
        totals[slot] += (end - start).num_milliseconds();
    }
    totals
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], pct: usize) -> Option<u32> {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Rounds a length in milliseconds to whole minutes, half up.
fn minutes(ms: i64) -> u32 {
    u32::try_from((ms.max(0) + 30_000) / 60_000).unwrap_or(u32::MAX)
}

/// Uptime of `service` for each UK day in `days`, from the results of its probes (in any
/// order; results of other probes or services are ignored).
///
/// Each probe's health is replayed with the live status rules: after a result it holds
/// until the next result, or until three intervals pass (then there is no data); before
/// the first result there is no data. The probes are combined moment by moment as the live
/// status combines them, and time after `now` is not counted. Down is partial or major
/// outage; no-data time is counted apart, never as down and never as up.
pub fn daily_uptime(
    service: &Service,
    results: &[ProbeResult],
    days: RangeInclusive<NaiveDate>,
    now: DateTime<Utc>,
) -> Vec<DailyUptime> {
    daily_uptime_agreed(service, results, days, now, 1)
}

/// [`daily_uptime`] for results from several locations, each location's results replayed
/// apart and a probe counted down only when `quorum` of them say so, as the live status
/// does (see [`agree`]).
pub fn daily_uptime_agreed(
    service: &Service,
    results: &[ProbeResult],
    days: RangeInclusive<NaiveDate>,
    now: DateTime<Utc>,
    quorum: u32,
) -> Vec<DailyUptime> {
    let ids: Vec<String> = (0..service.probes.len())
        .map(|i| probe_id(&service.id, i))
        .collect();
    let mut spans_of: Vec<Vec<Span>> = Vec::new();
    let mut probe_of: Vec<usize> = Vec::new();
    for (p, (probe, id)) in service.probes.iter().zip(&ids).enumerate() {
        let mut by_location: std::collections::BTreeMap<&str, Vec<ProbeResult>> =
            std::collections::BTreeMap::new();
        for r in results.iter().filter(|r| r.probe == *id) {
            by_location
                .entry(r.location.as_deref().unwrap_or(""))
                .or_default()
                .push(r.clone());
        }
        for own in by_location.values() {
            spans_of.push(spans(own, &ProbeRules::from(probe)));
            probe_of.push(p);
        }
    }
    // A result that could not check is no check of the service: its time is no data
    // (see `health_timeline`), and it is not counted as a check or a failed one.
    let mut ours: Vec<&ProbeResult> = results
        .iter()
        .filter(|r| ids.contains(&r.probe) && r.was_checked())
        .collect();
    ours.sort_by_key(|r| r.at);

    days.start()
        .iter_days()
        .take_while(|d| d <= days.end())
        .map(|date| {
            let (start, end) = uk_day_bounds(date);
            let counted_to = end.min(now).max(start);
            let [down, degraded, no_data] = tally(
                &spans_of,
                &probe_of,
                service.probes.len(),
                quorum,
                start,
                counted_to,
            );

            let in_day =
                &ours[ours.partition_point(|r| r.at < start)..ours.partition_point(|r| r.at < end)];
            let mut latencies: Vec<u32> = in_day
                .iter()
                .filter(|r| r.ok)
                .map(|r| r.latency_ms)
                .collect();
            latencies.sort_unstable();

            // Rounding running totals rather than each part keeps the parts from adding up
            // to more than the day.
            let minutes_down = minutes(down);
            let minutes_degraded = minutes(down + degraded) - minutes_down;
            let minutes_no_data = minutes(down + degraded + no_data) - minutes(down + degraded);
            DailyUptime {
                service: service.id.clone(),
                date,
                checks: u32::try_from(in_day.len()).unwrap_or(u32::MAX),
                failed_checks: u32::try_from(in_day.iter().filter(|r| !r.ok).count())
                    .unwrap_or(u32::MAX),
                minutes: minutes((counted_to - start).num_milliseconds()),
                minutes_down,
                minutes_degraded,
                minutes_no_data,
                median_latency_ms: percentile(&latencies, 50),
                p95_latency_ms: percentile(&latencies, 95),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
