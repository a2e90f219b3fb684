//! The config file: TOML, kept in git by the operations team. Read once at start-up;
//! every problem is reported with the file, the line and the field.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tis_core::alert::ChannelKind;
use tis_core::service::HumanDuration;
use tis_core::{Probe, ProbeKind, Service};

/// The demo config, with `${DEMO_ESTATE}` standing for the demo estate's address.
pub const DEMO_CONFIG: &str = include_str!("../demo/tis.toml");
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
}

/// `[smtp]`: the mail server that email channels send through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: SmtpTls,
    /// The sender, e.g. `TIS Status <tis-status@example.nhs.uk>`.
    pub from: String,
    /// Environment variables holding the sign-in, if the server wants one.
    #[serde(default)]
    pub username_env: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
}

fn default_smtp_port() -> u16 {
    587
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text all the way: only for a relay on the same machine or network.
    None,
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the start (port 465).
    Tls,
}

/// `[[channel]]`: one place alerts can go. Secrets (URLs, signing keys) are read from the
/// environment variables it names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    pub id: String,
    pub kind: ChannelKind,
    /// teams, slack, webhook: the variable holding the URL.
    #[serde(default)]
    pub url_env: Option<String>,
    /// webhook: the variable holding the Standard Webhooks secret (`whsec_…`).
    #[serde(default)]
    pub secret_env: Option<String>,
    /// email: who gets it.
    #[serde(default)]
    pub to: Vec<String>,
}

impl ChannelConfig {
    /// The channel as staff see it: where it goes, never a secret.
    pub fn info(&self) -> tis_core::alert::ChannelInfo {
        let target = match self.kind {
            ChannelKind::Email => self.to.join(", "),
            ChannelKind::Log => "the server's log".into(),
            _ => format!(
                "the URL in {}",
                self.url_env.as_deref().unwrap_or("(no url_env)")
            ),
        };
        tis_core::alert::ChannelInfo {
            id: self.id.clone(),
            kind: self.kind,
            target,
        }
    }
}

/// `[[alert]]`: the alerts of some services (or all) go to some channels.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub channels: Vec<String>,
    /// Service ids, groups already expanded; empty means every service.
    pub services: Vec<String>,
    /// How often to say again that a service is still down.
    pub remind_every: Option<HumanDuration>,
}

impl AlertRule {
    pub fn covers(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlert {
    pub(crate) channels: Vec<String>,
    #[serde(default)]
    pub(crate) services: Vec<String>,
    #[serde(default)]
    pub(crate) remind_every: Option<String>,
}

/// The shortest `remind_every`: more often is noise, not a reminder.
pub const MIN_REMIND_EVERY: HumanDuration = HumanDuration::from_secs(10);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub public_url: Option<String>,
    /// Days of raw probe results to keep; daily uptime is kept for ever.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Where this server's own probes run from, e.g. "london"; put on each result.
    #[serde(default)]
    pub location: Option<String>,
    /// How many locations (this server and standalone probers) must agree that a probe
    /// is failing before it counts as down. 1: any one is enough.
    #[serde(default = "default_down_quorum")]
    pub down_quorum: u32,
    /// Most checks this server runs at the same time.
    #[serde(default = "default_max_concurrent_probes")]
    pub max_concurrent_probes: usize,
    /// Most live-update streams (`/api/v1/events`) open at once; past it a page is told
    /// to come back later and checks for changes every 15 seconds instead. Unset: half
    /// the open-file limit (see `events::stream_cap`).
    #[serde(default)]
    pub max_event_streams: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            data_dir: default_data_dir(),
            public_url: None,
            retention_days: default_retention_days(),
            location: None,
            down_quorum: default_down_quorum(),
            max_concurrent_probes: default_max_concurrent_probes(),
            max_event_streams: None,
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_retention_days() -> u32 {
    30
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_down_quorum() -> u32 {
    1
}

fn default_max_concurrent_probes() -> usize {
    64
}

/// The longest location name: it is shown on pages and kept with every result.
pub const LOCATION_MAX: usize = 40;

/// Checks a location name given in config, on the command line or by a prober.
pub fn check_location(location: &str) -> Result<(), String> {
    if location.trim().is_empty() {
        return Err("a location needs a name, like \"london\"".into());
    }
    if location.chars().count() > LOCATION_MAX {
        return Err(format!(
            "\"{location}\" is too long for a location: use at most {LOCATION_MAX} characters"
        ));
    }
    if location.chars().any(char::is_control) {
        return Err("a location name cannot have control characters".into());
    }
    Ok(())
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
        })
    }

    /// Where this server's own results say they come from.
    pub fn location(&self) -> &str {
        self.server.location.as_deref().unwrap_or(DEFAULT_LOCATION)
    }
}

/// The location of a server's own probes when the config names none.
pub const DEFAULT_LOCATION: &str = "server";

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Where the tables of a config file start and end, by line (0-based), so that a problem
/// can point at the line of the field to fix.
pub(crate) struct Layout {
    /// `[server]`'s lines.
    server: Option<std::ops::Range<usize>>,
    services: Vec<ServiceLines>,
    smtp: Option<std::ops::Range<usize>>,
    channels: Vec<std::ops::Range<usize>>,
    alerts: Vec<std::ops::Range<usize>>,
}

struct ServiceLines {
    /// From `[[service]]` to its first probe (or its end).
    own: std::ops::Range<usize>,
    probes: Vec<std::ops::Range<usize>>,
}

impl Layout {
    fn of(text: &str) -> Layout {
        let lines: Vec<&str> = text.lines().collect();
        let mut layout = Layout {
            server: None,
            services: Vec::new(),
            smtp: None,
            channels: Vec::new(),
            alerts: Vec::new(),
        };
        // What the lines from here on belong to.
        enum In {
            Nothing,
            Server,
            Service,
            Probe,
            Smtp,
            Channel,
            Alert,
        }
        let mut now = In::Nothing;
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim();
            if t.starts_with('[') {
                let header: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                now = if header.starts_with("[[service.probe]]") {
                    if let Some(s) = layout.services.last_mut() {
                        s.probes.push(i..i + 1);
                    }
                    In::Probe
                } else if header.starts_with("[service.probe.") {
                    In::Probe
                } else if header.starts_with("[[service]]") {
                    layout.services.push(ServiceLines {
                        own: i..i + 1,
                        probes: Vec::new(),
                    });
                    In::Service
                } else if header.starts_with("[server]") {
                    layout.server = Some(i..i + 1);
                    In::Server
                } else if header.starts_with("[smtp]") {
                    layout.smtp = Some(i..i + 1);
                    In::Smtp
                } else if header.starts_with("[[channel]]") {
                    layout.channels.push(i..i + 1);
                    In::Channel
                } else if header.starts_with("[[alert]]") {
                    layout.alerts.push(i..i + 1);
                    In::Alert
                } else {
                    In::Nothing
                };
                continue;
            }
            match now {
                In::Nothing => {}
                In::Server => {
                    if let Some(r) = &mut layout.server {
                        r.end = i + 1;
                    }
                }
                In::Service => {
                    if let Some(s) = layout.services.last_mut() {
                        s.own.end = i + 1;
                    }
                }
                In::Probe => {
                    if let Some(r) = layout.services.last_mut().and_then(|s| s.probes.last_mut()) {
                        r.end = i + 1;
                    }
                }
                In::Smtp => {
                    if let Some(r) = &mut layout.smtp {
                        r.end = i + 1;
                    }
                }
                In::Channel => {
                    if let Some(r) = layout.channels.last_mut() {
                        r.end = i + 1;
                    }
                }
                In::Alert => {
                    if let Some(r) = layout.alerts.last_mut() {
                        r.end = i + 1;
                    }
                }
            }
        }
        layout
    }

    /// The 1-based line of `key = …` within `lines`, or of the table's header.
    fn find(text: &str, lines: &std::ops::Range<usize>, field: &str) -> Option<usize> {
        // `headers.Accept` and `depends_on[1]` are written under `headers` and `depends_on`.
        let key = field.split(['.', '[']).next().unwrap_or(field);
        text.lines()
            .enumerate()
            .skip(lines.start)
            .take(lines.len())
            .find(|(_, l)| {
                let l = l.trim_start();
                let rest = l
                    .strip_prefix(key)
                    .or_else(|| l.strip_prefix(&format!("\"{key}\"")));
                rest.is_some_and(|r| r.trim_start().starts_with('='))
            })
            .or_else(|| {
                // A sub-table such as [service.probe.headers].
                text.lines()
                    .enumerate()
                    .skip(lines.start)
                    .take(lines.len())
                    .find(|(_, l)| l.trim() == format!("[service.probe.{key}]"))
            })
            .map(|(n, _)| n)
            .or(Some(lines.start))
            .map(|n| n + 1)
    }

    fn server_field(&self, text: &str, field: &str) -> Option<usize> {
        Layout::find(text, self.server.as_ref()?, field)
    }

    /// The line of a field of `[smtp]`.
    pub(crate) fn smtp_field(&self, text: &str, field: &str) -> Option<usize> {
        Layout::find(text, self.smtp.as_ref()?, field)
    }

    /// The line of a field of the `n`th `[[channel]]` (0-based).
    pub(crate) fn channel_field(&self, text: &str, n: usize, field: &str) -> Option<usize> {
        Layout::find(text, self.channels.get(n)?, field)
    }

    /// The line of a field of the `n`th `[[alert]]` (0-based).
    pub(crate) fn alert_field(&self, text: &str, n: usize, field: &str) -> Option<usize> {
        Layout::find(text, self.alerts.get(n)?, field)
    }

    fn service_field(&self, text: &str, service: usize, field: &str) -> Option<usize> {
        Layout::find(text, &self.services.get(service)?.own, field)
    }

    fn probe_field(&self, text: &str, service: usize, probe: usize, field: &str) -> Option<usize> {
        let lines = self.services.get(service)?.probes.get(probe)?;
        Layout::find(text, lines, field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_is_valid() {
        let config = Config::demo("http://127.0.0.1:1").unwrap();
        assert_eq!(config.services.len(), 10);
        assert!(config.services.iter().any(|s| s.id == "sign-in"));
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let err = Config::parse(
            "my.toml",
            "[server]\nlisten = \"127.0.0.1:80\"\n[[service]\n",
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("my.toml, line 3"), "{text}");
    }

    #[test]
    fn an_unknown_field_names_the_field_and_line() {
        let text = "[[service]]\nid = \"a\"\nname = \"A\"\ngroup = \"G\"\ndescription = \"Does things.\"\ncolour = \"red\"\n";
        let err = Config::parse("my.toml", text).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        assert!(err.contains("line "), "{err}");
    }

    #[test]
    fn an_unknown_dependency_and_a_short_interval_are_both_reported() {
        let text = r#"
[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
depends_on = ["sign-on"]
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "1s"
timeout = "500ms"
"#;
        let err = Config::parse("my.toml", text).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        let text = err.to_string();
        assert!(
            text.contains("line 7: service \"bulk-upload\" depends on \"sign-on\""),
            "{text}"
        );
        assert!(
            text.contains("line 12: service \"bulk-upload\", probe 1, field interval: 1s is too often: use 5s or more"),
            "{text}"
        );
    }

    const ONE_SERVICE: &str = r#"[server]
location = "london"

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."

[[service.probe]]
kind = "http"
url = "https://tis.example/health"
"#;

    fn problems_of(probes: &str) -> (String, Vec<Problem>) {
        let text = format!("{ONE_SERVICE}{probes}");
        let err = Config::parse_with("tis.toml", &text, &|name| name == "SET_SECRET")
            .expect_err("refused");
        (text, err.problems)
    }

    /// The text of the line a problem points at.
    fn line(text: &str, problem: &Problem) -> String {
        text.lines()
            .nth(problem.line.expect("a line") - 1)
            .unwrap()
            .trim()
            .to_string()
    }

    #[test]
    fn each_probe_problem_points_at_the_line_of_its_field() {
        let (text, problems) = problems_of(
            r#"
[[service.probe]]
kind = "ftp"
url = "ftp://tis.example"

[[service.probe]]
kind = "http"
url = "not a url"
interval = "30s"
timeout = "45s"

[[service.probe]]
kind = "oidc"
token_url = "https://auth.example/token"
client_id = "bulk-upload"
client_secret_env = "NOT_SET_ANYWHERE"

[[service.probe]]
kind = "oidc"
token_url = "https://auth.example/token"
client_id = "bulk-upload"
client_secret_env = "SET_SECRET"
then_url = "https://tis.example/api/ping"
interval = "3s"
timeout = "1s"
"#,
        );
        let shown: Vec<(String, String)> = problems
            .iter()
            .map(|p| (line(&text, p), p.message.clone()))
            .collect();
        let expect = [
            (
                "kind = \"ftp\"",
                "probe 2, field kind: \"ftp\" is not a kind of probe",
            ),
            (
                "url = \"not a url\"",
                "probe 3, field url: \"not a url\" is not a web address",
            ),
            (
                "timeout = \"45s\"",
                "probe 3, field timeout: 45s must be shorter than the interval (30s)",
            ),
            (
                "client_secret_env = \"NOT_SET_ANYWHERE\"",
                "probe 4, field client_secret_env: the environment variable NOT_SET_ANYWHERE is not set",
            ),
            (
                "interval = \"3s\"",
                "probe 5, field interval: 3s is too often: use 5s or more",
            ),
        ];
        assert_eq!(shown.len(), expect.len(), "{shown:#?}");
        for ((line, message), (want_line, want)) in shown.iter().zip(expect) {
            assert_eq!(line, want_line, "{message}");
            assert!(message.contains(want), "{message} should say {want}");
        }
    }

    #[test]
    fn a_header_problem_points_at_its_table() {
        let (text, problems) = problems_of(
            "\n[[service.probe]]\nkind = \"http\"\nurl = \"https://tis.example/\"\n[service.probe.headers]\n\"Bad Header\" = \"x\"\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(line(&text, &problems[0]), "[service.probe.headers]");
        assert!(
            problems[0].message.contains("headers.Bad Header"),
            "{problems:?}"
        );
    }

    #[test]
    fn server_options_for_locations_are_read_and_checked() {
        let config = Config::parse("tis.toml", ONE_SERVICE).unwrap();
        assert_eq!(config.location(), "london");
        assert_eq!(config.server.down_quorum, 1);
        let text = ONE_SERVICE.replace("location = \"london\"", "location = \"\"\ndown_quorum = 0");
        let err = Config::parse("tis.toml", &text).unwrap_err();
        assert_eq!(err.problems.len(), 2, "{err}");
        assert_eq!(err.problems[0].line, Some(3));
        assert_eq!(err.problems[1].line, Some(2));
    }

    #[test]
    fn alert_rules_name_services_by_id_or_group_and_secrets_are_checked() {
        let text = format!(
            "{ONE_SERVICE}\n[[channel]]\nid = \"ops-hook\"\nkind = \"webhook\"\nurl_env = \"HOOK_URL\"\nsecret_env = \"HOOK_SECRET\"\n\n[[alert]]\nchannels = [\"ops-hook\"]\nservices = [\"For admins\"]\nremind_every = \"30m\"\n"
        );
        let env = |url: &'static str, secret: &'static str| {
            move |name: &str| match name {
                "HOOK_URL" => Some(url.to_string()),
                "HOOK_SECRET" => Some(secret.to_string()),
                _ => None,
            }
        };
        let config = Config::parse_env(
            "tis.toml",
            &text,
            &env(
                "https://hooks.example/x",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ),
        )
        .unwrap();
        assert_eq!(config.alerts[0].services, ["bulk-upload"]);
        assert_eq!(
            config.alerts[0].remind_every,
            Some(HumanDuration::from_secs(1800))
        );
        let err = Config::parse_env(
            "tis.toml",
            &text,
            &env("ftp://hooks.example/secret-path", "not-a-secret"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("HOOK_URL does not hold a usable URL: it starts with ftp"),
            "{err}"
        );
        assert!(
            !err.contains("secret-path"),
            "the URL is a secret and never echoed: {err}"
        );
        assert!(err.contains("HOOK_SECRET must hold whsec_"), "{err}");
    }

    #[test]
    fn a_tls_probe_is_accepted() {
        let text = format!(
            "{ONE_SERVICE}\n[[service.probe]]\nkind = \"tls\"\nhost = \"tis.example\"\nwarn_days = 21\n"
        );
        let config = Config::parse("tis.toml", &text).unwrap();
        match &config.services[0].probes[1].kind {
            ProbeKind::Tls {
                port, warn_days, ..
            } => assert_eq!((*port, *warn_days), (443, 21)),
            other => panic!("{other:?}"),
        }
    }
}
