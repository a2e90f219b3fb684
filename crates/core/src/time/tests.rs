//! Tests of `time`.

use super::*;
use proptest::prelude::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn at(when: TimelineWhen) -> DateTime<Utc> {
    match when {
        TimelineWhen::At { at } => at,
        other => panic!("expected a single time, got {other:?}"),
    }
}

fn range(when: TimelineWhen) -> (DateTime<Utc>, DateTime<Utc>) {
    match when {
        TimelineWhen::Range { from, to } => (from, to),
        other => panic!("expected a range, got {other:?}"),
    }
}

// The Tuesday of the incident this product is built around, in BST.
fn incident_day() -> NaiveDate {
    date(2026, 10, 13)
}

#[test]
fn ages_read_in_whole_units() {
    let now = utc("2026-11-24T10:48:30Z");
    assert_eq!(ago(utc("2026-11-24T10:48:00Z"), now), "just now");
    assert_eq!(ago(utc("2026-11-24T10:49:00Z"), now), "just now");
    assert_eq!(ago(utc("2026-11-24T10:47:00Z"), now), "1 minute ago");
    assert_eq!(ago(utc("2026-11-24T10:42:00Z"), now), "6 minutes ago");
    assert_eq!(ago(utc("2026-11-24T08:40:00Z"), now), "2 hours ago");
    assert_eq!(ago(utc("2026-11-21T10:00:00Z"), now), "3 days ago");
}

#[test]
fn as_of_names_the_day_only_when_it_was_not_today() {
    let now = utc("2026-11-24T10:48:00Z");
    assert_eq!(
        as_of(utc("2026-11-24T10:42:00Z"), now),
        "10:42am GMT, 6 minutes ago"
    );
    assert_eq!(
        as_of(utc("2026-11-23T22:00:00Z"), now),
        "10pm GMT on Monday 23 November 2026, 12 hours ago"
    );
}

#[test]
fn times_read_the_govuk_way() {
    assert_eq!(uk_time(utc("2026-11-24T10:47:00Z")), "10:47am");
    assert_eq!(uk_time(utc("2026-11-24T12:16:59Z")), "12:16pm");
    assert_eq!(uk_time(utc("2026-11-24T09:00:00Z")), "9am");
    assert_eq!(uk_time(utc("2026-11-24T12:00:00Z")), "midday");
    assert_eq!(uk_time(utc("2026-11-24T00:00:00Z")), "midnight");
    assert_eq!(uk_time(utc("2026-11-24T00:05:00Z")), "12:05am");
    assert_eq!(uk_time(utc("2026-11-24T23:59:00Z")), "11:59pm");
}

#[test]
fn summer_times_are_an_hour_ahead_of_utc() {
    let at = utc("2026-10-13T08:44:00Z");
    assert_eq!(uk_time(at), "9:44am");
    assert_eq!(zone_label(at), "BST");
    assert_eq!(zone_label(utc("2026-11-24T08:44:00Z")), "GMT");
}

#[test]
fn dates_read_in_full() {
    assert_eq!(
        uk_date(utc("2026-11-24T10:47:00Z")),
        "Tuesday 24 November 2026"
    );
    // 11:30pm UTC in summer is already the next day in the UK.
    assert_eq!(uk_date(utc("2026-07-01T23:30:00Z")), "Thursday 2 July 2026");
}

#[test]
fn date_and_time_always_name_the_zone() {
    assert_eq!(
        uk_date_time(utc("2026-11-24T10:47:00Z")),
        "10:47am GMT on Tuesday 24 November 2026"
    );
    assert_eq!(
        uk_date_time(utc("2026-10-14T08:44:00Z")),
        "9:44am BST on Wednesday 14 October 2026"
    );
}

#[test]
fn a_time_in_the_spring_gap_is_an_error_that_says_so() {
    let err = uk_local_to_utc(date(2026, 3, 29), hm(1, 30)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "There was no 1:30am in the UK on Sunday 29 March 2026: the clocks went forward from 1am to 2am."
    );
    assert_eq!(
        uk_local_to_utc(date(2026, 3, 29), hm(2, 0)).unwrap(),
        utc("2026-03-29T01:00:00Z")
    );
}

#[test]
fn a_repeated_autumn_time_means_the_first_one() {
    assert_eq!(
        uk_local_to_utc(date(2026, 10, 25), hm(1, 30)).unwrap(),
        utc("2026-10-25T00:30:00Z")
    );
}

#[test]
fn durations_read_in_words() {
    assert_eq!(format_duration(0), "0 minutes");
    assert_eq!(format_duration(1), "1 minute");
    assert_eq!(format_duration(45), "45 minutes");
    assert_eq!(format_duration(60), "1 hour");
    assert_eq!(format_duration(65), "1 hour 5 minutes");
    assert_eq!(format_duration(14 * 60 + 22), "14 hours 22 minutes");
    assert_eq!(format_duration(24 * 60), "1 day");
    assert_eq!(format_duration(2 * 24 * 60 + 3 * 60 + 10), "2 days 3 hours");
    assert_eq!(format_duration(2 * 24 * 60 + 3 * 60 + 40), "2 days 4 hours");
    assert_eq!(format_duration(-3), "0 minutes");
}

#[test]
fn exact_times_read_on_the_day_given() {
    let (when, approximate) = parse_timeline_time(incident_day(), "10:47").unwrap();
    assert_eq!(at(when), utc("2026-10-13T09:47:00Z"));
    assert!(!approximate);
    let (when, _) = parse_timeline_time(incident_day(), " 9:05 ").unwrap();
    assert_eq!(at(when), utc("2026-10-13T08:05:00Z"));
}

#[test]
fn twelve_hour_times_and_words_are_understood() {
    let day = date(2026, 11, 24);
    for (text, expected) in [
        ("10:47am", "2026-11-24T10:47:00Z"),
        ("2pm", "2026-11-24T14:00:00Z"),
        ("12:16 PM", "2026-11-24T12:16:00Z"),
        ("12am", "2026-11-24T00:00:00Z"),
        ("midday", "2026-11-24T12:00:00Z"),
        ("midnight", "2026-11-24T00:00:00Z"),
        ("14.05", "2026-11-24T14:05:00Z"),
    ] {
        let (when, _) = parse_timeline_time(day, text).unwrap();
        assert_eq!(at(when), utc(expected), "{text}");
    }
}

#[test]
fn an_hour_without_minutes_is_approximate_from_the_start_of_the_hour() {
    let (when, approximate) = parse_timeline_time(incident_day(), "19:xx").unwrap();
    assert_eq!(at(when), utc("2026-10-13T18:00:00Z"));
    assert!(approximate);
}

#[test]
fn ranges_accept_to_and_dashes() {
    for text in [
        "10:30 to 15:13",
        "10:30-15:13",
        "10:30–15:13",
        "10:30 — 15:13",
    ] {
        let (when, approximate) = parse_timeline_time(incident_day(), text).unwrap();
        assert_eq!(
            range(when),
            (utc("2026-10-13T09:30:00Z"), utc("2026-10-13T14:13:00Z")),
            "{text}"
        );
        assert!(!approximate);
    }
}

#[test]
fn a_range_that_ends_earlier_on_the_clock_ends_the_next_day() {
    let (when, _) = parse_timeline_time(incident_day(), "23:40 to 00:20").unwrap();
    assert_eq!(
        range(when),
        (utc("2026-10-13T22:40:00Z"), utc("2026-10-13T23:20:00Z"))
    );
}

#[test]
fn approximate_ranges_keep_their_hours() {
    let (when, approximate) = parse_timeline_time(incident_day(), "14:xx to 16:xx").unwrap();
    assert_eq!(
        range(when),
        (utc("2026-10-13T13:00:00Z"), utc("2026-10-13T15:00:00Z"))
    );
    assert!(approximate);
}

#[test]
fn a_range_half_approximate_asks_for_both_ends_the_same_way() {
    let err = parse_timeline_time(incident_day(), "14:xx to 16:05").unwrap_err();
    assert!(matches!(err, TimeError::MixedRange { .. }), "{err}");
    assert!(err.to_string().contains("14:xx to 16:xx"), "{err}");
}

#[test]
fn bad_times_say_what_to_write_instead() {
    for text in [
        "25:00", "14:60", "14", "13pm", "0am", "9:5", "soon", "14:05:30",
    ] {
        let err = parse_timeline_time(incident_day(), text).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("\"{text}\" is not a time: write it like 14:05, 14:xx or 10:30 to 15:13."),
        );
    }
    let err = parse_timeline_time(incident_day(), "10:30 to 25:00").unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"25:00\" is not a time: write it like 14:05, 14:xx or 10:30 to 15:13."
    );
    let err = parse_timeline_time(incident_day(), "  ").unwrap_err();
    assert_eq!(err, TimeError::Empty);
    let err = parse_timeline_time(incident_day(), "10:00 to 11:00 to 12:00").unwrap_err();
    assert!(matches!(err, TimeError::NotATime { .. }));
}

#[test]
fn a_timeline_time_in_the_spring_gap_is_refused() {
    let spring = date(2026, 3, 29);
    for text in ["01:30", "01:xx", "00:30 to 01:30"] {
        let err = parse_timeline_time(spring, text).unwrap_err();
        assert!(
            matches!(err, TimeError::DoesNotExist { .. }),
            "{text}: {err}"
        );
    }
    // Ending in the gap of the next morning is just as impossible.
    let err = parse_timeline_time(date(2026, 3, 28), "23:30 to 01:30").unwrap_err();
    assert!(matches!(err, TimeError::DoesNotExist { .. }), "{err}");
}

#[test]
fn a_zone_picks_between_the_two_autumn_one_thirties() {
    let autumn = date(2026, 10, 25);
    let (bst, _) = parse_timeline_time(autumn, "1:30 BST").unwrap();
    let (gmt, _) = parse_timeline_time(autumn, "1:30am gmt").unwrap();
    assert_eq!(at(bst), utc("2026-10-25T00:30:00Z"));
    assert_eq!(at(gmt), utc("2026-10-25T01:30:00Z"));
    let (when, _) = parse_timeline_time(autumn, "01:30 to 01:15").unwrap();
    assert_eq!(
        range(when),
        (utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:15:00Z"))
    );
}

#[test]
fn a_zone_the_clocks_did_not_show_is_refused() {
    let err = parse_timeline_time(date(2026, 7, 14), "14:05 GMT").unwrap_err();
    assert_eq!(
        err.to_string(),
        "UK clocks did not show \"14:05 GMT\" on Tuesday 14 July 2026: they showed BST. Leave out the time zone, or write BST."
    );
}

#[test]
fn a_date_overrides_the_day_and_must_be_real() {
    let (when, _) =
        parse_timeline_time(incident_day(), "9:44am on Wednesday 14 October 2026").unwrap();
    assert_eq!(at(when), utc("2026-10-14T08:44:00Z"));
    let err = parse_timeline_time(incident_day(), "9:44 on Monday 14 October 2026").unwrap_err();
    assert_eq!(
        err.to_string(),
        "14 October 2026 is a Wednesday, not a Monday."
    );
    let err = parse_timeline_time(incident_day(), "9:44 on 31 February 2026").unwrap_err();
    assert_eq!(
        err.to_string(),
        "\"31 February 2026\" is not a date: write it like Tuesday 13 October 2026."
    );
}

#[test]
fn timeline_times_display_the_govuk_way() {
    let (when, approximate) = parse_timeline_time(incident_day(), "10:47").unwrap();
    assert_eq!(format_timeline_when(&when, approximate), "10:47am");
    let (when, approximate) = parse_timeline_time(incident_day(), "10:30 to 15:13").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "10:30am to 3:13pm"
    );
    let (when, approximate) = parse_timeline_time(incident_day(), "14:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "some time between 2pm and 3pm"
    );
    let (when, approximate) = parse_timeline_time(incident_day(), "11:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "some time between 11am and midday"
    );
    let (when, approximate) = parse_timeline_time(incident_day(), "14:xx to 16:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "began between 2pm and 3pm, ended between 4pm and 5pm"
    );
    let (when, approximate) = parse_timeline_time(incident_day(), "23:00 to 00:00").unwrap();
    assert_eq!(format_timeline_when(&when, approximate), "11pm to midnight");
}

#[test]
fn a_range_over_midnight_shows_both_dates() {
    let (when, approximate) = parse_timeline_time(incident_day(), "23:40 to 00:20").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "11:40pm on Tuesday 13 October 2026 to 12:20am on Wednesday 14 October 2026"
    );
    let (when, approximate) = parse_timeline_time(incident_day(), "23:xx to 00:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "began between 11pm and midnight on Tuesday 13 October 2026, \
         ended between midnight and 1am on Wednesday 14 October 2026"
    );
}

#[test]
fn times_in_the_repeated_autumn_hour_show_their_zone() {
    let autumn = date(2026, 10, 25);
    let (when, approximate) = parse_timeline_time(autumn, "01:30 to 01:15").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "1:30am BST to 1:15am GMT"
    );
    let (when, approximate) = parse_timeline_time(autumn, "01:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "some time between 1am BST and 1am GMT"
    );
    // Outside that hour the zone is left out, as everywhere else on the page.
    let (when, approximate) = parse_timeline_time(autumn, "03:10").unwrap();
    assert_eq!(format_timeline_when(&when, approximate), "3:10am");
}

#[test]
fn the_hour_before_the_spring_change_runs_from_midnight_to_2am() {
    let (when, approximate) = parse_timeline_time(date(2026, 3, 29), "00:xx").unwrap();
    assert_eq!(
        format_timeline_when(&when, approximate),
        "some time between midnight and 2am"
    );
}

fn clock_text() -> impl Strategy<Value = String> {
    (0u32..24, 0u32..60, any::<bool>()).prop_map(|(h, m, approximate)| {
        if approximate {
            format!("{h:02}:xx")
        } else {
            format!("{h}:{m:02}")
        }
    })
}

fn any_day() -> impl Strategy<Value = NaiveDate> {
    // 2000 to 2100: every clock change of those years, including the gap and repeat days.
    (0i64..36_890).prop_map(|n| date(2000, 1, 1) + TimeDelta::days(n))
}

/// The last Sunday of March or October, or the day either side, where clocks change.
fn change_day() -> impl Strategy<Value = NaiveDate> {
    (
        2000i32..2100,
        prop_oneof![Just(3u32), Just(10u32)],
        -1i64..=1,
    )
        .prop_map(|(year, month, shift)| {
            let last = date(year, month, 31);
            let back = i64::from(last.weekday().num_days_from_sunday());
            last - TimeDelta::days(back) + TimeDelta::days(shift)
        })
}

fn some_day() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![any_day(), change_day()]
}

/// Minutes since midnight, often in the small hours when the clocks change.
fn minute_of_day() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..24 * 60, 0u32..3 * 60]
}

fn zone_suffix() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" BST"), Just(" GMT")]
}

proptest! {
    #[test]
    fn exact_times_round_trip_through_their_display(
        day in some_day(),
        from in minute_of_day(),
        to in proptest::option::of(minute_of_day()),
        zones in (zone_suffix(), zone_suffix()),
    ) {
        let text = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
        let typed = match to {
            Some(to) => format!("{}{} to {}{}", text(from), zones.0, text(to), zones.1),
            None => format!("{}{}", text(from), zones.0),
        };
        // Times in the spring gap are refused, and tested above.
        let Ok((when, false)) = parse_timeline_time(day, &typed) else {
            return Ok(());
        };
        let start = match when {
            TimelineWhen::At { at } => at,
            TimelineWhen::Range { from, .. } => from,
        };
        let shown = format_timeline_when(&when, false);
        let again = parse_timeline_time(to_uk(start).date_naive(), &shown);
        prop_assert_eq!(again, Ok((when, false)), "typed {} shown {}", typed, shown);
    }

    #[test]
    fn a_parsed_range_never_ends_before_it_starts(
        day in some_day(),
        from in clock_text(),
        to in clock_text(),
    ) {
        if let Ok((TimelineWhen::Range { from, to }, _)) =
            parse_timeline_time(day, &format!("{from} to {to}"))
        {
            prop_assert!(from <= to);
            // Never more than a day long, so the end is not a surprise.
            prop_assert!(to - from < TimeDelta::hours(26));
        }
    }

    #[test]
    fn a_parsed_time_shows_the_clock_time_typed(day in some_day(), h in 0u32..24, m in 0u32..60) {
        if let Ok((when, _)) = parse_timeline_time(day, &format!("{h}:{m:02}")) {
            let local = to_uk(at(when));
            prop_assert_eq!((local.hour(), local.minute()), (h, m));
            prop_assert_eq!(local.date_naive(), day);
        }
    }

    #[test]
    fn any_text_gives_a_time_or_a_message(text in "\\PC{0,40}") {
        if let Err(err) = parse_timeline_time(date(2026, 10, 13), &text) {
            prop_assert!(err.to_string().ends_with('.'));
        }
    }

    #[test]
    fn durations_never_lose_whole_days(minutes in 0i64..10_000_000) {
        let words = format_duration(minutes);
        let days = minutes / (24 * 60);
        if days >= 1 {
            let said: i64 = words.split(' ').next().unwrap().parse().unwrap();
            prop_assert!(said == days || said == days + 1, "{} for {}", words, minutes);
        } else {
            prop_assert!(!words.contains("day"));
        }
    }
}
