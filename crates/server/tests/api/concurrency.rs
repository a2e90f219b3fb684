//! Many people writing at once, as during an outage: every write is stored, none is
//! refused because another landed first.
use chrono::Utc;
use tis_core::incident::AffectedService;
use tis_core::wire::{IncidentInput, NoticeInput, ReportSave, UpdateInput};
use tis_core::{
    Audience, Impact, IncidentStatus, NoticeKind, NoticeSeverity, ProbeResult, Report,
    ReportStatus, Status,
};
use tis_status::store::Change;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_at_the_same_moment_are_all_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            if n % 2 == 0 {
                store
                    .create_notice(
                        &notice_input(&format!("Notice {n}")),
                        Change::now("support"),
                    )
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

fn incident_input(title: &str) -> IncidentInput {
    IncidentInput {
        title: title.into(),
        status: IncidentStatus::Investigating,
        impact: Impact::Major,
        affected: vec![AffectedService {
            service: "bulk-upload".into(),
            status: Status::MajorOutage,
        }],
        started_at: Utc::now(),
        detected_at: None,
        resolved_at: None,
        next_update_at: None,
    }
}

fn notice_input(title: &str) -> NoticeInput {
    NoticeInput {
        title: title.into(),
        body: "Text.".into(),
        kind: NoticeKind::Information,
        severity: NoticeSeverity::Low,
        services: Vec::new(),
        starts_at: Utc::now(),
        ends_at: None,
        audience: Audience::Everyone,
        published: true,
    }
}

/// An editor publishes the report while support posts an update, someone corrects the
/// incident's title and a notice is edited, all at the same moment, many times over.
/// Each write reads the row it changes; if that read happened outside the write's
/// transaction, a write that landed in between would be undone (a published report
/// back to draft, an update lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_writes_to_one_incident_at_the_same_moment_lose_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let incident = store
        .create_incident(
            &incident_input("Bulk upload is not working"),
            Change::now("editor"),
        )
        .await
        .expect("incident");
    let notice = store
        .create_notice(&notice_input("Notice 0"), Change::now("support"))
        .await
        .expect("notice");
    let rounds = 60;
    for round in 0..rounds {
        let report = Report {
            status: if round % 2 == 0 {
                ReportStatus::Published
            } else {
                ReportStatus::InReview
            },
            summary: format!("Summary {round}"),
            ..Report::default()
        };
        let (saved, posted, corrected, edited) = tokio::join!(
            {
                let store = store.clone();
                let save = ReportSave {
                    report: report.clone(),
                    base_revision: round,
                };
                tokio::spawn(async move {
                    store
                        .save_report(incident.id, &save, Change::now("editor"))
                        .await
                })
            },
            {
                let store = store.clone();
                tokio::spawn(async move {
                    let update = UpdateInput {
                        status: IncidentStatus::Identified,
                        body: format!("Update {round}"),
                        next_update_at: None,
                    };
                    store
                        .add_incident_update(incident.id, &update, Change::now("support"))
                        .await
                })
            },
            {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut input =
                        incident_input(&format!("Bulk upload is not working ({round})"));
                    input.status = IncidentStatus::Identified;
                    store
                        .update_incident(incident.id, &input, Change::now("editor"))
                        .await
                })
            },
            {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .update_notice(
                            notice.id,
                            &notice_input(&format!("Notice {}", round + 1)),
                            Change::now("support"),
                        )
                        .await
                })
            },
        );
        saved.expect("ran").expect("the report was saved");
        posted.expect("ran").expect("the update was posted");
        corrected.expect("ran").expect("the incident was corrected");
        edited.expect("ran").expect("the notice was edited");

        let stored = store
            .incidents()
            .await
            .expect("incidents")
            .into_iter()
            .find(|i| i.id == incident.id)
            .expect("the incident is still there");
        assert_eq!(
            stored.report.as_ref(),
            Some(&report),
            "round {round}: the report saved at the same moment as an update is the one stored"
        );
        assert_eq!(
            stored.updates.len(),
            round as usize + 1,
            "round {round}: every update posted is kept"
        );
        assert_eq!(
            stored.title,
            format!("Bulk upload is not working ({round})")
        );
    }
    let notices = store.notices().await.expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, format!("Notice {rounds}"));
}
