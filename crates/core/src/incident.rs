//! Incidents: what users are told while they happen, and the report staff write after.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::status::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Minor,
    Major,
    Critical,
}

/// A service touched by an incident, with how badly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AffectedService {
    pub service: String,
    /// The status users saw for it during the incident.
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentUpdate {
    pub at: DateTime<Utc>,
    pub status: IncidentStatus,
    /// Plain words for users.
    pub body: String,
    pub author: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: i64,
    pub title: String,
    pub status: IncidentStatus,
    pub impact: Impact,
    pub affected: Vec<AffectedService>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    /// When users were promised the next update.
    #[serde(default)]
    pub next_update_at: Option<DateTime<Utc>>,
    /// Oldest first.
    #[serde(default)]
    pub updates: Vec<IncidentUpdate>,
    #[serde(default)]
    pub report: Option<Report>,
}

impl Incident {
    pub fn is_active(&self) -> bool {
        self.status != IncidentStatus::Resolved
    }

    pub fn latest_update(&self) -> Option<&IncidentUpdate> {
        self.updates.iter().max_by_key(|u| u.at)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    #[default]
    Draft,
    InReview,
    Published,
}

/// The post-incident report, in the same sections as the team's own.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    #[serde(default)]
    pub status: ReportStatus,
    #[serde(default)]
    pub authors: Vec<String>,
    /// Public: two or three plain sentences.
    pub summary: String,
    /// Public: who was affected and how.
    pub impact: String,
    /// Public: what happened, for people who are not technical.
    pub non_technical: String,
    /// Staff: what set it off.
    #[serde(default)]
    pub trigger: String,
    /// Staff: how we found out.
    #[serde(default)]
    pub detection: String,
    /// Public: what we did.
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default)]
    pub root_causes: Vec<String>,
    #[serde(default)]
    pub action_items: Vec<ActionItem>,
    #[serde(default)]
    pub lessons: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// When a timeline entry happened: a moment, or a span of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged, deny_unknown_fields)]
pub enum TimelineWhen {
    At {
        at: DateTime<Utc>,
    },
    Range {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    Event,
    Cause,
    Detected,
    UsersInformed,
    Mitigated,
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    #[serde(flatten)]
    pub when: TimelineWhen,
    /// Only the hour is known ("14:xx"): the moment lies somewhere in the hour, UK time,
    /// that starts at `at` (or `from`, and ends in the hour that starts at `to`).
    #[serde(default)]
    pub approximate: bool,
    pub text: String,
    #[serde(default = "default_kind")]
    pub kind: TimelineKind,
}

fn default_kind() -> TimelineKind {
    TimelineKind::Event
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    WontDo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    pub text: String,
    pub owner: String,
    pub status: ActionStatus,
    #[serde(default)]
    pub due: Option<chrono::NaiveDate>,
}

/// One saved version of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Revision {
    pub incident: i64,
    /// 1 for the first save, then counting up.
    pub number: u32,
    pub author: String,
    pub at: DateTime<Utc>,
    pub report: Report,
}
