//! The input that writes a notice, and the notice it makes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::notice::{Audience, Notice, NoticeKind, NoticeSeverity};

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

impl NoticeInput {
    /// The notice this input makes: its text trimmed, as it is checked and stored, and
    /// as the staff pages check it before sending.
    pub fn notice(
        &self,
        id: i64,
        author: &str,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
    ) -> Notice {
        Notice {
            id,
            title: self.title.trim().to_string(),
            body: self.body.trim().to_string(),
            kind: self.kind,
            severity: self.severity,
            services: self.services.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            audience: self.audience,
            published: self.published,
            author: author.to_string(),
            created_at,
            updated_at,
        }
    }
}
