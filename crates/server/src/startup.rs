//! Starting and stopping the server. Every background task starts here, in one `JoinSet`
//! under one cancellation token, and every one is joined on shutdown, so nothing is cut
//! off half way (the shape of zero2prod's `Application::build` / `run_until_stopped`).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::alerts::deliver;
use crate::config::Config;
use crate::read::{live, snapshot, trends};

/// What `serve` needs once its config and store are ready.
pub struct Settings {
    pub config: Config,
    pub store: crate::SharedStore,
    /// Whether this is the built-in demo (the page says its data is not real).
    pub demo: bool,
    /// Looks up the secret a probe's config names; the process environment by default.
    pub checker: tis_prober::Checker,
    /// Where to listen; `[server] listen` when absent.
    pub listen: Option<SocketAddr>,
    /// The built browser app; only the API is served without it.
    pub assets: Option<PathBuf>,
}

/// A server that is listening, with its background tasks running.
pub struct Application {
    addr: SocketAddr,
    state: AppState,
    shutdown: CancellationToken,
    tasks: JoinSet<&'static str>,
}

impl Application {
    /// Binds the listener, loads the stored data and starts every task: the probes, the
    /// writer of their results, the snapshot, trends and status-change keepers, the
    /// outbox deliverer and the HTTP server.
    pub async fn build(settings: Settings) -> Result<Application, String> {
        let Settings {
            config,
            store,
            demo,
            checker,
            listen,
            assets,
        } = settings;
        crate::http::listen::raise_open_files();
        let listen = listen.unwrap_or(config.server.listen);
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let (results_tx, mut results_rx) = mpsc::channel(1024);
        let probes = tis_prober::schedule(&config.services);
        let options = tis_prober::RunOptions {
            max_concurrent: config.server.max_concurrent_probes,
            location: Some(config.location().to_string()),
            canaries: config.canaries.clone(),
            ..Default::default()
        };
        tracing::info!(
            probes = probes.len(),
            location = config.location(),
            "starting the probes"
        );
        let state = AppState::new(store, config, demo)
            .await
            .map_err(|e| format!("cannot load the stored data: {e}"))?;
        let (stop, lessee) = (shutdown.clone(), state.clone());
        tasks.spawn(async move {
            probe_while_leased(lessee, probes, checker, results_tx, options, stop).await;
            "prober"
        });
        let writer = state.clone();
        tasks.spawn(async move {
            // Results that arrive together are written in one transaction. The prober's
            // end drops the last sender, so what is queued is written before this ends.
            let mut batch = Vec::new();
            while results_rx.recv_many(&mut batch, 256).await > 0 {
                match writer.store.add_probe_results(&batch).await {
                    Ok(()) => {
                        writer.metrics.observe_results(&batch);
                        writer.changed()
                    }
                    Err(e) => {
                        tracing::error!(error = %e, results = batch.len(), "could not store probe results")
                    }
                }
                batch.clear();
            }
            "result writer"
        });
        let (s, c) = (|| state.clone(), || shutdown.clone());
        start(&mut tasks, "trends", trends::keep_fresh(s(), c()));
        start(&mut tasks, "snapshots", snapshot::keep_fresh(s(), c()));
        let (follower, rebuild, stop) = (state.clone(), state.clone(), c());
        start(&mut tasks, "other replicas' changes", async move {
            let changed: crate::store::OnChange = std::sync::Arc::new(move || rebuild.changed());
            follower.store.follow_changes(changed, stop).await;
        });
        start(&mut tasks, "status changes", live::record_changes(s(), c()));
        start(
            &mut tasks,
            "heartbeats",
            crate::heartbeat::keep_judging(s(), c()),
        );
        // Sends under way finish (each within its timeout); the rest wait in the outbox.
        start(&mut tasks, "outbox", deliver::run(s(), c()));
        start(
            &mut tasks,
            "subscriptions",
            crate::subscriptions::tasks::run(s(), c()),
        );

        if assets.is_none() {
            tracing::warn!("no --assets given: only the API is served");
        }
        let app = crate::app(state.clone(), assets);
        let stop = shutdown.clone();
        tasks.spawn(async move {
            crate::http::listen::serve(listener, app, stop).await;
            "HTTP server"
        });
        Ok(Application {
            addr,
            state,
            shutdown,
            tasks,
        })
    }

    /// The address it listens on (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What its handlers reach: the store, the snapshots and the config. Tests ask it
    /// directly, in process, what the server answers over HTTP.
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Runs until `stop` resolves or a task fails, then stops every task and waits for
    /// each to finish.
    pub async fn run_until_stopped(mut self, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => {
                    tracing::info!("shutting down: finishing requests in progress");
                    break;
                }
                Some(ended) = self.tasks.join_next() => match ended {
                    // The prober and its writer end at once when there is nothing to probe.
                    Ok(name) => tracing::debug!(task = name, "finished"),
                    // A task that panicked leaves the server half working: stop it all, so
                    // that whatever runs it starts it again.
                    Err(e) => {
                        tracing::error!(error = %e, "a task failed: shutting down");
                        break;
                    }
                },
            }
        }
        self.shutdown.cancel();
        while let Some(ended) = self.tasks.join_next().await {
            match ended {
                Ok(name) => tracing::debug!(task = name, "stopped"),
                Err(e) => tracing::error!(error = %e, "a task failed while stopping"),
            }
        }
    }
}

/// Runs the probes while this server holds the lease on its location's probes, taking
/// it again whenever it is lost, until `stop`. With several replicas on one database
/// exactly one probes each location; the others wait, and one takes over when the
/// holder dies. A store one server owns grants the lease at once.
async fn probe_while_leased(
    state: AppState,
    probes: Vec<tis_prober::Scheduled>,
    checker: tis_prober::Checker,
    results: mpsc::Sender<tis_core::ProbeResult>,
    options: tis_prober::RunOptions,
    stop: CancellationToken,
) {
    if probes.is_empty() {
        return;
    }
    let checker = std::sync::Arc::new(checker);
    let location = state.config.location().to_string();
    loop {
        let lease = match state.store.lead_probes(&location, &stop).await {
            Ok(Some(lease)) => lease,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, location, "cannot ask for the probe lease");
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => continue,
                    () = stop.cancelled() => return,
                }
            }
        };
        tracing::info!(location, "this server runs the probes of its location");
        state.metrics.set_probes_running(true);
        let running = stop.child_token();
        let run = tis_prober::run(
            probes.clone(),
            checker.clone(),
            results.clone(),
            running.clone(),
            options.clone(),
        );
        tokio::pin!(run);
        let stats = tokio::select! {
            stats = &mut run => stats,
            () = lease.lost.cancelled() => {
                running.cancel();
                run.await
            }
        };
        state.metrics.set_probes_running(false);
        tracing::info!(location, "prober stopped: {stats}");
        // Dropping the lease lets another server take it.
        drop(lease);
        if stop.is_cancelled() {
            return;
        }
    }
}

/// Starts one background task in the set every task is joined from, named for the log
/// line that says it has stopped.
fn start(
    tasks: &mut JoinSet<&'static str>,
    name: &'static str,
    running: impl Future<Output = ()> + Send + 'static,
) {
    tasks.spawn(async move {
        running.await;
        name
    });
}
