//! The config file: TOML, kept in git by the operations team. Read once at start-up;
//! every problem is reported with the file, the line and the field.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tis_core::{ProbeKind, Service};

/// The demo config, with `${DEMO_ESTATE}` standing for the demo estate's address.
pub const DEMO_CONFIG: &str = include_str!("../demo/tis.toml");
pub const DEMO_CONFIG_NAME: &str = "built-in demo (crates/server/demo/tis.toml)";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where it came from, for messages.
    pub source: String,
    pub server: ServerConfig,
    pub services: Vec<Service>,
}

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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            data_dir: default_data_dir(),
            public_url: None,
            retention_days: default_retention_days(),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: ServerConfig,
    #[serde(default)]
    service: Vec<Service>,
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

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            source: source.clone(),
            problems: vec![Problem {
                line: None,
                message: format!("cannot be read: {e}"),
            }],
        })?;
        Config::parse(&source, &text)
    }

    /// The built-in demo, probing the demo estate at `estate` (e.g. `http://127.0.0.1:4321`).
    pub fn demo(estate: &str) -> Result<Config, ConfigError> {
        Config::parse(
            DEMO_CONFIG_NAME,
            &DEMO_CONFIG.replace("${DEMO_ESTATE}", estate),
        )
    }

    pub fn parse(source: &str, text: &str) -> Result<Config, ConfigError> {
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
        let mut problems = Vec::new();
        if file.server.retention_days < 2 {
            problems.push(Problem {
                line: text.lines().position(|l| l.trim_start().starts_with("retention_days")).map(|n| n + 1),
                message: format!(
                    "[server] retention_days = {} is too short: keep at least 2 days, so each day's uptime can be worked out before its results go",
                    file.server.retention_days
                ),
            });
        }
        for (i, service) in file.service.iter().enumerate() {
            let line = service_line(text, &service.id, i);
            if let Err(errors) = tis_core::validate::validate_service(service) {
                for e in errors {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "service \"{}\", field {}: {}",
                            service.id, e.field, e.message
                        ),
                    });
                }
            }
            if service.probes.is_empty() {
                problems.push(Problem {
                    line,
                    message: format!(
                        "service \"{}\" has no [[service.probe]]: add at least one, or its status will always be \"not known\"",
                        service.id
                    ),
                });
            }
            for (n, probe) in service.probes.iter().enumerate() {
                if let ProbeKind::Tls { .. } = probe.kind {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "service \"{}\", probe {}: kind \"tls\" is not supported by this version; use http, tcp or oidc",
                            service.id,
                            n + 1
                        ),
                    });
                }
                if probe.interval.as_millis() < 5_000 {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "service \"{}\", probe {}, field interval: {} is too often; use 5s or more",
                            service.id,
                            n + 1,
                            probe.interval
                        ),
                    });
                }
                if probe.timeout >= probe.interval {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "service \"{}\", probe {}, field timeout: {} must be shorter than the interval ({})",
                            service.id,
                            n + 1,
                            probe.timeout,
                            probe.interval
                        ),
                    });
                }
                if probe.fail_after == 0 || probe.recover_after == 0 {
                    problems.push(Problem {
                        line,
                        message: format!(
                            "service \"{}\", probe {}: fail_after and recover_after must be 1 or more",
                            service.id,
                            n + 1
                        ),
                    });
                }
            }
        }
        if let Err(errors) = tis_core::deps::check_dependencies(&file.service) {
            problems.extend(errors.into_iter().map(|e| Problem {
                line: None,
                message: e.to_string(),
            }));
        }
        if !problems.is_empty() {
            return Err(fail(problems));
        }
        let mut services = file.service;
        services.sort_by_key(|s| s.position);
        Ok(Config {
            source: source.to_string(),
            server: file.server,
            services,
        })
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the `id = "…"` of the service, or failing that of its `[[service]]`.
fn service_line(text: &str, id: &str, index: usize) -> Option<usize> {
    let wanted = format!("\"{id}\"");
    let by_id = text.lines().position(|l| {
        let l = l.trim();
        l.starts_with("id") && l.contains(&wanted)
    });
    by_id
        .or_else(|| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.trim() == "[[service]]")
                .nth(index)
                .map(|(n, _)| n)
        })
        .map(|n| n + 1)
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
        assert!(text.contains("sign-on"), "{text}");
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("5s or more"), "{text}");
    }
}
