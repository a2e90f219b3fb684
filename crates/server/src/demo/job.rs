//! The demo's ESR-like batch job: an in-process task that does what a real job's crontab
//! line does, over real HTTP to this server's own heartbeat endpoint with the
//! heartbeat's token: `start`, a few seconds' work, then success, every period.

use std::net::SocketAddr;
use std::time::Duration;

use tis_core::ProbeKind;

use crate::config::Config;
use crate::store::{Change, Store};

/// The demo's job: the ESR exchange's heartbeat.
pub const JOB_PROBE: &str = "esr-integration/3";

/// A job ready to run: with what token, how often, and how many times (`None`: until the
/// process ends).
pub struct DemoJob {
    token: String,
    every: Duration,
    runs: Option<u64>,
}

/// A job running against one server.
struct Running {
    job: DemoJob,
    start_url: String,
    success_url: String,
}

/// Makes the demo job's token (a new one on each start, as the old one's secret is not
/// kept), before the server judges the heartbeat, so it never reads as "never reported".
/// `broken` (`--demo-break esr-job`): the job runs once, then stops, so its heartbeat is
/// soon missed.
pub async fn prepare(store: &dyn Store, config: &Config, broken: bool) -> Result<DemoJob, String> {
    let (token, _) =
        crate::heartbeat::make_token(store, &config.services, JOB_PROBE, Change::now("demo"))
            .await?;
    let every = config
        .services
        .iter()
        .flat_map(|s| s.probes.iter())
        .find_map(|p| match &p.kind {
            ProbeKind::Heartbeat {
                every: Some(every), ..
            } => Some(every.as_std()),
            _ => None,
        })
        .unwrap_or(Duration::from_secs(30));
    Ok(DemoJob {
        token,
        every,
        runs: broken.then_some(1),
    })
}

impl DemoJob {
    /// Runs the job against the server at `addr`, in the background.
    pub fn start(self, addr: SocketAddr) {
        let (service, n) = JOB_PROBE.split_once('/').unwrap_or((JOB_PROBE, "1"));
        let base = format!("http://{addr}/api/v1/heartbeats/{service}/{n}");
        let running = Running {
            job: self,
            start_url: format!("{base}/start"),
            success_url: base,
        };
        tokio::spawn(async move { running.run().await });
    }
}

impl Running {
    async fn run(self) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        let mut ticks = tokio::time::interval(self.job.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut run = 0u64;
        loop {
            ticks.tick().await;
            if self.job.runs.is_some_and(|runs| run >= runs) {
                tracing::warn!("the demo ESR job has stopped on purpose (--demo-break esr-job)");
                return;
            }
            run += 1;
            if let Err(e) = self.report(&client, &self.start_url).await {
                tracing::warn!(error = %e, "the demo ESR job could not report its start");
                continue;
            }
            // The "work": a few seconds, different each run, as a real export's would be.
            let work = 2_000 + (super::unit(run) * 3_000.0) as u64;
            tokio::time::sleep(Duration::from_millis(work)).await;
            if let Err(e) = self.report(&client, &self.success_url).await {
                tracing::warn!(error = %e, "the demo ESR job could not report its success");
            }
        }
    }

    async fn report(&self, client: &reqwest::Client, url: &str) -> Result<(), String> {
        let answer = client
            .post(url)
            .bearer_auth(&self.job.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(format!("{url} answered {}", answer.status()))
        }
    }
}
