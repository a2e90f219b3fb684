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

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tis_core::{IncidentStatus, NoticeKind, ReportStatus, ServiceState};

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

/// The status rollup of the whole page.
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

/// Statuspage's component status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
    UnderMaintenance,
}

/// A service, or a group of services, as a Statuspage component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub status: ComponentStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub position: i32,
    pub description: Option<String>,
    /// Whether the page shows its uptime history: true for services, false for groups.
    pub showcase: bool,
    /// We do not record when a service came into use.
    pub start_date: Option<NaiveDate>,
    pub group_id: Option<String>,
    pub page_id: String,
    pub group: bool,
    pub only_show_if_degraded: bool,
    /// Ids of the members, on group components only (as Statuspage does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<String>>,
}

impl Component {
    /// A component that is not in a group, has no description and no members, and whose
    /// uptime history is not shown; `times` is (created, updated).
    fn new(
        id: String,
        name: &str,
        status: ComponentStatus,
        position: i32,
        page_id: &str,
        (created_at, updated_at): (DateTime<Utc>, DateTime<Utc>),
    ) -> Component {
        Component {
            id,
            name: name.to_string(),
            status,
            created_at,
            updated_at,
            position,
            description: None,
            showcase: false,
            start_date: None,
            group_id: None,
            page_id: page_id.to_string(),
            group: false,
            only_show_if_degraded: false,
            components: None,
        }
    }
}

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

/// Statuspage's scheduled-maintenance status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceState {
    Scheduled,
    InProgress,
    Verifying,
    Completed,
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
    fn new(
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

/// `components.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Components {
    pub page: Page,
    pub components: Vec<Component>,
}

/// `incidents.json` and `incidents/unresolved.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidents {
    pub page: Page,
    pub incidents: Vec<Incident>,
}

/// `scheduled-maintenances.json` and its `upcoming` and `active` lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledMaintenances {
    pub page: Page,
    pub scheduled_maintenances: Vec<ScheduledMaintenance>,
}

/// Our status in Statuspage's words.
pub fn component_status(status: tis_core::Status) -> ComponentStatus {
    use tis_core::Status as S;
    match status {
        S::Operational => ComponentStatus::Operational,
        S::Degraded => ComponentStatus::DegradedPerformance,
        S::PartialOutage => ComponentStatus::PartialOutage,
        S::MajorOutage => ComponentStatus::MajorOutage,
        S::Maintenance => ComponentStatus::UnderMaintenance,
        // Statuspage has no "unknown". Saying operational would claim a service is up
        // when we cannot see it, which is the one thing this page must never do; saying
        // an outage would claim a failure nobody has observed. Degraded performance is
        // the mildest "not known to be fine", so tools never read "all operational"
        // while a service goes unchecked, yet raise no outage alarm for a stopped prober.
        S::Unknown => ComponentStatus::DegradedPerformance,
    }
}

/// `summary.json`: the page, every component, unresolved incidents, upcoming and
/// in-progress maintenances, and the rollup.
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

/// `status.json`: the page and its rollup.
pub fn status(model: &Model) -> StatusAnswer {
    let all = Built::new(model);
    StatusAnswer {
        page: all.page,
        status: all.overall,
    }
}

/// `components.json`.
pub fn components(model: &Model) -> Components {
    let all = Built::new(model);
    Components {
        page: all.page,
        components: all.components,
    }
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

fn is_unresolved(incident: &Incident) -> bool {
    matches!(
        incident.status,
        IncidentState::Investigating | IncidentState::Identified | IncidentState::Monitoring
    )
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

/// The rollup: the worse of what the services show and what active incidents say.
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

/// Services as components, each group of the page as a group component just before its
/// members, groups and ungrouped services in page order.
fn build_components(model: &Model) -> Vec<Component> {
    let page_id = &model.page.id;
    // A service never checked has no time of its own; "now" is when its status
    // (unknown) was last worked out.
    let updated = |s: &ServiceState| s.last_checked.unwrap_or(model.generated_at);
    // We do not record when a service was added to the config, so a component is said
    // to exist since the oldest public record the page holds, which is as far back as
    // anyone could have seen it; never later than its last update.
    let history_start = model
        .incidents
        .iter()
        .map(|i| i.started_at)
        .chain(
            model
                .notices
                .iter()
                .filter(|n| n.published)
                .map(|n| n.created_at),
        )
        .min();
    let created =
        |updated_at: DateTime<Utc>| history_start.map_or(updated_at, |h| h.min(updated_at));
    let times = |s: &ServiceState| (created(updated(s)), updated(s));

    // Top-level entries in page order: a group at its first member's place.
    let mut top: Vec<Top> = Vec::new();
    let mut group_index: HashMap<&str, usize> = HashMap::new();
    for (i, service) in model.services.iter().enumerate() {
        if service.group.trim().is_empty() {
            top.push(Top::Service(i));
        } else if let Some(&at) = group_index.get(service.group.as_str()) {
            if let Top::Group(_, members) = &mut top[at] {
                members.push(i);
            }
        } else {
            group_index.insert(service.group.as_str(), top.len());
            top.push(Top::Group(service.group.as_str(), vec![i]));
        }
    }

    let mut taken: HashSet<String> = model.services.iter().map(|s| s.id.clone()).collect();
    let mut out = Vec::new();
    for (place, entry) in top.iter().enumerate() {
        let position = to_position(place);
        match entry {
            Top::Service(i) => {
                let s = &model.services[*i];
                out.push(service_component(s, position, None, page_id, times(s)));
            }
            Top::Group(name, members) => {
                let id = group_id(name, &mut taken);
                let worst = members
                    .iter()
                    .map(|&i| model.services[i].status)
                    .max_by_key(|s| s.severity())
                    .unwrap_or(tis_core::Status::Unknown);
                let updated_at = members
                    .iter()
                    .map(|&i| updated(&model.services[i]))
                    .max()
                    .unwrap_or(model.generated_at);
                out.push(Component {
                    group: true,
                    components: Some(
                        members
                            .iter()
                            .map(|&i| model.services[i].id.clone())
                            .collect(),
                    ),
                    ..Component::new(
                        id.clone(),
                        name,
                        component_status(worst),
                        position,
                        page_id,
                        (created(updated_at), updated_at),
                    )
                });
                for (n, &i) in members.iter().enumerate() {
                    let s = &model.services[i];
                    let group_id = Some(id.clone());
                    out.push(service_component(
                        s,
                        to_position(n),
                        group_id,
                        page_id,
                        times(s),
                    ));
                }
            }
        }
    }
    out
}

enum Top<'a> {
    Service(usize),
    Group(&'a str, Vec<usize>),
}

/// 1-based, as Statuspage counts positions.
fn to_position(index: usize) -> i32 {
    i32::try_from(index.saturating_add(1)).unwrap_or(i32::MAX)
}

fn service_component(
    s: &ServiceState,
    position: i32,
    group_id: Option<String>,
    page_id: &str,
    times: (DateTime<Utc>, DateTime<Utc>),
) -> Component {
    Component {
        description: Some(s.description.clone()).filter(|d| !d.trim().is_empty()),
        showcase: true,
        group_id,
        ..Component::new(
            s.id.clone(),
            &s.name,
            component_status(s.status),
            position,
            page_id,
            times,
        )
    }
}

/// `group-` and a slug of the group's name: stable while the name is, and never the id
/// of a service or of another group.
fn group_id(name: &str, taken: &mut HashSet<String>) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let base = format!("group-{}", slug.trim_matches('-'));
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// The component of a service; a service gone from the config has none. A scan, since a
/// page has a handful of services.
fn find<'a>(services: &[&'a Component], id: &str) -> Option<&'a Component> {
    services.iter().copied().find(|c| c.id == id)
}

fn incident_id(id: i64) -> String {
    format!("inc-{id}")
}

fn build_incident(
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

fn build_maintenance(
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
            "The planned work has finished.",
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
            "The planned work has started.",
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use serde_json::{Map, Value, json};
    use tis_core::{Audience, IncidentUpdate as Update, Notice, NoticeSeverity, Report, Status};
    use tower::ServiceExt;

    use super::*;
    use crate::read::model::PageInfo;
    use tis_core::incident::AffectedService;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("a test time")
    }

    fn service(id: &str, group: &str, status: Status) -> ServiceState {
        ServiceState {
            id: id.into(),
            name: format!("The {id} service"),
            description: format!("What people do with {id}."),
            group: group.into(),
            position: 0,
            depends_on: Vec::new(),
            status,
            reason: None,
            last_checked: Some(at("2026-11-25T11:59:30Z")),
        }
    }

    fn model(
        now: &str,
        services: Vec<ServiceState>,
        incidents: Vec<tis_core::Incident>,
        notices: Vec<Notice>,
    ) -> Model {
        Model {
            generated_at: at(now),
            page: PageInfo {
                id: "tis-status".into(),
                name: "TIS Status".into(),
                url: "https://status.example.nhs.uk".into(),
                time_zone: "Europe/London".into(),
            },
            services,
            incidents,
            notices,
            ..Model::empty()
        }
    }

    fn incident(
        id: i64,
        status: IncidentStatus,
        impact: tis_core::Impact,
        affected: &[(&str, Status)],
        updates: &[(&str, IncidentStatus)],
    ) -> tis_core::Incident {
        tis_core::Incident {
            id,
            title: format!("Incident {id}"),
            status,
            impact,
            affected: affected
                .iter()
                .map(|(service, status)| AffectedService {
                    service: (*service).into(),
                    status: *status,
                })
                .collect(),
            started_at: at("2026-11-20T09:00:00Z") + chrono::Duration::hours(id),
            detected_at: None,
            resolved_at: None,
            next_update_at: None,
            updates: updates
                .iter()
                .map(|(when, status)| Update {
                    at: at(when),
                    status: *status,
                    body: format!("{status:?} words"),
                    author: "Sam".into(),
                })
                .collect(),
            report: None,
        }
    }

    fn maintenance(id: i64, starts: &str, ends: Option<&str>, services: &[&str]) -> Notice {
        Notice {
            id,
            title: format!("Maintenance {id}"),
            body: "We are upgrading it.".into(),
            kind: NoticeKind::PlannedMaintenance,
            severity: NoticeSeverity::Medium,
            services: services.iter().map(|s| (*s).into()).collect(),
            starts_at: at(starts),
            ends_at: ends.map(at),
            audience: Audience::Everyone,
            published: true,
            author: "Tom".into(),
            created_at: at("2026-11-01T10:00:00Z"),
            updated_at: at("2026-11-01T10:05:00Z"),
        }
    }

    // ---- mapping rules ----

    #[test]
    fn statuses_map_to_statuspage_words_and_unknown_never_reads_as_up() {
        let pairs = [
            (Status::Operational, "operational"),
            (Status::Degraded, "degraded_performance"),
            (Status::PartialOutage, "partial_outage"),
            (Status::MajorOutage, "major_outage"),
            (Status::Maintenance, "under_maintenance"),
            (Status::Unknown, "degraded_performance"),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(json!(component_status(ours)), json!(theirs), "{ours:?}");
        }
        // The page as a whole must not say all is well when nothing has been checked.
        let m = model(
            "2026-11-25T12:00:00Z",
            vec![
                service("a", "G", Status::Operational),
                service("b", "G", Status::Unknown),
            ],
            vec![],
            vec![],
        );
        assert_ne!(status(&m).status.indicator, Indicator::None);
    }

    #[test]
    fn the_indicator_is_the_worse_of_services_and_active_incidents() {
        use tis_core::Impact as I;
        let up = vec![service("a", "G", Status::Operational)];
        let case = |services: Vec<ServiceState>, incidents| {
            status(&model("2026-11-25T12:00:00Z", services, incidents, vec![])).status
        };
        let quiet = case(up.clone(), vec![]);
        assert_eq!(quiet.indicator, Indicator::None);
        assert_eq!(quiet.description, "All Systems Operational");

        let active = incident(1, IncidentStatus::Identified, I::Critical, &[], &[]);
        assert_eq!(
            case(up.clone(), vec![active]).indicator,
            Indicator::Critical
        );

        let over = incident(2, IncidentStatus::Resolved, I::Critical, &[], &[]);
        assert_eq!(case(up.clone(), vec![over]).indicator, Indicator::None);

        let partial = vec![service("a", "G", Status::PartialOutage)];
        let minor = incident(3, IncidentStatus::Monitoring, I::Minor, &[], &[]);
        let worse = case(partial, vec![minor]);
        assert_eq!(worse.indicator, Indicator::Major);
        assert_eq!(worse.description, "Partial System Outage");

        let down = vec![service("a", "G", Status::MajorOutage)];
        assert_eq!(case(down, vec![]).indicator, Indicator::Critical);
        let planned = case(vec![service("a", "G", Status::Maintenance)], vec![]);
        assert_eq!(
            (planned.indicator, planned.description.as_str()),
            (Indicator::Minor, "Service Under Maintenance")
        );
    }

    #[test]
    fn groups_become_group_components_listing_their_members() {
        let m = model(
            "2026-11-25T12:00:00Z",
            vec![
                service("sign-in", "Sign-in", Status::Operational),
                service("admin-site", "For admins", Status::Operational),
                service("loose", "", Status::Degraded),
                service("bulk-upload", "For admins", Status::MajorOutage),
            ],
            vec![],
            vec![],
        );
        let list = components(&m).components;
        let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "group-sign-in",
                "sign-in",
                "group-for-admins",
                "admin-site",
                "bulk-upload",
                "loose"
            ]
        );
        let admins = &list[2];
        assert!(admins.group);
        assert_eq!(
            admins.components.as_deref(),
            Some(&["admin-site".to_string(), "bulk-upload".to_string()][..])
        );
        // A group reads as its worst member, as on Statuspage.
        assert_eq!(admins.status, ComponentStatus::MajorOutage);
        assert_eq!(list[4].group_id.as_deref(), Some("group-for-admins"));
        assert_eq!((list[3].position, list[4].position), (1, 2));
        let loose = &list[5];
        assert_eq!((loose.group_id.as_deref(), loose.position), (None, 3));
        assert!(list.iter().all(|c| c.page_id == "tis-status"));
    }

    #[test]
    fn a_group_id_never_takes_a_service_id() {
        let m = model(
            "2026-11-25T12:00:00Z",
            vec![
                service("group-admins", "", Status::Operational),
                service("x", "Admins", Status::Operational),
            ],
            vec![],
            vec![],
        );
        let list = components(&m).components;
        assert_eq!(list[1].id, "group-admins-2");
        assert_eq!(list[2].group_id.as_deref(), Some("group-admins-2"));
    }

    #[test]
    fn incidents_carry_stable_ids_updates_newest_first_and_component_changes() {
        use IncidentStatus as S;
        let mut i = incident(
            3,
            S::Resolved,
            tis_core::Impact::Major,
            &[("bulk-upload", Status::MajorOutage)],
            &[
                ("2026-11-21T09:47:00Z", S::Investigating),
                ("2026-11-21T12:16:00Z", S::Monitoring),
                ("2026-11-21T18:40:00Z", S::Resolved),
            ],
        );
        i.resolved_at = Some(at("2026-11-21T18:30:00Z"));
        let m = model(
            "2026-11-25T12:00:00Z",
            vec![service("bulk-upload", "For admins", Status::Operational)],
            vec![i.clone()],
            vec![],
        );
        let all = incidents(&m).incidents;
        let out = &all[0];
        assert_eq!(out.id, "inc-3");
        assert_eq!(out.status, IncidentState::Resolved);
        assert_eq!(out.shortlink, "https://status.example.nhs.uk/incidents/3");
        assert_eq!(out.monitoring_at, Some(at("2026-11-21T12:16:00Z")));
        assert_eq!(out.resolved_at, Some(at("2026-11-21T18:30:00Z")));
        assert_eq!(out.created_at, at("2026-11-21T09:47:00Z"));
        assert_eq!(out.updated_at, at("2026-11-21T18:40:00Z"));
        let ids: Vec<&str> = out.incident_updates.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["inc-3-u3", "inc-3-u2", "inc-3-u1"]);
        let first = &out.incident_updates[2].affected_components;
        assert_eq!(
            first.as_deref(),
            Some(
                &[AffectedComponent {
                    code: "bulk-upload".into(),
                    name: "The bulk-upload service".into(),
                    old_status: ComponentStatus::Operational,
                    new_status: ComponentStatus::MajorOutage,
                }][..]
            )
        );
        assert_eq!(out.incident_updates[1].affected_components, None);
        let last = out.incident_updates[0].affected_components.as_deref();
        assert_eq!(
            last.map(|l| (l[0].old_status, l[0].new_status)),
            Some((ComponentStatus::MajorOutage, ComponentStatus::Operational))
        );
        assert_eq!(out.components.len(), 1);
        assert!(
            unresolved_incidents(&m).incidents.is_empty(),
            "resolved is not unresolved"
        );

        // A published report is Statuspage's "postmortem"; a draft one is not.
        i.report = Some(Report {
            status: ReportStatus::Published,
            ..Report::default()
        });
        let m = model("2026-11-25T12:00:00Z", vec![], vec![i.clone()], vec![]);
        assert_eq!(incidents(&m).incidents[0].status, IncidentState::Postmortem);
        assert!(unresolved_incidents(&m).incidents.is_empty());
        i.report = Some(Report::default());
        let m = model("2026-11-25T12:00:00Z", vec![], vec![i], vec![]);
        assert_eq!(incidents(&m).incidents[0].status, IncidentState::Resolved);
    }

    #[test]
    fn incidents_json_lists_the_fifty_newest_and_unresolved_only_open_ones() {
        let all: Vec<_> = (1..=60)
            .map(|id| {
                let status = if id % 10 == 0 {
                    IncidentStatus::Monitoring
                } else {
                    IncidentStatus::Resolved
                };
                incident(id, status, tis_core::Impact::Minor, &[], &[])
            })
            .collect();
        let m = model("2026-11-25T12:00:00Z", vec![], all, vec![]);
        let listed = incidents(&m).incidents;
        assert_eq!(listed.len(), RECENT_LIMIT);
        assert_eq!(listed[0].id, "inc-60");
        assert_eq!(listed[49].id, "inc-11");
        let open: Vec<String> = unresolved_incidents(&m)
            .incidents
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(
            open,
            ["inc-60", "inc-50", "inc-40", "inc-30", "inc-20", "inc-10"]
        );
        assert_eq!(summary(&m).incidents.len(), 6);
    }

    #[test]
    fn maintenance_is_scheduled_then_in_progress_then_completed() {
        let notice = maintenance(
            7,
            "2027-01-16T08:00:00Z",
            Some("2027-01-16T11:00:00Z"),
            &["admin-site"],
        );
        let services = vec![service("admin-site", "For admins", Status::Operational)];
        let at_time = |now: &str| model(now, services.clone(), vec![], vec![notice.clone()]);

        let before = at_time("2027-01-15T12:00:00Z");
        let m = &scheduled_maintenances(&before).scheduled_maintenances[0].incident;
        assert_eq!(
            (m.id.as_str(), m.status),
            ("notice-7", MaintenanceState::Scheduled)
        );
        assert_eq!(m.incident_updates.len(), 1);
        assert_eq!(
            upcoming_maintenances(&before).scheduled_maintenances.len(),
            1
        );
        assert!(
            active_maintenances(&before)
                .scheduled_maintenances
                .is_empty()
        );
        assert_eq!(summary(&before).scheduled_maintenances.len(), 1);

        let during = at_time("2027-01-16T09:00:00Z");
        let m = &scheduled_maintenances(&during).scheduled_maintenances[0].incident;
        assert_eq!(m.status, MaintenanceState::InProgress);
        let stages: Vec<&str> = m.incident_updates.iter().map(|u| u.id.as_str()).collect();
        assert_eq!(stages, ["notice-7-in-progress", "notice-7-scheduled"]);
        let change = m.incident_updates[0].affected_components.as_deref();
        assert_eq!(
            change.map(|c| (c[0].code.as_str(), c[0].new_status)),
            Some(("admin-site", ComponentStatus::UnderMaintenance))
        );
        assert!(
            upcoming_maintenances(&during)
                .scheduled_maintenances
                .is_empty()
        );
        assert_eq!(active_maintenances(&during).scheduled_maintenances.len(), 1);

        let after = at_time("2027-01-16T11:00:00Z");
        let m = &scheduled_maintenances(&after).scheduled_maintenances[0].incident;
        assert_eq!(m.status, MaintenanceState::Completed);
        assert_eq!(m.resolved_at, Some(at("2027-01-16T11:00:00Z")));
        assert_eq!(m.incident_updates.len(), 3);
        assert!(summary(&after).scheduled_maintenances.is_empty());
        assert!(
            active_maintenances(&after)
                .scheduled_maintenances
                .is_empty()
        );
    }

    #[test]
    fn open_ended_maintenance_stays_in_progress_with_no_end_and_covers_all_of_tis() {
        let m = model(
            "2027-03-01T00:00:00Z",
            vec![
                service("a", "G", Status::Maintenance),
                service("b", "H", Status::Maintenance),
            ],
            vec![],
            vec![maintenance(8, "2027-01-01T00:00:00Z", None, &[])],
        );
        let out = &active_maintenances(&m).scheduled_maintenances[0];
        assert_eq!(out.scheduled_until, None);
        let touched: Vec<&str> = out
            .incident
            .components
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(touched, ["a", "b"]);
    }

    #[test]
    fn drafts_and_other_kinds_of_notice_never_appear() {
        let mut draft = maintenance(1, "2027-01-16T08:00:00Z", None, &[]);
        draft.published = false;
        let mut info = maintenance(2, "2027-01-16T08:00:00Z", None, &[]);
        info.kind = NoticeKind::Information;
        let mut problem = maintenance(3, "2026-01-16T08:00:00Z", None, &[]);
        problem.kind = NoticeKind::KnownProblem;
        let m = model(
            "2026-11-25T12:00:00Z",
            vec![],
            vec![],
            vec![draft, info, problem],
        );
        assert!(scheduled_maintenances(&m).scheduled_maintenances.is_empty());
        assert!(summary(&m).scheduled_maintenances.is_empty());
        let text = serde_json::to_string(&summary(&m)).expect("serializes");
        assert!(!text.contains("notice-1"), "{text}");
    }

    // ---- the documented shape, checked against fixtures ----

    const INDICATORS: &[&str] = &["none", "minor", "major", "critical"];
    const COMPONENT_STATUSES: &[&str] = &[
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
    ];
    const INCIDENT_STATUSES: &[&str] = &[
        "investigating",
        "identified",
        "monitoring",
        "resolved",
        "postmortem",
    ];
    const INCIDENT_IMPACTS: &[&str] = &["none", "minor", "major", "critical"];
    const MAINTENANCE_STATUSES: &[&str] = &["scheduled", "in_progress", "verifying", "completed"];
    const MAINTENANCE_IMPACTS: &[&str] = &["none", "minor", "major", "critical", "maintenance"];

    /// Fields that may be null in our answers although Statuspage always fills them: see
    /// the module docs.
    const NULL_HERE_ONLY: &[&str] = &["scheduled_until"];

    fn fixture(name: &str) -> Value {
        let path = format!(
            "{}/tests/fixtures/statuspage/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect("the fixture exists");
        serde_json::from_str(&text).expect("the fixture is JSON")
    }

    /// The documented values of an enum field of an object kind.
    fn documented(kind: &str, key: &str) -> Option<&'static [&'static str]> {
        let kind = kind.trim_end_matches("[group]");
        match (kind, key) {
            ("status", "indicator") => Some(INDICATORS),
            (k, "status") if k == "components" || k.ends_with(".components") => {
                Some(COMPONENT_STATUSES)
            }
            ("incidents" | "incidents.incident_updates", "status") => Some(INCIDENT_STATUSES),
            ("incidents", "impact") => Some(INCIDENT_IMPACTS),
            ("scheduled_maintenances" | "scheduled_maintenances.incident_updates", "status") => {
                Some(MAINTENANCE_STATUSES)
            }
            ("scheduled_maintenances", "impact") => Some(MAINTENANCE_IMPACTS),
            (k, "old_status" | "new_status") if k.ends_with(".affected_components") => {
                Some(COMPONENT_STATUSES)
            }
            _ => None,
        }
    }

    fn json_type(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Every object of an answer, by kind: the path of keys that leads to it (array
    /// indexes left out), with `[group]` on group components.
    fn objects<'a>(
        value: &'a Value,
        kind: &str,
        out: &mut BTreeMap<String, Vec<&'a Map<String, Value>>>,
    ) {
        match value {
            Value::Object(map) => {
                let kind = if map.get("group") == Some(&Value::Bool(true)) {
                    format!("{kind}[group]")
                } else {
                    kind.to_string()
                };
                for (key, child) in map {
                    let child_kind = if kind.is_empty() {
                        key.clone()
                    } else {
                        format!("{}.{key}", kind.trim_end_matches("[group]"))
                    };
                    objects(child, &child_kind, out);
                }
                out.entry(kind).or_default().push(map);
            }
            Value::Array(items) => items.iter().for_each(|item| objects(item, kind, out)),
            _ => {}
        }
    }

    /// Everything in `ours` that breaks the shape of `theirs`: keys, types, enums, times.
    fn shape_problems(ours: &Value, theirs: &Value) -> Vec<String> {
        let mut fixture_objects = BTreeMap::new();
        objects(theirs, "", &mut fixture_objects);
        let mut our_objects = BTreeMap::new();
        objects(ours, "", &mut our_objects);
        let mut problems = Vec::new();
        for (kind, instances) in &our_objects {
            let Some(documented_instances) = fixture_objects.get(kind) else {
                problems.push(format!("{kind}: no such kind of object in the fixture"));
                continue;
            };
            let keys: BTreeSet<&String> = documented_instances[0].keys().collect();
            let mut types: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for d in documented_instances {
                for (key, value) in d.iter() {
                    types.entry(key).or_default().insert(json_type(value));
                }
            }
            for object in instances {
                let ours_keys: BTreeSet<&String> = object.keys().collect();
                if ours_keys != keys {
                    problems.push(format!(
                        "{kind}: keys missing {:?}, extra {:?}",
                        keys.difference(&ours_keys).collect::<Vec<_>>(),
                        ours_keys.difference(&keys).collect::<Vec<_>>()
                    ));
                }
                for (key, value) in object.iter() {
                    let t = json_type(value);
                    let allowed = types.get(key.as_str()).cloned().unwrap_or_default();
                    let fits = allowed.contains(t)
                        || (t == "integer" && allowed.contains("number"))
                        || (t == "null" && NULL_HERE_ONLY.contains(&key.as_str()));
                    if !fits {
                        problems.push(format!("{kind}.{key}: {t}, documented {allowed:?}"));
                    }
                    if let Some(values) = documented(kind, key)
                        && !value.as_str().is_some_and(|v| values.contains(&v))
                    {
                        problems.push(format!("{kind}.{key}: {value} is not in {values:?}"));
                    }
                    let is_time = key.ends_with("_at") || key.starts_with("scheduled_");
                    if let (true, Some(text)) = (is_time, value.as_str())
                        && DateTime::parse_from_rfc3339(text).is_err()
                    {
                        problems.push(format!("{kind}.{key}: {text} is not a timestamp"));
                    }
                    if let ("start_date", Some(text)) = (key.as_str(), value.as_str())
                        && text.parse::<NaiveDate>().is_err()
                    {
                        problems.push(format!("{kind}.{key}: {text} is not a date"));
                    }
                }
            }
        }
        problems
    }

    fn kinds(value: &Value) -> BTreeSet<String> {
        let mut found = BTreeMap::new();
        objects(value, "", &mut found);
        found.into_keys().collect()
    }

    const FIXTURES: [&str; 8] = [
        "summary.json",
        "status.json",
        "components.json",
        "incidents.json",
        "incidents-unresolved.json",
        "scheduled-maintenances.json",
        "scheduled-maintenances-upcoming.json",
        "scheduled-maintenances-active.json",
    ];

    #[test]
    fn the_fixtures_agree_with_themselves_and_with_the_documented_enums() {
        for name in FIXTURES {
            let doc = fixture(name);
            // Every object of a kind has the same keys, so one instance stands for all.
            let mut found = BTreeMap::new();
            objects(&doc, "", &mut found);
            for (kind, instances) in found {
                let first: Vec<&String> = instances[0].keys().collect();
                for other in &instances {
                    assert_eq!(other.keys().collect::<Vec<_>>(), first, "{name}: {kind}");
                }
            }
            assert_eq!(shape_problems(&doc, &doc), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn the_shape_check_catches_a_missing_key_a_wrong_type_and_an_unknown_enum() {
        let doc = fixture("summary.json");
        let mut broken = doc.clone();
        broken["components"][0]
            .as_object_mut()
            .expect("an object")
            .remove("showcase");
        broken["components"][1]["position"] = json!("2");
        broken["incidents"][0]["incident_updates"][0]["status"] = json!("unknown");
        broken["page"]["updated_at"] = json!("yesterday");
        broken["incidents"][0]["resolved_at"] = json!(12);
        let problems = shape_problems(&broken, &doc);
        let said = problems.join("\n");
        for expected in [
            "components: keys missing [\"showcase\"]",
            "components[group].position: string",
            "incidents.incident_updates.status: \"unknown\"",
            "page.updated_at: yesterday is not a timestamp",
            "incidents.resolved_at: integer",
        ] {
            assert!(said.contains(expected), "{expected} not in:\n{said}");
        }
    }

    /// The demo's services and records at `now`, with statuses of every kind so that
    /// every mapping shows up.
    fn demo_model(now: &str) -> Model {
        let config = crate::config::Config::demo("http://127.0.0.1:9").expect("demo config");
        let records =
            crate::store::import::parse(crate::demo::DEMO_RECORDS_NAME, crate::demo::DEMO_RECORDS)
                .expect("demo records");
        let every = [
            Status::Operational,
            Status::Degraded,
            Status::PartialOutage,
            Status::MajorOutage,
            Status::Maintenance,
            Status::Unknown,
        ];
        let services = config
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| ServiceState {
                id: s.id.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                group: s.group.clone(),
                position: s.position,
                depends_on: s.depends_on.clone(),
                status: every[i % every.len()],
                reason: None,
                last_checked: (every[i % every.len()] != Status::Unknown)
                    .then(|| at(now) - chrono::Duration::seconds(20)),
            })
            .collect();
        let mut incidents = records.incidents;
        incidents.sort_by_key(|i| std::cmp::Reverse(i.started_at));
        model(now, services, incidents, records.notices)
    }

    fn our(answer: impl Serialize) -> Value {
        serde_json::to_value(answer).expect("serializes")
    }

    /// Before the demo's planned maintenance, while its last incident is open.
    const DEMO_NOW: &str = "2026-11-25T12:00:00Z";
    /// During the demo's planned maintenance.
    const DEMO_DURING: &str = "2027-01-16T09:00:00Z";
    /// After it.
    const DEMO_AFTER: &str = "2027-01-16T12:00:00Z";

    #[test]
    fn the_demo_summary_has_the_documented_shape_and_every_kind_of_object() {
        let m = demo_model(DEMO_NOW);
        let ours = our(summary(&m));
        let doc = fixture("summary.json");
        assert_eq!(shape_problems(&ours, &doc), Vec::<String>::new());
        // During the planned maintenance every kind of object the documentation shows
        // turns up in ours, so none of them goes unchecked.
        let during = our(summary(&demo_model(DEMO_DURING)));
        assert_eq!(shape_problems(&during, &doc), Vec::<String>::new());
        assert_eq!(kinds(&during), kinds(&doc));
        // Exactly the open demo incident and the published planned maintenance.
        assert_eq!(ours["incidents"].as_array().map(Vec::len), Some(1));
        assert_eq!(ours["incidents"][0]["id"], "inc-4");
        assert_eq!(ours["scheduled_maintenances"][0]["id"], "notice-3");
        assert_eq!(ours["scheduled_maintenances"][0]["status"], "scheduled");
        assert_eq!(ours["page"]["id"], "tis-status");
        assert_eq!(ours["page"]["time_zone"], "Europe/London");
        // A group lists its members by id, and they point back at it.
        let groups: Vec<&Value> = ours["components"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["group"] == true)
            .collect();
        assert_eq!(
            groups.len(),
            4,
            "Sign-in, For admins, For trainees, Integrations"
        );
        for g in groups {
            for member in g["components"].as_array().into_iter().flatten() {
                let member = ours["components"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|c| c["id"] == *member)
                    .expect("the member is listed");
                assert_eq!(member["group_id"], g["id"]);
            }
        }
    }

    #[test]
    fn every_demo_answer_has_the_documented_shape() {
        type Case = (&'static str, &'static str, fn(&Model) -> Value);
        let cases: [Case; 12] = [
            (DEMO_NOW, "status.json", |m| our(status(m))),
            (DEMO_NOW, "components.json", |m| our(components(m))),
            (DEMO_NOW, "incidents.json", |m| our(incidents(m))),
            (DEMO_NOW, "incidents-unresolved.json", |m| {
                our(unresolved_incidents(m))
            }),
            (DEMO_NOW, "scheduled-maintenances.json", |m| {
                our(scheduled_maintenances(m))
            }),
            (DEMO_NOW, "scheduled-maintenances-upcoming.json", |m| {
                our(upcoming_maintenances(m))
            }),
            (DEMO_DURING, "summary.json", |m| our(summary(m))),
            (DEMO_DURING, "scheduled-maintenances.json", |m| {
                our(scheduled_maintenances(m))
            }),
            (DEMO_DURING, "scheduled-maintenances-active.json", |m| {
                our(active_maintenances(m))
            }),
            (DEMO_AFTER, "scheduled-maintenances.json", |m| {
                our(scheduled_maintenances(m))
            }),
            (DEMO_AFTER, "incidents.json", |m| our(incidents(m))),
            (DEMO_AFTER, "summary.json", |m| our(summary(m))),
        ];
        for (now, name, answer) in cases {
            let ours = answer(&demo_model(now));
            let problems = shape_problems(&ours, &fixture(name));
            assert_eq!(problems, Vec::<String>::new(), "{name} at {now}");
        }
        // The lists the cases above check are not empty, so the checks saw objects.
        let during = demo_model(DEMO_DURING);
        assert_eq!(active_maintenances(&during).scheduled_maintenances.len(), 1);
        let after = demo_model(DEMO_AFTER);
        let done = &scheduled_maintenances(&after).scheduled_maintenances[0];
        assert_eq!(done.incident.status, MaintenanceState::Completed);
        assert_eq!(incidents(&after).incidents.len(), 4);
    }

    #[test]
    fn the_demo_maps_every_status_and_never_shows_unknown_as_operational() {
        let m = demo_model(DEMO_NOW);
        let list = components(&m).components;
        for s in &m.services {
            let c = list.iter().find(|c| c.id == s.id).expect("listed");
            assert_eq!(c.status, component_status(s.status), "{}", s.id);
            assert_eq!(c.name, s.name);
        }
        let seen: BTreeSet<String> = list.iter().map(|c| our(c.status).to_string()).collect();
        assert_eq!(seen.len(), COMPONENT_STATUSES.len(), "{seen:?}");
        assert_eq!(status(&m).status.indicator, Indicator::Critical);
    }

    // ---- serving ----

    /// A GET of `path`, with `If-None-Match: etag` if given; the feeds' tests use it too.
    pub(crate) async fn get(
        app: Router,
        path: &str,
        etag: Option<&str>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::get(path);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        let response = app
            .oneshot(request.body(Body::empty()).expect("request"))
            .await
            .expect("answered");
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, headers, body.to_vec())
    }

    fn app(model: Model) -> Router {
        Router::new()
            .nest("/api/v2", routes(|s: &Snapshots| s))
            .with_state(Snapshots::new(model))
    }

    #[tokio::test]
    async fn every_endpoint_serves_its_answer_from_the_snapshot_with_an_etag() {
        let m = demo_model(DEMO_NOW);
        let answers: [(&str, Value); 8] = [
            ("/summary.json", our(summary(&m))),
            ("/status.json", our(status(&m))),
            ("/components.json", our(components(&m))),
            ("/incidents.json", our(incidents(&m))),
            ("/incidents/unresolved.json", our(unresolved_incidents(&m))),
            (
                "/scheduled-maintenances.json",
                our(scheduled_maintenances(&m)),
            ),
            (
                "/scheduled-maintenances/upcoming.json",
                our(upcoming_maintenances(&m)),
            ),
            (
                "/scheduled-maintenances/active.json",
                our(active_maintenances(&m)),
            ),
        ];
        assert_eq!(
            ENDPOINTS.map(|(path, _)| path),
            answers.each_ref().map(|(path, _)| *path)
        );
        for (path, expected) in answers {
            let app = app(m.clone());
            let url = format!("/api/v2{path}");
            let (status, headers, body) = get(app.clone(), &url, None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/json");
            let served: Value = serde_json::from_slice(&body).expect("JSON");
            assert_eq!(served, expected, "{path}");
            let etag = headers[header::ETAG].to_str().expect("ascii").to_string();
            let (again, _, _) = get(app, &url, Some(&etag)).await;
            assert_eq!(again, StatusCode::NOT_MODIFIED, "{path}");
        }
    }

    #[tokio::test]
    async fn an_unknown_address_is_a_json_404_not_the_app() {
        let (status, headers, _) = get(app(demo_model(DEMO_NOW)), "/api/v2/pages.json", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    }
}
