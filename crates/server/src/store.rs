//! The store: an embedded SQLite file in the data directory. WAL mode, migrations checked
//! at start-up, and every write in one transaction so a failure leaves nothing half done.

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Row, Sqlite, Transaction};
use tis_core::export::{EXPORT_VERSION, Export};
use tis_core::{Incident, IncidentUpdate, Notice, ProbeResult, Revision};

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "tis-status.db";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the data directory {dir} cannot be used: {source}")]
    DataDir { dir: String, source: std::io::Error },
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            dir: data_dir.display().to_string(),
            source,
        })?;
        let options = SqliteConnectOptions::new()
            .filename(data_dir.join(DB_FILE))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Store { pool })
    }

    /// Whether anyone has written notices or incidents yet.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM notices) + (SELECT COUNT(*) FROM incidents) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>("n") == 0)
    }

    pub async fn add_probe_result(&self, r: &ProbeResult) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO probe_results (probe, service, at, ok, latency_ms, error_kind, detail)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.probe)
        .bind(&r.service)
        .bind(ts(r.at))
        .bind(r.ok)
        .bind(r.latency_ms)
        .bind(r.error_kind.map(|k| enum_text(&k)))
        .bind(&r.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Results of every probe since `since`, oldest first.
    pub async fn probe_results_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<ProbeResult>, StoreError> {
        let rows = sqlx::query(
            "SELECT probe, service, at, ok, latency_ms, error_kind, detail
             FROM probe_results WHERE at >= ? ORDER BY at",
        )
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ProbeResult {
                    probe: row.get("probe"),
                    service: row.get("service"),
                    at: time(row.get("at"))?,
                    ok: row.get("ok"),
                    latency_ms: row.get("latency_ms"),
                    error_kind: row
                        .get::<Option<String>, _>("error_kind")
                        .map(|k| from_text(&k))
                        .transpose()?,
                    detail: row.get("detail"),
                })
            })
            .collect()
    }

    pub async fn notices(&self) -> Result<Vec<Notice>, StoreError> {
        let rows = sqlx::query("SELECT * FROM notices ORDER BY starts_at DESC, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Notice {
                    id: row.get("id"),
                    title: row.get("title"),
                    body: row.get("body"),
                    kind: from_text(row.get("kind"))?,
                    severity: from_text(row.get("severity"))?,
                    services: json(row.get("services"))?,
                    starts_at: time(row.get("starts_at"))?,
                    ends_at: opt_time(row.get("ends_at"))?,
                    audience: from_text(row.get("audience"))?,
                    published: row.get("published"),
                    author: row.get("author"),
                    created_at: time(row.get("created_at"))?,
                    updated_at: time(row.get("updated_at"))?,
                })
            })
            .collect()
    }

    /// Every incident with its updates and current report, newest first.
    pub async fn incidents(&self) -> Result<Vec<Incident>, StoreError> {
        let rows = sqlx::query("SELECT * FROM incidents ORDER BY started_at DESC, id DESC")
            .fetch_all(&self.pool)
            .await?;
        let update_rows = sqlx::query("SELECT * FROM incident_updates ORDER BY at, id")
            .fetch_all(&self.pool)
            .await?;
        let mut incidents = rows
            .iter()
            .map(|row| {
                Ok(Incident {
                    id: row.get("id"),
                    title: row.get("title"),
                    status: from_text(row.get("status"))?,
                    impact: from_text(row.get("impact"))?,
                    affected: json(row.get("affected"))?,
                    started_at: time(row.get("started_at"))?,
                    detected_at: opt_time(row.get("detected_at"))?,
                    resolved_at: opt_time(row.get("resolved_at"))?,
                    next_update_at: opt_time(row.get("next_update_at"))?,
                    updates: Vec::new(),
                    report: row
                        .get::<Option<String>, _>("report")
                        .map(|r| json(&r))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for row in &update_rows {
            let incident: i64 = row.get("incident");
            if let Some(i) = incidents.iter_mut().find(|i| i.id == incident) {
                i.updates.push(IncidentUpdate {
                    at: time(row.get("at"))?,
                    status: from_text(row.get("status"))?,
                    body: row.get("body"),
                    author: row.get("author"),
                });
            }
        }
        Ok(incidents)
    }

    pub async fn revisions(&self) -> Result<Vec<Revision>, StoreError> {
        let rows = sqlx::query("SELECT * FROM revisions ORDER BY incident, number")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Revision {
                    incident: row.get("incident"),
                    number: row.get("number"),
                    author: row.get("author"),
                    at: time(row.get("at"))?,
                    report: json(row.get("report"))?,
                })
            })
            .collect()
    }

    /// Everything people wrote, in the export file's shape.
    pub async fn export(&self) -> Result<Export, StoreError> {
        Ok(Export {
            version: EXPORT_VERSION,
            notices: self.notices().await?,
            incidents: self.incidents().await?,
            revisions: self.revisions().await?,
        })
    }

    /// Writes an already validated export in one transaction: all of it, or none of it.
    /// Records whose id is already stored are replaced.
    pub async fn import(&self, export: &Export) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for n in &export.notices {
            insert_notice(&mut tx, n).await?;
        }
        for i in &export.incidents {
            insert_incident(&mut tx, i).await?;
        }
        for r in &export.revisions {
            sqlx::query(
                "INSERT OR REPLACE INTO revisions (incident, number, author, at, report)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(r.incident)
            .bind(r.number)
            .bind(&r.author)
            .bind(ts(r.at))
            .bind(to_json(&r.report))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

async fn insert_notice(tx: &mut Transaction<'_, Sqlite>, n: &Notice) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT OR REPLACE INTO notices
         (id, title, body, kind, severity, services, starts_at, ends_at, audience, published,
          author, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(n.id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(enum_text(&n.kind))
    .bind(enum_text(&n.severity))
    .bind(to_json(&n.services))
    .bind(ts(n.starts_at))
    .bind(n.ends_at.map(ts))
    .bind(enum_text(&n.audience))
    .bind(n.published)
    .bind(&n.author)
    .bind(ts(n.created_at))
    .bind(ts(n.updated_at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_incident(tx: &mut Transaction<'_, Sqlite>, i: &Incident) -> Result<(), StoreError> {
    // Replacing an incident replaces its updates too (ON DELETE CASCADE).
    sqlx::query("DELETE FROM incidents WHERE id = ?")
        .bind(i.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO incidents
         (id, title, status, impact, affected, started_at, detected_at, resolved_at,
          next_update_at, report)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(i.id)
    .bind(&i.title)
    .bind(enum_text(&i.status))
    .bind(enum_text(&i.impact))
    .bind(to_json(&i.affected))
    .bind(ts(i.started_at))
    .bind(i.detected_at.map(ts))
    .bind(i.resolved_at.map(ts))
    .bind(i.next_update_at.map(ts))
    .bind(i.report.as_ref().map(to_json))
    .execute(&mut **tx)
    .await?;
    for u in &i.updates {
        sqlx::query(
            "INSERT INTO incident_updates (incident, at, status, body, author) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(i.id)
        .bind(ts(u.at))
        .bind(enum_text(&u.status))
        .bind(&u.body)
        .bind(&u.author)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The snake_case name serde gives a unit enum variant.
fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => panic!("enum_text is only for unit enum variants, got {other:?}"),
    }
}

fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("\"{text}\": {e}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| panic!("domain types always serialize: {e}"))
}

fn json<T: DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn time(text: String) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_str(&text)
        .map(|t: DateTime<chrono::FixedOffset>| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time \"{text}\": {e}")))
}

fn opt_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(time).transpose()
}

/// Fixed-width UTC text, so that times compare correctly as strings in SQL.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
