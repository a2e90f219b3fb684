//! Email subscriptions as the API takes and answers them: what a reader asks to hear
//! about, and the one answer every request gets (so nobody can learn who subscribes).

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::words::counted;

/// The kinds of news a subscriber can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NewsKind {
    /// Incidents: opened, each update, resolved.
    Incidents,
    /// Planned maintenance: published, starting soon, started, ended.
    Maintenance,
}

impl NewsKind {
    pub const ALL: [NewsKind; 2] = [NewsKind::Incidents, NewsKind::Maintenance];

    /// The wire word, also the form field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            NewsKind::Incidents => "incidents",
            NewsKind::Maintenance => "maintenance",
        }
    }

    pub fn parse(word: &str) -> Option<NewsKind> {
        NewsKind::ALL.into_iter().find(|k| k.as_str() == word)
    }

    /// What a reader is offered, in the form and in the manage page.
    pub fn label(self) -> &'static str {
        match self {
            NewsKind::Incidents => "Problems with TIS, and when they are fixed",
            NewsKind::Maintenance => "Planned maintenance, before it starts and when it ends",
        }
    }
}

/// The longest email address taken (RFC 5321's limit on a path).
pub const EMAIL_MAX: usize = 254;

/// The most services one subscription may name.
pub const SERVICES_MAX: usize = 100;

/// A request to get emails: the address, which services (none: all of TIS) and which
/// kinds of news.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRequest {
    /// The address to send to, at most 254 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 254, example = "trainee@example.nhs.uk")
    )]
    pub email: String,
    /// Service ids to hear about; empty or left out for all of TIS.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub services: Vec<String>,
    /// At least one kind of news.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 2))]
    pub kinds: Vec<NewsKind>,
}

impl SubscriptionRequest {
    /// Every problem with the request's choices (the address itself is checked by the
    /// server, which parses it as email does).
    pub fn problems(&self, known_services: &[&str]) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.email.trim().is_empty() {
            out.push(FieldError::new("email", "Enter your email address."));
        } else if self.email.chars().count() > EMAIL_MAX {
            out.push(FieldError::new(
                "email",
                format!("An email address is at most {EMAIL_MAX} characters long."),
            ));
        }
        if self.kinds.is_empty() {
            out.push(FieldError::new(
                "kinds",
                "Choose at least one kind of news: incidents or planned maintenance.",
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

/// The answer to every subscription request, whether or not the address already gets
/// emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionAccepted {
    /// What to tell the reader.
    pub message: String,
}

/// The sentence every subscription request is answered with.
pub const CHECK_YOUR_EMAIL: &str = "Check your email. If the address can get emails from us, we have sent it a link. Follow the link within 48 hours to start getting emails. Nothing else is sent until then.";

/// A token from a link in one of our emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriptionToken {
    /// The `token` in the link, 43 letters, digits, `-` and `_`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$")
    )]
    pub token: String,
}

/// A subscription as its owner sees it, found by a token from one of their emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionView {
    /// Service ids; empty for all of TIS.
    pub services: Vec<String>,
    pub kinds: Vec<NewsKind>,
    /// When the address was confirmed; none while it waits for confirmation.
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Whether `token` looks like one of ours: 32 random bytes in unpadded base64url.
pub fn is_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Confirmed subscribers, counted by the kinds of news they asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewsCounts {
    pub subscribers: u64,
    /// Of them, those who get incident emails.
    pub incidents: u64,
    /// Of them, those who get planned-maintenance emails.
    pub maintenance: u64,
}

impl NewsCounts {
    /// Both counts together: the subscribers one piece of news about a service reaches
    /// are those who chose it and those of all of TIS.
    pub fn plus(self, other: NewsCounts) -> NewsCounts {
        NewsCounts {
            subscribers: self.subscribers + other.subscribers,
            incidents: self.incidents + other.incidents,
            maintenance: self.maintenance + other.maintenance,
        }
    }
}

/// The subscribers of one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceSubscribers {
    /// The service's id.
    pub service: String,
    pub name: String,
    /// Those who chose this service by name.
    pub chosen: NewsCounts,
    /// Everyone news of this service reaches: those who chose it, and those of all of
    /// TIS.
    pub reached: NewsCounts,
}

/// How many people get emails, for staff: counts only, never an address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriberCounts {
    /// Whether this server offers subscriptions (`[subscriptions]` in its config).
    pub offered: bool,
    /// Confirmed subscribers, of any service.
    pub confirmed: u64,
    /// Addresses given but not yet confirmed: sent nothing but the confirmation, and
    /// forgotten after 48 hours.
    pub unconfirmed: u64,
    /// Messages to subscribers waiting to be sent.
    pub waiting_messages: u64,
    /// The most messages to subscribers sent in a given time, as the config says it
    /// ("10/s").
    pub send_rate: String,
    /// Confirmed subscribers of all of TIS.
    pub all_of_tis: NewsCounts,
    /// Each service, in the order of the page.
    pub services: Vec<ServiceSubscribers>,
}

impl SubscriberCounts {
    /// The send rate in words for staff: "10/s" is "at most 10 emails a second". The
    /// server writes the rate as its config reads it, with one of these three units; any
    /// other is shown as written.
    pub fn send_rate_words(&self) -> String {
        let Some((n, unit)) = self.send_rate.split_once('/') else {
            return self.send_rate.clone();
        };
        let per = match unit {
            "s" => "a second",
            "min" => "a minute",
            "h" => "an hour",
            _ => return self.send_rate.clone(),
        };
        match n.parse() {
            Ok(n) => format!("at most {} {per}", counted(n, "email", "emails")),
            Err(_) => self.send_rate.clone(),
        }
    }
}

/// An address an admin asks about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubscriberLookup {
    /// The whole email address, in any case, at most 254 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 254,
            pattern = "@",
            example = "trainee@example.nhs.uk"
        )
    )]
    pub email: String,
}

impl SubscriberLookup {
    /// The address as subscriptions keep it (trimmed, lower case), or what to fix.
    pub fn address(&self) -> Result<String, FieldError> {
        // Measured before lower case, which can lengthen a few letters.
        let email = self.email.trim();
        if email.is_empty() {
            Err(FieldError::new(
                "email",
                "Enter the email address to look for.",
            ))
        } else if email.chars().count() > EMAIL_MAX {
            Err(FieldError::new(
                "email",
                format!("An email address is at most {EMAIL_MAX} characters long."),
            ))
        } else if !email.contains('@') {
            Err(FieldError::new(
                "email",
                "Enter a whole email address, like name@example.nhs.uk.",
            ))
        } else {
            Ok(email.to_lowercase())
        }
    }
}

/// A subscriber an admin found by address: its choices and times, and what is waiting
/// to be sent to it. The address itself is not repeated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriberRecord {
    /// What `DELETE /api/v1/subscribers/{id}` removes.
    pub id: i64,
    /// When the address was first given.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it was confirmed; none while it waits for confirmation.
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Service ids; empty for all of TIS.
    pub services: Vec<String>,
    pub kinds: Vec<NewsKind>,
    /// Messages queued for it and not yet sent.
    pub waiting_messages: u64,
}

/// The answer to a lookup: the subscriber, or none when the address gets no emails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriberFound {
    pub subscriber: Option<SubscriberRecord>,
}

/// What removing a subscriber did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriberRemoved {
    /// Messages that were waiting for it and now will not be sent.
    pub messages_dropped: u64,
}
