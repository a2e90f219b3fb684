//! Rows of the SQLite store: the SQL that reads and writes each record, and the mapping
//! between columns and the domain types. Every write here runs inside a caller's
//! transaction.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;
use sqlx::{Row, Sqlite, Transaction};
use tis_core::{DailyUptime, Incident, IncidentUpdate, Notice, Revision};

pub(super) use crate::store::columns::{
    audit_from, change_from, daily_uptime_from, entry_from, enum_text, incident_from, json,
    notice_from, ping_from, result_from, revision_from, to_json, update_from,
};
use crate::store::{Change, Result, StoreError};

/// One notice, read on the connection of the transaction that is about to change it, so
/// nothing can land between the read and the write.
pub(super) async fn select_notice(conn: &mut SqliteConnection, id: i64) -> Result<Notice> {
    let row = sqlx::query("SELECT * FROM notices WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))?;
    notice_from(&row)
}

/// One incident with its updates, read inside the write transaction that changes it (see
/// `select_notice`): a report published or an update posted at the same moment is kept.
pub(super) async fn select_incident(conn: &mut SqliteConnection, id: i64) -> Result<Incident> {
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

pub(super) async fn select_notices(conn: &mut SqliteConnection) -> Result<Vec<Notice>> {
    let rows = sqlx::query("SELECT * FROM notices ORDER BY starts_at DESC, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(notice_from).collect()
}

/// Every incident with its updates, newest first.
pub(super) async fn select_incidents(conn: &mut SqliteConnection) -> Result<Vec<Incident>> {
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

pub(super) async fn select_revisions(conn: &mut SqliteConnection) -> Result<Vec<Revision>> {
    let rows = sqlx::query("SELECT * FROM revisions ORDER BY incident, number")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(revision_from).collect()
}

/// The id a new row of `table` gets, read in the transaction that writes it.
pub(super) async fn next_id(tx: &mut Transaction<'_, Sqlite>, table: &'static str) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM {table}");
    Ok(sqlx::query(&sql).fetch_one(&mut **tx).await?.get("id"))
}

/// Ends a write: its line in the audit log, in the same transaction, then the commit.
pub(super) async fn commit_audited(
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

pub(super) async fn audit(
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

pub(super) async fn insert_notice(tx: &mut Transaction<'_, Sqlite>, n: &Notice) -> Result<()> {
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
pub(super) async fn write_incident_row(
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

/// Keeps a day's uptime, replacing those kept before for the same service and day.
pub(super) async fn insert_daily_uptime(
    tx: &mut Transaction<'_, Sqlite>,
    d: &DailyUptime,
) -> Result<()> {
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

pub(super) async fn insert_update(
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

pub(super) async fn insert_revision(tx: &mut Transaction<'_, Sqlite>, r: &Revision) -> Result<()> {
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

pub(super) fn time(text: String) -> Result<DateTime<Utc>> {
    DateTime::from_str(&text)
        .map(|t: DateTime<chrono::FixedOffset>| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("time \"{text}\": {e}")))
}

pub(super) fn opt_time(text: Option<String>) -> Result<Option<DateTime<Utc>>> {
    text.map(time).transpose()
}

/// Fixed-width UTC text, so that times compare correctly as strings in SQL.
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
