//! Alerts as outbox messages: one per channel, each with its own id that stays the same
//! on every try. Also how a stored message reads back for staff.

use chrono::{DateTime, Utc};
use tis_core::alert::{Alert, AlertFact, AlertKind, AlertLink, Delivery, DeliveryState};

use crate::store::{AlertPlan, OutboxEntry, OutboxMessage};

use super::rules::{self, Memory, Outgoing, View};

/// The outbox kind of team alerts.
pub const KIND: &str = "alert";

/// A new message id: `msg_` and 128 random bits, like the ids Standard Webhooks shows.
pub fn new_message_id() -> String {
    let mut bytes = [0u8; 16];
    // The OS's random source does not fail on the systems this runs on; if it did, the
    // clock and a counter still make the id unique within this store.
    if getrandom::getrandom(&mut bytes).is_err() {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let t = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&n.to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// The messages that send `outgoing`: one per channel.
pub fn messages(outgoing: &[Outgoing]) -> Vec<OutboxMessage> {
    outgoing
        .iter()
        .flat_map(|o| {
            let payload = serde_json::to_string(&o.alert).unwrap_or_default();
            o.channels.iter().map(move |channel| OutboxMessage {
                message_id: new_message_id(),
                kind: KIND.into(),
                channel: channel.clone(),
                payload: payload.clone(),
            })
        })
        .collect()
}

/// Runs the rules on what they remembered (JSON from the store) and makes the plan the
/// store keeps in the same transaction.
pub fn plan(memory: Option<String>, view: &View) -> AlertPlan {
    let before: Memory = match memory.as_deref().map(serde_json::from_str) {
        None => Memory::default(),
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            // Forgetting means at worst one repeated alert; refusing would mean none.
            tracing::error!(error = %e, "the alert rules' memory could not be read: starting afresh");
            Memory::default()
        }
    };
    let (after, outgoing) = rules::decide(before.clone(), view);
    AlertPlan {
        memory: (after != before).then(|| serde_json::to_string(&after).unwrap_or_default()),
        messages: messages(&outgoing),
    }
}

/// A test alert to `channel`, asked for by `actor`.
pub fn test_alert(actor: &str, base_url: &str, at: DateTime<Utc>) -> Alert {
    let base = base_url.trim_end_matches('/');
    Alert {
        kind: AlertKind::Test,
        title: "Test alert from TIS Status".into(),
        summary: format!(
            "{actor} sent this to check that alerts reach this channel. Nothing is wrong."
        ),
        facts: vec![AlertFact {
            label: "Sent".into(),
            value: tis_core::time::uk_date_time(at),
        }],
        affected: Vec::new(),
        services: Vec::new(),
        links: vec![AlertLink {
            label: "Staff page".into(),
            url: format!("{base}/manage/alerts"),
        }],
        at,
    }
}

/// Tells the team that `name` signed in with a local (break-glass) account at `at`: who
/// and when, never anything they typed.
pub fn emergency_sign_in_alert(name: &str, base_url: &str, at: DateTime<Utc>) -> Alert {
    let base = base_url.trim_end_matches('/');
    Alert {
        kind: AlertKind::EmergencySignIn,
        title: format!("{name} signed in with an emergency account"),
        summary: format!(
            "{name} signed in to TIS Status with a local emergency account instead of their \
             TIS account. That is expected only while Keycloak is not working; if it is \
             working, check with {name} that it was them."
        ),
        facts: vec![
            AlertFact {
                label: "Account".into(),
                value: name.to_string(),
            },
            AlertFact {
                label: "Signed in".into(),
                value: tis_core::time::uk_date_time(at),
            },
        ],
        affected: Vec::new(),
        services: Vec::new(),
        links: vec![AlertLink {
            label: "Staff pages".into(),
            url: format!("{base}/manage"),
        }],
        at,
    }
}

/// The channels that hear about emergency sign-ins: those of every `[[alert]]` that
/// covers all services (the team's own channels), or, when no alert covers all, every
/// channel any alert sends to, so that the team hears somewhere.
pub fn emergency_channels(rules: &[crate::config::AlertRule]) -> Vec<String> {
    let everything: Vec<&crate::config::AlertRule> =
        rules.iter().filter(|r| r.services.is_empty()).collect();
    let chosen: Vec<&crate::config::AlertRule> = if everything.is_empty() {
        rules.iter().collect()
    } else {
        everything
    };
    let mut channels: Vec<String> = chosen.iter().flat_map(|r| r.channels.clone()).collect();
    channels.sort();
    channels.dedup();
    channels
}

/// A stored message as staff see it.
pub fn delivery(entry: &OutboxEntry, now: DateTime<Utc>) -> Option<Delivery> {
    let alert: Alert = serde_json::from_str(&entry.message.payload).ok()?;
    let state = if entry.delivered_at.is_some() {
        DeliveryState::Delivered
    } else if entry.gave_up_at.is_some() {
        DeliveryState::GaveUp
    } else if entry.claimed_until.is_some_and(|until| until > now) {
        DeliveryState::Sending
    } else {
        DeliveryState::Waiting
    };
    Some(Delivery {
        id: entry.id,
        message_id: entry.message.message_id.clone(),
        channel: entry.message.channel.clone(),
        alert,
        state,
        created_at: entry.created_at,
        attempts: entry.attempts,
        next_attempt_at: (state == DeliveryState::Waiting).then_some(entry.next_attempt_at),
        delivered_at: entry.delivered_at,
        last_error: entry.last_error.clone(),
    })
}
