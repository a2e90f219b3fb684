//! The export / import file: everything people wrote and the history the server keeps for
//! ever, so it can move between servers and so the demo loads through the same path users
//! use.
//!
//! Left out on purpose:
//! - accounts, sign-in sessions and API tokens. They decide who may change the page, and
//!   a file that moves between servers (and into backups and tickets) should not carry
//!   that: password and token hashes could be attacked offline, and a token revoked on
//!   one server would come back to life on another. Each server's admins add accounts
//!   and tokens with `tis-status account add` and `tis-status token create`.
//! - raw probe results. They are pruned after the retention period (30 days by default)
//!   and the lasting record of them is here: the daily uptime and the status changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{Incident, Revision};
use crate::notice::Notice;
use crate::plain::GlossaryTerm;
use crate::status::StatusChange;
use crate::uptime::DailyUptime;

/// Bumped when the file's shape changes in a way older readers cannot follow. Parts
/// added since version 1 may be left out, so every version-1 file still reads.
pub const EXPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub version: u32,
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// Each with its updates and its current report.
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// Every save of every report; the current report also sits in its incident.
    #[serde(default)]
    pub revisions: Vec<Revision>,
    /// The glossary as editors last saved it; absent while the built-in terms apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glossary: Option<SavedGlossary>,
    /// When what users were shown about a service changed, oldest first: what incident
    /// timelines show the probes saw.
    #[serde(default)]
    pub status_changes: Vec<StatusChange>,
    /// How each service did each UK day, by service and day: the uptime history.
    #[serde(default)]
    pub daily_uptime: Vec<DailyUptime>,
    /// Who changed what, when, oldest first.
    #[serde(default)]
    pub audit_log: Vec<AuditEntry>,
}

/// The glossary behind the plain-language hints, as last saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedGlossary {
    pub terms: Vec<GlossaryTerm>,
    pub updated_at: DateTime<Utc>,
    /// Who saved it, as the audit log names them.
    pub updated_by: String,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    /// An account name, `token NAME`, or `command line (USER)`.
    pub actor: String,
    /// What was done, e.g. `notice.create`, `report.save`.
    pub action: String,
    /// What it was done to, e.g. `notice/4`, `incident/3`.
    pub target: String,
    #[serde(default)]
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_from_before_the_history_was_exported_still_reads() {
        let old: Export =
            serde_json::from_str(r#"{"version": 1, "notices": [], "incidents": []}"#).unwrap();
        assert_eq!(old.glossary, None);
        assert!(old.revisions.is_empty() && old.status_changes.is_empty());
        assert!(old.daily_uptime.is_empty() && old.audit_log.is_empty());
    }

    #[test]
    fn a_misspelt_part_is_refused_rather_than_dropped() {
        let error = serde_json::from_str::<Export>(r#"{"version": 1, "audit": []}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `audit`"), "{error}");
    }
}
