//! The PostgreSQL store, for several replicas on one database: the same records and
//! behaviour as the SQLite store, its own migrations (`migrations-postgres/`) checked at
//! start-up. Writes run at READ COMMITTED and lock what they read before they decide
//! (see `docs/postgres.md`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};
use tis_core::export::Export;
use tis_core::wire::{IncidentInput, NoticeInput, ReportSave, UpdateInput};
use tis_core::{DailyUptime, HeartbeatPing, Incident, Notice, ProbeResult, Revision};

use super::columns::daily_uptime_from;
use super::{
    AuditEntry, Change, DeliveryFailure, HeartbeatDecider, HeartbeatJudge, HeartbeatRecord,
    NewAccount, NewPing, NewToken, Result, Store, StoreError, apply_update, incident_of,
};

mod rows;
use rows::*;

mod accounts;
mod alerts;
// Webhook, Teams and Slack subscriptions that admins make.
mod channel_subscriptions;
mod export;
mod glossary;
mod heartbeats;
// Several replicas on one database: change notifications and the probe lease.
mod replicas;
mod status;
mod subscriptions;

/// Connections each server keeps open: enough for the probe writer, the outbox sender
/// and a burst of staff writes at once, while several replicas stay well inside a managed
/// database's connection limit.
const MAX_CONNECTIONS: u32 = 10;

/// How long a new connection may take: a managed database across a network answers well
/// within this, and a server starting on an unreachable one says so rather than hang.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why no connection could be made, when PostgreSQL itself gave no answer.
fn unreachable(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(tls) => format!("the secure connection failed: {tls}"),
        other => other.to_string(),
    }
}

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (its password given there, or in `password`)
    /// and brings its schema up to date.
    pub async fn open(url: &str, password: Option<&str>) -> Result<PgStore> {
        let mut options: PgConnectOptions = url.parse()?;
        if let Some(password) = password {
            options = options.password(password);
        }
        // One connection first, on its own and with a limit: the pool would retry until
        // its own timeout and then say only that it timed out, where the operator needs
        // PostgreSQL's reason (refused, unknown database, wrong password).
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Err(_) => {
                return Err(StoreError::Unreachable(format!(
                    "no answer within {} seconds",
                    CONNECT_TIMEOUT.as_secs()
                )));
            }
            Ok(Err(sqlx::Error::Database(db))) => {
                return Err(StoreError::Refused(db.message().to_string()));
            }
            Ok(Err(e)) => return Err(StoreError::Unreachable(unreachable(&e))),
            Ok(Ok(first)) => {
                let _ = first.close().await;
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await?;
        // Replicas starting at once each try: the migrator holds PostgreSQL's advisory
        // lock while it works, so one applies the migrations and the others wait and
        // find them done. Migrations recorded in the database that this version does not
        // know are refused before anything is applied.
        sqlx::migrate!("./migrations-postgres")
            .run(&pool)
            .await
            .map_err(super::schema_problem)?;
        Ok(PgStore { pool })
    }

    /// Starts a write transaction. READ COMMITTED, PostgreSQL's default: each write locks
    /// what it reads before it decides (rows with `FOR UPDATE`, decisions with
    /// [`rows::lock`]), so a writer on another replica waits rather than fails.
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// The underlying pool, for tests that look at the tables.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM notices) + (SELECT COUNT(*) FROM incidents)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n == 0)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn lead_probes(
        &self,
        location: &str,
        stop: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<super::ProbeLease>> {
        self.take_probe_lease(location, stop).await
    }

    async fn follow_changes(
        &self,
        changed: super::OnChange,
        stop: tokio_util::sync::CancellationToken,
    ) {
        self.follow(changed, stop).await
    }

    async fn add_probe_results(&self, results: &[ProbeResult]) -> Result<()> {
        let mut tx = self.write().await?;
        for r in results {
            insert_result(&mut tx, r).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn probe_results_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        let rows = sqlx::query("SELECT * FROM probe_results WHERE at >= $1 ORDER BY at, id")
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
            "SELECT * FROM probe_results WHERE service = $1 AND at >= $2 AND at < $3
             ORDER BY at, id",
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
        let rows = sqlx::query(
            "SELECT * FROM probe_results WHERE service = $1 AND ($2::timestamptz IS NULL OR at < $2)
             ORDER BY at DESC, id DESC LIMIT $3",
        )
        .bind(service)
        .bind(before.map(ts))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from).collect()
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
        PgStore::judge_heartbeat(self, probe, judge).await
    }

    async fn heartbeat(&self, probe: &str) -> Result<HeartbeatRecord> {
        self.read_heartbeat(probe).await
    }

    async fn prune_probe_results(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM probe_results WHERE at < $1")
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
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
            "SELECT * FROM daily_uptime WHERE service = $1 AND date >= $2 AND date <= $3
             ORDER BY date",
        )
        .bind(service)
        .bind(from)
        .bind(to)
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
        let notice = as_kept(input.notice(id, change.actor, change.at, change.at));
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
        let old = select_notice_for_update(&mut tx, id).await?;
        let notice = as_kept(input.notice(id, &old.author, old.created_at, change.at));
        insert_notice(&mut tx, &notice).await?;
        subscriptions::queue_notice_news(&mut tx, Some(&old), &notice, change.at).await?;
        let target = format!("notice/{id}");
        commit_audited(tx, &change, "notice.update", &target, &notice.title).await?;
        Ok(notice)
    }

    async fn incidents(&self) -> Result<Vec<Incident>> {
        // One snapshot, so no update is seen without its incident.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let incidents = select_incidents(&mut tx).await?;
        tx.commit().await?;
        Ok(incidents)
    }

    async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        // One snapshot, so the incident is not read without an update posted meanwhile.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let found = match select_incident(&mut tx, id, false).await {
            Ok(incident) => Some(incident),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        tx.commit().await?;
        Ok(found)
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
        let old = select_incident(&mut tx, id, true).await?;
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
        let mut incident = select_incident(&mut tx, id, true).await?;
        let updates_before = incident.updates.len();
        let change = Change {
            actor: change.actor,
            at: ts(change.at),
        };
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
        // The incident's row is locked first, so two saves from the same base (on any
        // replicas) are numbered one after the other and the second is refused.
        let exists: Option<i64> =
            sqlx::query_scalar("SELECT id FROM incidents WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("incident {id}")));
        }
        let current: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(number), 0) FROM revisions WHERE incident = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let current = u32::try_from(current)
            .map_err(|_| StoreError::Corrupt(format!("revision number {current}")))?;
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
            at: ts(change.at),
            report: report.clone(),
        };
        insert_revision(&mut tx, &revision).await?;
        sqlx::query("UPDATE incidents SET report = $1 WHERE id = $2")
            .bind(to_json_value(report))
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
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT $1")
            .bind(i64::from(limit))
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

    async fn export(&self) -> Result<Export> {
        self.export_everything().await
    }

    async fn import(&self, export: &Export, change: Change<'_>) -> Result<()> {
        self.import_everything(export, change).await
    }
}

/// A notice with its times as the store keeps them, so a write answers with what a read
/// will.
fn as_kept(mut notice: Notice) -> Notice {
    notice.starts_at = ts(notice.starts_at);
    notice.ends_at = notice.ends_at.map(ts);
    notice.created_at = ts(notice.created_at);
    notice.updated_at = ts(notice.updated_at);
    notice
}

#[cfg(test)]
#[path = "../../../tests/support/postgres.rs"]
#[allow(dead_code)]
mod test_server;

#[cfg(test)]
#[path = "../../../tests/support/pg_database.rs"]
mod test_database;

#[cfg(test)]
mod tests {
    use super::test_server::{TestPostgres, URL_ENV};
    use super::*;
    use crate::store::OutboxMessage;

    /// A server for these tests: the one `TIS_STATUS_TEST_POSTGRES` names, else one of
    /// their own (kept in the returned guard), and a new database in it.
    async fn database() -> (Option<TestPostgres>, String) {
        let (own, server) = match std::env::var(URL_ENV) {
            Ok(url) if !url.is_empty() => (None, url),
            _ => {
                let pg = TestPostgres::start().expect("a test PostgreSQL starts");
                let url = pg.url();
                (Some(pg), url)
            }
        };
        (own, test_database::fresh_database(&server, "unit").await)
    }

    fn alert(n: usize) -> OutboxMessage {
        OutboxMessage {
            message_id: format!("msg_{n}"),
            kind: "alert".into(),
            channel: "teams".into(),
            payload: "{}".into(),
        }
    }

    #[tokio::test]
    async fn two_replicas_claiming_the_outbox_at_once_take_each_message_once() {
        let (_server, url) = database().await;
        // Two replicas: two stores with pools of their own on one database.
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        let messages: Vec<OutboxMessage> = (0..40).map(alert).collect();
        a.enqueue_messages(&messages, Change::now("test"))
            .await
            .unwrap();
        let now = Utc::now();
        let lease = chrono::Duration::minutes(1);
        let mut claimed = Vec::new();
        loop {
            let (from_a, from_b) = tokio::join!(
                a.claim_outbox(crate::store::Lane::Alerts, now, lease, 3),
                b.claim_outbox(crate::store::Lane::Alerts, now, lease, 3)
            );
            let (from_a, from_b) = (from_a.unwrap(), from_b.unwrap());
            if from_a.is_empty() && from_b.is_empty() {
                break;
            }
            claimed.extend(
                from_a
                    .into_iter()
                    .chain(from_b)
                    .map(|e| e.message.message_id),
            );
        }
        claimed.sort();
        let mut expected: Vec<String> = messages.into_iter().map(|m| m.message_id).collect();
        expected.sort();
        assert_eq!(claimed, expected, "every message claimed, none twice");
    }

    #[tokio::test]
    async fn a_notice_written_through_one_replica_is_read_by_the_other_with_its_times() {
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        let input: NoticeInput = serde_json::from_value(serde_json::json!({
            "title": "Bulk upload is slow",
            "body": "We are looking into it.",
            "kind": "known_problem",
            "severity": "medium",
            "services": ["bulk-upload"],
            "starts_at": "2026-12-01T10:47:00.123456Z",
            "audience": "everyone",
            "published": true
        }))
        .unwrap();
        let written = a
            .create_notice(&input, Change::now("support"))
            .await
            .unwrap();
        let read = b.notices().await.unwrap();
        assert_eq!(read, std::slice::from_ref(&written));
        assert_eq!(
            read[0].starts_at.to_rfc3339(),
            "2026-12-01T10:47:00.123+00:00",
            "kept to the millisecond, as SQLite keeps it"
        );
        // Ids come from the table's own sequence, so the other replica's next is next.
        let second = b
            .create_notice(&input, Change::now("support"))
            .await
            .unwrap();
        assert_eq!(second.id, written.id + 1);
    }

    #[tokio::test]
    async fn a_channel_subscription_hears_status_changes_once_and_pauses_when_every_try_fails() {
        use crate::subscriptions::hooks::NewHook;
        use tis_core::wire::{NewsKind, SubscriptionChannel};
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        let hook = NewHook {
            kind: SubscriptionChannel::Webhook,
            name: "ESR team's system".into(),
            url: "https://esr.example/hooks/tis?code=secret".into(),
            services: vec!["esr".into()],
            kinds: vec![NewsKind::Incidents],
            status_changes: true,
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        };
        // The same URL added on two replicas at once is made once.
        let (one, two) = tokio::join!(
            a.add_channel_subscription(&hook, Change::now("admin")),
            b.add_channel_subscription(&hook, Change::now("admin"))
        );
        let made: Vec<_> = [one.unwrap(), two.unwrap()].into_iter().flatten().collect();
        assert_eq!(made.len(), 1, "one URL once");
        assert_eq!(made[0].url, "https://esr.example/…");

        let down = |service: &str| tis_core::StatusChange {
            service: service.into(),
            at: Utc::now(),
            from: tis_core::Status::Operational,
            to: tis_core::Status::MajorOutage,
            reason: None,
            detail: "connect: 10.0.0.7:443 refused".into(),
        };
        let nothing: crate::store::AlertDecider = Box::new(|_| crate::store::AlertPlan::default());
        a.record_status_and_alerts(&[down("esr"), down("bulk-upload")], nothing)
            .await
            .unwrap();
        let waiting = |store: &PgStore| {
            let pool = store.pool().clone();
            async move {
                sqlx::query_scalar::<_, String>(
                    "SELECT payload FROM outbox WHERE kind = 'subscriber'
                     AND delivered_at IS NULL ORDER BY id",
                )
                .fetch_all(&pool)
                .await
                .unwrap()
            }
        };
        let queued = waiting(&b).await;
        assert_eq!(queued.len(), 1, "ESR only: {queued:?}");
        assert!(queued[0].contains("major_outage"));
        assert!(
            !queued[0].contains("10.0.0.7"),
            "the check's words stay with staff"
        );

        b.hook_outcome(
            made[0].id,
            Some("esr.example did not answer"),
            true,
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(
            waiting(&a).await.is_empty(),
            "paused: what waited is dropped"
        );
        let nothing: crate::store::AlertDecider = Box::new(|_| crate::store::AlertPlan::default());
        a.record_status_and_alerts(&[down("esr")], nothing)
            .await
            .unwrap();
        assert!(waiting(&a).await.is_empty(), "paused: nothing queued");
        let listed = a.channel_subscriptions().await.unwrap();
        assert!(listed[0].paused_at.is_some());
        assert_eq!(
            listed[0].last_error.as_deref(),
            Some("esr.example did not answer")
        );
        let hook_seen = b.subscriber_hook(made[0].id).await.unwrap().unwrap();
        assert_eq!(hook_seen.url, hook.url);

        assert!(
            b.remove_channel_subscription(made[0].id, Change::now("admin"))
                .await
                .unwrap()
                .is_some()
        );
        assert!(a.channel_subscriptions().await.unwrap().is_empty());
        let log = format!("{:?}", a.audit_log(10).await.unwrap());
        assert!(log.contains("subscription.add") && log.contains("subscription.remove"));
        assert!(
            !log.contains("code=secret") && !log.contains("whsec_"),
            "{log}"
        );
    }
}
