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
mod tests;
