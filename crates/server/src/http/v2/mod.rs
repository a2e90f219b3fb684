//! `/api/v2`: the public read API of Atlassian Statuspage (v2), in its documented shape,
//! so widgets, exporters and scripts written for Statuspage pages read ours unchanged.
//!
//! How our data maps onto Statuspage's:
//! - each service is a component (its id is the service id); each group of the page is a
//!   group component (`group: true`, `components: [ids]`, id `group-<slug>`), and its
//!   services carry its id in `group_id`;
//! - each incident is an incident (id `inc-<id>`); a resolved incident whose report is
//!   published reads `postmortem`, as Statuspage marks incidents with a published
//!   postmortem;
//! - each published planned-maintenance notice is a scheduled maintenance (id
//!   `notice-<id>`), `scheduled` before its window, `in_progress` inside it and
//!   `completed` after it (we never verify, so `verifying` is never used). Drafts and
//!   other kinds of notice never appear.
//!
//! Where Statuspage has no place for what we know, we choose the reading that misleads
//! least, and say so where it is done: `unknown` status, timestamps we do not record, and
//! open-ended maintenance (`scheduled_until: null`, the one field that can be null here
//! and never is on Statuspage, because Statuspage has no open-ended maintenance).

mod components;
mod incidents;
mod maintenances;
pub mod webhooks;

pub use components::*;
pub use incidents::*;
pub use maintenances::*;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tis_core::{NoticeKind, ServiceState};

use crate::AppState;
use crate::http::error::AppError;
use crate::read::model::Model;
use crate::read::snapshot::Snapshots;

/// How many incidents `incidents.json` lists, and how many maintenances
/// `scheduled-maintenances.json` lists, as Statuspage does ("the 50 most recent").
pub const RECENT_LIMIT: usize = 50;

/// The page itself, at the top of every answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    /// The latest change to anything the answers show.
    pub updated_at: DateTime<Utc>,
}

/// The overall status of the whole page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    pub indicator: Indicator,
    /// A few words for people, e.g. "All Systems Operational".
    pub description: String,
}

/// Statuspage's page indicator, from best to worst, so `max` picks the worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    None,
    Minor,
    Major,
    Critical,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub page: Page,
    pub components: Vec<Component>,
    /// Unresolved incidents.
    pub incidents: Vec<Incident>,
    /// Upcoming and in-progress maintenances.
    pub scheduled_maintenances: Vec<ScheduledMaintenance>,
    pub status: Overall,
}

/// `status.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusAnswer {
    pub page: Page,
    pub status: Overall,
}

/// `summary.json`: the page, every component, unresolved incidents, upcoming and
/// in-progress maintenances, and the overall status.
pub fn summary(model: &Model) -> Summary {
    let all = Built::new(model);
    Summary {
        page: all.page.clone(),
        components: all.components.clone(),
        incidents: all
            .incidents
            .iter()
            .filter(|i| is_unresolved(i))
            .cloned()
            .collect(),
        scheduled_maintenances: all
            .maintenances
            .iter()
            .filter(|m| m.incident.status != MaintenanceState::Completed)
            .cloned()
            .collect(),
        status: all.overall,
    }
}

/// `status.json`: the page and its overall status.
pub fn status(model: &Model) -> StatusAnswer {
    let all = Built::new(model);
    StatusAnswer {
        page: all.page,
        status: all.overall,
    }
}

/// The endpoints, as (path under `/api/v2`, what it answers), so the router and the tests
/// share one list.
pub const ENDPOINTS: [(&str, Endpoint); 8] = [
    ("/summary.json", Endpoint::Summary),
    ("/status.json", Endpoint::Status),
    ("/components.json", Endpoint::Components),
    ("/incidents.json", Endpoint::Incidents),
    ("/incidents/unresolved.json", Endpoint::UnresolvedIncidents),
    (
        "/scheduled-maintenances.json",
        Endpoint::ScheduledMaintenances,
    ),
    (
        "/scheduled-maintenances/upcoming.json",
        Endpoint::UpcomingMaintenances,
    ),
    (
        "/scheduled-maintenances/active.json",
        Endpoint::ActiveMaintenances,
    ),
];

/// One answer of this API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Summary,
    Status,
    Components,
    Incidents,
    UnresolvedIncidents,
    ScheduledMaintenances,
    UpcomingMaintenances,
    ActiveMaintenances,
}

impl Endpoint {
    /// The snapshot key: unique across the whole server.
    fn key(self) -> &'static str {
        match self {
            Endpoint::Summary => "/api/v2/summary.json",
            Endpoint::Status => "/api/v2/status.json",
            Endpoint::Components => "/api/v2/components.json",
            Endpoint::Incidents => "/api/v2/incidents.json",
            Endpoint::UnresolvedIncidents => "/api/v2/incidents/unresolved.json",
            Endpoint::ScheduledMaintenances => "/api/v2/scheduled-maintenances.json",
            Endpoint::UpcomingMaintenances => "/api/v2/scheduled-maintenances/upcoming.json",
            Endpoint::ActiveMaintenances => "/api/v2/scheduled-maintenances/active.json",
        }
    }

    /// The answer from the current snapshot: built once per snapshot, then a lookup.
    pub fn respond(self, snapshots: &Snapshots, headers: &HeaderMap) -> Response {
        let snapshot = snapshots.current();
        let cached = match self {
            Endpoint::Summary => snapshot.json(self.key(), summary),
            Endpoint::Status => snapshot.json(self.key(), status),
            Endpoint::Components => snapshot.json(self.key(), components),
            Endpoint::Incidents => snapshot.json(self.key(), incidents),
            Endpoint::UnresolvedIncidents => snapshot.json(self.key(), unresolved_incidents),
            Endpoint::ScheduledMaintenances => snapshot.json(self.key(), scheduled_maintenances),
            Endpoint::UpcomingMaintenances => snapshot.json(self.key(), upcoming_maintenances),
            Endpoint::ActiveMaintenances => snapshot.json(self.key(), active_maintenances),
        };
        cached.respond(headers)
    }
}

/// The routes, to be nested at `/api/v2`.
pub fn router() -> Router<AppState> {
    routes(|state: &AppState| &state.snapshots)
}

/// The routes over any state that holds the snapshots, so tests can serve them from a
/// hand-built model without a store.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    snapshots_of: fn(&S) -> &Snapshots,
) -> Router<S> {
    ENDPOINTS
        .iter()
        .fold(Router::new(), |router, &(path, endpoint)| {
            router.route(
                path,
                get(
                    move |State(state): State<S>, headers: HeaderMap| async move {
                        endpoint.respond(snapshots_of(&state), &headers)
                    },
                ),
            )
        })
        // Without this, a mistyped address would fall through to the app's index.html,
        // which a script would then fail to parse as JSON.
        .fallback(|| async { AppError::NotFound("such Statuspage API address".into()) })
}

/// Everything the answers draw on, worked out once per answer.
struct Built {
    page: Page,
    overall: Overall,
    components: Vec<Component>,
    /// Newest first.
    incidents: Vec<Incident>,
    /// Newest first.
    maintenances: Vec<ScheduledMaintenance>,
}

impl Built {
    fn new(model: &Model) -> Built {
        let components = build_components(model);
        let services: Vec<&Component> = components.iter().filter(|c| !c.group).collect();
        let mut incidents: Vec<Incident> = model
            .incidents
            .iter()
            .map(|i| build_incident(model, i, &services))
            .collect();
        incidents.sort_by(|a, b| b.started_at.cmp(&a.started_at).then(b.id.cmp(&a.id)));
        let mut maintenances: Vec<ScheduledMaintenance> = model
            .notices
            .iter()
            .filter(|n| n.published && n.kind == NoticeKind::PlannedMaintenance)
            .map(|n| build_maintenance(model, n, &services))
            .collect();
        maintenances.sort_by(|a, b| {
            (b.scheduled_for.cmp(&a.scheduled_for)).then(b.incident.id.cmp(&a.incident.id))
        });
        let overall = overall(&model.services, &model.incidents);
        let updated_at = components
            .iter()
            .map(|c| c.updated_at)
            .chain(incidents.iter().map(|i| i.updated_at))
            .chain(maintenances.iter().map(|m| m.incident.updated_at))
            .max()
            .unwrap_or(model.generated_at);
        Built {
            page: Page {
                id: model.page.id.clone(),
                name: model.page.name.clone(),
                url: model.page.url.clone(),
                time_zone: model.page.time_zone.clone(),
                updated_at,
            },
            overall,
            components,
            incidents,
            maintenances,
        }
    }
}

/// The overall status: the worse of what the services show and what active incidents say.
fn overall(services: &[ServiceState], incidents: &[tis_core::Incident]) -> Overall {
    use tis_core::Status as S;
    let worst = services
        .iter()
        .map(|s| s.status)
        .max_by_key(|s| s.severity());
    let from_services = match worst {
        None | Some(S::Operational) => (Indicator::None, "All Systems Operational"),
        // Not known to be fine is not fine (see `component_status`), so never "none".
        Some(S::Unknown) => (Indicator::Minor, "Some Systems Not Checked Recently"),
        Some(S::Maintenance) => (Indicator::Minor, "Service Under Maintenance"),
        Some(S::Degraded) => (Indicator::Minor, "Minor Service Outage"),
        Some(S::PartialOutage) => (Indicator::Major, "Partial System Outage"),
        Some(S::MajorOutage) => (Indicator::Critical, "Major Service Outage"),
    };
    let from_incidents = incidents
        .iter()
        .filter(|i| i.is_active())
        .map(|i| match i.impact {
            tis_core::Impact::Minor => (Indicator::Minor, "Minor Service Outage"),
            tis_core::Impact::Major => (Indicator::Major, "Partial System Outage"),
            tis_core::Impact::Critical => (Indicator::Critical, "Major Service Outage"),
        })
        .max_by_key(|(indicator, _)| *indicator);
    // On a tie the incident's words win: people have described it, which says more
    // than a probe does.
    let (indicator, description) = match from_incidents {
        Some(inc) if inc.0 >= from_services.0 => inc,
        _ => from_services,
    };
    Overall {
        indicator,
        description: description.to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
