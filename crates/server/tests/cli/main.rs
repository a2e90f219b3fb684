//! The `tis-status` binary as users run it: real processes, a real SQLite file in a
//! temporary directory, and real HTTP between the prober and targets on 127.0.0.1.

mod accounts;
mod demo;
mod helpers;
mod http;
mod ops;
mod probes;

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
    drop(Server::start_demo(&first).await);
    let exported = dir.path().join("export.json");
    let out = tis_status(&[
        "export",
        "--data",
        first.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", out.stderr_text());

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
    let original: Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let copy: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(original, copy);
    assert!(
        original["revisions"]
            .as_array()
            .is_some_and(|r| r.len() >= 2),
        "revisions are part of the round trip"
    );
}
