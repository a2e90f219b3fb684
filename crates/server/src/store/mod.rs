//! The store: where everything lasting is kept. A trait, so that a PostgreSQL backend can
//! sit beside the embedded SQLite one; every write is one transaction.

pub mod columns;
pub mod import;
pub mod migrate;
mod postgres;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
pub use tis_core::export::AuditEntry;
use tis_core::export::Export;
use tis_core::wire::{IncidentInput, NoticeInput, ReportSave, UpdateInput};
use tis_core::{
    DailyUptime, Incident, IncidentStatus, IncidentUpdate, Notice, ProbeResult, Report, Revision,
    StatusChange,
};
use tis_core::{Role, account::Account, account::ApiToken};

pub use postgres::PgStore;
pub use sqlite::{BackupSummary, DB_FILE, SqliteStore, db_path};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data directory {dir} cannot be used: {source}")]
    DataDir { dir: String, source: std::io::Error },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database's tables are not ones this version can work on; nothing was changed.
    #[error("{0}")]
    Schema(String),
    /// No database server answered at the address: why, and what to check.
    #[error(
        "the database cannot be reached: {0}. Check that PostgreSQL is running at that \
         address and that [store] url (or the variable url_env names) is right"
    )]
    Unreachable(String),
    /// The database server answered and would not let us in: its reason, and what to check.
    #[error(
        "the database refused the connection: {0}. Check the user, password and database \
         name in [store] url (or in the variable url_env names)"
    )]
    Refused(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// A backup could not be made; the message says why and what to do.
    #[error("no backup was made: {0}")]
    Backup(String),
    #[error("there is no {0}")]
    NotFound(String),
    /// Someone saved the report after the revision the editor started from.
    #[error(
        "the report of incident {incident} was saved by someone else: it is at revision \
         {current}, not {base}"
    )]
    Conflict {
        incident: i64,
        base: u32,
        current: u32,
    },
}

/// Who is writing and when, recorded with every change.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub at: DateTime<Utc>,
}

impl<'a> Change<'a> {
    /// `actor` changing something now.
    pub fn now(actor: &'a str) -> Change<'a> {
        Change {
            actor,
            at: Utc::now(),
        }
    }
}

/// Moves `incident` on as an update says: to its status and next update time, resolved
/// (at the update's time, unless it already was) only while the status says so, and with
/// the update, its text trimmed, last. Returns the update.
pub fn apply_update(
    incident: &mut Incident,
    input: &UpdateInput,
    change: &Change<'_>,
) -> IncidentUpdate {
    let update = IncidentUpdate {
        at: change.at,
        status: input.status,
        body: input.body.trim().to_string(),
        author: change.actor.to_string(),
    };
    incident.status = input.status;
    incident.next_update_at = input.next_update_at;
    incident.resolved_at = match input.status {
        IncidentStatus::Resolved => incident.resolved_at.or(Some(change.at)),
        _ => None,
    };
    incident.updates.push(update.clone());
    update
}

/// The incident a write makes of `input`, keeping the updates and report it already has:
/// its title trimmed, as it is checked and stored.
pub fn incident_of(
    id: i64,
    input: &IncidentInput,
    updates: Vec<IncidentUpdate>,
    report: Option<Report>,
) -> Incident {
    Incident {
        id,
        title: input.title.trim().to_string(),
        status: input.status,
        impact: input.impact,
        affected: input.affected.clone(),
        started_at: input.started_at,
        detected_at: input.detected_at,
        resolved_at: input.resolved_at,
        next_update_at: input.next_update_at,
        updates,
        report,
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A migrator's refusal in words an operator can act on: a store whose recorded
/// migrations this version does not know (a newer `tis-status` changed its tables, or a
/// migration file was edited) is left as it is, and the server does not start on it.
pub(crate) fn schema_problem(e: sqlx::migrate::MigrateError) -> StoreError {
    use sqlx::migrate::MigrateError;
    match e {
        MigrateError::VersionMissing(v) => StoreError::Schema(format!(
            "the store's tables were changed by a newer version of tis-status: it records \
             migration {v:04}, which this version does not know. Nothing was changed. Run \
             that newer version (or a later one) on this store"
        )),
        MigrateError::VersionMismatch(v) => StoreError::Schema(format!(
            "migration {v:04} recorded in the store is not the one this version has (its \
             text differs): the store was made by a different build of tis-status. Nothing \
             was changed. Run the build that made it"
        )),
        MigrateError::Dirty(v) => StoreError::Schema(format!(
            "migration {v:04} was started on this store and did not finish. Nothing more \
             was changed. Restore the store from a backup taken before it"
        )),
        other => StoreError::Migrate(other),
    }
}

/// Opens the store `config` names, bringing its tables up to date: the PostgreSQL
/// database at `[store] url` (or the URL in `url_env`), or else the SQLite file in
/// `data_dir`. The answer says which, and where, when it cannot.
pub async fn open(
    config: &crate::config::StoreConfig,
    data_dir: &std::path::Path,
) -> std::result::Result<crate::SharedStore, String> {
    match config.choice()? {
        crate::config::StoreChoice::Sqlite => match SqliteStore::open(data_dir).await {
            Ok(store) => Ok(std::sync::Arc::new(store)),
            Err(e) => Err(format!(
                "cannot open the store in {}: {e}",
                data_dir.display()
            )),
        },
        crate::config::StoreChoice::Postgres(url) => match PgStore::open(&url, None).await {
            Ok(store) => Ok(std::sync::Arc::new(store)),
            Err(e) => Err(format!(
                "cannot open the PostgreSQL store at {}: {e}",
                without_password(&url)
            )),
        },
    }
}

/// A database URL fit to print: its password, if any, left out.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) if user.contains(':') => {
            let user = user.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{path}")
        }
        _ => url.to_string(),
    }
}

/// A message to send, written to the outbox in the same transaction as what caused it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    /// Unique, and the same on every try, so receivers can drop repeats.
    pub message_id: String,
    /// What it is, e.g. `alert`; later kinds (subscriber email) sit beside it.
    pub kind: String,
    /// Where it goes: a `[[channel]]` id.
    pub channel: String,
    /// JSON of what to say.
    pub payload: String,
}

/// Subscribers counted, as the store keeps them: confirmed ones only in the counts by
/// kind of news.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriberTally {
    pub confirmed: u64,
    pub unconfirmed: u64,
    /// Messages to subscribers not yet sent.
    pub waiting_messages: u64,
    pub all_of_tis: tis_core::wire::NewsCounts,
    /// Those who chose each service by name, by service id.
    pub by_service: Vec<(String, tis_core::wire::NewsCounts)>,
}

/// Which messages a sender takes from the outbox: team alerts and messages to
/// subscribers are sent apart, each at its own pace, so that an alert never waits behind
/// a queue of subscriber mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Everything but messages to subscribers.
    Alerts,
    /// Messages to subscribers, paced by `[subscriptions] send_rate`.
    Subscribers,
}

/// A message in the outbox, with how its delivery is going.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    pub id: i64,
    pub message: OutboxMessage,
    pub created_at: DateTime<Utc>,
    /// Tries so far, the one under way included.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub gave_up_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// What the alert rules decided in one look: what they now remember (`None`: as before)
/// and the messages to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertPlan {
    pub memory: Option<String>,
    pub messages: Vec<OutboxMessage>,
}

/// The alert rules, run inside the write transaction on what they last remembered (JSON,
/// `None` the first time), so that deciding and recording are one step.
pub type AlertDecider = Box<dyn FnOnce(Option<String>) -> AlertPlan + Send>;

/// A sign-in session to keep. Only the hash of its id is stored, so a copy of the database
/// cannot be used to take over a session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 (hex) of the id in the cookie.
    pub id_hash: &'a str,
    /// A local account's name; or, with `oidc`, the Keycloak user's name.
    pub account: &'a str,
    /// Signed in through Keycloak rather than with a local account.
    pub oidc: Option<OidcSession<'a>>,
    pub csrf_token: &'a str,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// What the audit log says of this sign-in: action and detail, as `account` did it.
    pub audit: Option<(&'a str, &'a str)>,
    /// Alerts the sign-in sends (an emergency account used), written with the session.
    pub messages: &'a [OutboxMessage],
}

/// What a session made through Keycloak keeps: the role its Keycloak roles map to, the
/// provider's tokens sealed with a key from the session id, and when to check again.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcSession<'a> {
    pub role: Role,
    pub sealed: &'a str,
    pub recheck_at: DateTime<Utc>,
}

/// A Keycloak sign-in under way, between sending the browser there and its return.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcLogin {
    /// SHA-256 (hex) of the flow cookie's value, which only that browser holds.
    pub browser_hash: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The staff page to land on.
    pub next: String,
    pub expires_at: DateTime<Utc>,
}

/// How a Keycloak session's check with the provider came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Recheck<'a> {
    /// Still allowed: its (new) role, fresh sealed tokens and the next check.
    Keep {
        role: Role,
        sealed: &'a str,
        recheck_at: DateTime<Utc>,
    },
    /// No longer allowed (no mapped role, or Keycloak refused): the session ends, and
    /// the audit log says why.
    End { why: &'a str },
}

/// An account to add: its sign-in name, the name public pages show for what it writes
/// (its sign-in name when `None`), its role and the hash of its password.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub display_name: Option<&'a str>,
    pub role: Role,
    pub password_hash: &'a str,
}

/// An API token to add, by the hash of its secret; `location` is a prober token's one
/// location.
#[derive(Debug, Clone, Copy)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub location: Option<&'a str>,
    pub token_hash: &'a str,
    /// When it stops working by itself; `None`: when revoked.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A heartbeat's token (when it was made) and the job's reports, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeartbeatRecord {
    pub token_since: Option<DateTime<Utc>>,
    pub pings: Vec<tis_core::HeartbeatPing>,
}

/// A report from a job, to keep if `token_hash` is its heartbeat's token. `message` is
/// already clean (see [`tis_core::service::clean_message`]).
#[derive(Debug, Clone, Copy)]
pub struct NewPing<'a> {
    pub probe: &'a str,
    pub token_hash: &'a str,
    pub kind: tis_core::PingKind,
    pub message: &'a str,
    pub at: DateTime<Utc>,
}

/// Judges a heartbeat from its record with the new report in it, inside the transaction
/// that keeps the report, so the result is written exactly when its cause is.
pub type HeartbeatDecider = Box<dyn FnOnce(&HeartbeatRecord) -> ProbeResult + Send>;

/// Judges a heartbeat from its record and the last result written for it; `Some` is a
/// result to write, in the same transaction as the read.
pub type HeartbeatJudge =
    Box<dyn FnOnce(&HeartbeatRecord, Option<&ProbeResult>) -> Option<ProbeResult> + Send>;

/// A try at delivering an outbox message that failed: why, and when to try again (`None`:
/// give up).
#[derive(Debug, Clone, Copy)]
pub struct DeliveryFailure<'a> {
    pub error: &'a str,
    pub retry_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

/// A live session: whose it is, and the CSRF token its writes must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub account: String,
    pub role: Role,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    /// For a session made through Keycloak: its sealed tokens and next check.
    pub oidc: Option<OidcState>,
}

/// What a Keycloak session keeps about the provider's side.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcState {
    pub sealed: String,
    pub recheck_at: DateTime<Utc>,
}

/// What disabling an account did.
#[derive(Debug, Clone, PartialEq)]
pub enum Disabled {
    /// It is disabled (now, or already before) and has no sessions left.
    Done(Account),
    /// Refused: it is the last active admin, and without one nobody could manage accounts.
    LastAdmin,
}

/// The right to run the probes of one location, held by one server of those sharing a
/// store. It ends when `lost` is cancelled (the store cannot vouch for it any longer) or
/// when it is dropped, which lets another server take it.
pub struct ProbeLease {
    pub lost: tokio_util::sync::CancellationToken,
    _release: tokio_util::sync::DropGuard,
}

impl ProbeLease {
    /// A lease held until `release` is cancelled (when the lease is dropped); whoever
    /// keeps it cancels `lost` when it can no longer vouch for it.
    pub fn new(
        lost: tokio_util::sync::CancellationToken,
        release: tokio_util::sync::CancellationToken,
    ) -> ProbeLease {
        ProbeLease {
            lost,
            _release: release.drop_guard(),
        }
    }

    /// A lease nobody else can want: a store that one server owns.
    pub fn sole() -> ProbeLease {
        let token = tokio_util::sync::CancellationToken::new();
        ProbeLease::new(tokio_util::sync::CancellationToken::new(), token)
    }
}

/// Called when another server wrote something readers may see.
pub type OnChange = std::sync::Arc<dyn Fn() + Send + Sync>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Whether anyone has written notices or incidents yet.
    async fn is_empty(&self) -> Result<bool>;
    /// Whether the store answers at all (for readiness checks).
    async fn ping(&self) -> Result<()>;

    /// Waits until this server may run the probes of `location`, of all the servers
    /// sharing this store; `None` once `stop` is cancelled. A store that one server owns
    /// grants it at once.
    async fn lead_probes(
        &self,
        _location: &str,
        _stop: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<ProbeLease>> {
        Ok(Some(ProbeLease::sole()))
    }

    /// Calls `changed` whenever another server sharing this store writes something
    /// readers see, until `stop` is cancelled. A store that one server owns has no other
    /// writers (this server's own writes say so themselves) and returns at once.
    async fn follow_changes(&self, _changed: OnChange, _stop: tokio_util::sync::CancellationToken) {
    }

    async fn add_probe_results(&self, results: &[ProbeResult]) -> Result<()>;
    /// Results of every probe since `since`, oldest first.
    async fn probe_results_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>>;
    /// One service's results in `[from, to)`, oldest first.
    async fn service_results(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ProbeResult>>;
    /// One service's results before `before`, newest first, at most `limit`.
    async fn service_results_page(
        &self,
        service: &str,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<ProbeResult>>;
    // ---- heartbeats ----

    /// Makes (or replaces: the old one stops working) the token of heartbeat `probe`, by
    /// its hash, with an audit log line; `true` when one was replaced.
    async fn set_heartbeat_token(
        &self,
        probe: &str,
        token_hash: &str,
        change: Change<'_>,
    ) -> Result<bool>;
    /// Keeps a job's report if its token is the heartbeat's (`None`, with nothing
    /// written, if not), with the probe result `decide` makes of it, in one transaction;
    /// only the newest reports are kept.
    async fn add_heartbeat_ping(
        &self,
        ping: NewPing<'_>,
        decide: HeartbeatDecider,
    ) -> Result<Option<(tis_core::HeartbeatPing, ProbeResult)>>;
    /// Reads a heartbeat and its last result, and writes what `judge` decides, in one
    /// transaction.
    async fn judge_heartbeat(
        &self,
        probe: &str,
        judge: HeartbeatJudge,
    ) -> Result<Option<ProbeResult>>;
    /// A heartbeat's token time and reports.
    async fn heartbeat(&self, probe: &str) -> Result<HeartbeatRecord>;

    /// Deletes raw results older than `before`; returns how many went.
    async fn prune_probe_results(&self, before: DateTime<Utc>) -> Result<u64>;

    /// Keeps moments when a service's shown status changed (see `live::record_changes`).
    async fn add_status_changes(&self, changes: &[StatusChange]) -> Result<()>;
    /// Status changes in `[from, to)`, of one service or all, oldest first.
    async fn status_changes(
        &self,
        service: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StatusChange>>;
    /// The newest status change of each service that has one.
    async fn latest_status_changes(&self) -> Result<Vec<StatusChange>>;

    // ---- subscribers ----

    /// Takes a subscription request: a new or unconfirmed address is (again) sent a
    /// confirmation, a confirmed one is told it is subscribed, at most
    /// [`crate::subscriptions::CONFIRMATIONS_PER_DAY`] times a day; one transaction.
    async fn subscribe(
        &self,
        subscription: &crate::subscriptions::NewSubscription,
        at: DateTime<Utc>,
    ) -> Result<()>;
    /// The address of subscriber `id`, read only to send to it.
    async fn subscriber_address(&self, id: i64) -> Result<Option<String>>;
    /// Keeps the hash of a token just made for a link to subscriber `id`; `false` when
    /// the subscriber has gone.
    async fn add_subscriber_token(
        &self,
        id: i64,
        purpose: crate::subscriptions::TokenPurpose,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool>;
    /// Confirms the subscription a confirmation token's hash belongs to.
    async fn confirm_subscription(
        &self,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<tis_core::wire::SubscriptionView>>;
    /// The subscription any of its tokens' hash belongs to.
    async fn subscription(&self, hash: &str) -> Result<Option<tis_core::wire::SubscriptionView>>;
    /// Deletes the subscriber a token's hash belongs to, and its waiting messages.
    async fn unsubscribe(&self, hash: &str) -> Result<bool>;
    /// Forgets addresses given before `before` and never confirmed; returns how many.
    async fn forget_unconfirmed(&self, before: DateTime<Utc>) -> Result<u64>;
    /// Queues the planned-maintenance news that is due at `now` ("starting soon" `lead`
    /// before the start, "started", "ended"), each once; returns the messages queued.
    async fn queue_maintenance_news(
        &self,
        now: DateTime<Utc>,
        lead: chrono::Duration,
    ) -> Result<u64>;
    /// How many subscribers there are and what they asked for: counts only.
    async fn subscriber_counts(&self) -> Result<SubscriberTally>;
    /// The email subscriber with `address` (lower case), if any.
    async fn find_subscriber(
        &self,
        address: &str,
    ) -> Result<Option<tis_core::wire::SubscriberRecord>>;
    /// Removes subscriber `id` (its choices, link tokens and waiting messages) with an
    /// audit line naming the address only by its hash, in one transaction; the messages
    /// dropped, or `None` when there was no such subscriber.
    async fn remove_subscriber(&self, id: i64, change: Change<'_>) -> Result<Option<u64>>;

    // ---- webhook, Teams and Slack subscriptions (made by admins) ----

    /// Makes a channel subscription, confirmed (an admin made it), with an audit line;
    /// `None` when one of that kind already sends to that URL.
    async fn add_channel_subscription(
        &self,
        hook: &crate::subscriptions::hooks::NewHook,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>>;
    /// Every channel subscription, oldest first, with its URL shown as scheme and host.
    async fn channel_subscriptions(&self) -> Result<Vec<tis_core::wire::ChannelSubscription>>;
    /// Removes a channel subscription and what still waits for it; `None`: no such one.
    async fn remove_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>>;
    /// Queues a test message to a channel subscription; `None`: no such one.
    async fn test_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>>;
    /// Where subscriber `id` is sent when it is a webhook or channel, read only to send.
    async fn subscriber_hook(&self, id: i64) -> Result<Option<crate::subscriptions::hooks::Hook>>;
    /// How a try at sending to a webhook or channel went: delivered (`error` none), or
    /// failed; `gave_up` pauses it, dropping what waits for it.
    async fn hook_outcome(
        &self,
        id: i64,
        error: Option<&str>,
        gave_up: bool,
        at: DateTime<Utc>,
    ) -> Result<()>;

    // ---- rate limits, counted here so that every server sharing the store agrees ----

    /// Takes one request of `key`'s allowance at `now_ms` (GCRA, see [`crate::limits`]),
    /// in one statement, so that two servers cannot both take the last one: `None` when
    /// taken, or the milliseconds until one is free. Keys full again are deleted.
    async fn take_allowance(
        &self,
        key: &str,
        allowance: crate::limits::Allowance,
        now_ms: i64,
    ) -> Result<Option<i64>>;
    /// Counts a sign-in attempt as failed on its three keys when `counts_it` says so of
    /// the failures counted before it, all in one transaction, and returns those counts.
    /// Counts `window` past their last failure are deleted first.
    async fn count_sign_in(
        &self,
        keys: &crate::auth::limiter::SignInKeys,
        now: DateTime<Utc>,
        window: std::time::Duration,
        counts_it: crate::auth::limiter::CountsIt,
    ) -> Result<crate::auth::limiter::SignInCounts>;
    /// A sign-in was right: forgets the client's failures for the name, and takes the
    /// attempt back from the client's and the name's counts, in one transaction.
    async fn sign_in_succeeded(&self, keys: &crate::auth::limiter::SignInKeys) -> Result<()>;

    // ---- alerts and the outbox ----

    /// Keeps status changes, runs the alert rules on what they remember, and keeps what
    /// they decide (memory and outbox messages): all in one transaction, so an alert is
    /// written exactly when its cause is. Returns the plan.
    async fn record_status_and_alerts(
        &self,
        changes: &[StatusChange],
        decide: AlertDecider,
    ) -> Result<AlertPlan>;
    /// Puts messages in the outbox that a person asked for (a test alert), with an audit
    /// log line, in one transaction.
    async fn enqueue_messages(&self, messages: &[OutboxMessage], change: Change<'_>) -> Result<()>;
    /// Takes up to `limit` messages of `lane` that are due and held by no sender, holding
    /// each until `now + lease` and counting the try.
    async fn claim_outbox(
        &self,
        lane: Lane,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>>;
    /// The channel took the message.
    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()>;
    /// The try failed with `error`; try again at `retry_at`, or give up when `None`.
    async fn outbox_failed(&self, id: i64, failure: DeliveryFailure<'_>) -> Result<()>;
    /// Lets go of every message held by a sender; returns how many. Only for a store that
    /// one server owns, at start-up: any sender then is a process that has died.
    async fn release_outbox_claims(&self) -> Result<u64>;
    /// When the next message of `lane` not yet delivered falls due, if any.
    async fn outbox_next_due(&self, lane: Lane) -> Result<Option<DateTime<Utc>>>;
    /// The newest messages, newest first, at most `limit`.
    async fn outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>>;
    /// How many messages of each kind wait to be delivered (neither delivered nor given
    /// up on), by kind.
    async fn outbox_waiting(&self) -> Result<Vec<(String, i64)>>;

    async fn save_daily_uptime(&self, days: &[DailyUptime]) -> Result<()>;
    /// Stored daily uptime of `service` for days in `[from, to]`, oldest first.
    async fn daily_uptime(
        &self,
        service: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyUptime>>;

    async fn notices(&self) -> Result<Vec<Notice>>;
    async fn create_notice(&self, input: &NoticeInput, change: Change<'_>) -> Result<Notice>;
    async fn update_notice(
        &self,
        id: i64,
        input: &NoticeInput,
        change: Change<'_>,
    ) -> Result<Notice>;

    /// Every incident with its updates and current report, newest first.
    async fn incidents(&self) -> Result<Vec<Incident>>;
    /// One incident with its updates, as stored now; `None` when there is no such one.
    async fn incident(&self, id: i64) -> Result<Option<Incident>>;
    async fn create_incident(&self, input: &IncidentInput, change: Change<'_>) -> Result<Incident>;
    async fn update_incident(
        &self,
        id: i64,
        input: &IncidentInput,
        change: Change<'_>,
    ) -> Result<Incident>;
    async fn add_incident_update(
        &self,
        id: i64,
        input: &UpdateInput,
        change: Change<'_>,
    ) -> Result<Incident>;
    /// Saves a new revision of the report, if `base_revision` is still the latest.
    async fn save_report(&self, id: i64, save: &ReportSave, change: Change<'_>)
    -> Result<Revision>;
    /// Every save of every report, oldest first; the last of an incident's is its current
    /// report.
    async fn revisions(&self) -> Result<Vec<Revision>>;

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>>;

    // ---- accounts, sessions and tokens ----
    // Every change of an account or token writes an audit log line in the same transaction.

    /// Adds an account, with the name public pages show for what it writes; `None` when
    /// the name is taken, by an active or a disabled account.
    async fn create_account(
        &self,
        account: NewAccount<'_>,
        change: Change<'_>,
    ) -> Result<Option<Account>>;
    /// Every account, disabled ones too, by name.
    async fn accounts(&self) -> Result<Vec<Account>>;
    /// An active account and its password hash, for signing in; `None` if there is no
    /// active account of that name.
    async fn account_for_sign_in(&self, name: &str) -> Result<Option<(Account, String)>>;
    /// Disables an account and ends its sessions, unless it is the last active admin.
    async fn disable_account(&self, name: &str, change: Change<'_>) -> Result<Disabled>;
    /// Keeps a new session, and forgets expired ones.
    async fn create_session(&self, session: &NewSession<'_>) -> Result<()>;
    /// The session with this id hash, if it has not expired and its account is active.
    async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>>;
    /// Ends a session (signing out); no error if it is already gone.
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Keeps a Keycloak sign-in under way, and forgets those that have expired.
    async fn save_oidc_login(&self, login: &OidcLogin) -> Result<()>;
    /// Takes (so it is used once) the sign-in under way for this browser, if not expired.
    async fn take_oidc_login(
        &self,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<OidcLogin>>;
    /// Claims a Keycloak session's due check, moving `recheck_at` to `until` so that
    /// requests at the same moment do not all ask Keycloak; `false` if another has it.
    async fn claim_recheck(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool>;
    /// Records how a Keycloak session's check came out (audited when it ends).
    async fn recheck_session(
        &self,
        id_hash: &str,
        outcome: Recheck<'_>,
        change: Change<'_>,
    ) -> Result<()>;
    /// Adds an API token by its hash; `None` when the name is taken. `location` is a
    /// prober token's one location.
    async fn create_token(
        &self,
        token: NewToken<'_>,
        change: Change<'_>,
    ) -> Result<Option<ApiToken>>;
    /// Every token, revoked ones too, by id.
    async fn tokens(&self) -> Result<Vec<ApiToken>>;
    /// Revokes a token (again is fine); `NotFound` if there is no such token.
    async fn revoke_token(&self, id: i64, change: Change<'_>) -> Result<ApiToken>;
    /// The unrevoked token with this hash, noting that it was used at `at`.
    async fn use_token(&self, token_hash: &str, at: DateTime<Utc>) -> Result<Option<ApiToken>>;

    /// The glossary behind the plain-language hints as last saved; `None` if nobody has
    /// saved one yet (then the built-in terms apply).
    async fn glossary(&self) -> Result<Option<Vec<tis_core::plain::GlossaryTerm>>>;
    /// Replaces the glossary, with an audit log line.
    async fn save_glossary(
        &self,
        terms: &[tis_core::plain::GlossaryTerm],
        change: Change<'_>,
    ) -> Result<()>;

    /// Everything the export file holds (see `tis_core::export`), as one consistent
    /// snapshot.
    async fn export(&self) -> Result<Export>;
    /// Writes an already checked export in one transaction: all of it, or none.
    async fn import(&self, export: &Export, change: Change<'_>) -> Result<()>;
}

/// The revisions an import adds beside those in the file. Every save is a revision, and
/// the latest is the current report: a file whose current report is not its latest
/// revision (hand-written, or from elsewhere) gets one more revision, so that later edits
/// have a base to start from.
pub(crate) fn revisions_to_add(export: &Export, change: &Change<'_>) -> Vec<Revision> {
    let mut added = Vec::new();
    for i in &export.incidents {
        let Some(report) = &i.report else { continue };
        let latest = export
            .revisions
            .iter()
            .filter(|r| r.incident == i.id)
            .max_by_key(|r| r.number);
        if latest.is_some_and(|r| &r.report == report) {
            continue;
        }
        added.push(Revision {
            incident: i.id,
            number: latest.map_or(1, |r| r.number + 1),
            author: report
                .authors
                .first()
                .cloned()
                .unwrap_or_else(|| change.actor.to_string()),
            at: change.at,
            report: report.clone(),
        });
    }
    added
}

/// What a file held, for the audit log.
pub(crate) fn counts(export: &Export) -> String {
    format!(
        "{} notices, {} incidents, {} revisions, {}{} status changes, {} days of uptime, {} \
         audit log lines",
        export.notices.len(),
        export.incidents.len(),
        export.revisions.len(),
        if export.glossary.is_some() {
            "the glossary, "
        } else {
            ""
        },
        export.status_changes.len(),
        export.daily_uptime.len(),
        export.audit_log.len(),
    )
}

/// How long a run took, when `ping` ends one whose start is the newest report before it.
pub(crate) fn run_ms(ping: &NewPing<'_>, before: &HeartbeatRecord) -> Option<u64> {
    use tis_core::PingKind;
    match (ping.kind, before.pings.first()) {
        (PingKind::Success | PingKind::Fail, Some(last)) if last.kind == PingKind::Start => {
            u64::try_from((ping.at - last.at).num_milliseconds()).ok()
        }
        _ => None,
    }
}
