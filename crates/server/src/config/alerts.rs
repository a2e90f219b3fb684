//! `[smtp]`, `[[channel]]` and `[[alert]]`: where team alerts go and when they are sent.

use serde::Deserialize;
use tis_core::alert::ChannelKind;
use tis_core::service::HumanDuration;

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
