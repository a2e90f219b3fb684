//! The outbox and the alert rules' memory in the SQLite store.

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};
use tis_core::StatusChange;

use super::status::insert_status_change;
use super::{SqliteStore, entry_from, opt_time, ts};
use crate::store::{
    AlertDecider, AlertPlan, DeliveryFailure, Lane, OutboxEntry, OutboxMessage, Result,
};

/// The one key the alert rules keep their memory under.
const RULES_KEY: &str = "rules";

impl SqliteStore {
    pub(super) async fn write_status_and_alerts(
        &self,
        changes: &[StatusChange],
        decide: AlertDecider,
    ) -> Result<AlertPlan> {
        let mut tx = self.write().await?;
        for c in changes {
            insert_status_change(&mut tx, c, 0).await?;
        }
        // Subscribers who asked for status changes hear of each in the same transaction.
        super::channel_subscriptions::queue_status_news(&mut tx, changes, Utc::now()).await?;
        // Read inside the write transaction: the rules decide on what is stored, never on
        // a copy another writer has since changed.
        let memory: Option<String> = sqlx::query("SELECT value FROM alert_memory WHERE key = ?")
            .bind(RULES_KEY)
            .fetch_optional(&mut *tx)
            .await?
            .map(|row| row.get("value"));
        let plan = decide(memory);
        if let Some(memory) = &plan.memory {
            sqlx::query(
                "INSERT INTO alert_memory (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
            )
            .bind(RULES_KEY)
            .bind(memory)
            .execute(&mut *tx)
            .await?;
        }
        let now = Utc::now();
        for m in &plan.messages {
            insert_message(&mut tx, m, now).await?;
        }
        tx.commit().await?;
        Ok(plan)
    }

    pub(super) async fn claim_due(
        &self,
        lane: Lane,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>> {
        let mut tx = self.write().await?;
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_until = ?1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM outbox
                          WHERE delivered_at IS NULL AND gave_up_at IS NULL
                            AND next_attempt_at <= ?2
                            AND (claimed_until IS NULL OR claimed_until < ?2)
                            AND (kind = ?4) = ?5
                          ORDER BY next_attempt_at, id LIMIT ?3)
             RETURNING *",
        )
        .bind(ts(now + lease))
        .bind(ts(now))
        .bind(limit)
        .bind(crate::subscriptions::KIND)
        .bind(lane == Lane::Subscribers)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut entries: Vec<OutboxEntry> = rows.iter().map(entry_from).collect::<Result<_>>()?;
        entries.sort_by_key(|e| e.id);
        Ok(entries)
    }

    pub(super) async fn mark_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET delivered_at = ?, claimed_until = NULL
             WHERE id = ? AND delivered_at IS NULL",
        )
        .bind(ts(at))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn mark_failed(&self, id: i64, failure: DeliveryFailure<'_>) -> Result<()> {
        let DeliveryFailure {
            error,
            retry_at,
            at,
        } = failure;
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, last_error = ?1,
                 next_attempt_at = COALESCE(?2, next_attempt_at),
                 gave_up_at = CASE WHEN ?2 IS NULL THEN ?3 END
             WHERE id = ?4 AND delivered_at IS NULL",
        )
        .bind(error)
        .bind(retry_at.map(ts))
        .bind(ts(at))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub(super) async fn release_claims(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET claimed_until = NULL
             WHERE claimed_until IS NOT NULL AND delivered_at IS NULL",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub(super) async fn next_due(&self, lane: Lane) -> Result<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MIN(COALESCE(MAX(next_attempt_at, claimed_until), next_attempt_at)) AS due
             FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL
               AND (kind = ?1) = ?2",
        )
        .bind(crate::subscriptions::KIND)
        .bind(lane == Lane::Subscribers)
        .fetch_one(&self.pool)
        .await?;
        opt_time(row.get("due"))
    }

    pub(super) async fn waiting_by_kind(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, COUNT(*) AS n FROM outbox
             WHERE delivered_at IS NULL AND gave_up_at IS NULL GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>("kind"), r.get::<i64, _>("n")))
            .collect())
    }

    pub(super) async fn newest_messages(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        // Team alerts only: messages to subscribers are not staff's to read.
        let rows = sqlx::query("SELECT * FROM outbox WHERE kind = ? ORDER BY id DESC LIMIT ?")
            .bind(crate::alerts::outbox::KIND)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from).collect()
    }
}

pub(super) async fn insert_message(
    tx: &mut Transaction<'_, Sqlite>,
    m: &OutboxMessage,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )
    .bind(&m.message_id)
    .bind(&m.kind)
    .bind(&m.channel)
    .bind(&m.payload)
    .bind(ts(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
