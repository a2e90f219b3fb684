//! UK time for people: instants shown the GOV.UK way in Europe/London time ("10:47am",
//! "Tuesday 24 November 2026"), lengths of time in words, and the timeline times people
//! type into an incident report ("14:05", "14:xx", "10:30 to 15:13").

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Timelike, Utc, Weekday,
};
use chrono_tz::{Europe::London, Tz};

use crate::incident::TimelineWhen;

/// How to write a timeline time, repeated in every message about one that cannot be read.
const TIME_EXAMPLES: &str = "write it like 14:05, 14:xx or 10:30 to 15:13";

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Why a UK time could not be worked out. Each message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("Write a time, like 14:05, 14:xx or 10:30 to 15:13.")]
    Empty,
    #[error("\"{text}\" is not a time: {TIME_EXAMPLES}.")]
    NotATime { text: String },
    #[error("\"{text}\" is not a date: write it like Tuesday 13 October 2026.")]
    NotADate { text: String },
    #[error("{} is a {}, not a {}.", date_words_no_weekday(*.date), weekday_name(.date.weekday()), weekday_name(*.written))]
    WrongWeekday { date: NaiveDate, written: Weekday },
    /// The clocks went forward over this time, so it never happened in the UK.
    #[error(
        "There was no {} in the UK on {}: the clocks went forward from {} to {}.",
        clock(*.time), date_words(*.date), clock(*.gap_from), clock(*.gap_to)
    )]
    DoesNotExist {
        date: NaiveDate,
        time: NaiveTime,
        gap_from: NaiveTime,
        gap_to: NaiveTime,
    },
    #[error(
        "UK clocks did not show \"{text}\" on {}: they showed {shown}. Leave out the time zone, or write {shown}.",
        date_words(*.date)
    )]
    WrongZone {
        text: String,
        date: NaiveDate,
        shown: &'static str,
    },
    #[error(
        "Write both ends of \"{text}\" the same way: both with xx, like 14:xx to 16:xx, or both exact, like 14:05 to 16:30."
    )]
    MixedRange { text: String },
    #[error("In \"{text}\" the end is before the start: write the earlier time first.")]
    EndBeforeStart { text: String },
    #[error("That date is too far in the past or the future.")]
    OutOfRange,
}

/// The instant as UK clocks show it.
pub fn to_uk(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&London)
}

/// "GMT" in winter, "BST" while the clocks are forward.
pub fn zone_label(at: DateTime<Utc>) -> &'static str {
    // Any offset ahead of GMT is British Summer Time of some kind; the double summer time
    // of the 1940s is far older than anything this service records.
    if to_uk(at).offset().fix().local_minus_utc() == 0 {
        "GMT"
    } else {
        "BST"
    }
}

/// The UK clock time the GOV.UK way: "9am", "10:47am", "12:16pm", "midday", "midnight".
/// Seconds are left out.
pub fn uk_time(at: DateTime<Utc>) -> String {
    clock(to_uk(at).time())
}

/// The UK date the GOV.UK way: "Tuesday 24 November 2026".
pub fn uk_date(at: DateTime<Utc>) -> String {
    date_words(to_uk(at).date_naive())
}

/// Time, zone and date: "10:47am GMT on Tuesday 24 November 2026".
pub fn uk_date_time(at: DateTime<Utc>) -> String {
    format!("{} {} on {}", uk_time(at), zone_label(at), uk_date(at))
}

/// How long ago, in words: "just now", "1 minute ago", "6 minutes ago", "2 hours ago",
/// "3 days ago". A time a little in the future (clocks that disagree) reads "just now".
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes();
    match minutes {
        ..1 => "just now".into(),
        1..60 => format!("{} ago", plural(minutes, "minute")),
        60..1440 => format!("{} ago", plural(minutes / 60, "hour")),
        _ => format!("{} ago", plural(minutes / 1440, "day")),
    }
}

/// When data was last known good, for a reader deciding whether to trust it: "10:42am
/// GMT, 6 minutes ago", naming the day when it was not today (UK time).
pub fn as_of(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if to_uk(at).date_naive() == to_uk(now).date_naive() {
        format!("{} {}, {}", uk_time(at), zone_label(at), ago(at, now))
    } else {
        format!("{}, {}", uk_date_time(at), ago(at, now))
    }
}

/// The instant at which UK clocks showed `time` on `date`.
///
/// When the clocks go back in October, 1am to 1:59am happens twice, first in BST and then
/// in GMT. The first is chosen: it is the one a person watching the clock through the
/// night reaches first, so times written down in order as the night went on stay in
/// order. Timeline times can name the second one by adding "GMT" (see
/// [`parse_timeline_time`]), and are shown with their zone in that hour.
pub fn uk_local_to_utc(date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, TimeError> {
    candidates(date, time)
        .first()
        .copied()
        .ok_or_else(|| gap_error(date, time))
}

/// A length of time in words: "45 minutes", "1 hour 5 minutes", "2 days 3 hours".
///
/// From one day up, minutes are rounded to the nearest hour, since nobody reads
/// "2 days 3 hours 14 minutes" for the minutes. Negative lengths read as "0 minutes": they
/// come only from clocks that disagree a little, and "minus 2 minutes" means nothing to
/// a reader.
pub fn format_duration(minutes: i64) -> String {
    let minutes = minutes.max(0);
    if minutes < 60 {
        return plural(minutes, "minute");
    }
    if minutes < 24 * 60 {
        let (hours, rest) = (minutes / 60, minutes % 60);
        return join_units(plural(hours, "hour"), rest, "minute");
    }
    let hours = minutes.saturating_add(30) / 60;
    join_units(plural(hours / 24, "day"), hours % 24, "hour")
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

fn join_units(big: String, small: i64, unit: &str) -> String {
    if small == 0 {
        big
    } else {
        format!("{big} {}", plural(small, unit))
    }
}

/// Reads a timeline time as people type it in a report form. Times are UK clock times on
/// `day`; the second value says whether only the hour is known.
///
/// Accepted: "10:47", "9:05", "10:47am", "2pm", "midday", "midnight"; "14:xx" when only
/// the hour is known (the result is the start of that hour); ranges joined by "to" or a
/// dash, like "10:30 to 15:13" or "14:xx-16:xx", where an end earlier in the day than the
/// start is on the next day ("23:40 to 00:20"). A time may end with "BST" or "GMT", which
/// picks between the two 1:30ams of the October clock change, and with a date like
/// "on Wednesday 14 October 2026", which overrides `day`.
pub fn parse_timeline_time(day: NaiveDate, text: &str) -> Result<(TimelineWhen, bool), TimeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TimeError::Empty);
    }
    let not_a_time = || TimeError::NotATime { text: text.into() };
    let spaced = text.replace(['-', '\u{2013}', '\u{2014}'], " to ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let separators: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| t.eq_ignore_ascii_case("to"))
        .map(|(i, _)| i)
        .collect();
    match separators[..] {
        [] => {
            let at = read_side(&tokens, text)?;
            let instant = first_match(at.date.unwrap_or(day), &at)?;
            Ok((TimelineWhen::At { at: instant }, at.approximate))
        }
        [i] => {
            let from = read_side(&tokens[..i], text)?;
            let to = read_side(&tokens[i + 1..], text)?;
            if from.approximate != to.approximate {
                return Err(TimeError::MixedRange { text: text.into() });
            }
            let from_date = from.date.unwrap_or(day);
            let from_at = first_match(from_date, &from)?;
            let to_at = range_end(from_date, from_at, &from, &to, text)?;
            Ok((
                TimelineWhen::Range {
                    from: from_at,
                    to: to_at,
                },
                from.approximate,
            ))
        }
        _ => Err(not_a_time()),
    }
}

/// The end of a range is the first moment at or after its start at which UK clocks
/// showed it, which puts "23:40 to 00:20" across midnight and "1:30am to 1:15am" on the
/// October change day 45 minutes apart.
fn range_end(
    from_date: NaiveDate,
    from_at: DateTime<Utc>,
    from: &Written,
    to: &Written,
    text: &str,
) -> Result<DateTime<Utc>, TimeError> {
    let end_before_start = || TimeError::EndBeforeStart { text: text.into() };
    if let Some(date) = to.date {
        return matches(date, to)?
            .into_iter()
            .find(|t| *t >= from_at)
            .ok_or_else(end_before_start);
    }
    let same_day = matches(from_date, to);
    if to.time >= from.time {
        // Later on the clock, so it can only mean the same day: an end in the spring gap
        // must be reported, not quietly moved to the next day.
        return same_day?
            .into_iter()
            .find(|t| *t >= from_at)
            .ok_or_else(end_before_start);
    }
    if let Some(t) = same_day
        .ok()
        .and_then(|c| c.into_iter().find(|t| *t >= from_at))
    {
        return Ok(t);
    }
    let next_day = from_date.succ_opt().ok_or(TimeError::OutOfRange)?;
    first_match(next_day, to)
}

/// One side of a timeline time, as written.
struct Written {
    time: NaiveTime,
    approximate: bool,
    zone: Option<Zone>,
    date: Option<NaiveDate>,
    text: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    Gmt,
    Bst,
}

fn read_side(tokens: &[&str], whole: &str) -> Result<Written, TimeError> {
    let (time_tokens, date_tokens) = match tokens.iter().position(|t| t.eq_ignore_ascii_case("on"))
    {
        Some(i) => (&tokens[..i], Some(&tokens[i + 1..])),
        None => (tokens, None),
    };
    let text = tokens.join(" ");
    if time_tokens.is_empty() {
        return Err(TimeError::NotATime { text: whole.into() });
    }
    let squashed = time_tokens.concat().to_ascii_lowercase();
    let (time, approximate, zone) = read_clock(&squashed).ok_or_else(|| TimeError::NotATime {
        text: time_tokens.join(" "),
    })?;
    let date = date_tokens.map(read_date).transpose()?;
    Ok(Written {
        time,
        approximate,
        zone,
        date,
        text,
    })
}

/// Reads "14:05", "9.05", "14:xx", "2pm", "2:30pm", "2:xxpm", "midday", "midnight", each
/// optionally followed by "bst" or "gmt". Input is lower case with spaces removed.
fn read_clock(s: &str) -> Option<(NaiveTime, bool, Option<Zone>)> {
    let (s, zone) = if let Some(rest) = s.strip_suffix("bst") {
        (rest, Some(Zone::Bst))
    } else if let Some(rest) = s.strip_suffix("gmt") {
        (rest, Some(Zone::Gmt))
    } else {
        (s, None)
    };
    match s {
        "midday" | "noon" => return Some((NaiveTime::from_hms_opt(12, 0, 0)?, false, zone)),
        "midnight" => return Some((NaiveTime::MIN, false, zone)),
        _ => {}
    }
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (hour_text, rest) = s.split_at(digits);
    if hour_text.is_empty() || hour_text.len() > 2 {
        return None;
    }
    let hour: u32 = hour_text.parse().ok()?;
    // None when the minutes are written "xx"; absent minutes ("2pm") are zero.
    let (minute, has_minutes, rest) = match rest.strip_prefix([':', '.']) {
        Some(after) => match after.strip_prefix("xx") {
            Some(rest) => (None, true, rest),
            None => {
                let two = after.get(..2)?;
                if !two.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (Some(two.parse::<u32>().ok()?), true, &after[2..])
            }
        },
        None => (Some(0), false, rest),
    };
    let hour = match rest {
        "am" | "pm" if !(1..=12).contains(&hour) => return None,
        "am" => hour % 12,
        "pm" => hour % 12 + 12,
        // A bare "14" could be a time or a typo; ask for the minutes.
        "" if has_minutes => hour,
        _ => return None,
    };
    let time = NaiveTime::from_hms_opt(hour, minute.unwrap_or(0), 0)?;
    Some((time, minute.is_none(), zone))
}

/// Reads "Tuesday 13 October 2026", "13 October 2026" or "13 Oct 2026".
fn read_date(tokens: &[&str]) -> Result<NaiveDate, TimeError> {
    let text = tokens.join(" ");
    let not_a_date = || TimeError::NotADate { text: text.clone() };
    let words: Vec<String> = tokens
        .iter()
        .map(|t| t.trim_matches(',').to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    let (weekday, rest) = match words.split_first() {
        Some((first, rest)) if name_index(&WEEKDAYS, first).is_some() => {
            (name_index(&WEEKDAYS, first), rest)
        }
        _ => (None, &words[..]),
    };
    let [day, month, year] = rest else {
        return Err(not_a_date());
    };
    let day = day.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let day: u32 = day.parse().map_err(|_| not_a_date())?;
    let month = name_index(&MONTHS, month).ok_or_else(not_a_date)?;
    if year.len() != 4 {
        return Err(not_a_date());
    }
    let year: i32 = year.parse().map_err(|_| not_a_date())?;
    let month = u32::try_from(month + 1).map_err(|_| not_a_date())?;
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(not_a_date)?;
    if let Some(written) = weekday {
        let written = Weekday::try_from(u8::try_from(written).map_err(|_| not_a_date())?)
            .map_err(|_| not_a_date())?;
        if written != date.weekday() {
            return Err(TimeError::WrongWeekday { date, written });
        }
    }
    Ok(date)
}

/// Index of a full name or its first three letters, ignoring case.
fn name_index(names: &[&str], word: &str) -> Option<usize> {
    names.iter().position(|name| {
        let name = name.to_ascii_lowercase();
        word == name || (word.len() == 3 && name.starts_with(word))
    })
}

/// Every instant at which UK clocks showed `time` on `date`, earliest first: none in the
/// spring gap, two in the autumn repeat.
fn candidates(date: NaiveDate, time: NaiveTime) -> Vec<DateTime<Utc>> {
    let mut found: Vec<DateTime<Utc>> = match London.from_local_datetime(&date.and_time(time)) {
        LocalResult::Single(t) => vec![t.to_utc()],
        LocalResult::Ambiguous(a, b) => vec![a.to_utc(), b.to_utc()],
        LocalResult::None => vec![],
    };
    // At most two: swapped by hand rather than sorted, to keep sorting code out of the
    // browser app.
    if found.len() == 2 && found[1] < found[0] {
        found.swap(0, 1);
    }
    found
}

/// The candidates that fit the zone written, if one was.
fn matches(date: NaiveDate, written: &Written) -> Result<Vec<DateTime<Utc>>, TimeError> {
    let all = candidates(date, written.time);
    let Some(first) = all.first().copied() else {
        return Err(gap_error(date, written.time));
    };
    let fitting: Vec<DateTime<Utc>> = all
        .into_iter()
        .filter(|t| match written.zone {
            None => true,
            Some(Zone::Gmt) => zone_label(*t) == "GMT",
            Some(Zone::Bst) => zone_label(*t) == "BST",
        })
        .collect();
    if fitting.is_empty() {
        return Err(TimeError::WrongZone {
            text: written.text.clone(),
            date,
            shown: zone_label(first),
        });
    }
    Ok(fitting)
}

fn first_match(date: NaiveDate, written: &Written) -> Result<DateTime<Utc>, TimeError> {
    matches(date, written).map(|found| found[0])
}

/// Describes the spring gap that `time` falls in, by looking for the last minute before
/// it and the first minute after it that UK clocks showed.
fn gap_error(date: NaiveDate, time: NaiveTime) -> TimeError {
    let local = date.and_time(time);
    let exists = |t: NaiveDateTime| !candidates(t.date(), t.time()).is_empty();
    let step = TimeDelta::minutes(1);
    let mut before = local;
    let mut after = local;
    // A day is the widest gap any time zone has ever had, so the search always ends.
    for _ in 0..24 * 60 {
        if exists(before) {
            break;
        }
        before -= step;
    }
    for _ in 0..24 * 60 {
        if exists(after) {
            break;
        }
        after += step;
    }
    TimeError::DoesNotExist {
        date,
        time,
        gap_from: (before + step).time(),
        gap_to: after.time(),
    }
}

/// A timeline time for display in UK time: "10:47am", "10:30am to 3:13pm", "some time
/// between 2pm and 3pm". A range over more than one day gives both dates. A time in the
/// hour the October change repeats is labelled BST or GMT, so it cannot be misread.
pub fn format_timeline_when(when: &TimelineWhen, approximate: bool) -> String {
    match (*when, approximate) {
        (TimelineWhen::At { at }, false) => moment(at),
        (TimelineWhen::At { at }, true) => format!("some time between {}", hour_words(at)),
        (TimelineWhen::Range { from, to }, false) => {
            if spans_days(from, to) {
                format!(
                    "{} on {} to {} on {}",
                    moment(from),
                    uk_date(from),
                    moment(to),
                    uk_date(to)
                )
            } else {
                format!("{} to {}", moment(from), moment(to))
            }
        }
        (TimelineWhen::Range { from, to }, true) => {
            let (from, to) = (uk_hour_start(from), uk_hour_start(to));
            if to_uk(from).date_naive() != to_uk(to).date_naive() {
                format!(
                    "began between {} on {}, ended between {} on {}",
                    hour_words(from),
                    uk_date(from),
                    hour_words(to),
                    uk_date(to)
                )
            } else {
                format!(
                    "began between {}, ended between {}",
                    hour_words(from),
                    hour_words(to)
                )
            }
        }
    }
}

/// The start of the UK clock hour that contains `at`.
pub fn uk_hour_start(at: DateTime<Utc>) -> DateTime<Utc> {
    // Worked out in local time: UK hours line up with UTC hours today, but did not before
    // 1847, and this keeps the rule true whatever the offset.
    let offset = TimeDelta::seconds(i64::from(to_uk(at).offset().fix().local_minus_utc()));
    let local = at + offset;
    let into_hour = TimeDelta::seconds(i64::from(local.minute() * 60 + local.second()))
        + TimeDelta::nanoseconds(i64::from(local.nanosecond()));
    at - into_hour
}

/// "2pm and 3pm" for the hour containing `at`.
fn hour_words(at: DateTime<Utc>) -> String {
    let start = uk_hour_start(at);
    format!(
        "{} and {}",
        moment(start),
        moment(start + TimeDelta::hours(1))
    )
}

/// The clock time, with its zone when the clock showed it twice that night.
fn moment(at: DateTime<Utc>) -> String {
    let local = to_uk(at);
    if candidates(local.date_naive(), local.time()).len() > 1 {
        format!("{} {}", uk_time(at), zone_label(at))
    } else {
        uk_time(at)
    }
}

/// Whether a range needs its dates shown. "11pm to midnight" does not: midnight there
/// plainly means the end of the day it starts on.
fn spans_days(from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
    let (from, to) = (to_uk(from), to_uk(to));
    let (from_day, to_day) = (from.date_naive(), to.date_naive());
    if from_day == to_day {
        return false;
    }
    !(from_day.succ_opt() == Some(to_day) && to.time() == NaiveTime::MIN)
}

fn clock(t: NaiveTime) -> String {
    let (hour, minute) = (t.hour(), t.minute());
    match (hour, minute) {
        (0, 0) => return "midnight".into(),
        (12, 0) => return "midday".into(),
        _ => {}
    }
    let half = if hour < 12 { "am" } else { "pm" };
    let hour = match hour % 12 {
        0 => 12,
        h => h,
    };
    if minute == 0 {
        format!("{hour}{half}")
    } else {
        format!("{hour}:{minute:02}{half}")
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

/// "Tuesday 24 November 2026" for a UK calendar day.
pub fn date_words(date: NaiveDate) -> String {
    format!(
        "{} {}",
        weekday_name(date.weekday()),
        date_words_no_weekday(date)
    )
}

fn date_words_no_weekday(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
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
        let err =
            parse_timeline_time(incident_day(), "9:44 on Monday 14 October 2026").unwrap_err();
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
}
