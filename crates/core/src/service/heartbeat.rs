//! Heartbeats: batch jobs that report in themselves. Their config fields, and the pings a
//! job sends, as browser and server both see them. When a heartbeat is late is worked out
//! by the server (`crates/server/src/heartbeat`), which alone reads cron schedules in any
//! time zone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Fields, HumanDuration, ProbeKind};
use crate::validate::FieldError;

/// How often the server writes down its judgement of a heartbeat while nothing changes
/// (a change is written at once): the heartbeat's `interval`.
pub const HEARTBEAT_JUDGED_EVERY: HumanDuration = HumanDuration::from_secs(30);
/// The longest `job` name, in characters.
pub const JOB_NAME_MAX: usize = 100;
/// The longest message a failing job may send, in characters.
pub const PING_MESSAGE_MAX: usize = 500;
/// The shortest `every` and `grace`: finer than this would be a check, not a job.
const MIN_PERIOD: HumanDuration = HumanDuration::from_secs(1);
/// The time zone of a schedule that names none.
pub const DEFAULT_TIMEZONE: &str = "Europe/London";

/// What a job said when it reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PingKind {
    /// A run began.
    Start,
    /// A run finished well.
    Success,
    /// A run failed; the ping carries the job's message.
    Fail,
}

/// One report from a job, as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeartbeatPing {
    /// When it arrived (UTC).
    pub at: DateTime<Utc>,
    pub kind: PingKind,
    /// What a failing job said, in its own words (staff only); empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// For a success or failure, how long since the run's `start`, when it sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_ms: Option<u64>,
}

/// A job's message as it is kept: control characters (line breaks included) become
/// spaces, runs of spaces one space, and the ends are trimmed, so it reads as one line
/// of plain text wherever it is shown. `None` when it is longer than
/// [`PING_MESSAGE_MAX`] characters.
pub fn clean_message(message: &str) -> Option<String> {
    if message.chars().count() > PING_MESSAGE_MAX {
        return None;
    }
    let spaced: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Some(spaced.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A length of time in words: "24 hours", "1 hour", "90 minutes", "2 seconds".
pub fn duration_words(d: HumanDuration) -> String {
    let ms = d.as_millis();
    let (n, unit) = if ms >= 3_600_000 && ms.is_multiple_of(3_600_000) {
        (ms / 3_600_000, "hour")
    } else if ms >= 60_000 && ms.is_multiple_of(60_000) {
        (ms / 60_000, "minute")
    } else {
        (ms.div_ceil(1000), "second")
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The heartbeat fields of a `[[service.probe]]`, every problem kept in `f`. The cron
/// syntax of `schedule` and the name of `timezone` are checked by the server.
pub(super) fn from_fields(f: &mut Fields<'_>) -> Option<ProbeKind> {
    let every: Option<HumanDuration> = f.get("every", "a length of time like \"24h\"");
    let grace: Option<HumanDuration> = f.required(
        "grace",
        "a length of time like \"1h\"",
        "\"1h\" (how late a report may be)",
    );
    let schedule: Option<String> = f.get("schedule", "text like \"0 2 * * *\"");
    let timezone: Option<String> = f.get("timezone", "a time zone like \"Europe/London\"");
    let job: Option<String> = f.get("job", "text like \"The ESR export\"");
    for (name, value) in [("every", every), ("grace", grace)] {
        if let Some(v) = value
            && v < MIN_PERIOD
        {
            f.problems.push(FieldError::new(
                name,
                format!("{v} is too short: use {MIN_PERIOD} or more, like \"1h\""),
            ));
        }
    }
    match (&every, &schedule) {
        (None, None) => f.problems.push(FieldError::new(
            "every",
            "is missing: say how often the job runs, like every = \"24h\", or when, like schedule = \"0 2 * * *\"",
        )),
        (Some(_), Some(_)) => f.problems.push(FieldError::new(
            "every",
            "cannot go with schedule: give one, every = \"24h\" for a job that runs once a day at any time, or schedule for one that runs at set times",
        )),
        _ => {}
    }
    if let Some(s) = &schedule
        && s.trim().is_empty()
    {
        f.problems.push(FieldError::new(
            "schedule",
            "is empty: write it in cron syntax, like \"0 2 * * *\" for 2am every day",
        ));
    }
    if timezone.is_some() && schedule.is_none() {
        f.problems.push(FieldError::new(
            "timezone",
            "goes with schedule: a job that runs every so often has no time zone; leave it out",
        ));
    }
    if let Some(tz) = &timezone
        && tz.trim().is_empty()
    {
        f.problems.push(FieldError::new(
            "timezone",
            "is empty: name a time zone like \"Europe/London\"",
        ));
    }
    if let Some(j) = &job {
        if j.trim().is_empty() {
            f.problems.push(FieldError::new(
                "job",
                "is empty: write what readers call the job, like \"The ESR export\", or leave it out to use the service's name",
            ));
        } else if j.chars().count() > JOB_NAME_MAX {
            f.problems.push(FieldError::new(
                "job",
                format!("is too long: use at most {JOB_NAME_MAX} characters"),
            ));
        }
    }
    grace.map(|grace| ProbeKind::Heartbeat {
        every,
        grace,
        schedule,
        timezone: timezone.unwrap_or_else(|| DEFAULT_TIMEZONE.to_string()),
        job: job.map(|j| j.trim().to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Probe;

    fn probe(toml_text: &str) -> Result<Probe, Vec<FieldError>> {
        let table: toml::Table = toml::from_str(toml_text).expect("toml");
        let serde_json::Value::Object(map) = serde_json::to_value(table).expect("json") else {
            panic!("a table")
        };
        Probe::from_fields(&map)
    }

    fn fields(errors: Vec<FieldError>) -> Vec<String> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_heartbeat_reads_with_its_defaults() {
        let p =
            probe("kind = \"heartbeat\"\nschedule = \"0 2 * * *\"\ngrace = \"1h\"").expect("reads");
        assert_eq!(
            p.kind,
            ProbeKind::Heartbeat {
                every: None,
                grace: HumanDuration::from_secs(3600),
                schedule: Some("0 2 * * *".into()),
                timezone: "Europe/London".into(),
                job: None,
            }
        );
        assert_eq!((p.fail_after, p.recover_after), (1, 1));
        assert_eq!(p.interval, HEARTBEAT_JUDGED_EVERY);
    }

    #[test]
    fn every_problem_of_a_heartbeat_is_named() {
        let errors = probe(
            "kind = \"heartbeat\"\nevery = \"24h\"\nschedule = \" \"\ngrace = \"0s\"\ninterval = \"30s\"\njob = \"\"",
        )
        .expect_err("refused");
        let named = fields(errors);
        for field in ["grace", "every", "schedule", "interval", "job"] {
            assert!(named.iter().any(|f| f == field), "{field} in {named:?}");
        }
        let errors = probe("kind = \"heartbeat\"").expect_err("refused");
        assert_eq!(fields(errors), ["grace", "every"]);
    }

    #[test]
    fn messages_are_kept_as_one_line_of_plain_text() {
        assert_eq!(
            clean_message("  export failed:\n\tfile\u{7} missing  ").as_deref(),
            Some("export failed: file missing")
        );
        assert_eq!(
            clean_message(&"x".repeat(PING_MESSAGE_MAX)).map(|m| m.len()),
            Some(500)
        );
        assert_eq!(clean_message(&"é".repeat(PING_MESSAGE_MAX + 1)), None);
    }

    #[test]
    fn lengths_of_time_read_as_words() {
        assert_eq!(duration_words(HumanDuration::from_secs(86_400)), "24 hours");
        assert_eq!(duration_words(HumanDuration::from_secs(3_600)), "1 hour");
        assert_eq!(
            duration_words(HumanDuration::from_secs(5_400)),
            "90 minutes"
        );
        assert_eq!(duration_words(HumanDuration::from_secs(2)), "2 seconds");
    }
}
