//! A standalone prober's sink: results pushed in batches to a server's
//! `POST /api/v1/probe-results`, kept and retried while the server cannot be reached.

use std::collections::VecDeque;
use std::time::Duration;

use tis_core::ProbeResult;
use tis_core::uptime::earliest_countable;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Results per request; the server takes at most 1000.
const BATCH: usize = 500;
/// Results kept while the server cannot be reached; older ones go first beyond this.
const MAX_QUEUED: usize = 20_000;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Pushes are at least this far apart while results keep coming, so a large estate makes
/// one push a second rather than one per result (the server limits pushes per token).
const MIN_GAP: Duration = Duration::from_secs(1);

/// Where results go.
#[derive(Debug, Clone)]
pub struct PushTarget {
    /// The full address of the endpoint.
    pub endpoint: reqwest::Url,
    pub token: String,
}

impl PushTarget {
    /// From a server's address (`https://status.example`) or the endpoint's own.
    pub fn new(url: &str, token: String) -> Result<PushTarget, String> {
        let mut endpoint = reqwest::Url::parse(url).map_err(|e| {
            format!("--push {url} is not a web address ({e}): give the server's address, like https://status.example")
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(format!("--push {url}: use an https:// or http:// address"));
        }
        if !endpoint.path().ends_with("/api/v1/probe-results") {
            let base = endpoint.path().trim_end_matches('/').to_string();
            endpoint.set_path(&format!("{base}/api/v1/probe-results"));
        }
        Ok(PushTarget { endpoint, token })
    }
}

/// What pushing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushStats {
    pub accepted: u64,
    /// Refused by the server as invalid (they would never be accepted), or dropped when
    /// too many were waiting.
    pub dropped: u64,
}

/// Pushes every result from `results` until the prober stops sending (its sender is
/// dropped), then tries a few more times to deliver what is left.
pub async fn push(mut results: mpsc::Receiver<ProbeResult>, target: PushTarget) -> PushStats {
    let client = reqwest::Client::builder()
        .user_agent(concat!("tis-status-prober/", env!("CARGO_PKG_VERSION")))
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap_or_default();
    let mut queue: VecDeque<ProbeResult> = VecDeque::new();
    let mut stats = PushStats::default();
    let mut failures = 0u32;
    let mut open = true;
    let mut last_push: Option<Instant> = None;
    loop {
        if open && queue.is_empty() {
            let mut batch = Vec::new();
            if results.recv_many(&mut batch, BATCH).await == 0 {
                open = false;
            }
            queue.extend(batch);
        } else if open {
            // Take what has arrived meanwhile, without waiting.
            loop {
                match results.try_recv() {
                    Ok(r) => queue.push_back(r),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
        }
        while queue.len() > MAX_QUEUED {
            queue.pop_front();
            stats.dropped += 1;
        }
        // After a long time cut off, results from days whose uptime is already final would
        // be refused, and with them the newer ones in the same batch: leave them out.
        let earliest = earliest_countable(chrono::Utc::now());
        let before = queue.len();
        queue.retain(|r| r.at >= earliest);
        if queue.len() < before {
            let too_old = before - queue.len();
            stats.dropped += too_old as u64;
            tracing::warn!(
                too_old,
                "left out results from before {earliest}: the server no longer counts them towards uptime"
            );
        }
        if queue.is_empty() {
            if open {
                continue;
            }
            return stats;
        }
        if open
            && queue.len() < BATCH
            && let Some(wait) = last_push.and_then(|at| MIN_GAP.checked_sub(at.elapsed()))
        {
            tokio::time::sleep(wait).await;
            continue;
        }
        last_push = Some(Instant::now());
        let n = queue.len().min(BATCH);
        let batch: Vec<&ProbeResult> = queue.iter().take(n).collect();
        let asked = match send(&client, &target, &batch).await {
            Sent::Accepted => {
                queue.drain(..n);
                stats.accepted += n as u64;
                failures = 0;
                continue;
            }
            Sent::Invalid(problem) => {
                tracing::error!(results = n, %problem, "the server refused these results as invalid: check that this prober's config matches the server's");
                queue.drain(..n);
                stats.dropped += n as u64;
                continue;
            }
            Sent::Later(problem, wait) => {
                failures += 1;
                tracing::warn!(waiting = queue.len(), %problem, "could not push results; trying again");
                wait
            }
        };
        // Once the prober has stopped, a server that stays away cannot hold us for long.
        if !open && failures >= 3 {
            stats.dropped += queue.len() as u64;
            tracing::error!(
                lost = queue.len(),
                "stopping with results the server never took"
            );
            return stats;
        }
        // Once stopping, retries come quickly: whoever stops us will not wait for long.
        let wait = if open {
            asked.unwrap_or_else(|| crate::backoff(failures, MAX_BACKOFF))
        } else {
            Duration::from_secs(1)
        };
        tokio::time::sleep(wait).await;
    }
}

enum Sent {
    Accepted,
    /// Retrying would not help.
    Invalid(String),
    /// Worth trying again; after the wait the server asked for, if it did.
    Later(String, Option<Duration>),
}

async fn send(client: &reqwest::Client, target: &PushTarget, batch: &[&ProbeResult]) -> Sent {
    let response = client
        .post(target.endpoint.clone())
        .bearer_auth(&target.token)
        .json(&serde_json::json!({ "results": batch }))
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => {
            return Sent::Later(format!("{} cannot be reached: {e}", target.endpoint), None);
        }
    };
    let status = response.status();
    if status.is_success() {
        return Sent::Accepted;
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|secs| Duration::from_secs(secs.min(MAX_BACKOFF.as_secs())));
    let body = response.text().await.unwrap_or_default();
    let said = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            let detail = v.get("detail")?.as_str()?.to_string();
            let fields = v
                .get("errors")
                .and_then(|e| e.as_array())
                .map(|errors| {
                    errors
                        .iter()
                        .filter_map(|e| {
                            Some(format!(
                                "{}: {}",
                                e.get("field")?.as_str()?,
                                e.get("message")?.as_str()?
                            ))
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            Some(format!("{detail} {fields}").trim().to_string())
        })
        .unwrap_or(body);
    match status.as_u16() {
        400 | 413 | 422 => Sent::Invalid(format!("{status}: {said}")),
        401 | 403 => Sent::Later(
            format!(
                "{status}: the server refused the token ({said}); create one with `tis-status token create --role prober`"
            ),
            None,
        ),
        _ => Sent::Later(format!("{status}: {said}"), retry_after),
    }
}
