//! The export file in the SQLite store: read in one transaction, so a file made while the
//! server runs is consistent (no revision without its incident), and written in one, so
//! an import lands whole or not at all.

use tis_core::export::{EXPORT_VERSION, Export};

use super::glossary::{select_glossary, write_glossary};
use super::status::insert_status_change;
use super::{
    SqliteStore, audit_from, change_from, commit_audited, daily_uptime_from, insert_daily_uptime,
    insert_notice, insert_revision, insert_update, next_id, select_incidents, select_notices,
    select_revisions, ts, write_incident_row,
};
use crate::store::{Change, Result};

impl SqliteStore {
    pub(super) async fn export_everything(&self) -> Result<Export> {
        let mut tx = self.pool.begin().await?;
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
            sqlx::query("DELETE FROM incidents WHERE id = ?")
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
        for revision in super::super::revisions_to_add(export, &change) {
            insert_revision(&mut tx, &revision).await?;
        }
        if let Some(g) = &export.glossary {
            write_glossary(&mut tx, &g.terms, g.updated_at, &g.updated_by).await?;
        }
        let kept_before = next_id(&mut tx, "status_changes").await?;
        for c in &export.status_changes {
            insert_status_change(&mut tx, c, kept_before).await?;
        }
        for d in &export.daily_uptime {
            insert_daily_uptime(&mut tx, d).await?;
        }
        let kept_before = next_id(&mut tx, "audit_log").await?;
        for e in &export.audit_log {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, target, detail)
                 SELECT ?1, ?2, ?3, ?4, ?5
                 WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE id < ?6 AND at = ?1
                                   AND actor = ?2 AND action = ?3 AND target = ?4
                                   AND detail = ?5)",
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
        commit_audited(
            tx,
            &change,
            "import",
            "store",
            &super::super::counts(export),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use tis_core::export::{AuditEntry, Export};
    use tis_core::{StatusChange, status::Status};

    use crate::store::{Change, SqliteStore, Store};

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("a test time")
    }

    fn change(service: &str, when: &str, from: Status, to: Status) -> StatusChange {
        StatusChange {
            service: service.into(),
            at: at(when),
            from,
            to,
            reason: None,
            detail: String::new(),
        }
    }

    fn history() -> Export {
        let mut export: Export = serde_json::from_str(r#"{"version": 1}"#).expect("reads");
        export.status_changes = vec![change(
            "sign-in",
            "2026-10-13T18:02:00Z",
            Status::Operational,
            Status::MajorOutage,
        )];
        export.audit_log = vec![AuditEntry {
            at: at("2026-10-13T18:30:00Z"),
            actor: "priya".into(),
            action: "incident.create".into(),
            target: "incident/9".into(),
            detail: String::new(),
        }];
        export
    }

    #[tokio::test]
    async fn importing_a_file_twice_keeps_its_history_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        store.import(&history(), Change::now("cli")).await.unwrap();
        let once = store.export().await.unwrap();
        store.import(&history(), Change::now("cli")).await.unwrap();
        let twice = store.export().await.unwrap();
        assert_eq!(twice.status_changes, once.status_changes);
        let lines = |e: &Export| {
            e.audit_log
                .iter()
                .filter(|l| l.action != "import")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(lines(&twice), lines(&once));
        assert_eq!(lines(&once), history().audit_log);
        // The import itself is audited each time.
        let imports = twice
            .audit_log
            .iter()
            .filter(|l| l.action == "import")
            .count();
        assert_eq!(imports, 2);
    }

    #[tokio::test]
    async fn imported_older_history_does_not_hide_what_this_server_saw_last() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let seen_here = change(
            "sign-in",
            "2026-11-01T09:00:00Z",
            Status::MajorOutage,
            Status::Operational,
        );
        store
            .add_status_changes(std::slice::from_ref(&seen_here))
            .await
            .unwrap();
        store.import(&history(), Change::now("cli")).await.unwrap();
        assert_eq!(store.latest_status_changes().await.unwrap(), [seen_here]);
    }
}
