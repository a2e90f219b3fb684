//! Trends: each service's last days and hours as marks and sentences.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::time::{format_duration, uk_hour_start, uk_time};
use crate::uptime::DailyUptime;

use super::services::{LatencyPoint, UptimeHistory};
use super::sort_short_by_key;

/// `GET /api/v1/trends`: what the overview draws beside each service, in one small answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Trends {
    pub generated_at: DateTime<Utc>,
    pub services: Vec<ServiceTrend>,
}

/// One service's recent uptime, day by day, and its response times, hour by hour, in a
/// compact form: a first visit on a slow network fetches this for every service. Read it
/// through [`ServiceTrend::day_marks`] and [`ServiceTrend::hour_latencies`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceTrend {
    pub service: String,
    /// The UK day that `days` starts with.
    pub first_day: chrono::NaiveDate,
    /// One letter a day, oldest first, ending today: see [`DayVerdict::letter`].
    pub days: String,
    /// The days with something to say beyond their letter (down, slow, or checked for
    /// only part of the day), in full.
    pub details: Vec<DayMark>,
    /// Over the days with data, as [`UptimeHistory::uptime_percent`].
    pub uptime_percent: Option<f64>,
    /// The start of the first UK clock hour of the hourly lists.
    pub first_hour: DateTime<Utc>,
    /// Per hour, oldest first: see [`HourLatency`].
    pub hourly_median_ms: Vec<Option<u32>>,
    pub hourly_checks: Vec<u32>,
    pub hourly_failed: Vec<u32>,
}

/// How a service did on one UK day, as the uptime strip shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayMark {
    pub date: chrono::NaiveDate,
    /// Length of the day so far.
    pub minutes: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub minutes_down: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub minutes_degraded: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub minutes_no_data: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl From<&DailyUptime> for DayMark {
    fn from(d: &DailyUptime) -> Self {
        DayMark {
            date: d.date,
            minutes: d.minutes,
            minutes_down: d.minutes_down,
            minutes_degraded: d.minutes_degraded,
            minutes_no_data: d.minutes_no_data,
        }
    }
}

/// What one day of the uptime strip says, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayVerdict {
    Down,
    /// Degraded for some of the day (readers read "Slow").
    Degraded,
    /// Checks ran for only part of the day, with no problems seen.
    PartData,
    NoData,
    Good,
}

impl DayVerdict {
    /// Words for a legend or a table cell.
    pub fn label(self) -> &'static str {
        match self {
            DayVerdict::Down => "Down for some of the day",
            DayVerdict::Degraded => "Slow for some of the day",
            DayVerdict::PartData => "No problems, not checked all day",
            DayVerdict::NoData => "Not checked",
            DayVerdict::Good => "No problems",
        }
    }

    /// One letter for [`ServiceTrend::days`].
    pub fn letter(self) -> char {
        match self {
            DayVerdict::Down => 'd',
            DayVerdict::Degraded => 's',
            DayVerdict::PartData => 'p',
            DayVerdict::NoData => 'n',
            DayVerdict::Good => 'g',
        }
    }

    fn from_letter(letter: char) -> Option<DayVerdict> {
        [
            DayVerdict::Down,
            DayVerdict::Degraded,
            DayVerdict::PartData,
            DayVerdict::NoData,
            DayVerdict::Good,
        ]
        .into_iter()
        .find(|v| v.letter() == letter)
    }

    /// For CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            DayVerdict::Down => "down",
            DayVerdict::Degraded => "degraded",
            DayVerdict::PartData => "part",
            DayVerdict::NoData => "none",
            DayVerdict::Good => "good",
        }
    }
}

impl DayMark {
    pub fn verdict(&self) -> DayVerdict {
        if self.minutes_down > 0 {
            DayVerdict::Down
        } else if self.minutes_degraded > 0 {
            DayVerdict::Degraded
        } else if self.minutes == 0 || self.minutes_no_data >= self.minutes {
            DayVerdict::NoData
        } else if self.minutes_no_data > 0 {
            DayVerdict::PartData
        } else {
            DayVerdict::Good
        }
    }

    /// Of the time with data, the share not down; `None` without data.
    pub fn uptime_percent(&self) -> Option<f64> {
        let with_data = self.minutes.saturating_sub(self.minutes_no_data);
        (with_data > 0).then(|| {
            f64::from(with_data.saturating_sub(self.minutes_down)) / f64::from(with_data) * 100.0
        })
    }

    /// One cell of the table alternative: "Down for 45 minutes, slow for 10 minutes".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.minutes_down > 0 {
            parts.push(format!(
                "down for {}",
                format_duration(self.minutes_down.into())
            ));
        }
        if self.minutes_degraded > 0 {
            parts.push(format!(
                "slow for {}",
                format_duration(self.minutes_degraded.into())
            ));
        }
        if self.minutes_no_data > 0 && self.minutes_no_data < self.minutes {
            parts.push(format!(
                "not checked for {}",
                format_duration(self.minutes_no_data.into())
            ));
        }
        let text = match (self.verdict(), parts.is_empty()) {
            (DayVerdict::NoData, _) => return "Not checked".into(),
            (_, true) => return "No problems".into(),
            _ => parts.join(", "),
        };
        // Only ever starts with "down", "slow" or "not": ASCII, so no Unicode tables are
        // needed to capitalise it.
        let mut text = text;
        if let Some(first) = text.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        text
    }
}

/// Typical response time in one UK clock hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourLatency {
    /// The start of the hour.
    pub at: DateTime<Utc>,
    pub checks: u32,
    pub failed: u32,
    /// The middle of the typical (median) times of the hour's 5-minute spells; `None`
    /// when no check succeeded.
    pub median_ms: Option<u32>,
}

/// Latency points put together hour by hour (UK clock hours), oldest first.
pub fn hourly(points: &[LatencyPoint]) -> Vec<HourLatency> {
    let mut sorted: Vec<&LatencyPoint> = points.iter().collect();
    sort_short_by_key(&mut sorted, |p| p.at);
    let mut hours: Vec<(HourLatency, Vec<u32>)> = Vec::new();
    for p in sorted {
        let at = uk_hour_start(p.at);
        if hours.last().is_none_or(|(h, _)| h.at != at) {
            hours.push((
                HourLatency {
                    at,
                    checks: 0,
                    failed: 0,
                    median_ms: None,
                },
                Vec::new(),
            ));
        }
        if let Some((hour, medians)) = hours.last_mut() {
            hour.checks += p.checks;
            hour.failed += p.failed;
            medians.extend(p.median_ms);
        }
    }
    hours
        .into_iter()
        .map(|(mut hour, mut medians)| {
            sort_short_by_key(&mut medians, |m| *m);
            hour.median_ms = medians.get(medians.len().saturating_sub(1) / 2).copied();
            hour
        })
        .collect()
}

impl ServiceTrend {
    /// The overview's view of one service from its daily uptime (the strip's days, as
    /// `/uptime` gives them, oldest first) and its latency points.
    pub fn new(service: &str, days: &[DailyUptime], latency: &[LatencyPoint]) -> ServiceTrend {
        let marks: Vec<DayMark> = days.iter().map(DayMark::from).collect();
        let hours = hourly(latency);
        ServiceTrend {
            service: service.to_string(),
            first_day: days
                .first()
                .map_or_else(chrono::NaiveDate::default, |d| d.date),
            days: marks.iter().map(|d| d.verdict().letter()).collect(),
            details: marks
                .iter()
                .filter(|d| !matches!(d.verdict(), DayVerdict::Good | DayVerdict::NoData))
                .cloned()
                .collect(),
            uptime_percent: UptimeHistory::new(service, days.to_vec()).uptime_percent,
            first_hour: hours.first().map_or(DateTime::<Utc>::UNIX_EPOCH, |h| h.at),
            hourly_median_ms: hours.iter().map(|h| h.median_ms).collect(),
            hourly_checks: hours.iter().map(|h| h.checks).collect(),
            hourly_failed: hours.iter().map(|h| h.failed).collect(),
        }
    }

    /// Every day of the strip, oldest first. Days without details were whole days (or
    /// today so far) with no problems, or with no data at all.
    pub fn day_marks(&self) -> Vec<DayMark> {
        self.days
            .chars()
            .enumerate()
            .map(|(i, letter)| {
                let date = self.first_day + chrono::Duration::days(i as i64);
                if let Some(d) = self.details.iter().find(|d| d.date == date) {
                    return d.clone();
                }
                // The exact length of a plain day does not matter to anything shown.
                let minutes = 1440;
                let none = DayVerdict::from_letter(letter) == Some(DayVerdict::NoData);
                DayMark {
                    date,
                    minutes,
                    minutes_down: 0,
                    minutes_degraded: 0,
                    minutes_no_data: if none { minutes } else { 0 },
                }
            })
            .collect()
    }

    /// The hourly response times, oldest first.
    pub fn hour_latencies(&self) -> Vec<HourLatency> {
        self.hourly_median_ms
            .iter()
            .enumerate()
            .map(|(i, median)| HourLatency {
                at: self.first_hour + chrono::Duration::hours(i as i64),
                checks: self.hourly_checks.get(i).copied().unwrap_or(0),
                failed: self.hourly_failed.get(i).copied().unwrap_or(0),
                median_ms: *median,
            })
            .collect()
    }
}

/// A percentage of uptime as people read it: never rounded up to 100% ("99.99%").
pub fn percent_text(percent: f64) -> String {
    // Whole hundredths, formatted by hand: float formatting would add kilobytes to the
    // browser app for one number.
    let hundredths = (percent * 100.0).floor().clamp(0.0, 10_000.0) as u32;
    let (whole, part) = (hundredths / 100, hundredths % 100);
    match part {
        0 => format!("{whole}%"),
        p if p % 10 == 0 => format!("{whole}.{}%", p / 10),
        p => format!("{whole}.{p:02}%"),
    }
}

/// The uptime strip in one or two sentences, for people who cannot see it.
pub fn strip_summary(days: &[DayMark]) -> String {
    let count = |v: DayVerdict| days.iter().filter(|d| d.verdict() == v).count();
    let span = match days.len() {
        1 => "today".to_string(),
        n => format!("the last {n} days"),
    };
    let day_count = |n: usize| {
        if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        }
    };
    let (down, slow, none) = (
        count(DayVerdict::Down),
        count(DayVerdict::Degraded),
        count(DayVerdict::NoData),
    );
    if none == days.len() {
        return format!("Not checked in {span}.");
    }
    let mut parts = Vec::new();
    if down > 0 {
        parts.push(format!("down on {}", day_count(down)));
    }
    if slow > 0 {
        parts.push(format!("slow on {}", day_count(slow)));
    }
    if none > 0 {
        parts.push(format!("not checked on {}", day_count(none)));
    }
    let mut text = if parts.is_empty() {
        format!("No problems in {span}.")
    } else {
        let last = parts.pop().unwrap_or_default();
        let list = if parts.is_empty() {
            last
        } else {
            format!("{} and {last}", parts.join(", "))
        };
        format!("In {span}: {list}.")
    };
    if let Some(worst) = days
        .iter()
        .filter(|d| d.minutes_down > 0)
        .max_by_key(|d| (d.minutes_down, d.date))
    {
        text.push_str(&format!(
            " The worst day was {}: down for {}.",
            crate::time::date_words(worst.date),
            format_duration(worst.minutes_down.into())
        ));
    }
    text
}

/// A response time in words: "40 ms", or "under 1 ms" for what rounds down to nothing.
pub fn ms_text(ms: u32) -> String {
    if ms == 0 {
        "under 1 ms".to_string()
    } else {
        format!("{ms} ms")
    }
}

/// The latency line in one sentence, for people who cannot see it.
pub fn latency_summary(hours: &[HourLatency]) -> String {
    let known: Vec<u32> = hours.iter().filter_map(|h| h.median_ms).collect();
    let (Some(low), Some(high)) = (known.iter().min(), known.iter().max()) else {
        return "No response times in the last 24 hours.".into();
    };
    let range = if low == high {
        ms_text(*low)
    } else {
        format!("between {} and {}", ms_text(*low), ms_text(*high))
    };
    let latest = hours
        .iter()
        .rev()
        .find_map(|h| h.median_ms.map(|ms| (h.at, ms)));
    let mut text = format!("Typical response time over the last 24 hours: {range}.");
    if let Some((at, ms)) = latest {
        text.push_str(&format!(
            " In the hour from {} it was {}.",
            uk_time(at),
            ms_text(ms)
        ));
    }
    text
}
