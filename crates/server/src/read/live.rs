//! The live status of each service, worked out from recent probe results with the core
//! rules: debounced probe health per location, agreement between locations, maintenance
//! notices, then dependencies; and the record of when services went into or out of
//! trouble.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use tis_core::status::{
    CUT_OFF_REASON, ProbeRules, agree, apply_maintenance, could_not_check, probe_health, probe_id,
    service_status,
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

/// A location whose probes are cut off: its failed checks could not check, as none of
/// its canaries answered (see `tis_prober::guard`).
#[derive(Debug, Clone, PartialEq)]
pub struct CutOff {
    pub location: String,
    /// The first result that could not check, of the run still going on.
    pub since: DateTime<Utc>,
    /// The canaries it could not reach, with why, as the prober wrote them.
    pub canaries: String,
}

/// Whether each location that reported lately can reach TIS, for the alert rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reach {
    /// Locations cut off now.
    pub cut_off: Vec<CutOff>,
    /// Locations whose checks count now. A location that has stopped reporting is in
    /// neither list: it is not known to reach TIS again.
    pub reaching: Vec<String>,
}

/// What the live status is worked out to be now.
pub struct Live {
    pub services: Vec<ServiceState>,
    pub reach: Reach,
}

/// Which locations are cut off: some probe's newest result there could not check, and no
/// failure there since was believed (a believed failure means the canaries answered
/// again). Staleness is left out on purpose: a cut-off prober that then stops reporting
/// altogether is not taken to reach TIS again. `by_probe` is by probe, then location.
fn reach_of(state: &AppState, by_probe: &HashMap<&str, HashMap<&str, Vec<ProbeResult>>>) -> Reach {
    use std::collections::BTreeMap;
    let mut found: BTreeMap<&str, CutOff> = BTreeMap::new();
    let mut seen: std::collections::BTreeSet<&str> = Default::default();
    let mut believed: HashMap<&str, DateTime<Utc>> = HashMap::new();
    let mut not_checked: HashMap<&str, DateTime<Utc>> = HashMap::new();
    for service in &state.config.services {
        for i in 0..service.probes.len() {
            let id = probe_id(&service.id, i);
            let Some(by_location) = by_probe.get(id.as_str()) else {
                continue;
            };
            for (location, results) in by_location {
                seen.insert(location);
                for r in results {
                    let newest = if r.failed() {
                        &mut believed
                    } else if !r.was_checked() {
                        &mut not_checked
                    } else {
                        continue;
                    };
                    let at = newest.entry(location).or_insert(r.at);
                    *at = (*at).max(r.at);
                }
                let mut sorted: Vec<&ProbeResult> = results.iter().collect();
                sorted.sort_by_key(|r| r.at);
                let run: Vec<&ProbeResult> = sorted
                    .into_iter()
                    .rev()
                    .take_while(|r| !r.was_checked())
                    .collect();
                let (Some(first), Some(newest)) = (run.last(), run.first()) else {
                    continue;
                };
                let entry = found.entry(location).or_insert_with(|| CutOff {
                    location: (*location).to_string(),
                    since: first.at,
                    canaries: tis_core::service::unreached_canaries(&newest.detail).to_string(),
                });
                entry.since = entry.since.min(first.at);
            }
        }
    }
    let cut_off: Vec<CutOff> = found
        .into_values()
        .filter(|c| believed.get(c.location.as_str()) < not_checked.get(c.location.as_str()))
        .collect();
    let reaching = seen
        .into_iter()
        .filter(|l| !cut_off.iter().any(|c| c.location == *l))
        .map(str::to_string)
        .collect();
    Reach { cut_off, reaching }
}

pub async fn service_states(state: &AppState, now: DateTime<Utc>) -> Result<Live, AppError> {
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
    let reach = reach_of(state, &by_probe);
    let mut own = HashMap::new();
    let mut own_reasons: HashMap<String, String> = HashMap::new();
    let mut last_checked = HashMap::new();
    let mut notes = HashMap::new();
    // Services not known because their checks could not check: their reason says so.
    let mut blind = std::collections::HashSet::new();
    for service in &state.config.services {
        if public_warning(service, &by_probe, now) {
            notes.insert(service.id.as_str(), CERTIFICATE_NOTE);
        }
        let healths: Vec<_> = service
            .probes
            .iter()
            .enumerate()
            .map(|(i, probe)| {
                let id = probe_id(&service.id, i);
                let rules = ProbeRules::from(probe);
                let by_location = by_probe.get(id.as_str());
                let locations: Vec<ProbeHealth> = by_location
                    .map(|by_location| {
                        by_location
                            .values()
                            .map(|results| probe_health(results, &rules, now))
                            .collect()
                    })
                    .unwrap_or_default();
                // A heartbeat is judged only here, from one place: no quorum can form.
                let quorum = if probe.kind.is_heartbeat() { 1 } else { quorum };
                let agreed = agree(&locations, quorum);
                if agreed == ProbeHealth::Unknown
                    && by_location.is_some_and(|l| {
                        l.values()
                            .any(|results| could_not_check(results, &rules, now))
                    })
                {
                    blind.insert(service.id.clone());
                }
                agreed
            })
            .collect();
        for (i, health) in healths.iter().enumerate() {
            // Judged as of the newest result read, which the judging task may have written
            // a moment after `now`: the reason must be the one that made it down.
            let newest = by_probe
                .get(probe_id(&service.id, i).as_str())
                .and_then(|l| l.values().flatten().max_by_key(|r| r.at));
            let judged_at = newest.map_or(now, |r| r.at.max(now));
            let kind = newest.and_then(|r| r.error_kind);
            if *health == ProbeHealth::Down
                && let Some(reason) = heartbeat_reason(state, service, i, judged_at, kind).await
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
    let services = state
        .config
        .services
        .iter()
        .map(|s| {
            let (status, mut reason) = shown
                .get(&s.id)
                .cloned()
                .unwrap_or((tis_core::Status::Unknown, None));
            if status == Status::Unknown && reason.is_none() && blind.contains(&s.id) {
                reason = Some(CUT_OFF_REASON.to_string());
            }
            // A dependency's reason names the root cause; a late job says so itself; a
            // working service may carry the note the team chose to show (`warn_publicly`).
            let reason = reason.or_else(|| {
                if status.is_failing() {
                    own_reasons.get(&s.id).cloned()
                } else {
                    notes.get(s.id.as_str()).map(|note| note.to_string())
                }
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
        .collect();
    Ok(Live { services, reach })
}

/// What readers see beside "Working" when a certificate is close to expiry and the team
/// chose to say so. The date and host stay with the team: readers need only know that
/// it is in hand.
pub const CERTIFICATE_NOTE: &str =
    "Its security certificate expires soon. The team has been told and will renew it.";

/// Whether a probe of `service` whose warning the team chose to show (`warn_publicly`)
/// warns now, seen from any location.
fn public_warning(
    service: &tis_core::Service,
    by_probe: &HashMap<&str, HashMap<&str, Vec<ProbeResult>>>,
    now: DateTime<Utc>,
) -> bool {
    service.probes.iter().enumerate().any(|(i, probe)| {
        let tis_core::ProbeKind::Tls {
            warn_publicly: true,
            ..
        } = probe.kind
        else {
            return false;
        };
        let rules = ProbeRules::from(probe);
        by_probe
            .get(probe_id(&service.id, i).as_str())
            .is_some_and(|by_location| {
                by_location
                    .values()
                    .any(|results| tis_core::status::warning(results, &rules, now).is_some())
            })
    })
}

/// What the certificate checks of each service warn the team of now ("Certificate
/// expires in 9 days, …"), or `None` when they have fresh results and all is well, by
/// service id; services without fresh certificate results are left out, as not known.
/// Read from each probe's newest results. Staff words.
pub async fn warnings(
    state: &AppState,
    now: DateTime<Utc>,
) -> Result<HashMap<String, Option<String>>, AppError> {
    let mut found = HashMap::new();
    for service in &state.config.services {
        let warns: Vec<(usize, &tis_core::Probe)> = service
            .probes
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.kind, tis_core::ProbeKind::Tls { .. }))
            .collect();
        if warns.is_empty() {
            continue;
        }
        let recent = state
            .store
            .service_results_page(&service.id, None, 50)
            .await?;
        for (i, probe) in warns {
            let id = probe_id(&service.id, i);
            let mut by_location: HashMap<&str, Vec<ProbeResult>> = HashMap::new();
            for r in recent.iter().filter(|r| r.probe == id) {
                by_location
                    .entry(r.location.as_deref().unwrap_or(""))
                    .or_default()
                    .push(r.clone());
            }
            let rules = ProbeRules::from(probe);
            let fresh = by_location
                .values()
                .flatten()
                .any(|r| r.was_checked() && now.signed_duration_since(r.at) <= rules.stale_after());
            let warns = by_location
                .values()
                .find_map(|results| tis_core::status::warning(results, &rules, now));
            match warns {
                Some(text) => {
                    found.insert(service.id.clone(), Some(text.to_string()));
                    break;
                }
                None if fresh => {
                    found.entry(service.id.clone()).or_insert(None);
                }
                None => {}
            }
        }
    }
    Ok(found)
}

/// Why the heartbeat that is probe `index` of `service` is down, in public words, if it
/// is a heartbeat: from its reports, or, when they no longer say it is down (they changed
/// a moment after it was judged), from `kind`, the failure its latest result records.
async fn heartbeat_reason(
    state: &AppState,
    service: &tis_core::Service,
    index: usize,
    now: DateTime<Utc>,
    kind: Option<tis_core::ErrorKind>,
) -> Option<String> {
    let heartbeat = crate::heartbeat::Heartbeat::of(service, index)?;
    let judged = match state.store.heartbeat(&heartbeat.id).await {
        Ok(record) => crate::heartbeat::judge(&heartbeat, &record, now).reason,
        Err(e) => {
            tracing::warn!(error = %e, heartbeat = %heartbeat.id, "could not read the heartbeat's reports");
            None
        }
    };
    Some(judged.unwrap_or_else(|| crate::heartbeat::reason_of(&heartbeat, kind)))
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
    let mut warned: HashMap<String, Option<String>> = HashMap::new();
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
        if fresh {
            match warnings(&state, Utc::now()).await {
                Ok(now_warned) => warned = now_warned,
                Err(e) => tracing::warn!(error = %e, "could not read what the checks warn of"),
            }
        }
        let model = snapshot.model.clone();
        let config = state.config.clone();
        let known = details.clone();
        let warns = warned.clone();
        let decide: crate::store::AlertDecider = Box::new(move |memory| {
            let view = crate::alerts::rules::View {
                now: Utc::now(),
                config: &config,
                services: &model.services,
                notices: &model.notices,
                incidents: &model.incidents,
                details: &known,
                warnings: &warns,
                watching_since,
                base_url: &model.page.url,
                reach: &model.reach,
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
                    // Subscribers who asked for status changes were queued with them.
                    state.outbox.notify_one();
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
            // A result that could not check says nothing of the service.
            && let Some(failed) = recent.iter().find(|r| r.failed())
        {
            let kind = failed.error_kind.map(|k| k.as_str()).unwrap_or("failed");
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
