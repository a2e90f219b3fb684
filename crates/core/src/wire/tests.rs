//! Tests of `wire`.

use chrono::{DateTime, Utc};

use crate::service::Probe;
use crate::service::{ProbeResult, Service};
use crate::status::probe_id;
use crate::status::{ServiceState, Status, StatusChange};
use crate::time::uk_time;
use crate::uptime::DailyUptime;
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
        spans_from_changes(&[], at("2026-10-14T09:00:00Z"), at("2026-10-14T12:00:00Z")).is_empty()
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
        minutes_down: down,
        minutes_degraded: slow,
        minutes_no_data: none,
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

#[test]
fn a_token_lifetime_written_with_a_point_is_taken_and_a_fraction_is_not() {
    let read = |json: &str| serde_json::from_str::<crate::account::TokenInput>(json);
    let input = read(r#"{"name": "ci", "role": "support", "expires_in_days": 302.0}"#).unwrap();
    assert_eq!(input.expires_in_days, Some(302));
    let input = read(r#"{"name": "ci", "role": "support", "expires_in_days": null}"#).unwrap();
    assert_eq!(input.expires_in_days, None);
    let input = read(r#"{"name": "ci", "role": "support"}"#).unwrap();
    assert_eq!(input.expires_in_days, None);
    assert!(read(r#"{"name": "ci", "role": "support", "expires_in_days": 1.5}"#).is_err());
}

#[test]
fn a_send_rate_reads_as_words_for_staff() {
    let counts = |rate: &str| super::SubscriberCounts {
        offered: true,
        confirmed: 0,
        unconfirmed: 0,
        waiting_messages: 0,
        send_rate: rate.into(),
        all_of_tis: super::NewsCounts::default(),
        services: Vec::new(),
    };
    assert_eq!(
        counts("10/s").send_rate_words(),
        "at most 10 emails a second"
    );
    assert_eq!(
        counts("1/min").send_rate_words(),
        "at most 1 email a minute"
    );
    assert_eq!(
        counts("20000/h").send_rate_words(),
        "at most 20000 emails an hour"
    );
    // A rate this build does not know how to say is shown as the config wrote it.
    assert_eq!(counts("10/day").send_rate_words(), "10/day");
}
