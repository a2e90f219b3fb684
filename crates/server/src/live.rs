//! The live status of each service, worked out from recent probe results with the core
//! rules: debounced probe health, maintenance notices, then dependencies.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use tis_core::status::{ProbeRules, apply_maintenance, probe_health, probe_id, service_status};
use tis_core::{ProbeResult, ServiceState};

use crate::AppState;
use crate::error::AppError;

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
    let mut by_probe: HashMap<&str, Vec<ProbeResult>> = HashMap::new();
    for r in &results {
        by_probe
            .entry(r.probe.as_str())
            .or_default()
            .push(r.clone());
    }
    let mut own = HashMap::new();
    let mut last_checked = HashMap::new();
    for service in &state.config.services {
        let healths: Vec<_> = service
            .probes
            .iter()
            .enumerate()
            .map(|(i, probe)| {
                let id = probe_id(&service.id, i);
                let results = by_probe.get(id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
                probe_health(results, &ProbeRules::from(probe), now)
            })
            .collect();
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
