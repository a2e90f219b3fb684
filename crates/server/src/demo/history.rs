//! The built-in demo's past: daily uptime for the days before it was started and the
//! moments its services went down and came back, all worked out from the demo incidents'
//! own times, so that a new demo shows uptime strips with those incidents in them.
//!
//! Demo data only. It is written once, when a demo store is new, and never for a real
//! config; from then on the demo's own probes write its history as any server's do.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use tis_core::status::probe_id;
use tis_core::uptime::{uk_date_of, uk_day_bounds};
use tis_core::{DailyUptime, ErrorKind, Incident, IncidentStatus, ProbeKind, ProbeResult, Service};
use tis_core::{Status, StatusChange};

use crate::demo::{latency_at, seed_of, typical_latency, unit};
use crate::store::{Store, StoreError};

/// How many UK days before today get a made-up history: the length of the uptime strips.
pub const DAYS: i64 = 90;
/// Where the made-up checks say they ran from, so that nobody takes them for real ones.
pub const LOCATION: &str = "demo history";
/// One check in this many gives the day's latency: enough for a steady median
/// and 95th percentile, few enough to work out ninety days at start-up in a blink.
const LATENCY_SAMPLE_EVERY: i64 = 30;

/// What [`seed`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub days: usize,
    pub status_changes: usize,
    pub probe_results: usize,
}

/// Writes the demo's past into `store`: daily uptime for the [`DAYS`] UK days before
/// `now`'s, status changes for every incident in that time or before, and yesterday's
/// checks one by one (the uptime of yesterday is worked out again from raw checks once a
/// minute, so it needs them). Parts already there are not written again, so a seed cut
/// short can simply be run again.
pub async fn seed(
    store: &dyn Store,
    services: &[Service],
    incidents: &[Incident],
    now: DateTime<Utc>,
) -> Result<Seeded, StoreError> {
    let past = Past::new(services, incidents, now);
    let today = uk_date_of(now);
    let first = today - Duration::days(DAYS);
    let yesterday = today - Duration::days(1);

    let days = past.daily_uptime(first, yesterday);
    store.save_daily_uptime(&days).await?;

    let epoch = DateTime::<Utc>::UNIX_EPOCH;
    let mut changes = Vec::new();
    if store.status_changes(None, epoch, now).await?.is_empty() {
        changes = past.status_changes();
        store.add_status_changes(&changes).await?;
    }

    let mut results = Vec::new();
    if store
        .probe_results_since(uk_day_bounds(yesterday).0)
        .await?
        .is_empty()
    {
        results = past.checks(yesterday);
        store.add_probe_results(&results).await?;
    }
    Ok(Seeded {
        days: days.len() / services.len().max(1),
        status_changes: changes.len(),
        probe_results: results.len(),
    })
}

/// A stretch of time when one service was in trouble, as one incident tells it.
#[derive(Debug, Clone)]
struct Trouble {
    service: String,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    status: Status,
    /// "because Sign-in is down", when the trouble came from something it depends on.
    reason: Option<String>,
    incident: String,
}

/// What a service was doing at some moment of the made-up past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// The status server itself was not checking (it was being updated): no data.
    Paused,
    Shown(Status),
}

struct Past<'a> {
    services: &'a [Service],
    troubles: HashMap<String, Vec<Trouble>>,
    /// Short stretches when nothing was checked at all, oldest first.
    pauses: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    now: DateTime<Utc>,
}

impl<'a> Past<'a> {
    fn new(services: &'a [Service], incidents: &[Incident], now: DateTime<Utc>) -> Self {
        let mut troubles: HashMap<String, Vec<Trouble>> = HashMap::new();
        for t in incidents.iter().flat_map(|i| troubles_of(services, i, now)) {
            troubles.entry(t.service.clone()).or_default().push(t);
        }
        let today = uk_date_of(now);
        // Never on a day of an incident, whose outage is then exactly as it tells.
        let calm = |date: NaiveDate| {
            let (start, end) = uk_day_bounds(date);
            !troubles
                .values()
                .flatten()
                .any(|t| t.from < end && start < t.to)
        };
        // A pause falls due on the strip's first day and every six weeks or so after,
        // and waits for the next calm day, so the strip holds one whatever today is.
        let mut due = true;
        let pauses = (1..DAYS)
            .rev()
            .map(|back| today - Duration::days(back))
            .filter_map(|date| {
                due |= pause_due(date);
                (due && calm(date)).then(|| {
                    due = false;
                    pause_on(date)
                })
            })
            .collect();
        Past {
            services,
            troubles,
            pauses,
            now,
        }
    }

    /// The service's state piece by piece from `from` to `to`: each piece holds one state.
    fn pieces(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>, State)> {
        let troubles = self.troubles.get(service).map(Vec::as_slice).unwrap_or(&[]);
        let mut edges = vec![from, to];
        for (a, b) in troubles
            .iter()
            .map(|t| (t.from, t.to))
            .chain(self.pauses.iter().copied())
        {
            edges.extend([a, b].into_iter().filter(|e| from < *e && *e < to));
        }
        edges.sort_unstable();
        edges.dedup();
        edges
            .windows(2)
            .map(|w| (w[0], w[1], self.state_at(troubles, w[0])))
            .collect()
    }

    fn state_at(&self, troubles: &[Trouble], at: DateTime<Utc>) -> State {
        if self.pauses.iter().any(|(a, b)| *a <= at && at < *b) {
            return State::Paused;
        }
        State::Shown(
            worst(troubles.iter().filter(|t| t.from <= at && at < t.to))
                .map_or(Status::Operational, |t| t.status),
        )
    }

    /// Daily uptime of every service for the UK days `first` to `last`.
    fn daily_uptime(&self, first: NaiveDate, last: NaiveDate) -> Vec<DailyUptime> {
        let mut days = Vec::new();
        for service in self.services {
            let mut date = first;
            while date <= last {
                days.push(self.day(service, date));
                date += Duration::days(1);
            }
        }
        days
    }

    fn day(&self, service: &Service, date: NaiveDate) -> DailyUptime {
        let (start, end) = uk_day_bounds(date);
        let end = end.min(self.now).max(start);
        let mut ms = [0i64; 3];
        let (mut checks, mut failed) = (0u32, 0u32);
        let mut latencies = Vec::new();
        let probes = ProbeModel::all(service);
        let pace = pace(service, date);
        for (from, to, state) in self.pieces(&service.id, start, end) {
            let length = (to - from).num_milliseconds();
            let status = match state {
                State::Paused => {
                    ms[2] += length;
                    continue;
                }
                State::Shown(status) => status,
            };
            match status {
                Status::MajorOutage | Status::PartialOutage => ms[0] += length,
                Status::Degraded => ms[1] += length,
                _ => {}
            }
            for probe in &probes {
                let n = probe.schedule.count(from, to);
                checks += n;
                if probe.fails(status) {
                    failed += n;
                    continue;
                }
                for at in probe.schedule.sampled(from, to) {
                    latencies.push(probe.check(at, status, pace).latency_ms);
                }
            }
        }
        latencies.sort_unstable();
        // Rounding running totals, as the core rules do, keeps the parts within the day.
        let minutes_down = minutes(ms[0]);
        let minutes_degraded = minutes(ms[0] + ms[1]) - minutes_down;
        let minutes_no_data = minutes(ms[0] + ms[1] + ms[2]) - minutes(ms[0] + ms[1]);
        DailyUptime {
            service: service.id.clone(),
            date,
            checks,
            failed_checks: failed,
            minutes: minutes((end - start).num_milliseconds()),
            minutes_down,
            minutes_degraded,
            minutes_no_data,
            median_latency_ms: percentile(&latencies, 50),
            p95_latency_ms: percentile(&latencies, 95),
        }
    }

    /// Each service going into trouble and out of it, oldest first; a trouble still going
    /// on has no way out yet (the demo's live checks say how it is now).
    fn status_changes(&self) -> Vec<StatusChange> {
        let mut changes = Vec::new();
        for service in self.services {
            let Some(troubles) = self.troubles.get(&service.id) else {
                continue;
            };
            let mut edges: Vec<DateTime<Utc>> =
                troubles.iter().flat_map(|t| [t.from, t.to]).collect();
            edges.sort_unstable();
            edges.dedup();
            let mut before = Status::Operational;
            for at in edges.into_iter().filter(|at| *at < self.now) {
                let now_in = worst(troubles.iter().filter(|t| t.from <= at && at < t.to));
                let after = now_in.map_or(Status::Operational, |t| t.status);
                if StatusChange::worth_keeping(before, after) {
                    changes.push(StatusChange {
                        service: service.id.clone(),
                        at,
                        from: before,
                        to: after,
                        reason: now_in.and_then(|t| t.reason.clone()),
                        detail: now_in.map_or_else(String::new, |t| {
                            format!("Demo history, from the incident \"{}\".", t.incident)
                        }),
                    });
                }
                before = after;
            }
        }
        changes.sort_by_key(|c| c.at);
        changes
    }

    /// Every check of every probe on the UK day `date`, as the probes would have stored
    /// them.
    fn checks(&self, date: NaiveDate) -> Vec<ProbeResult> {
        let (start, end) = uk_day_bounds(date);
        let end = end.min(self.now).max(start);
        let mut results = Vec::new();
        for service in self.services {
            let probes = ProbeModel::all(service);
            let pace = pace(service, date);
            for (from, to, state) in self.pieces(&service.id, start, end) {
                let State::Shown(status) = state else {
                    continue;
                };
                for probe in &probes {
                    for at in probe.schedule.every(from, to) {
                        let check = probe.check(at, status, pace);
                        results.push(ProbeResult {
                            probe: probe.id.clone(),
                            service: service.id.clone(),
                            at,
                            ok: check.ok,
                            latency_ms: check.latency_ms,
                            error_kind: check.error_kind,
                            detail: check.detail.to_string(),
                            degraded: check.degraded,
                            location: Some(LOCATION.to_string()),
                        });
                    }
                }
            }
        }
        results.sort_by_key(|r| r.at);
        results
    }
}

/// The troubles one incident tells of: each affected service in the status it lists, for
/// the whole time from the start to the resolution (or to `now`, if still going on).
///
/// A service listed as affected exactly as badly as something it depends on that is
/// also listed is shown as affected because of it, the way the live page would say it.
fn troubles_of(services: &[Service], incident: &Incident, now: DateTime<Utc>) -> Vec<Trouble> {
    let from = incident.started_at;
    // Trouble lasts until the fix: the incident's end, or, while it is still open, the
    // first update saying a fix is in and being watched. An incident left open for
    // weeks of watching (the demo's late emails) then troubles its first days only, and
    // the strip has calm days again whatever today is.
    let fixed = incident
        .updates
        .iter()
        .filter(|u| u.status == IncidentStatus::Monitoring)
        .map(|u| u.at)
        .min();
    let to = incident.resolved_at.or(fixed).unwrap_or(now).min(now);
    if from >= to {
        return Vec::new();
    }
    let listed: HashMap<&str, Status> = incident
        .affected
        .iter()
        .filter(|a| a.status.is_failing())
        .filter(|a| services.iter().any(|s| s.id == a.service))
        .map(|a| (a.service.as_str(), a.status))
        .collect();
    let inherits = |id: &str, status: Status| {
        needs(services, id)
            .iter()
            .any(|dep| listed.get(dep.as_str()) == Some(&status))
    };
    let own: HashMap<String, Status> = services
        .iter()
        .map(|s| {
            let status = match listed.get(s.id.as_str()) {
                Some(&status) if !inherits(&s.id, status) => status,
                _ => Status::Operational,
            };
            (s.id.clone(), status)
        })
        .collect();
    let shown = tis_core::deps::propagate(services, &own).unwrap_or_default();
    let mut troubles: Vec<Trouble> = listed
        .iter()
        .map(|(&id, &status)| Trouble {
            service: id.to_string(),
            from,
            to,
            status,
            reason: shown
                .get(id)
                .filter(|(s, _)| *s == status)
                .and_then(|(_, reason)| reason.clone()),
            incident: incident.title.clone(),
        })
        .collect();
    troubles.sort_by(|a, b| a.service.cmp(&b.service));
    troubles
}

/// Everything `id` depends on, directly or further along.
fn needs(services: &[Service], id: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut todo = vec![id.to_string()];
    while let Some(next) = todo.pop() {
        let Some(service) = services.iter().find(|s| s.id == next) else {
            continue;
        };
        for dep in &service.depends_on {
            if found.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    found.remove(id);
    found
}

fn worst<'t>(troubles: impl Iterator<Item = &'t Trouble>) -> Option<&'t Trouble> {
    troubles.max_by_key(|t| t.status.severity())
}

/// Whether the status server's own update falls due on `date`: every 41 days.
fn pause_due(date: NaiveDate) -> bool {
    date.num_days_from_ce() % 41 == 17
}

/// The status server's own update on `date`: a few minutes early in the morning when
/// nothing was checked. Shown as no data, never as down.
fn pause_on(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let day_number = i64::from(date.num_days_from_ce());
    let seed = seed_of("pause") ^ day_number as u64;
    let start_minute = 6 * 60 + (unit(seed) * 40.0) as i64;
    let length = 3 + (unit(seed ^ 1) * 7.0) as i64;
    let from = uk_day_bounds(date).0 + Duration::minutes(start_minute);
    (from, from + Duration::minutes(length))
}

/// When a probe runs: every interval, at its own offset within the interval.
struct Schedule {
    interval_ms: i64,
    offset_ms: i64,
}

impl Schedule {
    /// The number of the first run at or after `at`.
    fn first_from(&self, at: DateTime<Utc>) -> i64 {
        let since = at.timestamp_millis() - self.offset_ms;
        -((-since).div_euclid(self.interval_ms))
    }

    fn at(&self, run: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(run * self.interval_ms + self.offset_ms)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// How many runs start in `[from, to)`.
    fn count(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
        u32::try_from(self.first_from(to) - self.first_from(from)).unwrap_or(0)
    }

    fn every(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> {
        (self.first_from(from)..self.first_from(to)).map(|run| self.at(run))
    }

    /// One run in [`LATENCY_SAMPLE_EVERY`], counted from the same run every day.
    fn sampled(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> {
        let first = self.first_from(from);
        let first = first
            + (LATENCY_SAMPLE_EVERY - first.rem_euclid(LATENCY_SAMPLE_EVERY))
                % LATENCY_SAMPLE_EVERY;
        (first..self.first_from(to))
            .step_by(LATENCY_SAMPLE_EVERY as usize)
            .map(|run| self.at(run))
    }
}

/// How a service's day went for its users, a little quicker or slower than usual, as on
/// a real network: a factor on its usual answer times.
fn pace(service: &Service, date: NaiveDate) -> f64 {
    0.9 + 0.2 * unit(seed_of(&service.id) ^ u64::from(date.num_days_from_ce().unsigned_abs()))
}

/// One probe of a service, with what its made-up checks need worked out once.
struct ProbeModel {
    id: String,
    seed: u64,
    schedule: Schedule,
    typical: (u32, u32),
    /// Signs in first: one answer from the sign-in server, then one from the service.
    signs_in: bool,
    /// A heartbeat: the server's judgement of a job's reports, which takes no time, and
    /// fails as a report not made in time.
    heartbeat: bool,
    slow_ms: Option<u32>,
    timeout_ms: u32,
    /// It fails in a partial outage too: the service's last probe (a sign-in check, in
    /// the demo) fails while the others still answer.
    fails_partly: bool,
}

/// One made-up check.
struct Check {
    ok: bool,
    latency_ms: u32,
    degraded: bool,
    error_kind: Option<ErrorKind>,
    detail: &'static str,
}

impl ProbeModel {
    fn all(service: &Service) -> Vec<ProbeModel> {
        let count = service.probes.len();
        service
            .probes
            .iter()
            .enumerate()
            .map(|(index, probe)| {
                let id = probe_id(&service.id, index);
                let seed = seed_of(&id);
                let interval_ms = i64::try_from(probe.interval.as_std().as_millis())
                    .unwrap_or(i64::MAX)
                    .max(1000);
                ProbeModel {
                    schedule: Schedule {
                        interval_ms,
                        offset_ms: (unit(seed) * interval_ms as f64) as i64,
                    },
                    id,
                    seed,
                    typical: typical_latency(&service.id),
                    signs_in: matches!(probe.kind, ProbeKind::Oidc { .. }),
                    heartbeat: probe.kind.is_heartbeat(),
                    slow_ms: probe.slow_ms,
                    timeout_ms: u32::try_from(probe.timeout.as_std().as_millis())
                        .unwrap_or(u32::MAX),
                    fails_partly: count < 2 || index + 1 == count,
                }
            })
            .collect()
    }

    /// Whether this probe fails while its service shows `status`.
    fn fails(&self, status: Status) -> bool {
        match status {
            Status::MajorOutage => true,
            Status::PartialOutage => self.fails_partly,
            _ => false,
        }
    }

    /// The check that ran at `at` while the service showed `status`, on a day of `pace`.
    fn check(&self, at: DateTime<Utc>, status: Status, pace: f64) -> Check {
        if self.heartbeat {
            // The job does not run when its service is down, and is never slow: its
            // run time is on its reports, not on the server's judgement.
            let fails = self.fails(status);
            return Check {
                ok: !fails,
                latency_ms: 0,
                degraded: false,
                error_kind: fails.then_some(ErrorKind::Missed),
                detail: if fails {
                    "demo history: the job did not report in time"
                } else {
                    ""
                },
            };
        }
        let seed = self.seed ^ at.timestamp_millis().unsigned_abs();
        let mut latency = f64::from(latency_at(self.typical, unit(seed)));
        if self.signs_in {
            latency += f64::from(latency_at(typical_latency("sign-in"), unit(seed ^ 7)));
        }
        let latency_ms = (latency * pace).round() as u32;
        if self.fails(status) {
            let (error_kind, detail) = if self.signs_in {
                (
                    ErrorKind::Auth,
                    "demo history: could not get a token from the sign-in server",
                )
            } else {
                (
                    ErrorKind::Status,
                    "demo history: answered 503 Service Unavailable, expected 200",
                )
            };
            return Check {
                ok: false,
                latency_ms,
                degraded: false,
                error_kind: Some(error_kind),
                detail,
            };
        }
        if status == Status::Degraded {
            // Slow: over the probe's limit for slowness, still inside its timeout.
            let (latency_ms, degraded, detail) = match self.slow_ms {
                Some(limit) => (
                    (f64::from(limit) * (1.1 + 0.7 * unit(seed ^ 3))) as u32,
                    false,
                    "",
                ),
                None => (
                    latency_ms.saturating_mul(3),
                    true,
                    "demo history: answering slowly",
                ),
            };
            return Check {
                ok: true,
                latency_ms: latency_ms.min(self.timeout_ms.saturating_sub(1)),
                degraded,
                error_kind: None,
                detail,
            };
        }
        Check {
            ok: true,
            latency_ms,
            degraded: false,
            error_kind: None,
            detail: "",
        }
    }
}

/// Nearest-rank percentile of sorted values, as the core rules take it.
fn percentile(sorted: &[u32], pct: usize) -> Option<u32> {
    let rank = (sorted.len() * pct).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Milliseconds to whole minutes, half up, as the core rules round.
fn minutes(ms: i64) -> u32 {
    u32::try_from((ms.max(0) + 30_000) / 60_000).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
