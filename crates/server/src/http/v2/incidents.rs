//! Incidents, with their updates and the components they affected.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tis_core::{IncidentStatus, ReportStatus};

use super::components::{Component, ComponentStatus, component_status, find};
use super::{Built, Page, RECENT_LIMIT};
use crate::read::model::Model;

/// Statuspage's incident status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentState {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
    Postmortem,
}

/// Statuspage's impact. `maintenance` is used for scheduled maintenances only, as on
/// Statuspage pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
    Maintenance,
}

/// A component whose status an update changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AffectedComponent {
    /// The component id.
    pub code: String,
    pub name: String,
    pub old_status: ComponentStatus,
    pub new_status: ComponentStatus,
}

/// One update of an incident or (with `S` a [`MaintenanceState`]) of a maintenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentUpdate<S = IncidentState> {
    pub id: String,
    pub status: S,
    pub body: String,
    pub incident_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub display_at: DateTime<Utc>,
    /// Null when the update changed no component's status.
    pub affected_components: Option<Vec<AffectedComponent>>,
    /// We send no notifications of our own (readers follow the feeds), so always false.
    pub deliver_notifications: bool,
    pub custom_tweet: Option<String>,
    pub tweet_id: Option<String>,
}

impl<S> IncidentUpdate<S> {
    /// An update shown at `at`; the fields Statuspage has and we never fill get their
    /// fixed values here.
    pub(super) fn new(
        id: String,
        incident_id: &str,
        status: S,
        body: &str,
        at: DateTime<Utc>,
        affected_components: Option<Vec<AffectedComponent>>,
    ) -> Self {
        IncidentUpdate {
            id,
            status,
            body: body.to_string(),
            incident_id: incident_id.to_string(),
            created_at: at,
            updated_at: at,
            display_at: at,
            affected_components,
            deliver_notifications: false,
            custom_tweet: None,
            tweet_id: None,
        }
    }
}

/// An incident in Statuspage's shape; with `S` a [`MaintenanceState`], the part a
/// scheduled maintenance shares with incidents, as on Statuspage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident<S = IncidentState> {
    pub id: String,
    pub name: String,
    pub status: S,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub monitoring_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub impact: Impact,
    pub shortlink: String,
    pub started_at: DateTime<Utc>,
    pub page_id: String,
    /// Newest first, as Statuspage lists them.
    pub incident_updates: Vec<IncidentUpdate<S>>,
    /// The affected components, as they are now.
    pub components: Vec<Component>,
}

/// `incidents.json` and `incidents/unresolved.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidents {
    pub page: Page,
    pub incidents: Vec<Incident>,
}

/// `incidents.json`: the 50 most recent incidents, newest first.
pub fn incidents(model: &Model) -> Incidents {
    let all = Built::new(model);
    Incidents {
        page: all.page,
        incidents: all.incidents.into_iter().take(RECENT_LIMIT).collect(),
    }
}

/// `incidents/unresolved.json`: incidents still investigating, identified or monitoring.
pub fn unresolved_incidents(model: &Model) -> Incidents {
    let all = Built::new(model);
    Incidents {
        page: all.page,
        incidents: all.incidents.into_iter().filter(is_unresolved).collect(),
    }
}

pub(super) fn is_unresolved(incident: &Incident) -> bool {
    matches!(
        incident.status,
        IncidentState::Investigating | IncidentState::Identified | IncidentState::Monitoring
    )
}

pub(super) fn incident_id(id: i64) -> String {
    format!("inc-{id}")
}

pub(super) fn build_incident(
    model: &Model,
    incident: &tis_core::Incident,
    services: &[&Component],
) -> Incident {
    let id = incident_id(incident.id);
    let mut oldest_first: Vec<&tis_core::IncidentUpdate> = incident.updates.iter().collect();
    oldest_first.sort_by_key(|u| u.at);
    let affected = |old_of: &dyn Fn(ComponentStatus) -> (ComponentStatus, ComponentStatus)| {
        incident
            .affected
            .iter()
            .map(|a| {
                let (old_status, new_status) = old_of(component_status(a.status));
                AffectedComponent {
                    code: a.service.clone(),
                    name: model.service_name(&a.service).to_string(),
                    old_status,
                    new_status,
                }
            })
            .collect::<Vec<_>>()
    };
    let first_resolved = oldest_first
        .iter()
        .position(|u| u.status == IncidentStatus::Resolved);
    let mut updates: Vec<IncidentUpdate> = oldest_first
        .iter()
        .enumerate()
        .map(|(n, u)| {
            // Our updates do not record component changes one by one; what we know is
            // that the first one told people these services were hit, and the one that
            // resolved it told them they were back.
            let changes = if n == 0 && u.status != IncidentStatus::Resolved {
                Some(affected(&|hit| (ComponentStatus::Operational, hit)))
            } else if Some(n) == first_resolved {
                Some(affected(&|hit| (hit, ComponentStatus::Operational)))
            } else {
                None
            }
            .filter(|list| !list.is_empty());
            // Counted oldest first, so an update keeps its id as more arrive.
            let update_id = format!("{id}-u{}", n + 1);
            let status = incident_state(u.status, false);
            IncidentUpdate::new(update_id, &id, status, &u.body, u.at, changes)
        })
        .collect();
    updates.reverse();

    let resolved_at = if incident.is_active() {
        None
    } else {
        incident
            .resolved_at
            .or_else(|| first_resolved.map(|n| oldest_first[n].at))
    };
    // Published on the page with its first update; one with none yet dates from its start.
    let created_at = oldest_first.first().map_or(incident.started_at, |u| u.at);
    let updated_at = oldest_first
        .iter()
        .map(|u| u.at)
        .chain(resolved_at)
        .chain([created_at])
        .max()
        .unwrap_or(created_at);
    let postmortem = incident
        .report
        .as_ref()
        .is_some_and(|r| r.status == ReportStatus::Published);
    Incident {
        id: id.clone(),
        name: incident.title.clone(),
        status: incident_state(incident.status, postmortem),
        created_at,
        updated_at,
        monitoring_at: oldest_first
            .iter()
            .find(|u| u.status == IncidentStatus::Monitoring)
            .map(|u| u.at),
        resolved_at,
        impact: match incident.impact {
            tis_core::Impact::Minor => Impact::Minor,
            tis_core::Impact::Major => Impact::Major,
            tis_core::Impact::Critical => Impact::Critical,
        },
        shortlink: format!("{}/incidents/{}", model.page.url, incident.id),
        started_at: incident.started_at,
        page_id: model.page.id.clone(),
        incident_updates: updates,
        components: incident
            .affected
            .iter()
            .filter_map(|a| find(services, &a.service).cloned())
            .collect(),
    }
}

fn incident_state(status: IncidentStatus, postmortem: bool) -> IncidentState {
    match status {
        IncidentStatus::Investigating => IncidentState::Investigating,
        IncidentStatus::Identified => IncidentState::Identified,
        IncidentStatus::Monitoring => IncidentState::Monitoring,
        IncidentStatus::Resolved if postmortem => IncidentState::Postmortem,
        IncidentStatus::Resolved => IncidentState::Resolved,
    }
}
