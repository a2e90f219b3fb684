//! Heartbeats in the PostgreSQL store: each heartbeat's token (by hash), the job's reports,
//! and the probe results written from them. Each read-then-write holds the heartbeat's
//! own lock, so reports reaching two replicas at once are judged one after the other.

use sqlx::PgConnection;
use tis_core::{HeartbeatPing, ProbeResult};

use super::{PgStore, audit, enum_text, insert_result, lock, result_from, ts};
use crate::store::columns::ping_from;
use crate::store::{Change, HeartbeatDecider, HeartbeatJudge, HeartbeatRecord, NewPing, Result};

/// Reports kept per heartbeat, as in the SQLite store.
const PINGS_KEPT: i64 = 100;

fn lock_name(probe: &str) -> String {
    format!("heartbeat/{probe}")
}

impl PgStore {
    pub(super) async fn put_heartbeat_token(
        &self,
        probe: &str,
        token_hash: &str,
        change: Change<'_>,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        lock(&mut tx, &lock_name(probe)).await?;
        let replaced = sqlx::query("DELETE FROM heartbeat_tokens WHERE probe = $1")
            .bind(probe)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        sqlx::query(
            "INSERT INTO heartbeat_tokens (probe, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(probe)
        .bind(token_hash)
        .bind(ts(change.at))
        .execute(&mut *tx)
        .await?;
        let action = if replaced {
            "heartbeat_token.rotate"
        } else {
            "heartbeat_token.create"
        };
        audit(&mut tx, &change, action, probe, "").await?;
        tx.commit().await?;
        Ok(replaced)
    }

    pub(super) async fn add_ping(
        &self,
        ping: NewPing<'_>,
        decide: HeartbeatDecider,
    ) -> Result<Option<(HeartbeatPing, ProbeResult)>> {
        let mut tx = self.write().await?;
        lock(&mut tx, &lock_name(ping.probe)).await?;
        let stored: Option<String> =
            sqlx::query_scalar("SELECT token_hash FROM heartbeat_tokens WHERE probe = $1")
                .bind(ping.probe)
                .fetch_optional(&mut *tx)
                .await?;
        // Both sides are SHA-256 hex of a secret, so comparing them leaks nothing about
        // the secret; a wrong token writes nothing.
        if stored.as_deref() != Some(ping.token_hash) {
            return Ok(None);
        }
        let before = read_record(&mut tx, ping.probe).await?;
        let run_ms = crate::store::run_ms(&ping, &before);
        sqlx::query(
            "INSERT INTO heartbeat_pings (probe, kind, at, message, run_ms)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ping.probe)
        .bind(enum_text(&ping.kind))
        .bind(ts(ping.at))
        .bind(ping.message)
        .bind(run_ms.and_then(|ms| i64::try_from(ms).ok()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM heartbeat_pings WHERE probe = $1 AND id NOT IN
             (SELECT id FROM heartbeat_pings WHERE probe = $1 ORDER BY id DESC LIMIT $2)",
        )
        .bind(ping.probe)
        .bind(PINGS_KEPT)
        .execute(&mut *tx)
        .await?;
        let after = read_record(&mut tx, ping.probe).await?;
        let result = decide(&after);
        insert_result(&mut tx, &result).await?;
        tx.commit().await?;
        let stored = HeartbeatPing {
            at: ts(ping.at),
            kind: ping.kind,
            message: ping.message.to_string(),
            run_ms,
        };
        Ok(Some((stored, result)))
    }

    pub(super) async fn judge_heartbeat(
        &self,
        probe: &str,
        judge: HeartbeatJudge,
    ) -> Result<Option<ProbeResult>> {
        let mut tx = self.write().await?;
        lock(&mut tx, &lock_name(probe)).await?;
        let now = read_record(&mut tx, probe).await?;
        let last = sqlx::query(
            "SELECT * FROM probe_results WHERE probe = $1 ORDER BY at DESC, id DESC LIMIT 1",
        )
        .bind(probe)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(result_from)
        .transpose()?;
        let written = judge(&now, last.as_ref());
        if let Some(result) = &written {
            insert_result(&mut tx, result).await?;
        }
        tx.commit().await?;
        Ok(written)
    }

    pub(super) async fn read_heartbeat(&self, probe: &str) -> Result<HeartbeatRecord> {
        let mut conn = self.pool.acquire().await?;
        read_record(&mut conn, probe).await
    }
}

async fn read_record(conn: &mut PgConnection, probe: &str) -> Result<HeartbeatRecord> {
    let token_since =
        sqlx::query_scalar("SELECT created_at FROM heartbeat_tokens WHERE probe = $1")
            .bind(probe)
            .fetch_optional(&mut *conn)
            .await?;
    let rows =
        sqlx::query("SELECT * FROM heartbeat_pings WHERE probe = $1 ORDER BY id DESC LIMIT $2")
            .bind(probe)
            .bind(PINGS_KEPT)
            .fetch_all(&mut *conn)
            .await?;
    Ok(HeartbeatRecord {
        token_since,
        pings: rows.iter().map(ping_from).collect::<Result<_>>()?,
    })
}
