//! Services of TIS, the probes that check them, and the results those probes report.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    /// The TLS certificate of host: degraded within `warn_days` of expiry, down when it
    /// has expired or is not trusted.
    Tls {
        host: String,
        port: u16,
        warn_days: u32,
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

/// The HTTP status a probe expects: one code, or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectStatus {
    Exactly(u16),
    Range(u16, u16),
}

impl ExpectStatus {
    pub fn matches(self, status: u16) -> bool {
        match self {
            ExpectStatus::Exactly(code) => status == code,
            ExpectStatus::Range(low, high) => (low..=high).contains(&status),
        }
    }
}

impl Default for ExpectStatus {
    fn default() -> Self {
        ExpectStatus::Exactly(200)
    }
}

impl fmt::Display for ExpectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectStatus::Exactly(code) => write!(f, "{code}"),
            ExpectStatus::Range(low, high) if low % 100 == 0 && high - low == 99 => {
                write!(f, "{}xx", low / 100)
            }
            ExpectStatus::Range(low, high) => write!(f, "{low}-{high}"),
        }
    }
}

impl FromStr for ExpectStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let code = |t: &str| -> Result<u16, String> {
            match t.trim().parse::<u16>() {
                Ok(n) if (100..=599).contains(&n) => Ok(n),
                _ => Err(format!(
                    "\"{s}\" is not a status code: write one like 200, a range like \"200-299\", or \"2xx\""
                )),
            }
        };
        if let Some(class) = s.strip_suffix("xx").or_else(|| s.strip_suffix("XX")) {
            let low = code(&format!("{class}00"))?;
            return Ok(ExpectStatus::Range(low, low + 99));
        }
        match s.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (code(low)?, code(high)?);
                if low > high {
                    return Err(format!(
                        "\"{s}\" starts after it ends: write the lower code first"
                    ));
                }
                Ok(ExpectStatus::Range(low, high))
            }
            None => code(s).map(ExpectStatus::Exactly),
        }
    }
}

/// A number for one code, text for a range: as it is written in config.
impl Serialize for ExpectStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ExpectStatus::Exactly(code) => s.serialize_u16(*code),
            range => s.collect_str(range),
        }
    }
}

impl<'de> Deserialize<'de> for ExpectStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a status code")))
                .and_then(|n| n.to_string().parse().map_err(serde::de::Error::custom)),
            serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not a status code: write one like 200 or a range like \"200-299\""
            ))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ExpectStatus {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::Integer,
                Type::String,
            ]))
            .description(Some(
                "One HTTP status code (200), or a range as text (\"200-299\", \"2xx\").",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ExpectStatus {}

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
    ("kind", &["http", "tcp", "tls", "oidc"]),
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
    ("ca_file", &["tls"]),
    ("token_url", &["oidc"]),
    ("client_id", &["oidc"]),
    ("client_secret_env", &["oidc"]),
    ("scope", &["oidc"]),
    ("then_url", &["oidc"]),
    ("expect_public", &["oidc"]),
];

const KINDS: [&str; 4] = ["http", "tcp", "tls", "oidc"];

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
                    format!("\"{k}\" is not a kind of probe: use http, tcp, tls or oidc"),
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
                host.zip(port).map(|(host, port)| ProbeKind::Tls {
                    host,
                    port,
                    warn_days,
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
            _ => None,
        };
        match kind {
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
    Other,
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
    /// Working, but with a warning that makes the service degraded: a certificate close to
    /// expiry. Only with `ok`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub degraded: bool,
    /// Where the check ran from, e.g. `london` or a standalone prober's name, so that
    /// several locations can be required to agree before a service is called down.
    /// Sent only to signed-in staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

impl ProbeResult {
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
    fn a_long_detail_is_cut_to_the_limit_and_says_so() {
        let short = "connection refused".to_string();
        assert_eq!(clip_detail(short.clone()), short);
        let long = "é".repeat(DETAIL_MAX_CHARS + 50);
        let clipped = clip_detail(long);
        assert_eq!(clipped.chars().count(), DETAIL_MAX_CHARS);
        assert!(clipped.ends_with('…'));
        let exact = "x".repeat(DETAIL_MAX_CHARS);
        assert_eq!(clip_detail(exact.clone()), exact);
    }

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
            ProbeKind::Http {
                expect_status,
                method,
                redirects,
                ..
            } => {
                assert_eq!(expect_status, ExpectStatus::Exactly(200));
                assert_eq!(method, "GET");
                assert_eq!(redirects, Redirects::Follow);
            }
            other => panic!("expected http, got {other:?}"),
        }
    }

    fn problems(value: serde_json::Value) -> Vec<(String, String)> {
        let map = value.as_object().unwrap().clone();
        Probe::from_fields(&map)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    fn fields(problems: &[(String, String)]) -> Vec<&str> {
        problems.iter().map(|(f, _)| f.as_str()).collect()
    }

    #[test]
    fn an_unknown_kind_says_which_kinds_there_are() {
        let p = problems(serde_json::json!({"kind": "ftp", "url": "ftp://x"}));
        assert_eq!(fields(&p), ["kind"]);
        assert!(p[0].1.contains("http, tcp, tls or oidc"), "{p:?}");
    }

    #[test]
    fn a_misspelt_field_is_refused_not_ignored() {
        let p = problems(serde_json::json!({
            "kind": "http", "url": "https://tis.example/health", "expect_stauts": 200
        }));
        assert_eq!(fields(&p), ["expect_stauts"]);
        assert!(
            p[0].1.contains("expect_status"),
            "lists the right fields: {p:?}"
        );
    }

    #[test]
    fn a_field_of_another_kind_is_refused() {
        let p = problems(serde_json::json!({
            "kind": "tcp", "host": "db", "port": 5432, "url": "https://tis.example"
        }));
        assert_eq!(fields(&p), ["url"]);
        assert!(p[0].1.contains("belongs to http probes"), "{p:?}");
    }

    #[test]
    fn every_problem_of_a_probe_is_listed_with_its_field() {
        let p = problems(serde_json::json!({
            "kind": "oidc", "token_url": "", "client_id": "bulk-upload",
            "client_secret_env": "my secret", "interval": "2s", "timeout": "3s",
            "fail_after": 0
        }));
        assert_eq!(
            fields(&p),
            [
                "interval",
                "timeout",
                "fail_after",
                "token_url",
                "client_secret_env"
            ]
        );
        assert!(p[0].1.contains("5s or more"), "{p:?}");
        assert!(p[1].1.contains("shorter than the interval"), "{p:?}");
        assert!(p[3].1.contains("is empty"), "{p:?}");
    }

    #[test]
    fn missing_fields_say_what_to_add() {
        let p = problems(serde_json::json!({"kind": "tcp", "host": "db"}));
        assert_eq!(fields(&p), ["port"]);
        assert!(p[0].1.contains("add port ="), "{p:?}");
        let p = problems(serde_json::json!({"interval": "30s"}));
        assert_eq!(fields(&p), ["kind"]);
    }

    #[test]
    fn values_of_the_wrong_type_name_the_field() {
        let p = problems(serde_json::json!({
            "kind": "tls", "host": "tis.example", "port": "https", "warn_days": -1
        }));
        assert_eq!(fields(&p), ["port", "warn_days"]);
        assert!(p[0].1.contains("port number"), "{p:?}");
    }

    #[test]
    fn a_json_pointer_needs_an_expected_value() {
        let p = problems(serde_json::json!({
            "kind": "http", "url": "https://tis.example/health", "json_pointer": "status"
        }));
        assert_eq!(fields(&p), ["json_pointer", "expect_value"]);
    }

    #[test]
    fn expected_status_is_one_code_or_a_range() {
        assert_eq!("204".parse(), Ok(ExpectStatus::Exactly(204)));
        assert_eq!("200-299".parse(), Ok(ExpectStatus::Range(200, 299)));
        assert_eq!("3xx".parse(), Ok(ExpectStatus::Range(300, 399)));
        assert!("299-200".parse::<ExpectStatus>().is_err());
        assert!("99".parse::<ExpectStatus>().is_err());
        assert!(ExpectStatus::Range(200, 299).matches(204));
        assert!(!ExpectStatus::Range(200, 299).matches(301));
        for written in [
            serde_json::json!(200),
            serde_json::json!("2xx"),
            serde_json::json!("200-204"),
        ] {
            let read: ExpectStatus = serde_json::from_value(written.clone()).unwrap();
            assert_eq!(serde_json::to_value(read).unwrap(), written);
        }
    }

    #[test]
    fn a_probe_written_out_reads_back_the_same() {
        let probe: Probe = serde_json::from_value(serde_json::json!({
            "kind": "http", "url": "https://tis.example/health", "method": "head",
            "headers": {"Accept": "application/json"}, "expect_status": "2xx",
            "redirects": "none", "interval": "1m", "slow_ms": 900
        }))
        .unwrap();
        let again: Probe = serde_json::from_value(serde_json::to_value(&probe).unwrap()).unwrap();
        assert_eq!(again, probe);
    }
}
