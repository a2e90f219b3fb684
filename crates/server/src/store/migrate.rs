//! `tis-status migrate --to postgres://…`: the whole SQLite store copied into an empty
//! PostgreSQL database, in one transaction, and checked before it is committed.
//!
//! The copy is generic over the tables, written here by hand because no crate copies
//! between these two engines while keeping ids and converting each value by the target
//! column's type. Which tables and columns there are, and of which type, is read from
//! both databases (`sqlite_master`, `information_schema`), not listed here, so a table a
//! later migration adds is copied without a change to this file, and a table or column
//! that one engine's migrations have and the other's lack stops the copy (that is a
//! missing twin migration, and dropping the column would lose data).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Postgres, QueryBuilder, Row, TypeInfo, ValueRef};

use super::{PgStore, SqliteStore};

/// Each migrator's own record of what it applied: the target has its own already.
const BOOKKEEPING: &str = "_sqlx_migrations";

/// Why nothing was copied. Every case leaves the target as it was.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds rows: how many, in which tables.
    #[error("already holds data ({})", counts_in_words(.0))]
    NotEmpty(Vec<TableCopy>),
    /// The two schemas differ, or hold a type this copy does not know.
    #[error(
        "{0}. This version's SQLite and PostgreSQL tables do not match, which is a fault \
         in tis-status, not in your data: nothing was copied. Please report it"
    )]
    Schema(String),
    /// A stored value that cannot go into its PostgreSQL column.
    #[error("{0}. Nothing was copied")]
    Value(String),
    /// What PostgreSQL holds after the copy is not what SQLite held.
    #[error(
        "the copy of {0} read back from PostgreSQL differs from the SQLite rows, so it was \
         not kept: nothing was copied"
    )]
    Check(String),
    #[error("database error: {0}. Nothing was copied")]
    Db(#[from] sqlx::Error),
}

/// One table copied: its name and how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    pub table: String,
    pub rows: u64,
}

/// "12 rows in notices, 3 rows in audit_log": the tables that hold any.
fn counts_in_words(tables: &[TableCopy]) -> String {
    tables
        .iter()
        .filter(|t| t.rows > 0)
        .map(|t| {
            let rows = usize::try_from(t.rows).unwrap_or(usize::MAX);
            let unit = if t.rows == 1 { "row" } else { "rows" };
            format!(
                "{} {unit} in {}",
                tis_core::validate::thousands(rows),
                t.table
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a PostgreSQL column holds, and so how a SQLite value is turned into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `bigint`
    Int,
    /// `boolean`, kept by SQLite as 0 or 1.
    Flag,
    /// `text`
    Text,
    /// `timestamptz`, kept by SQLite as RFC 3339 text.
    Time,
    /// `date`, kept by SQLite as YYYY-MM-DD.
    Date,
    /// `jsonb`, kept by SQLite as JSON text.
    Json,
}

impl Kind {
    /// The kind of a column of `data_type` (as `information_schema.columns` names it);
    /// `None` for one this copy does not know, which stops it before anything is read.
    fn of(data_type: &str) -> Option<Kind> {
        match data_type {
            "bigint" => Some(Kind::Int),
            "boolean" => Some(Kind::Flag),
            "text" => Some(Kind::Text),
            "timestamp with time zone" => Some(Kind::Time),
            "date" => Some(Kind::Date),
            "jsonb" => Some(Kind::Json),
            _ => None,
        }
    }
}

/// One value as SQLite keeps it (its storage class, not its column's declared type).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One value as it goes into PostgreSQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null(Kind),
    Int(i64),
    Flag(bool),
    Text(String),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Json(serde_json::Value),
}

/// `cell` made into a value of `kind`, or what is wrong with it, in words.
pub(crate) fn convert(cell: Cell, kind: Kind) -> Result<Value, String> {
    let shown = |cell: &Cell| match cell {
        Cell::Null => "nothing".to_string(),
        Cell::Integer(n) => format!("the number {n}"),
        Cell::Real(x) => format!("the number {x}"),
        Cell::Text(t) => format!("the text \"{}\"", t.chars().take(60).collect::<String>()),
        Cell::Blob(b) => format!("{} bytes of binary data", b.len()),
    };
    match (kind, cell) {
        (kind, Cell::Null) => Ok(Value::Null(kind)),
        (Kind::Int, Cell::Integer(n)) => Ok(Value::Int(n)),
        (Kind::Flag, Cell::Integer(0)) => Ok(Value::Flag(false)),
        (Kind::Flag, Cell::Integer(1)) => Ok(Value::Flag(true)),
        (Kind::Text, Cell::Text(t)) => Ok(Value::Text(t)),
        // PostgreSQL keeps microseconds; the stores themselves write milliseconds.
        (Kind::Time, Cell::Text(t)) => DateTime::<chrono::FixedOffset>::from_str(&t)
            .map(|at| Value::Time(at.with_timezone(&Utc).trunc_subsecs(6)))
            .map_err(|_| format!("{} is not a time (RFC 3339)", shown(&Cell::Text(t)))),
        (Kind::Date, Cell::Text(t)) => NaiveDate::from_str(&t)
            .map(Value::Date)
            .map_err(|_| format!("{} is not a date (YYYY-MM-DD)", shown(&Cell::Text(t)))),
        (Kind::Json, Cell::Text(t)) => serde_json::from_str(&t)
            .map(Value::Json)
            .map_err(|e| format!("{} is not JSON ({e})", shown(&Cell::Text(t)))),
        (kind, cell) => Err(format!(
            "{} cannot be {}",
            shown(&cell),
            match kind {
                Kind::Int => "a whole number",
                Kind::Flag => "a yes or no (0 or 1)",
                Kind::Text => "text",
                Kind::Time => "a time",
                Kind::Date => "a date",
                Kind::Json => "JSON",
            }
        )),
    }
}

impl Value {
    /// The value in one text form whichever store it was read from, fed to `digest`
    /// with its kind and length, so no two different rows read the same.
    fn feed(&self, digest: &mut Sha256) {
        let (tag, text): (u8, String) = match self {
            Value::Null(_) => (0, String::new()),
            Value::Int(n) => (1, n.to_string()),
            Value::Flag(b) => (2, b.to_string()),
            Value::Text(t) => (3, t.clone()),
            Value::Time(t) => (4, t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
            Value::Date(d) => (5, d.to_string()),
            Value::Json(j) => (6, canonical_json(j)),
        };
        digest.update([tag]);
        digest.update((text.len() as u64).to_le_bytes());
        digest.update(text.as_bytes());
    }

    fn bind(self, row: &mut sqlx::query_builder::Separated<'_, '_, Postgres, &'static str>) {
        match self {
            Value::Null(Kind::Int) => row.push_bind(None::<i64>),
            Value::Null(Kind::Flag) => row.push_bind(None::<bool>),
            Value::Null(Kind::Text) => row.push_bind(None::<String>),
            Value::Null(Kind::Time) => row.push_bind(None::<DateTime<Utc>>),
            Value::Null(Kind::Date) => row.push_bind(None::<NaiveDate>),
            Value::Null(Kind::Json) => row.push_bind(None::<sqlx::types::Json<serde_json::Value>>),
            Value::Int(n) => row.push_bind(n),
            Value::Flag(b) => row.push_bind(b),
            Value::Text(t) => row.push_bind(t),
            Value::Time(t) => row.push_bind(t),
            Value::Date(d) => row.push_bind(d),
            Value::Json(j) => row.push_bind(sqlx::types::Json(j)),
        };
    }
}

/// JSON with every object's keys in order: `jsonb` keeps them in an order of its own.
fn canonical_json(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let ordered: BTreeMap<&String, serde_json::Value> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                serde_json::Value::Object(
                    ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect(),
                )
            }
            serde_json::Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(sorted).collect())
            }
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// A digest of a table's rows that does not depend on their order: PostgreSQL orders
/// text by the database's collation and SQLite byte by byte, so the two are not read in
/// one order. Each row's SHA-256 is added up, lane by lane; a row copied twice or lost
/// changes the sum, as does any changed value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Tally {
    rows: u64,
    sum: [u64; 4],
}

impl Tally {
    fn add(&mut self, row: &[Value]) {
        let mut digest = Sha256::new();
        for value in row {
            value.feed(&mut digest);
        }
        let hash = digest.finalize();
        for (lane, bytes) in self.sum.iter_mut().zip(hash.chunks_exact(8)) {
            let mut word = [0u8; 8];
            word.copy_from_slice(bytes);
            *lane = lane.wrapping_add(u64::from_le_bytes(word));
        }
        self.rows += 1;
    }
}

/// A table to copy, as PostgreSQL has it.
#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
    /// Its identity column, whose sequence is moved past the ids copied.
    identity: Option<String>,
}

/// `"name"`, for a table or column name read from the databases themselves.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Copies every table of `from` into `to`, which must hold no rows, and returns what it
/// copied, table by table in the order copied. One read transaction on SQLite (a server
/// writing meanwhile cannot make the copy torn) and one write transaction on PostgreSQL,
/// committed only when every table reads back as it was.
pub async fn copy(from: &SqliteStore, to: &PgStore) -> Result<Vec<TableCopy>, CopyError> {
    let mut read = from.pool().begin().await?;
    let mut write = to.pool().begin().await?;
    let tables = matching_tables(&mut read, &mut write).await?;

    // No one else writes to the target until this transaction ends, so it is still
    // empty when the copy lands (readers may go on).
    let names: Vec<String> = tables.iter().map(|t| quoted(&t.name)).collect();
    sqlx::query(&format!(
        "LOCK TABLE {} IN EXCLUSIVE MODE",
        names.join(", ")
    ))
    .execute(&mut *write)
    .await?;
    let mut held = Vec::new();
    for table in &tables {
        let rows: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(&table.name)))
                .fetch_one(&mut *write)
                .await?;
        held.push(TableCopy {
            table: table.name.clone(),
            rows: u64::try_from(rows).unwrap_or(0),
        });
    }
    if held.iter().any(|t| t.rows > 0) {
        return Err(CopyError::NotEmpty(held));
    }

    // AUTOINCREMENT tables never give an id twice, even one whose row was deleted.
    let has_sequences: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence')",
    )
    .fetch_one(&mut *read)
    .await?;
    let given: HashMap<String, i64> = if has_sequences {
        sqlx::query_as("SELECT name, seq FROM sqlite_sequence")
            .fetch_all(&mut *read)
            .await?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };

    let mut copied = Vec::new();
    for table in &tables {
        let (sent, largest_id) = copy_table(&mut read, &mut write, table).await?;
        let back = read_back(&mut write, table).await?;
        if back != sent {
            return Err(CopyError::Check(table.name.clone()));
        }
        if let Some(column) = &table.identity {
            let past = largest_id.max(given.get(&table.name).copied());
            if let Some(id) = past {
                sqlx::query("SELECT setval(pg_get_serial_sequence($1, $2), $3)")
                    .bind(quoted(&table.name))
                    .bind(column)
                    .bind(id)
                    .execute(&mut *write)
                    .await?;
            }
        }
        copied.push(TableCopy {
            table: table.name.clone(),
            rows: sent.rows,
        });
    }
    // The read ends first: once the copy is committed, nothing may report it failed.
    drop(read);
    write.commit().await?;
    Ok(copied)
}

/// The tables both stores have, in an order in which each comes after those it refers
/// to, with PostgreSQL's column types; or which tables or columns one store lacks.
async fn matching_tables(
    read: &mut sqlx::SqliteConnection,
    write: &mut sqlx::PgConnection,
) -> Result<Vec<Table>, CopyError> {
    let sqlite_tables: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> ?",
    )
    .bind(BOOKKEEPING)
    .fetch_all(&mut *read)
    .await?
    .into_iter()
    .collect();
    let pg_columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.table_name <> $1
         ORDER BY c.table_name, c.ordinal_position",
    )
    .bind(BOOKKEEPING)
    .fetch_all(&mut *write)
    .await?;
    let mut pg_tables: BTreeMap<String, Table> = BTreeMap::new();
    for (table, column, data_type, identity) in pg_columns {
        let kind = Kind::of(&data_type).ok_or_else(|| {
            CopyError::Schema(format!(
                "the PostgreSQL column {table}.{column} is of type {data_type}, which migrate does not copy"
            ))
        })?;
        let entry = pg_tables.entry(table.clone()).or_insert_with(|| Table {
            name: table,
            columns: Vec::new(),
            identity: None,
        });
        if identity == "YES" {
            entry.identity = Some(column.clone());
        }
        entry.columns.push((column, kind));
    }

    let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    let pg_names: BTreeSet<String> = pg_tables.keys().cloned().collect();
    let (sqlite_only, pg_only) = (
        only(&sqlite_tables, &pg_names),
        only(&pg_names, &sqlite_tables),
    );
    if !sqlite_only.is_empty() || !pg_only.is_empty() {
        return Err(CopyError::Schema(differences(
            "tables",
            "",
            &sqlite_only,
            &pg_only,
        )));
    }
    for table in pg_tables.values() {
        let in_sqlite: BTreeSet<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?)")
                .bind(&table.name)
                .fetch_all(&mut *read)
                .await?
                .into_iter()
                .collect();
        let in_pg: BTreeSet<String> = table.columns.iter().map(|(c, _)| c.clone()).collect();
        let (sqlite_only, pg_only) = (only(&in_sqlite, &in_pg), only(&in_pg, &in_sqlite));
        if !sqlite_only.is_empty() || !pg_only.is_empty() {
            return Err(CopyError::Schema(differences(
                "columns",
                &format!(" of table {}", table.name),
                &sqlite_only,
                &pg_only,
            )));
        }
    }

    let references: Vec<(String, String)> = sqlx::query_as(
        "SELECT child.relname::text, parent.relname::text
         FROM pg_constraint c
         JOIN pg_class child ON child.oid = c.conrelid
         JOIN pg_class parent ON parent.oid = c.confrelid
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *write)
    .await?;
    in_reference_order(pg_tables, &references)
}

/// "the columns of table x that SQLite has and PostgreSQL lacks: a, b; …".
fn differences(what: &str, of: &str, sqlite_only: &[String], pg_only: &[String]) -> String {
    let mut parts = Vec::new();
    if !sqlite_only.is_empty() {
        parts.push(format!(
            "the {what}{of} that SQLite has and PostgreSQL lacks: {}",
            sqlite_only.join(", ")
        ));
    }
    if !pg_only.is_empty() {
        parts.push(format!(
            "the {what}{of} that PostgreSQL has and SQLite lacks: {}",
            pg_only.join(", ")
        ));
    }
    parts.join("; ")
}

/// `tables` ordered so that each comes after every table it refers to (`references`:
/// child, parent), by name where the order is free.
fn in_reference_order(
    mut tables: BTreeMap<String, Table>,
    references: &[(String, String)],
) -> Result<Vec<Table>, CopyError> {
    let mut ordered = Vec::new();
    while !tables.is_empty() {
        let ready = tables
            .keys()
            .find(|name| {
                references.iter().all(|(child, parent)| {
                    child != *name || parent == *name || !tables.contains_key(parent)
                })
            })
            .cloned();
        match ready.and_then(|name| tables.remove(&name)) {
            Some(table) => ordered.push(table),
            None => {
                let left: Vec<&str> = tables.keys().map(String::as_str).collect();
                return Err(CopyError::Schema(format!(
                    "the tables {} refer to each other in a circle",
                    left.join(", ")
                )));
            }
        }
    }
    Ok(ordered)
}

/// How many rows go in one statement: PostgreSQL takes at most 65,535 values in one.
fn batch_rows(columns: usize) -> usize {
    (60_000 / columns.max(1)).clamp(1, 2_000)
}

/// Copies one table's rows, as read in `read`, into `write`: what was sent, and the
/// largest value of its identity column.
async fn copy_table(
    read: &mut sqlx::SqliteConnection,
    write: &mut sqlx::PgConnection,
    table: &Table,
) -> Result<(Tally, Option<i64>), CopyError> {
    let columns: Vec<String> = table.columns.iter().map(|(c, _)| quoted(c)).collect();
    let list = columns.join(", ");
    let select = format!("SELECT {list} FROM {}", quoted(&table.name));
    let insert = format!(
        "INSERT INTO {} ({list}){} ",
        quoted(&table.name),
        if table.identity.is_some() {
            " OVERRIDING SYSTEM VALUE"
        } else {
            ""
        }
    );
    let identity = table
        .identity
        .as_ref()
        .and_then(|id| table.columns.iter().position(|(c, _)| c == id));
    let mut sent = Tally::default();
    let mut largest = None;
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let size = batch_rows(columns.len());
    let mut rows = sqlx::query(&select).fetch(&mut *read);
    while let Some(row) = rows.try_next().await? {
        let values = sqlite_values(&row, table, sent.rows + 1)?;
        if let Some(Value::Int(id)) = identity.map(|i| &values[i]) {
            largest = largest.max(Some(*id));
        }
        sent.add(&values);
        batch.push(values);
        if batch.len() == size {
            insert_batch(write, &insert, std::mem::take(&mut batch)).await?;
        }
    }
    drop(rows);
    if !batch.is_empty() {
        insert_batch(write, &insert, batch).await?;
    }
    Ok((sent, largest))
}

async fn insert_batch(
    write: &mut sqlx::PgConnection,
    insert: &str,
    batch: Vec<Vec<Value>>,
) -> Result<(), CopyError> {
    let mut query = QueryBuilder::<Postgres>::new(insert);
    query.push_values(batch, |mut row, values| {
        for value in values {
            value.bind(&mut row);
        }
    });
    query.build().execute(&mut *write).await?;
    Ok(())
}

/// One SQLite row as the values of `table`'s PostgreSQL columns; `n` counts rows from 1,
/// to say which one is wrong.
fn sqlite_values(row: &SqliteRow, table: &Table, n: u64) -> Result<Vec<Value>, CopyError> {
    let mut values = Vec::with_capacity(table.columns.len());
    for (i, (column, kind)) in table.columns.iter().enumerate() {
        let cell = sqlite_cell(row, i)?;
        let value = convert(cell, *kind).map_err(|why| {
            let which = match values.first() {
                Some(Value::Int(id)) if table.columns[0].0 == "id" => {
                    format!("the row with id {id}")
                }
                _ => format!("row {n}"),
            };
            CopyError::Value(format!(
                "{which} of table {}, column {column}: {why}",
                table.name
            ))
        })?;
        values.push(value);
    }
    Ok(values)
}

/// The value in column `i` of `row` by its own storage class: SQLite lets a column hold
/// any, whatever its declared type.
fn sqlite_cell(row: &SqliteRow, i: usize) -> Result<Cell, sqlx::Error> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Cell::Null);
    }
    let class = raw.type_info().name().to_string();
    Ok(match class.as_str() {
        "INTEGER" => Cell::Integer(row.try_get_unchecked(i)?),
        "REAL" => Cell::Real(row.try_get_unchecked(i)?),
        "BLOB" => Cell::Blob(row.try_get_unchecked(i)?),
        _ => Cell::Text(row.try_get_unchecked(i)?),
    })
}

/// `table` as PostgreSQL now holds it, inside the copy's own transaction.
async fn read_back(write: &mut sqlx::PgConnection, table: &Table) -> Result<Tally, CopyError> {
    let list: Vec<String> = table.columns.iter().map(|(c, _)| quoted(c)).collect();
    let select = format!("SELECT {} FROM {}", list.join(", "), quoted(&table.name));
    let mut tally = Tally::default();
    let mut rows = sqlx::query(&select).fetch(&mut *write);
    while let Some(row) = rows.try_next().await? {
        let values = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| pg_value(&row, i, *kind))
            .collect::<Result<Vec<_>, _>>()?;
        tally.add(&values);
    }
    Ok(tally)
}

fn pg_value(row: &PgRow, i: usize, kind: Kind) -> Result<Value, sqlx::Error> {
    fn or_null<T>(value: Option<T>, kind: Kind, make: impl FnOnce(T) -> Value) -> Value {
        value.map_or(Value::Null(kind), make)
    }
    Ok(match kind {
        Kind::Int => or_null(row.try_get(i)?, kind, Value::Int),
        Kind::Flag => or_null(row.try_get(i)?, kind, Value::Flag),
        Kind::Text => or_null(row.try_get(i)?, kind, Value::Text),
        Kind::Time => or_null(row.try_get(i)?, kind, Value::Time),
        Kind::Date => or_null(row.try_get(i)?, kind, Value::Date),
        Kind::Json => or_null(row.try_get(i)?, kind, Value::Json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Cell {
        Cell::Text(t.to_string())
    }

    #[test]
    fn sqlite_values_become_the_postgresql_columns_types() {
        let at = DateTime::parse_from_rfc3339("2026-10-13T18:02:00.250Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            convert(text("2026-10-13T18:02:00.250Z"), Kind::Time),
            Ok(Value::Time(at))
        );
        // An offset other than Z is the same instant.
        assert_eq!(
            convert(text("2026-10-13T19:02:00.250+01:00"), Kind::Time),
            Ok(Value::Time(at))
        );
        assert_eq!(convert(Cell::Integer(1), Kind::Flag), Ok(Value::Flag(true)));
        assert_eq!(
            convert(Cell::Integer(0), Kind::Flag),
            Ok(Value::Flag(false))
        );
        assert_eq!(convert(Cell::Integer(42), Kind::Int), Ok(Value::Int(42)));
        assert_eq!(
            convert(text("2026-03-29"), Kind::Date),
            Ok(Value::Date(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()))
        );
        assert_eq!(
            convert(text(r#"["sign-in","bulk-upload"]"#), Kind::Json),
            Ok(Value::Json(serde_json::json!(["sign-in", "bulk-upload"])))
        );
        assert_eq!(convert(Cell::Null, Kind::Time), Ok(Value::Null(Kind::Time)));
        assert_eq!(
            convert(text("plain words"), Kind::Text),
            Ok(Value::Text("plain words".into()))
        );
    }

    #[test]
    fn a_value_that_does_not_fit_its_column_is_named_in_words() {
        let wrong = convert(text("yesterday"), Kind::Time).unwrap_err();
        assert_eq!(wrong, "the text \"yesterday\" is not a time (RFC 3339)");
        let flag = convert(Cell::Integer(2), Kind::Flag).unwrap_err();
        assert_eq!(flag, "the number 2 cannot be a yes or no (0 or 1)");
        let json = convert(text("{\"a\":"), Kind::Json).unwrap_err();
        assert!(
            json.starts_with("the text \"{\"a\":\" is not JSON"),
            "{json}"
        );
        let number = convert(text("12"), Kind::Int).unwrap_err();
        assert_eq!(number, "the text \"12\" cannot be a whole number");
    }

    #[test]
    fn the_digest_ignores_row_order_and_json_key_order_but_not_values() {
        let row = |title: &str, json: &str| {
            vec![
                Value::Int(1),
                Value::Text(title.into()),
                Value::Json(serde_json::from_str(json).unwrap()),
            ]
        };
        let mut sqlite = Tally::default();
        sqlite.add(&row("A", r#"{"service":"x","status":"down"}"#));
        sqlite.add(&row("B", "[]"));
        let mut pg = Tally::default();
        pg.add(&row("B", "[]"));
        pg.add(&row("A", r#"{"status":"down","service":"x"}"#));
        assert_eq!(sqlite, pg);

        let mut changed = Tally::default();
        changed.add(&row("B", "[]"));
        changed.add(&row("a", r#"{"status":"down","service":"x"}"#));
        assert_ne!(sqlite, changed);
        // A row twice is not the same as the row once.
        let mut twice = sqlite.clone();
        twice.add(&row("B", "[]"));
        assert_ne!(sqlite, twice);
        // Nothing and empty text differ.
        let (mut null, mut empty) = (Tally::default(), Tally::default());
        null.add(&[Value::Null(Kind::Text)]);
        empty.add(&[Value::Text(String::new())]);
        assert_ne!(null, empty);
    }

    #[test]
    fn tables_are_copied_after_the_tables_they_refer_to() {
        let table = |name: &str| {
            (
                name.to_string(),
                Table {
                    name: name.to_string(),
                    columns: Vec::new(),
                    identity: None,
                },
            )
        };
        let tables: BTreeMap<String, Table> =
            ["accounts", "incident_updates", "incidents", "sessions"]
                .into_iter()
                .map(table)
                .collect();
        let references = [
            ("sessions".to_string(), "accounts".to_string()),
            ("incident_updates".to_string(), "incidents".to_string()),
        ];
        let order: Vec<String> = in_reference_order(tables, &references)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            order,
            ["accounts", "incidents", "incident_updates", "sessions"]
        );
    }
}
