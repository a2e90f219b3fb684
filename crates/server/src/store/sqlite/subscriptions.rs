//! Subscribers in the SQLite store: subscribing, confirming, unsubscribing, forgetting
//! unconfirmed addresses, and queueing news for every subscriber it concerns, each in one
//! transaction with what caused it.

use chrono::{DateTime, Duration, Utc};
use sqlx::{Row, Sqlite, Transaction};
use tis_core::Notice;
use tis_core::wire::{NewsCounts, NewsKind, SubscriberRecord, SubscriptionView};

use super::alerts::insert_message;
use super::rows::{audit, select_notices};
use super::{SqliteStore, opt_time, time, ts};
use crate::alerts::outbox::new_message_id;
use crate::store::columns::news_kinds;
use crate::store::{Change, OutboxMessage, Result, SubscriberTally};
use crate::subscriptions::news::{is_maintenance, timed_events};
use crate::subscriptions::{
    self, CONFIRMATIONS_PER_DAY, NewSubscription, News, NewsEvent, Payload, TokenPurpose,
};

const EMAIL: &str = "email";

impl SqliteStore {
    pub(super) async fn add_subscription(
        &self,
        s: &NewSubscription,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let found = sqlx::query(
            "SELECT id, confirmed_at, confirmations_sent, confirmations_since
             FROM subscribers WHERE kind = ? AND address = ?",
        )
        .bind(EMAIL)
        .bind(&s.email)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = found else {
            let id: i64 = sqlx::query(
                "INSERT INTO subscribers (kind, address, all_services, incidents, maintenance,
                     created_at, confirmations_sent, confirmations_since)
                 VALUES (?, ?, ?, ?, ?, ?, 1, ?) RETURNING id",
            )
            .bind(EMAIL)
            .bind(&s.email)
            .bind(s.services.is_empty())
            .bind(s.incidents)
            .bind(s.maintenance)
            .bind(ts(now))
            .bind(ts(now))
            .fetch_one(&mut *tx)
            .await?
            .get("id");
            set_services(&mut tx, id, &s.services).await?;
            queue_to(&mut tx, id, &Payload::Confirm, now).await?;
            tx.commit().await?;
            return Ok(());
        };
        let id: i64 = row.get("id");
        let confirmed = row.get::<Option<String>, _>("confirmed_at").is_some();
        let since = time(row.get("confirmations_since"))?;
        let mut sent: i64 = row.get("confirmations_sent");
        let mut since_text = ts(since);
        if now - since >= Duration::days(1) {
            sent = 0;
            since_text = ts(now);
        }
        if sent >= i64::from(CONFIRMATIONS_PER_DAY) {
            // The same answer as ever goes back; the address is sent nothing more today.
            return Ok(());
        }
        sqlx::query(
            "UPDATE subscribers SET confirmations_sent = ?, confirmations_since = ? WHERE id = ?",
        )
        .bind(sent + 1)
        .bind(since_text)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if confirmed {
            // Whoever asked may not own the address: its choices stay as they are, and
            // its owner is told how to change them.
            queue_to(&mut tx, id, &Payload::AlreadySubscribed, now).await?;
        } else {
            sqlx::query(
                "UPDATE subscribers SET all_services = ?, incidents = ?, maintenance = ? WHERE id = ?",
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
        let row = sqlx::query("SELECT address FROM subscribers WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("address")))
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
             SELECT ?, id, ?, ? FROM subscribers WHERE id = ?",
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
        sqlx::query("UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, ?) WHERE id = ?")
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
        let Some(id) = subscriber_by_token(&mut tx, hash, None).await? else {
            return Ok(None);
        };
        view_of(&mut tx, id).await
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
        let ids: Vec<i64> =
            sqlx::query("SELECT id FROM subscribers WHERE confirmed_at IS NULL AND created_at < ?")
                .bind(ts(before))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.get("id"))
                .collect();
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
    /// other. Other teams' webhooks and channels share the table and are not counted.
    pub(super) async fn count_subscribers(&self) -> Result<SubscriberTally> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT COUNT(confirmed_at) AS confirmed, COUNT(*) - COUNT(confirmed_at) AS unconfirmed
             FROM subscribers WHERE kind = ?",
        )
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?;
        let (confirmed, unconfirmed) = (
            row.get::<i64, _>("confirmed") as u64,
            row.get::<i64, _>("unconfirmed") as u64,
        );
        let waiting: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox o JOIN subscribers s ON o.channel = 'subscriber/' || s.id
             WHERE o.kind = ? AND o.delivered_at IS NULL AND o.gave_up_at IS NULL AND s.kind = ?",
        )
        .bind(subscriptions::KIND)
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?
        .get("n");
        let all = sqlx::query(
            "SELECT COUNT(*) AS subscribers, SUM(incidents) AS incidents, SUM(maintenance) AS maintenance
             FROM subscribers WHERE kind = ? AND confirmed_at IS NOT NULL AND all_services = 1",
        )
        .bind(EMAIL)
        .fetch_one(&mut *tx)
        .await?;
        let by_service = sqlx::query(
            "SELECT ss.service, COUNT(*) AS subscribers, SUM(s.incidents) AS incidents,
                    SUM(s.maintenance) AS maintenance
             FROM subscriber_services ss JOIN subscribers s ON s.id = ss.subscriber
             WHERE s.kind = ? AND s.confirmed_at IS NOT NULL AND s.all_services = 0
             GROUP BY ss.service",
        )
        .bind(EMAIL)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| (r.get::<String, _>("service"), news_counts(r)))
        .collect();
        Ok(SubscriberTally {
            confirmed,
            unconfirmed,
            waiting_messages: waiting as u64,
            all_of_tis: news_counts(&all),
            by_service,
        })
    }

    pub(super) async fn find_by_address(&self, address: &str) -> Result<Option<SubscriberRecord>> {
        let mut tx = self.pool.begin().await?;
        let Some(row) =
            sqlx::query("SELECT id, created_at FROM subscribers WHERE kind = ? AND address = ?")
                .bind(EMAIL)
                .bind(address)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(None);
        };
        let id: i64 = row.get("id");
        let created_at = time(row.get("created_at"))?;
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
    /// messages, and an audit line that names the subscriber by number only: even a hash
    /// of the address would let anyone with the export confirm a guessed address. Other
    /// teams' webhooks and channels are removed on their own page.
    pub(super) async fn remove_by_staff(&self, id: i64, change: Change<'_>) -> Result<Option<u64>> {
        let mut tx = self.write().await?;
        let found = sqlx::query("SELECT 1 FROM subscribers WHERE id = ? AND kind = ?")
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

async fn already_done(
    tx: &mut Transaction<'_, Sqlite>,
    notice: i64,
    event: NewsEvent,
) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM subscription_news_sent WHERE notice = ? AND event = ?")
            .bind(notice)
            .bind(event.memory_word())
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

async fn mark_done(tx: &mut Transaction<'_, Sqlite>, notice: i64, event: NewsEvent) -> Result<()> {
    sqlx::query("INSERT OR IGNORE INTO subscription_news_sent (notice, event) VALUES (?, ?)")
        .bind(notice)
        .bind(event.memory_word())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Queues news of a notice just written (`before`: as it was, if it existed): "published"
/// when planned maintenance is first published, and the time-driven news already past
/// counted as told, so a notice published late does not say "starting soon" after it.
pub(super) async fn queue_notice_news(
    tx: &mut Transaction<'_, Sqlite>,
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
    // Whatever is already due is said by "published" itself. (A notice published within
    // the lead time gets no "starting soon" either: see `queue_due_maintenance`.)
    for (event, due, _) in timed_events(notice, Duration::zero()) {
        if due <= now {
            mark_done(tx, notice.id, event).await?;
        }
    }
    queue_news(
        tx,
        &News::of_maintenance(notice, NewsEvent::MaintenancePublished, now),
        now,
    )
    .await?;
    Ok(())
}

/// Queues `news` for every confirmed subscriber who asked for its kind, of one of its
/// services or of all of TIS: one statement, however many subscribers there are.
pub(super) async fn queue_news(
    tx: &mut Transaction<'_, Sqlite>,
    news: &News,
    now: DateTime<Utc>,
) -> Result<u64> {
    let payload = serde_json::to_string(&Payload::News(news.clone())).unwrap_or_default();
    let services = serde_json::to_string(&news.services).unwrap_or_default();
    let column = match news.event.kind() {
        NewsKind::Incidents => "incidents",
        NewsKind::Maintenance => "maintenance",
    };
    let started = std::time::Instant::now();
    let done = sqlx::query(&format!(
        "INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at)
         SELECT 'msg_' || lower(hex(randomblob(16))), ?1, 'subscriber/' || s.id, ?2, ?3, ?3
         FROM subscribers s
         WHERE s.confirmed_at IS NOT NULL AND s.{column} = 1 AND s.paused_at IS NULL
           AND (s.all_services = 1 OR EXISTS (
                SELECT 1 FROM subscriber_services ss
                WHERE ss.subscriber = s.id
                  AND ss.service IN (SELECT value FROM json_each(?4))))
         ORDER BY s.id"
    ))
    .bind(subscriptions::KIND)
    .bind(payload)
    .bind(ts(now))
    .bind(services)
    .execute(&mut **tx)
    .await?;
    let queued = done.rows_affected();
    if queued > 0 {
        // How long the fan-out holds the write lock: what `cargo xtask bench subscribers`
        // reports as the time to queue.
        tracing::info!(
            subscribers = queued,
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "subscriptions: news queued"
        );
    }
    Ok(queued)
}

async fn queue_to(
    tx: &mut Transaction<'_, Sqlite>,
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
    insert_message(tx, &message, now).await
}

pub(super) async fn set_services(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    services: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM subscriber_services WHERE subscriber = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for service in services {
        sqlx::query(
            "INSERT OR IGNORE INTO subscriber_services (subscriber, service) VALUES (?, ?)",
        )
        .bind(id)
        .bind(service)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn subscriber_by_token(
    tx: &mut Transaction<'_, Sqlite>,
    hash: &str,
    purpose: Option<TokenPurpose>,
) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT subscriber, purpose FROM subscriber_tokens WHERE hash = ?")
        .bind(hash)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row
        .filter(|r| purpose.is_none_or(|p| r.get::<String, _>("purpose") == p.as_str()))
        .map(|r| r.get("subscriber")))
}

/// The services subscriber `id`, read as `row`, chose (none: all of TIS). Email and
/// channel subscribers alike.
pub(super) async fn chosen_services(
    tx: &mut Transaction<'_, Sqlite>,
    id: i64,
    row: &sqlx::sqlite::SqliteRow,
) -> Result<Vec<String>> {
    if row.get::<bool, _>("all_services") {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query(
            "SELECT service FROM subscriber_services WHERE subscriber = ? ORDER BY service",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.get("service"))
        .collect(),
    )
}

async fn view_of(tx: &mut Transaction<'_, Sqlite>, id: i64) -> Result<Option<SubscriptionView>> {
    let Some(row) = sqlx::query("SELECT * FROM subscribers WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(SubscriptionView {
        services: chosen_services(tx, id, &row).await?,
        kinds: news_kinds(&row)?,
        confirmed_at: opt_time(row.get("confirmed_at"))?,
    }))
}

/// Deletes a subscriber with everything about it (its choices and link tokens go with
/// it), and the messages still waiting for it, so that nothing more is sent. Returns the
/// messages dropped.
pub(super) async fn delete_subscriber(tx: &mut Transaction<'_, Sqlite>, id: i64) -> Result<u64> {
    let dropped = sqlx::query(
        "DELETE FROM outbox WHERE kind = ? AND channel = ? AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(subscriptions::KIND)
    .bind(subscriptions::channel(id))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM subscribers WHERE id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(dropped)
}

/// Messages waiting for subscriber `id`.
async fn waiting_for(tx: &mut Transaction<'_, Sqlite>, id: i64) -> Result<u64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM outbox
         WHERE kind = ? AND channel = ? AND delivered_at IS NULL AND gave_up_at IS NULL",
    )
    .bind(subscriptions::KIND)
    .bind(subscriptions::channel(id))
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.get::<i64, _>("n") as u64)
}

fn news_counts(row: &sqlx::sqlite::SqliteRow) -> NewsCounts {
    let n = |column: &str| row.get::<Option<i64>, _>(column).unwrap_or(0) as u64;
    NewsCounts {
        subscribers: n("subscribers"),
        incidents: n("incidents"),
        maintenance: n("maintenance"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tis_core::wire::NoticeInput;
    use tis_core::{Audience, NoticeKind, NoticeSeverity};

    use super::*;
    use crate::store::{Change, Store};

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
            .unwrap()
    }

    fn sam() -> NewSubscription {
        NewSubscription {
            email: "sam.jones@example.nhs.uk".into(),
            services: vec!["bulk-upload".into()],
            incidents: true,
            maintenance: true,
        }
    }

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        (dir, store)
    }

    /// Subscriber messages waiting in the outbox: (channel, payload type or news event).
    async fn queued(store: &SqliteStore) -> Vec<(String, String)> {
        sqlx::query("SELECT channel, payload FROM outbox WHERE kind = 'subscriber' ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let payload: serde_json::Value =
                    serde_json::from_str(&r.get::<String, _>("payload")).unwrap();
                let what = payload["event"]
                    .as_str()
                    .or(payload["type"].as_str())
                    .unwrap_or_default()
                    .to_string();
                (r.get("channel"), what)
            })
            .collect()
    }

    async fn confirm_first(store: &SqliteStore, now: DateTime<Utc>) {
        let id: i64 = sqlx::query("SELECT id FROM subscribers ORDER BY id LIMIT 1")
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get("id");
        store
            .keep_subscriber_token(id, TokenPurpose::Confirm, "hash-of-confirm", now)
            .await
            .unwrap();
        assert!(
            store
                .confirm_by_token("hash-of-confirm", now)
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn an_address_is_sent_at_most_three_confirmations_a_day_however_often_it_is_given() {
        let (_dir, store) = store().await;
        for minute in 0..6 {
            store
                .add_subscription(&sam(), at(1, 10, minute))
                .await
                .unwrap();
        }
        assert_eq!(queued(&store).await.len(), 3, "a mail bomb stops at three");
        store.add_subscription(&sam(), at(2, 10, 1)).await.unwrap();
        assert_eq!(queued(&store).await.len(), 4, "a day later, one more");
        let kept: i64 = sqlx::query("SELECT COUNT(*) AS n FROM subscribers")
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get("n");
        assert_eq!(kept, 1, "one address, kept once");
    }

    #[tokio::test]
    async fn a_confirmed_address_given_again_keeps_its_choices_and_is_told_so() {
        let (_dir, store) = store().await;
        store.add_subscription(&sam(), at(1, 10, 0)).await.unwrap();
        confirm_first(&store, at(1, 10, 5)).await;
        let other = NewSubscription {
            services: Vec::new(),
            maintenance: false,
            ..sam()
        };
        store.add_subscription(&other, at(1, 11, 0)).await.unwrap();
        let kinds: Vec<String> = queued(&store).await.into_iter().map(|(_, k)| k).collect();
        assert_eq!(kinds, ["confirm", "already_subscribed"]);
        let view = store
            .subscription_by_token("hash-of-confirm")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            view.services,
            ["bulk-upload"],
            "not changed by whoever asked"
        );
        assert_eq!(view.kinds, [NewsKind::Incidents, NewsKind::Maintenance]);
    }

    #[tokio::test]
    async fn unconfirmed_addresses_are_forgotten_after_48_hours_and_confirmed_ones_kept() {
        let (_dir, store) = store().await;
        store.add_subscription(&sam(), at(1, 10, 0)).await.unwrap();
        confirm_first(&store, at(1, 10, 5)).await;
        let priya = NewSubscription {
            email: "priya@example.nhs.uk".into(),
            ..sam()
        };
        store.add_subscription(&priya, at(1, 12, 0)).await.unwrap();
        let forget = |now: DateTime<Utc>| store.delete_unconfirmed(now - Duration::hours(48));
        assert_eq!(forget(at(3, 11, 59)).await.unwrap(), 0, "not yet 48 hours");
        assert_eq!(forget(at(3, 12, 1)).await.unwrap(), 1);
        assert_eq!(store.address_of_subscriber(2).await.unwrap(), None);
        assert!(store.address_of_subscriber(1).await.unwrap().is_some());
        let left: Vec<String> = queued(&store).await.into_iter().map(|(c, _)| c).collect();
        assert_eq!(
            left,
            ["subscriber/1"],
            "Priya's waiting confirmation went with her"
        );
    }

    fn maintenance(starts_at: DateTime<Utc>, service: &str) -> NoticeInput {
        NoticeInput {
            title: "Bulk upload upgrade".into(),
            body: "We are upgrading it.".into(),
            kind: NoticeKind::PlannedMaintenance,
            severity: NoticeSeverity::Medium,
            services: vec![service.into()],
            starts_at,
            ends_at: Some(starts_at + Duration::hours(2)),
            audience: Audience::Everyone,
            published: true,
        }
    }

    #[tokio::test]
    async fn planned_maintenance_is_told_when_published_soon_before_when_it_starts_and_ends() {
        let (_dir, store) = store().await;
        store.add_subscription(&sam(), at(1, 9, 0)).await.unwrap();
        confirm_first(&store, at(1, 9, 1)).await;
        let start = at(2, 18, 0);
        let change = Change {
            actor: "support",
            at: at(1, 10, 0),
        };
        store
            .create_notice(&maintenance(start, "bulk-upload"), change.clone())
            .await
            .unwrap();
        store
            .create_notice(&maintenance(start, "esr"), change)
            .await
            .unwrap();
        let lead = Duration::minutes(30);
        for now in [
            at(2, 17, 0),
            at(2, 17, 31),
            at(2, 17, 45),
            at(2, 18, 0),
            at(2, 20, 0),
            at(2, 20, 5),
        ] {
            store.queue_due_maintenance(now, lead).await.unwrap();
        }
        let kinds: Vec<String> = queued(&store).await.into_iter().map(|(_, k)| k).collect();
        assert_eq!(
            kinds,
            [
                "confirm",
                "maintenance_published",
                "maintenance_soon",
                "maintenance_started",
                "maintenance_ended"
            ],
            "each once, and nothing about ESR, which Sam did not choose"
        );
    }

    #[tokio::test]
    async fn news_of_a_stopped_server_is_not_sent_late_once_it_is_no_longer_true() {
        let (_dir, store) = store().await;
        store.add_subscription(&sam(), at(1, 9, 0)).await.unwrap();
        confirm_first(&store, at(1, 9, 1)).await;
        let start = at(2, 18, 0);
        let change = Change {
            actor: "support",
            at: at(1, 10, 0),
        };
        store
            .create_notice(&maintenance(start, "bulk-upload"), change)
            .await
            .unwrap();
        // The server was off from before the start until well after the end.
        store
            .queue_due_maintenance(at(3, 9, 0), Duration::minutes(30))
            .await
            .unwrap();
        let kinds: Vec<String> = queued(&store).await.into_iter().map(|(_, k)| k).collect();
        assert_eq!(kinds, ["confirm", "maintenance_published"]);
    }
}
