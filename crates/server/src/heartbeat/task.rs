//! The task that watches every heartbeat: once a second it judges each from its reports,
//! and writes a probe result when the judgement changes, or every `interval` (by default
//! [`tis_core::service::HEARTBEAT_JUDGED_EVERY`]) while it does not, so the heartbeat's
//! status is as fresh as any checked probe's and a stopped server shows as not known.

use std::time::Duration as StdDuration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::{Heartbeat, heartbeats, judge};
use crate::AppState;

/// How often heartbeats are looked at: a report that is due is seen late by at most this.
const LOOK_EVERY: StdDuration = StdDuration::from_secs(1);

/// Judges every heartbeat of the config until `shutdown`.
pub async fn keep_judging(state: AppState, shutdown: CancellationToken) {
    let watched = heartbeats(&state.config.services);
    if watched.is_empty() {
        return;
    }
    tracing::info!(heartbeats = watched.len(), "watching the heartbeats");
    let location = state.config.location().to_string();
    loop {
        let mut written = false;
        for heartbeat in &watched {
            match look(&state, heartbeat, &location).await {
                Ok(w) => written |= w,
                Err(e) => {
                    tracing::error!(probe = %heartbeat.id, error = %e, "could not judge a heartbeat")
                }
            }
        }
        if written {
            state.changed();
        }
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Judges one heartbeat and writes its result when due; whether it wrote one.
async fn look(
    state: &AppState,
    heartbeat: &Heartbeat,
    location: &str,
) -> Result<bool, crate::store::StoreError> {
    let again_after = heartbeat.judged_every;
    let heartbeat = heartbeat.clone();
    let location = location.to_string();
    let written = state
        .store
        .judge_heartbeat(
            &heartbeat.id.clone(),
            Box::new(move |record, last| {
                let now = Utc::now();
                let verdict = judge(&heartbeat, record, now);
                let same = last.is_some_and(|l| {
                    l.ok == verdict.ok
                        && l.error_kind == verdict.error_kind
                        && now - l.at < again_after
                });
                (!same).then(|| verdict.result(&heartbeat, now, &location))
            }),
        )
        .await?;
    if let Some(result) = &written {
        state.metrics.observe_results(std::slice::from_ref(result));
    }
    Ok(written.is_some())
}
