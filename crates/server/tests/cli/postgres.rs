//! `tis-status serve` on a PostgreSQL store, as operators run it: it refuses, in words, a
//! database it cannot reach or whose tables a newer version changed, and says it is not
//! ready while its database is gone. Each test starts a PostgreSQL of its own (Debian's
//! PostgreSQL 15, on 127.0.0.1), since one of them stops it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tis_status::store::{Change, PgStore, Store};

use crate::helpers::{
    OutputText, Server, closed_port, healthy_target, known_problem, tis_status, write,
};
use crate::postgres_server::TestPostgres;

/// One probed service, its records in the PostgreSQL database at `url`.
fn config(dir: &Path, url: &str, target: &str) -> PathBuf {
    write(
        dir,
        "tis.toml",
        &format!(
            r#"[store]
url = "{url}"

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "http"
url = "{target}/actuator/health"
interval = "5s"
timeout = "1s"
"#
        ),
    )
}

/// `serve` that is expected to stop by itself: its output once it has, or a failure if it
/// is still running after a minute (so a server that wrongly starts cannot hang the run).
fn serve_expecting_refusal(config: &Path, data: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tis-status serve starts");
    let started = Instant::now();
    while child
        .try_wait()
        .expect("the child can be waited on")
        .is_none()
    {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "serve was still running after a minute: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[tokio::test]
async fn the_server_refuses_to_start_on_a_database_it_cannot_reach_and_says_where_and_why() {
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let url = format!("postgres://tis@127.0.0.1:{port}/tis_status");
    let config = config(dir.path(), &url, &target);

    let out = serve_expecting_refusal(&config, &dir.path().join("data"));
    assert!(!out.status.success());
    let said = out.stderr_text();
    assert!(
        said.contains(&format!("{url}:")),
        "the URL as given: {said}"
    );
    assert!(said.contains("cannot be reached"), "{said}");
    assert!(said.contains("refused"), "PostgreSQL's own reason: {said}");
    assert!(said.contains("[store] url"), "what to check: {said}");
    // Nothing was made on the side: the records were never going to be in SQLite.
    assert!(!dir.path().join("data").join("tis-status.db").exists());
}

#[tokio::test]
async fn the_server_refuses_a_database_that_is_not_there_in_postgresqls_words() {
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = pg
        .url()
        .rsplit_once('/')
        .map(|(s, d)| (s.to_string(), d.to_string()))
        .unwrap();
    let config = config(dir.path(), &format!("{server}/tis_status_typo"), &target);

    let out = serve_expecting_refusal(&config, &dir.path().join("data"));
    assert!(!out.status.success());
    let said = out.stderr_text();
    assert!(said.contains("refused the connection"), "{said}");
    assert!(
        said.contains("\"tis_status_typo\" does not exist"),
        "{said}"
    );
    assert!(said.contains("database name in [store] url"), "{said}");
}

#[tokio::test]
async fn the_server_refuses_a_database_a_newer_version_migrated_and_keeps_its_records() {
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    // The database as this version leaves it, with a record in it...
    let store = PgStore::open(&pg.url(), None).await.expect("store opens");
    let input: tis_core::wire::NoticeInput = serde_json::from_value(known_problem()).unwrap();
    store
        .create_notice(&input, Change::now("support"))
        .await
        .expect("a notice is kept");
    // ...then changed by a later version, whose migration this one has never seen.
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from a later version', true, '\\x00', 1)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let applied = migrations(&store).await;

    let config = config(dir.path(), &pg.url(), &target);
    let out = serve_expecting_refusal(&config, &dir.path().join("data"));
    assert!(!out.status.success());
    let said = out.stderr_text();
    assert!(said.contains("newer version of tis-status"), "{said}");
    assert!(said.contains("9999"), "names the migration: {said}");
    assert!(said.contains("Nothing was changed"), "{said}");

    // Nothing lost, nothing applied.
    assert_eq!(migrations(&store).await, applied);
    let notices = store.notices().await.expect("notices read");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, "Bulk upload is slow");
}

async fn migrations(store: &PgStore) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn readiness_fails_while_the_database_cannot_be_reached() {
    let mut pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &pg.url(), &target);
    let server = Server::start(&config, &dir.path().join("data")).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;
    let ready = reqwest::get(format!("{}/readyz", server.url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    pg.stop().expect("the test PostgreSQL stops");
    let started = Instant::now();
    let problem: serde_json::Value = loop {
        let answer = reqwest::get(format!("{}/readyz", server.url))
            .await
            .expect("the server itself still answers");
        if answer.status() == 503 {
            break answer.json().await.unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "still ready 30 seconds after the database stopped"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("store"), "{problem}");
    // The page itself is still served from what was last known.
    let health = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn the_command_line_and_the_server_work_on_the_database_the_config_names() {
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = config(dir.path(), &pg.url(), &target);
    let config_arg = config.to_str().unwrap();
    let data_arg = data.to_str().unwrap();

    let made = tis_status(&[
        "token",
        "create",
        "--name",
        "support-bot",
        "--role",
        "support",
        "--config",
        config_arg,
        "--data",
        data_arg,
    ]);
    assert!(
        made.status.success(),
        "token create: {}",
        made.stderr_text()
    );
    let token = String::from_utf8_lossy(&made.stdout).trim().to_string();

    let server = Server::start(&config, &data).await;
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&token)
        .json(&known_problem())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    drop(server);

    let exported = tis_status(&["export", "--config", config_arg, "--data", data_arg]);
    assert!(
        exported.status.success(),
        "export: {}",
        exported.stderr_text()
    );
    let export: serde_json::Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(export["notices"][0]["title"], "Bulk upload is slow");
    // Everything went to PostgreSQL: no SQLite file was made beside it.
    assert!(!data.join("tis-status.db").exists());

    let out = dir.path().join("backup.db");
    let refused = tis_status(&[
        "backup",
        "--out",
        out.to_str().unwrap(),
        "--config",
        config_arg,
        "--data",
        data_arg,
    ]);
    assert!(!refused.status.success());
    assert!(
        refused.stderr_text().contains("pg_dump"),
        "{}",
        refused.stderr_text()
    );
    assert!(!out.exists());
}
