//! The connectivity guard: before a failed check is believed, the prober checks that it
//! can reach the outside world at all, with the config's canaries. When none of them
//! answers either, the failure says the prober is cut off, not that the service is down,
//! and it is recorded as "could not check". Successes are always believed.

use std::sync::Arc;
use std::time::Duration;

use tis_core::service::{Canary, not_checked_detail};
use tis_core::{ErrorKind, Probe, ProbeResult};
use tokio::sync::Mutex;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::{Checker, Scheduled, check_once};

/// How long one look at the canaries is trusted. Every failure in that time shares it,
/// so a prober with hundreds of failing probes asks the canaries once, not per probe.
pub const LOOK_EVERY: Duration = Duration::from_secs(5);

/// What the canaries said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// At least one canary answered (or there are none): failures are believed.
    Reached,
    /// No canary answered: each, with why, e.g. "tis.example:443 (connect: connection
    /// refused)".
    CutOff(String),
}

/// The canaries and the last look at them, shared by every probe of one prober.
pub struct Guard {
    canaries: Vec<Canary>,
    look_every: Duration,
    /// Held while the canaries are asked, so failures that come in meanwhile wait for
    /// that answer instead of asking again.
    last: Mutex<Option<(Instant, Reach)>>,
}

impl Guard {
    pub fn new(canaries: Vec<Canary>) -> Guard {
        Guard::with_look_every(canaries, LOOK_EVERY)
    }

    /// A guard that trusts a look at its canaries for `look_every` (tests use less).
    pub fn with_look_every(canaries: Vec<Canary>, look_every: Duration) -> Guard {
        Guard {
            canaries,
            look_every,
            last: Mutex::new(None),
        }
    }

    /// Whether the prober can reach any of its canaries, from a look at most
    /// `look_every` old. Every canary is asked at once, each within its own timeout.
    pub async fn reach(&self, checker: &Arc<Checker>) -> Reach {
        if self.canaries.is_empty() {
            return Reach::Reached;
        }
        let mut last = self.last.lock().await;
        if let Some((at, reach)) = last.as_ref()
            && at.elapsed() < self.look_every
        {
            return reach.clone();
        }
        let mut asks = JoinSet::new();
        for (n, canary) in self.canaries.iter().enumerate() {
            let checker = checker.clone();
            let scheduled = Scheduled {
                id: format!("canary/{}", n + 1),
                service: String::new(),
                probe: Probe {
                    kind: canary.kind.clone(),
                    // Only the timeout matters to one check; the rest is never used.
                    interval: canary.timeout,
                    timeout: canary.timeout,
                    fail_after: 1,
                    recover_after: 1,
                    slow_ms: None,
                },
            };
            asks.spawn(async move { (n, check_once(&checker, &scheduled).await) });
        }
        let mut failed: Vec<(usize, String)> = Vec::new();
        let mut reached = false;
        while let Some(joined) = asks.join_next().await {
            let Ok((n, result)) = joined else { continue };
            if result.ok {
                reached = true;
                // One answer is enough: the network is there.
                asks.abort_all();
                break;
            }
            let kind = result.error_kind.unwrap_or(ErrorKind::Other).as_str();
            failed.push((
                n,
                format!("{} ({kind}: {})", self.canaries[n].label(), result.detail),
            ));
        }
        let reach = if reached {
            Reach::Reached
        } else {
            failed.sort();
            let names: Vec<String> = failed.into_iter().map(|(_, f)| f).collect();
            Reach::CutOff(names.join("; "))
        };
        if let Reach::CutOff(canaries) = &reach
            && !matches!(last.as_ref(), Some((_, Reach::CutOff(_))))
        {
            tracing::warn!(canaries = %canaries, "the prober cannot reach any of its canaries: failed checks are recorded as could not check");
        } else if reach == Reach::Reached && matches!(last.as_ref(), Some((_, Reach::CutOff(_)))) {
            tracing::info!("the prober reaches its canaries again");
        }
        *last = Some((Instant::now(), reach.clone()));
        reach
    }

    /// The result as it is to be believed: a failure while no canary answers becomes
    /// "could not check", naming the canaries; anything else is kept as it is.
    pub async fn judge(&self, checker: &Arc<Checker>, mut result: ProbeResult) -> ProbeResult {
        if result.ok || self.canaries.is_empty() {
            return result;
        }
        if let Reach::CutOff(canaries) = self.reach(checker).await {
            let kind = result.error_kind.unwrap_or(ErrorKind::Other).as_str();
            let said = format!("{kind}: {}", result.detail);
            result.detail = tis_core::service::clip_detail(not_checked_detail(&canaries, &said));
            result.error_kind = Some(ErrorKind::NotChecked);
        }
        result
    }
}
