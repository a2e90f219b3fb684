//! Tests of `rules`.

use super::*;

const CONFIG: &str = r#"
[[channel]]
id = "team"
kind = "log"
[[channel]]
id = "uploads"
kind = "log"

[[alert]]
channels = ["team"]
remind_every = "30m"

[[alert]]
channels = ["uploads"]
services = ["bulk-upload"]

[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "10s"
timeout = "1s"

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
depends_on = ["sign-in"]
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "10s"
timeout = "1s"

[[service]]
id = "form-r"
name = "Form R"
group = "For trainees"
description = "Fill in Form R."
depends_on = ["sign-in"]
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "10s"
timeout = "1s"
"#;

fn config() -> Config {
    Config::parse("test.toml", CONFIG).expect("test config is valid")
}

fn states(config: &Config, statuses: &[Status], at: DateTime<Utc>) -> Vec<ServiceState> {
    config
        .services
        .iter()
        .zip(statuses)
        .map(|(s, status)| ServiceState {
            id: s.id.clone(),
            name: s.name.clone(),
            description: String::new(),
            group: s.group.clone(),
            position: 0,
            depends_on: s.depends_on.clone(),
            status: *status,
            reason: None,
            last_checked: Some(at),
        })
        .collect()
}

struct World {
    config: Config,
    memory: Memory,
    notices: Vec<Notice>,
    incidents: Vec<Incident>,
    warnings: HashMap<String, Option<String>>,
    start: DateTime<Utc>,
    /// Which probers' locations reach TIS.
    reach: crate::read::live::Reach,
}

impl World {
    fn new() -> World {
        World {
            config: config(),
            memory: Memory::default(),
            notices: Vec::new(),
            incidents: Vec::new(),
            warnings: HashMap::new(),
            start: "2026-12-01T10:00:00Z".parse().unwrap(),
            reach: Default::default(),
        }
    }

    /// One look, `minutes` after the start, with the services showing `statuses`.
    fn look(&mut self, minutes: i64, statuses: &[Status]) -> Vec<Outgoing> {
        let now = self.start + Duration::minutes(minutes);
        let services = states(&self.config, statuses, now);
        let details = HashMap::from([(
            "sign-in".to_string(),
            "connect: connection refused".to_string(),
        )]);
        let view = View {
            now,
            config: &self.config,
            services: &services,
            notices: &self.notices,
            incidents: &self.incidents,
            details: &details,
            warnings: &self.warnings,
            watching_since: self.start,
            base_url: "https://status.example",
            reach: &self.reach,
        };
        let (memory, out) = decide(std::mem::take(&mut self.memory), &view);
        self.memory = memory;
        out
    }
}

use Status::*;

#[test]
fn a_certificate_close_to_expiry_is_told_daily_while_the_service_works_then_renewed() {
    let mut w = World::new();
    let working = [Operational, Operational, Operational];
    w.warnings.insert(
        "bulk-upload".into(),
        Some("Certificate expires in 9 days, on Thursday 10 December 2026: renew the certificate of upload.tis.example".into()),
    );
    let out = w.look(0, &working);
    assert_eq!(out.len(), 1, "{out:#?}");
    let alert = &out[0].alert;
    assert_eq!(alert.kind, AlertKind::CertificateExpiring);
    assert_eq!(alert.title, "Bulk upload: Certificate expires in 9 days");
    assert!(
        alert.summary.starts_with("Bulk upload still works."),
        "{}",
        alert.summary
    );
    assert_eq!(out[0].channels, ["team", "uploads"]);
    // Not again within the day, even though the rule reminds of outages every 30 minutes.
    assert!(w.look(60, &working).is_empty());
    w.warnings.insert(
        "bulk-upload".into(),
        Some("Certificate expires in 8 days, on Thursday 10 December 2026".into()),
    );
    let out = w.look(24 * 60, &working);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(
        out[0].alert.title,
        "Bulk upload: Certificate expires in 8 days"
    );
    // No fresh result is no news.
    w.warnings.clear();
    assert!(w.look(24 * 60 + 5, &working).is_empty());
    // Renewed.
    w.warnings.insert("bulk-upload".into(), None);
    let out = w.look(24 * 60 + 10, &working);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.kind, AlertKind::CertificateRenewed);
    assert_eq!(out[0].alert.title, "Bulk upload: certificate renewed");
    assert!(w.look(24 * 60 + 15, &working).is_empty());
}

#[test]
fn one_alert_for_a_root_cause_then_reminders_then_recovery() {
    let mut w = World::new();
    assert!(
        w.look(0, &[Operational, Operational, Operational])
            .is_empty()
    );
    let out = w.look(1, &[MajorOutage, MajorOutage, MajorOutage]);
    assert_eq!(out.len(), 1, "{out:#?}");
    let alert = &out[0].alert;
    assert_eq!(alert.title, "Sign-in is down");
    assert_eq!(
        alert.summary,
        "2 services are affected because of it: Bulk upload, Form R."
    );
    assert!(
        alert
            .facts
            .iter()
            .any(|f| f.value.contains("connection refused"))
    );
    assert_eq!(
        out[0].channels,
        ["team", "uploads"],
        "uploads hears: bulk upload is affected"
    );
    assert!(
        w.look(2, &[MajorOutage, MajorOutage, MajorOutage])
            .is_empty()
    );
    // Reminders on the team's rule only, every 30 minutes.
    let out = w.look(31, &[MajorOutage, MajorOutage, MajorOutage]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.kind, AlertKind::Reminder);
    assert_eq!(out[0].alert.title, "Sign-in is still down");
    assert!(
        out[0]
            .alert
            .summary
            .starts_with("It has been down for 30 minutes")
    );
    assert_eq!(out[0].channels, ["team"]);
    assert!(
        w.look(45, &[MajorOutage, MajorOutage, MajorOutage])
            .is_empty()
    );
    assert_eq!(
        w.look(61, &[MajorOutage, MajorOutage, MajorOutage]).len(),
        1
    );
    let out = w.look(70, &[Operational, Operational, Operational]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.kind, AlertKind::Recovered);
    assert_eq!(out[0].alert.title, "Sign-in is working again");
    assert!(
        out[0]
            .alert
            .summary
            .starts_with("It was down for 1 hour 9 minutes"),
        "{}",
        out[0].alert.summary
    );
    assert!(
        w.look(71, &[Operational, Operational, Operational])
            .is_empty()
    );
}

#[test]
fn a_dependent_failing_on_its_own_gets_its_own_alert() {
    let mut w = World::new();
    w.look(0, &[Operational, Operational, Operational]);
    // Held back until Sign-in has had time to be found failing too.
    assert!(
        w.look(1, &[Operational, MajorOutage, Operational])
            .is_empty()
    );
    let out = w.look(2, &[Operational, MajorOutage, Operational]);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].alert.title, "Bulk upload is down");
    assert_eq!(out[0].channels, ["team", "uploads"]);
    // Sign-in fails too: its alert names Bulk upload; Bulk upload's own is folded in.
    let out = w.look(3, &[MajorOutage, MajorOutage, MajorOutage]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.title, "Sign-in is down");
    assert_eq!(out[0].alert.affected, ["Bulk upload", "Form R"]);
}

#[test]
fn a_dependent_checked_before_its_root_is_folded_into_the_root_alert() {
    let mut w = World::new();
    w.look(0, &[Operational, Operational, Operational]);
    // Bulk upload's own check fails first; Sign-in's fails 15 s later.
    let look = |w: &mut World, seconds: i64, statuses: &[Status]| {
        let now = w.start + Duration::seconds(seconds);
        let services = states(&w.config, statuses, now);
        let details = HashMap::new();
        let view = View {
            now,
            config: &w.config,
            services: &services,
            notices: &[],
            incidents: &[],
            details: &details,
            warnings: &HashMap::new(),
            watching_since: w.start,
            base_url: "https://status.example",
            reach: &Default::default(),
        };
        let (memory, out) = decide(std::mem::take(&mut w.memory), &view);
        w.memory = memory;
        out
    };
    assert!(look(&mut w, 5, &[Operational, MajorOutage, Operational]).is_empty());
    let out = look(&mut w, 20, &[MajorOutage, MajorOutage, MajorOutage]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.title, "Sign-in is down");
    assert!(w.memory.held.is_empty());
}

#[test]
fn planned_work_keeps_quiet_and_an_outage_that_outlasts_it_says_so() {
    let mut w = World::new();
    w.notices.push(Notice {
        id: 1,
        title: "Keycloak upgrade".into(),
        body: String::new(),
        kind: NoticeKind::PlannedMaintenance,
        severity: tis_core::NoticeSeverity::Medium,
        services: vec!["sign-in".into()],
        starts_at: w.start,
        ends_at: Some(w.start + Duration::minutes(30)),
        audience: tis_core::Audience::Everyone,
        published: true,
        author: "sam".into(),
        created_at: w.start,
        updated_at: w.start,
    });
    // In the window live status shows maintenance; what needs it fails its checks.
    assert!(
        w.look(5, &[Maintenance, MajorOutage, MajorOutage])
            .is_empty()
    );
    assert!(
        w.look(29, &[Maintenance, MajorOutage, MajorOutage])
            .is_empty()
    );
    let out = w.look(31, &[MajorOutage, MajorOutage, MajorOutage]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(
        out[0]
            .alert
            .summary
            .starts_with("The planned maintenance \"Keycloak upgrade\" ended at 10:30am GMT, and Sign-in is still not working."),
        "{}",
        out[0].alert.summary
    );
}

#[test]
fn no_check_for_three_intervals_is_told_once() {
    let mut w = World::new();
    let start = w.start;
    let look = |w: &mut World, seconds: i64, last: Option<DateTime<Utc>>| {
        let now = start + Duration::seconds(seconds);
        let mut services = states(&w.config, &[Unknown, Operational, Operational], now);
        services[0].last_checked = last;
        let details = HashMap::new();
        let view = View {
            now,
            config: &w.config,
            services: &services,
            notices: &[],
            incidents: &[],
            details: &details,
            warnings: &HashMap::new(),
            watching_since: start,
            base_url: "https://status.example",
            reach: &Default::default(),
        };
        let (memory, out) = decide(std::mem::take(&mut w.memory), &view);
        w.memory = memory;
        out
    };
    let last = Some(start);
    assert!(
        look(&mut w, 29, last).is_empty(),
        "two intervals late is not yet"
    );
    let out = look(&mut w, 30, last);
    assert_eq!(out.len(), 1);
    assert_eq!(
        out[0].alert.title,
        "We cannot see Sign-in: no check since 10am GMT on Tuesday 1 December 2026"
    );
    assert!(look(&mut w, 60, last).is_empty(), "once");
}

#[test]
fn a_missed_update_promise_is_chased() {
    let mut w = World::new();
    let due = w.start + Duration::minutes(20);
    w.incidents.push(Incident {
        id: 7,
        title: "Bulk upload is not working".into(),
        status: IncidentStatus::Investigating,
        impact: tis_core::Impact::Major,
        affected: vec![tis_core::incident::AffectedService {
            service: "bulk-upload".into(),
            status: MajorOutage,
        }],
        started_at: w.start,
        detected_at: None,
        resolved_at: None,
        next_update_at: Some(due),
        updates: Vec::new(),
        report: None,
    });
    let all_up = [Operational, Operational, Operational];
    assert!(w.look(19, &all_up).is_empty());
    let out = w.look(30, &all_up);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(
        out[0].alert.title,
        "Update due 10 minutes ago on \"Bulk upload is not working\""
    );
    assert_eq!(out[0].channels, ["team", "uploads"]);
    assert_eq!(
        out[0].alert.links[0].url,
        "https://status.example/manage/incidents/7"
    );
    // Reminded on the rule that has remind_every.
    assert!(w.look(40, &all_up).is_empty());
    let out = w.look(60, &all_up);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].channels, ["team"]);
    // An update with a new promise ends the chase.
    w.incidents[0].next_update_at = Some(w.start + Duration::hours(5));
    assert!(w.look(61, &all_up).is_empty());
    assert!(w.memory.chased.is_empty());
}

fn cut_off(w: &mut World, minutes: i64) {
    w.reach = crate::read::live::Reach {
        cut_off: vec![crate::read::live::CutOff {
            location: "london".into(),
            since: w.start + Duration::minutes(minutes),
            canaries: "the gateway (gw.tis.example:443) (connect: connection refused)".into(),
        }],
        reaching: vec!["leeds".into()],
    };
}

fn reaching(w: &mut World) {
    w.reach = crate::read::live::Reach {
        cut_off: Vec::new(),
        reaching: vec!["leeds".into(), "london".into()],
    };
}

#[test]
fn a_cut_off_prober_is_told_once_about_itself_not_about_each_service() {
    let mut w = World::new();
    reaching(&mut w);
    assert!(
        w.look(0, &[Operational, Operational, Operational])
            .is_empty()
    );
    cut_off(&mut w, 1);
    let out = w.look(1, &[Unknown, Unknown, Unknown]);
    assert_eq!(out.len(), 1, "one alert about the prober: {out:#?}");
    let alert = &out[0].alert;
    assert_eq!(alert.kind, AlertKind::CutOff);
    assert_eq!(
        alert.title,
        "The checks from london cannot reach TIS: the gateway (gw.tis.example:443) (connect: connection refused)"
    );
    assert!(alert.services.is_empty(), "about the prober, not a service");
    assert_eq!(out[0].channels, ["team", "uploads"]);
    // Still cut off, long enough for "cannot see" and reminders: nothing more, as the
    // services are still checked (the checks just could not tell).
    for minute in [2, 5, 40, 90] {
        assert!(
            w.look(minute, &[Unknown, Unknown, Unknown]).is_empty(),
            "minute {minute}"
        );
    }
    reaching(&mut w);
    let out = w.look(95, &[Operational, Operational, Operational]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.kind, AlertKind::Recovered);
    assert_eq!(out[0].alert.title, "The checks from london reach TIS again");
    assert!(
        out[0].alert.summary.contains("1 hour 34 minutes"),
        "{}",
        out[0].alert.summary
    );
    assert!(
        w.look(96, &[Operational, Operational, Operational])
            .is_empty()
    );
}

#[test]
fn a_prober_that_stops_reporting_is_not_said_to_reach_tis_again() {
    let mut w = World::new();
    cut_off(&mut w, 0);
    assert_eq!(w.look(0, &[Unknown, Unknown, Unknown]).len(), 1);
    w.reach = Default::default();
    let out = w.look(20, &[Unknown, Unknown, Unknown]);
    assert!(
        out.iter().all(|o| o.alert.kind != AlertKind::Recovered),
        "{out:#?}"
    );
}

#[test]
fn a_cut_off_during_planned_work_on_everything_keeps_quiet_until_it_ends() {
    let mut w = World::new();
    cut_off(&mut w, 0);
    assert!(
        w.look(0, &[Maintenance, Maintenance, Maintenance])
            .is_empty()
    );
    let out = w.look(30, &[Unknown, Unknown, Unknown]);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].alert.kind, AlertKind::CutOff);
}
