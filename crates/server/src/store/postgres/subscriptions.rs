//! Subscribers in the PostgreSQL store: subscribing, confirming, unsubscribing, forgetting
//! unconfirmed addresses, and queueing news for every subscriber it concerns, each in one
//! transaction with what caused it.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use tis_core::Notice;
use tis_core::wire::{NewsCounts, NewsKind, SubscriberRecord, SubscriptionView};

use super::alerts::insert_message;
use super::rows::select_notices;
use super::{PgStore, audit, lock, ts};
use crate::alerts::outbox::new_message_id;
use crate::store::columns::{Columns, news_kinds};
use crate::store::{Change, OutboxMessage, Result, SubscriberTally};
use crate::subscriptions::news::{is_maintenance, timed_events};
use crate::subscriptions::{
    self, CONFIRMATIONS_PER_DAY, NewSubscription, News, NewsEvent, Payload, TokenPurpose,
};

const EMAIL: &str = "email";

impl PgStore {
    pub(super) async fn add_subscription(
        &self,
        s: &NewSubscription,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        // The address may not be stored yet, so no row lock can cover the first look:
        // two requests for one address on two replicas take turns on its name instead.
        lock(&mut tx, &format!("subscriber/{EMAIL}/{}", s.email)).await?;
        let found = sqlx::query(
            "SELECT id, confirmed_at, confirmations_sent, confirmations_since
             FROM subscribers WHERE kind = $1 AND address = $2",
        )
        .bind(EMAIL)
        .bind(&s.email)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = found else {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO subscribers (kind, address, all_services, incidents, maintenance,
                     created_at, confirmations_sent, confirmations_since)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $6) RETURNING id",
            )
            .bind(EMAIL)
            .bind(&s.email)
            .bind(s.services.is_empty())
            .bind(s.incidents)
            .bind(s.maintenance)
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await?;
            set_services(&mut tx, id, &s.services).await?;
            queue_to(&mut tx, id, &Payload::Confirm, now).await?;
            tx.commit().await?;
            return Ok(());
        };
        let id = row.int("id")?;
        let confirmed = row.opt_time("confirmed_at")?.is_some();
        let mut since = row.time("confirmations_since")?;
        let mut sent = row.int("confirmations_sent")?;
        if now - since >= Duration::days(1) {
            sent = 0;
            since = now;
        }
        if sent >= i64::from(CONFIRMATIONS_PER_DAY) {
            // The same answer as ever goes back; the address is sent nothing more today.
            return Ok(());
        }
        sqlx::query(
            "UPDATE subscribers SET confirmations_sent = $1, confirmations_since = $2
             WHERE id = $3",
        )
        .bind(sent + 1)
        .bind(ts(since))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if confirmed {
            // Whoever asked may not own the address: its choices stay as they are, and
            // its owner is told how to change them.
            queue_to(&mut tx, id, &Payload::AlreadySubscribed, now).await?;
        } else {
            sqlx::query(
                "UPDATE subscribers SET all_services = $1, incidents = $2, maintenance = $3
                 WHERE id = $4",
            )
            .bind(s.services.is_empty())
            .bind(s.incidents)
            .bind(s.maintenance)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            set_services(&mut tx, id, &s.services).await?;
            queue_to(&mut tx, id, &Payload::Confirm, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn address_of_subscriber(&self, id: i64) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT address FROM subscribers WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Keeps the hash of a new link token; `false` when the subscriber has gone.
    pub(super) async fn keep_subscriber_token(
        &self,
        id: i64,
        purpose: TokenPurpose,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO subscriber_tokens (hash, subscriber, purpose, created_at)
             SELECT $1, id, $2, $3 FROM subscribers WHERE id = $4",
        )
        .bind(hash)
        .bind(purpose.as_str())
        .bind(ts(now))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn confirm_by_token(
        &self,
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SubscriptionView>> {
        let mut tx = self.write().await?;
        let Some(id) = subscriber_by_token(&mut tx, hash, Some(TokenPurpose::Confirm)).await?
        else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, $1) WHERE id = $2",
        )
        .bind(ts(now))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let view = view_of(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub(super) async fn subscription_by_token(
        &self,
        hash: &str,
    ) -> Result<Option<SubscriptionView>> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let Some(id) = subscriber_by_token(&mut tx, hash, None).await? else {
            return Ok(None);
        };
        let view = view_of(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    pub(super) async fn delete_by_token(&self, hash: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        let Some(id) = subscriber_by_token(&mut tx, hash, None).await? else {
            return Ok(false);
        };
        delete_subscriber(&mut tx, id).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn delete_unconfirmed(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM subscribers WHERE confirmed_at IS NULL AND created_at < $1
             FOR UPDATE",
        )
        .bind(ts(before))
        .fetch_all(&mut *tx)
        .await?;
        for id in &ids {
            delete_subscriber(&mut tx, *id).await?;
        }
        tx.commit().await?;
        Ok(ids.len() as u64)
    }

    pub(super) async fn queue_due_maintenance(
        &self,
        now: DateTime<Utc>,
        lead: Duration,
    ) -> Result<u64> {
        let mut tx = self.write().await?;
        // Every replica looks; the lock makes the second look find what the first marked
        // done, so each piece of news is queued once.
        lock(&mut tx, "subscriptions.maintenance-news").await?;
        let notices = select_notices(&mut tx).await?;
        let mut queued = 0;
        for notice in notices.iter().filter(|n| is_maintenance(n)) {
            for (event, due, still_news) in timed_events(notice, lead) {
                if now < due || already_done(&mut tx, notice.id, event).await? {
                    continue;
                }
                mark_done(&mut tx, notice.id, event).await?;
                // Published (or last changed) within the lead time: "published" said it.
                let said = event == NewsEvent::MaintenanceSoon && notice.updated_at >= due;
                // Told late (the server was stopped) only while it is still true.
                if now < still_news && !said {
                    queued +=
                        queue_news(&mut tx, &News::of_maintenance(notice, event, now), now).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Every count of email subscribers in one read transaction, so they agree with each
    /// other (REPEATABLE READ: one snapshot for all its statements). Other teams' webhooks
    /// and channels share the table and are not counted.
    pub(super) async fn count_subscribers(&self) -> Result<SubscriberTally> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let (confirmed, unconfirmed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(confirmed_at), COUNT(*) - COUNT(confirmed_at)
             FROM subscribers WHERE kind = $1",
        )
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox o JOIN subscribers s ON o.channel = 'subscriber/' || s.id
             WHERE o.kind = $1 AND o.delivered_at IS NULL AND o.gave_up_at IS NULL AND s.kind = $2",
        )
        .bind(subscriptions::KIND)
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?;
        let all = sqlx::query(
            "SELECT COUNT(*) AS subscribers, COUNT(*) FILTER (WHERE incidents) AS incidents,
                    COUNT(*) FILTER (WHERE maintenance) AS maintenance
             FROM subscribers WHERE kind = $1 AND confirmed_at IS NOT NULL AND all_services",
        )
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?;
        let by_service = sqlx::query(
            "SELECT ss.service, COUNT(*) AS subscribers,
                    COUNT(*) FILTER (WHERE s.incidents) AS incidents,
                    COUNT(*) FILTER (WHERE s.maintenance) AS maintenance
             FROM subscriber_services ss JOIN subscribers s ON s.id = ss.subscriber
             WHERE s.kind = $1 AND s.confirmed_at IS NOT NULL AND NOT s.all_services
             GROUP BY ss.service",
        )
        .bind(EMAIL)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.text("service")?, news_counts(r)?)))
        .collect::<Result<_>>()?;
        Ok(SubscriberTally {
            confirmed: confirmed as u64,
            unconfirmed: unconfirmed as u64,
            waiting_messages: waiting as u64,
            all_of_tis: news_counts(&all)?,
            by_service,
        })
    }

    pub(super) async fn find_by_address(&self, address: &str) -> Result<Option<SubscriberRecord>> {
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            sqlx::query("SELECT id, created_at FROM subscribers WHERE kind = $1 AND address = $2")
                .bind(EMAIL)
                .bind(address)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let id = row.int("id")?;
        let created_at = row.time("created_at")?;
        let Some(view) = view_of(&mut tx, id).await? else {
            return Ok(None);
        };
        Ok(Some(SubscriberRecord {
            id,
            created_at,
            confirmed_at: view.confirmed_at,
            services: view.services,
            kinds: view.kinds,
            waiting_messages: waiting_for(&mut tx, id).await?,
        }))
    }

    /// Removes email subscriber `id` for a member of staff: with its tokens and waiting
    /// messages, and an audit line that names the subscriber by number only (see the
    /// SQLite store).
    pub(super) async fn remove_by_staff(&self, id: i64, change: Change<'_>) -> Result<Option<u64>> {
        let mut tx = self.write().await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM subscribers WHERE id = $1 AND kind = $2 FOR UPDATE")
                .bind(id)
                .bind(EMAIL)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Ok(None);
        }
        let dropped = delete_subscriber(&mut tx, id).await?;
        audit(
            &mut tx,
            &change,
            "subscriber.remove",
            &subscriptions::channel(id),
            &format!("{dropped} waiting messages dropped"),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(dropped))
    }
}

async fn already_done(conn: &mut PgConnection, notice: i64, event: NewsEvent) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i32>(
        "SELECT 1 FROM subscription_news_sent WHERE notice = $1 AND event = $2",
    )
    .bind(notice)
    .bind(event.memory_word())
    .fetch_optional(conn)
    .await?
    .is_some())
}

async fn mark_done(conn: &mut PgConnection, notice: i64, event: NewsEvent) -> Result<()> {
    sqlx::query(
        "INSERT INTO subscription_news_sent (notice, event) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind(notice)
    .bind(event.memory_word())
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues news of a notice just written (`before`: as it was, if it existed), as the
/// SQLite store does: "published" when planned maintenance is first published, and the
/// time-driven news already past counted as told.
pub(super) async fn queue_notice_news(
    conn: &mut PgConnection,
    before: Option<&Notice>,
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<()> {
    if !is_maintenance(notice) || before.is_some_and(is_maintenance) {
        return Ok(());
    }
    if notice.ends_at.is_some_and(|end| end <= now) {
        return Ok(());
    }
    for (event, due, _) in timed_events(notice, Duration::zero()) {
        if due <= now {
            mark_done(conn, notice.id, event).await?;
        }
    }
    queue_news(
        conn,
        &News::of_maintenance(notice, NewsEvent::MaintenancePublished, now),
        now,
    )
    .await?;
    Ok(())
}

/// Queues `news` for every confirmed subscriber who asked for its kind, of one of its
/// services or of all of TIS: one statement, however many subscribers there are.
pub(super) async fn queue_news(
    conn: &mut PgConnection,
    news: &News,
    now: DateTime<Utc>,
) -> Result<u64> {
    let payload = serde_json::to_string(&Payload::News(news.clone())).unwrap_or_default();
    let column = match news.event.kind() {
        NewsKind::Incidents => "incidents",
        NewsKind::Maintenance => "maintenance",
    };
    // A message id of the same shape as `new_message_id`'s: 32 random hex digits.
    let done = sqlx::query(&format!(
        "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
         SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), $1,
                'subscriber/' || s.id, $2, $3, $3
         FROM subscribers s
         WHERE s.confirmed_at IS NOT NULL AND s.{column} AND s.paused_at IS NULL
           AND (s.all_services OR EXISTS (
                SELECT 1 FROM subscriber_services ss
                WHERE ss.subscriber = s.id AND ss.service = ANY($4)))
         ORDER BY s.id"
    ))
    .bind(subscriptions::KIND)
    .bind(payload)
    .bind(ts(now))
    .bind(&news.services)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn queue_to(
    conn: &mut PgConnection,
    id: i64,
    payload: &Payload,
    now: DateTime<Utc>,
) -> Result<()> {
    let message = OutboxMessage {
        message_id: new_message_id(),
        kind: subscriptions::KIND.into(),
        channel: subscriptions::channel(id),
        payload: serde_json::to_string(payload).unwrap_or_default(),
    };
    insert_message(conn, &message, now).await
}

pub(super) async fn set_services(
    conn: &mut PgConnection,
    id: i64,
    services: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM subscriber_services WHERE subscriber = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO subscriber_services (subscriber, service)
         SELECT $1, service FROM unnest($2::text[]) AS service
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(services)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn subscriber_by_token(
    conn: &mut PgConnection,
    hash: &str,
    purpose: Option<TokenPurpose>,
) -> Result<Option<i64>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT subscriber, purpose FROM subscriber_tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(conn)
            .await?;
    Ok(row
        .filter(|(_, p)| purpose.is_none_or(|want| p == want.as_str()))
        .map(|(id, _)| id))
}

async fn view_of(conn: &mut PgConnection, id: i64) -> Result<Option<SubscriptionView>> {
    let Some(row) = sqlx::query("SELECT * FROM subscribers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SubscriptionView {
        services: chosen_services(conn, id, &row).await?,
        kinds: news_kinds(&row)?,
        confirmed_at: row.opt_time("confirmed_at")?,
    }))
}

/// The services subscriber `id`, read as `row`, chose (none: all of TIS). Email and
/// channel subscribers alike.
pub(super) async fn chosen_services(
    conn: &mut PgConnection,
    id: i64,
    row: &sqlx::postgres::PgRow,
) -> Result<Vec<String>> {
    if row.flag("all_services")? {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(
        "SELECT service FROM subscriber_services WHERE subscriber = $1 ORDER BY service",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Deletes a subscriber with everything about it (its choices and link tokens go with
/// it), and the messages still waiting for it, so that nothing more is sent. Returns the
/// messages dropped.
pub(super) async fn delete_subscriber(conn: &mut PgConnection, id: i64) -> Result<u64> {
    let dropped = sqlx::query(
        "DELETE FROM outbox WHERE kind = $1 AND channel = $2
           AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(subscriptions::KIND)
    .bind(subscriptions::channel(id))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM subscribers WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(dropped)
}

/// Messages waiting for subscriber `id`.
async fn waiting_for(conn: &mut PgConnection, id: i64) -> Result<u64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox
         WHERE kind = $1 AND channel = $2 AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(subscriptions::KIND)
    .bind(subscriptions::channel(id))
    .fetch_one(conn)
    .await?;
    Ok(n as u64)
}

fn news_counts(row: &sqlx::postgres::PgRow) -> Result<NewsCounts> {
    Ok(NewsCounts {
        subscribers: row.int("subscribers")? as u64,
        incidents: row.int("incidents")? as u64,
        maintenance: row.int("maintenance")? as u64,
    })
}
