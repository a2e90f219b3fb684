//! Subscriptions that admins make for other teams and their systems: a signed webhook
//! that gets Statuspage's webhook shapes, or a Teams or Slack channel. What the API takes
//! and answers; the URL itself is a secret and is never answered in full.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::subscriptions::{NewsKind, SERVICES_MAX};
use crate::FieldError;

/// Where a channel subscription's messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionChannel {
    /// Another system: a POST in Statuspage's webhook shapes, signed as Standard
    /// Webhooks says.
    Webhook,
    /// A Microsoft Teams channel, through a Teams Workflows webhook.
    Teams,
    /// A Slack channel, through an incoming webhook.
    Slack,
}

impl SubscriptionChannel {
    pub const ALL: [SubscriptionChannel; 3] = [
        SubscriptionChannel::Webhook,
        SubscriptionChannel::Teams,
        SubscriptionChannel::Slack,
    ];

    /// The wire word, also the store's `subscribers.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionChannel::Webhook => "webhook",
            SubscriptionChannel::Teams => "teams",
            SubscriptionChannel::Slack => "slack",
        }
    }

    pub fn parse(word: &str) -> Option<SubscriptionChannel> {
        SubscriptionChannel::ALL
            .into_iter()
            .find(|k| k.as_str() == word)
    }

    /// What staff are offered.
    pub fn label(self) -> &'static str {
        match self {
            SubscriptionChannel::Webhook => "Another system (signed webhook)",
            SubscriptionChannel::Teams => "A Microsoft Teams channel",
            SubscriptionChannel::Slack => "A Slack channel",
        }
    }
}

/// The longest name of a channel subscription.
pub const CHANNEL_NAME_MAX: usize = 80;
/// The longest URL taken.
pub const CHANNEL_URL_MAX: usize = 2000;

/// A channel subscription to make: where, for whom, about which services (none: all of
/// TIS) and what news.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChannelSubscriptionInput {
    pub kind: SubscriptionChannel,
    /// Who it is for, as staff will recognise it: "ESR team's system".
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// Where to POST: `https://…`, or `http://` to 127.0.0.1 or localhost only (for
    /// tests on one machine). A secret: answered only as its scheme and host.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 8,
            max_length = 2000,
            example = "https://esr.example.nhs.uk/hooks/tis-status"
        )
    )]
    pub url: String,
    /// Service ids to hear about; empty or left out for all of TIS.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub services: Vec<String>,
    /// Incidents, planned maintenance, or both.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 2))]
    pub kinds: Vec<NewsKind>,
    /// Also each change of a service's status as the checks see it (Statuspage's
    /// component updates).
    #[serde(default)]
    pub status_changes: bool,
}

impl ChannelSubscriptionInput {
    /// Every problem with the input but the URL's form, which the server checks as its
    /// HTTP client reads URLs.
    pub fn problems(&self, known_services: &[&str]) -> Vec<FieldError> {
        let mut out = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            out.push(FieldError::new(
                "name",
                "Say who it is for, like \"ESR team's system\".",
            ));
        } else if name.chars().count() > CHANNEL_NAME_MAX {
            out.push(FieldError::new(
                "name",
                format!("A name is at most {CHANNEL_NAME_MAX} characters long."),
            ));
        }
        if self.url.trim().is_empty() {
            out.push(FieldError::new("url", "Enter the URL to send to."));
        } else if self.url.chars().count() > CHANNEL_URL_MAX {
            out.push(FieldError::new(
                "url",
                format!("A URL is at most {CHANNEL_URL_MAX} characters long."),
            ));
        }
        if self.kinds.is_empty() && !self.status_changes {
            out.push(FieldError::new(
                "kinds",
                "Choose at least one: incidents, planned maintenance or status changes.",
            ));
        } else if NewsKind::ALL
            .iter()
            .any(|k| self.kinds.iter().filter(|x| *x == k).count() > 1)
        {
            out.push(FieldError::new("kinds", "Name each kind of news once."));
        }
        if self.services.len() > SERVICES_MAX {
            out.push(FieldError::new(
                "services",
                format!("Choose at most {SERVICES_MAX} services, or none for all of TIS."),
            ));
        }
        for (i, s) in self.services.iter().enumerate() {
            if !known_services.contains(&s.as_str()) {
                out.push(FieldError::new(
                    format!("services[{i}]"),
                    format!(
                        "There is no service called \"{s}\". Use one of: {}.",
                        known_services.join(", ")
                    ),
                ));
            }
        }
        out
    }
}

/// A channel subscription as staff see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelSubscription {
    pub id: i64,
    pub kind: SubscriptionChannel,
    pub name: String,
    /// The URL's scheme and host only, like `https://hooks.slack.com/…`: the rest is the
    /// secret that lets anyone post to the channel.
    pub url: String,
    /// Service ids; empty for all of TIS.
    pub services: Vec<String>,
    pub kinds: Vec<NewsKind>,
    pub status_changes: bool,
    pub created_at: DateTime<Utc>,
    /// The admin who made it.
    pub created_by: String,
    /// When a message last got there.
    pub last_delivered_at: Option<DateTime<Utc>>,
    /// Why the last message that failed did, in words.
    pub last_error: Option<String>,
    /// Set when a message failed every try: nothing more is sent until a test message
    /// gets through.
    pub paused_at: Option<DateTime<Utc>>,
}

/// A channel subscription just made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewChannelSubscription {
    pub subscription: ChannelSubscription,
    /// Webhooks only: the signing secret (`whsec_` and base64), shown this once. Give it
    /// to the receiving system to verify each message.
    pub secret: Option<String>,
}

/// Every channel subscription, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelSubscriptionList {
    pub subscriptions: Vec<ChannelSubscription>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ChannelSubscriptionInput {
        ChannelSubscriptionInput {
            kind: SubscriptionChannel::Webhook,
            name: "ESR team's system".into(),
            url: "https://esr.example/hooks".into(),
            services: vec!["esr".into()],
            kinds: vec![NewsKind::Incidents],
            status_changes: false,
        }
    }

    #[test]
    fn a_subscription_names_who_it_is_for_and_asks_for_something() {
        assert!(input().problems(&["esr"]).is_empty());
        let nothing = ChannelSubscriptionInput {
            name: " ".into(),
            kinds: Vec::new(),
            services: vec!["nope".into()],
            ..input()
        };
        let fields: Vec<String> = nothing
            .problems(&["esr"])
            .into_iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["name", "kinds", "services[0]"]);
        let only_status = ChannelSubscriptionInput {
            kinds: Vec::new(),
            status_changes: true,
            ..input()
        };
        assert!(only_status.problems(&["esr"]).is_empty());
    }
}
