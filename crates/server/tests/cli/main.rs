//! The `tis-status` binary as users run it: real processes, a real SQLite file in a
//! temporary directory, and real HTTP between the prober and targets on 127.0.0.1.

mod accounts;
mod alerts;
mod backup;
mod certificates;
mod channel_subscriptions;
mod demo;
mod heartbeats;
mod helpers;
mod http;
mod migrate;
mod ops;
mod postgres;
#[path = "../support/postgres.rs"]
#[allow(dead_code)]
mod postgres_server;
mod probes;
mod replicas;
mod restart;
mod send_rate;
mod subscriptions;

use helpers::{OutputText, Server, tis_status, write};
use serde_json::Value;

#[tokio::test]
async fn a_service_whose_sign_in_is_down_is_shown_down_with_the_reason() {
    let target = helpers::healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let closed = helpers::closed_port();
    let config = write(
        dir.path(),
        "tis.toml",
        &format!(
            r#"
[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = {closed}
interval = "5s"
timeout = "1s"
fail_after = 1

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
depends_on = ["sign-in"]
[[service.probe]]
kind = "http"
url = "{target}/actuator/health"
json_pointer = "/status"
expect_value = "UP"
interval = "5s"
timeout = "1s"
"#
        ),
    );
    let server = Server::start(&config, &dir.path().join("data")).await;

    let services = server
        .wait_for("/api/v1/services", |body| {
            body["services"][1]["status"] == "major_outage"
        })
        .await;
    let sign_in = &services["services"][0];
    let bulk = &services["services"][1];
    assert_eq!(sign_in["status"], "major_outage");
    assert_eq!(bulk["name"], "Bulk upload");
    assert_eq!(bulk["reason"], "because Sign-in is down");
    assert_eq!(services["demo"], false);
    assert!(
        dir.path().join("data").join("tis-status.db").is_file(),
        "the store is a real SQLite file in the data directory"
    );
}

#[tokio::test]
async fn the_built_in_demo_serves_live_status_and_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("data")).await;
    let services = server
        .wait_for("/api/v1/services", |body| {
            body["services"]
                .as_array()
                .is_some_and(|s| s.iter().all(|s| s["status"] == "operational"))
        })
        .await;
    assert_eq!(services["demo"], true);
    assert_eq!(services["services"].as_array().map(Vec::len), Some(10));
    drop(server);

    // The demo's incidents went into the store through the import path.
    let out = tis_status(&[
        "export",
        "--data",
        dir.path().join("data").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let export: Value = serde_json::from_slice(&out.stdout).unwrap();
    let titles: Vec<&str> = export["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Bulk upload and ESR integration stopped working"),
        "{titles:?}"
    );
}

#[test]
fn check_lists_every_problem_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.toml",
        r#"[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
depends_on = ["sign-on"]
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 9
interval = "2s"
timeout = "1s"
"#,
    );
    let out = tis_status(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    assert!(err.contains("bad.toml, line 6"), "{err}");
    assert!(err.contains("bad.toml, line 11"), "{err}");
    assert!(err.contains("interval"), "{err}");
    assert!(err.contains("sign-on"), "{err}");
    assert!(err.contains("2 problems"), "{err}");
}

#[test]
fn serve_refuses_a_broken_config_without_creating_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "bad.toml", "[[service]]\nid = \"Bad Id\"\n");
    let data = dir.path().join("data");
    let out = tis_status(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr_text().contains("bad.toml"),
        "{}",
        out.stderr_text()
    );
    assert!(
        !data.exists(),
        "nothing should be written for a config that is refused"
    );
}

#[tokio::test]
async fn a_bad_import_file_is_refused_whole_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(Server::start_demo(&data).await);
    let data_arg = data.to_str().unwrap();
    let before = tis_status(&["export", "--data", data_arg]);
    assert!(before.status.success());

    // Malformed JSON: the line and column are named.
    let broken = write(
        dir.path(),
        "broken.json",
        "{\"version\": 1,\n \"notices\": [}\n",
    );
    let out = tis_status(&["import", broken.to_str().unwrap(), "--data", data_arg]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    assert!(err.contains("broken.json: line 2"), "{err}");

    // Valid JSON, but one good notice and one bad one: neither is written.
    let mixed = write(
        dir.path(),
        "mixed.json",
        r#"{"version": 1, "notices": [
  {"id": 50, "title": "Fine", "body": "All good.", "kind": "information", "severity": "low",
   "services": [], "starts_at": "2026-11-01T09:00:00Z", "audience": "everyone",
   "published": true, "author": "Support", "created_at": "2026-11-01T09:00:00Z",
   "updated_at": "2026-11-01T09:00:00Z"},
  {"id": 51, "title": "", "body": "No title.", "kind": "information", "severity": "low",
   "services": ["buk-upload"], "starts_at": "2026-11-01T09:00:00Z", "audience": "everyone",
   "published": true, "author": "Support", "created_at": "2026-11-01T09:00:00Z",
   "updated_at": "2026-11-01T09:00:00Z"}
]}"#,
    );
    let out = tis_status(&["import", mixed.to_str().unwrap(), "--data", data_arg]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    assert!(err.contains("notices[1] (id 51), title"), "{err}");
    assert!(err.contains("buk-upload"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");

    let after = tis_status(&["export", "--data", data_arg]);
    assert_eq!(
        before.stdout, after.stdout,
        "the store changed after a refused import"
    );
}

#[tokio::test]
async fn export_then_import_round_trips_everything() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let first_arg = first.to_str().unwrap();
    // Made before the demo starts, which loads its records only into a store without any.
    let editor = helpers::create_token(&first, "glossary-editor", "editor");
    let server = Server::start_demo(&first).await;
    let saved = reqwest::Client::new()
        .put(format!("{}/api/v1/glossary", server.url))
        .bearer_auth(&editor)
        .json(&serde_json::json!({"terms": [
            {"term": "hosts file", "suggestion": "a settings file on the server"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    drop(server);
    // History another server kept: what its probes saw, a day of uptime and an audit line.
    let history = write(
        dir.path(),
        "history.json",
        r#"{"version": 1,
  "status_changes": [
    {"service": "sign-in", "at": "2026-10-13T18:02:00Z", "from": "operational",
     "to": "major_outage", "detail": "The token endpoint answered 503"},
    {"service": "bulk-upload", "at": "2026-10-13T18:02:00Z", "from": "operational",
     "to": "major_outage", "reason": "because Sign-in is down"}
  ],
  "daily_uptime": [
    {"service": "sign-in", "date": "2026-10-13", "checks": 2880, "failed_checks": 700,
     "minutes": 1440, "minutes_down": 358, "minutes_degraded": 12, "minutes_no_data": 0,
     "median_latency_ms": 120, "p95_latency_ms": 480}
  ],
  "audit_log": [
    {"at": "2026-10-13T18:30:00Z", "actor": "priya", "action": "incident.create",
     "target": "incident/9", "detail": "On the old server"}
  ]}"#,
    );
    let out = tis_status(&["import", history.to_str().unwrap(), "--data", first_arg]);
    assert!(out.status.success(), "{}", out.stderr_text());

    let exported = dir.path().join("export.json");
    let out = tis_status(&[
        "export",
        "--data",
        first_arg,
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    let original: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    // Every kind of record is in the file, so dropping one on the way out or in fails here.
    let count = |part: &str| original[part].as_array().map_or(0, Vec::len);
    assert_eq!((count("notices"), count("incidents")), (4, 4));
    assert!(count("revisions") >= 2, "every revision of every report");
    let updates: usize = original["incidents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| i["updates"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(updates >= 4, "incident updates: {updates}");
    assert_eq!(original["glossary"]["terms"][0]["term"], "hosts file");
    assert_eq!(original["glossary"]["updated_by"], "token glossary-editor");
    // The demo's own past is there too; the imported history must be among it.
    let imported_change = original["status_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["service"] == "bulk-upload" && c["at"] == "2026-10-13T18:02:00Z");
    assert_eq!(
        imported_change.map(|c| &c["reason"]),
        Some(&Value::from("because Sign-in is down"))
    );
    let day = original["daily_uptime"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["service"] == "sign-in" && d["date"] == "2026-10-13");
    assert_eq!(day.map(|d| &d["minutes_down"]), Some(&Value::from(358)));
    let actions: Vec<(&str, &str)> = original["audit_log"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["action"].as_str().unwrap_or_default(),
                l["actor"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    for line in [
        ("incident.create", "priya"),
        ("token.create", ""),
        ("import", "demo"),
        ("glossary.update", "token glossary-editor"),
    ] {
        assert!(
            actions
                .iter()
                .any(|(action, actor)| *action == line.0 && actor.starts_with(line.1)),
            "{line:?} is not in {actions:?}"
        );
    }
    assert!(
        original.get("accounts").is_none() && original.get("tokens").is_none(),
        "who may sign in stays with each server"
    );
    assert!(
        !std::fs::read_to_string(&exported)
            .unwrap()
            .contains(&editor[4..]),
        "no secret is exported"
    );

    let second = dir.path().join("second");
    let out = tis_status(&[
        "import",
        exported.to_str().unwrap(),
        "--data",
        second.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 4 notices, 4 incidents"));

    let again = tis_status(&["export", "--data", second.to_str().unwrap()]);
    assert!(again.status.success(), "{}", again.stderr_text());
    let mut copy: Value = serde_json::from_slice(&again.stdout).unwrap();
    // The copy's audit log also says that the import happened, as its last line.
    let import = copy["audit_log"]
        .as_array_mut()
        .and_then(|log| log.pop())
        .unwrap_or_default();
    assert_eq!(import["action"], "import", "{import}");
    assert!(
        import["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("command line")),
        "{import}"
    );
    assert_eq!(original, copy);
}
