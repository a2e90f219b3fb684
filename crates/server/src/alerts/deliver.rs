//! The delivery worker: takes due messages from the outbox, sends each to its channel,
//! and records the outcome; a failure is tried again later, backing off exponentially.
//! A message held by a sender that died (`kill -9` mid-send) is sent again after a
//! restart, with the same id, so the receiver can tell it has it already.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use tis_core::alert::Alert;

use super::channels::{SEND_TIMEOUT, Sender};
use crate::AppState;
use crate::store::{DeliveryFailure, Lane, OutboxEntry};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How long a sender holds a message: longer than a try can take.
fn lease() -> Duration {
    Duration::from_std(SEND_TIMEOUT).unwrap_or_default() + Duration::seconds(20)
}

/// Messages taken per look, and sent at once.
const BATCH: u32 = 64;
pub const AT_ONCE: usize = 16;
/// Tries before giving up: with the backoff below, about two hours of trying.
pub const MAX_ATTEMPTS: u32 = 20;
/// The longest wait between looks when nothing wakes the worker.
const IDLE: StdDuration = StdDuration::from_secs(1);
/// Messages to subscribers taken per look: about this much sending at the configured
/// rate, so that a batch is sent well within its lease however slow the rate.
const PACED_BATCH_SECS: f64 = 2.0;

/// The wait before try `attempts + 1`: 2 s, 4 s, 8 s … at most 10 minutes.
pub fn backoff(attempts: u32) -> Duration {
    let seconds = 2i64.saturating_pow(attempts.clamp(1, 20)).min(600);
    Duration::seconds(seconds)
}

/// Delivers outbox messages until `shutdown` is cancelled: team alerts as fast as they
/// come, and messages to subscribers apart from them at `[subscriptions] send_rate`, so
/// that a fan-out to thousands never holds an alert up.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let sender = Arc::new(Sender::new(&state.config));
    // This store belongs to this one server, so any message still held is held by a
    // process that has died. (A store shared by several servers relies on the lease.)
    match state.store.release_outbox_claims().await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            messages = n,
            "messages were being sent when the server last stopped: sending them again, with the same ids"
        ),
        Err(e) => tracing::error!(error = %e, "could not release the outbox"),
    }
    let rate = state
        .config
        .subscriptions
        .as_ref()
        .map(|s| s.send_rate)
        .unwrap_or_default();
    // One steady message every interval, never a burst: a mail server that limits a
    // sender counts like this too.
    let pace = governor::Quota::with_period(rate.interval())
        .map(|quota| Arc::new(governor::RateLimiter::direct(quota)));
    let paced_batch = (rate.per_second() * PACED_BATCH_SECS).clamp(1.0, f64::from(BATCH)) as u32;
    // Every write wakes the worker with `notify_one`; each lane has its own wake-up, so
    // that one lane busy sending takes no wake-up from the other.
    let (alerts, subscribers) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let wake = async {
        loop {
            tokio::select! {
                _ = state.outbox.notified() => {
                    alerts.notify_one();
                    subscribers.notify_one();
                }
                () = shutdown.cancelled() => return,
            }
        }
    };
    tokio::join!(
        wake,
        lane(
            state.clone(),
            sender.clone(),
            Lane::Alerts,
            alerts.clone(),
            BATCH,
            None,
            shutdown.clone(),
        ),
        lane(
            state.clone(),
            sender.clone(),
            Lane::Subscribers,
            subscribers.clone(),
            paced_batch,
            pace,
            shutdown.clone(),
        ),
    );
}

/// Sends the messages of one lane, each after `pace` allows it, if paced.
async fn lane(
    state: AppState,
    sender: Arc<Sender>,
    lane: Lane,
    wake: Arc<Notify>,
    batch: u32,
    pace: Option<Arc<governor::DefaultDirectRateLimiter>>,
    shutdown: CancellationToken,
) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        let now = Utc::now();
        let claimed = match state.store.claim_outbox(lane, now, lease(), batch).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(error = %e, "could not read the outbox");
                Vec::new()
            }
        };
        if claimed.is_empty() {
            let wait = match state.store.outbox_next_due(lane).await {
                Ok(Some(due)) => (due - Utc::now()).to_std().unwrap_or_default().min(IDLE),
                _ => IDLE,
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => return,
            }
            continue;
        }
        let full = claimed.len() == batch as usize;
        // Each message waits its turn before it is started, and several are in flight at
        // once, so the rate holds however long the mail server takes to answer. On
        // shutdown no new message is started; those not started are let go at the next
        // start, never having been sent.
        futures_util::stream::iter(claimed)
            .then(|entry| {
                let pace = pace.clone();
                async move {
                    if let Some(pace) = pace {
                        pace.until_ready().await;
                    }
                    entry
                }
            })
            .take_until(shutdown.clone().cancelled_owned())
            .map(|entry| {
                let state = state.clone();
                let sender = sender.clone();
                async move { deliver_one(&state, &sender, entry).await }
            })
            .buffer_unordered(AT_ONCE)
            .collect::<Vec<()>>()
            .await;
        if !full {
            // Let others write between batches.
            tokio::task::yield_now().await;
        }
    }
}

async fn deliver_one(state: &AppState, sender: &Sender, entry: OutboxEntry) {
    let outcome = send(state, sender, &entry).await;
    let now = Utc::now();
    let recorded = match &outcome {
        Ok(()) => state.store.outbox_delivered(entry.id, now).await,
        Err(error) => {
            let retry_at: Option<DateTime<Utc>> =
                (entry.attempts < MAX_ATTEMPTS).then(|| now + backoff(entry.attempts));
            tracing::warn!(
                channel = %entry.message.channel,
                message_id = %entry.message.message_id,
                attempt = entry.attempts,
                error = %error,
                gave_up = retry_at.is_none(),
                "message not delivered"
            );
            state
                .store
                .outbox_failed(
                    entry.id,
                    DeliveryFailure {
                        error,
                        retry_at,
                        at: now,
                    },
                )
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, id = entry.id, "could not record a delivery");
    }
}

async fn send(state: &AppState, sender: &Sender, entry: &OutboxEntry) -> Result<(), String> {
    // One worker for both audiences: subscribers' messages are shaped and addressed apart.
    if entry.message.kind == crate::subscriptions::KIND {
        return crate::subscriptions::send::send(state, sender, entry).await;
    }
    let channel = state
        .config
        .channels
        .iter()
        .find(|c| c.id == entry.message.channel)
        .ok_or_else(|| {
            format!(
                "there is no [[channel]] with id \"{}\" in the config any more",
                entry.message.channel
            )
        })?;
    let alert: Alert = serde_json::from_str(&entry.message.payload)
        .map_err(|e| format!("the stored alert cannot be read: {e}"))?;
    sender
        .send(channel, &entry.message.message_id, &alert)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_ten_minutes() {
        let waits: Vec<i64> = (1..=12).map(|n| backoff(n).num_seconds()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600]);
    }
}
