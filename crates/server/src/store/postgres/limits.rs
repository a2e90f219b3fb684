//! Rate limits in the PostgreSQL store (see `crate::limits` and `auth::limiter`), shared
//! by every replica: allowances taken in one statement, and failed sign-ins counted in
//! one transaction under one advisory lock.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{PgStore, lock};
use crate::auth::limiter::{CountsIt, SignInCounts, SignInKeys};
use crate::limits::{Allowance, millis};
use crate::store::Result;

/// The advisory lock of the sign-in counts: the decision reads rows that may not exist
/// yet, so `FOR UPDATE` cannot hold them, and two replicas must not both let through the
/// last free attempt. Each holder keeps it for a few short statements.
const SIGN_IN_LOCK: &str = "sign_in_failures";

impl PgStore {
    pub(super) async fn take_one(&self, key: &str, a: Allowance, now: i64) -> Result<Option<i64>> {
        // A key whose time has passed is as good as a missing one. Rows another replica
        // holds are skipped (they are being taken now), so that no replica waits here.
        sqlx::query(
            "DELETE FROM rate_limits WHERE key IN
                 (SELECT key FROM rate_limits WHERE tat < $1 FOR UPDATE SKIP LOCKED)",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        // GCRA in one statement (see the SQLite store's): the upsert locks the key's row,
        // so a second replica's statement waits and then reads the first one's time.
        let row = sqlx::query(
            "INSERT INTO rate_limits AS r (key, tat, taken) VALUES ($1, $2 + $3, true)
             ON CONFLICT (key) DO UPDATE SET
                 taken = (GREATEST(r.tat, $2) + $3 - $2 <= $4),
                 tat = CASE WHEN GREATEST(r.tat, $2) + $3 - $2 <= $4
                            THEN GREATEST(r.tat, $2) + $3 ELSE r.tat END
             RETURNING tat, taken",
        )
        .bind(key)
        .bind(now)
        .bind(a.every_ms)
        .bind(a.ahead_ms)
        .fetch_one(&self.pool)
        .await?;
        let (tat, taken): (i64, bool) = (row.get("tat"), row.get("taken"));
        Ok((!taken).then(|| tat + a.every_ms - now - a.ahead_ms))
    }

    pub(super) async fn count_failure(
        &self,
        keys: &SignInKeys,
        now: DateTime<Utc>,
        window: std::time::Duration,
        counts_it: CountsIt,
    ) -> Result<SignInCounts> {
        let now_ms = now.timestamp_millis();
        let mut tx = self.write().await?;
        lock(&mut tx, SIGN_IN_LOCK).await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE last_at <= $1")
            .bind(now_ms - millis(window))
            .execute(&mut *tx)
            .await?;
        let [pair, client, name] = keys.all();
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT key, count, last_at FROM sign_in_failures WHERE key IN ($1, $2, $3)",
        )
        .bind(pair)
        .bind(client)
        .bind(name)
        .fetch_all(&mut *tx)
        .await?;
        let before = keys.counts(&rows);
        if counts_it(&before, now) {
            sqlx::query(
                "INSERT INTO sign_in_failures AS f (key, count, last_at)
                 VALUES ($1, 1, $4), ($2, 1, $4), ($3, 1, $4)
                 ON CONFLICT (key) DO UPDATE SET count = f.count + 1, last_at = excluded.last_at",
            )
            .bind(pair)
            .bind(client)
            .bind(name)
            .bind(now_ms)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(before)
    }

    pub(super) async fn forget_failure(&self, keys: &SignInKeys) -> Result<()> {
        let [pair, client, name] = keys.all();
        let mut tx = self.write().await?;
        lock(&mut tx, SIGN_IN_LOCK).await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE key = $1")
            .bind(pair)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sign_in_failures SET count = count - 1 WHERE key IN ($1, $2)")
            .bind(client)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE key IN ($1, $2) AND count <= 0")
            .bind(client)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::database;
    use super::*;
    use crate::limits::checks;

    /// Two replicas: two stores with pools of their own on one database.
    #[tokio::test]
    async fn two_replicas_share_one_allowance() {
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        checks::two_servers_share_one_allowance(&a, &b).await;
    }

    #[tokio::test]
    async fn two_replicas_count_the_same_sign_in_failures() {
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let b = PgStore::open(&url, None).await.unwrap();
        checks::two_servers_count_the_same_sign_in_failures(&a, &b).await;
    }

    #[tokio::test]
    async fn keys_whose_allowance_is_full_again_are_deleted() {
        let (_server, url) = database().await;
        let a = PgStore::open(&url, None).await.unwrap();
        let rows = async || -> i64 {
            sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
                .fetch_one(a.pool())
                .await
                .unwrap()
        };
        checks::keys_whose_allowance_is_full_again_are_deleted(&a, rows).await;
    }
}
