//! Subscriptions: readers who asked for email about incidents and planned maintenance.
//! Their messages are outbox rows like team alerts (one delivery mechanism, two
//! audiences), written in the same transaction as their cause, but they carry only the
//! public words. No address and no token is ever in a row: the worker looks the address
//! up when it sends, and makes the message's link tokens then, keeping only their hashes.
//! Admins also subscribe other teams' systems and channels (`hooks`): signed webhooks in
//! Statuspage's shapes, and Teams and Slack channels, which may also hear of each change
//! of a service's status.

pub mod email;
pub mod hooks;
pub mod news;
pub mod send;
pub mod tasks;

use serde::{Deserialize, Serialize};

pub use news::{News, NewsEvent};

/// The outbox kind of every message to a subscriber.
pub const KIND: &str = "subscriber";

/// Confirmation (or "already subscribed") emails one address may be sent a day, however
/// many times someone asks: nobody can mail-bomb an address through us.
pub const CONFIRMATIONS_PER_DAY: u32 = 3;

/// Unconfirmed addresses are forgotten this long after they were first given.
pub const UNCONFIRMED_HOURS: i64 = 48;

/// The outbox channel of subscriber `id`.
pub fn channel(id: i64) -> String {
    format!("subscriber/{id}")
}

/// The subscriber an outbox channel names.
pub fn subscriber_of(channel: &str) -> Option<i64> {
    channel.strip_prefix("subscriber/")?.parse().ok()
}

/// What a message to a subscriber says, as kept in the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    /// "Confirm that you want emails": the first message, and the only one until the link
    /// in it is followed.
    Confirm,
    /// Someone asked again for an address that already gets emails: it is told so, with
    /// its manage link, and nothing about it changes.
    AlreadySubscribed,
    /// News of an incident or of planned maintenance.
    News(News),
    /// A service's status changed as the checks see it: only to webhooks and channels
    /// that asked for status changes.
    Status(StatusNews),
    /// An admin tried a webhook or channel subscription.
    Test { at: chrono::DateTime<chrono::Utc> },
}

/// A change of a service's status, in public words only: never what the check said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusNews {
    pub service: String,
    pub from: tis_core::Status,
    pub to: tis_core::Status,
    /// When the check that made the change ran.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Why, when the cause lies elsewhere: "because Sign-in is down".
    pub reason: Option<String>,
}

impl StatusNews {
    /// The public part of a status change.
    pub fn of(change: &tis_core::StatusChange) -> StatusNews {
        StatusNews {
            service: change.service.clone(),
            from: change.from,
            to: change.to,
            at: change.at,
            reason: change.reason.clone(),
        }
    }

    /// "Bulk upload is down", "Bulk upload is working again", with the service's `name`.
    pub fn headline(&self, name: &str) -> String {
        if self.to == tis_core::Status::Operational && self.from.is_failing() {
            format!("{name} is working again")
        } else {
            format!("{name} is {}", self.to.in_sentence())
        }
    }
}

/// What a link token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirm the address (and, like a manage token, see or end the subscription).
    Confirm,
    /// See the subscription and unsubscribe.
    Manage,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Confirm => "confirm",
            TokenPurpose::Manage => "manage",
        }
    }
}

/// A new random link token: 32 bytes from the OS, unpadded base64url (43 characters).
pub fn new_token() -> Option<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A subscription request as it is kept: the address in lower case, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSubscription {
    pub email: String,
    /// Empty: all of TIS.
    pub services: Vec<String>,
    pub incidents: bool,
    pub maintenance: bool,
}

/// Subscription requests per client address: a burst of [`CLIENT_BURST`], then one
/// every [`CLIENT_EVERY_SECS`]. Counted in the store, so shared by every replica, and by
/// the API and the page's form, so none is a way round another.
pub const CLIENT_BURST: u32 = 10;
pub const CLIENT_EVERY_SECS: u64 = 30;
const CLIENT_LIMIT: crate::limits::RateLimit = crate::limits::RateLimit {
    name: "subscribe",
    burst: CLIENT_BURST,
    every: std::time::Duration::from_secs(CLIENT_EVERY_SECS),
};

/// Why a subscription request was not taken.
#[derive(Debug)]
pub enum Refused {
    /// Subscriptions are not offered by this server.
    NotOffered,
    /// The client asked too often: seconds to wait.
    TooFast(u64),
    /// The fields to fix.
    Invalid(Vec<tis_core::FieldError>),
    Store(crate::store::StoreError),
}

/// Takes a subscription request from `client`: checks it, then hands it to the store,
/// which decides in one transaction what (if anything) to send. The caller answers the
/// same whatever the store decided.
pub async fn take(
    state: &crate::AppState,
    client: std::net::IpAddr,
    request: &tis_core::wire::SubscriptionRequest,
) -> Result<(), Refused> {
    use tis_core::wire::NewsKind;
    let known: Vec<&str> = state
        .config
        .services
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mut problems = request.problems(&known);
    let email = request.email.trim().to_lowercase();
    if !problems.iter().any(|p| p.field == "email") && email.parse::<lettre::Address>().is_err() {
        problems.push(tis_core::FieldError::new(
            "email",
            "Enter an email address in the right form, like name@example.nhs.uk.",
        ));
    }
    if !problems.is_empty() {
        return Err(Refused::Invalid(problems));
    }
    // Checked after the fields, so that a request that could never be taken is told what
    // is wrong with it wherever it is sent.
    if state.config.subscriptions.is_none() {
        return Err(Refused::NotOffered);
    }
    let wait = CLIENT_LIMIT
        .take(
            state.store.as_ref(),
            &client.to_string(),
            chrono::Utc::now(),
        )
        .await
        .map_err(Refused::Store)?;
    if let Some(secs) = wait {
        return Err(Refused::TooFast(secs));
    }
    let mut services = request.services.clone();
    services.sort();
    services.dedup();
    let subscription = NewSubscription {
        email,
        services,
        incidents: request.kinds.contains(&NewsKind::Incidents),
        maintenance: request.kinds.contains(&NewsKind::Maintenance),
    };
    state
        .store
        .subscribe(&subscription, chrono::Utc::now())
        .await
        .map_err(Refused::Store)?;
    state.outbox.notify_one();
    Ok(())
}
