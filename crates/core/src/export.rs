//! The export / import file: everything people wrote, so it can move between servers
//! and so the demo loads through the same path users use.

use serde::{Deserialize, Serialize};

use crate::incident::{Incident, Revision};
use crate::notice::Notice;

/// Bumped when the file's shape changes in a way older readers cannot follow.
pub const EXPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Export {
    pub version: u32,
    #[serde(default)]
    pub notices: Vec<Notice>,
    #[serde(default)]
    pub incidents: Vec<Incident>,
    /// Earlier saves of reports; the current report sits in its incident.
    #[serde(default)]
    pub revisions: Vec<Revision>,
}
