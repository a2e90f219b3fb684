//! The built-in demo (the server's `demo/tis.toml` and `demo/records.json`) reads as the
//! core types, and says what a reader of the demo would expect it to say.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use tis_core::export::{EXPORT_VERSION, Export};
use tis_core::{
    Incident, IncidentStatus, NoticeKind, ProbeKind, Service, TimelineKind, TimelineWhen,
};

fn demo_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../server/demo")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn services() -> Vec<Service> {
    let table: toml::Table = toml::from_str(&demo_file("tis.toml")).expect("tis.toml is TOML");
    let server = table["server"].as_table().expect("a [server] table");
    assert_eq!(server["listen"].as_str(), Some("127.0.0.1:8080"));
    assert_eq!(server["data_dir"].as_str(), Some("data"));
    assert_eq!(server["public_url"].as_str(), Some("http://127.0.0.1:8080"));
    table["service"]
        .clone()
        .try_into()
        .expect("every [[service]] reads as a Service")
}

fn export() -> Export {
    serde_json::from_str(&demo_file("records.json")).expect("records.json reads as an Export")
}

fn service_ids() -> HashSet<String> {
    services().into_iter().map(|s| s.id).collect()
}

/// UK wall-clock time of a UTC instant.
fn uk(t: DateTime<Utc>) -> (NaiveDate, NaiveTime) {
    let local = t.with_timezone(&London);
    (local.date_naive(), local.time())
}

fn the_october_2026_incident(export: &Export) -> &Incident {
    let start = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let found: Vec<&Incident> = export
        .incidents
        .iter()
        .filter(|i| start <= i.started_at && i.started_at < end)
        .collect();
    assert_eq!(found.len(), 1, "one incident started in October 2026");
    found[0]
}

#[test]
fn the_demo_has_the_ten_tis_services_in_order() {
    let services = services();
    let ids: Vec<&str> = services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "sign-in",
            "admin-site",
            "bulk-upload",
            "revalidation",
            "reference-data",
            "self-service",
            "form-r",
            "notifications",
            "esr-integration",
            "data-exports",
        ]
    );
    let positions: Vec<i32> = services.iter().map(|s| s.position).collect();
    assert_eq!(positions, (1..=10).collect::<Vec<_>>());
    for s in &services {
        assert!(!s.name.is_empty() && !s.group.is_empty(), "{}", s.id);
        assert!(
            s.description.ends_with('.') && s.description.matches(". ").count() == 0,
            "{}: the description is one sentence: {:?}",
            s.id,
            s.description
        );
    }
}

#[test]
fn every_dependency_names_a_real_service_and_everything_needs_sign_in() {
    let ids = service_ids();
    for s in services() {
        for d in &s.depends_on {
            assert!(ids.contains(d), "{} depends on unknown service {d}", s.id);
            assert_ne!(d, &s.id, "{} depends on itself", s.id);
        }
        if s.id == "sign-in" {
            assert!(s.depends_on.is_empty());
        } else {
            assert!(s.depends_on.iter().any(|d| d == "sign-in"), "{}", s.id);
        }
    }
}

#[test]
fn the_esr_exchange_reports_in_as_the_one_heartbeat_of_the_demo() {
    let services = services();
    let mut heartbeats: Vec<(String, usize, &ProbeKind)> = Vec::new();
    for s in &services {
        for (i, p) in s.probes.iter().enumerate() {
            if p.kind.is_heartbeat() {
                heartbeats.push((s.id.clone(), i, &p.kind));
            }
        }
    }
    assert_eq!(heartbeats.len(), 1, "{heartbeats:?}");
    let (service, index, kind) = &heartbeats[0];
    // `demo::job::JOB_PROBE` in the server names it so.
    assert_eq!(
        tis_core::status::probe_id(service, *index),
        "esr-integration/3"
    );
    assert!(
        matches!(kind, ProbeKind::Heartbeat { job: Some(job), every: Some(_), .. } if job == "The ESR export"),
        "{kind:?}"
    );
}

#[test]
fn every_service_is_probed_and_two_sign_in_the_way_a_service_does() {
    for s in services() {
        assert!(
            s.probes
                .iter()
                .any(|p| matches!(p.kind, ProbeKind::Http { .. })),
            "{} has an http probe",
            s.id
        );
        // Heartbeats are judged by the server, not checked: see the test below.
        for p in s.probes.iter().filter(|p| !p.kind.is_heartbeat()) {
            assert_eq!(p.interval.to_string(), "10s", "{}", s.id);
            assert_eq!(p.timeout.to_string(), "3s", "{}", s.id);
            assert_eq!(p.fail_after, 2, "{}", s.id);
            let url = match &p.kind {
                ProbeKind::Http { url, .. } => url,
                ProbeKind::Oidc { token_url, .. } => token_url,
                other => panic!("{}: unexpected probe {other:?}", s.id),
            };
            assert!(url.starts_with("${DEMO_ESTATE}/"), "{}: {url}", s.id);
        }
        let oidc: Vec<_> = s
            .probes
            .iter()
            .filter_map(|p| match &p.kind {
                ProbeKind::Oidc {
                    client_id,
                    client_secret_env,
                    then_url,
                    ..
                } => Some((client_id, client_secret_env, then_url)),
                _ => None,
            })
            .collect();
        if s.id == "bulk-upload" || s.id == "esr-integration" {
            assert_eq!(oidc.len(), 1, "{} signs in like a service", s.id);
            let (client_id, secret_env, then_url) = oidc[0];
            // Named as Keycloak clients are, not after the service: a client id is
            // internal, and must not be mistaken for the public service id.
            assert_ne!(client_id, &s.id);
            assert!(!client_id.is_empty(), "{}", s.id);
            assert_eq!(secret_env, "TIS_DEMO_CLIENT_SECRET");
            assert_eq!(
                then_url.as_deref(),
                Some(format!("${{DEMO_ESTATE}}/{}/api/ping", s.id).as_str())
            );
        } else {
            assert!(oidc.is_empty(), "{}", s.id);
        }
    }
}

/// Every key of `written` is in `read` with the same value: nothing in the demo files is
/// silently dropped (not every type rejects unknown fields, e.g. those with flattened parts).
fn assert_nothing_dropped(written: &serde_json::Value, read: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (written, read) {
        (Value::Object(w), Value::Object(r)) => {
            for (k, v) in w {
                let r = r.get(k).unwrap_or_else(|| panic!("{path}/{k} is not read"));
                assert_nothing_dropped(v, r, &format!("{path}/{k}"));
            }
        }
        (Value::Array(w), Value::Array(r)) => {
            assert_eq!(w.len(), r.len(), "{path}");
            for (n, (w, r)) in w.iter().zip(r).enumerate() {
                assert_nothing_dropped(w, r, &format!("{path}/{n}"));
            }
        }
        (w, r) => assert_eq!(w, r, "{path}"),
    }
}

#[test]
fn nothing_in_the_demo_files_is_ignored() {
    let written: serde_json::Value = serde_json::from_str(&demo_file("records.json")).unwrap();
    let read = serde_json::to_value(export()).unwrap();
    assert_nothing_dropped(&written, &read, "records.json");

    let table: toml::Table = toml::from_str(&demo_file("tis.toml")).unwrap();
    let written = serde_json::to_value(&table["service"]).unwrap();
    let read = serde_json::to_value(services()).unwrap();
    assert_nothing_dropped(&written, &read, "tis.toml/service");
}

#[test]
fn records_name_only_real_services_and_unique_ids() {
    let ids = service_ids();
    let export = export();
    assert_eq!(export.version, EXPORT_VERSION);

    let notice_ids: HashSet<i64> = export.notices.iter().map(|n| n.id).collect();
    assert_eq!(
        notice_ids.len(),
        export.notices.len(),
        "notice ids are unique"
    );
    let incident_ids: HashSet<i64> = export.incidents.iter().map(|i| i.id).collect();
    assert_eq!(
        incident_ids.len(),
        export.incidents.len(),
        "incident ids are unique"
    );
    assert!(
        notice_ids.contains(&1) && incident_ids.contains(&1),
        "ids start at 1"
    );

    for n in &export.notices {
        for s in &n.services {
            assert!(ids.contains(s), "notice {} names unknown service {s}", n.id);
        }
        if let Some(end) = n.ends_at {
            assert!(n.starts_at < end, "notice {} ends after it starts", n.id);
        }
        assert!(n.created_at <= n.updated_at, "notice {}", n.id);
    }
    for i in &export.incidents {
        assert!(
            !i.affected.is_empty(),
            "incident {} affects something",
            i.id
        );
        for a in &i.affected {
            assert!(
                ids.contains(&a.service),
                "incident {} names unknown service {}",
                i.id,
                a.service
            );
        }
    }
}

#[test]
fn every_incident_has_updates_in_order_and_a_report() {
    let export = export();
    assert!(export.incidents.len() >= 4);
    for i in &export.incidents {
        assert!(!i.updates.is_empty(), "incident {} has an update", i.id);
        assert!(
            i.updates.windows(2).all(|w| w[0].at <= w[1].at),
            "incident {}: updates are oldest first",
            i.id
        );
        assert_eq!(
            i.latest_update().map(|u| u.status),
            Some(i.status),
            "incident {}: the latest update carries its status",
            i.id
        );
        if let Some(detected) = i.detected_at {
            assert!(i.started_at <= detected, "incident {}", i.id);
        }
        if let Some(resolved) = i.resolved_at {
            assert!(i.started_at < resolved, "incident {}", i.id);
        }
        let report = i.report.as_ref().expect("every demo incident has a report");
        assert!(!report.summary.is_empty() && !report.timeline.is_empty());
        for e in &report.timeline {
            if let TimelineWhen::Range { from, to } = e.when {
                assert!(from < to, "incident {}: {:?}", i.id, e.text);
            }
        }
    }
}

#[test]
fn exactly_one_incident_is_unresolved_and_it_promises_an_update() {
    let export = export();
    let active: Vec<&Incident> = export.incidents.iter().filter(|i| i.is_active()).collect();
    assert_eq!(active.len(), 1);
    let active = active[0];
    assert_eq!(active.status, IncidentStatus::Monitoring);
    assert_eq!(active.resolved_at, None);
    assert_eq!(
        active.next_update_at,
        Some(Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap())
    );
    for i in export.incidents.iter().filter(|i| !i.is_active()) {
        assert!(
            i.resolved_at.is_some(),
            "resolved incident {} has resolved_at",
            i.id
        );
    }
}

#[test]
fn the_october_2026_incident_reads_as_it_happened() {
    let export = export();
    let incident = the_october_2026_incident(&export);
    let report = incident.report.as_ref().unwrap();

    let affected: Vec<(&str, &str)> = incident
        .affected
        .iter()
        .map(|a| (a.service.as_str(), a.status.as_str()))
        .collect();
    assert!(affected.contains(&("bulk-upload", "major_outage")));
    assert!(affected.contains(&("esr-integration", "major_outage")));
    assert!(affected.contains(&("sign-in", "partial_outage")));

    assert!(report.timeline.iter().any(|e| e.approximate));
    assert!(
        report
            .timeline
            .iter()
            .any(|e| matches!(e.when, TimelineWhen::Range { .. }))
    );

    let first_of = |kind: TimelineKind| {
        report
            .timeline
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| match e.when {
                TimelineWhen::At { at } => at,
                TimelineWhen::Range { from, .. } => from,
            })
            .min()
            .unwrap_or_else(|| panic!("the timeline has a {kind:?} entry"))
    };
    let cause = first_of(TimelineKind::Cause);
    let detected = first_of(TimelineKind::Detected);
    let informed = first_of(TimelineKind::UsersInformed);
    let mitigated = first_of(TimelineKind::Mitigated);

    // The cause is "19:xx" on Tuesday 13 October, UK time (BST).
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    let t = |h, min| NaiveTime::from_hms_opt(h, min, 0).unwrap();
    assert_eq!(uk(cause), (d(2026, 10, 13), t(19, 0)));
    assert_eq!(uk(detected), (d(2026, 10, 14), t(9, 44)));
    assert_eq!(uk(informed), (d(2026, 10, 14), t(10, 47)));
    assert_eq!(uk(mitigated), (d(2026, 10, 14), t(12, 16)));
    assert_eq!(incident.detected_at, Some(detected));

    let to_detect = detected - cause;
    assert!(
        (13..=15).contains(&to_detect.num_hours()),
        "about 14 hours from cause to detection, not {to_detect}"
    );

    // ESR integration back on from 17:06 to 18:40, as a range that resolves it.
    assert!(report.timeline.iter().any(|e| {
        e.kind == TimelineKind::Resolved
            && matches!(e.when, TimelineWhen::Range { from, to }
                if uk(from).1 == t(17, 6) && uk(to).1 == t(18, 40))
    }));

    assert!(
        report
            .lessons
            .iter()
            .any(|l| l.to_lowercase().contains("service dependencies"))
    );
    assert!(report.action_items.iter().any(|a| {
        let text = a.text.to_lowercase();
        text.contains("signs in") && text.contains("keycloak")
    }));
}

#[test]
fn notices_include_planned_maintenance_at_8am_uk_time() {
    let export = export();
    let maintenance: Vec<_> = export
        .notices
        .iter()
        .filter(|n| n.kind == NoticeKind::PlannedMaintenance)
        .collect();
    assert_eq!(maintenance.len(), 1);
    let m = maintenance[0];
    assert!(m.published);
    let (date, time) = uk(m.starts_at);
    assert_eq!(date, NaiveDate::from_ymd_opt(2027, 1, 16).unwrap());
    assert_eq!(time, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
    assert_eq!(
        uk(m.ends_at.expect("maintenance ends")).1,
        NaiveTime::from_hms_opt(11, 0, 0).unwrap()
    );
    assert!(
        export.notices.iter().any(|n| !n.published),
        "a draft notice"
    );
    assert!(
        export
            .notices
            .iter()
            .any(|n| n.kind == NoticeKind::KnownProblem && n.ends_at.is_none())
    );
}

#[test]
fn revisions_are_earlier_saves_of_real_reports() {
    let export = export();
    assert!(export.revisions.len() >= 2);
    let mut seen = HashSet::new();
    for r in &export.revisions {
        let incident = export
            .incidents
            .iter()
            .find(|i| i.id == r.incident)
            .unwrap_or_else(|| panic!("revision of unknown incident {}", r.incident));
        assert!(r.number >= 1 && seen.insert((r.incident, r.number)));
        assert_ne!(
            Some(&r.report),
            incident.report.as_ref(),
            "revision {} differs from the current report",
            r.number
        );
        assert!(incident.resolved_at.is_none_or(|end| end < r.at));
    }
}
