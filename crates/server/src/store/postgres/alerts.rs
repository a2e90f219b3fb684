//! The outbox and the alert rules' memory in the PostgreSQL store. Senders on several
//! replicas claim messages with `FOR UPDATE SKIP LOCKED`: each takes different messages
//! and none waits for another.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tis_core::StatusChange;

use super::status::insert_status_change;
use super::{PgStore, enum_text, lock, ts};
use crate::store::columns::entry_from;
use crate::store::{
    AlertDecider, AlertPlan, DeliveryFailure, Lane, OutboxEntry, OutboxMessage, Result,
};

/// The one key the alert rules keep their memory under.
const RULES_KEY: &str = "rules";

impl PgStore {
    pub(super) async fn write_status_and_alerts(
        &self,
        changes: &[StatusChange],
        decide: AlertDecider,
    ) -> Result<AlertPlan> {
        let mut tx = self.write().await?;
        // The rules decide on what is stored, never on a copy another replica has since
        // changed: the lock is taken before the memory is read (it may not exist yet, so
        // a row lock could not cover the first look).
        lock(&mut tx, "alerts.rules").await?;
        // Every replica watches the same results, so each sees a service change; only the
        // first to get here records it (and tells subscribers), as a change of what is
        // stored: one that finds the service already at that status is another's.
        let mut fresh = Vec::with_capacity(changes.len());
        for c in changes {
            let stored: Option<String> = sqlx::query_scalar(
                "SELECT to_status FROM status_changes WHERE service = $1
                 ORDER BY at DESC, id DESC LIMIT 1",
            )
            .bind(&c.service)
            .fetch_optional(&mut *tx)
            .await?;
            if stored.as_deref() == Some(enum_text(&c.to).as_str()) {
                continue;
            }
            insert_status_change(&mut tx, c, 0).await?;
            fresh.push(c.clone());
        }
        // Subscribers who asked for status changes hear of each in the same transaction.
        super::channel_subscriptions::queue_status_news(&mut tx, &fresh, Utc::now()).await?;
        let memory: Option<String> =
            sqlx::query_scalar("SELECT value FROM alert_memory WHERE key = $1")
                .bind(RULES_KEY)
                .fetch_optional(&mut *tx)
                .await?;
        let plan = decide(memory);
        if let Some(memory) = &plan.memory {
            sqlx::query(
                "INSERT INTO alert_memory (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
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
        let rows = sqlx::query(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
             WHERE id IN (SELECT id FROM outbox
                          WHERE delivered_at IS NULL AND gave_up_at IS NULL
                            AND next_attempt_at <= $2
                            AND (claimed_until IS NULL OR claimed_until < $2)
                            AND (kind = $4) = $5
                          ORDER BY next_attempt_at, id LIMIT $3
                          FOR UPDATE SKIP LOCKED)
             RETURNING *",
        )
        .bind(ts(now + lease))
        .bind(ts(now))
        .bind(i64::from(limit))
        .bind(crate::subscriptions::KIND)
        .bind(lane == Lane::Subscribers)
        .fetch_all(&self.pool)
        .await?;
        let mut entries: Vec<OutboxEntry> = rows.iter().map(entry_from).collect::<Result<_>>()?;
        entries.sort_by_key(|e| e.id);
        Ok(entries)
    }

    pub(super) async fn mark_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "UPDATE outbox SET delivered_at = $1, claimed_until = NULL
             WHERE id = $2 AND delivered_at IS NULL",
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
            "UPDATE outbox SET claimed_until = NULL, last_error = $1,
                 next_attempt_at = COALESCE($2, next_attempt_at),
                 gave_up_at = CASE WHEN $2::timestamptz IS NULL THEN $3 END
             WHERE id = $4 AND delivered_at IS NULL",
        )
        .bind(error)
        .bind(retry_at.map(ts))
        .bind(ts(at))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Lets go of claims whose lease has run out. Not every claim, as the SQLite store
    /// does at start-up: here other replicas may be sending right now, and taking their
    /// messages back would send them twice; a replica that died lets go when its lease
    /// ends.
    pub(super) async fn release_claims(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET claimed_until = NULL
             WHERE claimed_until IS NOT NULL AND claimed_until < now() AND delivered_at IS NULL",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    pub(super) async fn next_due(&self, lane: Lane) -> Result<Option<DateTime<Utc>>> {
        // GREATEST ignores a NULL claim, so an unclaimed message is due at its own time.
        Ok(sqlx::query_scalar(
            "SELECT MIN(GREATEST(next_attempt_at, claimed_until))
             FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS NULL
               AND (kind = $1) = $2",
        )
        .bind(crate::subscriptions::KIND)
        .bind(lane == Lane::Subscribers)
        .fetch_one(&self.pool)
        .await?)
    }

    pub(super) async fn waiting_by_kind(&self) -> Result<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT kind, COUNT(*) FROM outbox
             WHERE delivered_at IS NULL AND gave_up_at IS NULL GROUP BY kind ORDER BY kind",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    pub(super) async fn newest_messages(&self, limit: u32) -> Result<Vec<OutboxEntry>> {
        // Team alerts only: messages to subscribers are not staff's to read.
        let rows = sqlx::query("SELECT * FROM outbox WHERE kind = $1 ORDER BY id DESC LIMIT $2")
            .bind(crate::alerts::outbox::KIND)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(entry_from).collect()
    }
}

pub(super) async fn insert_message(
    conn: &mut PgConnection,
    m: &OutboxMessage,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(&m.message_id)
    .bind(&m.kind)
    .bind(&m.channel)
    .bind(&m.payload)
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}
