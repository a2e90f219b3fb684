//! Notices that support staff post: planned maintenance, known problems, information.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Information,
    PlannedMaintenance,
    KnownProblem,
}

/// Which published notices a reader is shown, by time: the `state` of
/// `GET /api/v1/notices?state=…` and the groups of the notices page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// In their window now.
    Active,
    /// Starting later: the `upcoming` list of the summary.
    Upcoming,
    /// Over.
    Past,
}

impl NoticeState {
    /// The public list of notices in this state.
    pub fn path(self) -> String {
        format!("/api/v1/notices?state={}", self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoticeSeverity {
    Low,
    Medium,
    High,
}

/// Who a notice is for. Readers choose theirs; `everyone` notices reach all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Everyone,
    Trainees,
    Admins,
}

impl Audience {
    /// Whether a reader who chose `reader` should see a notice meant for `self`.
    pub fn reaches(self, reader: Audience) -> bool {
        self == Audience::Everyone || reader == Audience::Everyone || self == reader
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub id: i64,
    pub title: String,
    /// Plain text; blank lines separate paragraphs.
    pub body: String,
    pub kind: NoticeKind,
    pub severity: NoticeSeverity,
    /// Ids of the services it concerns; empty means TIS as a whole.
    #[serde(default)]
    pub services: Vec<String>,
    pub starts_at: DateTime<Utc>,
    /// Open-ended when absent.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    pub audience: Audience,
    /// Drafts are seen only by staff.
    pub published: bool,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Notice {
    /// Shown to the public at `now`: published and inside its window.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.published && self.starts_at <= now && self.ends_at.is_none_or(|end| now < end)
    }

    /// Planned maintenance under way at `now`, which marks its services as in maintenance.
    pub fn is_maintenance_at(&self, now: DateTime<Utc>) -> bool {
        self.kind == NoticeKind::PlannedMaintenance && self.is_active(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_reach_their_readers() {
        assert!(Audience::Everyone.reaches(Audience::Trainees));
        assert!(Audience::Admins.reaches(Audience::Admins));
        assert!(!Audience::Admins.reaches(Audience::Trainees));
        assert!(Audience::Trainees.reaches(Audience::Everyone));
    }
}
