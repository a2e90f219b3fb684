//! The connectivity guard against real targets on 127.0.0.1: with its canaries
//! unreachable a failing probe is recorded as "could not check", with them reachable the
//! real failure is recorded, and real results resume when the canaries come back.

mod targets;

use std::sync::atomic::Ordering;
use std::time::Duration;

use tis_core::service::{Canary, HumanDuration, unreached_canaries};
use tis_core::{ErrorKind, Probe, ProbeKind, ProbeResult};
use tis_prober::{Checker, RunOptions, Scheduled};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use targets::{Behaviour, closed_port, raw_target};

/// Guards against a test hanging for ever if the prober is broken; never reached when
/// it works.
const GUARD: Duration = Duration::from_secs(60);

fn tcp_probe(service: &str, port: u16) -> Scheduled {
    Scheduled {
        id: format!("{service}/1"),
        service: service.into(),
        probe: Probe {
            kind: ProbeKind::Tcp {
                host: "127.0.0.1".into(),
                port,
            },
            // Far below what config allows, so the test runs many rounds quickly.
            interval: HumanDuration::from_millis(100),
            timeout: HumanDuration::from_millis(2_000),
            fail_after: 2,
            recover_after: 2,
            slow_ms: None,
        },
    }
}

fn canary(name: &str, port: u16) -> Canary {
    Canary {
        name: Some(name.into()),
        kind: ProbeKind::Tcp {
            host: "127.0.0.1".into(),
            port,
        },
        timeout: HumanDuration::from_millis(2_000),
    }
}

struct Running {
    results: mpsc::Receiver<ProbeResult>,
    stop: CancellationToken,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn start(probes: Vec<Scheduled>, canaries: Vec<Canary>, look_every: Duration) -> Running {
    let (tx, results) = mpsc::channel(1024);
    let stop = CancellationToken::new();
    tokio::spawn(tis_prober::run(
        probes,
        Checker::new(),
        tx,
        stop.clone(),
        RunOptions {
            canaries,
            canaries_every: look_every,
            ..Default::default()
        },
    ));
    Running { results, stop }
}

/// The next result of `service` that `wanted` accepts; every other result of it is
/// handed to `seen` on the way.
async fn wait_for(
    running: &mut Running,
    service: &str,
    mut seen: impl FnMut(&ProbeResult),
    wanted: impl Fn(&ProbeResult) -> bool,
) -> ProbeResult {
    tokio::time::timeout(GUARD, async {
        loop {
            let r = running.results.recv().await.expect("the prober is running");
            if r.service != service {
                continue;
            }
            if wanted(&r) {
                return r;
            }
            seen(&r);
        }
    })
    .await
    .expect("the result came in time")
}

fn not_checked(r: &ProbeResult) -> bool {
    r.error_kind == Some(ErrorKind::NotChecked)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_while_no_canary_answers_is_recorded_as_could_not_check() {
    let (up, _) = raw_target(Behaviour::Reset).await;
    let mut running = start(
        vec![
            tcp_probe("failing", closed_port()),
            tcp_probe("working", up),
        ],
        vec![
            canary("the gateway", closed_port()),
            canary("the front door", closed_port()),
        ],
        Duration::from_millis(200),
    );
    let mut real = Vec::new();
    let r = wait_for(&mut running, "failing", |r| real.push(r.clone()), |_| true).await;
    assert!(!r.ok);
    assert!(
        not_checked(&r),
        "recorded as could not check, not as the target's own failure: {r:?}"
    );
    let canaries = unreached_canaries(&r.detail);
    assert!(
        canaries.contains("the gateway (127.0.0.1:") && canaries.contains("the front door"),
        "the detail names every canary that failed: {}",
        r.detail
    );
    assert!(
        r.detail.contains("connect: "),
        "and keeps what the check said: {}",
        r.detail
    );
    // A success is always believed, cut off or not.
    let ok = wait_for(&mut running, "working", |_| {}, |_| true).await;
    assert!(ok.ok && ok.error_kind.is_none(), "{ok:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_while_a_canary_answers_is_the_real_failure() {
    let (reachable, _) = raw_target(Behaviour::Reset).await;
    let mut running = start(
        vec![tcp_probe("failing", closed_port())],
        // One canary answering is enough: the network is there.
        vec![
            canary("down", closed_port()),
            canary("the gateway", reachable),
        ],
        Duration::from_millis(200),
    );
    for _ in 0..3 {
        let r = wait_for(&mut running, "failing", |_| {}, |_| true).await;
        assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_results_resume_when_the_canaries_come_back() {
    let canary_port = closed_port();
    let mut running = start(
        vec![tcp_probe("failing", closed_port())],
        vec![canary("the gateway", canary_port)],
        Duration::from_millis(100),
    );
    wait_for(&mut running, "failing", |_| {}, not_checked).await;
    // The network comes back: the canary's port answers.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", canary_port))
        .await
        .expect("the canary's port is still free");
    tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    let r = wait_for(&mut running, "failing", |_| {}, |r| !not_checked(r)).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");
    // And it stays that way.
    let r = wait_for(&mut running, "failing", |_| {}, |_| true).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_failures_share_one_look_at_the_canaries() {
    let (canary_port, asked) = raw_target(Behaviour::Reset).await;
    let look_every = Duration::from_millis(500);
    let probes: Vec<Scheduled> = (0..10)
        .map(|n| tcp_probe(&format!("failing-{n}"), closed_port()))
        .collect();
    let started = std::time::Instant::now();
    let mut running = start(probes, vec![canary("the gateway", canary_port)], look_every);
    let mut failures = 0u32;
    while failures < 60 {
        let r = tokio::time::timeout(GUARD, running.results.recv())
            .await
            .expect("a result in time")
            .expect("the prober is running");
        assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");
        failures += 1;
    }
    running.stop.cancel();
    let elapsed = started.elapsed();
    let looks = asked.load(Ordering::SeqCst) as u128;
    let most = elapsed.as_millis() / look_every.as_millis() + 1;
    assert!(
        looks <= most,
        "{failures} failures in {elapsed:?} asked the canary {looks} times; one look per {look_every:?} allows {most}"
    );
}
