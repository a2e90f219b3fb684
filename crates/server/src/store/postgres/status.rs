//! Status changes in the PostgreSQL store: when a service went into or out of trouble.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tis_core::StatusChange;

use super::{PgStore, enum_text, ts};
use crate::store::Result;
use crate::store::columns::change_from;

impl PgStore {
    pub(super) async fn insert_status_changes(&self, changes: &[StatusChange]) -> Result<()> {
        let mut tx = self.write().await?;
        for c in changes {
            insert_status_change(&mut tx, c, 0).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn select_status_changes(
        &self,
        service: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT * FROM status_changes
             WHERE ($1::text IS NULL OR service = $1) AND at >= $2 AND at < $3
             ORDER BY at, id",
        )
        .bind(service)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from).collect()
    }

    pub(super) async fn select_latest_status_changes(&self) -> Result<Vec<StatusChange>> {
        // The latest by time, not by id: imported history can be written after newer
        // changes this server saw itself.
        let rows = sqlx::query(
            "SELECT DISTINCT ON (service) * FROM status_changes
             ORDER BY service, at DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from).collect()
    }
}

/// Keeps `c`, unless the same change (service, time and statuses) is among the rows with
/// ids below `kept_before`: those kept before this write, so that importing a file twice
/// does not list its changes twice. 0 keeps it in any case.
pub(super) async fn insert_status_change(
    conn: &mut PgConnection,
    c: &StatusChange,
    kept_before: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO status_changes (service, at, from_status, to_status, reason, detail)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE NOT EXISTS (SELECT 1 FROM status_changes WHERE id < $7 AND service = $1
                           AND at = $2 AND from_status = $3 AND to_status = $4)",
    )
    .bind(&c.service)
    .bind(ts(c.at))
    .bind(enum_text(&c.from))
    .bind(enum_text(&c.to))
    .bind(&c.reason)
    .bind(&c.detail)
    .bind(kept_before)
    .execute(conn)
    .await?;
    Ok(())
}
