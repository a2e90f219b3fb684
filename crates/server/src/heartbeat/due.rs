//! When a heartbeat's next report is due: a fixed period after the last, or the next
//! time of its cron schedule, read in the schedule's own time zone (croner with jiff, so
//! a `0 2 * * *` Europe/London job is expected at 01:00 UTC in summer and 02:00 UTC in
//! winter, and a time the clocks skip counts as the moment they jump).

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use tis_core::{FieldError, ProbeKind};

/// When reports are due.
#[derive(Debug, Clone)]
pub enum Due {
    /// One period after the last report.
    Every(Duration),
    /// At each time of a cron schedule, in a time zone.
    Schedule {
        // Boxed: a parsed pattern is large, and heartbeats are few.
        cron: Box<croner::Cron>,
        zone: jiff::tz::TimeZone,
    },
}

impl Due {
    /// The due rule of a heartbeat's config, or what is wrong with it (`field` is the
    /// config key).
    pub fn of(kind: &ProbeKind) -> Result<Due, Vec<FieldError>> {
        let ProbeKind::Heartbeat {
            every,
            schedule,
            timezone,
            ..
        } = kind
        else {
            return Err(vec![FieldError::new("kind", "is not a heartbeat")]);
        };
        match (every, schedule) {
            (Some(every), _) => Ok(Due::Every(every.as_chrono())),
            (None, Some(schedule)) => {
                let mut problems = Vec::new();
                let cron = croner::Cron::from_str(schedule.trim())
                    .map_err(|e| {
                        problems.push(FieldError::new(
                            "schedule",
                            format!(
                                "\"{schedule}\" is not a cron schedule ({e}): write minute, hour, day of month, month and day of week, like \"0 2 * * *\" for 2am every day"
                            ),
                        ))
                    })
                    .ok();
                let zone = jiff::tz::TimeZone::get(timezone)
                    .map_err(|_| {
                        problems.push(FieldError::new(
                            "timezone",
                            format!(
                                "\"{timezone}\" is not a time zone: use a name from the time zone database, like \"Europe/London\" or \"UTC\""
                            ),
                        ))
                    })
                    .ok();
                match (cron, zone) {
                    (Some(cron), Some(zone)) if problems.is_empty() => {
                        // A schedule that never falls due (30 February) would leave the job
                        // never expected: refused, as a job that is never watched.
                        let due = Due::Schedule {
                            cron: Box::new(cron),
                            zone,
                        };
                        if due.next_after(Utc::now()).is_none() {
                            return Err(vec![FieldError::new(
                                "schedule",
                                format!("\"{schedule}\" never falls due: check the day and month"),
                            )]);
                        }
                        Ok(due)
                    }
                    _ => Err(problems),
                }
            }
            (None, None) => Err(vec![FieldError::new(
                "every",
                "is missing: give every or schedule",
            )]),
        }
    }

    /// The first time a report is due after `at`.
    pub fn next_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Due::Every(period) => at.checked_add_signed(*period),
            Due::Schedule { cron, zone } => {
                let start = jiff::Timestamp::from_millisecond(at.timestamp_millis())
                    .ok()?
                    .to_zoned(zone.clone());
                let next = cron.find_next_occurrence(&start, false).ok()?;
                DateTime::from_timestamp_millis(next.timestamp().as_millisecond())
            }
        }
    }
}
