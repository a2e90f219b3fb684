//! The editable glossary in the SQLite store: one row, replaced whole on each save.

use sqlx::Row;
use tis_core::plain::GlossaryTerm;

use super::{SqliteStore, commit_audited, json, to_json, ts};
use crate::store::{Change, Result};

impl SqliteStore {
    pub(super) async fn saved_glossary(&self) -> Result<Option<Vec<GlossaryTerm>>> {
        let row = sqlx::query("SELECT terms FROM glossary WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| json(r.get::<&str, _>("terms"))).transpose()
    }

    pub(super) async fn replace_glossary(
        &self,
        terms: &[GlossaryTerm],
        change: Change<'_>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO glossary (id, terms, updated_at, updated_by) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET terms = excluded.terms,
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(to_json(&terms))
        .bind(ts(change.at))
        .bind(change.actor)
        .execute(&mut *tx)
        .await?;
        let detail = match terms.len() {
            1 => "1 term".to_string(),
            n => format!("{n} terms"),
        };
        commit_audited(tx, &change, "glossary.update", "glossary", &detail).await
    }
}
