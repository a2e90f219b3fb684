//! Shapes of API answers that the browser app reads, and the sentences built from them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{AffectedService, Impact, IncidentStatus, Report};
use crate::notice::{Audience, NoticeKind, NoticeSeverity};
use crate::status::{ServiceState, Status};
use crate::time::{uk_date_time, uk_time, zone_label};
use crate::uptime::uk_date_of;

/// `GET /api/v1/services`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceList {
    /// True when this is the built-in demo, so the page can say the data is not real.
    pub demo: bool,
    pub generated_at: DateTime<Utc>,
    pub services: Vec<ServiceState>,
}

/// A notice as support staff write it (`POST /api/v1/notices`, `PUT /api/v1/notices/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
    pub kind: NoticeKind,
    pub severity: NoticeSeverity,
    #[serde(default)]
    pub services: Vec<String>,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    pub audience: Audience,
    /// False keeps it as a draft that only staff see.
    pub published: bool,
}

/// An incident as editors open or change it (`POST /api/v1/incidents`, `PUT …/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub affected: Vec<AffectedService>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub next_update_at: Option<DateTime<Utc>>,
}

/// An update for users during an incident (`POST /api/v1/incidents/{id}/updates`). It
/// moves the incident to `status`; resolving it sets the resolved time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInput {
    pub status: IncidentStatus,
    pub body: String,
    /// When users will hear next; absent once resolved.
    #[serde(default)]
    pub next_update_at: Option<DateTime<Utc>>,
}

/// A save of an incident report (`PUT /api/v1/incidents/{id}/report`). `base_revision`
/// is the revision the editor started from (0 for a first save): if someone saved in
/// between, the save is refused with 409 Conflict rather than overwriting their work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSave {
    pub base_revision: u32,
    pub report: Report,
}

/// One sentence for the whole of TIS, worst news first.
pub fn headline(services: &[ServiceState]) -> &'static str {
    let any = |s: Status| services.iter().any(|x| x.status == s);
    if services.is_empty() || services.iter().all(|s| s.status == Status::Unknown) {
        "We cannot check TIS services at the moment"
    } else if any(Status::MajorOutage) || any(Status::PartialOutage) {
        "Some services are not working"
    } else if any(Status::Degraded) {
        "Some services are slow"
    } else if any(Status::Maintenance) {
        "Some services have planned maintenance"
    } else if any(Status::Unknown) {
        "We cannot check some services at the moment"
    } else {
        "All services are working"
    }
}

/// Services grouped under their headings, groups in the order of their first service.
pub fn by_group(services: &[ServiceState]) -> Vec<(String, Vec<ServiceState>)> {
    let mut sorted = services.to_vec();
    sorted.sort_by_key(|s| s.position);
    let mut groups: Vec<(String, Vec<ServiceState>)> = Vec::new();
    for s in sorted {
        match groups.iter_mut().find(|(g, _)| *g == s.group) {
            Some((_, list)) => list.push(s),
            None => groups.push((s.group.clone(), vec![s])),
        }
    }
    groups
}

/// When a service was last checked, short when it was today (UK time).
pub fn last_checked_text(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match at {
        None => "Not checked yet".to_string(),
        Some(at) if uk_date_of(at) == uk_date_of(now) => {
            format!("Last checked {} {}", uk_time(at), zone_label(at))
        }
        Some(at) => format!("Last checked {}", uk_date_time(at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_checked_names_the_day_only_when_it_was_not_today() {
        let now: DateTime<Utc> = "2026-11-24T19:30:00Z".parse().unwrap();
        let today: DateTime<Utc> = "2026-11-24T19:29:10Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(today), now),
            "Last checked 7:29pm GMT"
        );
        let before: DateTime<Utc> = "2026-11-23T19:29:00Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(before), now),
            "Last checked 7:29pm GMT on Monday 23 November 2026"
        );
        assert_eq!(last_checked_text(None, now), "Not checked yet");
        // A summer evening is BST, and just after midnight BST is still "today" in the UK.
        let summer_now: DateTime<Utc> = "2026-07-01T23:30:00Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-01T23:10:00Z".parse().unwrap();
        assert_eq!(
            last_checked_text(Some(summer), summer_now),
            "Last checked 12:10am BST"
        );
    }

    fn state(id: &str, group: &str, position: i32, status: Status) -> ServiceState {
        ServiceState {
            id: id.into(),
            name: id.into(),
            description: String::new(),
            group: group.into(),
            position,
            depends_on: vec![],
            status,
            reason: None,
            last_checked: None,
        }
    }

    #[test]
    fn the_headline_gives_the_worst_news() {
        let ok = state("a", "G", 1, Status::Operational);
        assert_eq!(
            headline(std::slice::from_ref(&ok)),
            "All services are working"
        );
        let down = state("b", "G", 2, Status::MajorOutage);
        let slow = state("c", "G", 3, Status::Degraded);
        assert_eq!(
            headline(&[ok.clone(), slow.clone(), down]),
            "Some services are not working"
        );
        assert_eq!(headline(&[ok.clone(), slow]), "Some services are slow");
        let unknown = state("d", "G", 4, Status::Unknown);
        assert_eq!(
            headline(&[ok, unknown.clone()]),
            "We cannot check some services at the moment"
        );
        assert_eq!(
            headline(&[unknown]),
            "We cannot check TIS services at the moment"
        );
    }

    #[test]
    fn groups_keep_the_order_of_positions() {
        let list = [
            state("x", "For admins", 2, Status::Operational),
            state("s", "Sign-in", 1, Status::Operational),
            state("y", "For admins", 3, Status::Operational),
        ];
        let groups = by_group(&list);
        let names: Vec<_> = groups.iter().map(|(g, _)| g.as_str()).collect();
        assert_eq!(names, ["Sign-in", "For admins"]);
        assert_eq!(groups[1].1.len(), 2);
    }
}
