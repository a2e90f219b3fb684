//! Services of TIS, the probes that check them, and the results those probes report.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A TIS service as users know it, defined in the server's config file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// A short slug, e.g. `bulk-upload`, used in URLs.
    pub id: String,
    /// The name users know it by, e.g. "Bulk upload".
    pub name: String,
    /// One plain sentence: what users do with it.
    pub description: String,
    /// The heading it is listed under, e.g. "For admins".
    pub group: String,
    /// Ids of the services it needs in order to work.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Order on the page; lower first.
    #[serde(default)]
    pub position: i32,
    /// How it is checked.
    #[serde(default, rename = "probe", skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<Probe>,
}

/// One check of a service, run on its own schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Probe {
    #[serde(flatten)]
    pub kind: ProbeKind,
    #[serde(default = "defaults::interval")]
    pub interval: HumanDuration,
    #[serde(default = "defaults::timeout")]
    pub timeout: HumanDuration,
    /// Consecutive failures before the service is called down.
    #[serde(default = "defaults::fail_after")]
    pub fail_after: u32,
    /// Consecutive successes before a down service is called up again.
    #[serde(default = "defaults::recover_after")]
    pub recover_after: u32,
    /// Latency above which the service is called degraded.
    #[serde(default)]
    pub slow_ms: Option<u32>,
}

mod defaults {
    use super::HumanDuration;
    pub fn interval() -> HumanDuration {
        HumanDuration::from_secs(30)
    }
    pub fn timeout() -> HumanDuration {
        HumanDuration::from_secs(5)
    }
    pub fn fail_after() -> u32 {
        2
    }
    pub fn recover_after() -> u32 {
        2
    }
    pub fn expect_status() -> u16 {
        200
    }
    pub fn method() -> String {
        "GET".into()
    }
    pub fn warn_days() -> u32 {
        14
    }
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeKind {
    /// An HTTP request whose answer is checked.
    Http {
        url: String,
        #[serde(default = "defaults::method")]
        method: String,
        #[serde(default = "defaults::expect_status")]
        expect_status: u16,
        /// Text the body must contain.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_contains: Option<String>,
        /// A JSON pointer into the body, e.g. `/status` of a Spring Boot actuator.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_pointer: Option<String>,
        /// The value expected at `json_pointer`, e.g. `UP`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_value: Option<String>,
    },
    /// A TCP connection to host and port.
    Tcp { host: String, port: u16 },
    /// The TLS certificate of host: degraded within `warn_days` of expiry, down after.
    Tls {
        host: String,
        #[serde(default = "defaults::warn_days")]
        warn_days: u32,
    },
    /// Signs in the way a service does: a client-credentials token from the OIDC token
    /// endpoint, then optionally a request to `then_url` with that token.
    Oidc {
        token_url: String,
        client_id: String,
        /// Name of the environment variable holding the client secret.
        client_secret_env: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        then_url: Option<String>,
    },
}

impl ProbeKind {
    pub fn name(&self) -> &'static str {
        match self {
            ProbeKind::Http { .. } => "http",
            ProbeKind::Tcp { .. } => "tcp",
            ProbeKind::Tls { .. } => "tls",
            ProbeKind::Oidc { .. } => "oidc",
        }
    }
}

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Timeout,
    Dns,
    Connect,
    Tls,
    Status,
    Body,
    Auth,
    Other,
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
    pub latency_ms: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<ErrorKind>,
    /// What went wrong, for staff; empty when ok.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// A length of time written the way people write it in config: `500ms`, `30s`, `5m`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration {
    millis: u64,
}

impl HumanDuration {
    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration {
            millis: secs * 1000,
        }
    }
    pub const fn from_millis(millis: u64) -> Self {
        HumanDuration { millis }
    }
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }
    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.millis as i64)
    }
}

impl FromStr for HumanDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("\"{s}\" has no unit: write it like 500ms, 30s, 5m or 1h"))?;
        let (digits, unit) = s.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("\"{s}\" does not start with a whole number, like 30s"))?;
        let factor = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => {
                return Err(format!(
                    "\"{s}\" has an unknown unit \"{unit}\": use ms, s, m or h"
                ));
            }
        };
        n.checked_mul(factor)
            .map(HumanDuration::from_millis)
            .ok_or_else(|| format!("\"{s}\" is too long"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        if ms.is_multiple_of(3_600_000) && ms > 0 {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) && ms > 0 {
            write!(f, "{}m", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Written as text on the wire, like in config.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for HumanDuration {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]+(ms|s|m|h)$"))
            .description(Some(
                "A length of time as people write it: 500ms, 30s, 5m or 1h.",
            ))
            .examples(["30s"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for HumanDuration {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_the_units_people_write() {
        assert_eq!("30s".parse(), Ok(HumanDuration::from_secs(30)));
        assert_eq!("5m".parse(), Ok(HumanDuration::from_secs(300)));
        assert_eq!("1h".parse(), Ok(HumanDuration::from_secs(3600)));
        assert_eq!("250ms".parse(), Ok(HumanDuration::from_millis(250)));
    }

    #[test]
    fn a_duration_without_a_unit_says_how_to_write_one() {
        let err = "30".parse::<HumanDuration>().unwrap_err();
        assert!(err.contains("30s"), "{err}");
        let err = "3 days".parse::<HumanDuration>().unwrap_err();
        assert!(err.contains("ms, s, m or h"), "{err}");
    }

    #[test]
    fn durations_round_trip_through_text() {
        for s in ["250ms", "30s", "5m", "2h", "90s"] {
            let d: HumanDuration = s.parse().unwrap();
            assert_eq!(d.to_string().parse::<HumanDuration>().unwrap(), d);
        }
    }

    #[test]
    fn a_probe_reads_from_config_with_defaults() {
        let probe: Probe = serde_json::from_value(serde_json::json!({
            "kind": "http",
            "url": "http://127.0.0.1:1/health",
            "json_pointer": "/status",
            "expect_value": "UP"
        }))
        .unwrap();
        assert_eq!(probe.interval, HumanDuration::from_secs(30));
        assert_eq!(probe.fail_after, 2);
        match probe.kind {
            ProbeKind::Http { expect_status, .. } => assert_eq!(expect_status, 200),
            other => panic!("expected http, got {other:?}"),
        }
    }
}
