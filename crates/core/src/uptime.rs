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
    let mut ours: Vec<&ProbeResult> = results.iter().filter(|r| ids.contains(&r.probe)).collect();
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
mod tests {
    use super::*;
    use crate::service::Probe;
    use chrono::Duration;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn results_count_from_uk_midnight_or_from_yesterday_in_the_first_hour_of_the_day() {
        // Summer: UK midnight is 23:00 UTC the day before.
        assert_eq!(
            earliest_countable(utc(2026, 7, 1, 9, 0)),
            utc(2026, 6, 30, 23, 0)
        );
        assert_eq!(
            earliest_countable(utc(2026, 6, 30, 23, 30)),
            utc(2026, 6, 29, 23, 0),
            "half past midnight BST: yesterday still counts"
        );
        assert_eq!(
            earliest_countable(utc(2026, 7, 1, 0, 0)),
            utc(2026, 6, 30, 23, 0),
            "1am BST: yesterday is final"
        );
        // Winter: UK midnight is midnight UTC.
        assert_eq!(
            earliest_countable(utc(2026, 12, 1, 0, 59)),
            utc(2026, 11, 30, 0, 0)
        );
        assert_eq!(
            earliest_countable(utc(2026, 12, 1, 13, 0)),
            utc(2026, 12, 1, 0, 0)
        );
    }

    fn probe(fail_after: u32) -> Probe {
        serde_json::from_value(serde_json::json!({
            "kind": "tcp", "host": "tis", "port": 443,
            "interval": "1m", "fail_after": fail_after, "recover_after": 2, "slow_ms": 1000
        }))
        .unwrap()
    }

    fn service(probes: usize) -> Service {
        Service {
            id: "bulk-upload".into(),
            name: "Bulk upload".into(),
            description: String::new(),
            group: String::new(),
            depends_on: Vec::new(),
            position: 0,
            probes: (0..probes).map(|_| probe(2)).collect(),
        }
    }

    fn result(index: usize, at: DateTime<Utc>, ok: bool, latency_ms: u32) -> ProbeResult {
        ProbeResult {
            probe: probe_id("bulk-upload", index),
            service: "bulk-upload".into(),
            at,
            ok,
            latency_ms,
            error_kind: None,
            detail: String::new(),
            degraded: false,
            location: None,
        }
    }

    #[test]
    fn locations_are_replayed_apart_and_must_agree_before_down_time_counts() {
        let day = date(2026, 11, 24);
        // London sees an hour down; Dublin sees it working all day.
        let london: Vec<ProbeResult> = every_minute(day, 600..660)
            .into_iter()
            .map(|r| ProbeResult {
                location: Some("london".into()),
                ..r
            })
            .collect();
        let dublin: Vec<ProbeResult> = every_minute(day, 0..0)
            .into_iter()
            .map(|r| ProbeResult {
                location: Some("dublin".into()),
                ..r
            })
            .collect();
        let both: Vec<ProbeResult> = london.iter().chain(&dublin).cloned().collect();
        let now = utc(2026, 11, 26, 0, 0);
        let one = daily_uptime_agreed(&service(1), &both, day..=day, now, 1);
        let two = daily_uptime_agreed(&service(1), &both, day..=day, now, 2);
        // With one location enough, London's hour counts (down from its second failure
        // until its second success); with two needed, it does not.
        assert_eq!(one[0].minutes_down, 60);
        assert_eq!(two[0].minutes_down, 0);
        assert_eq!(one[0].checks, 2 * 1440);
    }

    /// A result every minute of the UK day, failing in the given minutes since its start.
    fn every_minute(day: NaiveDate, failing: std::ops::Range<i64>) -> Vec<ProbeResult> {
        let (start, end) = uk_day_bounds(day);
        (0..(end - start).num_minutes())
            .map(|m| result(0, start + Duration::minutes(m), !failing.contains(&m), 100))
            .collect()
    }

    fn one_day(service: &Service, results: &[ProbeResult], day: NaiveDate) -> DailyUptime {
        let later = utc(2100, 1, 1, 0, 0);
        daily_uptime(service, results, day..=day, later).remove(0)
    }

    #[test]
    fn uk_days_are_23_or_25_hours_on_clock_change_days() {
        let (start, end) = uk_day_bounds(date(2026, 3, 29));
        assert_eq!(
            (start, end),
            (utc(2026, 3, 29, 0, 0), utc(2026, 3, 29, 23, 0))
        );
        let (start, end) = uk_day_bounds(date(2026, 10, 25));
        assert_eq!(
            (start, end),
            (utc(2026, 10, 24, 23, 0), utc(2026, 10, 26, 0, 0))
        );
        let (start, end) = uk_day_bounds(date(2026, 6, 1));
        assert_eq!(
            (start, end),
            (utc(2026, 5, 31, 23, 0), utc(2026, 6, 1, 23, 0))
        );
    }

    #[test]
    fn late_evening_utc_in_summer_is_the_next_uk_day() {
        assert_eq!(uk_date_of(utc(2026, 6, 1, 23, 30)), date(2026, 6, 2));
        assert_eq!(uk_date_of(utc(2026, 1, 1, 23, 30)), date(2026, 1, 1));
    }

    #[test]
    fn down_time_across_the_spring_clock_change_counts_real_minutes() {
        // Failing 00:30 to 02:29 UTC: 00:30 GMT to 03:29 BST on the clock, two hours of
        // real time. Down from the second failure until the second success after.
        let day = date(2026, 3, 29);
        let u = one_day(&service(1), &every_minute(day, 30..150), day);
        assert_eq!(u.minutes, 23 * 60);
        assert_eq!(
            (u.minutes_down, u.minutes_degraded, u.minutes_no_data),
            (120, 0, 0)
        );
        assert_eq!((u.checks, u.failed_checks), (1380, 120));
        let pct = u.uptime_percent().unwrap();
        assert!((pct - 1260.0 / 1380.0 * 100.0).abs() < 1e-9, "{pct}");
    }

    #[test]
    fn down_time_across_the_autumn_clock_change_counts_real_minutes() {
        // Failing 01:30 BST to 01:29 GMT: the clock shows the same time, but an hour passed.
        let day = date(2026, 10, 25);
        let u = one_day(&service(1), &every_minute(day, 90..150), day);
        assert_eq!(u.minutes, 25 * 60);
        assert_eq!((u.minutes_down, u.minutes_no_data), (60, 0));
        assert_eq!((u.checks, u.failed_checks), (1500, 60));
    }

    #[test]
    fn a_day_without_results_is_no_data_not_down() {
        let day = date(2026, 5, 4);
        let u = one_day(&service(1), &[], day);
        assert_eq!(
            (u.minutes, u.minutes_down, u.minutes_no_data),
            (1440, 0, 1440)
        );
        assert_eq!(u.uptime_percent(), None);
        assert_eq!((u.median_latency_ms, u.p95_latency_ms), (None, None));
    }

    #[test]
    fn when_the_prober_stops_the_rest_of_the_day_is_no_data() {
        let day = date(2026, 5, 4);
        let (start, _) = uk_day_bounds(day);
        // Working from midnight to 06:00, then nothing: data lasts three intervals more.
        let results: Vec<_> = (0..360)
            .map(|m| result(0, start + Duration::minutes(m), true, 100))
            .collect();
        let u = one_day(&service(1), &results, day);
        assert_eq!(u.minutes_no_data, 1440 - 360 - 2);
        assert_eq!(u.minutes_down, 0);
        assert_eq!(u.uptime_percent(), Some(100.0));
    }

    #[test]
    fn today_counts_only_up_to_now_and_later_days_not_at_all() {
        let day = date(2026, 5, 4);
        let (start, _) = uk_day_bounds(day);
        let now = start + Duration::hours(10);
        let results = every_minute(day, 0..0);
        let days = daily_uptime(&service(1), &results, day..=date(2026, 5, 5), now);
        assert_eq!((days[0].minutes, days[0].minutes_no_data), (600, 0));
        assert_eq!((days[1].minutes, days[1].uptime_percent()), (0, None));
    }

    #[test]
    fn one_probe_down_of_two_is_down_time_and_one_silent_probe_is_no_data() {
        let day = date(2026, 5, 4);
        let (start, end) = uk_day_bounds(day);
        let minutes = (end - start).num_minutes();
        let at = |m| start + Duration::minutes(m);
        let mut results: Vec<_> = (0..minutes).map(|m| result(0, at(m), true, 100)).collect();
        // The second probe fails all morning and says nothing all afternoon.
        results.extend((0..720).map(|m| result(1, at(m), false, 100)));
        let u = one_day(&service(2), &results, day);
        // Its first failure alone is not yet down: that minute is no data. Its last
        // failure holds for three intervals.
        assert_eq!(u.minutes_down, 722 - 1);
        assert_eq!(u.minutes_no_data, 1 + 1440 - 722);
    }

    #[test]
    fn slow_time_is_reported_apart_and_counts_as_up() {
        let day = date(2026, 5, 4);
        let (start, end) = uk_day_bounds(day);
        let results: Vec<_> = (0..(end - start).num_minutes())
            .map(|m| {
                result(
                    0,
                    start + Duration::minutes(m),
                    true,
                    if m < 60 { 5000 } else { 100 },
                )
            })
            .collect();
        let u = one_day(&service(1), &results, day);
        assert_eq!((u.minutes_degraded, u.minutes_down), (60 - 1 + 1, 0));
        assert_eq!(u.uptime_percent(), Some(100.0));
    }

    #[test]
    fn latency_percentiles_are_of_successful_checks_that_day() {
        let day = date(2026, 5, 4);
        let (start, _) = uk_day_bounds(day);
        let mut results: Vec<_> = (1..=100)
            .map(|ms| result(0, start + Duration::minutes(i64::from(ms)), true, ms))
            .collect();
        results.push(result(0, start + Duration::hours(5), false, 60_000));
        results.push(result(0, start - Duration::hours(1), true, 9_999));
        let u = one_day(&service(1), &results, day);
        assert_eq!(
            (u.median_latency_ms, u.p95_latency_ms),
            (Some(50), Some(95))
        );
        assert_eq!((u.checks, u.failed_checks), (101, 1));
    }

    #[test]
    fn results_of_other_probes_are_ignored() {
        let day = date(2026, 5, 4);
        let mut stray = every_minute(day, 0..1440);
        for r in &mut stray {
            r.probe = "sign-in/1".into();
        }
        let u = one_day(&service(1), &stray, day);
        assert_eq!((u.checks, u.minutes_down, u.minutes_no_data), (0, 0, 1440));
    }

    #[test]
    fn uptime_is_time_with_data_not_down() {
        let u = DailyUptime {
            service: "s".into(),
            date: date(2026, 5, 4),
            checks: 0,
            failed_checks: 0,
            minutes: 1440,
            minutes_down: 72,
            minutes_degraded: 100,
            minutes_no_data: 720,
            median_latency_ms: None,
            p95_latency_ms: None,
        };
        assert_eq!(u.uptime_percent(), Some(90.0));
    }

    /// Results of up to two probes over three days around the autumn clock change.
    fn results() -> impl Strategy<Value = Vec<ProbeResult>> {
        proptest::collection::vec(
            (
                0usize..2,
                prop_oneof![Just(0i64), 0i64..1200],
                any::<bool>(),
                0u32..2000,
            ),
            0..300,
        )
        .prop_map(|raw| {
            let (mut at, _) = uk_day_bounds(date(2026, 10, 24));
            raw.into_iter()
                .map(|(probe, gap, ok, latency)| {
                    at += Duration::seconds(gap);
                    result(probe, at, ok, latency)
                })
                .collect()
        })
    }

    fn three_days(results: &[ProbeResult], now_hours: i64) -> Vec<DailyUptime> {
        let (start, _) = uk_day_bounds(date(2026, 10, 24));
        let days = date(2026, 10, 24)..=date(2026, 10, 26);
        daily_uptime(
            &service(2),
            results,
            days,
            start + Duration::hours(now_hours),
        )
    }

    proptest! {
        #[test]
        fn the_parts_never_add_up_to_more_than_the_day(rs in results(), now in 0i64..100) {
            for u in three_days(&rs, now) {
                prop_assert!(u.minutes_down + u.minutes_degraded + u.minutes_no_data <= u.minutes, "{u:?}");
                prop_assert!(u.minutes <= 1500);
                prop_assert!(u.failed_checks <= u.checks);
                if let Some(pct) = u.uptime_percent() {
                    prop_assert!((0.0..=100.0).contains(&pct));
                }
            }
        }

        #[test]
        // From 1968 to 1971 the UK kept summer time all winter, so 1971 had an extra hour.
        fn the_days_of_a_year_add_up_to_its_hours(year in 1972i32..2100) {
            let days = date(year, 1, 1)..=date(year, 12, 31);
            let all = daily_uptime(&service(1), &[], days, utc(2200, 1, 1, 0, 0));
            let total: u32 = all.iter().map(|u| u.minutes).sum();
            let hours = if date(year, 1, 1).leap_year() { 8784 } else { 8760 };
            prop_assert_eq!(total, hours * 60);
        }

        #[test]
        fn a_day_with_no_results_is_all_no_data(rs in results(), day in 0u64..3) {
            let day = date(2026, 10, 27) + chrono::Days::new(day);
            let u = one_day(&service(2), &rs, day);
            prop_assert_eq!(u.minutes_no_data, u.minutes);
            prop_assert_eq!(u.uptime_percent(), None);
        }

        #[test]
        fn a_single_failed_check_is_never_down_time(
            gaps in proptest::collection::vec(1i64..400, 1..200),
            failing in any::<prop::sample::Index>(),
            fail_after in 2u32..5,
        ) {
            let (mut at, _) = uk_day_bounds(date(2026, 10, 24));
            let failing = failing.index(gaps.len());
            let rs: Vec<_> = gaps.iter().enumerate().map(|(i, gap)| {
                at += Duration::seconds(*gap);
                result(0, at, i != failing, 100)
            }).collect();
            let mut service = service(1);
            service.probes[0] = probe(fail_after);
            let days = date(2026, 10, 24)..=date(2026, 10, 26);
            for u in daily_uptime(&service, &rs, days, utc(2030, 1, 1, 0, 0)) {
                prop_assert_eq!(u.minutes_down, 0);
            }
        }

        #[test]
        fn results_out_of_order_give_the_same_answer(rs in results(), seed in any::<u64>(), now in 0i64..100) {
            let mut shuffled = rs.clone();
            shuffled.sort_by_key(|r| (r.at.timestamp() as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            prop_assert_eq!(three_days(&shuffled, now), three_days(&rs, now));
        }
    }
}
