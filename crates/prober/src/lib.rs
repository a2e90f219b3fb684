//! Runs probes against TIS services, each on its own schedule, and hands every
//! [`ProbeResult`] to a sink: in-process with the server by default, or standalone,
//! pushing to a server's API (see [`push`]).

mod check;
pub mod dns;
pub mod guard;
pub mod push;
mod schedule;
mod tls;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tis_core::{FieldError, Probe, ProbeKind, ProbeResult, Service};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use check::{Checker, MAX_BODY, Outcome, not_public};
pub use schedule::{Lateness, Timetable};
pub use tls::not_after;

/// One probe with the ids that its results carry.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub id: String,
    pub service: String,
    pub probe: Probe,
}

/// Every probe of every service that the prober checks, with ids `"{service}/{n}"` (n
/// counts from 1, over all of the service's probes). Heartbeats are left out: the job
/// reports to the server, which judges them.
pub fn schedule(services: &[Service]) -> Vec<Scheduled> {
    services
        .iter()
        .flat_map(|s| {
            s.probes
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.kind.is_heartbeat())
                .map(|(i, p)| Scheduled {
                    id: tis_core::status::probe_id(&s.id, i),
                    service: s.id.clone(),
                    probe: p.clone(),
                })
        })
        .collect()
}

/// How probes are run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Most checks in flight at once. A check holds its place for at most its timeout, so
    /// hanging targets can slow others down only when this many hang at the same time.
    pub max_concurrent: usize,
    /// Put on every result: where the checks run from.
    pub location: Option<String>,
    /// What the prober must reach for its failures to be believed (see [`guard`]).
    pub canaries: Vec<tis_core::service::Canary>,
    /// How long one look at the canaries is trusted ([`guard::LOOK_EVERY`]).
    pub canaries_every: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            max_concurrent: 64,
            location: None,
            canaries: Vec::new(),
            canaries_every: guard::LOOK_EVERY,
        }
    }
}

/// What a run did, for the log when it stops and for the benchmark.
#[derive(Debug, Clone, Default)]
pub struct RunStats {
    /// How late each check started compared with its schedule.
    pub lateness: Lateness,
    /// Runs skipped because the prober fell a whole interval behind.
    pub skipped: u64,
}

impl std::fmt::Display for RunStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = &self.lateness;
        write!(
            f,
            "{} checks; started late by p50 {} ms, p95 {} ms, max {} ms; {} skipped",
            l.count(),
            l.percentile(50),
            l.percentile(95),
            l.max(),
            self.skipped
        )
    }
}

/// Runs each probe on its own timetable until `shutdown` turns true (or its sender goes),
/// sending results to `sink`, then returns what it did.
///
/// Each probe runs in its own task with a hard timeout, so a slow or hanging target only
/// holds up its own probe; at most `max_concurrent` checks run at once. On shutdown,
/// waiting and in-flight checks are dropped at once and their results not sent.
pub async fn run(
    probes: Vec<Scheduled>,
    checker: impl Into<Arc<Checker>>,
    sink: mpsc::Sender<ProbeResult>,
    shutdown: CancellationToken,
    options: RunOptions,
) -> RunStats {
    let checker: Arc<Checker> = checker.into();
    let permits = Arc::new(Semaphore::new(options.max_concurrent.max(1)));
    let stats = Arc::new(Mutex::new(RunStats::default()));
    let location = options.location.map(Arc::<str>::from);
    let guard = Arc::new(guard::Guard::with_look_every(
        options.canaries,
        options.canaries_every,
    ));
    let start = Instant::now();
    let mut tasks = JoinSet::new();
    for scheduled in probes {
        let checker = checker.clone();
        let permits = permits.clone();
        let stats = stats.clone();
        let sink = sink.clone();
        let location = location.clone();
        let shutdown = shutdown.clone();
        let guard = guard.clone();
        tasks.spawn(async move {
            let mut timetable = Timetable::new(scheduled.probe.interval.as_std(), start);
            loop {
                let due = timetable.next(Instant::now());
                if due.skipped > 0
                    && let Ok(mut s) = stats.lock()
                {
                    s.skipped += due.skipped;
                }
                let result = tokio::select! {
                    result = run_when_due(&checker, &scheduled, &permits, &stats, due.at) => result,
                    () = shutdown.cancelled() => return,
                };
                let Some(result) = result else { return };
                // Outside the place among `max_concurrent`: the canaries are asked at most
                // once per look, and waiting for that answer must not hold up other checks.
                let mut result = tokio::select! {
                    result = guard.judge(&checker, result) => result,
                    () = shutdown.cancelled() => return,
                };
                result.location = location.as_deref().map(str::to_string);
                tokio::select! {
                    sent = sink.send(result) => if sent.is_err() { return },
                    () = shutdown.cancelled() => return,
                }
            }
        });
    }
    drop(sink);
    while tasks.join_next().await.is_some() {}
    stats.lock().map(|s| s.clone()).unwrap_or_default()
}

/// Waits for the due time and a free place, then checks.
async fn run_when_due(
    checker: &Checker,
    scheduled: &Scheduled,
    permits: &Semaphore,
    stats: &Mutex<RunStats>,
    due: Instant,
) -> Option<ProbeResult> {
    tokio::time::sleep_until(due).await;
    let _permit = permits.acquire().await.ok()?;
    let late = Instant::now().saturating_duration_since(due);
    if let Ok(mut s) = stats.lock() {
        s.lateness.record(late);
    }
    Some(check_once(checker, scheduled).await)
}

/// Runs one check now, within the probe's timeout.
pub async fn check_once(checker: &Checker, scheduled: &Scheduled) -> ProbeResult {
    let at = Utc::now();
    let started = Instant::now();
    let timeout = scheduled.probe.timeout.as_std();
    // Lookups must answer a little before the whole check's time is up, so that a name
    // server that never answers shows as what it is, a lookup failure.
    let lookups_by = tokio::time::Instant::now() + timeout.mul_f64(0.9);
    let check = dns::within(lookups_by, checker.check(&scheduled.probe.kind));
    let outcome = match tokio::time::timeout(timeout, check).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed(
            tis_core::ErrorKind::Timeout,
            format!(
                "{} did not answer within {}",
                target(&scheduled.probe.kind),
                scheduled.probe.timeout
            ),
        ),
    };
    let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
    ProbeResult {
        probe: scheduled.id.clone(),
        service: scheduled.service.clone(),
        at,
        ok: outcome.error.is_none(),
        latency_ms,
        error_kind: outcome.error,
        detail: tis_core::service::clip_detail(outcome.detail),
        degraded: outcome.degraded,
        location: None,
    }
}

/// What a probe talks to, for messages.
fn target(kind: &ProbeKind) -> String {
    match kind {
        ProbeKind::Http { url, .. } => url.clone(),
        ProbeKind::Tcp { host, port } | ProbeKind::Tls { host, port, .. } => {
            format!("{host}:{port}")
        }
        ProbeKind::Oidc {
            token_url,
            then_url,
            ..
        } => match then_url {
            Some(then) => format!("signing in at {token_url} then calling {then}"),
            None => format!("signing in at {token_url}"),
        },
        ProbeKind::Heartbeat { job, .. } => job.clone().unwrap_or_else(|| "the job".into()),
    }
}

/// Whether the prober can use `value` as a web address.
pub fn check_url(value: &str) -> Result<(), String> {
    match reqwest::Url::parse(value) {
        Err(e) => Err(format!(
            "\"{value}\" is not a web address ({e}): write it like https://tis.example/health"
        )),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => Err(format!(
            "\"{value}\" starts with {}: a probe can only use https:// or http://",
            u.scheme()
        )),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => {
            Err(format!("\"{value}\" has no host name"))
        }
        Ok(_) => Ok(()),
    }
}

/// What else the prober itself must be able to use in a probe (URLs aside, see
/// [`check_url`]): headers it can send, a CA file it can read. `field` in each problem is
/// the config key.
pub fn validate(probe: &Probe) -> Vec<FieldError> {
    let mut problems = Vec::new();
    match &probe.kind {
        ProbeKind::Http {
            headers, method, ..
        } => {
            if reqwest::Method::from_bytes(method.as_bytes()).is_err() {
                problems.push(FieldError::new(
                    "method",
                    format!("\"{method}\" is not an HTTP method"),
                ));
            }
            for (name, value) in headers {
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
                    || reqwest::header::HeaderValue::from_str(value).is_err()
                {
                    problems.push(FieldError::new(
                        format!("headers.{name}"),
                        "cannot be sent as an HTTP header",
                    ));
                }
            }
        }
        ProbeKind::Tls {
            ca_file: Some(file),
            ..
        } => {
            let public = rustls::RootCertStore::empty();
            if let Err(e) = tls::roots_with(&public, file) {
                problems.push(FieldError::new("ca_file", e));
            }
        }
        ProbeKind::Tls { .. }
        | ProbeKind::Tcp { .. }
        | ProbeKind::Oidc { .. }
        | ProbeKind::Heartbeat { .. } => {}
    }
    problems
}

/// How long to wait between pushes that failed, growing to `max`.
pub(crate) fn backoff(attempt: u32, max: Duration) -> Duration {
    let secs = 1u64 << attempt.min(6);
    Duration::from_secs(secs).min(max)
}
