//! Runs probes against TIS services, each on its own schedule, and hands every
//! [`ProbeResult`] to a sink. In-process with the server by default.

mod check;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tis_core::{Probe, ProbeResult, Service};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

pub use check::{Checker, Outcome};

/// One probe with the ids that its results carry.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub id: String,
    pub service: String,
    pub probe: Probe,
}

/// Every probe of every service, with ids `"{service}/{n}"` (n counts from 1).
pub fn schedule(services: &[Service]) -> Vec<Scheduled> {
    services
        .iter()
        .flat_map(|s| {
            s.probes.iter().enumerate().map(|(i, p)| Scheduled {
                id: tis_core::status::probe_id(&s.id, i),
                service: s.id.clone(),
                probe: p.clone(),
            })
        })
        .collect()
}

/// Runs each probe every `interval` until `shutdown` turns true, sending results to
/// `sink`. A slow or hanging target only holds up its own probe: each check has a hard
/// timeout and runs in its own task.
pub async fn run(
    probes: Vec<Scheduled>,
    checker: Checker,
    sink: mpsc::Sender<ProbeResult>,
    mut shutdown: watch::Receiver<bool>,
) {
    let checker = Arc::new(checker);
    let mut tasks = JoinSet::new();
    for (n, scheduled) in probes.into_iter().enumerate() {
        let checker = checker.clone();
        let sink = sink.clone();
        let mut shutdown = shutdown.clone();
        tasks.spawn(async move {
            // Spread first runs over a second so probes do not all fire at once.
            let offset = Duration::from_millis((n as u64 * 97) % 1000);
            let mut ticker = tokio::time::interval_at(
                tokio::time::Instant::now() + offset,
                scheduled.probe.interval.as_std(),
            );
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticker.tick() => {}
                    _ = shutdown.changed() => break,
                }
                let result = check_once(&checker, &scheduled).await;
                if sink.send(result).await.is_err() {
                    break;
                }
            }
        });
    }
    let _ = shutdown.changed().await;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

/// Runs one check now, within the probe's timeout.
pub async fn check_once(checker: &Checker, scheduled: &Scheduled) -> ProbeResult {
    let at = Utc::now();
    let started = tokio::time::Instant::now();
    let timeout = scheduled.probe.timeout.as_std();
    let outcome = match tokio::time::timeout(timeout, checker.check(&scheduled.probe.kind)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed(
            tis_core::ErrorKind::Timeout,
            format!("no answer within {}", scheduled.probe.timeout),
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
        detail: outcome.detail,
    }
}
