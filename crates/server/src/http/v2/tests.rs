//! Tests of `v2`.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use tis_core::{
    Audience, IncidentStatus, IncidentUpdate as Update, Notice, NoticeSeverity, Report,
    ReportStatus, Status,
};
use tower::ServiceExt;

use super::*;
use crate::read::model::PageInfo;
use tis_core::incident::AffectedService;

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a test time")
}

fn service(id: &str, group: &str, status: Status) -> ServiceState {
    ServiceState {
        id: id.into(),
        name: format!("The {id} service"),
        description: format!("What people do with {id}."),
        group: group.into(),
        position: 0,
        depends_on: Vec::new(),
        status,
        reason: None,
        last_checked: Some(at("2026-11-25T11:59:30Z")),
    }
}

fn model(
    now: &str,
    services: Vec<ServiceState>,
    incidents: Vec<tis_core::Incident>,
    notices: Vec<Notice>,
) -> Model {
    Model {
        generated_at: at(now),
        page: PageInfo {
            id: "tis-status".into(),
            name: "TIS Status".into(),
            url: "https://status.example.nhs.uk".into(),
            time_zone: "Europe/London".into(),
        },
        services,
        incidents,
        notices,
        ..Model::empty()
    }
}

fn incident(
    id: i64,
    status: IncidentStatus,
    impact: tis_core::Impact,
    affected: &[(&str, Status)],
    updates: &[(&str, IncidentStatus)],
) -> tis_core::Incident {
    tis_core::Incident {
        id,
        title: format!("Incident {id}"),
        status,
        impact,
        affected: affected
            .iter()
            .map(|(service, status)| AffectedService {
                service: (*service).into(),
                status: *status,
            })
            .collect(),
        started_at: at("2026-11-20T09:00:00Z") + chrono::Duration::hours(id),
        detected_at: None,
        resolved_at: None,
        next_update_at: None,
        updates: updates
            .iter()
            .map(|(when, status)| Update {
                at: at(when),
                status: *status,
                body: format!("{status:?} words"),
                author: "Sam".into(),
            })
            .collect(),
        report: None,
    }
}

fn maintenance(id: i64, starts: &str, ends: Option<&str>, services: &[&str]) -> Notice {
    Notice {
        id,
        title: format!("Maintenance {id}"),
        body: "We are upgrading it.".into(),
        kind: NoticeKind::PlannedMaintenance,
        severity: NoticeSeverity::Medium,
        services: services.iter().map(|s| (*s).into()).collect(),
        starts_at: at(starts),
        ends_at: ends.map(at),
        audience: Audience::Everyone,
        published: true,
        author: "Tom".into(),
        created_at: at("2026-11-01T10:00:00Z"),
        updated_at: at("2026-11-01T10:05:00Z"),
    }
}

// ---- mapping rules ----

#[test]
fn statuses_map_to_statuspage_words_and_unknown_never_reads_as_up() {
    let pairs = [
        (Status::Operational, "operational"),
        (Status::Degraded, "degraded_performance"),
        (Status::PartialOutage, "partial_outage"),
        (Status::MajorOutage, "major_outage"),
        (Status::Maintenance, "under_maintenance"),
        (Status::Unknown, "degraded_performance"),
    ];
    for (ours, theirs) in pairs {
        assert_eq!(json!(component_status(ours)), json!(theirs), "{ours:?}");
    }
    // The page as a whole must not say all is well when nothing has been checked.
    let m = model(
        "2026-11-25T12:00:00Z",
        vec![
            service("a", "G", Status::Operational),
            service("b", "G", Status::Unknown),
        ],
        vec![],
        vec![],
    );
    assert_ne!(status(&m).status.indicator, Indicator::None);
}

#[test]
fn the_indicator_is_the_worse_of_services_and_active_incidents() {
    use tis_core::Impact as I;
    let up = vec![service("a", "G", Status::Operational)];
    let case = |services: Vec<ServiceState>, incidents| {
        status(&model("2026-11-25T12:00:00Z", services, incidents, vec![])).status
    };
    let quiet = case(up.clone(), vec![]);
    assert_eq!(quiet.indicator, Indicator::None);
    assert_eq!(quiet.description, "All Systems Operational");

    let active = incident(1, IncidentStatus::Identified, I::Critical, &[], &[]);
    assert_eq!(
        case(up.clone(), vec![active]).indicator,
        Indicator::Critical
    );

    let over = incident(2, IncidentStatus::Resolved, I::Critical, &[], &[]);
    assert_eq!(case(up.clone(), vec![over]).indicator, Indicator::None);

    let partial = vec![service("a", "G", Status::PartialOutage)];
    let minor = incident(3, IncidentStatus::Monitoring, I::Minor, &[], &[]);
    let worse = case(partial, vec![minor]);
    assert_eq!(worse.indicator, Indicator::Major);
    assert_eq!(worse.description, "Partial System Outage");

    let down = vec![service("a", "G", Status::MajorOutage)];
    assert_eq!(case(down, vec![]).indicator, Indicator::Critical);
    let planned = case(vec![service("a", "G", Status::Maintenance)], vec![]);
    assert_eq!(
        (planned.indicator, planned.description.as_str()),
        (Indicator::Minor, "Service Under Maintenance")
    );
}

#[test]
fn groups_become_group_components_listing_their_members() {
    let m = model(
        "2026-11-25T12:00:00Z",
        vec![
            service("sign-in", "Sign-in", Status::Operational),
            service("admin-site", "For admins", Status::Operational),
            service("loose", "", Status::Degraded),
            service("bulk-upload", "For admins", Status::MajorOutage),
        ],
        vec![],
        vec![],
    );
    let list = components(&m).components;
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "group-sign-in",
            "sign-in",
            "group-for-admins",
            "admin-site",
            "bulk-upload",
            "loose"
        ]
    );
    let admins = &list[2];
    assert!(admins.group);
    assert_eq!(
        admins.components.as_deref(),
        Some(&["admin-site".to_string(), "bulk-upload".to_string()][..])
    );
    // A group reads as its worst member, as on Statuspage.
    assert_eq!(admins.status, ComponentStatus::MajorOutage);
    assert_eq!(list[4].group_id.as_deref(), Some("group-for-admins"));
    assert_eq!((list[3].position, list[4].position), (1, 2));
    let loose = &list[5];
    assert_eq!((loose.group_id.as_deref(), loose.position), (None, 3));
    assert!(list.iter().all(|c| c.page_id == "tis-status"));
}

#[test]
fn a_group_id_never_takes_a_service_id() {
    let m = model(
        "2026-11-25T12:00:00Z",
        vec![
            service("group-admins", "", Status::Operational),
            service("x", "Admins", Status::Operational),
        ],
        vec![],
        vec![],
    );
    let list = components(&m).components;
    assert_eq!(list[1].id, "group-admins-2");
    assert_eq!(list[2].group_id.as_deref(), Some("group-admins-2"));
}

#[test]
fn incidents_carry_stable_ids_updates_newest_first_and_component_changes() {
    use IncidentStatus as S;
    let mut i = incident(
        3,
        S::Resolved,
        tis_core::Impact::Major,
        &[("bulk-upload", Status::MajorOutage)],
        &[
            ("2026-11-21T09:47:00Z", S::Investigating),
            ("2026-11-21T12:16:00Z", S::Monitoring),
            ("2026-11-21T18:40:00Z", S::Resolved),
        ],
    );
    i.resolved_at = Some(at("2026-11-21T18:30:00Z"));
    let m = model(
        "2026-11-25T12:00:00Z",
        vec![service("bulk-upload", "For admins", Status::Operational)],
        vec![i.clone()],
        vec![],
    );
    let all = incidents(&m).incidents;
    let out = &all[0];
    assert_eq!(out.id, "inc-3");
    assert_eq!(out.status, IncidentState::Resolved);
    assert_eq!(out.shortlink, "https://status.example.nhs.uk/incidents/3");
    assert_eq!(out.monitoring_at, Some(at("2026-11-21T12:16:00Z")));
    assert_eq!(out.resolved_at, Some(at("2026-11-21T18:30:00Z")));
    assert_eq!(out.created_at, at("2026-11-21T09:47:00Z"));
    assert_eq!(out.updated_at, at("2026-11-21T18:40:00Z"));
    let ids: Vec<&str> = out.incident_updates.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["inc-3-u3", "inc-3-u2", "inc-3-u1"]);
    let first = &out.incident_updates[2].affected_components;
    assert_eq!(
        first.as_deref(),
        Some(
            &[AffectedComponent {
                code: "bulk-upload".into(),
                name: "The bulk-upload service".into(),
                old_status: ComponentStatus::Operational,
                new_status: ComponentStatus::MajorOutage,
            }][..]
        )
    );
    assert_eq!(out.incident_updates[1].affected_components, None);
    let last = out.incident_updates[0].affected_components.as_deref();
    assert_eq!(
        last.map(|l| (l[0].old_status, l[0].new_status)),
        Some((ComponentStatus::MajorOutage, ComponentStatus::Operational))
    );
    assert_eq!(out.components.len(), 1);
    assert!(
        unresolved_incidents(&m).incidents.is_empty(),
        "resolved is not unresolved"
    );

    // A published report is Statuspage's "postmortem"; a draft one is not.
    i.report = Some(Report {
        status: ReportStatus::Published,
        ..Report::default()
    });
    let m = model("2026-11-25T12:00:00Z", vec![], vec![i.clone()], vec![]);
    assert_eq!(incidents(&m).incidents[0].status, IncidentState::Postmortem);
    assert!(unresolved_incidents(&m).incidents.is_empty());
    i.report = Some(Report::default());
    let m = model("2026-11-25T12:00:00Z", vec![], vec![i], vec![]);
    assert_eq!(incidents(&m).incidents[0].status, IncidentState::Resolved);
}

#[test]
fn incidents_json_lists_the_fifty_newest_and_unresolved_only_open_ones() {
    let all: Vec<_> = (1..=60)
        .map(|id| {
            let status = if id % 10 == 0 {
                IncidentStatus::Monitoring
            } else {
                IncidentStatus::Resolved
            };
            incident(id, status, tis_core::Impact::Minor, &[], &[])
        })
        .collect();
    let m = model("2026-11-25T12:00:00Z", vec![], all, vec![]);
    let listed = incidents(&m).incidents;
    assert_eq!(listed.len(), RECENT_LIMIT);
    assert_eq!(listed[0].id, "inc-60");
    assert_eq!(listed[49].id, "inc-11");
    let open: Vec<String> = unresolved_incidents(&m)
        .incidents
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        open,
        ["inc-60", "inc-50", "inc-40", "inc-30", "inc-20", "inc-10"]
    );
    assert_eq!(summary(&m).incidents.len(), 6);
}

#[test]
fn maintenance_is_scheduled_then_in_progress_then_completed() {
    let notice = maintenance(
        7,
        "2027-01-16T08:00:00Z",
        Some("2027-01-16T11:00:00Z"),
        &["admin-site"],
    );
    let services = vec![service("admin-site", "For admins", Status::Operational)];
    let at_time = |now: &str| model(now, services.clone(), vec![], vec![notice.clone()]);

    let before = at_time("2027-01-15T12:00:00Z");
    let m = &scheduled_maintenances(&before).scheduled_maintenances[0].incident;
    assert_eq!(
        (m.id.as_str(), m.status),
        ("notice-7", MaintenanceState::Scheduled)
    );
    assert_eq!(m.incident_updates.len(), 1);
    assert_eq!(
        upcoming_maintenances(&before).scheduled_maintenances.len(),
        1
    );
    assert!(
        active_maintenances(&before)
            .scheduled_maintenances
            .is_empty()
    );
    assert_eq!(summary(&before).scheduled_maintenances.len(), 1);

    let during = at_time("2027-01-16T09:00:00Z");
    let m = &scheduled_maintenances(&during).scheduled_maintenances[0].incident;
    assert_eq!(m.status, MaintenanceState::InProgress);
    let stages: Vec<&str> = m.incident_updates.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(stages, ["notice-7-in-progress", "notice-7-scheduled"]);
    let change = m.incident_updates[0].affected_components.as_deref();
    assert_eq!(
        change.map(|c| (c[0].code.as_str(), c[0].new_status)),
        Some(("admin-site", ComponentStatus::UnderMaintenance))
    );
    assert!(
        upcoming_maintenances(&during)
            .scheduled_maintenances
            .is_empty()
    );
    assert_eq!(active_maintenances(&during).scheduled_maintenances.len(), 1);

    let after = at_time("2027-01-16T11:00:00Z");
    let m = &scheduled_maintenances(&after).scheduled_maintenances[0].incident;
    assert_eq!(m.status, MaintenanceState::Completed);
    assert_eq!(m.resolved_at, Some(at("2027-01-16T11:00:00Z")));
    assert_eq!(m.incident_updates.len(), 3);
    assert!(summary(&after).scheduled_maintenances.is_empty());
    assert!(
        active_maintenances(&after)
            .scheduled_maintenances
            .is_empty()
    );
}

#[test]
fn open_ended_maintenance_stays_in_progress_with_no_end_and_covers_all_of_tis() {
    let m = model(
        "2027-03-01T00:00:00Z",
        vec![
            service("a", "G", Status::Maintenance),
            service("b", "H", Status::Maintenance),
        ],
        vec![],
        vec![maintenance(8, "2027-01-01T00:00:00Z", None, &[])],
    );
    let out = &active_maintenances(&m).scheduled_maintenances[0];
    assert_eq!(out.scheduled_until, None);
    let touched: Vec<&str> = out
        .incident
        .components
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(touched, ["a", "b"]);
}

#[test]
fn drafts_and_other_kinds_of_notice_never_appear() {
    let mut draft = maintenance(1, "2027-01-16T08:00:00Z", None, &[]);
    draft.published = false;
    let mut info = maintenance(2, "2027-01-16T08:00:00Z", None, &[]);
    info.kind = NoticeKind::Information;
    let mut problem = maintenance(3, "2026-01-16T08:00:00Z", None, &[]);
    problem.kind = NoticeKind::KnownProblem;
    let m = model(
        "2026-11-25T12:00:00Z",
        vec![],
        vec![],
        vec![draft, info, problem],
    );
    assert!(scheduled_maintenances(&m).scheduled_maintenances.is_empty());
    assert!(summary(&m).scheduled_maintenances.is_empty());
    let text = serde_json::to_string(&summary(&m)).expect("serializes");
    assert!(!text.contains("notice-1"), "{text}");
}

// ---- the documented shape, checked against fixtures ----

const INDICATORS: &[&str] = &["none", "minor", "major", "critical"];
const COMPONENT_STATUSES: &[&str] = &[
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
];
const INCIDENT_STATUSES: &[&str] = &[
    "investigating",
    "identified",
    "monitoring",
    "resolved",
    "postmortem",
];
const INCIDENT_IMPACTS: &[&str] = &["none", "minor", "major", "critical"];
const MAINTENANCE_STATUSES: &[&str] = &["scheduled", "in_progress", "verifying", "completed"];
const MAINTENANCE_IMPACTS: &[&str] = &["none", "minor", "major", "critical", "maintenance"];

/// Fields that may be null in our answers although Statuspage always fills them: see
/// the module docs.
const NULL_HERE_ONLY: &[&str] = &["scheduled_until"];

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/statuspage/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("the fixture exists");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

/// The documented values of an enum field of an object kind.
fn documented(kind: &str, key: &str) -> Option<&'static [&'static str]> {
    let kind = kind.trim_end_matches("[group]");
    match (kind, key) {
        ("status", "indicator") => Some(INDICATORS),
        (k, "status") if k == "components" || k.ends_with(".components") => {
            Some(COMPONENT_STATUSES)
        }
        ("incidents" | "incidents.incident_updates", "status") => Some(INCIDENT_STATUSES),
        ("incidents", "impact") => Some(INCIDENT_IMPACTS),
        ("scheduled_maintenances" | "scheduled_maintenances.incident_updates", "status") => {
            Some(MAINTENANCE_STATUSES)
        }
        ("scheduled_maintenances", "impact") => Some(MAINTENANCE_IMPACTS),
        (k, "old_status" | "new_status") if k.ends_with(".affected_components") => {
            Some(COMPONENT_STATUSES)
        }
        _ => None,
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every object of an answer, by kind: the path of keys that leads to it (array
/// indexes left out), with `[group]` on group components.
fn objects<'a>(
    value: &'a Value,
    kind: &str,
    out: &mut BTreeMap<String, Vec<&'a Map<String, Value>>>,
) {
    match value {
        Value::Object(map) => {
            let kind = if map.get("group") == Some(&Value::Bool(true)) {
                format!("{kind}[group]")
            } else {
                kind.to_string()
            };
            for (key, child) in map {
                let child_kind = if kind.is_empty() {
                    key.clone()
                } else {
                    format!("{}.{key}", kind.trim_end_matches("[group]"))
                };
                objects(child, &child_kind, out);
            }
            out.entry(kind).or_default().push(map);
        }
        Value::Array(items) => items.iter().for_each(|item| objects(item, kind, out)),
        _ => {}
    }
}

/// Everything in `ours` that breaks the shape of `theirs`: keys, types, enums, times.
fn shape_problems(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut fixture_objects = BTreeMap::new();
    objects(theirs, "", &mut fixture_objects);
    let mut our_objects = BTreeMap::new();
    objects(ours, "", &mut our_objects);
    let mut problems = Vec::new();
    for (kind, instances) in &our_objects {
        let Some(documented_instances) = fixture_objects.get(kind) else {
            problems.push(format!("{kind}: no such kind of object in the fixture"));
            continue;
        };
        let keys: BTreeSet<&String> = documented_instances[0].keys().collect();
        let mut types: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for d in documented_instances {
            for (key, value) in d.iter() {
                types.entry(key).or_default().insert(json_type(value));
            }
        }
        for object in instances {
            let ours_keys: BTreeSet<&String> = object.keys().collect();
            if ours_keys != keys {
                problems.push(format!(
                    "{kind}: keys missing {:?}, extra {:?}",
                    keys.difference(&ours_keys).collect::<Vec<_>>(),
                    ours_keys.difference(&keys).collect::<Vec<_>>()
                ));
            }
            for (key, value) in object.iter() {
                let t = json_type(value);
                let allowed = types.get(key.as_str()).cloned().unwrap_or_default();
                let fits = allowed.contains(t)
                    || (t == "integer" && allowed.contains("number"))
                    || (t == "null" && NULL_HERE_ONLY.contains(&key.as_str()));
                if !fits {
                    problems.push(format!("{kind}.{key}: {t}, documented {allowed:?}"));
                }
                if let Some(values) = documented(kind, key)
                    && !value.as_str().is_some_and(|v| values.contains(&v))
                {
                    problems.push(format!("{kind}.{key}: {value} is not in {values:?}"));
                }
                let is_time = key.ends_with("_at") || key.starts_with("scheduled_");
                if let (true, Some(text)) = (is_time, value.as_str())
                    && DateTime::parse_from_rfc3339(text).is_err()
                {
                    problems.push(format!("{kind}.{key}: {text} is not a timestamp"));
                }
                if let ("start_date", Some(text)) = (key.as_str(), value.as_str())
                    && text.parse::<NaiveDate>().is_err()
                {
                    problems.push(format!("{kind}.{key}: {text} is not a date"));
                }
            }
        }
    }
    problems
}

fn kinds(value: &Value) -> BTreeSet<String> {
    let mut found = BTreeMap::new();
    objects(value, "", &mut found);
    found.into_keys().collect()
}

const FIXTURES: [&str; 8] = [
    "summary.json",
    "status.json",
    "components.json",
    "incidents.json",
    "incidents-unresolved.json",
    "scheduled-maintenances.json",
    "scheduled-maintenances-upcoming.json",
    "scheduled-maintenances-active.json",
];

#[test]
fn the_fixtures_agree_with_themselves_and_with_the_documented_enums() {
    for name in FIXTURES {
        let doc = fixture(name);
        // Every object of a kind has the same keys, so one instance stands for all.
        let mut found = BTreeMap::new();
        objects(&doc, "", &mut found);
        for (kind, instances) in found {
            let first: Vec<&String> = instances[0].keys().collect();
            for other in &instances {
                assert_eq!(other.keys().collect::<Vec<_>>(), first, "{name}: {kind}");
            }
        }
        assert_eq!(shape_problems(&doc, &doc), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn the_shape_check_catches_a_missing_key_a_wrong_type_and_an_unknown_enum() {
    let doc = fixture("summary.json");
    let mut broken = doc.clone();
    broken["components"][0]
        .as_object_mut()
        .expect("an object")
        .remove("showcase");
    broken["components"][1]["position"] = json!("2");
    broken["incidents"][0]["incident_updates"][0]["status"] = json!("unknown");
    broken["page"]["updated_at"] = json!("yesterday");
    broken["incidents"][0]["resolved_at"] = json!(12);
    let problems = shape_problems(&broken, &doc);
    let said = problems.join("\n");
    for expected in [
        "components: keys missing [\"showcase\"]",
        "components[group].position: string",
        "incidents.incident_updates.status: \"unknown\"",
        "page.updated_at: yesterday is not a timestamp",
        "incidents.resolved_at: integer",
    ] {
        assert!(said.contains(expected), "{expected} not in:\n{said}");
    }
}

/// The demo's services and records at `now`, with statuses of every kind so that
/// every mapping shows up.
fn demo_model(now: &str) -> Model {
    let config = crate::config::Config::demo("http://127.0.0.1:9").expect("demo config");
    let records =
        crate::store::import::parse(crate::demo::DEMO_RECORDS_NAME, crate::demo::DEMO_RECORDS)
            .expect("demo records");
    let every = [
        Status::Operational,
        Status::Degraded,
        Status::PartialOutage,
        Status::MajorOutage,
        Status::Maintenance,
        Status::Unknown,
    ];
    let services = config
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| ServiceState {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            group: s.group.clone(),
            position: s.position,
            depends_on: s.depends_on.clone(),
            status: every[i % every.len()],
            reason: None,
            last_checked: (every[i % every.len()] != Status::Unknown)
                .then(|| at(now) - chrono::Duration::seconds(20)),
        })
        .collect();
    let mut incidents = records.incidents;
    incidents.sort_by_key(|i| std::cmp::Reverse(i.started_at));
    model(now, services, incidents, records.notices)
}

fn our(answer: impl Serialize) -> Value {
    serde_json::to_value(answer).expect("serializes")
}

/// Before the demo's planned maintenance, while its last incident is open.
const DEMO_NOW: &str = "2026-11-25T12:00:00Z";
/// During the demo's planned maintenance.
const DEMO_DURING: &str = "2027-01-16T09:00:00Z";
/// After it.
const DEMO_AFTER: &str = "2027-01-16T12:00:00Z";

#[test]
fn the_demo_summary_has_the_documented_shape_and_every_kind_of_object() {
    let m = demo_model(DEMO_NOW);
    let ours = our(summary(&m));
    let doc = fixture("summary.json");
    assert_eq!(shape_problems(&ours, &doc), Vec::<String>::new());
    // During the planned maintenance every kind of object the documentation shows
    // turns up in ours, so none of them goes unchecked.
    let during = our(summary(&demo_model(DEMO_DURING)));
    assert_eq!(shape_problems(&during, &doc), Vec::<String>::new());
    assert_eq!(kinds(&during), kinds(&doc));
    // Exactly the open demo incident and the published planned maintenance.
    assert_eq!(ours["incidents"].as_array().map(Vec::len), Some(1));
    assert_eq!(ours["incidents"][0]["id"], "inc-4");
    assert_eq!(ours["scheduled_maintenances"][0]["id"], "notice-3");
    assert_eq!(ours["scheduled_maintenances"][0]["status"], "scheduled");
    assert_eq!(ours["page"]["id"], "tis-status");
    assert_eq!(ours["page"]["time_zone"], "Europe/London");
    // A group lists its members by id, and they point back at it.
    let groups: Vec<&Value> = ours["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["group"] == true)
        .collect();
    assert_eq!(
        groups.len(),
        4,
        "Sign-in, For admins, For trainees, Integrations"
    );
    for g in groups {
        for member in g["components"].as_array().into_iter().flatten() {
            let member = ours["components"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["id"] == *member)
                .expect("the member is listed");
            assert_eq!(member["group_id"], g["id"]);
        }
    }
}

#[test]
fn every_demo_answer_has_the_documented_shape() {
    type Case = (&'static str, &'static str, fn(&Model) -> Value);
    let cases: [Case; 12] = [
        (DEMO_NOW, "status.json", |m| our(status(m))),
        (DEMO_NOW, "components.json", |m| our(components(m))),
        (DEMO_NOW, "incidents.json", |m| our(incidents(m))),
        (DEMO_NOW, "incidents-unresolved.json", |m| {
            our(unresolved_incidents(m))
        }),
        (DEMO_NOW, "scheduled-maintenances.json", |m| {
            our(scheduled_maintenances(m))
        }),
        (DEMO_NOW, "scheduled-maintenances-upcoming.json", |m| {
            our(upcoming_maintenances(m))
        }),
        (DEMO_DURING, "summary.json", |m| our(summary(m))),
        (DEMO_DURING, "scheduled-maintenances.json", |m| {
            our(scheduled_maintenances(m))
        }),
        (DEMO_DURING, "scheduled-maintenances-active.json", |m| {
            our(active_maintenances(m))
        }),
        (DEMO_AFTER, "scheduled-maintenances.json", |m| {
            our(scheduled_maintenances(m))
        }),
        (DEMO_AFTER, "incidents.json", |m| our(incidents(m))),
        (DEMO_AFTER, "summary.json", |m| our(summary(m))),
    ];
    for (now, name, answer) in cases {
        let ours = answer(&demo_model(now));
        let problems = shape_problems(&ours, &fixture(name));
        assert_eq!(problems, Vec::<String>::new(), "{name} at {now}");
    }
    // The lists the cases above check are not empty, so the checks saw objects.
    let during = demo_model(DEMO_DURING);
    assert_eq!(active_maintenances(&during).scheduled_maintenances.len(), 1);
    let after = demo_model(DEMO_AFTER);
    let done = &scheduled_maintenances(&after).scheduled_maintenances[0];
    assert_eq!(done.incident.status, MaintenanceState::Completed);
    assert_eq!(incidents(&after).incidents.len(), 4);
}

#[test]
fn the_demo_maps_every_status_and_never_shows_unknown_as_operational() {
    let m = demo_model(DEMO_NOW);
    let list = components(&m).components;
    for s in &m.services {
        let c = list.iter().find(|c| c.id == s.id).expect("listed");
        assert_eq!(c.status, component_status(s.status), "{}", s.id);
        assert_eq!(c.name, s.name);
    }
    let seen: BTreeSet<String> = list.iter().map(|c| our(c.status).to_string()).collect();
    assert_eq!(seen.len(), COMPONENT_STATUSES.len(), "{seen:?}");
    assert_eq!(status(&m).status.indicator, Indicator::Critical);
}

// ---- serving ----

/// A GET of `path`, with `If-None-Match: etag` if given; the feeds' tests use it too.
pub(crate) async fn get(
    app: Router,
    path: &str,
    etag: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::get(path);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let response = app
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("answered");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, body.to_vec())
}

fn app(model: Model) -> Router {
    Router::new()
        .nest("/api/v2", routes(|s: &Snapshots| s))
        .with_state(Snapshots::new(model))
}

#[tokio::test]
async fn every_endpoint_serves_its_answer_from_the_snapshot_with_an_etag() {
    let m = demo_model(DEMO_NOW);
    let answers: [(&str, Value); 8] = [
        ("/summary.json", our(summary(&m))),
        ("/status.json", our(status(&m))),
        ("/components.json", our(components(&m))),
        ("/incidents.json", our(incidents(&m))),
        ("/incidents/unresolved.json", our(unresolved_incidents(&m))),
        (
            "/scheduled-maintenances.json",
            our(scheduled_maintenances(&m)),
        ),
        (
            "/scheduled-maintenances/upcoming.json",
            our(upcoming_maintenances(&m)),
        ),
        (
            "/scheduled-maintenances/active.json",
            our(active_maintenances(&m)),
        ),
    ];
    assert_eq!(
        ENDPOINTS.map(|(path, _)| path),
        answers.each_ref().map(|(path, _)| *path)
    );
    for (path, expected) in answers {
        let app = app(m.clone());
        let url = format!("/api/v2{path}");
        let (status, headers, body) = get(app.clone(), &url, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json");
        let served: Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(served, expected, "{path}");
        let etag = headers[header::ETAG].to_str().expect("ascii").to_string();
        let (again, _, _) = get(app, &url, Some(&etag)).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED, "{path}");
    }
}

#[tokio::test]
async fn an_unknown_address_is_a_json_404_not_the_app() {
    let (status, headers, _) = get(app(demo_model(DEMO_NOW)), "/api/v2/pages.json", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
}
