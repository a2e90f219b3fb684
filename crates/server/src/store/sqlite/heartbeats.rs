//! Heartbeats in the SQLite store: each heartbeat's token (by hash), the job's reports,
//! and the probe results the server writes down from them, each read and write in one
//! transaction.

use sqlx::{Sqlite, Transaction};
use tis_core::{HeartbeatPing, ProbeResult};

use super::{SqliteStore, audit, enum_text, insert_result, opt_time, ping_from, result_from, ts};
use crate::store::{Change, HeartbeatDecider, HeartbeatJudge, HeartbeatRecord, NewPing, Result};

/// Reports kept per heartbeat: enough for a few weeks of a nightly job's start and end,
/// and for staff to see a pattern, while one probe's table stays small.
pub const PINGS_KEPT: u32 = 100;

impl SqliteStore {
    pub(super) async fn put_heartbeat_token(
        &self,
        probe: &str,
        token_hash: &str,
        change: Change<'_>,
    ) -> Result<bool> {
        let mut tx = self.write().await?;
        let replaced = sqlx::query("DELETE FROM heartbeat_tokens WHERE probe = ?")
            .bind(probe)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            > 0;
        sqlx::query(
            "INSERT INTO heartbeat_tokens (probe, token_hash, created_at) VALUES (?, ?, ?)",
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
        let stored: Option<String> =
            sqlx::query_scalar("SELECT token_hash FROM heartbeat_tokens WHERE probe = ?")
                .bind(ping.probe)
                .fetch_optional(&mut *tx)
                .await?;
        // Both sides are SHA-256 hex of a secret, so comparing them leaks nothing about
        // the secret; a wrong token writes nothing.
        if stored.as_deref() != Some(ping.token_hash) {
            return Ok(None);
        }
        let before = record(&mut tx, ping.probe).await?;
        let run_ms = crate::store::run_ms(&ping, &before);
        sqlx::query(
            "INSERT INTO heartbeat_pings (probe, kind, at, message, run_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(ping.probe)
        .bind(enum_text(&ping.kind))
        .bind(ts(ping.at))
        .bind(ping.message)
        .bind(run_ms.and_then(|ms| i64::try_from(ms).ok()))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM heartbeat_pings WHERE probe = ? AND id NOT IN
             (SELECT id FROM heartbeat_pings WHERE probe = ? ORDER BY id DESC LIMIT ?)",
        )
        .bind(ping.probe)
        .bind(ping.probe)
        .bind(PINGS_KEPT)
        .execute(&mut *tx)
        .await?;
        let after = record(&mut tx, ping.probe).await?;
        let result = decide(&after);
        insert_result(&mut tx, &result).await?;
        tx.commit().await?;
        let stored = HeartbeatPing {
            at: ping.at,
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
        let now = record(&mut tx, probe).await?;
        let last = sqlx::query(
            "SELECT * FROM probe_results WHERE probe = ? ORDER BY at DESC, id DESC LIMIT 1",
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

async fn record(tx: &mut Transaction<'_, Sqlite>, probe: &str) -> Result<HeartbeatRecord> {
    read_record(tx, probe).await
}

async fn read_record(conn: &mut sqlx::SqliteConnection, probe: &str) -> Result<HeartbeatRecord> {
    let token_since: Option<String> =
        sqlx::query_scalar("SELECT created_at FROM heartbeat_tokens WHERE probe = ?")
            .bind(probe)
            .fetch_optional(&mut *conn)
            .await?;
    let rows =
        sqlx::query("SELECT * FROM heartbeat_pings WHERE probe = ? ORDER BY id DESC LIMIT ?")
            .bind(probe)
            .bind(PINGS_KEPT)
            .fetch_all(&mut *conn)
            .await?;
    Ok(HeartbeatRecord {
        token_since: opt_time(token_since)?,
        pings: rows.iter().map(ping_from).collect::<Result<_>>()?,
    })
}
