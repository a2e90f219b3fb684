//! Heartbeats from the command line: `check` names every mistake in a heartbeat, the
//! token is printed once and made again with the old one stopping, and the demo's ESR
//! job reports in until `--demo-break esr-job` stops it.

use std::process::Command;

use serde_json::Value;

use crate::helpers::{OutputText, Server, tis_status, write};

#[test]
fn check_names_every_mistake_in_a_heartbeat_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "jobs.toml",
        r#"[[service]]
id = "esr"
name = "ESR integration"
group = "Integrations"
description = "Keep TIS and ESR in step."

[[service.probe]]
kind = "heartbeat"
schedule = "0 25 * * *"
timezone = "Europe/Londno"
grace = "0s"
interval = "30s"
"#,
    );
    let out = tis_status(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    for (line, field) in [
        (9, "schedule"),
        (10, "timezone"),
        (11, "grace"),
        (12, "interval"),
    ] {
        assert!(
            err.contains(&format!(
                "jobs.toml, line {line}: service \"esr\", probe 1, field {field}:"
            )),
            "line {line}, {field}: {err}"
        );
    }
    assert!(err.contains("Europe/Londno"), "{err}");
}

fn token(data: &std::path::Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(["heartbeat", "token", "esr-integration/3", "--data"])
        .arg(data)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", out.stderr_text());
    (
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
        out.stderr_text(),
    )
}

#[tokio::test]
async fn a_heartbeat_token_is_printed_once_and_making_another_stops_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let (first, said) = token(dir.path());
    assert!(first.starts_with("tis_"), "{first}");
    assert!(said.contains("not shown again"), "{said}");
    let (second, said) = token(dir.path());
    assert_ne!(first, second);
    assert!(said.contains("the old one no longer works"), "{said}");
    let refused = tis_status(&[
        "heartbeat",
        "token",
        "esr-integration/1",
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        refused.stderr_text().contains("not a heartbeat"),
        "{}",
        refused.stderr_text()
    );
    // The store keeps hashes only: neither token is anywhere in the database file.
    let db = std::fs::read(dir.path().join(tis_status::store::DB_FILE)).expect("db");
    let db = String::from_utf8_lossy(&db);
    assert!(!db.contains(&first) && !db.contains(&second));
}

async fn esr(server: &Server) -> Value {
    let body: Value = reqwest::get(format!("{}/api/v1/services/esr-integration", server.url))
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    body["service"].clone()
}

#[tokio::test]
async fn the_demo_esr_job_reports_in_and_the_demo_break_stops_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(dir.path()).await;
    // The job reports its start, then its success a few seconds later.
    server
        .wait_for("/api/v1/services/esr-integration", |b| {
            b["service"]["status"] == "operational"
        })
        .await;
    drop(server);
    let broken = Server::start_with(&["--demo-break", "esr-job"], dir.path()).await;
    // It reports once, then stops: 45 seconds after its last report the service is
    // partly down (its health check and sign-in still work), with the reason.
    let started = std::time::Instant::now();
    let down = loop {
        let service = esr(&broken).await;
        if service["status"] == "partial_outage" {
            break service;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(150),
            "never down: {service:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    };
    let reason = down["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("The ESR export has not reported since "),
        "{reason}"
    );
}
