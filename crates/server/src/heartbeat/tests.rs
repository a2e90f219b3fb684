use chrono::TimeZone;

use super::*;
use tis_core::HeartbeatPing;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("a time")
}

fn kind(every: Option<&str>, schedule: Option<&str>, timezone: &str) -> ProbeKind {
    ProbeKind::Heartbeat {
        every: every.map(|e| e.parse().expect("a length")),
        grace: "1h".parse().expect("a length"),
        schedule: schedule.map(str::to_string),
        timezone: timezone.to_string(),
        job: Some("The ESR export".into()),
    }
}

fn heartbeat(kind: &ProbeKind) -> Heartbeat {
    Heartbeat {
        id: "esr/2".into(),
        service: "esr".into(),
        job: "The ESR export".into(),
        grace: Duration::hours(1),
        due: Due::of(kind).expect("a schedule"),
        judged_every: Duration::seconds(30),
    }
}

fn ping(kind: PingKind, at: DateTime<Utc>, message: &str) -> HeartbeatPing {
    HeartbeatPing {
        at,
        kind,
        message: message.into(),
        run_ms: None,
    }
}

fn record(pings: Vec<HeartbeatPing>) -> HeartbeatRecord {
    HeartbeatRecord {
        token_since: Some(utc(2026, 11, 1, 0, 0)),
        pings,
    }
}

#[test]
fn two_am_london_is_expected_at_the_right_instant_across_the_autumn_change() {
    let due = Due::of(&kind(None, Some("0 2 * * *"), "Europe/London")).expect("reads");
    // Saturday 24 October 2026, 2am BST; the clocks go back at 2am BST on Sunday 25th.
    let saturday = due.next_after(utc(2026, 10, 23, 12, 0)).expect("due");
    assert_eq!(saturday, utc(2026, 10, 24, 1, 0));
    let sunday = due.next_after(saturday).expect("due");
    assert_eq!(sunday, utc(2026, 10, 25, 2, 0), "2am GMT, 25 hours later");
    assert_eq!(due.next_after(sunday), Some(utc(2026, 10, 26, 2, 0)));
}

#[test]
fn two_am_london_is_expected_at_the_right_instant_across_the_spring_change() {
    let due = Due::of(&kind(None, Some("0 2 * * *"), "Europe/London")).expect("reads");
    // The clocks go forward at 1am GMT on Sunday 29 March 2026.
    let saturday = due.next_after(utc(2026, 3, 27, 12, 0)).expect("due");
    assert_eq!(saturday, utc(2026, 3, 28, 2, 0));
    let sunday = due.next_after(saturday).expect("due");
    assert_eq!(sunday, utc(2026, 3, 29, 1, 0), "2am BST, 23 hours later");
    assert_eq!(due.next_after(sunday), Some(utc(2026, 3, 30, 1, 0)));
}

#[test]
fn a_time_the_clocks_skip_is_due_when_they_jump_and_a_repeated_one_once() {
    let due = Due::of(&kind(None, Some("30 1 * * *"), "Europe/London")).expect("reads");
    // 1:30am does not exist on 29 March 2026: due at the jump, 2am BST (1am UTC).
    let skipped = due.next_after(utc(2026, 3, 28, 2, 0)).expect("due");
    assert_eq!(skipped, utc(2026, 3, 29, 1, 0));
    assert_eq!(due.next_after(skipped), Some(utc(2026, 3, 30, 0, 30)));
    // 1:30am happens twice on 25 October 2026: due at the first, then the next day.
    let first = due.next_after(utc(2026, 10, 24, 12, 0)).expect("due");
    assert_eq!(first, utc(2026, 10, 25, 0, 30));
    assert_eq!(due.next_after(first), Some(utc(2026, 10, 26, 1, 30)));
}

#[test]
fn other_time_zones_are_read_in_their_own_time() {
    let due = Due::of(&kind(None, Some("0 2 * * *"), "America/New_York")).expect("reads");
    // New York is on EST (UTC-5) by 1 December.
    assert_eq!(
        due.next_after(utc(2026, 12, 1, 0, 0)),
        Some(utc(2026, 12, 1, 7, 0))
    );
}

#[test]
fn bad_schedules_and_zones_are_named() {
    let problems = Due::of(&kind(None, Some("0 25 * * *"), "Europe/Londno")).expect_err("bad");
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["schedule", "timezone"]);
    assert!(problems[1].message.contains("Europe/Londno"));
}

#[test]
fn a_scheduled_job_is_late_only_after_its_next_time_and_grace() {
    let k = kind(None, Some("0 2 * * *"), "Europe/London");
    let h = heartbeat(&k);
    let r = record(vec![ping(PingKind::Success, utc(2026, 10, 24, 1, 5), "")]);
    // Due 2am GMT on Sunday (02:00 UTC), allowed an hour.
    assert!(judge(&h, &r, utc(2026, 10, 25, 2, 59)).ok);
    let late = judge(&h, &r, utc(2026, 10, 25, 3, 1));
    assert_eq!(late.error_kind, Some(ErrorKind::Missed));
    assert_eq!(
        late.reason.as_deref(),
        Some("The ESR export has not reported since 2:05am BST on Saturday 24 October")
    );
}

#[test]
fn a_job_that_runs_every_so_often_is_late_after_its_period_and_grace() {
    let h = heartbeat(&kind(Some("24h"), None, "Europe/London"));
    let r = record(vec![
        ping(PingKind::Success, utc(2026, 12, 1, 2, 4), ""),
        ping(PingKind::Start, utc(2026, 12, 1, 2, 0), ""),
    ]);
    assert!(judge(&h, &r, utc(2026, 12, 2, 3, 4)).ok);
    let late = judge(&h, &r, utc(2026, 12, 2, 3, 5));
    assert!(!late.ok);
    assert_eq!(
        late.reason.as_deref(),
        Some("The ESR export has not reported since 2:04am GMT on Tuesday 1 December")
    );
}

#[test]
fn a_run_that_does_not_finish_within_grace_is_down() {
    let h = heartbeat(&kind(Some("24h"), None, "Europe/London"));
    let r = record(vec![ping(PingKind::Start, utc(2026, 12, 1, 2, 0), "")]);
    assert!(judge(&h, &r, utc(2026, 12, 1, 2, 59)).ok);
    let stuck = judge(&h, &r, utc(2026, 12, 1, 3, 1));
    assert_eq!(stuck.error_kind, Some(ErrorKind::Unfinished));
    assert_eq!(
        stuck.reason.as_deref(),
        Some("The ESR export started at 2am GMT on Tuesday 1 December and has not finished")
    );
}

#[test]
fn a_failure_is_down_with_the_message_for_staff_only() {
    let h = heartbeat(&kind(Some("24h"), None, "Europe/London"));
    let r = record(vec![ping(
        PingKind::Fail,
        utc(2026, 12, 1, 2, 14),
        "sftp to esr-gw-01.internal refused",
    )]);
    let failed = judge(&h, &r, utc(2026, 12, 1, 2, 15));
    assert_eq!(failed.error_kind, Some(ErrorKind::JobFailed));
    let reason = failed.reason.expect("a reason");
    assert_eq!(
        reason,
        "The ESR export reported a failure at 2:14am GMT on Tuesday 1 December"
    );
    assert!(!reason.contains("esr-gw-01"));
    assert!(failed.detail.contains("sftp to esr-gw-01.internal refused"));
}

#[test]
fn a_heartbeat_without_a_token_or_reports_is_down() {
    let h = heartbeat(&kind(Some("24h"), None, "Europe/London"));
    let none = judge(&h, &HeartbeatRecord::default(), utc(2026, 12, 1, 0, 0));
    assert_eq!(
        none.reason.as_deref(),
        Some("The ESR export has never reported")
    );
    assert!(none.detail.contains("tis-status heartbeat token esr/2"));
    // With a token made at midnight on 1 November, the first report is due by 1am the next day.
    let r = record(vec![]);
    assert!(judge(&h, &r, utc(2026, 11, 2, 1, 0)).ok);
    assert!(!judge(&h, &r, utc(2026, 11, 2, 1, 1)).ok);
}
