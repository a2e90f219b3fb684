//! Scheduled maintenances: our published planned-maintenance notices.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::components::{Component, ComponentStatus, find};
use super::incidents::{AffectedComponent, Impact, Incident, IncidentUpdate};
use super::{Built, Page, RECENT_LIMIT};
use crate::read::model::Model;

/// Statuspage's scheduled-maintenance status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceState {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
}

/// A planned-maintenance notice in Statuspage's shape: an incident's fields, then its
/// window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledMaintenance {
    #[serde(flatten)]
    pub incident: Incident<MaintenanceState>,
    pub scheduled_for: DateTime<Utc>,
    /// Null only for maintenance with no planned end (see the module docs).
    pub scheduled_until: Option<DateTime<Utc>>,
}

/// `scheduled-maintenances.json` and its `upcoming` and `active` lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledMaintenances {
    pub page: Page,
    pub scheduled_maintenances: Vec<ScheduledMaintenance>,
}

/// `scheduled-maintenances.json`: the 50 most recent, newest first.
pub fn scheduled_maintenances(model: &Model) -> ScheduledMaintenances {
    maintenances_where(model, RECENT_LIMIT, |_| true)
}

/// `scheduled-maintenances/upcoming.json`: those still to start.
pub fn upcoming_maintenances(model: &Model) -> ScheduledMaintenances {
    maintenances_where(model, usize::MAX, |m| {
        m.incident.status == MaintenanceState::Scheduled
    })
}

/// `scheduled-maintenances/active.json`: those under way.
pub fn active_maintenances(model: &Model) -> ScheduledMaintenances {
    maintenances_where(model, usize::MAX, |m| {
        matches!(
            m.incident.status,
            MaintenanceState::InProgress | MaintenanceState::Verifying
        )
    })
}

fn maintenances_where(
    model: &Model,
    limit: usize,
    keep: impl Fn(&ScheduledMaintenance) -> bool,
) -> ScheduledMaintenances {
    let all = Built::new(model);
    ScheduledMaintenances {
        page: all.page,
        scheduled_maintenances: all
            .maintenances
            .into_iter()
            .filter(|m| keep(m))
            .take(limit)
            .collect(),
    }
}

pub(super) fn build_maintenance(
    model: &Model,
    notice: &tis_core::Notice,
    services: &[&Component],
) -> ScheduledMaintenance {
    let now = model.generated_at;
    let id = format!("notice-{}", notice.id);
    let started = notice.starts_at <= now;
    let ended = notice.ends_at.filter(|end| *end <= now);
    let status = match (started, ended) {
        (false, _) => MaintenanceState::Scheduled,
        (true, None) => MaintenanceState::InProgress,
        (true, Some(_)) => MaintenanceState::Completed,
    };
    // An empty list means TIS as a whole (see `Notice::services`).
    let touched: Vec<&Component> = if notice.services.is_empty() {
        services.to_vec()
    } else {
        notice
            .services
            .iter()
            .filter_map(|s| find(services, s))
            .collect()
    };
    let changes = |old_status, new_status| {
        Some(
            touched
                .iter()
                .map(|c| AffectedComponent {
                    code: c.id.clone(),
                    name: c.name.clone(),
                    old_status,
                    new_status,
                })
                .collect::<Vec<_>>(),
        )
        .filter(|list| !list.is_empty())
    };
    let update = |stage: &str, state, at, body: &str, affected| {
        IncidentUpdate::new(format!("{id}-{stage}"), &id, state, body, at, affected)
    };
    // A change can not have been shown before the notice existed, so a notice posted
    // late shows its start (or end) at the moment it was posted.
    let began_at = notice.starts_at.max(notice.created_at);
    let ended_at = ended.map(|end| end.max(notice.created_at));
    let mut updates = Vec::new();
    if let Some(at) = ended_at {
        updates.push(update(
            "completed",
            MaintenanceState::Completed,
            at,
            "The planned maintenance has finished.",
            changes(
                ComponentStatus::UnderMaintenance,
                ComponentStatus::Operational,
            ),
        ));
    }
    if started {
        updates.push(update(
            "in-progress",
            MaintenanceState::InProgress,
            began_at,
            "The planned maintenance has started.",
            changes(
                ComponentStatus::Operational,
                ComponentStatus::UnderMaintenance,
            ),
        ));
    }
    updates.push(update(
        "scheduled",
        MaintenanceState::Scheduled,
        notice.created_at,
        &notice.body,
        None,
    ));
    let updated_at = updates
        .iter()
        .map(|u| u.updated_at)
        .chain([notice.updated_at])
        .max()
        .unwrap_or(notice.updated_at);
    ScheduledMaintenance {
        incident: Incident {
            id,
            name: notice.title.clone(),
            status,
            created_at: notice.created_at,
            updated_at,
            monitoring_at: None,
            resolved_at: ended_at,
            impact: Impact::Maintenance,
            shortlink: format!("{}/notices", model.page.url),
            started_at: notice.starts_at,
            page_id: model.page.id.clone(),
            incident_updates: updates,
            components: touched.into_iter().cloned().collect(),
        },
        scheduled_for: notice.starts_at,
        scheduled_until: notice.ends_at,
    }
}
