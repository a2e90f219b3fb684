//! Messages to the webhooks and channels admins subscribe for other teams. A webhook gets
//! the bodies Statuspage sends its webhook subscribers (`http::v2::webhooks`), signed as
//! Standard Webhooks says with the subscription's own secret; a Teams or Slack channel
//! gets the card its team alerts are drawn with, made from the words subscriber emails
//! use. Either way only the public words: never what a check said, never who wrote an
//! update. The URL is a secret: errors and logs name its host only.

use chrono::{DateTime, Utc};
use serde_json::json;
use tis_core::alert::{Alert, AlertFact, AlertKind, AlertLink};
use tis_core::wire::{NewsKind, SubscriptionChannel};
use tis_core::{Incident, IncidentStatus};

use super::email::{Words, news_words, status_words, test_words};
use super::{Payload, subscriber_of};
use crate::AppState;
use crate::alerts::channels::{Sender, slack, teams, webhook};
use crate::alerts::deliver::MAX_ATTEMPTS;
use crate::http::v2::webhooks;
use crate::read::model::Model;
use crate::store::OutboxEntry;

/// A channel subscription to make, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHook {
    pub kind: SubscriptionChannel,
    pub name: String,
    pub url: String,
    /// Empty: all of TIS.
    pub services: Vec<String>,
    pub kinds: Vec<NewsKind>,
    pub status_changes: bool,
    /// Webhooks: what they are signed with.
    pub secret: Option<String>,
}

/// Where a channel subscription is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub kind: SubscriptionChannel,
    pub url: String,
    pub secret: Option<String>,
}

/// Whether `url` may be sent to: `https://` anywhere, or `http://` only to this machine
/// (127.0.0.1 or localhost), so that a test can run a receiver beside the server while
/// news about TIS never crosses a network in the clear. Written as the API's document
/// says (`openapi_rules::CHANNEL_URL`): a plain host name or address, an optional port
/// and a path of printable ASCII, then read by the HTTP client.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let form = "Write the address like https://esr.example.nhs.uk/hooks/tis, without spaces.";
    let Some((scheme, rest)) = url
        .strip_prefix("https://")
        .map(|r| ("https", r))
        .or_else(|| url.strip_prefix("http://").map(|r| ("http", r)))
    else {
        return Err("The address must start https://.".into());
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let plain = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
        && path.bytes().all(|b| (b'!'..=b'~').contains(&b));
    if !plain {
        return Err(form.into());
    }
    if scheme == "http" && !["127.0.0.1", "localhost"].contains(&host) {
        return Err(
            "The address must start https:// (http:// is taken only for 127.0.0.1 or localhost, for tests)."
                .into(),
        );
    }
    reqwest::Url::parse(url)
        .map_err(|e| format!("This is not an address the server can send to ({e}). {form}"))
}

/// The part of a URL staff may see again: its scheme and host (and port). The rest is
/// the secret that lets anyone post to the channel.
pub fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => {
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{}{port}/…",
                u.scheme(),
                u.host_str().unwrap_or_default()
            )
        }
        Err(_) => "(an address that cannot be read)".into(),
    }
}

/// A new signing secret, as Standard Webhooks writes them: `whsec_` and 32 random bytes
/// in base64.
pub fn new_secret() -> Option<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// One try at sending `entry` to the webhook or channel `hook`, and what it did to the
/// subscription: a delivery clears its last error (and resumes it if paused); a message
/// that failed every try pauses it.
pub async fn send(
    state: &AppState,
    sender: &Sender,
    entry: &OutboxEntry,
    hook: &Hook,
    payload: &Payload,
) -> Result<(), String> {
    let outcome = try_send(state, sender, entry, hook, payload).await;
    let Some(id) = subscriber_of(&entry.message.channel) else {
        return outcome;
    };
    let gave_up = outcome.is_err() && entry.attempts >= MAX_ATTEMPTS;
    if gave_up {
        tracing::warn!(
            subscriber = id,
            kind = hook.kind.as_str(),
            "a channel subscription is paused: a message to it failed every try; a test message that arrives resumes it"
        );
    }
    let error = outcome.as_ref().err().map(String::as_str);
    if let Err(e) = state
        .store
        .hook_outcome(id, error, gave_up, Utc::now())
        .await
    {
        tracing::error!(error = %e, subscriber = id, "could not record how a delivery went");
    }
    outcome
}

async fn try_send(
    state: &AppState,
    sender: &Sender,
    entry: &OutboxEntry,
    hook: &Hook,
    payload: &Payload,
) -> Result<(), String> {
    let url = check_url(&hook.url).map_err(|_| "its address can no longer be used".to_string())?;
    let snapshot = state.snapshots.current();
    let model = &snapshot.model;
    let now = Utc::now();
    match hook.kind {
        SubscriptionChannel::Webhook => {
            let Some(body) = webhook_body(state, model, entry, payload, now).await? else {
                // What it told of is gone (an incident deleted): nothing to send.
                return Ok(());
            };
            let secret = hook
                .secret
                .as_deref()
                .ok_or("the webhook has no signing secret")?;
            let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
            let headers = webhook::headers(secret, &entry.message.message_id, now, &body)?;
            sender.post_to(url, "The webhook", body, &headers).await
        }
        SubscriptionChannel::Teams => {
            let body = teams::body(&card(model, payload));
            let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
            sender.post_to(url, "Teams", body, &[]).await
        }
        SubscriptionChannel::Slack => {
            let body = slack::body(&card(model, payload));
            let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
            sender.post_to(url, "Slack", body, &[]).await
        }
    }
}

/// The Statuspage body of `payload`; `None` when what it tells of is gone.
async fn webhook_body(
    state: &AppState,
    model: &Model,
    entry: &OutboxEntry,
    payload: &Payload,
    now: DateTime<Utc>,
) -> Result<Option<serde_json::Value>, String> {
    let store_error = |e: crate::store::StoreError| format!("the store could not be read: {e}");
    let value = |v: Result<serde_json::Value, serde_json::Error>| v.map_err(|e| e.to_string());
    match payload {
        Payload::News(news) => {
            let Some(id) = news.id else { return Ok(None) };
            match news.event.kind() {
                NewsKind::Incidents => {
                    // From the store, not the snapshot, which may not hold the update yet.
                    let Some(incident) = state.store.incident(id).await.map_err(store_error)?
                    else {
                        return Ok(None);
                    };
                    let incident = as_at(incident, news.at);
                    let event = webhooks::incident_event(model, &incident, now);
                    value(serde_json::to_value(event)).map(Some)
                }
                NewsKind::Maintenance => {
                    let notices = state.store.notices().await.map_err(store_error)?;
                    let Some(notice) = notices.iter().find(|n| n.id == id) else {
                        return Ok(None);
                    };
                    let event = webhooks::maintenance_event(model, notice, news.at);
                    value(serde_json::to_value(event)).map(Some)
                }
            }
        }
        Payload::Status(status) => {
            let event = webhooks::component_event(
                model,
                &entry.message.message_id,
                &status.service,
                (status.from, status.to),
                status.at,
                now,
            );
            match event {
                Some(event) => value(serde_json::to_value(event)).map(Some),
                None => Ok(None),
            }
        }
        // Statuspage has no test message: the same envelope, and a `test` instead.
        Payload::Test { at } => Ok(Some(json!({
            "meta": webhooks::meta(model, now),
            "page": webhooks::page(model),
            "test": {
                "message": test_words(*at).paragraphs.join(" "),
                "created_at": at,
            },
        }))),
        Payload::Confirm | Payload::AlreadySubscribed => Ok(None),
    }
}

/// The incident as it was when the update that is news was posted: later updates are
/// told by their own messages, so a retry does not tell of them early.
fn as_at(mut incident: Incident, at: DateTime<Utc>) -> Incident {
    incident.updates.retain(|u| u.at <= at);
    if let Some(last) = incident.updates.iter().max_by_key(|u| u.at) {
        incident.status = last.status;
    }
    if incident.status != IncidentStatus::Resolved {
        incident.resolved_at = None;
    }
    incident
}

/// The card Teams and Slack draw, from the words subscriber emails use. It goes through
/// the team alerts' own drawing, so both audiences' cards look alike; the kind only
/// chooses its colour (attention for trouble).
fn card(model: &Model, payload: &Payload) -> Alert {
    let base = model.page.url.trim_end_matches('/');
    let names = |id: &str| model.service_name(id).to_string();
    let (words, kind, at): (Words, AlertKind, DateTime<Utc>) = match payload {
        Payload::News(news) => {
            let trouble = news.event.kind() == NewsKind::Incidents
                && news.event != super::NewsEvent::IncidentResolved;
            (
                news_words(news, base, &names),
                if trouble {
                    AlertKind::Down
                } else {
                    AlertKind::Recovered
                },
                news.at,
            )
        }
        Payload::Status(status) => (
            status_words(status, base, &names),
            if status.to.is_failing() {
                AlertKind::Down
            } else {
                AlertKind::Recovered
            },
            status.at,
        ),
        Payload::Test { at } => (test_words(*at), AlertKind::Test, *at),
        Payload::Confirm | Payload::AlreadySubscribed => {
            (test_words(Utc::now()), AlertKind::Test, Utc::now())
        }
    };
    let mut paragraphs = words.paragraphs;
    paragraphs.push(words.footer);
    Alert {
        kind,
        title: words.subject,
        summary: paragraphs.join("\n\n"),
        facts: words
            .facts
            .into_iter()
            .map(|(label, value)| AlertFact { label, value })
            .collect(),
        affected: Vec::new(),
        services: Vec::new(),
        links: words
            .action
            .into_iter()
            .map(|(url, label)| AlertLink { label, url })
            .collect(),
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_http_to_this_machine_is_taken() {
        assert!(check_url("https://esr.example.nhs.uk/hooks/tis").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("http://localhost:9000/hook").is_ok());
        for bad in [
            "http://esr.example.nhs.uk/hooks",
            "http://[::1]:9000/hook",
            "ftp://esr.example/x",
            "esr.example/hooks",
            "https://",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn staff_see_the_scheme_and_host_and_never_the_secret_path() {
        assert_eq!(
            shown_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            shown_url("http://127.0.0.1:9000/hook?code=secret"),
            "http://127.0.0.1:9000/…"
        );
    }

    #[test]
    fn a_secret_is_one_standard_webhooks_takes() {
        let secret = new_secret().unwrap();
        assert!(secret.starts_with("whsec_"));
        assert!(standardwebhooks::Webhook::new(&secret).is_ok());
        assert_ne!(secret, new_secret().unwrap());
    }
}
