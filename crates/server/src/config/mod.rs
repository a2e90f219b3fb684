//! The config file: TOML, kept in git by the operations team. Read once at start-up;
//! every problem is reported with the file, the line and the field.

mod alerts;
mod auth;
mod layout;
mod metrics;
mod server;
mod store;
mod subscriptions;

pub use alerts::*;
pub use auth::{DEFAULT_RECHECK_AFTER, OidcConfig};
pub(crate) use layout::Layout;
pub use metrics::MetricsConfig;
pub use server::*;
pub use store::{StoreChoice, StoreConfig, check_database_url};
pub use subscriptions::SubscriptionsConfig;

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use tis_core::{Probe, ProbeKind, Service};

/// The demo config, with `${DEMO_ESTATE}` standing for the demo estate's address.
pub const DEMO_CONFIG: &str = include_str!("../../demo/tis.toml");
pub const DEMO_CONFIG_NAME: &str = "built-in demo (crates/server/demo/tis.toml)";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, for messages.
    pub source: String,
    pub server: ServerConfig,
    pub services: Vec<Service>,
    /// The mail server email channels send through.
    pub smtp: Option<SmtpConfig>,
    /// Where alerts can go.
    pub channels: Vec<ChannelConfig>,
    /// Which services' alerts go to which channels.
    pub alerts: Vec<AlertRule>,
    /// What the probes must be able to reach for their failures to be believed (see
    /// `tis_prober::guard`); none by default.
    pub canaries: Vec<tis_core::service::Canary>,
    /// Email subscriptions for readers, when offered.
    pub subscriptions: Option<SubscriptionsConfig>,
    /// Staff sign-in through Keycloak, when set up (`[auth.oidc]`).
    pub oidc: Option<OidcConfig>,
    /// `/metrics` for Prometheus, when turned on.
    pub metrics: Option<MetricsConfig>,
    /// Where the records are kept: the SQLite file in `data_dir` by default.
    pub store: StoreConfig,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: ServerConfig,
    #[serde(default)]
    service: Vec<RawService>,
    #[serde(default)]
    smtp: Option<SmtpConfig>,
    #[serde(default)]
    channel: Vec<ChannelConfig>,
    #[serde(default)]
    alert: Vec<RawAlert>,
    /// Read one by one, as probes are, so each problem names its line.
    #[serde(default)]
    canary: Vec<toml::Table>,
    #[serde(default)]
    subscriptions: Option<SubscriptionsConfig>,
    #[serde(default)]
    auth: Option<auth::RawAuth>,
    metrics: Option<MetricsConfig>,
    #[serde(default)]
    store: Option<StoreConfig>,
}

/// A `[[service]]` as written, its probes not yet read: each probe is read on its own,
/// so that every problem in every probe is reported, with its line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    id: String,
    name: String,
    description: String,
    group: String,
    #[serde(default)]
    depends_on: Vec<String>,
    #[serde(default)]
    position: i32,
    #[serde(default)]
    probe: Vec<toml::Table>,
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

/// Everything wrong with a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub source: String,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} has {n} problem{}:",
            self.source,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            match p.line {
                Some(line) => writeln!(f, "  {}, line {line}: {}", self.source, p.message)?,
                None => writeln!(f, "  {}: {}", self.source, p.message)?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Whether the secrets a config names (by environment variable) must be there: yes for
/// `check`, `serve` and `probe`, which sign in with them; no for commands that only work
/// on the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    Required,
    NotNeeded,
}

impl Config {
    /// Reads and checks a config file, requiring the secrets it names.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Config::load_with(path, Secrets::Required)
    }

    pub fn load_with(path: &Path, secrets: Secrets) -> Result<Config, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source: source.clone(),
            problems: vec![Problem {
                line: None,
                message: format!("cannot be read: {e}"),
            }],
        })?;
        let env = |name: &str| match secrets {
            // Present, value not looked at.
            Secrets::NotNeeded => Some(String::new()),
            Secrets::Required => std::env::var(name).ok().filter(|v| !v.is_empty()),
        };
        Config::parse_env(&source, &text, &env)
    }

    /// The built-in demo, probing the demo estate at `estate` (e.g. `http://127.0.0.1:4321`).
    /// Its one secret is handed to the prober directly, not through the environment.
    pub fn demo(estate: &str) -> Result<Config, ConfigError> {
        Config::parse_with(
            DEMO_CONFIG_NAME,
            &DEMO_CONFIG.replace("${DEMO_ESTATE}", estate),
            &|name| name == crate::demo::DEMO_SECRET_ENV,
        )
    }

    /// Reads config text whose secrets need not be set (for tests and tools).
    pub fn parse(source: &str, text: &str) -> Result<Config, ConfigError> {
        Config::parse_with(source, text, &|_| true)
    }

    /// Reads config text; `secret_is_set` says whether an environment variable named as
    /// a secret holds one.
    pub fn parse_with(
        source: &str,
        text: &str,
        secret_is_set: &dyn Fn(&str) -> bool,
    ) -> Result<Config, ConfigError> {
        Config::parse_env(source, text, &|name| secret_is_set(name).then(String::new))
    }

    /// Reads config text; `env` gives the value of an environment variable named as a
    /// secret, `Some("")` meaning set but not to be looked at.
    pub fn parse_env(
        source: &str,
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let secret_is_set = |name: &str| env(name).is_some();
        let fail = |problems| ConfigError {
            source: source.to_string(),
            problems,
        };
        let file: File = toml::from_str(text)
            .map_err(|e| {
                let line = e.span().map(|s| line_of(text, s.start));
                vec![Problem {
                    line,
                    message: e.message().trim().to_string(),
                }]
            })
            .map_err(fail)?;
        let layout = Layout::of(text);
        let mut problems = Vec::new();
        let server_line = |field: &str| layout.server_field(text, field);
        if file.server.retention_days < 2 {
            problems.push(Problem {
                line: server_line("retention_days"),
                message: format!(
                    "[server] retention_days = {} is too short: keep at least 2 days, so each day's uptime can be worked out before its results go",
                    file.server.retention_days
                ),
            });
        }
        if file.server.down_quorum == 0 {
            problems.push(Problem {
                line: server_line("down_quorum"),
                message: "[server] down_quorum must be 1 or more: the number of locations that must agree a probe is failing before it counts as down".into(),
            });
        }
        if file.server.max_concurrent_probes == 0 {
            problems.push(Problem {
                line: server_line("max_concurrent_probes"),
                message: "[server] max_concurrent_probes must be 1 or more".into(),
            });
        }
        if file.server.max_event_streams == Some(0) {
            problems.push(Problem {
                line: server_line("max_event_streams"),
                message: "[server] max_event_streams must be 1 or more: the most live-update streams open at once (leave it out to size it from the open-file limit)".into(),
            });
        }
        if let Some(location) = &file.server.location
            && let Err(e) = check_location(location)
        {
            problems.push(Problem {
                line: server_line("location"),
                message: format!("[server] location: {e}"),
            });
        }
        let mut services = Vec::new();
        for (i, raw) in file.service.into_iter().enumerate() {
            let no_probes = raw.probe.is_empty();
            let mut probes = Vec::new();
            for (n, table) in raw.probe.iter().enumerate() {
                let mut report = |field: &str, message: &str| {
                    problems.push(Problem {
                        line: layout.probe_field(text, i, n, field),
                        message: format!(
                            "service \"{}\", probe {}, field {field}: {message}",
                            raw.id,
                            n + 1
                        ),
                    });
                };
                let map = match serde_json::to_value(table) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => {
                        report("kind", "cannot be read as a table of fields");
                        continue;
                    }
                };
                let kind = map.get("kind").and_then(|k| k.as_str());
                // Read from the fields as written, so a bad schedule is reported beside
                // any other mistake in the same probe.
                if kind == Some("heartbeat") {
                    for e in crate::heartbeat::validate_fields(&map) {
                        report(&e.field, &e.message);
                    }
                }
                for (field, of) in [("url", "http"), ("token_url", "oidc"), ("then_url", "oidc")] {
                    if kind == Some(of)
                        && let Some(serde_json::Value::String(url)) = map.get(field)
                        && let Err(message) = tis_prober::check_url(url)
                    {
                        report(field, &message);
                    }
                }
                match Probe::from_fields(&map) {
                    Err(errors) => {
                        for e in errors {
                            report(&e.field, &e.message);
                        }
                    }
                    Ok(probe) => {
                        for e in tis_prober::validate(&probe) {
                            report(&e.field, &e.message);
                        }
                        if let ProbeKind::Oidc {
                            client_secret_env, ..
                        } = &probe.kind
                            && !secret_is_set(client_secret_env)
                        {
                            report(
                                "client_secret_env",
                                &format!(
                                    "the environment variable {client_secret_env} is not set: set it to the client's secret before starting (the secret itself never goes in this file)"
                                ),
                            );
                        }
                        probes.push(probe);
                    }
                }
            }
            let service = Service {
                id: raw.id,
                name: raw.name,
                description: raw.description,
                group: raw.group,
                depends_on: raw.depends_on,
                position: raw.position,
                probes,
            };
            if let Err(errors) = tis_core::validate::validate_service(&service) {
                for e in errors {
                    problems.push(Problem {
                        line: layout.service_field(text, i, &e.field),
                        message: format!(
                            "service \"{}\", field {}: {}",
                            service.id, e.field, e.message
                        ),
                    });
                }
            }
            if no_probes {
                problems.push(Problem {
                    line: layout.service_field(text, i, "id"),
                    message: format!(
                        "service \"{}\" has no [[service.probe]]: add at least one, or its status will always be \"not known\"",
                        service.id
                    ),
                });
            }
            services.push(service);
        }
        if let Err(errors) = tis_core::deps::check_dependencies(&services) {
            problems.extend(errors.into_iter().map(|e| {
                let line = match &e {
                    tis_core::DependencyError::UnknownId { service, .. }
                    | tis_core::DependencyError::DependsOnItself { service } => services
                        .iter()
                        .position(|s| &s.id == service)
                        .and_then(|i| layout.service_field(text, i, "depends_on")),
                    _ => None,
                };
                Problem {
                    line,
                    message: e.to_string(),
                }
            }));
        }
        let canaries = read_canaries(text, &layout, &file.canary, &mut problems);
        let alerts = crate::alerts::config::check(
            text,
            &layout,
            &services,
            file.smtp.as_ref(),
            &file.channel,
            &file.alert,
            env,
            &mut problems,
        );
        if file.subscriptions.is_some() {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("[subscriptions]"))
                .map(|i| i + 1);
            if file.smtp.is_none() {
                problems.push(Problem {
                    line,
                    message: "[subscriptions] needs an [smtp] table to send its emails through"
                        .into(),
                });
            }
            if file.server.public_url.is_none() {
                problems.push(Problem {
                    line,
                    message: "[subscriptions] needs [server] public_url, the address readers open the links in its emails at".into(),
                });
            }
        }
        let oidc = auth::check(
            text,
            file.auth,
            file.server.public_url.is_some(),
            env,
            &mut problems,
        );
        let mut metrics = file.metrics;
        if let Some(metrics) = &mut metrics {
            metrics.token = env(&metrics.token_env);
            if metrics.token.is_none() {
                // The first `token_env` after the `[metrics]` header.
                let lines: Vec<&str> = text.lines().collect();
                let line = lines
                    .iter()
                    .position(|l| l.trim_start().starts_with("[metrics]"))
                    .and_then(|header| {
                        (header..lines.len())
                            .find(|&i| lines[i].trim_start().starts_with("token_env"))
                    })
                    .map(|i| i + 1);
                problems.push(Problem {
                    line,
                    message: format!(
                        "[metrics] token_env: the environment variable {} is not set: set it to the token Prometheus will send (the token itself never goes in this file)",
                        metrics.token_env
                    ),
                });
            }
        }
        if let Some(store) = &file.store {
            store.check(text, &layout, env, &mut problems);
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        services.sort_by_key(|s| s.position);
        Ok(Config {
            source: source.to_string(),
            server: file.server,
            services,
            smtp: file.smtp,
            channels: file.channel,
            alerts,
            canaries,
            subscriptions: file.subscriptions,
            oidc,
            metrics,
            store: file.store.unwrap_or_default(),
        })
    }

    /// The address readers reach this server at, without a trailing `/`.
    pub fn public_url(&self) -> String {
        self.server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.server.listen))
            .trim_end_matches('/')
            .to_string()
    }

    /// Where this server's own results say they come from.
    pub fn location(&self) -> &str {
        self.server.location.as_deref().unwrap_or(DEFAULT_LOCATION)
    }
}

/// Reads each `[[canary]]`, reporting every problem with its line.
fn read_canaries(
    text: &str,
    layout: &Layout,
    tables: &[toml::Table],
    problems: &mut Vec<Problem>,
) -> Vec<tis_core::service::Canary> {
    let mut canaries = Vec::new();
    for (n, table) in tables.iter().enumerate() {
        let mut report = |field: &str, message: &str| {
            problems.push(Problem {
                line: layout.canary_field(text, n, field),
                message: format!("canary {}, field {field}: {message}", n + 1),
            });
        };
        let Ok(serde_json::Value::Object(map)) = serde_json::to_value(table) else {
            report("kind", "cannot be read as a table of fields");
            continue;
        };
        if map.get("kind").and_then(|k| k.as_str()) == Some("http")
            && let Some(serde_json::Value::String(url)) = map.get("url")
            && let Err(message) = tis_prober::check_url(url)
        {
            report("url", &message);
            continue;
        }
        match tis_core::service::Canary::from_fields(&map) {
            Ok(canary) => canaries.push(canary),
            Err(errors) => {
                for e in errors {
                    report(&e.field, &e.message);
                }
            }
        }
    }
    canaries
}

/// The location of a server's own probes when the config names none.
pub const DEFAULT_LOCATION: &str = "server";

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests;
