//! The periodic work of subscriptions: queueing planned-maintenance news as its times
//! come ("starting soon", "started", "ended") and forgetting addresses never confirmed.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio_util::sync::CancellationToken;

use super::UNCONFIRMED_HOURS;
use crate::AppState;

/// How often it looks: "starting soon" and the rest go out within this of their time.
const EVERY: StdDuration = StdDuration::from_secs(15);

/// One look at `now`: what is due is queued and what is stale forgotten. Returns the
/// messages queued and the addresses forgotten.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> crate::store::Result<(u64, u64)> {
    // Webhooks and channels hear of planned maintenance without `[subscriptions]`: then
    // with its default lead time.
    let lead = state
        .config
        .subscriptions
        .clone()
        .unwrap_or_default()
        .maintenance_reminder_before
        .as_chrono();
    let queued = state.store.queue_maintenance_news(now, lead).await?;
    let forgotten = state
        .store
        .forget_unconfirmed(now - Duration::hours(UNCONFIRMED_HOURS))
        .await?;
    if queued > 0 {
        state.outbox.notify_one();
    }
    Ok((queued, forgotten))
}

/// Looks every [`EVERY`] until `shutdown` is cancelled.
pub async fn run(state: AppState, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            () = shutdown.cancelled() => return,
        }
        match tick(&state, Utc::now()).await {
            Ok((queued, forgotten)) if queued + forgotten > 0 => tracing::info!(
                queued,
                forgotten,
                "subscriptions: planned-maintenance news queued, unconfirmed addresses forgotten"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "subscriptions: could not look for news"),
        }
    }
}
