//! Consistent copies of the store while it is in use: `tis-status backup`, and the copy
//! the server makes before it changes the tables of an existing store. SQLite's own
//! `VACUUM INTO` reads the database in one read transaction, so the copy is of one
//! moment even while the server writes, and it is compact.

use std::path::{Path, PathBuf};

use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

use super::{DB_FILE, SqliteStore};
use crate::store::{Result, StoreError};

/// Where the database of `data` lives: `data` itself when it names a file (a backup,
/// restored by pointing `--data` at it), else [`DB_FILE`] inside the directory.
pub fn db_path(data: &Path) -> PathBuf {
    if data.is_file() {
        data.to_path_buf()
    } else {
        data.join(DB_FILE)
    }
}

/// What a backup holds, read back from the copy itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub bytes: u64,
    pub notices: i64,
    pub incidents: i64,
    pub probe_results: i64,
}

impl SqliteStore {
    /// Opens the store in `data` (a directory, or a database file) only to copy it: its
    /// tables are left as they are, so a newer `tis-status` never changes the store of a
    /// running older server.
    pub async fn open_for_backup(data: &Path) -> Result<SqliteStore> {
        let db = db_path(data);
        if !db.is_file() {
            return Err(StoreError::Backup(format!(
                "there is no store at {}: give the data directory the server uses, with --data or the config's data_dir",
                db.display()
            )));
        }
        let options = SqliteConnectOptions::new()
            .filename(&db)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePool::connect_with(options).await?;
        Ok(SqliteStore { pool })
    }

    /// Writes a consistent copy of the whole store to `out`, which must not exist yet.
    /// The copy is written under a temporary name beside `out` and checked before it is
    /// given its name, so a file called `out` is always a whole, readable backup.
    pub async fn backup_to(&self, out: &Path) -> Result<BackupSummary> {
        if out.exists() {
            return Err(StoreError::Backup(format!(
                "{} already exists: choose another name, or move the old file away first",
                out.display()
            )));
        }
        let name = out
            .file_name()
            .ok_or_else(|| StoreError::Backup(format!("{} is not a file name", out.display())))?;
        let mut partial_name = name.to_os_string();
        partial_name.push(".partial");
        let partial = out.with_file_name(partial_name);
        // Left over from a backup that was cut off.
        let _ = std::fs::remove_file(&partial);
        let target = partial.to_str().ok_or_else(|| {
            StoreError::Backup(format!(
                "{} is not a name SQLite can take",
                partial.display()
            ))
        })?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(|e| StoreError::Backup(format!("could not write {target}: {e}")))?;
        let summary = match check(&partial).await {
            Ok(summary) => summary,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, out).map_err(|e| {
            StoreError::Backup(format!("could not name the backup {}: {e}", out.display()))
        })?;
        Ok(summary)
    }
}

/// Opens a copy read-only, checks it whole, and counts what it holds.
async fn check(file: &Path) -> Result<BackupSummary> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let pool = SqlitePool::connect_with(options).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&pool)
        .await?;
    if verdict != "ok" {
        pool.close().await;
        return Err(StoreError::Backup(format!(
            "the copy in {} is damaged ({verdict}); the store itself is untouched",
            file.display()
        )));
    }
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM notices) AS notices,
                (SELECT COUNT(*) FROM incidents) AS incidents,
                (SELECT COUNT(*) FROM probe_results) AS results",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    Ok(BackupSummary {
        bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        notices: row.get("notices"),
        incidents: row.get("incidents"),
        probe_results: row.get("results"),
    })
}

/// The versions of the migrations already applied to the database behind `pool`; none
/// for a new, empty database.
async fn applied_versions(pool: &SqlitePool) -> Result<Vec<i64>> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if !has_table {
        return Ok(Vec::new());
    }
    Ok(
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(pool)
            .await?,
    )
}

/// Before `migrator` changes an existing store's tables, a copy of the store as it was,
/// in `backups/` beside the database, so a migration that goes wrong loses nothing.
/// Returns where the copy went, or `None` when there was nothing to keep (a new store,
/// or one already up to date).
pub(super) async fn before_migrating(
    store: &SqliteStore,
    db: &Path,
    migrator: &sqlx::migrate::Migrator,
) -> Result<Option<PathBuf>> {
    let applied = applied_versions(&store.pool).await?;
    let Some(&from) = applied.last() else {
        return Ok(None);
    };
    let pending: Vec<i64> = migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
        .map(|m| m.version)
        .collect();
    let Some(&to) = pending.last() else {
        return Ok(None);
    };
    let dir = db.parent().unwrap_or(Path::new(".")).join("backups");
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::DataDir {
        dir: dir.display().to_string(),
        source,
    })?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let out = dir.join(format!("before-migration-{from:04}-to-{to:04}-{stamp}.db"));
    store.backup_to(&out).await?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store's migrations but the newest, in a directory of their own: a store
    /// made by the previous release.
    fn previous_release_migrations() -> tempfile::TempDir {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<PathBuf> = std::fs::read_dir(&source)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        files.pop();
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
        }
        dir
    }

    #[tokio::test]
    async fn an_existing_store_is_copied_before_its_tables_change_and_a_new_one_is_not() {
        let data = tempfile::tempdir().unwrap();
        let db = data.path().join(DB_FILE);
        let old = previous_release_migrations();
        {
            let options = SqliteConnectOptions::new()
                .filename(&db)
                .create_if_missing(true);
            let pool = SqlitePool::connect_with(options).await.unwrap();
            sqlx::migrate::Migrator::new(old.path())
                .await
                .unwrap()
                .run(&pool)
                .await
                .unwrap();
            sqlx::query(
                "INSERT INTO notices (title, body, kind, severity, services, starts_at, audience,
                                      published, author, created_at, updated_at)
                 VALUES ('Planned work tonight', 'TIS is down from 6pm.', 'planned_maintenance',
                         'minor', '[]', '2026-12-01T18:00:00Z', 'everyone', 1, 'sam',
                         '2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z')",
            )
            .execute(&pool)
            .await
            .unwrap();
            pool.close().await;
        }

        let store = SqliteStore::open(data.path()).await.unwrap();
        let backups: Vec<PathBuf> = std::fs::read_dir(data.path().join("backups"))
            .expect("a backups directory")
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(backups.len(), 1, "{backups:?}");
        let name = backups[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(name.starts_with("before-migration-"), "{name}");
        // The copy is the store as the previous release left it: its notice, and its
        // tables without the newest migration.
        let summary = check(&backups[0]).await.unwrap();
        assert_eq!(summary.notices, 1);
        let copy = SqlitePool::connect_with(
            SqliteConnectOptions::new()
                .filename(&backups[0])
                .read_only(true),
        )
        .await
        .unwrap();
        let newest_in_copy = applied_versions(&copy).await.unwrap().pop();
        let newest = applied_versions(&store.pool).await.unwrap().pop();
        assert!(newest_in_copy < newest, "{newest_in_copy:?} vs {newest:?}");
        copy.close().await;

        // Opened again, up to date: nothing more is copied.
        drop(store);
        SqliteStore::open(data.path()).await.unwrap();
        assert_eq!(
            std::fs::read_dir(data.path().join("backups"))
                .unwrap()
                .count(),
            1
        );

        // A new store has nothing to keep.
        let fresh = tempfile::tempdir().unwrap();
        SqliteStore::open(fresh.path()).await.unwrap();
        assert!(!fresh.path().join("backups").exists());
    }
}
