//! The embedded SQLite store: one file in the data directory, WAL mode, migrations
//! checked at start-up.

use std::path::Path;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use tis_core::export::Export;
use tis_core::wire::{IncidentInput, NoticeInput, ReportSave, UpdateInput};
use tis_core::{DailyUptime, HeartbeatPing, Incident, Notice, ProbeResult, Revision};

use super::{
    AuditEntry, Change, DeliveryFailure, HeartbeatDecider, HeartbeatJudge, HeartbeatRecord,
    NewAccount, NewPing, NewToken, Result, Store, StoreError, apply_update, incident_of,
};

mod rows;
use rows::*;

// Accounts, sessions and tokens live beside, to keep this file about the records.
mod accounts;
mod glossary;
// Status changes, kept for incident timelines.
mod status;
// The outbox and what the alert rules remember.
mod alerts;
// The export file, written and read whole.
mod export;
// Subscribers, and the news queued for them.
mod subscriptions;
// Webhook, Teams and Slack subscriptions that admins make.
mod channel_subscriptions;

// Heartbeat tokens and the reports batch jobs send.
mod heartbeats;
// Consistent copies while the store is in use.
mod backup;
pub use backup::{BackupSummary, db_path};

/// Writes one probe result inside a write transaction.
pub(super) async fn insert_result(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    r: &ProbeResult,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO probe_results
         (probe, service, at, ok, latency_ms, error_kind, detail, degraded, location)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&r.probe)
    .bind(&r.service)
    .bind(ts(r.at))
    .bind(r.ok)
    .bind(r.latency_ms)
    .bind(r.error_kind.map(|k| enum_text(&k)))
    .bind(&r.detail)
    .bind(r.degraded)
    .bind(&r.location)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "tis-status.db";

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to
    /// date, copying an existing store to `backups/` first when its tables are to change.
    /// `data_dir` may also name the database file itself, such as a backup.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
        let db = backup::db_path(data_dir);
        if !data_dir.is_file() {
            std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
                dir: data_dir.display().to_string(),
                source,
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        let store = SqliteStore { pool };
        let migrator = sqlx::migrate!("./migrations");
        if let Some(copy) = backup::before_migrating(&store, &db, &migrator).await? {
            tracing::info!(
                backup = %copy.display(),
                "copied the store before updating its tables for this version"
            );
        }
        migrator
            .run(&store.pool)
            .await
            .map_err(crate::store::schema_problem)?;
        Ok(store)
    }

    /// Starts a write transaction holding SQLite's write lock from its first statement.
    ///
    /// A plain `BEGIN` reads first and asks for the lock at its first write; if another
    /// connection committed in between, SQLite must refuse it ("database is locked", 517)
    /// whatever the busy timeout, and the person's write would fail. `BEGIN IMMEDIATE`
    /// waits its turn (up to the busy timeout) instead.
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The underlying pool, for modules that keep their own tables (accounts, sessions).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn is_empty(&self) -> Result<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM notices) + (SELECT COUNT(*) FROM incidents) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>("n") == 0)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn add_probe_results(&self, results: &[ProbeResult]) -> Result<()> {
        let mut tx = self.write().await?;
        for r in results {
            insert_result(&mut tx, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn set_heartbeat_token(
        &self,
        probe: &str,
        token_hash: &str,
        change: Change<'_>,
    ) -> Result<bool> {
        self.put_heartbeat_token(probe, token_hash, change).await
    }

    async fn add_heartbeat_ping(
        &self,
        ping: NewPing<'_>,
        decide: HeartbeatDecider,
    ) -> Result<Option<(HeartbeatPing, ProbeResult)>> {
        self.add_ping(ping, decide).await
    }

    async fn judge_heartbeat(
        &self,
        probe: &str,
        judge: HeartbeatJudge,
    ) -> Result<Option<ProbeResult>> {
        SqliteStore::judge_heartbeat(self, probe, judge).await
    }

    async fn heartbeat(&self, probe: &str) -> Result<HeartbeatRecord> {
        self.read_heartbeat(probe).await
    }

    async fn probe_results_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        let rows = sqlx::query("SELECT * FROM probe_results WHERE at >= ? ORDER BY at, id")
            .bind(ts(since))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(result_from).collect()
    }

    async fn service_results(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ProbeResult>> {
        let rows = sqlx::query(
            "SELECT * FROM probe_results WHERE service = ? AND at >= ? AND at < ? ORDER BY at, id",
        )
        .bind(service)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from).collect()
    }

    async fn service_results_page(
        &self,
        service: &str,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<ProbeResult>> {
        let before = before.map_or_else(|| "9999".to_string(), ts);
        let rows = sqlx::query(
            "SELECT * FROM probe_results WHERE service = ? AND at < ?
             ORDER BY at DESC, id DESC LIMIT ?",
        )
        .bind(service)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from).collect()
    }

    async fn prune_probe_results(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM probe_results WHERE at < ?")
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn save_daily_uptime(&self, days: &[DailyUptime]) -> Result<()> {
        let mut tx = self.write().await?;
        for d in days {
            insert_daily_uptime(&mut tx, d).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn daily_uptime(
        &self,
        service: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyUptime>> {
        let rows = sqlx::query(
            "SELECT * FROM daily_uptime WHERE service = ? AND date >= ? AND date <= ? ORDER BY date",
        )
        .bind(service)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(daily_uptime_from).collect()
    }

    async fn notices(&self) -> Result<Vec<Notice>> {
        select_notices(&mut *self.pool.acquire().await?).await
    }

    async fn create_notice(&self, input: &NoticeInput, change: Change<'_>) -> Result<Notice> {
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "notices").await?;
        let notice = input.notice(id, change.actor, change.at, change.at);
        insert_notice(&mut tx, &notice).await?;
        subscriptions::queue_notice_news(&mut tx, None, &notice, change.at).await?;
        let target = format!("notice/{id}");
        commit_audited(tx, &change, "notice.create", &target, &notice.title).await?;
        Ok(notice)
    }

    async fn update_notice(
        &self,
        id: i64,
        input: &NoticeInput,
        change: Change<'_>,
    ) -> Result<Notice> {
        let mut tx = self.write().await?;
        let old = select_notice(&mut tx, id).await?;
        let notice = input.notice(id, &old.author, old.created_at, change.at);
        insert_notice(&mut tx, &notice).await?;
        subscriptions::queue_notice_news(&mut tx, Some(&old), &notice, change.at).await?;
        let target = format!("notice/{id}");
        commit_audited(tx, &change, "notice.update", &target, &notice.title).await?;
        Ok(notice)
    }

    async fn incidents(&self) -> Result<Vec<Incident>> {
        select_incidents(&mut *self.pool.acquire().await?).await
    }

    async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        match select_incident(&mut *self.pool.acquire().await?, id).await {
            Ok(incident) => Ok(Some(incident)),
            Err(super::StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn add_channel_subscription(
        &self,
        hook: &crate::subscriptions::hooks::NewHook,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.insert_channel_subscription(hook, change).await
    }

    async fn channel_subscriptions(&self) -> Result<Vec<tis_core::wire::ChannelSubscription>> {
        self.select_channel_subscriptions().await
    }

    async fn remove_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.delete_channel_subscription(id, change).await
    }

    async fn test_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<tis_core::wire::ChannelSubscription>> {
        self.queue_channel_test(id, change).await
    }

    async fn subscriber_hook(&self, id: i64) -> Result<Option<crate::subscriptions::hooks::Hook>> {
        self.select_hook(id).await
    }

    async fn hook_outcome(
        &self,
        id: i64,
        error: Option<&str>,
        gave_up: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.record_hook_outcome(id, error, gave_up, at).await
    }

    async fn create_incident(&self, input: &IncidentInput, change: Change<'_>) -> Result<Incident> {
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "incidents").await?;
        let incident = incident_of(id, input, Vec::new(), None);
        write_incident_row(&mut tx, &incident, false).await?;
        let target = format!("incident/{id}");
        commit_audited(tx, &change, "incident.create", &target, &incident.title).await?;
        Ok(incident)
    }

    async fn update_incident(
        &self,
        id: i64,
        input: &IncidentInput,
        change: Change<'_>,
    ) -> Result<Incident> {
        let mut tx = self.write().await?;
        let old = select_incident(&mut tx, id).await?;
        let incident = incident_of(id, input, old.updates, old.report);
        write_incident_row(&mut tx, &incident, true).await?;
        let target = format!("incident/{id}");
        commit_audited(tx, &change, "incident.update", &target, &incident.title).await?;
        Ok(incident)
    }

    async fn add_incident_update(
        &self,
        id: i64,
        input: &UpdateInput,
        change: Change<'_>,
    ) -> Result<Incident> {
        let mut tx = self.write().await?;
        let mut incident = select_incident(&mut tx, id).await?;
        let updates_before = incident.updates.len();
        let update = apply_update(&mut incident, input, &change);
        write_incident_row(&mut tx, &incident, true).await?;
        insert_update(&mut tx, id, &update).await?;
        let news = crate::subscriptions::News::of_update(&incident, &update, updates_before);
        subscriptions::queue_news(&mut tx, &news, change.at).await?;
        commit_audited(
            tx,
            &change,
            "incident.update.post",
            &format!("incident/{id}"),
            &enum_text(&input.status),
        )
        .await?;
        Ok(incident)
    }

    async fn save_report(
        &self,
        id: i64,
        save: &ReportSave,
        change: Change<'_>,
    ) -> Result<Revision> {
        let (report, base_revision) = (&save.report, save.base_revision);
        let mut tx = self.write().await?;
        // Checked and written in one transaction, so two saves from the same base
        // cannot both succeed.
        let exists = sqlx::query("SELECT id FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("incident {id}")));
        }
        let current: u32 =
            sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM revisions WHERE incident = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .get("n");
        if current != base_revision {
            return Err(StoreError::Conflict {
                incident: id,
                base: base_revision,
                current,
            });
        }
        let revision = Revision {
            incident: id,
            number: current + 1,
            author: change.actor.to_string(),
            at: change.at,
            report: report.clone(),
        };
        insert_revision(&mut tx, &revision).await?;
        sqlx::query("UPDATE incidents SET report = ? WHERE id = ?")
            .bind(to_json(report))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            &change,
            "report.save",
            &format!("incident/{id}"),
            &format!(
                "revision {}, {}",
                revision.number,
                enum_text(&report.status)
            ),
        )
        .await?;
        Ok(revision)
    }

    async fn revisions(&self) -> Result<Vec<Revision>> {
        select_revisions(&mut *self.pool.acquire().await?).await
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_from).collect()
    }

    async fn create_account(
        &self,
        account: NewAccount<'_>,
        change: Change<'_>,
    ) -> Result<Option<tis_core::account::Account>> {
        self.insert_account(account, change).await
    }

    async fn accounts(&self) -> Result<Vec<tis_core::account::Account>> {
        self.all_accounts().await
    }

    async fn account_for_sign_in(
        &self,
        name: &str,
    ) -> Result<Option<(tis_core::account::Account, String)>> {
        self.active_account_with_hash(name).await
    }

    async fn disable_account(&self, name: &str, change: Change<'_>) -> Result<super::Disabled> {
        self.disable_account_and_sessions(name, change).await
    }

    async fn create_session(&self, session: &super::NewSession<'_>) -> Result<()> {
        self.insert_session(session).await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<super::SessionRecord>> {
        self.live_session(id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.remove_session(id_hash).await
    }

    async fn save_oidc_login(&self, login: &super::OidcLogin) -> Result<()> {
        self.insert_oidc_login(login).await
    }

    async fn take_oidc_login(
        &self,
        browser_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<super::OidcLogin>> {
        self.remove_oidc_login(browser_hash, now).await
    }

    async fn claim_recheck(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        self.claim_session_recheck(id_hash, now, until).await
    }

    async fn recheck_session(
        &self,
        id_hash: &str,
        outcome: super::Recheck<'_>,
        change: Change<'_>,
    ) -> Result<()> {
        self.write_recheck(id_hash, outcome, change).await
    }

    async fn create_token(
        &self,
        token: NewToken<'_>,
        change: Change<'_>,
    ) -> Result<Option<tis_core::account::ApiToken>> {
        self.insert_token(token, change).await
    }

    async fn tokens(&self) -> Result<Vec<tis_core::account::ApiToken>> {
        self.all_tokens().await
    }

    async fn revoke_token(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<tis_core::account::ApiToken> {
        self.revoke_token_by_id(id, change).await
    }

    async fn use_token(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<tis_core::account::ApiToken>> {
        self.active_token(token_hash, at).await
    }

    async fn glossary(&self) -> Result<Option<Vec<tis_core::plain::GlossaryTerm>>> {
        self.saved_glossary().await
    }

    async fn save_glossary(
        &self,
        terms: &[tis_core::plain::GlossaryTerm],
        change: Change<'_>,
    ) -> Result<()> {
        self.replace_glossary(terms, change).await
    }

    async fn add_status_changes(&self, changes: &[tis_core::StatusChange]) -> Result<()> {
        self.insert_status_changes(changes).await
    }

    async fn status_changes(
        &self,
        service: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<tis_core::StatusChange>> {
        self.select_status_changes(service, from, to).await
    }

    async fn latest_status_changes(&self) -> Result<Vec<tis_core::StatusChange>> {
        self.select_latest_status_changes().await
    }

    async fn record_status_and_alerts(
        &self,
        changes: &[tis_core::StatusChange],
        decide: super::AlertDecider,
    ) -> Result<super::AlertPlan> {
        self.write_status_and_alerts(changes, decide).await
    }

    async fn enqueue_messages(
        &self,
        messages: &[super::OutboxMessage],
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for m in messages {
            alerts::insert_message(&mut tx, m, change.at).await?;
            audit(
                &mut tx,
                &change,
                "outbox.enqueue",
                &format!("channel/{}", m.channel),
                &m.kind,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_outbox(
        &self,
        lane: super::Lane,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<super::OutboxEntry>> {
        self.claim_due(lane, now, lease, limit).await
    }

    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.mark_delivered(id, at).await
    }

    async fn outbox_failed(&self, id: i64, failure: DeliveryFailure<'_>) -> Result<()> {
        self.mark_failed(id, failure).await
    }

    async fn release_outbox_claims(&self) -> Result<u64> {
        self.release_claims().await
    }

    async fn outbox_next_due(&self, lane: super::Lane) -> Result<Option<DateTime<Utc>>> {
        self.next_due(lane).await
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<super::OutboxEntry>> {
        self.newest_messages(limit).await
    }

    async fn outbox_waiting(&self) -> Result<Vec<(String, i64)>> {
        self.waiting_by_kind().await
    }

    async fn subscribe(
        &self,
        subscription: &crate::subscriptions::NewSubscription,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.add_subscription(subscription, at).await
    }

    async fn subscriber_address(&self, id: i64) -> Result<Option<String>> {
        self.address_of_subscriber(id).await
    }

    async fn add_subscriber_token(
        &self,
        id: i64,
        purpose: crate::subscriptions::TokenPurpose,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        self.keep_subscriber_token(id, purpose, hash, at).await
    }

    async fn confirm_subscription(
        &self,
        hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<tis_core::wire::SubscriptionView>> {
        self.confirm_by_token(hash, at).await
    }

    async fn subscription(&self, hash: &str) -> Result<Option<tis_core::wire::SubscriptionView>> {
        self.subscription_by_token(hash).await
    }

    async fn unsubscribe(&self, hash: &str) -> Result<bool> {
        self.delete_by_token(hash).await
    }

    async fn forget_unconfirmed(&self, before: DateTime<Utc>) -> Result<u64> {
        self.delete_unconfirmed(before).await
    }

    async fn queue_maintenance_news(
        &self,
        now: DateTime<Utc>,
        lead: chrono::Duration,
    ) -> Result<u64> {
        self.queue_due_maintenance(now, lead).await
    }

    async fn subscriber_counts(&self) -> Result<super::SubscriberTally> {
        self.count_subscribers().await
    }

    async fn find_subscriber(
        &self,
        address: &str,
    ) -> Result<Option<tis_core::wire::SubscriberRecord>> {
        self.find_by_address(address).await
    }

    async fn remove_subscriber(&self, id: i64, change: Change<'_>) -> Result<Option<u64>> {
        self.remove_by_staff(id, change).await
    }

    async fn export(&self) -> Result<Export> {
        self.export_everything().await
    }

    async fn import(&self, export: &Export, change: Change<'_>) -> Result<()> {
        self.import_everything(export, change).await
    }
}
