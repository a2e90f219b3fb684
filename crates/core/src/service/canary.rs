//! Canaries: things a prober must be able to reach for its failed checks to mean
//! anything (the TIS front door, a gateway, a public name). When every canary fails too,
//! a failed check says the prober is cut off, not that the service is down.

use serde::Serialize;

use super::{ExpectStatus, Fields, HumanDuration, ProbeKind, Redirects, port};
use crate::validate::FieldError;

/// One `[[canary]]` of the config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Canary {
    /// What the team calls it in alerts, e.g. "the TIS front door"; its address if unset.
    pub name: Option<String>,
    /// A `Tcp` connection, or an `Http` request where any answer at all counts as
    /// reached: a canary asks whether the network is there, not whether a service works.
    pub kind: ProbeKind,
    pub timeout: HumanDuration,
}

/// How long a canary may take when the config does not say.
pub const CANARY_TIMEOUT: HumanDuration = HumanDuration::from_secs(3);

/// Every field a canary may have, and which kinds use it.
const CANARY_FIELDS: &[(&str, &[&str])] = &[
    ("kind", &["tcp", "http"]),
    ("name", &["tcp", "http"]),
    ("timeout", &["tcp", "http"]),
    ("host", &["tcp"]),
    ("port", &["tcp"]),
    ("url", &["http"]),
];

impl Canary {
    /// A canary from the fields of a `[[canary]]` table, with every problem found; `field`
    /// in each problem is the config key to fix.
    pub fn from_fields(
        map: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Canary, Vec<FieldError>> {
        let mut f = Fields {
            map,
            problems: Vec::new(),
        };
        let kind: Option<String> = f.required("kind", "text", "\"tcp\"");
        let kind = match kind {
            Some(k) if k == "tcp" || k == "http" => Some(k),
            Some(k) => {
                f.problems.push(FieldError::new(
                    "kind",
                    format!("\"{k}\" is not a kind of canary: use tcp or http"),
                ));
                None
            }
            None => None,
        };
        for key in map.keys() {
            let allowed = CANARY_FIELDS.iter().find(|(name, _)| name == key);
            let fits = match (allowed, &kind) {
                (None, _) => false,
                (Some((_, kinds)), Some(k)) => kinds.contains(&k.as_str()),
                (Some(_), None) => true,
            };
            if !fits {
                let takes = match kind.as_deref() {
                    Some("http") => "An http canary takes: kind, name, timeout, url",
                    Some(_) => "A tcp canary takes: kind, name, timeout, host, port",
                    None => {
                        "A canary takes: kind, name, timeout, and host and port (tcp) or url (http)"
                    }
                };
                f.problems.push(FieldError::new(
                    key.clone(),
                    format!("is not a field of this canary; check the spelling. {takes}"),
                ));
            }
        }
        let name: Option<String> = f.get("name", "text like \"the TIS front door\"");
        if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            f.problems.push(FieldError::new(
                "name",
                "is empty: leave it out, or write it like \"the TIS front door\"",
            ));
        }
        let timeout: HumanDuration = f
            .get("timeout", "a length of time like \"3s\"")
            .unwrap_or(CANARY_TIMEOUT);
        if timeout.as_millis() == 0 {
            f.problems.push(FieldError::new(
                "timeout",
                "must be longer than 0s, like \"3s\"",
            ));
        } else if timeout > HumanDuration::from_secs(30) {
            f.problems.push(FieldError::new(
                "timeout",
                format!(
                    "{timeout} is too long: a canary holds up the verdict on every failed check, so use 30s or less"
                ),
            ));
        }
        let probe_kind = match kind.as_deref() {
            Some("tcp") => {
                let host = f.text("host", "\"tis.example\"");
                let port = port(&mut f, None);
                host.zip(port)
                    .map(|(host, port)| ProbeKind::Tcp { host, port })
            }
            Some("http") => {
                f.url("url", true, "\"https://tis.example/\"")
                    .map(|url| ProbeKind::Http {
                        url,
                        method: "GET".into(),
                        headers: Default::default(),
                        expect_status: ExpectStatus::Range(100, 599),
                        body_contains: None,
                        json_pointer: None,
                        expect_value: None,
                        // A redirect is an answer: the network is there.
                        redirects: Redirects::None,
                    })
            }
            _ => None,
        };
        match probe_kind {
            Some(kind) if f.problems.is_empty() => Ok(Canary {
                name,
                kind,
                timeout,
            }),
            _ => Err(f.problems),
        }
    }

    /// The address it reaches: `tis.example:443`, or its URL.
    pub fn target(&self) -> String {
        match &self.kind {
            ProbeKind::Http { url, .. } => url.clone(),
            ProbeKind::Tcp { host, port } | ProbeKind::Tls { host, port, .. } => {
                format!("{host}:{port}")
            }
            ProbeKind::Oidc { token_url, .. } => token_url.clone(),
            // Canaries are read as tcp or http only (see `from_fields`).
            ProbeKind::Heartbeat { .. } => String::new(),
        }
    }

    /// How alerts and details name it: "the TIS front door (tis.example:443)".
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} ({})", self.target()),
            None => self.target(),
        }
    }
}

/// What a result that could not check says, for staff: the canaries that failed first,
/// then what the check itself found. [`unreached_canaries`] reads the first part back.
pub fn not_checked_detail(canaries: &str, check_said: &str) -> String {
    format!("{NOT_REACHED}{canaries}{THEN}{check_said}")
}

/// The canaries a "could not check" detail names (see [`not_checked_detail`]), or the
/// whole detail when it was written otherwise (by another prober).
pub fn unreached_canaries(detail: &str) -> &str {
    let rest = detail.strip_prefix(NOT_REACHED).unwrap_or(detail);
    rest.split(THEN).next().unwrap_or(rest)
}

const NOT_REACHED: &str = "The prober could not reach its canaries: ";
const THEN: &str = ". So this failure was not believed. The check said: ";

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> serde_json::Map<String, serde_json::Value> {
        let table: toml::Table = toml::from_str(text).unwrap();
        match serde_json::to_value(table).unwrap() {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_tcp_canary_needs_host_and_port_and_defaults_its_timeout() {
        let c = Canary::from_fields(&fields(
            "kind = \"tcp\"\nhost = \"tis.example\"\nport = 443",
        ))
        .unwrap();
        assert_eq!(c.timeout, CANARY_TIMEOUT);
        assert_eq!(c.label(), "tis.example:443");
        let errors =
            Canary::from_fields(&fields("kind = \"tcp\"\nhost = \"tis.example\"")).unwrap_err();
        assert_eq!(errors[0].field, "port");
    }

    #[test]
    fn fields_of_the_other_kind_and_unknown_kinds_are_refused_by_name() {
        let errors = Canary::from_fields(&fields(
            "kind = \"http\"\nurl = \"https://tis.example/\"\nport = 443",
        ))
        .unwrap_err();
        assert_eq!(errors[0].field, "port");
        assert!(errors[0].message.contains("url"), "{}", errors[0].message);
        let errors = Canary::from_fields(&fields("kind = \"oidc\"")).unwrap_err();
        assert!(errors[0].message.contains("tcp or http"));
        let errors = Canary::from_fields(&fields(
            "kind = \"tcp\"\nhost = \"h\"\nport = 1\ntimeout = \"1m\"",
        ))
        .unwrap_err();
        assert_eq!(errors[0].field, "timeout");
    }

    #[test]
    fn a_named_canary_is_called_by_its_name_and_address() {
        let c = Canary::from_fields(&fields(
            "kind = \"http\"\nname = \"the TIS front door\"\nurl = \"https://tis.example/\"",
        ))
        .unwrap();
        assert_eq!(c.label(), "the TIS front door (https://tis.example/)");
    }

    #[test]
    fn the_unreached_canaries_are_read_back_from_the_detail() {
        let detail = not_checked_detail("a:1 (refused), b:2 (timeout)", "connect: refused");
        assert_eq!(unreached_canaries(&detail), "a:1 (refused), b:2 (timeout)");
        assert_eq!(unreached_canaries("anything else"), "anything else");
    }
}
