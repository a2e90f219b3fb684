//! Webhook, Teams and Slack subscriptions in the SQLite store: made, listed, tried and
//! removed by admins, each with its audit line in the same transaction; status changes
//! queued for those that asked, in the transaction that records the change; and how
//! delivery to each went, so that one that keeps failing is paused.

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};
use tis_core::StatusChange;
use tis_core::wire::{ChannelSubscription, NewsKind, SubscriptionChannel};

use super::alerts::insert_message;
use super::rows::{audit, commit_audited};
use super::subscriptions::{chosen_services, delete_subscriber, set_services};
use super::{SqliteStore, ts};
use crate::alerts::outbox::new_message_id;
use crate::store::{Change, OutboxMessage, Result};
use crate::subscriptions::hooks::{Hook, NewHook};
use crate::subscriptions::{self, Payload, StatusNews};

/// The kinds that are channel subscriptions, for `IN (…)`.
const CHANNEL_KINDS: &str = "('webhook', 'teams', 'slack')";

impl SqliteStore {
    pub(super) async fn insert_channel_subscription(
        &self,
        hook: &NewHook,
        change: Change<'_>,
    ) -> Result<Option<ChannelSubscription>> {
        let mut tx = self.write().await?;
        let taken = sqlx::query("SELECT 1 FROM subscribers WHERE kind = ? AND address = ?")
            .bind(hook.kind.as_str())
            .bind(&hook.url)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            return Ok(None);
        }
        let now = ts(change.at);
        let id: i64 = sqlx::query(
            "INSERT INTO subscribers (kind, address, all_services, incidents, maintenance,
                 status_changes, name, secret, created_by, created_at, confirmed_at,
                 confirmations_since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?10) RETURNING id",
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
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .get("id");
        set_services(&mut tx, id, &hook.services).await?;
        let made = channel_subscription(&mut tx, id).await?;
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
        let mut tx = self.pool.begin().await?;
        let ids: Vec<i64> = sqlx::query(&format!(
            "SELECT id FROM subscribers WHERE kind IN {CHANNEL_KINDS} ORDER BY id"
        ))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(channel_subscription(&mut tx, id).await?);
        }
        Ok(out)
    }

    pub(super) async fn delete_channel_subscription(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<ChannelSubscription>> {
        let mut tx = self.write().await?;
        let Some(found) = channel_subscription(&mut tx, id).await? else {
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
        let Some(found) = channel_subscription(&mut tx, id).await? else {
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
            "SELECT kind, address, secret FROM subscribers WHERE id = ? AND kind IN {CHANNEL_KINDS}"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.and_then(|r| {
            Some(Hook {
                kind: SubscriptionChannel::parse(r.get("kind"))?,
                url: r.get("address"),
                secret: r.get("secret"),
            })
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
                    "UPDATE subscribers SET last_delivered_at = ?, last_error = NULL,
                         paused_at = NULL WHERE id = ?",
                )
                .bind(ts(at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Some(error) => {
                sqlx::query(
                    "UPDATE subscribers SET last_error = ?1,
                         paused_at = CASE WHEN ?2 THEN COALESCE(paused_at, ?3) ELSE paused_at END
                     WHERE id = ?4",
                )
                .bind(error)
                .bind(gave_up)
                .bind(ts(at))
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if gave_up {
                    // Paused: what still waits for it would fail as long, and be stale
                    // by the time it is resumed.
                    sqlx::query(
                        "DELETE FROM outbox WHERE kind = ? AND channel = ?
                         AND delivered_at IS NULL AND gave_up_at IS NULL
                         AND (claimed_until IS NULL OR claimed_until < ?)",
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
    tx: &mut Transaction<'_, Sqlite>,
    changes: &[StatusChange],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut queued = 0;
    for change in changes {
        let payload =
            serde_json::to_string(&Payload::Status(StatusNews::of(change))).unwrap_or_default();
        let done = sqlx::query(
            "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
             SELECT 'msg_' || lower(hex(randomblob(16))), ?1, 'subscriber/' || s.id, ?2, ?3, ?3
             FROM subscribers s
             WHERE s.status_changes = 1 AND s.confirmed_at IS NOT NULL AND s.paused_at IS NULL
               AND (s.all_services = 1 OR EXISTS (
                    SELECT 1 FROM subscriber_services ss
                    WHERE ss.subscriber = s.id AND ss.service = ?4))
             ORDER BY s.id",
        )
        .bind(subscriptions::KIND)
        .bind(payload)
        .bind(ts(now))
        .bind(&change.service)
        .execute(&mut **tx)
        .await?;
        queued += done.rows_affected();
    }
    Ok(queued)
}

async fn channel_subscription(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
) -> Result<Option<ChannelSubscription>> {
    let Some(row) = sqlx::query(&format!(
        "SELECT * FROM subscribers WHERE id = ? AND kind IN {CHANNEL_KINDS}"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let services = chosen_services(tx, id, &row).await?;
    crate::store::columns::channel_subscription_from(&row, services)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tis_core::Status;

    use super::*;
    use crate::store::Store;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, minute, 0).unwrap()
    }

    fn esr_hook() -> NewHook {
        NewHook {
            kind: SubscriptionChannel::Webhook,
            name: "ESR team's system".into(),
            url: "https://esr.example/hooks/tis?code=secret".into(),
            services: vec!["esr".into()],
            kinds: vec![NewsKind::Incidents],
            status_changes: true,
            secret: Some("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into()),
        }
    }

    fn esr_down(minute: u32) -> StatusChange {
        StatusChange {
            service: "esr".into(),
            at: at(minute),
            from: Status::Operational,
            to: Status::MajorOutage,
            reason: None,
            detail: "connect: 10.0.0.7:443 refused".into(),
        }
    }

    async fn waiting(store: &SqliteStore) -> Vec<String> {
        sqlx::query(
            "SELECT payload FROM outbox WHERE kind = 'subscriber' AND delivered_at IS NULL ORDER BY id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("payload"))
        .collect()
    }

    async fn record(store: &SqliteStore, changes: &[StatusChange]) {
        let decide: crate::store::AlertDecider = Box::new(|_| crate::store::AlertPlan::default());
        store
            .record_status_and_alerts(changes, decide)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_status_change_is_queued_with_its_public_words_for_those_who_asked_and_a_paused_one_gets_nothing()
     {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let change = Change {
            actor: "admin",
            at: at(0),
        };
        let made = store
            .add_channel_subscription(&esr_hook(), change.clone())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(made.url, "https://esr.example/…");
        assert!(
            store
                .add_channel_subscription(&esr_hook(), change)
                .await
                .unwrap()
                .is_none(),
            "one URL once"
        );

        let bulk = StatusChange {
            service: "bulk-upload".into(),
            ..esr_down(1)
        };
        record(&store, &[esr_down(1), bulk]).await;
        let queued = waiting(&store).await;
        assert_eq!(queued.len(), 1, "ESR only: {queued:?}");
        assert!(queued[0].contains("major_outage"));
        assert!(
            !queued[0].contains("10.0.0.7"),
            "what the check said stays with staff"
        );

        // A message failed every try: paused, and what waited for it dropped.
        store
            .hook_outcome(made.id, Some("esr.example did not answer"), true, at(2))
            .await
            .unwrap();
        assert!(waiting(&store).await.is_empty());
        record(&store, &[esr_down(3)]).await;
        assert!(waiting(&store).await.is_empty(), "paused: nothing queued");
        let listed = store.channel_subscriptions().await.unwrap();
        assert_eq!(listed[0].paused_at, Some(at(2)));
        assert_eq!(
            listed[0].last_error.as_deref(),
            Some("esr.example did not answer")
        );

        // A test message that arrives resumes it.
        store
            .test_channel_subscription(
                made.id,
                Change {
                    actor: "admin",
                    at: at(4),
                },
            )
            .await
            .unwrap()
            .unwrap();
        store
            .hook_outcome(made.id, None, false, at(5))
            .await
            .unwrap();
        let listed = store.channel_subscriptions().await.unwrap();
        assert_eq!(listed[0].paused_at, None);
        assert_eq!(listed[0].last_delivered_at, Some(at(5)));
        assert_eq!(listed[0].last_error, None);

        // The audit log names it, never its URL or secret.
        let log = store.audit_log(10).await.unwrap();
        let text = format!("{log:?}");
        assert!(text.contains("subscription.add") && text.contains("ESR team's system"));
        assert!(
            !text.contains("code=secret") && !text.contains("whsec_"),
            "{text}"
        );
    }
}
