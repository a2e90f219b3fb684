//! What the staff pages read about a report's history, read with the core crate's types,
//! so the browser app and the server cannot drift apart.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tis_core::wire::RevisionInfo;
use tis_core::wire::{LineChange, ReportDiff};

use crate::glossary::staff;
use crate::helpers::spawn_app;

#[tokio::test]
async fn revisions_and_their_differences_read_as_the_app_expects() {
    let app = spawn_app().await;
    let ed = staff(&app, "eddie", tis_core::Role::Editor).await;
    let send = |method: &str, uri: String, body: Value| {
        Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header("cookie", &ed.cookie)
            .header("x-csrf-token", &ed.csrf)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let opened = app
        .send(send(
            "POST",
            "/api/v1/incidents".into(),
            json!({
                "title": "Bulk upload not working",
                "status": "investigating",
                "impact": "major",
                "affected": [{"service": "bulk-upload", "status": "major_outage"}],
                "started_at": "2026-10-13T18:00:00Z",
            }),
        ))
        .await;
    assert_eq!(opened.status, StatusCode::CREATED);
    let id = opened.json()["id"].as_i64().unwrap();
    let report = |summary: &str| json!({"summary": summary, "impact": "", "non_technical": ""});
    for (base, summary) in [(0, "First words."), (1, "Better words.")] {
        let saved = app
            .send(send(
                "PUT",
                format!("/api/v1/incidents/{id}/report"),
                json!({"base_revision": base, "report": report(summary)}),
            ))
            .await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.json());
    }

    let list = app
        .send(send(
            "GET",
            format!("/api/v1/incidents/{id}/report/revisions"),
            Value::Null,
        ))
        .await;
    let list: Vec<RevisionInfo> = serde_json::from_slice(&list.body).expect("revision list");
    assert_eq!(
        list.iter()
            .map(|r| (r.number, r.current))
            .collect::<Vec<_>>(),
        [(2, true), (1, false)]
    );
    assert_eq!(list[0].author, "eddie");

    let diff = app
        .send(send(
            "GET",
            format!("/api/v1/incidents/{id}/report/diff?from=1&to=2"),
            Value::Null,
        ))
        .await;
    let diff: ReportDiff = serde_json::from_slice(&diff.body).expect("diff");
    assert_eq!(diff.sections.len(), 1);
    assert_eq!(diff.sections[0].section, "summary");
    let changes: Vec<(LineChange, &str)> = diff.sections[0]
        .lines
        .iter()
        .map(|l| (l.change, l.text.as_str()))
        .collect();
    assert_eq!(
        changes,
        [
            (LineChange::Removed, "First words."),
            (LineChange::Added, "Better words.")
        ]
    );
}
