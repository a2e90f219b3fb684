//! Services of TIS, the probes that check them, and the results those probes report.

mod canary;
mod duration;
mod expect;
mod heartbeat;
mod result;

pub use canary::{CANARY_TIMEOUT, Canary, not_checked_detail, unreached_canaries};
pub use duration::HumanDuration;
pub use expect::ExpectStatus;
pub use heartbeat::{
    DEFAULT_TIMEZONE, HEARTBEAT_JUDGED_EVERY, HeartbeatPing, JOB_NAME_MAX, PING_MESSAGE_MAX,
    PingKind, clean_message, duration_words,
};
pub use result::{DETAIL_MAX_CHARS, ErrorKind, ProbeResult, clip_detail};

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::validate::FieldError;

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
///
/// For a heartbeat, which the job itself reports to, the shared fields say how the
/// server judges it rather than how it is checked: `interval` is how often the server
/// writes down its judgement while nothing changes ([`HEARTBEAT_JUDGED_EVERY`], so a
/// stopped server still shows as "not known" after three of them), `timeout` is unused
/// (nothing is waited for), and `fail_after` and `recover_after` are 1, since `grace`
/// already allows for a job that is a little late. None of them may be written in config
/// for a heartbeat.
///
/// Read from config strictly (see [`Probe::from_fields`]): an unknown or misspelt field,
/// or a field that belongs to another kind of probe, is an error rather than ignored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Probe {
    #[serde(flatten)]
    pub kind: ProbeKind,
    pub interval: HumanDuration,
    pub timeout: HumanDuration,
    /// Consecutive failures before the service is called down.
    pub fail_after: u32,
    /// Consecutive successes before a down service is called up again.
    pub recover_after: u32,
    /// Latency above which the service is called degraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_ms: Option<u32>,
}

/// The shortest interval a probe may have: more often would load the services it checks
/// for no gain, since status is debounced over several results anyway.
pub const MIN_INTERVAL: HumanDuration = HumanDuration::from_secs(5);

mod defaults {
    use super::HumanDuration;
    pub const INTERVAL: HumanDuration = HumanDuration::from_secs(30);
    pub const TIMEOUT: HumanDuration = HumanDuration::from_secs(5);
    pub const FAIL_AFTER: u32 = 2;
    pub const RECOVER_AFTER: u32 = 2;
    pub const METHOD: &str = "GET";
    pub const WARN_DAYS: u32 = 14;
    pub const TLS_PORT: u16 = 443;
}

/// What a probe does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProbeKind {
    /// An HTTP request whose answer is checked.
    Http {
        url: String,
        method: String,
        /// Extra request headers, e.g. `Accept = "application/json"`.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
        /// One status code (`200`) or a range (`"200-299"`, `"2xx"`).
        expect_status: ExpectStatus,
        /// Text the body must contain.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_contains: Option<String>,
        /// A JSON pointer into the body, e.g. `/status` of a Spring Boot actuator, or
        /// `/components/db/status` for one of its parts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        json_pointer: Option<String>,
        /// The value expected at `json_pointer`, e.g. `UP`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_value: Option<String>,
        /// Whether redirects are followed or the redirect itself is the answer.
        redirects: Redirects,
    },
    /// A TCP connection to host and port.
    Tcp { host: String, port: u16 },
    /// The TLS certificate of host: down when it has expired or is not trusted. Within
    /// `warn_days` of expiry the team is warned ("Certificate expires in 9 days") and the
    /// service still shows as working; readers also see a note only with `warn_publicly`.
    Tls {
        host: String,
        port: u16,
        warn_days: u32,
        /// Whether readers see a note that the certificate expires soon, beside "Working".
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        warn_publicly: bool,
        /// A PEM file of extra certificate authorities to trust, for internal services.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ca_file: Option<String>,
    },
    /// Signs in the way a service does: a client-credentials token from the OIDC token
    /// endpoint, then optionally a request to `then_url` with that token.
    Oidc {
        token_url: String,
        client_id: String,
        /// Name of the environment variable holding the client secret.
        client_secret_env: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        then_url: Option<String>,
        /// Fail when the token endpoint's name resolves to a loopback or private address:
        /// the hosts-file fault of October 2026, when services reached 127.0.0.1 instead
        /// of Keycloak.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        expect_public: bool,
    },
    /// A batch job (the ESR exchange) reports in itself: `start` when a run begins,
    /// success when it ends, `fail` with a message when it fails. No success within
    /// `every` + `grace` of the last (or of the `schedule`'s next due time after it), a
    /// run that has not finished `grace` after it started, or a failure, is down.
    Heartbeat {
        /// How often the job runs, when it runs on a fixed period; `None` with a
        /// `schedule`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        every: Option<HumanDuration>,
        /// How late a report may be before the service is down.
        grace: HumanDuration,
        /// When the job runs, in cron syntax (`"0 2 * * *"`), read in `timezone`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        schedule: Option<String>,
        /// The time zone of `schedule`, e.g. `Europe/London` (the default).
        timezone: String,
        /// What readers call the job, e.g. "The ESR export"; the service's name when
        /// `None`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job: Option<String>,
    },
}

impl ProbeKind {
    pub fn name(&self) -> &'static str {
        match self {
            ProbeKind::Http { .. } => "http",
            ProbeKind::Tcp { .. } => "tcp",
            ProbeKind::Tls { .. } => "tls",
            ProbeKind::Oidc { .. } => "oidc",
            ProbeKind::Heartbeat { .. } => "heartbeat",
        }
    }

    /// Whether the job reports in itself (the server judges it), rather than the prober
    /// checking it.
    pub fn is_heartbeat(&self) -> bool {
        matches!(self, ProbeKind::Heartbeat { .. })
    }
}

/// What an HTTP probe does with a redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Redirects {
    /// Follow up to ten redirects; a loop or a longer chain fails.
    #[default]
    Follow,
    /// Do not follow: the redirect is the answer, checked against `expect_status`.
    None,
}

/// Every field a probe may have in config, and which kinds use it.
const FIELDS: &[(&str, &[&str])] = &[
    ("kind", &["http", "tcp", "tls", "oidc", "heartbeat"]),
    ("interval", &["http", "tcp", "tls", "oidc"]),
    ("timeout", &["http", "tcp", "tls", "oidc"]),
    ("fail_after", &["http", "tcp", "tls", "oidc"]),
    ("recover_after", &["http", "tcp", "tls", "oidc"]),
    ("slow_ms", &["http", "tcp", "tls", "oidc"]),
    ("url", &["http"]),
    ("method", &["http"]),
    ("headers", &["http"]),
    ("expect_status", &["http"]),
    ("body_contains", &["http"]),
    ("json_pointer", &["http"]),
    ("expect_value", &["http"]),
    ("redirects", &["http"]),
    ("host", &["tcp", "tls"]),
    ("port", &["tcp", "tls"]),
    ("warn_days", &["tls"]),
    ("warn_publicly", &["tls"]),
    ("ca_file", &["tls"]),
    ("token_url", &["oidc"]),
    ("client_id", &["oidc"]),
    ("client_secret_env", &["oidc"]),
    ("scope", &["oidc"]),
    ("then_url", &["oidc"]),
    ("expect_public", &["oidc"]),
    ("every", &["heartbeat"]),
    ("grace", &["heartbeat"]),
    ("schedule", &["heartbeat"]),
    ("timezone", &["heartbeat"]),
    ("job", &["heartbeat"]),
];

const KINDS: [&str; 5] = ["http", "tcp", "tls", "oidc", "heartbeat"];

/// Reads one field after another, keeping every problem.
struct Fields<'a> {
    map: &'a serde_json::Map<String, serde_json::Value>,
    problems: Vec<FieldError>,
}

impl Fields<'_> {
    fn get<T: serde::de::DeserializeOwned>(&mut self, name: &str, what: &str) -> Option<T> {
        let value = self.map.get(name)?;
        match T::deserialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let detail = e.to_string();
                // serde's own wording ("invalid type: integer `5`, expected a string")
                // is kept only where our parsers said something better.
                let message =
                    if detail.starts_with("invalid type") || detail.starts_with("invalid value") {
                        format!("{value} is not {what}")
                    } else {
                        detail
                    };
                self.problems.push(FieldError::new(name, message));
                None
            }
        }
    }

    fn required<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
        what: &str,
        example: &str,
    ) -> Option<T> {
        if !self.map.contains_key(name) {
            self.problems.push(FieldError::new(
                name,
                format!("is missing: add {name} = {example}"),
            ));
            return None;
        }
        self.get(name, what)
    }

    fn text(&mut self, name: &str, example: &str) -> Option<String> {
        let value: String = self.required(name, "text", example)?;
        if value.trim().is_empty() {
            self.problems.push(FieldError::new(
                name,
                format!("is empty: write it like {example}"),
            ));
            return None;
        }
        Some(value)
    }

    /// A URL's shape is checked by the prober, which parses it as it will use it; config
    /// text may still hold a placeholder here (the demo's `${DEMO_ESTATE}`).
    fn url(&mut self, name: &str, required: bool, example: &str) -> Option<String> {
        if required {
            self.text(name, example)
        } else {
            self.get(name, "a URL")
        }
    }
}

impl Probe {
    /// A probe from the fields of a `[[service.probe]]` table, with every problem found:
    /// unknown fields, fields of another kind, missing ones, values of the wrong type or
    /// out of range. `field` in each problem is the config key to fix.
    pub fn from_fields(
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Probe, Vec<FieldError>> {
        let mut f = Fields {
            map,
            problems: Vec::new(),
        };
        let kind: Option<String> = f.required("kind", "text", "\"http\"");
        let kind = match kind {
            Some(k) if KINDS.contains(&k.as_str()) => Some(k),
            Some(k) => {
                f.problems.push(FieldError::new(
                    "kind",
                    format!(
                        "\"{k}\" is not a kind of probe: use http, tcp, tls, oidc or heartbeat"
                    ),
                ));
                None
            }
            None => None,
        };
        for key in map.keys() {
            match FIELDS.iter().find(|(name, _)| name == key) {
                None => f.problems.push(FieldError::new(
                    key.clone(),
                    format!(
                        "is not a field of a probe; check the spelling. {}",
                        match &kind {
                            Some(k) => format!(
                                "{} {k} probe takes: {}",
                                article(k),
                                fields_of(k).join(", ")
                            ),
                            None => String::new(),
                        }
                    )
                    .trim_end()
                    .to_string(),
                )),
                Some((_, kinds)) => {
                    if let Some(k) = &kind
                        && !kinds.contains(&k.as_str())
                    {
                        f.problems.push(FieldError::new(
                            key.clone(),
                            format!(
                                "belongs to {} probes, not {k}; {} {k} probe takes: {}",
                                kinds.join(" and "),
                                article(k).to_lowercase(),
                                fields_of(k).join(", ")
                            ),
                        ));
                    }
                }
            }
        }

        let interval: HumanDuration = f
            .get("interval", "a length of time like \"30s\"")
            .unwrap_or(defaults::INTERVAL);
        let timeout: HumanDuration = f
            .get("timeout", "a length of time like \"5s\"")
            .unwrap_or(defaults::TIMEOUT);
        if interval < MIN_INTERVAL {
            f.problems.push(FieldError::new(
                "interval",
                format!("{interval} is too often: use {MIN_INTERVAL} or more"),
            ));
        }
        if timeout.as_millis() == 0 {
            f.problems.push(FieldError::new(
                "timeout",
                "must be longer than 0s, like \"5s\"",
            ));
        } else if timeout >= interval {
            f.problems.push(FieldError::new(
                "timeout",
                format!("{timeout} must be shorter than the interval ({interval})"),
            ));
        }
        let fail_after: u32 = f
            .get("fail_after", "a whole number like 2")
            .unwrap_or(defaults::FAIL_AFTER);
        let recover_after: u32 = f
            .get("recover_after", "a whole number like 2")
            .unwrap_or(defaults::RECOVER_AFTER);
        for (name, value) in [("fail_after", fail_after), ("recover_after", recover_after)] {
            if value == 0 {
                f.problems.push(FieldError::new(name, "must be 1 or more"));
            }
        }
        let slow_ms: Option<u32> = f.get("slow_ms", "a whole number of milliseconds like 1500");

        let kind = match kind.as_deref() {
            Some("http") => {
                let url = f.url(
                    "url",
                    true,
                    "\"https://tis.example/service/actuator/health\"",
                );
                let method: String = f
                    .get("method", "text like \"GET\"")
                    .unwrap_or_else(|| defaults::METHOD.to_string());
                let method = method.to_ascii_uppercase();
                if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
                    f.problems.push(FieldError::new(
                        "method",
                        format!("\"{method}\" is not an HTTP method: use GET, HEAD or POST"),
                    ));
                }
                let headers: BTreeMap<String, String> = f
                    .get("headers", "a table of header names and values, like { Accept = \"application/json\" }")
                    .unwrap_or_default();
                for (name, value) in &headers {
                    if name.is_empty()
                        || !name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
                    {
                        f.problems.push(FieldError::new(
                            format!("headers.{name}"),
                            "is not a valid header name: use letters, digits and hyphens",
                        ));
                    }
                    if value.chars().any(|c| c.is_control()) {
                        f.problems.push(FieldError::new(
                            format!("headers.{name}"),
                            "has a control character (such as a line break) in its value",
                        ));
                    }
                }
                let expect_status: ExpectStatus = f
                    .get(
                        "expect_status",
                        "a status code like 200 or a range like \"200-299\"",
                    )
                    .unwrap_or_default();
                let body_contains: Option<String> = f.get("body_contains", "text");
                let json_pointer: Option<String> = f.get("json_pointer", "text like \"/status\"");
                let expect_value: Option<String> = f.get("expect_value", "text like \"UP\"");
                if let Some(p) = &json_pointer
                    && !p.is_empty()
                    && !p.starts_with('/')
                {
                    f.problems.push(FieldError::new(
                        "json_pointer",
                        format!("\"{p}\" is not a JSON pointer: start it with /, like \"/status\""),
                    ));
                }
                match (&json_pointer, &expect_value) {
                    (Some(_), None) => f.problems.push(FieldError::new(
                        "expect_value",
                        "is missing: a json_pointer needs the value expected there, like expect_value = \"UP\"",
                    )),
                    (None, Some(_)) => f.problems.push(FieldError::new(
                        "json_pointer",
                        "is missing: expect_value needs a json_pointer saying where to look, like json_pointer = \"/status\"",
                    )),
                    _ => {}
                }
                let redirects: Redirects = f
                    .get("redirects", "\"follow\" or \"none\"")
                    .unwrap_or_default();
                url.map(|url| ProbeKind::Http {
                    url,
                    method,
                    headers,
                    expect_status,
                    body_contains,
                    json_pointer,
                    expect_value,
                    redirects,
                })
            }
            Some("tcp") => {
                let host = f.text("host", "\"db.tis.example\"");
                let port = port(&mut f, None);
                host.zip(port)
                    .map(|(host, port)| ProbeKind::Tcp { host, port })
            }
            Some("tls") => {
                let host = f.text("host", "\"tis.example\"");
                let port = port(&mut f, Some(defaults::TLS_PORT));
                let warn_days: u32 = f
                    .get("warn_days", "a whole number of days like 14")
                    .unwrap_or(defaults::WARN_DAYS);
                let ca_file: Option<String> = f.get("ca_file", "a file name");
                let warn_publicly: bool = f.get("warn_publicly", "true or false").unwrap_or(false);
                host.zip(port).map(|(host, port)| ProbeKind::Tls {
                    host,
                    port,
                    warn_days,
                    warn_publicly,
                    ca_file,
                })
            }
            Some("oidc") => {
                let token_url = f.url(
                    "token_url",
                    true,
                    "\"https://auth.tis.example/realms/lin/protocol/openid-connect/token\"",
                );
                let client_id = f.text("client_id", "\"generic-upload\"");
                let client_secret_env =
                    f.text("client_secret_env", "\"BULK_UPLOAD_CLIENT_SECRET\"");
                if let Some(name) = &client_secret_env
                    && !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    f.problems.push(FieldError::new(
                        "client_secret_env",
                        format!(
                            "\"{name}\" is not the name of an environment variable: use letters, digits and _, like BULK_UPLOAD_CLIENT_SECRET (the secret itself never goes in this file)"
                        ),
                    ));
                }
                let scope: Option<String> = f.get("scope", "text");
                let then_url = f.url("then_url", false, "");
                let expect_public: bool = f.get("expect_public", "true or false").unwrap_or(false);
                match (token_url, client_id, client_secret_env) {
                    (Some(token_url), Some(client_id), Some(client_secret_env)) => {
                        Some(ProbeKind::Oidc {
                            token_url,
                            client_id,
                            client_secret_env,
                            scope,
                            then_url,
                            expect_public,
                        })
                    }
                    _ => None,
                }
            }
            Some("heartbeat") => heartbeat::from_fields(&mut f),
            _ => None,
        };
        match kind {
            Some(kind @ ProbeKind::Heartbeat { .. }) if f.problems.is_empty() => Ok(Probe {
                kind,
                interval: HEARTBEAT_JUDGED_EVERY,
                timeout: HumanDuration::from_secs(1),
                fail_after: 1,
                recover_after: 1,
                slow_ms: None,
            }),
            Some(kind) if f.problems.is_empty() => Ok(Probe {
                kind,
                interval,
                timeout,
                fail_after,
                recover_after,
                slow_ms,
            }),
            _ => Err(f.problems),
        }
    }
}

/// "An http probe", "a tcp probe": as the kind's name is said aloud.
fn article(kind: &str) -> &'static str {
    if matches!(kind, "http" | "oidc") {
        "An"
    } else {
        "A"
    }
}

fn fields_of(kind: &str) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|(_, kinds)| kinds.contains(&kind))
        .map(|(name, _)| *name)
        .collect()
}

fn port(f: &mut Fields<'_>, default: Option<u16>) -> Option<u16> {
    let port: Option<u16> = match default {
        Some(d) => Some(f.get("port", "a port number from 1 to 65535").unwrap_or(d)),
        None => f.required("port", "a port number from 1 to 65535", "5432"),
    };
    match port {
        Some(0) => {
            f.problems
                .push(FieldError::new("port", "must be a number from 1 to 65535"));
            None
        }
        p => p,
    }
}

/// Strict: every problem of the probe, joined, so a misspelt field is never ignored.
impl<'de> Deserialize<'de> for Probe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::deserialize(d)?;
        Probe::from_fields(&map).map_err(|problems| {
            serde::de::Error::custom(
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field, p.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })
    }
}

#[cfg(test)]
mod tests;
