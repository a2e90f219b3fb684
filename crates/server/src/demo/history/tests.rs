//! Tests of `history`.

use super::*;
use tis_core::incident::AffectedService;
use tis_core::uptime::daily_uptime;

fn demo() -> (Vec<Service>, Vec<Incident>) {
    let config = crate::config::Config::demo("http://127.0.0.1:9").expect("demo config");
    let export = crate::store::import::parse("demo", crate::demo::DEMO_RECORDS).expect("records");
    (config.services, export.incidents)
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a time")
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("a date")
}

/// The demo as first started late on Tuesday 24 November 2026.
fn past<'a>(services: &'a [Service], incidents: &[Incident]) -> Past<'a> {
    Past::new(services, incidents, at("2026-11-24T21:00:00Z"))
}

fn service<'a>(services: &'a [Service], id: &str) -> &'a Service {
    services
        .iter()
        .find(|s| s.id == id)
        .expect("a demo service")
}

#[test]
fn the_sign_in_incident_of_october_2026_is_down_for_exactly_its_span_in_uk_days() {
    let (services, incidents) = demo();
    let past = past(&services, &incidents);
    // 7pm BST on the 13th to 6:40pm BST on the 14th.
    for (id, first, second) in [
        ("bulk-upload", 300, 18 * 60 + 40),
        ("esr-integration", 300, 18 * 60 + 40),
        ("sign-in", 300, 18 * 60 + 40),
        ("revalidation", 0, 0),
    ] {
        let s = service(&services, id);
        let days = [
            past.day(s, date("2026-10-13")),
            past.day(s, date("2026-10-14")),
        ];
        assert_eq!(
            (days[0].minutes_down, days[1].minutes_down),
            (first, second),
            "{id}"
        );
        assert!(days.iter().all(|d| d.minutes_no_data == 0), "{days:?}");
    }
    let bulk = past.day(service(&services, "bulk-upload"), date("2026-10-13"));
    // Both its probes fail, one check every 10 seconds each, for five hours.
    assert_eq!(bulk.failed_checks, 2 * 5 * 360);
    assert_eq!(bulk.checks, 2 * 8640);
}

#[test]
fn a_day_without_incidents_is_up_with_a_check_every_interval_and_real_looking_latency() {
    let (services, incidents) = demo();
    let past = past(&services, &incidents);
    let day = past.day(service(&services, "revalidation"), date("2026-09-08"));
    assert_eq!(day.minutes, 1440);
    assert_eq!(
        (day.checks, day.failed_checks, day.minutes_down),
        (8640, 0, 0)
    );
    assert_eq!(day.uptime_percent(), Some(100.0));
    let (median, p95) = (day.median_latency_ms.unwrap(), day.p95_latency_ms.unwrap());
    let (usual, usual_p95) = typical_latency("revalidation");
    assert!(
        median.abs_diff(usual) < usual / 5 && p95.abs_diff(usual_p95) < usual_p95 / 5,
        "{median} / {p95} ms"
    );
}

#[test]
fn clock_change_days_have_25_or_23_hours_of_checks() {
    let (services, incidents) = demo();
    let past = past(&services, &incidents);
    let day = past.day(service(&services, "reference-data"), date("2026-10-25"));
    assert_eq!(day.minutes, 25 * 60);
    let checked = 6 * (day.minutes - day.minutes_no_data);
    assert!(day.checks.abs_diff(checked) <= 1, "{day:?}");
    let spring = past.day(service(&services, "reference-data"), date("2026-03-29"));
    assert_eq!(spring.minutes, 23 * 60);
    assert!(
        spring
            .checks
            .abs_diff(6 * (spring.minutes - spring.minutes_no_data))
            <= 1
    );
}

#[test]
fn a_few_minutes_unchecked_are_no_data_never_down() {
    let (services, incidents) = demo();
    let past = past(&services, &incidents);
    let days = past.daily_uptime(date("2026-08-26"), date("2026-11-23"));
    let paused: Vec<&DailyUptime> = days
        .iter()
        .filter(|d| d.service == "form-r" && d.minutes_no_data > 0)
        .collect();
    assert!(!paused.is_empty(), "some days have a short gap");
    for day in paused {
        assert!(day.minutes_no_data < 15, "{day:?}");
        assert_eq!(day.minutes_down, 0);
        assert_eq!(day.uptime_percent(), Some(100.0));
        assert!(day.checks < 8640);
    }
}

#[test]
fn a_demo_started_on_any_day_has_a_short_gap_on_a_calm_day() {
    let (services, incidents) = demo();
    // Each day from September 2026 to the end of 2027: long after the demo's open
    // incident (watched since 24 November 2026) has left the strip.
    let mut now = at("2026-09-01T12:00:00Z");
    while now < at("2027-12-31T12:00:00Z") {
        let past = Past::new(&services, &incidents, now);
        // The uptime strip: today and the 89 days before it.
        let strip = uk_day_bounds(uk_date_of(now) - Duration::days(DAYS - 1)).0;
        assert!(
            past.pauses.iter().any(|(from, _)| *from >= strip),
            "a demo started at {now} shows no gap"
        );
        for (from, to) in &past.pauses {
            let mut troubles = past.troubles.values().flatten();
            assert!(
                !troubles.any(|t| t.from < *to && *from < t.to),
                "a gap at {from} falls in an incident"
            );
        }
        now += Duration::days(1);
    }
}

#[test]
fn each_incident_takes_its_services_down_and_brings_them_back_with_the_reason() {
    let (services, incidents) = demo();
    let changes = past(&services, &incidents).status_changes();
    let of =
        |id: &str| -> Vec<&StatusChange> { changes.iter().filter(|c| c.service == id).collect() };
    let admin = of("admin-site");
    assert_eq!(admin.len(), 2, "{admin:?}");
    assert_eq!(
        (admin[0].from, admin[0].to),
        (Status::Operational, Status::MajorOutage)
    );
    assert_eq!(admin[0].reason.as_deref(), Some("because Sign-in is down"));
    assert_eq!(admin[0].at, at("2025-10-26T00:45:00Z"));
    assert_eq!(
        (admin[1].to, admin[1].at),
        (Status::Operational, at("2025-10-26T01:10:00Z"))
    );
    let sign_in = of("sign-in");
    assert_eq!(sign_in[0].reason, None, "the cause is Sign-in itself");
    assert_eq!(sign_in.len(), 4, "two incidents: {sign_in:?}");
    let bulk = of("bulk-upload");
    assert_eq!(
        bulk.iter().map(|c| (c.at, c.to)).collect::<Vec<_>>(),
        [
            (at("2026-10-13T18:00:00Z"), Status::MajorOutage),
            (at("2026-10-14T17:40:00Z"), Status::Operational)
        ]
    );
    // Still open, but watched since its fix went in: working again from then on.
    let emails = of("notifications");
    assert_eq!(
        emails.iter().map(|c| (c.at, c.to)).collect::<Vec<_>>(),
        [
            (at("2026-11-23T14:20:00Z"), Status::Degraded),
            (at("2026-11-24T09:30:00Z"), Status::Operational)
        ]
    );
    assert!(
        changes
            .iter()
            .all(|c| c.detail.is_empty() || c.detail.starts_with("Demo history"))
    );
    assert!(
        changes.windows(2).all(|w| w[0].at <= w[1].at),
        "oldest first"
    );
}

#[test]
fn yesterdays_checks_replayed_by_the_core_rules_give_the_same_day() {
    let (services, mut incidents) = demo();
    // An outage and a slow spell yesterday, to replay.
    let mut extra = incidents[2].clone();
    extra.affected = vec![
        AffectedService {
            service: "bulk-upload".into(),
            status: Status::MajorOutage,
        },
        AffectedService {
            service: "form-r".into(),
            status: Status::Degraded,
        },
    ];
    extra.started_at = at("2026-11-23T10:03:00Z");
    extra.resolved_at = Some(at("2026-11-23T12:31:00Z"));
    incidents.push(extra);
    let past = past(&services, &incidents);
    let yesterday = date("2026-11-23");
    let checks = past.checks(yesterday);
    assert!(
        checks
            .iter()
            .all(|c| c.location.as_deref() == Some(LOCATION))
    );
    for id in ["bulk-upload", "form-r", "notifications", "sign-in"] {
        let s = service(&services, id);
        let made = past.day(s, yesterday);
        let replayed = daily_uptime(s, &checks, yesterday..=yesterday, past.now).remove(0);
        assert_eq!(
            (made.checks, made.failed_checks),
            (replayed.checks, replayed.failed_checks),
            "{id}"
        );
        // The core rules wait for a second failure or success before changing: seconds.
        assert!(
            made.minutes_down.abs_diff(replayed.minutes_down) <= 1,
            "{made:?}\n{replayed:?}"
        );
        assert!(
            made.minutes_degraded.abs_diff(replayed.minutes_degraded) <= 1,
            "{made:?}\n{replayed:?}"
        );
        assert_eq!(replayed.minutes_no_data, 0, "{id}");
    }
    let bulk = past.day(service(&services, "bulk-upload"), yesterday);
    assert_eq!(bulk.minutes_down, 148);
    let emails = past.day(service(&services, "notifications"), yesterday);
    // Slow from 14:20 GMT to midnight.
    assert_eq!(emails.minutes_degraded, 9 * 60 + 40);
}

#[test]
fn the_made_up_past_is_the_same_every_time() {
    let (services, incidents) = demo();
    let first = past(&services, &incidents);
    let again = past(&services, &incidents);
    let days = (date("2026-08-26"), date("2026-11-23"));
    assert_eq!(
        first.daily_uptime(days.0, days.1),
        again.daily_uptime(days.0, days.1)
    );
    assert_eq!(first.status_changes(), again.status_changes());
}
