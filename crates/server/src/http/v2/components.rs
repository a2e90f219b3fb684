//! Components: each service, and each group of the page as a group component, with
//! Statuspage's status words.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tis_core::ServiceState;

use super::{Built, Page};
use crate::read::model::Model;

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

/// `components.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Components {
    pub page: Page,
    pub components: Vec<Component>,
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

/// `components.json`.
pub fn components(model: &Model) -> Components {
    let all = Built::new(model);
    Components {
        page: all.page,
        components: all.components,
    }
}

/// Services as components, each group of the page as a group component just before its
/// members, groups and ungrouped services in page order.
pub(super) fn build_components(model: &Model) -> Vec<Component> {
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
pub(super) fn find<'a>(services: &[&'a Component], id: &str) -> Option<&'a Component> {
    services.iter().copied().find(|c| c.id == id)
}
