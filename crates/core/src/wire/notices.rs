//! The input that writes a notice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::notice::{Audience, NoticeKind, NoticeSeverity};

/// A notice as support staff write it (`POST /api/v1/notices`, `PUT /api/v1/notices/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
