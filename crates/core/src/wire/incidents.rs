//! Incidents as the API answers them (a page, a summary, the view with its public
//! report and revisions) and the inputs that write them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{
    AffectedService, Impact, Incident, IncidentStatus, IncidentUpdate, Report, ReportStatus,
    TimelineEntry,
};
use crate::keytimes::KeyTimes;

use super::whole_u32;

/// `GET /api/v1/incidents`: one page of history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentPage {
    pub incidents: Vec<IncidentSummary>,
    pub page: u32,
    pub per_page: u32,
    pub total: u32,
    /// UK calendar years in which any incident started, newest first, to filter by.
    #[serde(default)]
    pub years: Vec<i32>,
}

/// An incident in a list: no report, only its latest update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentSummary {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub affected: Vec<AffectedService>,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub next_update_at: Option<DateTime<Utc>>,
    pub latest_update: Option<IncidentUpdate>,
    /// Whether a published report can be read.
    pub has_report: bool,
}

impl From<&Incident> for IncidentSummary {
    fn from(i: &Incident) -> Self {
        IncidentSummary {
            id: i.id,
            title: i.title.clone(),
            status: i.status,
            impact: i.impact,
            affected: i.affected.clone(),
            started_at: i.started_at,
            resolved_at: i.resolved_at,
            next_update_at: i.next_update_at,
            latest_update: i.latest_update().cloned(),
            has_report: i
                .report
                .as_ref()
                .is_some_and(|r| r.status == ReportStatus::Published),
        }
    }
}

/// `GET /api/v1/incidents/{id}`: what the reader may see of an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentView {
    pub incident: Incident,
    /// The report's plain-language parts, for everyone once published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_report: Option<PublicReport>,
    /// Worked out from the report's timeline (published, or for staff any report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_times: Option<KeyTimes>,
    /// The current revision number, for staff (the base of the next save).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_revision: Option<u32>,
}

/// `GET /api/v1/incidents/{id}/report/revisions` (staff): one saved version of a report
/// in a list, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionInfo {
    pub number: u32,
    pub author: String,
    pub at: DateTime<Utc>,
    pub status: ReportStatus,
    /// Whether this is the version shown now.
    pub current: bool,
}

/// The parts of a report that everyone may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicReport {
    pub summary: String,
    pub impact: String,
    pub non_technical: String,
    pub resolution: String,
    pub timeline: Vec<TimelineEntry>,
    /// What we are doing so it does not happen again: the action items' text and status,
    /// without owners.
    pub actions: Vec<PublicAction>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicAction {
    pub text: String,
    pub done: bool,
}

impl From<&Report> for PublicReport {
    fn from(r: &Report) -> Self {
        PublicReport {
            summary: r.summary.clone(),
            impact: r.impact.clone(),
            non_technical: r.non_technical.clone(),
            resolution: r.resolution.clone(),
            timeline: r.timeline.clone(),
            actions: r
                .action_items
                .iter()
                .map(|a| PublicAction {
                    text: a.text.clone(),
                    done: a.status == crate::incident::ActionStatus::Done,
                })
                .collect(),
        }
    }
}

/// An incident as editors open or change it (`POST /api/v1/incidents`, `PUT …/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportSave {
    #[serde(deserialize_with = "whole_u32")]
    pub base_revision: u32,
    pub report: Report,
}

/// `GET /api/v1/incidents/{id}/report/diff?from=&to=`: the sections that differ between
/// two revisions, line by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDiff {
    pub incident: i64,
    pub from: u32,
    pub to: u32,
    /// Only the sections that differ, in report order.
    pub sections: Vec<SectionDiff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionDiff {
    /// The report field, e.g. `summary`, `timeline`.
    pub section: String,
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}
