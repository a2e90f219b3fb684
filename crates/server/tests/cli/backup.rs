//! `tis-status backup`: a whole, consistent copy of the store while the server runs and
//! writes, which a server started with `--data FILE` serves as it was.

use std::path::Path;
use std::process::Output;

use serde_json::{Value, json};

use crate::helpers::{OutputText, Server, create_token, tis_status};

/// `tis-status backup --data DATA --out OUT`.
fn backup(data: &Path, out: &Path) -> Output {
    tis_status(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Every notice the server shows, as JSON.
async fn notices(server: &Server) -> Value {
    let answer = reqwest::get(format!("{}/api/v1/notices", server.url));
    answer.await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_restores_by_pointing_data_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let support = create_token(&data, "support-desk", "support");
    let server = Server::start_demo(&data).await;
    let client = reqwest::Client::new();
    let posted = client
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&support)
        .json(&json!({
            "title": "Bulk upload is slow this morning",
            "body": "Uploads take longer than usual. They do finish.",
            "kind": "known_problem",
            "severity": "low",
            "services": ["bulk-upload"],
            "audience": "admins",
            "starts_at": chrono::Utc::now().to_rfc3339(),
            "published": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    let before: Value = notices(&server).await;

    // Taken while the demo's probes keep writing results.
    let copy = dir.path().join("tis-status-backup.db");
    let out = backup(&data, &copy);
    assert!(out.status.success(), "{}", out.stderr_text());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("5 notices, 4 incidents"), "{said}");
    assert!(
        said.contains(&format!("start it with --data {}", copy.display())),
        "{said}"
    );
    // No half-written file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

    // An existing file is never overwritten.
    let again = backup(&data, &copy);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        again
            .stderr_text()
            .contains("already exists: choose another name"),
        "{}",
        again.stderr_text()
    );
    drop(server);

    // Restored: a server on the copy shows what the original showed.
    let restored = Server::start_demo(&copy).await;
    let after: Value = notices(&restored).await;
    assert_eq!(before, after);
}

#[test]
fn a_backup_of_a_directory_with_no_store_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let out = backup(dir.path(), &dir.path().join("copy.db"));
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    assert!(err.contains("there is no store at"), "{err}");
    assert!(err.contains("tis-status.db"), "{err}");
    assert!(!dir.path().join("copy.db").exists());
}
