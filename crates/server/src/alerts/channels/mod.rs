//! The channels alerts go to, each shaping the same alert its own way, and sending it
//! with a real client for its protocol: HTTP (reqwest) for Teams, Slack and signed
//! webhooks, SMTP (lettre) for email. Errors come back in words for staff.

pub mod email;
pub mod slack;
pub mod teams;
pub mod webhook;

use std::time::Duration;

use chrono::Utc;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tis_core::alert::{Alert, ChannelKind};

use crate::config::{ChannelConfig, Config, SmtpConfig, SmtpTls};

/// How long one try may take before it counts as failed.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections to the mail server kept open for the next message: a fan-out to
/// thousands of subscribers is then one SMTP session per connection, not one per email.
const SMTP_CONNECTIONS: u32 = super::deliver::AT_ONCE as u32;

/// Sends alerts to the configured channels.
pub struct Sender {
    http: reqwest::Client,
    smtp: Option<SmtpConfig>,
    /// Made once from `[smtp]`, with its pool of connections; or why it cannot be.
    mail: Option<Result<AsyncSmtpTransport<Tokio1Executor>, String>>,
}

impl Sender {
    pub fn new(config: &Config) -> Sender {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .user_agent(concat!("tis-status/", env!("CARGO_PKG_VERSION")))
            // A channel URL is a secret endpoint: follow no redirect to somewhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Sender {
            http,
            smtp: config.smtp.clone(),
            mail: config.smtp.as_ref().map(transport),
        }
    }

    /// One try at sending `alert` to `channel`; `message_id` is the same on every try.
    pub async fn send(
        &self,
        channel: &ChannelConfig,
        message_id: &str,
        alert: &Alert,
    ) -> Result<(), String> {
        match channel.kind {
            ChannelKind::Log => {
                tracing::warn!(
                    channel = %channel.id,
                    kind = alert.kind.as_str(),
                    message_id,
                    "ALERT: {} — {}",
                    alert.title,
                    alert.summary
                );
                Ok(())
            }
            ChannelKind::Teams => {
                let body = serde_json::to_vec(&teams::body(alert)).map_err(|e| e.to_string())?;
                self.post(channel, "Teams", body, &[]).await
            }
            ChannelKind::Slack => {
                let body = serde_json::to_vec(&slack::body(alert)).map_err(|e| e.to_string())?;
                self.post(channel, "Slack", body, &[]).await
            }
            ChannelKind::Webhook => {
                let body = serde_json::to_vec(&webhook::body(alert)).map_err(|e| e.to_string())?;
                let var = channel.secret_env.as_deref().unwrap_or_default();
                let secret = env_secret(var)?;
                let headers = webhook::headers(&secret, message_id, Utc::now(), &body)?;
                self.post(channel, "The webhook", body, &headers).await
            }
            ChannelKind::Email => self.email(channel, message_id, alert).await,
        }
    }

    async fn post(
        &self,
        channel: &ChannelConfig,
        who: &str,
        body: Vec<u8>,
        headers: &[(&'static str, String)],
    ) -> Result<(), String> {
        let var = channel.url_env.as_deref().unwrap_or_default();
        let url = env_secret(var)?;
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|_| format!("the environment variable {var} does not hold a web address"))?;
        self.post_to(parsed, who, body, headers).await
    }

    /// One POST of a JSON `body` to `parsed`, whose path and query are a secret: errors
    /// name its host only. `who` starts the refusal: "Teams at HOST refused it: …".
    pub async fn post_to(
        &self,
        parsed: reqwest::Url,
        who: &str,
        body: Vec<u8>,
        headers: &[(&'static str, String)],
    ) -> Result<(), String> {
        // The URL's path and query are the secret: only its host goes into messages.
        let host = parsed.host_str().unwrap_or("the server").to_string();
        let mut request = self
            .http
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "{host} did not answer within {} seconds",
                    SEND_TIMEOUT.as_secs()
                )
            } else if e.is_connect() {
                format!("could not connect to {host}: {}", root_cause(&e))
            } else {
                format!("sending to {host} failed: {}", root_cause(&e))
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let text: String = text.trim().chars().take(300).collect();
        Err(format!(
            "{who} at {host} refused it: {status}{}",
            if text.is_empty() {
                String::new()
            } else {
                format!(" — \"{text}\"")
            }
        ))
    }

    async fn email(
        &self,
        channel: &ChannelConfig,
        message_id: &str,
        alert: &Alert,
    ) -> Result<(), String> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or("there is no [smtp] table in the config to send email through")?;
        let message = email::message(alert, &smtp.from, &channel.to, message_id)?;
        self.send_mail(message).await
    }

    /// The `From` of every email, as `[smtp] from` says.
    pub fn mail_from(&self) -> Result<lettre::message::Mailbox, String> {
        let smtp = self
            .smtp
            .as_ref()
            .ok_or("there is no [smtp] table in the config to send email through")?;
        smtp.from
            .parse()
            .map_err(|e| format!("the sender address in [smtp] from cannot be used: {e}"))
    }

    /// One try at handing `message` to the mail server of `[smtp]`, over a connection
    /// kept from an earlier message when there is one.
    pub async fn send_mail(&self, message: lettre::Message) -> Result<(), String> {
        let (Some(smtp), Some(mail)) = (&self.smtp, &self.mail) else {
            return Err("there is no [smtp] table in the config to send email through".into());
        };
        let transport = mail.as_ref().map_err(Clone::clone)?;
        transport.send(message).await.map_err(|e| {
            format!(
                "the mail server {}:{} did not take it: {}",
                smtp.host,
                smtp.port,
                root_cause(&e)
            )
        })?;
        Ok(())
    }
}

/// The transport for `[smtp]`, pooling its connections. Its secrets are read once, here:
/// the environment of a running server does not change.
fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match smtp.tls {
        SmtpTls::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| format!("cannot use STARTTLS with {}: {e}", smtp.host))?,
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| format!("cannot use TLS with {}: {e}", smtp.host))?,
    };
    let mut builder = builder
        .port(smtp.port)
        .timeout(Some(SEND_TIMEOUT))
        .pool_config(PoolConfig::new().max_size(SMTP_CONNECTIONS));
    if let (Some(user), Some(password)) = (&smtp.username_env, &smtp.password_env) {
        builder = builder.credentials(Credentials::new(env_secret(user)?, env_secret(password)?));
    }
    Ok(builder.build())
}

/// A secret from the environment, or why it cannot be had.
fn env_secret(var: &str) -> Result<String, String> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("the environment variable {var} is not set on the server"))
}

/// The innermost cause of an error, which says what actually went wrong ("connection
/// refused"), without repeating a secret URL that outer layers print.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}
