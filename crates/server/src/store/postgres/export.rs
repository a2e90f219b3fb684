//! The export file in the PostgreSQL store: read in one REPEATABLE READ snapshot, so a
//! file made while replicas write is consistent, and written in one transaction, so an
//! import lands whole or not at all.

use tis_core::export::{EXPORT_VERSION, Export};

use super::glossary::{select_glossary, write_glossary};
use super::status::insert_status_change;
use super::{
    PgStore, audit_from, commit_audited, insert_daily_uptime, insert_notice, insert_revision,
    insert_update, move_sequence_past_ids, select_incidents, select_notices, select_revisions, ts,
    write_incident_row,
};
use crate::store::columns::{change_from, daily_uptime_from};
use crate::store::{Change, Result};

impl PgStore {
    pub(super) async fn export_everything(&self) -> Result<Export> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
        let status_changes = sqlx::query("SELECT * FROM status_changes ORDER BY at, id")
            .fetch_all(&mut *tx)
            .await?;
        let daily_uptime = sqlx::query("SELECT * FROM daily_uptime ORDER BY service, date")
            .fetch_all(&mut *tx)
            .await?;
        let audit_log = sqlx::query("SELECT * FROM audit_log ORDER BY at, id")
            .fetch_all(&mut *tx)
            .await?;
        let export = Export {
            version: EXPORT_VERSION,
            notices: select_notices(&mut tx).await?,
            incidents: select_incidents(&mut tx).await?,
            revisions: select_revisions(&mut tx).await?,
            glossary: select_glossary(&mut tx).await?,
            status_changes: status_changes
                .iter()
                .map(change_from)
                .collect::<Result<_>>()?,
            daily_uptime: daily_uptime
                .iter()
                .map(daily_uptime_from)
                .collect::<Result<_>>()?,
            audit_log: audit_log.iter().map(audit_from).collect::<Result<_>>()?,
        };
        tx.commit().await?;
        Ok(export)
    }

    /// Records in the file replace those with the same id (notices, incidents, revisions),
    /// the same day (uptime) or the one glossary; history already kept (status changes,
    /// audit log lines) is not written twice.
    pub(super) async fn import_everything(
        &self,
        export: &Export,
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        for n in &export.notices {
            insert_notice(&mut tx, n).await?;
        }
        for i in &export.incidents {
            sqlx::query("DELETE FROM incidents WHERE id = $1")
                .bind(i.id)
                .execute(&mut *tx)
                .await?;
            write_incident_row(&mut tx, i, false).await?;
            for u in &i.updates {
                insert_update(&mut tx, i.id, u).await?;
            }
        }
        for r in &export.revisions {
            insert_revision(&mut tx, r).await?;
        }
        for revision in crate::store::revisions_to_add(export, &change) {
            insert_revision(&mut tx, &revision).await?;
        }
        move_sequence_past_ids(&mut tx, "notices").await?;
        move_sequence_past_ids(&mut tx, "incidents").await?;
        if let Some(g) = &export.glossary {
            write_glossary(&mut tx, &g.terms, g.updated_at, &g.updated_by).await?;
        }
        let kept_before = next_row_id(&mut tx, "status_changes").await?;
        for c in &export.status_changes {
            insert_status_change(&mut tx, c, kept_before).await?;
        }
        for d in &export.daily_uptime {
            insert_daily_uptime(&mut tx, d).await?;
        }
        let kept_before = next_row_id(&mut tx, "audit_log").await?;
        for e in &export.audit_log {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, target, detail)
                 SELECT $1, $2, $3, $4, $5
                 WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id < $6 AND at = $1
                                   AND actor = $2 AND action = $3 AND target = $4
                                   AND detail = $5)",
            )
            .bind(ts(e.at))
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.target)
            .bind(&e.detail)
            .bind(kept_before)
            .execute(&mut *tx)
            .await?;
        }
        let counts = crate::store::counts(export);
        commit_audited(tx, &change, "import", "store", &counts).await
    }
}

/// An id above every row of `table` kept before this write.
async fn next_row_id(conn: &mut sqlx::PgConnection, table: &'static str) -> Result<i64> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
    Ok(sqlx::query_scalar(&sql).fetch_one(conn).await?)
}
