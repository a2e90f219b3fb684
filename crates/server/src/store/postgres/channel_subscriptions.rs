//! Webhook, Teams and Slack subscriptions in the PostgreSQL store: made, listed, tried and
//! removed by admins, each with its audit line in the same transaction; status changes
//! queued for those that asked, in the transaction that records the change; and how
//! delivery to each went, so that one that keeps failing is paused.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tis_core::StatusChange;
use tis_core::wire::{ChannelSubscription, NewsKind, SubscriptionChannel};

use super::alerts::insert_message;
use super::subscriptions::{chosen_services, delete_subscriber, set_services};
use super::{PgStore, audit, commit_audited, ts};
use crate::alerts::outbox::new_message_id;
use crate::store::columns::{Columns, channel_subscription_from};
use crate::store::{Change, OutboxMessage, Result};
use crate::subscriptions::hooks::{Hook, NewHook};
use crate::subscriptions::{self, Payload, StatusNews};

/// The kinds that are channel subscriptions, for `IN (…)`.
const CHANNEL_KINDS: &str = "('webhook', 'teams', 'slack')";

impl PgStore {
    pub(super) async fn insert_channel_subscription(
        &self,
        hook: &NewHook,
        change: Change<'_>,
    ) -> Result<Option<ChannelSubscription>> {
        let mut tx = self.write().await?;
        let now = ts(change.at);
        // ON CONFLICT rather than a look first: two admins adding one URL on two
        // replicas at once cannot both make it.
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO subscribers (kind, address, all_services, incidents, maintenance,
                 status_changes, name, secret, created_by, created_at, confirmed_at,
                 confirmations_since)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $10)
             ON CONFLICT (kind, address) DO NOTHING
             RETURNING id",
        )
        .bind(hook.kind.as_str())
        .bind(&hook.url)
        .bind(hook.services.is_empty())
        .bind(hook.kinds.contains(&NewsKind::Incidents))
        .bind(hook.kinds.contains(&NewsKind::Maintenance))
        .bind(hook.status_changes)
        .bind(&hook.name)
        .bind(&hook.secret)
        .bind(change.actor)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(None) };
        set_services(&mut tx, id, &hook.services).await?;
        let made = channel_subscription(&mut tx, id, false).await?;
        // The name only: the URL and secret are never written anywhere else.
        commit_audited(
            tx,
            &change,
            "subscription.add",
            &subscriptions::channel(id),
            &hook.name,
        )
        .await?;
        Ok(made)
    }

    pub(super) async fn select_channel_subscriptions(&self) -> Result<Vec<ChannelSubscription>> {
        // One snapshot, so no subscription is listed with another moment's services.
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let ids: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM subscribers WHERE kind IN {CHANNEL_KINDS} ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(channel_subscription(&mut tx, id, false).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub(super) async fn delete_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<ChannelSubscription>> {
        let mut tx = self.write().await?;
        let Some(found) = channel_subscription(&mut tx, id, true).await? else {
            return Ok(None);
        };
        delete_subscriber(&mut tx, id).await?;
        commit_audited(
            tx,
            &change,
            "subscription.remove",
            &subscriptions::channel(id),
            &found.name,
        )
        .await?;
        Ok(Some(found))
    }

    pub(super) async fn queue_channel_test(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<ChannelSubscription>> {
        let mut tx = self.write().await?;
        // Locked, so a removal on another replica cannot land between the look and the
        // message queued for it.
        let Some(found) = channel_subscription(&mut tx, id, true).await? else {
            return Ok(None);
        };
        let message = OutboxMessage {
            message_id: new_message_id(),
            kind: subscriptions::KIND.into(),
            channel: subscriptions::channel(id),
            payload: serde_json::to_string(&Payload::Test { at: change.at }).unwrap_or_default(),
        };
        insert_message(&mut tx, &message, change.at).await?;
        audit(
            &mut tx,
            &change,
            "subscription.test",
            &subscriptions::channel(id),
            &found.name,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(found))
    }

    pub(super) async fn select_hook(&self, id: i64) -> Result<Option<Hook>> {
        let row = sqlx::query(&format!(
            "SELECT kind, address, secret FROM subscribers WHERE id = $1 AND kind IN {CHANNEL_KINDS}"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let Some(kind) = SubscriptionChannel::parse(&row.text("kind")?) else {
            return Ok(None);
        };
        Ok(Some(Hook {
            kind,
            url: row.text("address")?,
            secret: row.opt_text("secret")?,
        }))
    }

    pub(super) async fn record_hook_outcome(
        &self,
        id: i64,
        error: Option<&str>,
        gave_up: bool,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        match error {
            None => {
                sqlx::query(
                    "UPDATE subscribers SET last_delivered_at = $1, last_error = NULL,
                         paused_at = NULL WHERE id = $2",
                )
                .bind(ts(at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Some(error) => {
                sqlx::query(
                    "UPDATE subscribers SET last_error = $1,
                         paused_at = CASE WHEN $2 THEN COALESCE(paused_at, $3) ELSE paused_at END
                     WHERE id = $4",
                )
                .bind(error)
                .bind(gave_up)
                .bind(ts(at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if gave_up {
                    // Paused: what still waits for it would fail as long, and be stale
                    // by the time it is resumed. A message another replica is sending
                    // right now (claimed) is left to that sender.
                    sqlx::query(
                        "DELETE FROM outbox WHERE kind = $1 AND channel = $2
                         AND delivered_at IS NULL AND gave_up_at IS NULL
                         AND (claimed_until IS NULL OR claimed_until < $3)",
                    )
                    .bind(subscriptions::KIND)
                    .bind(subscriptions::channel(id))
                    .bind(ts(at))
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Queues each status change for the channel subscriptions that asked for status
/// changes of its service (or of all of TIS), inside the transaction that records it.
pub(super) async fn queue_status_news(
    conn: &mut PgConnection,
    changes: &[StatusChange],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut queued = 0;
    for change in changes {
        let payload =
            serde_json::to_string(&Payload::Status(StatusNews::of(change))).unwrap_or_default();
        // A message id of the same shape as `new_message_id`'s: 32 random hex digits.
        let done = sqlx::query(
            "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
             SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), $1,
                    'subscriber/' || s.id, $2, $3, $3
             FROM subscribers s
             WHERE s.status_changes AND s.confirmed_at IS NOT NULL AND s.paused_at IS NULL
               AND (s.all_services OR EXISTS (
                    SELECT 1 FROM subscriber_services ss
                    WHERE ss.subscriber = s.id AND ss.service = $4))
             ORDER BY s.id",
        )
        .bind(subscriptions::KIND)
        .bind(payload)
        .bind(ts(now))
        .bind(&change.service)
        .execute(&mut *conn)
        .await?;
        queued += done.rows_affected();
    }
    Ok(queued)
}

/// One channel subscription with its services; `lock` holds its row until the
/// transaction ends.
async fn channel_subscription(
    conn: &mut PgConnection,
    id: i64,
    lock: bool,
) -> Result<Option<ChannelSubscription>> {
    let sql = format!(
        "SELECT * FROM subscribers WHERE id = $1 AND kind IN {CHANNEL_KINDS}{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let Some(row) = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let services = chosen_services(conn, id, &row).await?;
    channel_subscription_from(&row, services)
}
