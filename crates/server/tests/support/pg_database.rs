//! A new, empty database on a PostgreSQL server, for one test's store. Shared by the
//! store's unit tests and the API suite (`#[path]`), as `postgres.rs` is; apart from it
//! because it needs sqlx, and xtask includes that file with the standard library alone.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

/// Makes an empty database named after `prefix` and this process on the server at
/// `server` (a URL naming a database we may connect to), and returns its URL.
pub async fn fresh_database(server: &str, prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("a test database is made");
    let (base, _) = server.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}
