//! Checks `[smtp]`, `[[channel]]` and `[[alert]]`, naming the line and field of every
//! problem like the rest of the config, and turns `[[alert]]` into rules.

use std::collections::HashSet;

use lettre::message::Mailbox;
use tis_core::Service;
use tis_core::alert::ChannelKind;
use tis_core::service::HumanDuration;

use crate::config::{
    AlertRule, ChannelConfig, Layout, MIN_REMIND_EVERY, Problem, RawAlert, SmtpConfig,
};

/// Checks the alert parts of a config, adding each problem to `problems`, and returns
/// the rules. `env` gives a secret's value (`Some("")`: set, not to be looked at).
#[allow(clippy::too_many_arguments)]
pub(crate) fn check(
    text: &str,
    layout: &Layout,
    services: &[Service],
    smtp: Option<&SmtpConfig>,
    channels: &[ChannelConfig],
    alerts: &[RawAlert],
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) -> Vec<AlertRule> {
    let not_set = |var: &str| {
        format!(
            "the environment variable {var} is not set: set it before starting (the secret itself never goes in this file)"
        )
    };
    if let Some(smtp) = smtp {
        let mut report = |field: &str, message: String| {
            problems.push(Problem {
                line: layout.smtp_field(text, field),
                message: format!("[smtp], field {field}: {message}"),
            })
        };
        if smtp.host.trim().is_empty() {
            report(
                "host",
                "needs the mail server's name, like smtp.example.nhs.uk".into(),
            );
        }
        if smtp.port == 0 {
            report("port", "must be a port number, like 587".into());
        }
        if let Err(e) = smtp.from.parse::<Mailbox>() {
            report(
                "from",
                format!(
                    "\"{}\" is not an email address ({e}): write it like \"TIS Status <tis-status@example.nhs.uk>\"",
                    smtp.from
                ),
            );
        }
        match (&smtp.username_env, &smtp.password_env) {
            (Some(_), None) => report(
                "username_env",
                "is given without password_env: give both, or neither".into(),
            ),
            (None, Some(_)) => report(
                "password_env",
                "is given without username_env: give both, or neither".into(),
            ),
            _ => {}
        }
        for (field, var) in [
            ("username_env", &smtp.username_env),
            ("password_env", &smtp.password_env),
        ] {
            if let Some(var) = var
                && env(var).is_none()
            {
                report(field, not_set(var));
            }
        }
    }

    let mut ids = HashSet::new();
    for (n, c) in channels.iter().enumerate() {
        let mut report = |field: &str, message: String| {
            problems.push(Problem {
                line: layout.channel_field(text, n, field),
                message: format!("channel \"{}\", field {field}: {message}", c.id),
            })
        };
        if c.id.trim().is_empty() {
            report("id", "a channel needs an id, like \"tis-team\"".into());
        } else if !ids.insert(c.id.as_str()) {
            report(
                "id",
                "another [[channel]] has this id: give each its own".into(),
            );
        }
        let wants_url = matches!(
            c.kind,
            ChannelKind::Teams | ChannelKind::Slack | ChannelKind::Webhook
        );
        match (&c.url_env, wants_url) {
            (None, true) => report(
                "url_env",
                format!(
                    "a {} channel needs url_env: the environment variable that holds its URL",
                    c.kind.as_str()
                ),
            ),
            (Some(_), false) => report(
                "url_env",
                format!("a {} channel has no URL: remove url_env", c.kind.as_str()),
            ),
            (Some(var), true) => match env(var) {
                None => report("url_env", not_set(var)),
                Some(url) if !url.is_empty() => {
                    // The URL is a secret (Teams and Slack put the key in it): never echoed.
                    if let Err(why) = check_secret_url(&url) {
                        report(
                            "url_env",
                            format!(
                                "the environment variable {var} does not hold a usable URL: {why}"
                            ),
                        );
                    }
                }
                Some(_) => {}
            },
            (None, false) => {}
        }
        match (&c.secret_env, c.kind) {
            (None, ChannelKind::Webhook) => report(
                "secret_env",
                "a webhook channel needs secret_env: the environment variable holding its signing secret (whsec_ followed by base64, as Standard Webhooks secrets are)".into(),
            ),
            (Some(var), ChannelKind::Webhook) => match env(var) {
                None => report("secret_env", not_set(var)),
                Some(secret) if !secret.is_empty() => {
                    let usable = secret.starts_with("whsec_")
                        && standardwebhooks::Webhook::new(&secret).is_ok()
                        && secret.len() > "whsec_".len();
                    if !usable {
                        report(
                            "secret_env",
                            format!("the environment variable {var} must hold whsec_ followed by base64 (a Standard Webhooks secret)"),
                        );
                    }
                }
                Some(_) => {}
            },
            (Some(_), kind) => report(
                "secret_env",
                format!("only webhook channels are signed: remove secret_env from this {} channel", kind.as_str()),
            ),
            (None, _) => {}
        }
        if c.kind == ChannelKind::Email {
            if c.to.is_empty() {
                report(
                    "to",
                    "an email channel needs to = [\"someone@example.nhs.uk\"]".into(),
                );
            }
            for address in &c.to {
                if let Err(e) = address.parse::<Mailbox>() {
                    report(
                        "to",
                        format!(
                            "\"{address}\" is not an email address ({e}), like tis-support@example.nhs.uk"
                        ),
                    );
                }
            }
            if smtp.is_none() {
                report(
                    "kind",
                    "email channels send through the mail server in [smtp]: add an [smtp] table"
                        .into(),
                );
            }
        } else if !c.to.is_empty() {
            report(
                "to",
                format!(
                    "only email channels have addresses: remove to from this {} channel",
                    c.kind.as_str()
                ),
            );
        }
    }

    let known_channels: Vec<&str> = channels.iter().map(|c| c.id.as_str()).collect();
    let mut rules = Vec::new();
    for (n, raw) in alerts.iter().enumerate() {
        let mut report = |field: &str, message: String| {
            problems.push(Problem {
                line: layout.alert_field(text, n, field),
                message: format!("alert {}, field {field}: {message}", n + 1),
            })
        };
        if raw.channels.is_empty() {
            report(
                "channels",
                "name at least one [[channel]] id, like channels = [\"tis-team\"]".into(),
            );
        }
        for c in &raw.channels {
            if !known_channels.contains(&c.as_str()) {
                report(
                    "channels",
                    format!(
                        "there is no [[channel]] with id \"{c}\"; use one of: {}",
                        if known_channels.is_empty() {
                            "(none: add a [[channel]])".into()
                        } else {
                            known_channels.join(", ")
                        }
                    ),
                );
            }
        }
        let mut ids: Vec<String> = Vec::new();
        for name in &raw.services {
            let matched: Vec<&Service> = services
                .iter()
                .filter(|s| &s.id == name || &s.group == name)
                .collect();
            if matched.is_empty() {
                report(
                    "services",
                    format!(
                        "\"{name}\" is no service id or group; use one of: {}",
                        services
                            .iter()
                            .map(|s| s.id.as_str())
                            .chain(groups(services))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            for s in matched {
                if !ids.contains(&s.id) {
                    ids.push(s.id.clone());
                }
            }
        }
        let remind_every = match raw.remind_every.as_deref().map(str::parse::<HumanDuration>) {
            None => None,
            Some(Err(e)) => {
                report("remind_every", e);
                None
            }
            Some(Ok(d)) if d < MIN_REMIND_EVERY => {
                report(
                    "remind_every",
                    format!("{d} is too often: use {MIN_REMIND_EVERY} or more, like \"30m\""),
                );
                None
            }
            Some(Ok(d)) => Some(d),
        };
        rules.push(AlertRule {
            channels: raw.channels.clone(),
            services: ids,
            remind_every,
        });
    }
    rules
}

fn groups(services: &[Service]) -> impl Iterator<Item = &str> {
    let mut seen: Vec<&str> = Vec::new();
    services.iter().map(|s| s.group.as_str()).filter(move |g| {
        let new = !seen.contains(g);
        if new {
            seen.push(g);
        }
        new
    })
}

/// Whether a channel URL can be posted to, said without repeating it.
fn check_secret_url(url: &str) -> Result<(), String> {
    match reqwest::Url::parse(url.trim()) {
        Err(e) => Err(format!("it is not a web address ({e})")),
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            Err(format!("it starts with {}: use https://", u.scheme()))
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Err("it has no host name".into()),
        Ok(_) => Ok(()),
    }
}
