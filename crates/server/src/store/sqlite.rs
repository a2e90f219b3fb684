//! The embedded SQLite store: one file in the data directory, WAL mode, migrations
//! checked at start-up.

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow,
};
use sqlx::{Row, Sqlite, Transaction};
use tis_core::export::Export;
use tis_core::wire::{IncidentInput, NoticeInput, UpdateInput};
use tis_core::{DailyUptime, Incident, IncidentUpdate, Notice, ProbeResult, Report, Revision};

use super::{AuditEntry, Change, Result, Store, StoreError, apply_update, incident_of, notice_of};

// Accounts, sessions and tokens live beside, to keep this file about the records.
#[path = "sqlite_accounts.rs"]
mod accounts;
#[path = "sqlite_glossary.rs"]
mod glossary;
// Status changes, kept for incident timelines.
#[path = "sqlite_status.rs"]
mod status;
// The outbox and what the alert rules remember.
#[path = "sqlite_alerts.rs"]
mod alerts;
// The export file, written and read whole.
#[path = "sqlite_export.rs"]
mod export;

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "tis-status.db";

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir` and brings its schema up to date.
    pub async fn open(data_dir: &Path) -> Result<SqliteStore> {
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
        Ok(SqliteStore { pool })
    }

    /// Starts a write transaction holding SQLite's write lock from its first statement.
    ///
    /// A plain `BEGIN` reads first and asks for the lock at its first write; if another
    /// connection committed in between, SQLite must refuse it ("database is locked", 517)
    /// whatever the busy timeout, and the person's write would fail. `BEGIN IMMEDIATE`
    /// waits its turn (up to the busy timeout) instead.
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The underlying pool, for modules that keep their own tables (accounts, sessions).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// One notice, read on the connection of the transaction that is about to change it, so
/// nothing can land between the read and the write.
async fn select_notice(conn: &mut SqliteConnection, id: i64) -> Result<Notice> {
    let row = sqlx::query("SELECT * FROM notices WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))?;
    notice_from(&row)
}

/// One incident with its updates, read inside the write transaction that changes it (see
/// `select_notice`): a report published or an update posted at the same moment is kept.
async fn select_incident(conn: &mut SqliteConnection, id: i64) -> Result<Incident> {
    let row = sqlx::query("SELECT * FROM incidents WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    let mut incident = incident_from(&row)?;
    let updates = sqlx::query("SELECT * FROM incident_updates WHERE incident = ? ORDER BY at, id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    incident.updates = updates.iter().map(update_from).collect::<Result<_>>()?;
    Ok(incident)
}

#[async_trait]
impl Store for SqliteStore {
    async fn is_empty(&self) -> Result<bool> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM notices) + (SELECT COUNT(*) FROM incidents) AS n",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get::<i64, _>("n") == 0)
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn add_probe_results(&self, results: &[ProbeResult]) -> Result<()> {
        let mut tx = self.write().await?;
        for r in results {
            sqlx::query(
                "INSERT INTO probe_results
                 (probe, service, at, ok, latency_ms, error_kind, detail, degraded, location)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&r.probe)
            .bind(&r.service)
            .bind(ts(r.at))
            .bind(r.ok)
            .bind(r.latency_ms)
            .bind(r.error_kind.map(|k| enum_text(&k)))
            .bind(&r.detail)
            .bind(r.degraded)
            .bind(&r.location)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn probe_results_since(&self, since: DateTime<Utc>) -> Result<Vec<ProbeResult>> {
        let rows = sqlx::query("SELECT * FROM probe_results WHERE at >= ? ORDER BY at, id")
            .bind(ts(since))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(result_from).collect()
    }

    async fn service_results(
        &self,
        service: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ProbeResult>> {
        let rows = sqlx::query(
            "SELECT * FROM probe_results WHERE service = ? AND at >= ? AND at < ? ORDER BY at, id",
        )
        .bind(service)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from).collect()
    }

    async fn service_results_page(
        &self,
        service: &str,
        before: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<ProbeResult>> {
        let before = before.map_or_else(|| "9999".to_string(), ts);
        let rows = sqlx::query(
            "SELECT * FROM probe_results WHERE service = ? AND at < ?
             ORDER BY at DESC, id DESC LIMIT ?",
        )
        .bind(service)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(result_from).collect()
    }

    async fn prune_probe_results(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM probe_results WHERE at < ?")
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn save_rollups(&self, days: &[DailyUptime]) -> Result<()> {
        let mut tx = self.write().await?;
        for d in days {
            insert_rollup(&mut tx, d).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn rollups(
        &self,
        service: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<DailyUptime>> {
        let rows = sqlx::query(
            "SELECT * FROM daily_uptime WHERE service = ? AND date >= ? AND date <= ? ORDER BY date",
        )
        .bind(service)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rollup_from).collect()
    }

    async fn notices(&self) -> Result<Vec<Notice>> {
        select_notices(&mut *self.pool.acquire().await?).await
    }

    async fn create_notice(&self, input: &NoticeInput, change: Change<'_>) -> Result<Notice> {
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "notices").await?;
        let notice = notice_of(id, input, change.actor, change.at, change.at);
        insert_notice(&mut tx, &notice).await?;
        let target = format!("notice/{id}");
        commit_audited(tx, &change, "notice.create", &target, &notice.title).await?;
        Ok(notice)
    }

    async fn update_notice(
        &self,
        id: i64,
        input: &NoticeInput,
        change: Change<'_>,
    ) -> Result<Notice> {
        let mut tx = self.write().await?;
        let old = select_notice(&mut tx, id).await?;
        let notice = notice_of(id, input, &old.author, old.created_at, change.at);
        insert_notice(&mut tx, &notice).await?;
        let target = format!("notice/{id}");
        commit_audited(tx, &change, "notice.update", &target, &notice.title).await?;
        Ok(notice)
    }

    async fn incidents(&self) -> Result<Vec<Incident>> {
        select_incidents(&mut *self.pool.acquire().await?).await
    }

    async fn create_incident(&self, input: &IncidentInput, change: Change<'_>) -> Result<Incident> {
        let mut tx = self.write().await?;
        let id = next_id(&mut tx, "incidents").await?;
        let incident = incident_of(id, input, Vec::new(), None);
        write_incident_row(&mut tx, &incident, false).await?;
        let target = format!("incident/{id}");
        commit_audited(tx, &change, "incident.create", &target, &incident.title).await?;
        Ok(incident)
    }

    async fn update_incident(
        &self,
        id: i64,
        input: &IncidentInput,
        change: Change<'_>,
    ) -> Result<Incident> {
        let mut tx = self.write().await?;
        let old = select_incident(&mut tx, id).await?;
        let incident = incident_of(id, input, old.updates, old.report);
        write_incident_row(&mut tx, &incident, true).await?;
        let target = format!("incident/{id}");
        commit_audited(tx, &change, "incident.update", &target, &incident.title).await?;
        Ok(incident)
    }

    async fn add_incident_update(
        &self,
        id: i64,
        input: &UpdateInput,
        change: Change<'_>,
    ) -> Result<Incident> {
        let mut tx = self.write().await?;
        let mut incident = select_incident(&mut tx, id).await?;
        let update = apply_update(&mut incident, input, &change);
        write_incident_row(&mut tx, &incident, true).await?;
        insert_update(&mut tx, id, &update).await?;
        commit_audited(
            tx,
            &change,
            "incident.update.post",
            &format!("incident/{id}"),
            &enum_text(&input.status),
        )
        .await?;
        Ok(incident)
    }

    async fn save_report(
        &self,
        id: i64,
        report: &Report,
        base_revision: u32,
        change: Change<'_>,
    ) -> Result<Revision> {
        let mut tx = self.write().await?;
        // Checked and written in one transaction, so two saves from the same base
        // cannot both succeed.
        let exists = sqlx::query("SELECT id FROM incidents WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("incident {id}")));
        }
        let current: u32 =
            sqlx::query("SELECT COALESCE(MAX(number), 0) AS n FROM revisions WHERE incident = ?")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?
                .get("n");
        if current != base_revision {
            return Err(StoreError::Conflict {
                incident: id,
                base: base_revision,
                current,
            });
        }
        let revision = Revision {
            incident: id,
            number: current + 1,
            author: change.actor.to_string(),
            at: change.at,
            report: report.clone(),
        };
        insert_revision(&mut tx, &revision).await?;
        sqlx::query("UPDATE incidents SET report = ? WHERE id = ?")
            .bind(to_json(report))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        commit_audited(
            tx,
            &change,
            "report.save",
            &format!("incident/{id}"),
            &format!(
                "revision {}, {}",
                revision.number,
                enum_text(&report.status)
            ),
        )
        .await?;
        Ok(revision)
    }

    async fn revisions(&self) -> Result<Vec<Revision>> {
        select_revisions(&mut *self.pool.acquire().await?).await
    }

    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_from).collect()
    }

    async fn create_account(
        &self,
        name: &str,
        display_name: Option<&str>,
        role: tis_core::Role,
        password_hash: &str,
        change: Change<'_>,
    ) -> Result<Option<tis_core::account::Account>> {
        self.insert_account(name, display_name, role, password_hash, change)
            .await
    }

    async fn accounts(&self) -> Result<Vec<tis_core::account::Account>> {
        self.all_accounts().await
    }

    async fn account_for_sign_in(
        &self,
        name: &str,
    ) -> Result<Option<(tis_core::account::Account, String)>> {
        self.active_account_with_hash(name).await
    }

    async fn disable_account(&self, name: &str, change: Change<'_>) -> Result<super::Disabled> {
        self.disable_account_and_sessions(name, change).await
    }

    async fn create_session(&self, session: &super::NewSession<'_>) -> Result<()> {
        self.insert_session(session).await
    }

    async fn session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<super::SessionRecord>> {
        self.live_session(id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.remove_session(id_hash).await
    }

    async fn create_token(
        &self,
        name: &str,
        role: tis_core::Role,
        token_hash: &str,
        change: Change<'_>,
    ) -> Result<Option<tis_core::account::ApiToken>> {
        self.insert_token(name, role, token_hash, change).await
    }

    async fn tokens(&self) -> Result<Vec<tis_core::account::ApiToken>> {
        self.all_tokens().await
    }

    async fn revoke_token(
        &self,
        id: i64,
        change: Change<'_>,
    ) -> Result<tis_core::account::ApiToken> {
        self.revoke_token_by_id(id, change).await
    }

    async fn use_token(
        &self,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<tis_core::account::ApiToken>> {
        self.active_token(token_hash, at).await
    }

    async fn glossary(&self) -> Result<Option<Vec<tis_core::plain::GlossaryTerm>>> {
        self.saved_glossary().await
    }

    async fn save_glossary(
        &self,
        terms: &[tis_core::plain::GlossaryTerm],
        change: Change<'_>,
    ) -> Result<()> {
        self.replace_glossary(terms, change).await
    }

    async fn add_status_changes(&self, changes: &[tis_core::StatusChange]) -> Result<()> {
        self.insert_status_changes(changes).await
    }

    async fn status_changes(
        &self,
        service: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<tis_core::StatusChange>> {
        self.select_status_changes(service, from, to).await
    }

    async fn latest_status_changes(&self) -> Result<Vec<tis_core::StatusChange>> {
        self.select_latest_status_changes().await
    }

    async fn record_status_and_alerts(
        &self,
        changes: &[tis_core::StatusChange],
        decide: super::AlertDecider,
    ) -> Result<super::AlertPlan> {
        self.write_status_and_alerts(changes, decide).await
    }

    async fn enqueue_messages(
        &self,
        messages: &[super::OutboxMessage],
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for m in messages {
            alerts::insert_message(&mut tx, m, change.at).await?;
            audit(
                &mut tx,
                &change,
                "outbox.enqueue",
                &format!("channel/{}", m.channel),
                &m.kind,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> Result<Vec<super::OutboxEntry>> {
        self.claim_due(now, lease, limit).await
    }

    async fn outbox_delivered(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        self.mark_delivered(id, at).await
    }

    async fn outbox_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.mark_failed(id, error, retry_at, at).await
    }

    async fn release_outbox_claims(&self) -> Result<u64> {
        self.release_claims().await
    }

    async fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>> {
        self.next_due().await
    }

    async fn outbox(&self, limit: u32) -> Result<Vec<super::OutboxEntry>> {
        self.newest_messages(limit).await
    }

    async fn export(&self) -> Result<Export> {
        self.export_everything().await
    }

    async fn import(&self, export: &Export, change: Change<'_>) -> Result<()> {
        self.import_everything(export, change).await
    }
}

async fn select_notices(conn: &mut SqliteConnection) -> Result<Vec<Notice>> {
    let rows = sqlx::query("SELECT * FROM notices ORDER BY starts_at DESC, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(notice_from).collect()
}

/// Every incident with its updates, newest first.
async fn select_incidents(conn: &mut SqliteConnection) -> Result<Vec<Incident>> {
    let rows = sqlx::query("SELECT * FROM incidents ORDER BY started_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?;
    let update_rows = sqlx::query("SELECT * FROM incident_updates ORDER BY at, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut incidents = rows.iter().map(incident_from).collect::<Result<Vec<_>>>()?;
    for row in &update_rows {
        let incident: i64 = row.get("incident");
        if let Some(i) = incidents.iter_mut().find(|i| i.id == incident) {
            i.updates.push(update_from(row)?);
        }
    }
    Ok(incidents)
}

async fn select_revisions(conn: &mut SqliteConnection) -> Result<Vec<Revision>> {
    let rows = sqlx::query("SELECT * FROM revisions ORDER BY incident, number")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(revision_from).collect()
}

/// The id a new row of `table` gets, read in the transaction that writes it.
async fn next_id(tx: &mut Transaction<'_, Sqlite>, table: &'static str) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM {table}");
    Ok(sqlx::query(&sql).fetch_one(&mut **tx).await?.get("id"))
}

/// Ends a write: its line in the audit log, in the same transaction, then the commit.
async fn commit_audited(
    mut tx: Transaction<'_, Sqlite>,
    change: &Change<'_>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    audit(&mut tx, change, action, target, detail).await?;
    tx.commit().await?;
    Ok(())
}

async fn audit(
    tx: &mut Transaction<'_, Sqlite>,
    change: &Change<'_>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)")
        .bind(ts(change.at))
        .bind(change.actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn insert_notice(tx: &mut Transaction<'_, Sqlite>, n: &Notice) -> Result<()> {
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

/// Writes the incident's own row (not its updates or revisions).
async fn write_incident_row(
    tx: &mut Transaction<'_, Sqlite>,
    i: &Incident,
    replace: bool,
) -> Result<()> {
    let sql = if replace {
        "UPDATE incidents SET title = ?2, status = ?3, impact = ?4, affected = ?5,
         started_at = ?6, detected_at = ?7, resolved_at = ?8, next_update_at = ?9, report = ?10
         WHERE id = ?1"
    } else {
        "INSERT INTO incidents
         (id, title, status, impact, affected, started_at, detected_at, resolved_at,
          next_update_at, report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    };
    sqlx::query(sql)
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
    Ok(())
}

/// Keeps a day's figures, replacing those kept before for the same service and day.
async fn insert_rollup(tx: &mut Transaction<'_, Sqlite>, d: &DailyUptime) -> Result<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO daily_uptime
         (service, date, checks, failed_checks, minutes, minutes_down, minutes_degraded,
          minutes_no_data, median_latency_ms, p95_latency_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&d.service)
    .bind(d.date.to_string())
    .bind(d.checks)
    .bind(d.failed_checks)
    .bind(d.minutes)
    .bind(d.minutes_down)
    .bind(d.minutes_degraded)
    .bind(d.minutes_no_data)
    .bind(d.median_latency_ms)
    .bind(d.p95_latency_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_update(
    tx: &mut Transaction<'_, Sqlite>,
    incident: i64,
    u: &IncidentUpdate,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_updates (incident, at, status, body, author) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(incident)
    .bind(ts(u.at))
    .bind(enum_text(&u.status))
    .bind(&u.body)
    .bind(&u.author)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert_revision(tx: &mut Transaction<'_, Sqlite>, r: &Revision) -> Result<()> {
    sqlx::query(
        "INSERT OR REPLACE INTO revisions (incident, number, author, at, report)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(r.incident)
    .bind(r.number)
    .bind(&r.author)
    .bind(ts(r.at))
    .bind(to_json(&r.report))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn result_from(row: &SqliteRow) -> Result<ProbeResult> {
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
        degraded: row.get("degraded"),
        location: row.get("location"),
    })
}

fn notice_from(row: &SqliteRow) -> Result<Notice> {
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
}

fn incident_from(row: &SqliteRow) -> Result<Incident> {
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
}

fn revision_from(row: &SqliteRow) -> Result<Revision> {
    Ok(Revision {
        incident: row.get("incident"),
        number: row.get("number"),
        author: row.get("author"),
        at: time(row.get("at"))?,
        report: json(row.get("report"))?,
    })
}

fn rollup_from(row: &SqliteRow) -> Result<DailyUptime> {
    let date: String = row.get("date");
    Ok(DailyUptime {
        service: row.get("service"),
        date: date
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("date \"{date}\": {e}")))?,
        checks: row.get("checks"),
        failed_checks: row.get("failed_checks"),
        minutes: row.get("minutes"),
        minutes_down: row.get("minutes_down"),
        minutes_degraded: row.get("minutes_degraded"),
        minutes_no_data: row.get("minutes_no_data"),
        median_latency_ms: row.get("median_latency_ms"),
        p95_latency_ms: row.get("p95_latency_ms"),
    })
}

fn audit_from(row: &SqliteRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        at: time(row.get("at"))?,
        actor: row.get("actor"),
        action: row.get("action"),
        target: row.get("target"),
        detail: row.get("detail"),
    })
}

fn update_from(row: &SqliteRow) -> Result<IncidentUpdate> {
    Ok(IncidentUpdate {
        at: time(row.get("at"))?,
        status: from_text(row.get("status"))?,
        body: row.get("body"),
        author: row.get("author"),
    })
}

/// The snake_case name serde gives a unit enum variant.
fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("enum_text is only for unit enum variants, got {other:?}"),
    }
}

fn from_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| StoreError::Corrupt(format!("\"{text}\": {e}")))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| unreachable!("domain types serialize: {e}"))
}

fn json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn time(text: String) -> Result<DateTime<Utc>> {
    DateTime::from_str(&text)
        .map(|t: DateTime<chrono::FixedOffset>| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time \"{text}\": {e}")))
}

fn opt_time(text: Option<String>) -> Result<Option<DateTime<Utc>>> {
    text.map(time).transpose()
}

/// Fixed-width UTC text, so that times compare correctly as strings in SQL.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
