//! Team alerts as they cross the wire: what an alert says (in words every channel
//! renders), the channels staff can send to, and the record of each delivery shown at
//! `/manage/alerts`. Alerts go to staff, so they may carry internal detail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why an alert was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A service went down (or partly down), with what depends on it.
    Down,
    /// A service became slow.
    Degraded,
    /// Still failing after `remind_every`.
    Reminder,
    /// Working again, with how long it was not.
    Recovered,
    /// No check has come in for three intervals.
    CannotSee,
    /// An open incident's promised next update is late.
    UpdateDue,
    /// A certificate is close to expiry: the service still works. Told again each day.
    CertificateExpiring,
    /// The certificate that was close to expiry has been renewed.
    CertificateRenewed,
    /// Sent by an admin to try a channel.
    Test,
    /// The checks from one location cannot reach TIS (none of its canaries answer), so
    /// its failed checks could not check; told once for the location, not per service.
    CutOff,
    /// Someone signed in with a local (break-glass) account while Keycloak sign-in is set
    /// up: the team should know, as it means Keycloak is down or an account is misused.
    EmergencySignIn,
}

impl AlertKind {
    /// The wire word, also the webhook event type after `alert.`.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Down => "down",
            AlertKind::Degraded => "degraded",
            AlertKind::Reminder => "reminder",
            AlertKind::Recovered => "recovered",
            AlertKind::CannotSee => "cannot_see",
            AlertKind::UpdateDue => "update_due",
            AlertKind::CertificateExpiring => "certificate_expiring",
            AlertKind::CertificateRenewed => "certificate_renewed",
            AlertKind::Test => "test",
            AlertKind::CutOff => "cut_off",
            AlertKind::EmergencySignIn => "emergency_sign_in",
        }
    }

    /// Words for staff pages: "Down", "Update due".
    pub fn label(self) -> &'static str {
        match self {
            AlertKind::Down => "Down",
            AlertKind::Degraded => "Slow",
            AlertKind::Reminder => "Reminder",
            AlertKind::Recovered => "Working again",
            AlertKind::CannotSee => "Cannot see",
            AlertKind::UpdateDue => "Update due",
            AlertKind::CertificateExpiring => "Certificate expiring",
            AlertKind::CertificateRenewed => "Certificate renewed",
            AlertKind::Test => "Test",
            AlertKind::CutOff => "Checks cut off",
            AlertKind::EmergencySignIn => "Emergency sign-in",
        }
    }

    /// Whether it tells of trouble (a red card) rather than good news or a test.
    pub fn is_trouble(self) -> bool {
        !matches!(
            self,
            AlertKind::Recovered | AlertKind::CertificateRenewed | AlertKind::Test
        )
    }
}

/// One labelled line of an alert: "Since" → "10:42am GMT on Tuesday 1 December 2026".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertFact {
    pub label: String,
    pub value: String,
}

/// A link in an alert: to the public page, the staff page, or where to post an update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertLink {
    pub label: String,
    pub url: String,
}

/// What one alert says, before any channel shapes it. Kept in the outbox as written, so
/// a retry sends the same words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub kind: AlertKind,
    /// One line that says what and where: "Sign-in is down".
    pub title: String,
    /// A sentence or two more: "9 services are affected because of it."
    pub summary: String,
    /// Labelled details: since when, the reason, what the check said.
    #[serde(default)]
    pub facts: Vec<AlertFact>,
    /// Names of the services affected because of the one in the title.
    #[serde(default)]
    pub affected: Vec<String>,
    /// Ids of every service the alert is about, the cause first.
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub links: Vec<AlertLink>,
    /// When what it tells of happened (UTC).
    pub at: DateTime<Utc>,
}

/// The kinds of channel alerts go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A Microsoft Teams Workflows webhook: an Adaptive Card message.
    Teams,
    /// A Slack incoming webhook: Block Kit with a text fallback.
    Slack,
    /// Any HTTPS endpoint: JSON signed as the Standard Webhooks specification says.
    Webhook,
    /// Email through the `[smtp]` server: plain text and HTML.
    Email,
    /// The server's own log, for the demo and for trying rules out.
    Log,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Teams => "teams",
            ChannelKind::Slack => "slack",
            ChannelKind::Webhook => "webhook",
            ChannelKind::Email => "email",
            ChannelKind::Log => "log",
        }
    }

    /// Words for staff pages.
    pub fn label(self) -> &'static str {
        match self {
            ChannelKind::Teams => "Microsoft Teams",
            ChannelKind::Slack => "Slack",
            ChannelKind::Webhook => "Signed webhook",
            ChannelKind::Email => "Email",
            ChannelKind::Log => "Server log",
        }
    }
}

/// A configured channel as staff see it: never its secret URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelInfo {
    pub id: String,
    pub kind: ChannelKind,
    /// Where it goes, without secrets: "tis-support@example.nhs.uk", or the name of the
    /// environment variable that holds the URL.
    pub target: String,
}

/// Where a delivery has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its first try, or for the next after a failure.
    Waiting,
    /// Being sent now.
    Sending,
    /// The channel took it.
    Delivered,
    /// Tried too often: given up. The error says why.
    GaveUp,
}

impl DeliveryState {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryState::Waiting => "Waiting to be sent",
            DeliveryState::Sending => "Sending",
            DeliveryState::Delivered => "Delivered",
            DeliveryState::GaveUp => "Not delivered: gave up",
        }
    }
}

/// One alert to one channel, from the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub id: i64,
    /// The same on every try, so receivers can drop repeats (`webhook-id`).
    pub message_id: String,
    /// The channel's id in the config.
    pub channel: String,
    pub alert: Alert,
    pub state: DeliveryState,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    #[serde(default)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// Why the last try failed, in words.
    #[serde(default)]
    pub last_error: Option<String>,
}

/// What `/manage/alerts` shows: the channels, and the newest deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertsOverview {
    pub channels: Vec<ChannelInfo>,
    /// Newest first.
    pub deliveries: Vec<Delivery>,
}

/// An admin's request to send a test alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TestAlertInput {
    /// The id of a configured channel.
    pub channel: String,
}
