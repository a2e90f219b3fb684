//! The result of one run of one probe, and the kinds of failure it can report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No answer within the probe's timeout.
    Timeout,
    /// The name did not resolve.
    Dns,
    /// The connection was refused or could not be made.
    Connect,
    /// The connection was made, then dropped or reset before a whole answer came.
    Reset,
    /// The name resolved to a loopback or private address where a public one was expected.
    Address,
    /// The certificate has expired, is not yet valid, is for another name, or is not
    /// signed by a trusted authority (self-signed).
    Tls,
    /// Redirected in a loop, or too many times.
    Redirect,
    /// An HTTP status other than the one expected.
    Status,
    /// The answer's content was not what was expected (text, JSON value, not JSON).
    Body,
    /// The token endpoint refused the client's credentials.
    Auth,
    /// The service refused the token that the token endpoint gave.
    TokenRejected,
    /// A batch job did not report in time (a heartbeat).
    Missed,
    /// A batch job started and did not finish in time (a heartbeat).
    Unfinished,
    /// A batch job reported that it failed (a heartbeat).
    JobFailed,
    Other,
    /// The check failed, but the prober could not reach any of its canaries either, so
    /// the failure says nothing about the service: the prober itself is cut off. Counts
    /// as no data, never as down (see [`ProbeResult::was_checked`]).
    NotChecked,
}

/// Longest `detail` a result may carry, in characters. Longer text (a whole error page
/// from a remote server) is cut to this by the prober and refused by the server.
pub const DETAIL_MAX_CHARS: usize = 1000;

/// `detail` cut to [`DETAIL_MAX_CHARS`], ending in "…" when it was cut.
pub fn clip_detail(detail: String) -> String {
    if detail.chars().count() <= DETAIL_MAX_CHARS {
        return detail;
    }
    let mut clipped: String = detail.chars().take(DETAIL_MAX_CHARS - 1).collect();
    clipped.push('…');
    clipped
}

/// The outcome of one run of one probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProbeResult {
    /// Id of the probe, unique within its service, e.g. `bulk-upload/2` (see [`crate::status::probe_id`]).
    pub probe: String,
    pub service: String,
    /// When the check started, UTC.
    pub at: DateTime<Utc>,
    pub ok: bool,
    #[serde(deserialize_with = "crate::wire::whole_u32")]
    pub latency_ms: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// What went wrong, or the warning when degraded, in the check's own words (addresses,
    /// remote error text): sent only to signed-in staff; empty when all is well.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// Working, but with a warning for the team in `detail`: a certificate close to expiry.
    /// Only with `ok`. The service still shows as working (see `status::warning`); the
    /// name is kept because standalone probers already send it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub degraded: bool,
    /// Where the check ran from, e.g. `london` or a standalone prober's name, so that
    /// several locations can be required to agree before a service is called down.
    /// Sent only to signed-in staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl ProbeResult {
    /// Whether this result says anything about the service: false for a failure recorded
    /// as "could not check", when the prober could not reach its canaries either.
    pub fn was_checked(&self) -> bool {
        self.error_kind != Some(ErrorKind::NotChecked)
    }

    /// A failure the service is to blame for: not ok, and checked.
    pub fn failed(&self) -> bool {
        !self.ok && self.was_checked()
    }

    /// The result as the public may see it: status, time and latency (and the kind of
    /// failure, a fixed word), without what the check said or where it ran from, which
    /// name internal hosts, addresses and remote errors.
    pub fn for_public(&self) -> ProbeResult {
        ProbeResult {
            detail: String::new(),
            location: None,
            ..self.clone()
        }
    }
}
