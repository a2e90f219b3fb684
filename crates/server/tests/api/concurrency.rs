//! Many people writing at once, as during an outage: every write is stored, none is
//! refused because another landed first.

use std::sync::Arc;

use chrono::Utc;
use tis_core::wire::NoticeInput;
use tis_core::{Audience, NoticeKind, NoticeSeverity, ProbeResult};
use tis_status::store::{Change, SqliteStore, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_at_the_same_moment_are_all_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SqliteStore::open(dir.path()).await.expect("store opens"));
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                let input = NoticeInput {
                    title: format!("Notice {n}"),
                    body: "Text.".into(),
                    kind: NoticeKind::Information,
                    severity: NoticeSeverity::Low,
                    services: Vec::new(),
                    starts_at: Utc::now(),
                    ends_at: None,
                    audience: Audience::Everyone,
                    published: true,
                };
                store
                    .create_notice(&input, Change::now("support"))
                    .await
                    .map(|_| ())
            } else {
                let result = ProbeResult {
                    probe: "sign-in/1".into(),
                    service: "sign-in".into(),
                    at: Utc::now(),
                    ok: true,
                    latency_ms: 12,
                    error_kind: None,
                    detail: String::new(),
                    degraded: false,
                    location: None,
                };
                store.add_probe_results(&[result]).await
            }
        }));
    }
    for task in tasks {
        task.await
            .expect("the task ran")
            .expect("the write was stored");
    }
    assert_eq!(store.notices().await.expect("notices").len(), 20);
}
