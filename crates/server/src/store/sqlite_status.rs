//! Status changes in the SQLite store: when a service went into or out of trouble.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use tis_core::StatusChange;

use super::{SqliteStore, enum_text, from_text, time, ts};
use crate::store::Result;

impl SqliteStore {
    pub(super) async fn insert_status_changes(&self, changes: &[StatusChange]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for c in changes {
            sqlx::query(
                "INSERT INTO status_changes (service, at, from_status, to_status, reason, detail)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&c.service)
            .bind(ts(c.at))
            .bind(enum_text(&c.from))
            .bind(enum_text(&c.to))
            .bind(&c.reason)
            .bind(&c.detail)
            .execute(&mut *tx)
            .await?;
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
             WHERE (?1 IS NULL OR service = ?1) AND at >= ?2 AND at < ?3
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
        let rows = sqlx::query(
            "SELECT * FROM status_changes WHERE id IN
             (SELECT MAX(id) FROM status_changes GROUP BY service)
             ORDER BY service",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(change_from).collect()
    }
}

fn change_from(row: &SqliteRow) -> Result<StatusChange> {
    Ok(StatusChange {
        service: row.get("service"),
        at: time(row.get("at"))?,
        from: from_text(row.get("from_status"))?,
        to: from_text(row.get("to_status"))?,
        reason: row.get("reason"),
        detail: row.get("detail"),
    })
}
