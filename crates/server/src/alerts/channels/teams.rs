//! Microsoft Teams: an Adaptive Card in the message envelope that Teams Workflows
//! ("Post to a channel when a webhook request is received") accepts.

use serde_json::{Value, json};
use tis_core::alert::Alert;

pub fn body(alert: &Alert) -> Value {
    let mut blocks = vec![
        json!({
            "type": "TextBlock",
            "text": alert.title,
            "weight": "Bolder",
            "size": "Large",
            "wrap": true,
            "style": "heading",
            "color": if alert.kind.is_trouble() { "Attention" } else { "Good" },
        }),
        json!({"type": "TextBlock", "text": alert.summary, "wrap": true}),
    ];
    if !alert.facts.is_empty() {
        blocks.push(json!({
            "type": "FactSet",
            "facts": alert.facts.iter().map(|f| json!({"title": f.label, "value": f.value})).collect::<Vec<_>>(),
        }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                // 1.4 is what Teams renders on desktop, web and mobile alike.
                "version": "1.4",
                "msteams": {"width": "Full"},
                "body": blocks,
                "actions": alert.links.iter().map(|l| json!({
                    "type": "Action.OpenUrl", "title": l.label, "url": l.url,
                })).collect::<Vec<_>>(),
            },
        }],
    })
}
