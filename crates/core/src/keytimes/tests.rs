//! Tests of `keytimes`.

use super::*;
use crate::time::parse_timeline_time;
use chrono::NaiveDate;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn entry(day: NaiveDate, time: &str, kind: TimelineKind) -> TimelineEntry {
    let (when, approximate) = parse_timeline_time(day, time).unwrap();
    TimelineEntry {
        when,
        approximate,
        text: format!("{kind:?} at {time}"),
        kind,
    }
}

fn exact(minutes: i64) -> Option<KeyTime> {
    Some(KeyTime {
        min_minutes: minutes,
        max_minutes: minutes,
    })
}

fn hours(h: i64, m: i64) -> i64 {
    h * 60 + m
}

/// The incident this product is built around: servers upgraded one October evening,
/// found by an admin the next morning.
fn keycloak_incident() -> Vec<TimelineEntry> {
    let tuesday = date(2026, 10, 13);
    let wednesday = date(2026, 10, 14);
    use TimelineKind::*;
    vec![
        entry(tuesday, "19:xx", Cause),
        entry(wednesday, "09:44", Detected),
        entry(wednesday, "10:47", UsersInformed),
        entry(wednesday, "12:16", Mitigated),
        entry(wednesday, "15:06", Mitigated),
        entry(wednesday, "17:06 to 18:40", Resolved),
    ]
}

#[test]
fn the_keycloak_incident_took_about_14_hours_to_detect() {
    let times = key_times(&keycloak_incident(), None);
    let detect = times.to_detect.unwrap();
    assert_eq!(
        (detect.min_minutes, detect.max_minutes),
        (hours(13, 44), hours(14, 44))
    );
    assert_eq!(
        detect.describe(),
        "between 13 hours 44 minutes and 14 hours 44 minutes"
    );
    let inform = times.to_inform.unwrap();
    assert_eq!(
        (inform.min_minutes, inform.max_minutes),
        (hours(14, 47), hours(15, 47))
    );
    // The hotfix at 12:16 reduced the harm; the later network fix does not count.
    let mitigate = times.to_mitigate.unwrap();
    assert_eq!(
        (mitigate.min_minutes, mitigate.max_minutes),
        (hours(16, 16), hours(17, 16))
    );
}

#[test]
fn resolving_counts_to_the_end_of_the_last_fix() {
    let times = key_times(&keycloak_incident(), None);
    let resolve = times.to_resolve.unwrap();
    // Resolved at 18:40 on Wednesday, from some time in 7pm on Tuesday.
    assert_eq!(
        (resolve.min_minutes, resolve.max_minutes),
        (hours(22, 40), hours(23, 40))
    );
}

#[test]
fn a_timeline_without_a_cause_is_measured_from_the_incident_start() {
    let mut timeline = keycloak_incident();
    timeline.remove(0);
    let started_at = "2026-10-13T18:05:00Z".parse().unwrap(); // 7:05pm BST
    let times = key_times(&timeline, Some(started_at));
    assert_eq!(times.to_detect, exact(hours(14, 39)));
    assert_eq!(times.to_detect.unwrap().describe(), "14 hours 39 minutes");
}

#[test]
fn nothing_is_measured_without_a_start() {
    let mut timeline = keycloak_incident();
    timeline.remove(0);
    assert_eq!(key_times(&timeline, None), KeyTimes::default());
}

#[test]
fn a_key_time_the_timeline_does_not_give_is_absent() {
    let day = date(2026, 11, 24);
    let timeline = vec![
        entry(day, "08:00", TimelineKind::Cause),
        entry(day, "08:20", TimelineKind::Detected),
    ];
    let times = key_times(&timeline, None);
    assert_eq!(times.to_detect, exact(20));
    assert_eq!(times.to_inform, None);
    assert_eq!(times.to_mitigate, None);
    assert_eq!(times.to_resolve, None);
}

#[test]
fn a_winter_incident_is_measured_in_gmt() {
    let day = date(2026, 11, 24);
    use TimelineKind::*;
    let timeline = vec![
        entry(day, "08:10", Cause),
        entry(day, "08:15", Detected),
        entry(day, "08:30 to 08:40", UsersInformed),
        entry(day, "09:00 to 09:20", Mitigated),
        entry(day, "10:xx", Resolved),
    ];
    let times = key_times(&timeline, None);
    assert_eq!(times.to_detect, exact(5));
    // Telling users began at 08:30, and mitigation was done at 09:20.
    assert_eq!(times.to_inform, exact(20));
    assert_eq!(times.to_mitigate, exact(70));
    assert_eq!(
        times.to_resolve,
        Some(KeyTime {
            min_minutes: 110,
            max_minutes: 169
        })
    );
    assert_eq!(
        times.to_resolve.unwrap().describe(),
        "between 1 hour 50 minutes and 2 hours 49 minutes"
    );
}

#[test]
fn the_hour_the_clocks_go_back_is_counted() {
    // Sunday 25 October 2026 has 25 hours: 1am to 2am happens twice.
    let sunday = date(2026, 10, 25);
    let timeline = vec![
        entry(sunday, "00:30", TimelineKind::Cause),
        entry(sunday, "03:00", TimelineKind::Detected),
        entry(sunday, "23:30", TimelineKind::Resolved),
    ];
    let times = key_times(&timeline, None);
    assert_eq!(times.to_detect, exact(hours(3, 30)));
    assert_eq!(times.to_resolve, exact(hours(24, 0)));
    assert_eq!(times.to_resolve.unwrap().describe(), "1 day");
}

#[test]
fn the_hour_the_clocks_go_forward_is_not_counted() {
    let saturday = date(2026, 3, 28);
    let sunday = date(2026, 3, 29);
    let timeline = vec![
        entry(saturday, "23:30", TimelineKind::Cause),
        entry(sunday, "02:30", TimelineKind::Detected),
    ];
    assert_eq!(key_times(&timeline, None).to_detect, exact(hours(2, 0)));
}

#[test]
fn the_earliest_cause_is_the_start_whatever_the_order_written() {
    let day = date(2026, 11, 24);
    let timeline = vec![
        entry(day, "09:00", TimelineKind::Cause),
        entry(day, "10:00", TimelineKind::Detected),
        entry(day, "08:00", TimelineKind::Cause),
    ];
    assert_eq!(key_times(&timeline, None).to_detect, exact(120));
}

#[test]
fn an_entry_before_the_start_gives_zero_not_a_negative_time() {
    let day = date(2026, 11, 24);
    let timeline = vec![
        entry(day, "09:00", TimelineKind::Cause),
        entry(day, "08:00", TimelineKind::Detected),
    ];
    assert_eq!(key_times(&timeline, None).to_detect, exact(0));
}

#[test]
fn overlapping_uncertain_entries_take_in_every_possible_first() {
    let day = date(2026, 11, 24);
    let timeline = vec![
        entry(day, "08:00", TimelineKind::Cause),
        entry(day, "09:xx", TimelineKind::Detected),
        entry(day, "09:20", TimelineKind::Detected),
    ];
    // Found at 9:20 at the latest, and perhaps as early as 9am.
    assert_eq!(
        key_times(&timeline, None).to_detect,
        Some(KeyTime {
            min_minutes: 60,
            max_minutes: 80
        })
    );
}

#[test]
fn key_times_travel_as_json() {
    let times = key_times(&keycloak_incident(), None);
    let json = serde_json::to_value(times).unwrap();
    assert_eq!(json["to_detect"]["min_minutes"], 824);
    assert_eq!(json["to_detect"]["max_minutes"], 884);
    assert_eq!(serde_json::from_value::<KeyTimes>(json).unwrap(), times);
}

fn any_entry() -> impl Strategy<Value = TimelineEntry> {
    let base: DateTime<Utc> = "2026-10-20T00:00:00Z".parse().unwrap();
    let kind = prop_oneof![
        Just(TimelineKind::Event),
        Just(TimelineKind::Cause),
        Just(TimelineKind::Detected),
        Just(TimelineKind::UsersInformed),
        Just(TimelineKind::Mitigated),
        Just(TimelineKind::Resolved),
    ];
    // Ten days of minutes either side of the October clock change.
    (
        0i64..14_400,
        proptest::option::of(0i64..600),
        any::<bool>(),
        kind,
    )
        .prop_map(move |(start, length, approximate, kind)| {
            let from = base + TimeDelta::minutes(start);
            let when = match length {
                None => TimelineWhen::At { at: from },
                Some(length) => TimelineWhen::Range {
                    from,
                    to: from + TimeDelta::minutes(length),
                },
            };
            TimelineEntry {
                when,
                approximate,
                text: "something happened".into(),
                kind,
            }
        })
}

fn all(times: &KeyTimes) -> [Option<KeyTime>; 4] {
    [
        times.to_detect,
        times.to_inform,
        times.to_mitigate,
        times.to_resolve,
    ]
}

proptest! {
    #[test]
    fn the_shortest_is_never_more_than_the_longest(
        timeline in proptest::collection::vec(any_entry(), 0..12),
    ) {
        let started_at = "2026-10-21T00:00:00Z".parse().ok();
        for time in all(&key_times(&timeline, started_at)).into_iter().flatten() {
            prop_assert!(0 <= time.min_minutes);
            prop_assert!(time.min_minutes <= time.max_minutes);
        }
    }

    #[test]
    fn more_uncertainty_never_narrows_a_key_time(
        timeline in proptest::collection::vec(any_entry(), 1..12),
        pick in any::<proptest::sample::Index>(),
    ) {
        let started_at = "2026-10-21T00:00:00Z".parse().ok();
        let before = key_times(&timeline, started_at);
        let mut vaguer = timeline.clone();
        vaguer[pick.index(timeline.len())].approximate = true;
        let after = key_times(&vaguer, started_at);
        for (before, after) in all(&before).into_iter().zip(all(&after)) {
            prop_assert_eq!(before.is_some(), after.is_some());
            if let (Some(before), Some(after)) = (before, after) {
                prop_assert!(after.min_minutes <= before.min_minutes);
                prop_assert!(after.max_minutes >= before.max_minutes);
            }
        }
    }

    #[test]
    fn an_exact_timeline_gives_exact_key_times(
        timeline in proptest::collection::vec(any_entry(), 0..12),
    ) {
        let exact: Vec<TimelineEntry> = timeline
            .into_iter()
            .map(|e| TimelineEntry { approximate: false, ..e })
            .collect();
        for time in all(&key_times(&exact, None)).into_iter().flatten() {
            prop_assert_eq!(time.min_minutes, time.max_minutes);
        }
    }
}
