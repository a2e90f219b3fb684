//! Heartbeats: batch jobs that report in themselves (the ESR exchange). When each is due
//! (a period, or a cron schedule in its own time zone), what its reports say about it,
//! and the task that writes that judgement down as probe results, so that status,
//! uptime, history and alerts treat a missed heartbeat like any failed check.

mod due;
mod task;

pub use due::Due;
pub use task::keep_judging;

use chrono::{DateTime, Duration, Utc};
use tis_core::time::{date_words, to_uk, uk_time, zone_label};
use tis_core::{ErrorKind, FieldError, PingKind, ProbeKind, ProbeResult, Service};

use crate::store::HeartbeatRecord;

/// One heartbeat probe of the config, ready to judge.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    /// The probe id, e.g. `esr/2`.
    pub id: String,
    pub service: String,
    /// What readers call the job: "The ESR export".
    pub job: String,
    pub grace: Duration,
    pub due: Due,
    /// How often the judgement is written down while it does not change: the probe's
    /// `interval`, so its results are never stale while the server runs.
    pub judged_every: Duration,
}

impl Heartbeat {
    /// The heartbeat of probe `index` of `service`, if it is one. `None` also for a
    /// schedule that does not read, which the config check has already refused.
    pub fn of(service: &Service, index: usize) -> Option<Heartbeat> {
        let probe = service.probes.get(index)?;
        let ProbeKind::Heartbeat { grace, job, .. } = &probe.kind else {
            return None;
        };
        Some(Heartbeat {
            id: tis_core::status::probe_id(&service.id, index),
            service: service.id.clone(),
            job: job.clone().unwrap_or_else(|| service.name.clone()),
            grace: grace.as_chrono(),
            due: Due::of(&probe.kind).ok()?,
            judged_every: probe.interval.as_chrono(),
        })
    }
}

/// Every heartbeat in the config.
pub fn heartbeats(services: &[Service]) -> Vec<Heartbeat> {
    services
        .iter()
        .flat_map(|s| (0..s.probes.len()).filter_map(move |i| Heartbeat::of(s, i)))
        .collect()
}

/// Makes (or makes again, stopping the old one) the token of heartbeat `probe`, e.g.
/// `esr/2`; returns the token, which is not kept, and whether one was replaced. The error
/// says, in words, when `probe` is no heartbeat of `services`.
pub async fn make_token(
    store: &dyn crate::store::Store,
    services: &[Service],
    probe: &str,
    change: crate::store::Change<'_>,
) -> Result<(String, bool), String> {
    let found = services.iter().find_map(|s| {
        (0..s.probes.len())
            .find(|i| tis_core::status::probe_id(&s.id, *i) == probe)
            .map(|i| (s, i))
    });
    let Some((service, index)) = found else {
        let known: Vec<String> = heartbeats(services).into_iter().map(|h| h.id).collect();
        return Err(match known.as_slice() {
            [] => "there is no such probe, and this config has no heartbeats (probes with kind = \"heartbeat\")".to_string(),
            _ => format!("there is no such probe; the heartbeats are {}", known.join(", ")),
        });
    };
    if Heartbeat::of(service, index).is_none() {
        return Err(format!(
            "probe {probe} is a {} probe, not a heartbeat",
            service.probes[index].kind.name()
        ));
    }
    let token = crate::auth::new_token().map_err(|e| e.to_string())?;
    let replaced = store
        .set_heartbeat_token(probe, &crate::auth::sha256_hex(&token), change)
        .await
        .map_err(|e| e.to_string())?;
    Ok((token, replaced))
}

/// What the server checks in a heartbeat's config fields, as written, beyond what
/// `tis_core` can: that a `schedule` reads as cron, falls due, and its `timezone` exists.
/// `field` is the config key; fields of the wrong type are left to `tis_core`.
pub fn validate_fields(map: &serde_json::Map<String, serde_json::Value>) -> Vec<FieldError> {
    let Some(schedule) = map.get("schedule").and_then(|s| s.as_str()) else {
        return Vec::new();
    };
    if schedule.trim().is_empty() {
        return Vec::new();
    }
    let timezone = map
        .get("timezone")
        .and_then(|t| t.as_str())
        // An empty one is reported by `tis_core`; the schedule is still checked.
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(tis_core::service::DEFAULT_TIMEZONE);
    let kind = ProbeKind::Heartbeat {
        every: None,
        grace: tis_core::service::HumanDuration::from_secs(1),
        schedule: Some(schedule.to_string()),
        timezone: timezone.to_string(),
        job: None,
    };
    match Due::of(&kind) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

/// What a heartbeat's reports say at `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub ok: bool,
    pub error_kind: Option<ErrorKind>,
    /// Why it is down, for everyone: times and the job's name only, never what the job
    /// said (its message may name internal systems).
    pub reason: Option<String>,
    /// The same for staff, with the job's own message: the result's `detail`.
    pub detail: String,
}

impl Verdict {
    fn up(detail: String) -> Verdict {
        Verdict {
            ok: true,
            error_kind: None,
            reason: None,
            detail,
        }
    }

    fn down(kind: ErrorKind, reason: String, detail: String) -> Verdict {
        Verdict {
            ok: false,
            error_kind: Some(kind),
            reason: Some(reason),
            detail,
        }
    }

    /// The verdict as a probe result of `heartbeat` taken at `now` from `location`.
    pub fn result(&self, heartbeat: &Heartbeat, now: DateTime<Utc>, location: &str) -> ProbeResult {
        ProbeResult {
            probe: heartbeat.id.clone(),
            service: heartbeat.service.clone(),
            at: now,
            ok: self.ok,
            // Nothing was waited for: the run time is on the report, not the result.
            latency_ms: 0,
            error_kind: self.error_kind,
            detail: tis_core::service::clip_detail(self.detail.clone()),
            degraded: false,
            location: Some(location.to_string()),
        }
    }
}

/// "2:04am GMT on Tuesday 1 December", with the year when it is not this year's.
pub fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let day = date_words(to_uk(at).date_naive());
    let this_year = format!(" {}", to_uk(now).format("%Y"));
    let day = day.strip_suffix(&this_year).unwrap_or(&day).to_string();
    format!("{} {} on {day}", uk_time(at), zone_label(at))
}

/// Judges a heartbeat from its record at `now`.
///
/// The newest report decides first: a run that started and has not ended is fine until
/// `grace` after its start, then down; a failure is down until the next success. After
/// a success (or, before any, since its token was made) the next one is due one period
/// on (or at the schedule's next time after it), and down once that time and `grace`
/// have passed. A heartbeat with no token cannot report at all, so it is down from the
/// start, and staff are told how to make one.
pub fn judge(heartbeat: &Heartbeat, record: &HeartbeatRecord, now: DateTime<Utc>) -> Verdict {
    let job = &heartbeat.job;
    match record.pings.first() {
        Some(p) if p.kind == PingKind::Start => {
            let by = p.at + heartbeat.grace;
            if now > by {
                let reason = format!("{job} started at {} and has not finished", when(p.at, now));
                let detail = format!(
                    "{reason}: it was allowed until {} (grace {})",
                    when(by, now),
                    words(heartbeat.grace)
                );
                return Verdict::down(ErrorKind::Unfinished, reason, detail);
            }
            return Verdict::up(format!("{job} has been running since {}", when(p.at, now)));
        }
        Some(p) if p.kind == PingKind::Fail => {
            let reason = format!("{job} reported a failure at {}", when(p.at, now));
            let detail = if p.message.is_empty() {
                format!("{reason}, with no message")
            } else {
                format!("{reason}: {}", p.message)
            };
            return Verdict::down(ErrorKind::JobFailed, reason, detail);
        }
        _ => {}
    }
    let last_success = record
        .pings
        .iter()
        .find(|p| p.kind == PingKind::Success)
        .map(|p| p.at);
    let Some(from) = last_success.or(record.token_since) else {
        return Verdict::down(
            ErrorKind::Missed,
            format!("{job} has never reported"),
            format!(
                "{job} has never reported: it has no token yet. Make one with `tis-status heartbeat token {}` and give it to the job.",
                heartbeat.id
            ),
        );
    };
    let Some(due) = heartbeat.due.next_after(from) else {
        // A schedule with no time after this one (a year that has passed): nothing is due.
        return Verdict::up(String::new());
    };
    let by = due + heartbeat.grace;
    if now <= by {
        return Verdict::up(String::new());
    }
    let reason = match last_success {
        Some(at) => format!("{job} has not reported since {}", when(at, now)),
        None => format!("{job} has never reported"),
    };
    let detail = format!(
        "{reason}: a report was due by {} ({} after it was expected at {})",
        when(by, now),
        words(heartbeat.grace),
        when(due, now)
    );
    Verdict::down(ErrorKind::Missed, reason, detail)
}

/// Why a heartbeat is down, from the kind of failure its latest result records: for a
/// reading whose fresh look at the job says otherwise because its record changed a moment
/// after it was judged (a token made just then), so a service shown down always says why.
pub fn reason_of(heartbeat: &Heartbeat, kind: Option<ErrorKind>) -> String {
    let job = &heartbeat.job;
    match kind {
        Some(ErrorKind::Unfinished) => format!("{job} has not finished"),
        Some(ErrorKind::JobFailed) => format!("{job} reported a failure"),
        _ => format!("{job} has not reported in time"),
    }
}

fn words(d: Duration) -> String {
    let ms = u64::try_from(d.num_milliseconds()).unwrap_or(0);
    tis_core::service::duration_words(tis_core::service::HumanDuration::from_millis(ms))
}

#[cfg(test)]
mod tests;
