//! Rows of the PostgreSQL store: the SQL that reads and writes each record (the mapping to
//! domain types is shared, in `store::columns`). Every write here runs inside a caller's
//! transaction.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{PgConnection, Row};
use tis_core::{DailyUptime, Incident, IncidentUpdate, Notice, ProbeResult, Revision};

pub(super) use crate::store::columns::{
    audit_from, enum_text, incident_from, notice_from, result_from, revision_from, to_json_value,
    update_from,
};
use crate::store::{Change, Result, StoreError};

/// Times are kept to the millisecond, as the SQLite store keeps them, so that both
/// answer with the same instants (PostgreSQL itself keeps microseconds).
pub(super) fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// Takes a lock named `name` until the transaction ends, for a decision over rows that
/// a row lock cannot cover (rows that may not exist yet, or a count over many): a
/// second writer of the same decision waits, as SQLite's writers wait for each other.
pub(super) async fn lock(conn: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// One notice, locked until the transaction ends, so nothing can land between the read
/// and the write.
pub(super) async fn select_notice_for_update(conn: &mut PgConnection, id: i64) -> Result<Notice> {
    let row = sqlx::query("SELECT * FROM notices WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("notice {id}")))?;
    notice_from(&row)
}

/// One incident with its updates; `lock` holds its row until the transaction ends, so
/// that a report published or an update posted at the same moment on another replica
/// waits, and is kept.
pub(super) async fn select_incident(
    conn: &mut PgConnection,
    id: i64,
    lock: bool,
) -> Result<Incident> {
    let sql = if lock {
        "SELECT * FROM incidents WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT * FROM incidents WHERE id = $1"
    };
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    let mut incident = incident_from(&row)?;
    let updates = sqlx::query("SELECT * FROM incident_updates WHERE incident = $1 ORDER BY at, id")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    incident.updates = updates.iter().map(update_from).collect::<Result<_>>()?;
    Ok(incident)
}

pub(super) async fn select_notices(conn: &mut PgConnection) -> Result<Vec<Notice>> {
    let rows = sqlx::query("SELECT * FROM notices ORDER BY starts_at DESC, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(notice_from).collect()
}

/// Every incident with its updates, newest first.
pub(super) async fn select_incidents(conn: &mut PgConnection) -> Result<Vec<Incident>> {
    let rows = sqlx::query("SELECT * FROM incidents ORDER BY started_at DESC, id DESC")
        .fetch_all(&mut *conn)
        .await?;
    let update_rows = sqlx::query("SELECT * FROM incident_updates ORDER BY at, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut incidents = rows.iter().map(incident_from).collect::<Result<Vec<_>>>()?;
    for row in &update_rows {
        let incident: i64 = row.try_get("incident")?;
        if let Some(i) = incidents.iter_mut().find(|i| i.id == incident) {
            i.updates.push(update_from(row)?);
        }
    }
    Ok(incidents)
}

pub(super) async fn select_revisions(conn: &mut PgConnection) -> Result<Vec<Revision>> {
    let rows = sqlx::query("SELECT * FROM revisions ORDER BY incident, number")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(revision_from).collect()
}

/// The id a new notice or incident gets, taken from its table's own sequence, so two
/// replicas never hand out the same one.
pub(super) async fn next_id(conn: &mut PgConnection, table: &'static str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence($1, 'id'))")
            .bind(table)
            .fetch_one(conn)
            .await?,
    )
}

/// Moves a table's id sequence past the ids written with their own value (an import), so
/// the next row made here does not take one of them.
pub(super) async fn move_sequence_past_ids(
    conn: &mut PgConnection,
    table: &'static str,
) -> Result<()> {
    let sql = format!(
        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                       GREATEST((SELECT MAX(id) FROM {table}), 1),
                       (SELECT MAX(id) FROM {table}) IS NOT NULL)"
    );
    sqlx::query(&sql).execute(conn).await?;
    Ok(())
}

/// Ends a write: its line in the audit log, in the same transaction, then the commit.
pub(super) async fn commit_audited(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
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
    conn: &mut PgConnection,
    change: &Change<'_>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ts(change.at))
    .bind(change.actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes one probe result.
pub(super) async fn insert_result(conn: &mut PgConnection, r: &ProbeResult) -> Result<()> {
    sqlx::query(
        "INSERT INTO probe_results
         (probe, service, at, ok, latency_ms, error_kind, detail, degraded, location)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&r.probe)
    .bind(&r.service)
    .bind(ts(r.at))
    .bind(r.ok)
    .bind(i64::from(r.latency_ms))
    .bind(r.error_kind.map(|k| enum_text(&k)))
    .bind(&r.detail)
    .bind(r.degraded)
    .bind(&r.location)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a notice, replacing the one with its id.
pub(super) async fn insert_notice(conn: &mut PgConnection, n: &Notice) -> Result<()> {
    sqlx::query(
        "INSERT INTO notices
         (id, title, body, kind, severity, services, starts_at, ends_at, audience, published,
          author, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (id) DO UPDATE SET
             title = excluded.title, body = excluded.body, kind = excluded.kind,
             severity = excluded.severity, services = excluded.services,
             starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             audience = excluded.audience, published = excluded.published,
             author = excluded.author, created_at = excluded.created_at,
             updated_at = excluded.updated_at",
    )
    .bind(n.id)
    .bind(&n.title)
    .bind(&n.body)
    .bind(enum_text(&n.kind))
    .bind(enum_text(&n.severity))
    .bind(to_json_value(&n.services))
    .bind(ts(n.starts_at))
    .bind(n.ends_at.map(ts))
    .bind(enum_text(&n.audience))
    .bind(n.published)
    .bind(&n.author)
    .bind(ts(n.created_at))
    .bind(ts(n.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes the incident's own row (not its updates or revisions).
pub(super) async fn write_incident_row(
    conn: &mut PgConnection,
    i: &Incident,
    replace: bool,
) -> Result<()> {
    let sql = if replace {
        "UPDATE incidents SET title = $2, status = $3, impact = $4, affected = $5,
         started_at = $6, detected_at = $7, resolved_at = $8, next_update_at = $9, report = $10
         WHERE id = $1"
    } else {
        "INSERT INTO incidents
         (id, title, status, impact, affected, started_at, detected_at, resolved_at,
          next_update_at, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    };
    sqlx::query(sql)
        .bind(i.id)
        .bind(&i.title)
        .bind(enum_text(&i.status))
        .bind(enum_text(&i.impact))
        .bind(to_json_value(&i.affected))
        .bind(ts(i.started_at))
        .bind(i.detected_at.map(ts))
        .bind(i.resolved_at.map(ts))
        .bind(i.next_update_at.map(ts))
        .bind(i.report.as_ref().map(to_json_value))
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps a day's uptime, replacing those kept before for the same service and day.
pub(super) async fn insert_daily_uptime(conn: &mut PgConnection, d: &DailyUptime) -> Result<()> {
    sqlx::query(
        "INSERT INTO daily_uptime
         (service, date, checks, failed_checks, minutes, minutes_down, minutes_degraded,
          minutes_no_data, median_latency_ms, p95_latency_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (service, date) DO UPDATE SET
             checks = excluded.checks, failed_checks = excluded.failed_checks,
             minutes = excluded.minutes, minutes_down = excluded.minutes_down,
             minutes_degraded = excluded.minutes_degraded,
             minutes_no_data = excluded.minutes_no_data,
             median_latency_ms = excluded.median_latency_ms,
             p95_latency_ms = excluded.p95_latency_ms",
    )
    .bind(&d.service)
    .bind(d.date)
    .bind(i64::from(d.checks))
    .bind(i64::from(d.failed_checks))
    .bind(i64::from(d.minutes))
    .bind(i64::from(d.minutes_down))
    .bind(i64::from(d.minutes_degraded))
    .bind(i64::from(d.minutes_no_data))
    .bind(d.median_latency_ms.map(i64::from))
    .bind(d.p95_latency_ms.map(i64::from))
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_update(
    conn: &mut PgConnection,
    incident: i64,
    u: &IncidentUpdate,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO incident_updates (incident, at, status, body, author)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(incident)
    .bind(ts(u.at))
    .bind(enum_text(&u.status))
    .bind(&u.body)
    .bind(&u.author)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_revision(conn: &mut PgConnection, r: &Revision) -> Result<()> {
    sqlx::query(
        "INSERT INTO revisions (incident, number, author, at, report)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (incident, number) DO UPDATE SET
             author = excluded.author, at = excluded.at, report = excluded.report",
    )
    .bind(r.incident)
    .bind(i64::from(r.number))
    .bind(&r.author)
    .bind(ts(r.at))
    .bind(to_json_value(&r.report))
    .execute(conn)
    .await?;
    Ok(())
}
