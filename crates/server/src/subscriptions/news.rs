//! News for subscribers, made from an incident update or a planned-maintenance notice at
//! the moment it happens: the public words only (never an author, never a check's
//! detail), and the ids of the services it affects.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tis_core::wire::NewsKind;
use tis_core::{Incident, IncidentStatus, IncidentUpdate, Notice};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsEvent {
    IncidentOpened,
    IncidentUpdated,
    IncidentResolved,
    MaintenancePublished,
    MaintenanceSoon,
    MaintenanceStarted,
    MaintenanceEnded,
}

impl NewsEvent {
    pub fn kind(self) -> NewsKind {
        match self {
            NewsEvent::IncidentOpened
            | NewsEvent::IncidentUpdated
            | NewsEvent::IncidentResolved => NewsKind::Incidents,
            _ => NewsKind::Maintenance,
        }
    }

    /// The word kept for a time-driven maintenance event, so each is queued once.
    pub fn memory_word(self) -> &'static str {
        match self {
            NewsEvent::MaintenanceSoon => "soon",
            NewsEvent::MaintenanceStarted => "started",
            NewsEvent::MaintenanceEnded => "ended",
            NewsEvent::MaintenancePublished => "published",
            _ => "incident",
        }
    }
}

/// One piece of news, as queued for every subscriber it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct News {
    pub event: NewsEvent,
    pub title: String,
    /// The public words: the update's text, or the notice's body.
    pub body: String,
    /// The incident's status after the update.
    pub status: Option<IncidentStatus>,
    /// Ids of the services it affects.
    pub services: Vec<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub next_update_at: Option<DateTime<Utc>>,
    /// The public page about it, from the site's root ("/incidents/3").
    pub path: String,
    /// The incident's or notice's id, for the webhooks that carry it whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
}

impl News {
    /// News of `update`, just added to `incident` (which had `updates_before` before it).
    pub fn of_update(incident: &Incident, update: &IncidentUpdate, updates_before: usize) -> News {
        // The first update is when readers are first told, so it is what opens the
        // incident for subscribers; an incident with no words yet says nothing.
        let event = if update.status == IncidentStatus::Resolved {
            NewsEvent::IncidentResolved
        } else if updates_before == 0 {
            NewsEvent::IncidentOpened
        } else {
            NewsEvent::IncidentUpdated
        };
        News {
            event,
            title: incident.title.clone(),
            body: update.body.clone(),
            status: Some(update.status),
            services: incident
                .affected
                .iter()
                .map(|a| a.service.clone())
                .collect(),
            at: update.at,
            starts_at: Some(incident.started_at),
            ends_at: incident.resolved_at,
            next_update_at: incident.next_update_at,
            path: format!("/incidents/{}", incident.id),
            id: Some(incident.id),
        }
    }

    /// News of a planned-maintenance notice.
    pub fn of_maintenance(notice: &Notice, event: NewsEvent, at: DateTime<Utc>) -> News {
        News {
            event,
            title: notice.title.clone(),
            body: notice.body.clone(),
            status: None,
            services: notice.services.clone(),
            at,
            starts_at: Some(notice.starts_at),
            ends_at: notice.ends_at,
            next_update_at: None,
            path: "/notices".into(),
            id: Some(notice.id),
        }
    }
}

/// Whether a notice is news for maintenance subscribers at all.
pub fn is_maintenance(notice: &Notice) -> bool {
    notice.published && notice.kind == tis_core::NoticeKind::PlannedMaintenance
}

/// The time-driven news of a maintenance notice: each event, when it is due, and until
/// when it is still worth sending.
pub fn timed_events(
    notice: &Notice,
    lead: chrono::Duration,
) -> Vec<(NewsEvent, DateTime<Utc>, DateTime<Utc>)> {
    let mut out = vec![
        (
            NewsEvent::MaintenanceSoon,
            notice.starts_at - lead,
            notice.starts_at,
        ),
        (
            NewsEvent::MaintenanceStarted,
            notice.starts_at,
            notice.ends_at.unwrap_or(DateTime::<Utc>::MAX_UTC),
        ),
    ];
    if let Some(end) = notice.ends_at {
        out.push((
            NewsEvent::MaintenanceEnded,
            end,
            end + chrono::Duration::hours(1),
        ));
    }
    out
}
