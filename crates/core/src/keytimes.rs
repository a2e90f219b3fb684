//! The key times of an incident, worked out from its report's timeline: how long it took
//! to find the problem, to tell users, to reduce the harm and to fix it.
//!
//! How they are worked out (shown on the About page):
//!
//! - Every time in a timeline is UK time. A time written like "14:xx" could be any moment
//!   from 2pm to 2:59:59pm, so anything measured from or to it is given as a range.
//! - The incident starts at the earliest entry marked as the cause. If there is none, it
//!   starts at the start time given for the incident.
//! - Time to detect is measured to the first entry marked as the problem being found, and
//!   time to inform users to the first entry marked as users being told. If such an entry
//!   is a span of time, like "10:30 to 11:00", the action began at its start.
//! - Time to mitigate is measured to the first entry marked as the harm being reduced, and
//!   time to resolve to the last entry marked as resolved. If such an entry is a span of
//!   time, like "17:06 to 18:40", the work was done at its end.
//! - When uncertain entries overlap, "first" and "last" take in every moment the first or
//!   last one could have happened.
//! - A key time is never less than zero. If an entry comes before the start, the report
//!   shows a problem to fix rather than a negative time.
//! - Minutes are whole minutes; seconds are dropped.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{TimelineEntry, TimelineKind, TimelineWhen};
use crate::time::{format_duration, uk_hour_start};

/// A moment known only to lie between two instants; both are the same when it is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moment {
    pub earliest: DateTime<Utc>,
    pub latest: DateTime<Utc>,
}

impl Moment {
    /// A moment known to the second.
    pub fn exact(at: DateTime<Utc>) -> Self {
        Moment {
            earliest: at,
            latest: at,
        }
    }

    /// Some moment in the UK clock hour containing `at`: "14:xx".
    pub fn within_hour(at: DateTime<Utc>) -> Self {
        let start = uk_hour_start(at);
        Moment {
            earliest: start,
            latest: start + TimeDelta::hours(1) - TimeDelta::seconds(1),
        }
    }

    fn of(at: DateTime<Utc>, approximate: bool) -> Self {
        if approximate {
            Moment::within_hour(at)
        } else {
            Moment::exact(at)
        }
    }
}

/// When an entry began: its time, or the start of its span.
pub fn began(entry: &TimelineEntry) -> Moment {
    match entry.when {
        TimelineWhen::At { at } => Moment::of(at, entry.approximate),
        TimelineWhen::Range { from, .. } => Moment::of(from, entry.approximate),
    }
}

/// When an entry ended: its time, or the end of its span.
pub fn ended(entry: &TimelineEntry) -> Moment {
    match entry.when {
        TimelineWhen::At { at } => Moment::of(at, entry.approximate),
        TimelineWhen::Range { to, .. } => Moment::of(to, entry.approximate),
    }
}

/// The earliest and latest moments an entry covers, from its start to its end.
pub fn span(entry: &TimelineEntry) -> Moment {
    let (began, ended) = (began(entry), ended(entry));
    // A range written backwards is reported by validation; here it still covers both ends.
    Moment {
        earliest: began.earliest.min(ended.earliest),
        latest: began.latest.max(ended.latest),
    }
}

/// When the incident started: the earliest cause in the timeline, or else `started_at`.
pub fn start(timeline: &[TimelineEntry], started_at: Option<DateTime<Utc>>) -> Option<Moment> {
    first(timeline, TimelineKind::Cause, began).or(started_at.map(Moment::exact))
}

/// The moment the first entry of `kind` happened, measured by `point`. The first one
/// happened no earlier than the earliest of their earliest moments, and no later than the
/// earliest of their latest moments.
fn first(
    timeline: &[TimelineEntry],
    kind: TimelineKind,
    point: fn(&TimelineEntry) -> Moment,
) -> Option<Moment> {
    fold(timeline, kind, point, Ord::min)
}

/// The moment the last entry of `kind` happened, measured by `point`: as [`first`], with
/// the latest of each.
fn last(
    timeline: &[TimelineEntry],
    kind: TimelineKind,
    point: fn(&TimelineEntry) -> Moment,
) -> Option<Moment> {
    fold(timeline, kind, point, Ord::max)
}

/// The entries of `kind`, measured by `point`, as one moment: `pick` of their earliest
/// moments and `pick` of their latest.
fn fold(
    timeline: &[TimelineEntry],
    kind: TimelineKind,
    point: fn(&TimelineEntry) -> Moment,
    pick: fn(DateTime<Utc>, DateTime<Utc>) -> DateTime<Utc>,
) -> Option<Moment> {
    timeline
        .iter()
        .filter(|e| e.kind == kind)
        .map(point)
        .reduce(|a, b| Moment {
            earliest: pick(a.earliest, b.earliest),
            latest: pick(a.latest, b.latest),
        })
}

/// How long something took, in whole minutes: at least `min_minutes` and at most
/// `max_minutes`. Both are the same when every time it depends on is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyTime {
    pub min_minutes: i64,
    pub max_minutes: i64,
}

impl KeyTime {
    /// The time from `start` to `end`, never below zero.
    pub fn between(start: Moment, end: Moment) -> Self {
        let minutes = |d: TimeDelta| d.num_seconds().max(0) / 60;
        KeyTime {
            min_minutes: minutes(end.earliest - start.latest),
            max_minutes: minutes(end.latest - start.earliest),
        }
    }

    /// In words: "14 hours 2 minutes", or "between 13 hours 44 minutes and 14 hours 44
    /// minutes" when the timeline leaves it uncertain.
    pub fn describe(&self) -> String {
        let (low, high) = (
            format_duration(self.min_minutes),
            format_duration(self.max_minutes),
        );
        if low == high {
            // Also when both round to the same hour, beyond a day.
            low
        } else {
            format!("between {low} and {high}")
        }
    }
}

/// The key times of an incident, each measured from its start. Absent when the timeline
/// does not say, or when there is no start to measure from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyTimes {
    pub to_detect: Option<KeyTime>,
    pub to_inform: Option<KeyTime>,
    pub to_mitigate: Option<KeyTime>,
    pub to_resolve: Option<KeyTime>,
}

/// Works out the key times by the rules in the module documentation.
pub fn key_times(timeline: &[TimelineEntry], started_at: Option<DateTime<Utc>>) -> KeyTimes {
    let Some(start) = start(timeline, started_at) else {
        return KeyTimes::default();
    };
    let from_start = |end: Option<Moment>| end.map(|end| KeyTime::between(start, end));
    KeyTimes {
        to_detect: from_start(first(timeline, TimelineKind::Detected, began)),
        to_inform: from_start(first(timeline, TimelineKind::UsersInformed, began)),
        to_mitigate: from_start(first(timeline, TimelineKind::Mitigated, ended)),
        to_resolve: from_start(last(timeline, TimelineKind::Resolved, ended)),
    }
}

#[cfg(test)]
mod tests;
