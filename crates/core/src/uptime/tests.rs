//! Tests of `uptime`.

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

#[test]
fn time_that_could_not_be_checked_is_no_data_not_down() {
    let day = date(2026, 11, 24);
    // An hour in which the prober was cut off: every check failed, and so did its
    // canaries, so each result could not check.
    let results: Vec<ProbeResult> = every_minute(day, 600..660)
        .into_iter()
        .map(|r| {
            if r.ok {
                r
            } else {
                ProbeResult {
                    error_kind: Some(crate::ErrorKind::NotChecked),
                    ..r
                }
            }
        })
        .collect();
    let d = one_day(&service(1), &results, day);
    assert_eq!(d.minutes_down, 0);
    assert_eq!(d.minutes_no_data, 60);
    assert_eq!(d.failed_checks, 0);
    assert_eq!(
        d.checks,
        1440 - 60,
        "a result that could not check is no check"
    );
    assert!(d.uptime_percent().is_some_and(|p| (p - 100.0).abs() < 1e-9));
}
