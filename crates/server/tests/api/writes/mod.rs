//! Writes: what support staff, editors, admins and probers rely on, and every way a write
//! is refused. Each refusal is problem+json that names what to fix, never a 500, and
//! leaves everything stored exactly as it was.

mod accounts;
mod every_write;
mod incidents;
mod notices;
mod probes;

use axum::http::{StatusCode, header};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use tis_core::Role;
use tis_core::problem::ProblemType;

use crate::helpers::{Auth, Problem, TestApp, spawn_app};

/// A time `minutes` from now, as the API takes it.
fn at(minutes: i64) -> String {
    (Utc::now() + Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn notice(title: &str) -> Value {
    json!({
        "title": title,
        "body": "Bulk upload fails for files with more than 5,000 rows. Split the file for now.",
        "kind": "known_problem",
        "severity": "medium",
        "services": ["bulk-upload"],
        "starts_at": at(-5),
        "ends_at": at(120),
        "audience": "admins",
        "published": true,
    })
}

fn incident(title: &str) -> Value {
    json!({
        "title": title,
        "status": "investigating",
        "impact": "major",
        "affected": [
            {"service": "bulk-upload", "status": "major_outage"},
            {"service": "esr-integration", "status": "partial_outage"},
        ],
        "started_at": at(-60),
        "detected_at": at(-30),
    })
}

fn update(status: &str, body: &str) -> Value {
    json!({"status": status, "body": body, "next_update_at": at(30)})
}

fn report(status: &str, summary: &str) -> Value {
    json!({
        "status": status,
        "authors": ["jo.bloggs"],
        "summary": summary,
        "impact": "Admins could not use bulk upload for three hours.",
        "non_technical": "A change to the servers stopped services signing in to each other.",
        "timeline": [
            {"at": at(-60), "text": "Servers upgraded", "kind": "cause"},
            {"from": at(-30), "to": at(-20), "approximate": true, "text": "Admins report errors", "kind": "detected"},
        ],
        "root_causes": ["The hosts file sent the sign-in address to the server itself."],
        "action_items": [{"text": "Probe sign-in between services", "owner": "Platform team", "status": "open"}],
        "lessons": ["Know which services depend on sign-in."],
    })
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["title"].as_str().map(str::to_string))
        .collect()
}

/// Sends a write that must be refused with `status`, and checks that nothing stored
/// changed.
async fn refused(
    app: &TestApp,
    method: &str,
    uri: &str,
    auth: &Auth,
    body: Option<&str>,
    status: StatusCode,
) -> Problem {
    let before = app.stored().await;
    let answer = app.call_raw(method, uri, auth, body).await;
    let problem = answer.problem(status);
    assert!(
        app.stored().await == before,
        "{method} {uri} was refused with {status} but changed what is stored"
    );
    problem
}
