//! Rate limits in the SQLite store (see `crate::limits` and `auth::limiter`): allowances
//! taken in one statement, and failed sign-ins counted in one transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::SqliteStore;
use crate::auth::limiter::{CountsIt, SignInCounts, SignInKeys};
use crate::limits::{Allowance, millis};
use crate::store::Result;

impl SqliteStore {
    pub(super) async fn take_one(&self, key: &str, a: Allowance, now: i64) -> Result<Option<i64>> {
        // A key whose time has passed is as good as a missing one.
        sqlx::query("DELETE FROM rate_limits WHERE tat < ?")
            .bind(now)
            .execute(&self.pool)
            .await?;
        // GCRA in one statement: the key's time moves on by a period from now or from
        // where it was, whichever is later, unless that would put it more than a burst
        // ahead of now; then it stays, and the request waits until it would not. The
        // right-hand sides all read the row as it was.
        let row = sqlx::query(
            "INSERT INTO rate_limits (key, tat, taken) VALUES (?1, ?2 + ?3, 1)
             ON CONFLICT (key) DO UPDATE SET
                 taken = (max(tat, ?2) + ?3 - ?2 <= ?4),
                 tat = CASE WHEN max(tat, ?2) + ?3 - ?2 <= ?4
                            THEN max(tat, ?2) + ?3 ELSE tat END
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
        sqlx::query("DELETE FROM sign_in_failures WHERE last_at <= ?")
            .bind(now_ms - millis(window))
            .execute(&mut *tx)
            .await?;
        let [pair, client, name] = keys.all();
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT key, count, last_at FROM sign_in_failures WHERE key IN (?, ?, ?)",
        )
        .bind(pair)
        .bind(client)
        .bind(name)
        .fetch_all(&mut *tx)
        .await?;
        let before = keys.counts(&rows);
        if counts_it(&before, now) {
            sqlx::query(
                "INSERT INTO sign_in_failures (key, count, last_at)
                 VALUES (?1, 1, ?4), (?2, 1, ?4), (?3, 1, ?4)
                 ON CONFLICT (key) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
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
        sqlx::query("DELETE FROM sign_in_failures WHERE key = ?")
            .bind(pair)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sign_in_failures SET count = count - 1 WHERE key IN (?, ?)")
            .bind(client)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sign_in_failures WHERE key IN (?, ?) AND count <= 0")
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
    use super::*;
    use crate::limits::checks;

    /// Two pools on one file, as two processes would open it.
    async fn two() -> (tempfile::TempDir, SqliteStore, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let a = SqliteStore::open(dir.path()).await.unwrap();
        let b = SqliteStore::open(dir.path()).await.unwrap();
        (dir, a, b)
    }

    #[tokio::test]
    async fn two_servers_share_one_allowance() {
        let (_dir, a, b) = two().await;
        checks::two_servers_share_one_allowance(&a, &b).await;
    }

    #[tokio::test]
    async fn two_servers_count_the_same_sign_in_failures() {
        let (_dir, a, b) = two().await;
        checks::two_servers_count_the_same_sign_in_failures(&a, &b).await;
    }

    #[tokio::test]
    async fn keys_whose_allowance_is_full_again_are_deleted() {
        let (_dir, a, _b) = two().await;
        let rows = async || -> i64 {
            sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
                .fetch_one(a.pool())
                .await
                .unwrap()
        };
        checks::keys_whose_allowance_is_full_again_are_deleted(&a, rows).await;
    }
}
