//! Slack: Block Kit blocks for the incoming webhook, with `text` as the fallback that
//! notifications and screen readers use.

use serde_json::{Value, json};
use tis_core::alert::Alert;

/// Slack's mrkdwn treats these three as control characters.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Slack refuses a header longer than 150 characters and more than 10 fields.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

pub fn body(alert: &Alert) -> Value {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&alert.title, 150), "emoji": false}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": escape(&alert.summary)}}),
    ];
    if !alert.facts.is_empty() {
        blocks.push(json!({
            "type": "section",
            "fields": alert.facts.iter().take(10).map(|f| json!({
                "type": "mrkdwn",
                "text": cut(&format!("*{}*\n{}", escape(&f.label), escape(&f.value)), 2000),
            })).collect::<Vec<_>>(),
        }));
    }
    if !alert.links.is_empty() {
        blocks.push(json!({
            "type": "actions",
            "elements": alert.links.iter().map(|l| json!({
                "type": "button",
                "text": {"type": "plain_text", "text": l.label},
                "url": l.url,
            })).collect::<Vec<_>>(),
        }));
    }
    json!({
        "text": format!("{}: {}", alert.title, alert.summary),
        "blocks": blocks,
    })
}
