//! Running many probes at once: a hanging target holds up only its own probe, no more
//! checks run at once than allowed, and everything stops cleanly when asked.

mod targets;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tis_core::service::HumanDuration;
use tis_core::{ExpectStatus, Probe, ProbeKind, ProbeResult, Redirects};
use tis_prober::{Checker, RunOptions, RunStats, Scheduled};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use targets::{Behaviour, raw_target, serve};

/// Guards against a test hanging for ever if the prober is broken; never reached when
/// it works.
const GUARD: Duration = Duration::from_secs(60);

fn probe(service: &str, url: String, interval_ms: u64, timeout_ms: u64) -> Scheduled {
    Scheduled {
        id: format!("{service}/1"),
        service: service.into(),
        probe: Probe {
            kind: ProbeKind::Http {
                url,
                method: "GET".into(),
                headers: BTreeMap::new(),
                expect_status: ExpectStatus::Exactly(200),
                body_contains: None,
                json_pointer: None,
                expect_value: None,
                redirects: Redirects::Follow,
            },
            // Far below what config allows, so the test runs many rounds quickly.
            interval: HumanDuration::from_millis(interval_ms),
            timeout: HumanDuration::from_millis(timeout_ms),
            fail_after: 2,
            recover_after: 2,
            slow_ms: None,
        },
    }
}

struct Running {
    results: mpsc::Receiver<ProbeResult>,
    stop: CancellationToken,
    handle: tokio::task::JoinHandle<RunStats>,
}

fn start(probes: Vec<Scheduled>, options: RunOptions) -> Running {
    let (tx, results) = mpsc::channel(1024);
    let stop = CancellationToken::new();
    let handle = tokio::spawn(tis_prober::run(
        probes,
        Checker::new(),
        tx,
        stop.clone(),
        options,
    ));
    Running {
        results,
        stop,
        handle,
    }
}

async fn next(results: &mut mpsc::Receiver<ProbeResult>) -> ProbeResult {
    tokio::time::timeout(GUARD, results.recv())
        .await
        .expect("a result in time")
        .expect("the prober is still running")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_target_does_not_delay_other_probes() {
    let (hang_port, accepted) = raw_target(Behaviour::Hang).await;
    let fast = targets::estate().await;
    let mut probes = vec![probe(
        "hanging",
        format!("http://127.0.0.1:{hang_port}/health"),
        30_000,
        20_000,
    )];
    for n in 0..5 {
        probes.push(probe(
            &format!("fast-{n}"),
            format!("{fast}/up/health"),
            100,
            1_000,
        ));
    }
    let mut running = start(
        probes,
        RunOptions {
            max_concurrent: 2,
            location: Some("test-lab".into()),
            ..Default::default()
        },
    );
    while accepted.load(Ordering::SeqCst) == 0 {
        let r = next(&mut running.results).await;
        assert_ne!(r.service, "hanging", "the hanging probe answered: {r:?}");
    }
    // The hanging check is in flight, holding one of the two places, for 20 s.
    let mut counts: HashMap<String, usize> = HashMap::new();
    while counts.len() < 5 || counts.values().any(|n| *n < 3) {
        let r = next(&mut running.results).await;
        assert_ne!(r.service, "hanging", "the hanging probe answered: {r:?}");
        assert!(r.ok, "{r:?}");
        assert_eq!(r.location.as_deref(), Some("test-lab"));
        *counts.entry(r.service).or_default() += 1;
    }
    running.stop.cancel();
    let stats = tokio::time::timeout(GUARD, running.handle)
        .await
        .expect("stops in time")
        .unwrap();
    assert!(stats.lateness.count() >= 15, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_checks_run_at_once_than_allowed() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (now, max) = (in_flight.clone(), most.clone());
    let slow = serve(Router::new().route(
        "/slow",
        get(move || {
            let (now, max) = (now.clone(), max.clone());
            async move {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    ))
    .await;
    let probes = (0..12)
        .map(|n| probe(&format!("s-{n}"), format!("{slow}/slow"), 100, 2_000))
        .collect();
    let mut running = start(
        probes,
        RunOptions {
            max_concurrent: 3,
            location: None,
            ..Default::default()
        },
    );
    for _ in 0..40 {
        let r = next(&mut running.results).await;
        assert!(r.ok, "{r:?}");
    }
    running.stop.cancel();
    let _ = tokio::time::timeout(GUARD, running.handle).await;
    assert_eq!(
        most.load(Ordering::SeqCst),
        3,
        "twelve probes wanting to run at once were held to three"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_ends_every_probe_even_one_waiting_on_a_hanging_target() {
    let (hang_port, accepted) = raw_target(Behaviour::Hang).await;
    let fast = targets::estate().await;
    let mut running = start(
        vec![
            probe(
                "hanging",
                format!("http://127.0.0.1:{hang_port}/health"),
                30_000,
                25_000,
            ),
            probe("fast", format!("{fast}/up/health"), 100, 1_000),
        ],
        RunOptions::default(),
    );
    while accepted.load(Ordering::SeqCst) == 0 {
        next(&mut running.results).await;
    }
    running.stop.cancel();
    let stats = tokio::time::timeout(GUARD, running.handle)
        .await
        .expect("the prober stops without waiting for the hanging check")
        .unwrap();
    // Every probe task has ended, so the channel closes once drained.
    while let Some(r) = tokio::time::timeout(GUARD, running.results.recv())
        .await
        .expect("the channel closes")
    {
        assert_ne!(r.service, "hanging", "{r:?}");
    }
    assert!(stats.lateness.count() >= 2, "{stats}");
}
