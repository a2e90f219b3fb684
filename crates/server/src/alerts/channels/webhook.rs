//! Signed webhooks, as the Standard Webhooks specification says: a JSON body with `type`,
//! `timestamp` and `data`, and the `webhook-id`, `webhook-timestamp` and
//! `webhook-signature` headers (HMAC-SHA256), made with the specification's own Rust
//! library so that receivers verify with theirs.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tis_core::alert::Alert;

pub fn body(alert: &Alert) -> Value {
    json!({
        "type": format!("alert.{}", alert.kind.as_str()),
        "timestamp": alert.at,
        "data": alert,
    })
}

/// The three headers for `body`, signed with `secret` (`whsec_…`). The timestamp is the
/// time of this try: the id stays, so receivers drop repeats, while the signature stays
/// inside the window receivers accept.
pub fn headers(
    secret: &str,
    message_id: &str,
    at: DateTime<Utc>,
    body: &[u8],
) -> Result<[(&'static str, String); 3], String> {
    let signer = standardwebhooks::Webhook::new(secret)
        .map_err(|e| format!("the signing secret cannot be used: {e}"))?;
    let timestamp = at.timestamp();
    let signature = signer
        .sign(message_id, timestamp, body)
        .map_err(|e| format!("the message could not be signed: {e}"))?;
    Ok([
        (standardwebhooks::HEADER_WEBHOOK_ID, message_id.to_string()),
        (
            standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
            timestamp.to_string(),
        ),
        (standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature),
    ])
}
