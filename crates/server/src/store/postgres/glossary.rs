//! The editable glossary in the PostgreSQL store: one row, replaced whole on each save.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tis_core::export::SavedGlossary;
use tis_core::plain::GlossaryTerm;

use super::{PgStore, commit_audited, to_json_value, ts};
use crate::store::columns::Columns;
use crate::store::{Change, Result};

impl PgStore {
    pub(super) async fn saved_glossary(&self) -> Result<Option<Vec<GlossaryTerm>>> {
        let saved = select_glossary(&mut *self.pool.acquire().await?).await?;
        Ok(saved.map(|g| g.terms))
    }

    pub(super) async fn replace_glossary(
        &self,
        terms: &[GlossaryTerm],
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        write_glossary(&mut tx, terms, change.at, change.actor).await?;
        let detail = match terms.len() {
            1 => "1 term".to_string(),
            n => format!("{n} terms"),
        };
        commit_audited(tx, &change, "glossary.update", "glossary", &detail).await
    }
}

/// The glossary with when and by whom it was saved; `None` if nobody has saved one.
pub(super) async fn select_glossary(conn: &mut PgConnection) -> Result<Option<SavedGlossary>> {
    let row = sqlx::query("SELECT * FROM glossary WHERE id = 1")
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(SavedGlossary {
            terms: r.json("terms")?,
            updated_at: r.time("updated_at")?,
            updated_by: r.text("updated_by")?,
        })
    })
    .transpose()
}

/// Replaces the one glossary row.
pub(super) async fn write_glossary(
    conn: &mut PgConnection,
    terms: &[GlossaryTerm],
    at: DateTime<Utc>,
    by: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO glossary (id, terms, updated_at, updated_by) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET terms = excluded.terms,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(to_json_value(&terms))
    .bind(ts(at))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
