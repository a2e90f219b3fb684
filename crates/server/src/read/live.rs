//! The live status of each service, worked out from recent probe results with the core
//! rules: debounced probe health per location, agreement between locations, maintenance
//! notices, then dependencies; and the record of when services went into or out of
//! trouble.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use tis_core::status::{
    ProbeRules, agree, apply_maintenance, probe_health, probe_id, service_status,
};
use tis_core::{ProbeHealth, ProbeResult, ServiceState, Status, StatusChange};

use crate::AppState;
use crate::http::error::AppError;
use tokio_util::sync::CancellationToken;

/// How far back results are read: enough for every probe's debounce and staleness rule.
fn lookback(state: &AppState) -> Duration {
    let longest = state
        .config
        .services
        .iter()
        .flat_map(|s| &s.probes)
        .map(|p| p.interval.as_chrono() * (p.fail_after.max(p.recover_after) as i32 + 3))
        .max()
        .unwrap_or_default();
    longest.max(Duration::minutes(10))
}

pub async fn service_states(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<Vec<ServiceState>, AppError> {
    let results = state
        .store
        .probe_results_since(now - lookback(state))
        .await?;
    let notices = state.store.notices().await?;
    // Each location's results are judged apart: interleaving two probers' streams would
    // break each one's run of failures.
    let mut by_probe: HashMap<&str, HashMap<&str, Vec<ProbeResult>>> = HashMap::new();
    for r in &results {
        by_probe
            .entry(r.probe.as_str())
            .or_default()
            .entry(r.location.as_deref().unwrap_or(""))
            .or_default()
            .push(r.clone());
    }
    let quorum = state.config.server.down_quorum;
    let mut own = HashMap::new();
    let mut own_reasons: HashMap<String, String> = HashMap::new();
    let mut last_checked = HashMap::new();
    for service in &state.config.services {
        let healths: Vec<_> = service
            .probes
            .iter()
            .enumerate()
            .map(|(i, probe)| {
                let id = probe_id(&service.id, i);
                let rules = ProbeRules::from(probe);
                let locations: Vec<ProbeHealth> = by_probe
                    .get(id.as_str())
                    .map(|by_location| {
                        by_location
                            .values()
                            .map(|results| probe_health(results, &rules, now))
                            .collect()
                    })
                    .unwrap_or_default();
                // A heartbeat is judged only here, from one place: no quorum can form.
                let quorum = if probe.kind.is_heartbeat() { 1 } else { quorum };
                agree(&locations, quorum)
            })
            .collect();
        for (i, health) in healths.iter().enumerate() {
            if *health == ProbeHealth::Down
                && let Some(reason) = heartbeat_reason(state, service, i, now).await
            {
                own_reasons.entry(service.id.clone()).or_insert(reason);
            }
        }
        let in_maintenance = notices.iter().any(|n| {
            n.is_maintenance_at(now) && (n.services.is_empty() || n.services.contains(&service.id))
        });
        own.insert(
            service.id.clone(),
            apply_maintenance(service_status(&healths), in_maintenance),
        );
        let last = results
            .iter()
            .filter(|r| r.service == service.id)
            .map(|r| r.at)
            .max();
        last_checked.insert(service.id.clone(), last);
    }
    // The config was checked at start-up, so propagation cannot fail here.
    let shown = tis_core::deps::propagate(&state.config.services, &own).unwrap_or_default();
    Ok(state
        .config
        .services
        .iter()
        .map(|s| {
            let (status, reason) = shown
                .get(&s.id)
                .cloned()
                .unwrap_or((tis_core::Status::Unknown, None));
            // A dependency's reason names the root cause; a late job says so itself.
            let reason = reason.or_else(|| {
                status
                    .is_failing()
                    .then(|| own_reasons.get(&s.id).cloned())
                    .flatten()
            });
            ServiceState {
                id: s.id.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                group: s.group.clone(),
                position: s.position,
                depends_on: s.depends_on.clone(),
                status,
                reason,
                last_checked: last_checked.get(&s.id).copied().flatten(),
            }
        })
        .collect())
}

/// Why the heartbeat that is probe `index` of `service` is down, in public words, if it
/// is a heartbeat and its reports still say so.
async fn heartbeat_reason(
    state: &AppState,
    service: &tis_core::Service,
    index: usize,
    now: DateTime<Utc>,
) -> Option<String> {
    let heartbeat = crate::heartbeat::Heartbeat::of(service, index)?;
    let record = state.store.heartbeat(&heartbeat.id).await.ok()?;
    crate::heartbeat::judge(&heartbeat, &record, now).reason
}

/// How often the watcher looks at the snapshot; it only works when that has changed,
/// or when the time-based alert rules are due a look. Looking costs one atomic read, and
/// every tick of it is time between an outage found and the team told.
const WATCH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);
/// How often the alert rules look even when nothing shown has changed: reminders,
/// services not checked for three intervals, late incident updates.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Keeps a record of each service going into or out of trouble (see
/// [`StatusChange::worth_keeping`]), from the statuses the snapshot shows readers, until
/// `shutdown` turns true. Each change is stored and told to open pages; the alert rules
/// run in the same transaction, so every alert is in the outbox exactly when its cause
/// is in the store.
///
/// It starts from the last recorded status of each service, so a restart neither repeats
/// an outage already recorded nor misses one that ended while the server was stopped.
pub async fn record_changes(state: AppState, shutdown: CancellationToken) {
    let latest = match state.store.latest_status_changes().await {
        Ok(changes) => changes,
        Err(e) => {
            tracing::error!(error = %e, "could not read the last status changes");
            Vec::new()
        }
    };
    let mut details: HashMap<String, String> = latest
        .iter()
        .filter(|c| c.to.is_failing() && !c.detail.is_empty())
        .map(|c| (c.service.clone(), c.detail.clone()))
        .collect();
    let mut last: HashMap<String, Status> = latest.into_iter().map(|c| (c.service, c.to)).collect();
    let watching_since = Utc::now();
    let mut seen_generation = 0;
    let mut looked = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(WATCH_EVERY) => {}
            () = shutdown.cancelled() => return,
        }
        let snapshot = state.snapshots.current();
        let fresh = snapshot.generation != seen_generation;
        if !fresh && looked.elapsed() < LOOK_EVERY {
            continue;
        }
        seen_generation = snapshot.generation;
        looked = tokio::time::Instant::now();
        let changes = changes_between(
            &mut last,
            &snapshot.model.services,
            snapshot.model.generated_at,
        );
        let changes = with_details(&state, changes).await;
        for c in &changes {
            if c.to.is_failing() && !c.detail.is_empty() {
                details.insert(c.service.clone(), c.detail.clone());
            }
        }
        let model = snapshot.model.clone();
        let config = state.config.clone();
        let known = details.clone();
        let decide: crate::store::AlertDecider = Box::new(move |memory| {
            let view = crate::alerts::rules::View {
                now: Utc::now(),
                config: &config,
                services: &model.services,
                notices: &model.notices,
                incidents: &model.incidents,
                details: &known,
                watching_since,
                base_url: &model.page.url,
            };
            crate::alerts::outbox::plan(memory, &view)
        });
        match state.store.record_status_and_alerts(&changes, decide).await {
            Ok(plan) => {
                for c in &changes {
                    tracing::info!(
                        service = %c.service,
                        from = c.from.as_str(),
                        to = c.to.as_str(),
                        reason = c.reason.as_deref().unwrap_or(""),
                        detail = %c.detail,
                        "status changed"
                    );
                }
                if !plan.messages.is_empty() {
                    tracing::info!(
                        messages = plan.messages.len(),
                        "alerts written to the outbox"
                    );
                    state.outbox.notify_one();
                }
                if !changes.is_empty() {
                    state.events.publish(crate::http::v1::events::Change {
                        generation: snapshot.generation,
                        parts: vec!["services"],
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "could not record status changes and alerts"),
        }
    }
}

/// The changes worth keeping between the statuses in `last` and those `now` shows, and
/// `last` brought up to date. A service never seen before starts from not known.
pub fn changes_between(
    last: &mut HashMap<String, Status>,
    services: &[ServiceState],
    generated_at: DateTime<Utc>,
) -> Vec<StatusChange> {
    let mut changes = Vec::new();
    for s in services {
        let before = last.get(&s.id).copied().unwrap_or(Status::Unknown);
        if StatusChange::worth_keeping(before, s.status) {
            changes.push(StatusChange {
                service: s.id.clone(),
                at: s.last_checked.unwrap_or(generated_at),
                from: before,
                to: s.status,
                reason: s.reason.clone(),
                detail: String::new(),
            });
        }
        last.insert(s.id.clone(), s.status);
    }
    changes
}

/// Adds what the newest failed check of each service said, for staff.
async fn with_details(state: &AppState, mut changes: Vec<StatusChange>) -> Vec<StatusChange> {
    for c in &mut changes {
        if !c.to.is_failing() || c.reason.is_some() {
            continue;
        }
        if let Ok(recent) = state.store.service_results_page(&c.service, None, 20).await
            && let Some(failed) = recent.iter().find(|r| !r.ok || r.degraded)
        {
            let kind = failed.error_kind.map(|k| k.as_str()).unwrap_or("warning");
            c.detail = format!("{}: {}", kind, failed.detail);
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: &str, status: Status, reason: Option<&str>) -> ServiceState {
        ServiceState {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            group: String::new(),
            position: 0,
            depends_on: vec![],
            status,
            reason: reason.map(str::to_string),
            last_checked: None,
        }
    }

    #[test]
    fn going_down_and_recovering_are_recorded_once_each() {
        let at = Utc::now();
        let mut last = HashMap::new();
        let up = [state("sign-in", Status::Operational, None)];
        assert!(
            changes_between(&mut last, &up, at).is_empty(),
            "unknown to working is no outage"
        );
        let down = [
            state("sign-in", Status::MajorOutage, None),
            state(
                "bulk-upload",
                Status::MajorOutage,
                Some("because Sign-in is down"),
            ),
        ];
        let changes = changes_between(&mut last, &down, at);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            (changes[0].from, changes[0].to),
            (Status::Operational, Status::MajorOutage)
        );
        assert_eq!(
            changes[1].reason.as_deref(),
            Some("because Sign-in is down")
        );
        assert!(
            changes_between(&mut last, &down, at).is_empty(),
            "still down is no change"
        );
        let back = [
            state("sign-in", Status::Operational, None),
            state("bulk-upload", Status::Operational, None),
        ];
        let changes = changes_between(&mut last, &back, at);
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.to == Status::Operational));
    }
}
