//! `tis-status migrate --to postgres://…`, as an operator moving to PostgreSQL runs it: a
//! store filled through the real server on SQLite, copied, then served from a real
//! PostgreSQL (Debian's PostgreSQL 15, one throw-away cluster per test) with the same
//! answers; a database that already holds data, or cannot be reached, is refused in words.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use sqlx::Connection;

use crate::helpers::{
    OutputText, Server, add_account, closed_port, create_token, healthy_target, one_service,
    post_session, sign_in, tis_status, write,
};
use crate::postgres_server::TestPostgres;

const PASSWORD: &str = "correct horse battery staple";

/// A throw-away PostgreSQL, or `None` (said why) on a machine without PostgreSQL 15.
fn postgres() -> Option<TestPostgres> {
    if !TestPostgres::installed() {
        eprintln!("skipped: PostgreSQL 15 is not installed (apt-get install -y postgresql)");
        return None;
    }
    Some(TestPostgres::start().expect("a test PostgreSQL starts"))
}

/// `tis-status migrate --to URL --config CONFIG --data DATA`.
fn migrate(url: &str, config: &Path, data: &Path) -> Output {
    tis_status(&[
        "migrate",
        "--to",
        url,
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ])
}

/// `tis-status export` of the store `config` names, as JSON.
fn export(config: &Path, data: &Path) -> Value {
    let out = tis_status(&[
        "export",
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "export: {}", out.stderr_text());
    serde_json::from_slice(&out.stdout).expect("the export is JSON")
}

/// The rows of every table of the database at `url`, but the migrator's own.
async fn row_counts(url: &str) -> Vec<(String, i64)> {
    let mut db = sqlx::PgConnection::connect(url).await.expect("connects");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
           AND table_name <> '_sqlx_migrations'
         ORDER BY table_name",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut db)
            .await
            .unwrap();
        counts.push((table, n));
    }
    counts
}

async fn get(server: &Server, path: &str) -> Value {
    let answer = reqwest::get(format!("{}{path}", server.url)).await.unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.json().await.unwrap()
}

/// What a reader sees of the services, without the times that move on by themselves.
fn services_seen(services: &Value) -> Vec<(Value, Value, Value)> {
    services["services"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| (s["id"].clone(), s["name"].clone(), s["status"].clone()))
        .collect()
}

/// The parts of Statuspage's summary that are records, not the clock.
fn summary_seen(summary: &Value) -> (Value, Value, Vec<(Value, Value)>) {
    let components = summary["components"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["name"].clone(), c["status"].clone()))
        .collect();
    (
        summary["incidents"].clone(),
        summary["scheduled_maintenances"].clone(),
        components,
    )
}

/// The config of the SQLite store, and the same with `[store] url`.
fn configs(dir: &Path, target: &str, url: &str) -> (PathBuf, PathBuf) {
    let services = one_service(target, None);
    (
        write(dir, "tis.toml", &services),
        write(
            dir,
            "tis-pg.toml",
            &format!("[store]\nurl = \"{url}\"\n\n{services}"),
        ),
    )
}

#[tokio::test]
async fn a_store_moved_to_postgresql_answers_as_it_did_on_sqlite() {
    let Some(pg) = postgres() else { return };
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (sqlite_config, pg_config) = configs(dir.path(), &target, &pg.url());
    add_account(&data, "sam.jones", "editor", PASSWORD);
    let admin = create_token(&data, "admin-script", "admin");

    // Records written through the real server, as staff write them.
    let server = Server::start(&sqlite_config, &data).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{}{path}", server.url))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };
    let notice = post(
        "/api/v1/notices",
        json!({
            "title": "Bulk upload is slow",
            "body": "Uploads take longer than usual. They do finish.",
            "kind": "known_problem",
            "severity": "medium",
            "services": ["bulk-upload"],
            "starts_at": "2026-12-01T10:47:00Z",
            "audience": "admins",
            "published": true
        }),
    )
    .await
    .unwrap();
    assert_eq!(notice.status(), 201, "{}", notice.text().await.unwrap());
    let opened: Value = post(
        "/api/v1/incidents",
        json!({
            "title": "Bulk upload not working",
            "status": "investigating",
            "impact": "major",
            "affected": [{"service": "bulk-upload", "status": "major_outage"}],
            "started_at": "2026-10-13T18:00:00Z",
            "detected_at": "2026-10-14T09:44:00Z",
        }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let incident = opened["id"].as_i64().unwrap_or_else(|| panic!("{opened}"));
    let update = post(
        &format!("/api/v1/incidents/{incident}/updates"),
        json!({"status": "resolved", "body": "Uploads work again."}),
    )
    .await
    .unwrap();
    assert_eq!(update.status(), 201, "{}", update.text().await.unwrap());
    // The report is saved by the account, signed in with its password.
    let editor = sign_in(&server.url, "sam.jones", PASSWORD).await;
    let saved = client
        .put(format!("{}/api/v1/incidents/{incident}/report", server.url))
        .header("cookie", &editor.cookie)
        .header("x-csrf-token", &editor.csrf_token)
        .json(&json!({"base_revision": 0, "report": {
            "summary": "Services could not sign in after an upgrade.",
            "impact": "No admin could upload for a day.",
            "non_technical": "A settings file pointed sign-in at the wrong place."
        }}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    // A webhook subscription, and its first messages waiting in the outbox.
    let hook = post(
        "/api/v1/subscriptions/channels",
        json!({"kind": "webhook", "name": "ESR team's system",
               "url": format!("{target}/hook"), "kinds": ["incidents"]}),
    )
    .await
    .unwrap();
    assert_eq!(hook.status(), 201, "{}", hook.text().await.unwrap());
    // A few checks of the probe's.
    server
        .wait_for("/api/v1/services/bulk-upload/results?limit=3", |b| {
            b["results"].as_array().is_some_and(|r| r.len() >= 3)
        })
        .await;
    let cutoff = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let history = format!("/api/v1/services/bulk-upload/results?limit=100&before={cutoff}");
    let before = (
        get(&server, "/api/v1/notices").await,
        get(&server, "/api/v1/incidents").await,
        get(&server, &format!("/api/v1/incidents/{incident}")).await,
        summary_seen(&get(&server, "/api/v2/summary.json").await),
        services_seen(&get(&server, "/api/v1/services").await),
        get(&server, &history).await,
    );
    drop(server);
    let exported = export(&sqlite_config, &data);

    let out = migrate(&pg.url(), &sqlite_config, &data);
    assert!(out.status.success(), "migrate: {}", out.stderr_text());
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("  notices: 1 row\n"), "{said}");
    assert!(said.contains("  incidents: 1 row\n"), "{said}");
    assert!(said.contains("  revisions: 1 row\n"), "{said}");
    assert!(said.contains("  accounts: 1 row\n"), "{said}");
    assert!(said.contains("  api_tokens: 1 row\n"), "{said}");
    assert!(said.contains("  subscribers: 1 row\n"), "{said}");
    assert!(said.contains("  probe_results: "), "{said}");
    let db = data.join("tis-status.db");
    let last = said.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Copied ")
            && last.contains(&format!(
                "rows from {} into {}. Set [store] url",
                db.display(),
                pg.url()
            )),
        "{said}"
    );
    // Every row SQLite holds is in PostgreSQL, table by table.
    let sqlite = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()));
    let mut sqlite = sqlite.await.unwrap();
    for (table, n) in row_counts(&pg.url()).await {
        let held: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut sqlite)
            .await
            .unwrap();
        assert_eq!((table.as_str(), n), (table.as_str(), held));
    }
    drop(sqlite);

    // The same records, read from PostgreSQL.
    assert_eq!(export(&pg_config, &data), exported);
    let server = Server::start(&pg_config, &data).await;
    let after = (
        get(&server, "/api/v1/notices").await,
        get(&server, "/api/v1/incidents").await,
        get(&server, &format!("/api/v1/incidents/{incident}")).await,
        summary_seen(&get(&server, "/api/v2/summary.json").await),
        services_seen(&get(&server, "/api/v1/services").await),
        get(&server, &history).await,
    );
    assert_eq!(after.0, before.0, "notices");
    assert_eq!(after.1, before.1, "incidents");
    assert_eq!(after.2, before.2, "the incident and its report");
    assert_eq!(after.3, before.3, "the summary");
    assert_eq!(after.4, before.4, "the services");
    assert_eq!(after.5, before.5, "the probe history");
    assert!(after.5["results"].as_array().is_some_and(|r| r.len() >= 3));

    // The account signs in with its password, and the session it had goes on; the token
    // still works, and what it writes gets new ids after the copied ones.
    let again = sign_in(&server.url, "sam.jones", PASSWORD).await;
    for cookie in [&again.cookie, &editor.cookie] {
        let me: Value = client
            .get(format!("{}/api/v1/session", server.url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["name"], "sam.jones", "{me}");
    }
    let wrong = post_session(&server.url, "sam.jones", "not the password").await;
    assert_eq!(wrong.status(), 401);
    let second = client
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&admin)
        .json(&json!({
            "title": "Planned work on Saturday",
            "body": "Bulk upload is off for an hour.",
            "kind": "information",
            "severity": "low",
            "services": [],
            "starts_at": "2026-12-05T08:00:00Z",
            "audience": "everyone",
            "published": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 201, "{}", second.text().await.unwrap());
    let second: Value = second.json().await.unwrap();
    assert_eq!(
        second["id"],
        exported["notices"][0]["id"].as_i64().unwrap() + 1
    );
    let tokens = client
        .get(format!("{}/api/v1/tokens", server.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
}

#[tokio::test]
async fn a_database_that_already_holds_data_is_refused_and_left_as_it_was() {
    let Some(pg) = postgres() else { return };
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (sqlite_config, _) = configs(dir.path(), &target, &pg.url());
    create_token(&data, "admin-script", "admin");
    let first = migrate(&pg.url(), &sqlite_config, &data);
    assert!(first.status.success(), "{}", first.stderr_text());

    // More is written to SQLite, and the copy is run again into the same database, with
    // the URL (and its password) in an environment variable.
    create_token(&data, "prober-leeds", "prober");
    let held = row_counts(&pg.url()).await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(["migrate", "--to-env", "TIS_TARGET", "--config"])
        .arg(&sqlite_config)
        .arg("--data")
        .arg(&data)
        .env("TIS_TARGET", pg.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(
        said.contains(&format!(
            "the PostgreSQL database {} already holds data (",
            pg.url()
        )),
        "{said}"
    );
    assert!(said.contains("1 row in api_tokens"), "{said}");
    assert!(said.contains(" in audit_log"), "{said}");
    assert!(
        said.contains(
            "migrate copies into an empty database only: make a new database and run it again"
        ),
        "{said}"
    );
    assert_eq!(row_counts(&pg.url()).await, held, "nothing changed");

    // A database that is not there, in PostgreSQL's own words.
    let (server, _) = pg
        .url()
        .rsplit_once('/')
        .map(|(s, d)| (s.to_string(), d.to_string()))
        .unwrap();
    let out = migrate(&format!("{server}/tis_status_typo"), &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(said.contains("refused the connection"), "{said}");
    assert!(
        said.contains("\"tis_status_typo\" does not exist"),
        "{said}"
    );
    assert!(said.contains("make the database first"), "{said}");
}

#[tokio::test]
async fn a_missing_or_newer_store_and_an_unreachable_database_are_named_without_the_password() {
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = closed_port();
    let url = format!("postgres://tis:s3cret-words@127.0.0.1:{port}/tis_status");
    let (sqlite_config, _) = configs(dir.path(), &target, &url);

    // No store at all: where it looked.
    let out = migrate(&url, &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(said.contains("there is no SQLite store at"), "{said}");
    assert!(!data.exists(), "no store is made to copy from");

    create_token(&data, "admin-script", "admin");
    let out = migrate(&url, &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text() + &String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!(
            "the PostgreSQL database at postgres://tis:***@127.0.0.1:{port}/tis_status cannot be reached"
        )),
        "{said}"
    );
    assert!(said.contains("Nothing was copied"), "{said}");
    assert!(!said.contains("s3cret-words"), "{said}");

    // A store a newer tis-status changed: run that version instead.
    let db = format!("sqlite://{}", data.join("tis-status.db").display());
    let mut sqlite = sqlx::SqliteConnection::connect(&db).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (9999, 'from a later version', 1, x'00', 1)",
    )
    .execute(&mut sqlite)
    .await
    .unwrap();
    drop(sqlite);
    let out = migrate(&url, &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(
        said.contains("changed by a newer version of tis-status"),
        "{said}"
    );
    assert!(said.contains("9999"), "{said}");
    assert!(!said.contains("s3cret-words"), "{said}");
}

/// A SQLite store with a token in it, and a PostgreSQL database with this version's
/// tables, which `change` then alters as a faulty target or a missing migration would.
async fn store_and_altered_target(pg: &TestPostgres, data: &Path, change: &str) {
    create_token(data, "admin-script", "admin");
    let target = tis_status::store::PgStore::open(&pg.url(), None)
        .await
        .expect("the tables are made");
    sqlx::raw_sql(change)
        .execute(target.pool())
        .await
        .expect("the target is altered");
}

#[tokio::test]
async fn a_copy_that_does_not_read_back_as_it_was_is_not_kept() {
    let Some(pg) = postgres() else { return };
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (sqlite_config, _) = configs(dir.path(), &target, &pg.url());
    // A target that quietly changes what it is given.
    store_and_altered_target(
        &pg,
        &data,
        "CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN NEW.name := upper(NEW.name); RETURN NEW; END $$;
         CREATE TRIGGER shout BEFORE INSERT ON api_tokens FOR EACH ROW EXECUTE FUNCTION shout();",
    )
    .await;

    let out = migrate(&pg.url(), &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(
        said.contains(
            "the copy of api_tokens read back from PostgreSQL differs from the SQLite rows"
        ),
        "{said}"
    );
    assert!(said.contains("nothing was copied"), "{said}");
    let held: i64 = row_counts(&pg.url()).await.iter().map(|(_, n)| n).sum();
    assert_eq!(held, 0, "no table kept any row");
}

#[tokio::test]
async fn a_column_one_store_lacks_stops_the_copy_rather_than_being_dropped() {
    let Some(pg) = postgres() else { return };
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (sqlite_config, _) = configs(dir.path(), &target, &pg.url());
    store_and_altered_target(&pg, &data, "ALTER TABLE api_tokens DROP COLUMN location").await;

    let out = migrate(&pg.url(), &sqlite_config, &data);
    assert_eq!(out.status.code(), Some(1));
    let said = out.stderr_text();
    assert!(
        said.contains(
            "the columns of table api_tokens that SQLite has and PostgreSQL lacks: location"
        ),
        "{said}"
    );
    assert!(said.contains("nothing was copied"), "{said}");
    let held: i64 = row_counts(&pg.url()).await.iter().map(|(_, n)| n).sum();
    assert_eq!(held, 0);
}
