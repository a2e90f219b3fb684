//! Tests of `validate`.

use super::*;
use crate::incident::{
    ActionItem, ActionStatus, AffectedService, Impact, IncidentUpdate, TimelineEntry,
};
use crate::notice::{Audience, NoticeKind, NoticeSeverity};
use crate::status::Status;
use crate::time::parse_timeline_time;
use chrono::NaiveDate;
use proptest::prelude::*;

const KNOWN: &[&str] = &["bulk-upload", "sign-in", "esr"];

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn fields(v: Validation) -> Vec<String> {
    v.err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

fn message(v: &Validation, field: &str) -> String {
    v.as_ref()
        .err()
        .and_then(|errors| errors.iter().find(|e| e.field == field))
        .map(|e| e.message.clone())
        .unwrap_or_else(|| panic!("no problem reported for {field}: {v:?}"))
}

#[test]
fn the_time_bounds_are_the_ones_the_words_give() {
    let (earliest, latest) = time_bounds();
    assert_eq!(earliest, utc("2000-01-01T00:00:00Z"));
    assert_eq!(latest, utc("2100-01-01T00:00:00Z"));
    assert!(time_in_bounds(earliest));
    assert!(!time_in_bounds(latest));
}

#[test]
fn times_at_the_ends_of_the_calendar_are_refused_with_the_range_not_a_panic() {
    let far_past = utc("-262143-01-01T00:00:00Z");
    let far_future = utc("+262142-12-31T23:59:59Z");
    let mut n = notice();
    n.starts_at = far_past;
    n.ends_at = Some(far_future);
    let v = validate_notice(&n, KNOWN);
    assert_eq!(message(&v, "starts_at"), TIME_RANGE_HINT);
    assert_eq!(message(&v, "ends_at"), TIME_RANGE_HINT);

    let mut r = report();
    r.timeline[0].when = TimelineWhen::Range {
        from: far_past,
        to: far_future,
    };
    r.timeline[1].approximate = true;
    r.timeline[1].when = TimelineWhen::At { at: far_future };
    let v = validate_report(&r);
    assert_eq!(message(&v, "timeline[0].from"), TIME_RANGE_HINT);
    assert_eq!(message(&v, "timeline[0].to"), TIME_RANGE_HINT);
    assert_eq!(message(&v, "timeline[1].at"), TIME_RANGE_HINT);
}

fn notice() -> Notice {
    Notice {
        id: 1,
        title: "Bulk upload is not working".into(),
        body: "You cannot upload spreadsheets at the moment. We are fixing it.".into(),
        kind: NoticeKind::KnownProblem,
        severity: NoticeSeverity::High,
        services: vec!["bulk-upload".into()],
        starts_at: utc("2026-10-14T09:47:00Z"),
        ends_at: Some(utc("2026-10-14T18:00:00Z")),
        audience: Audience::Admins,
        published: true,
        author: "support".into(),
        created_at: utc("2026-10-14T09:47:00Z"),
        updated_at: utc("2026-10-14T09:47:00Z"),
    }
}

fn entry(day: NaiveDate, time: &str, kind: TimelineKind, text: &str) -> TimelineEntry {
    let (when, approximate) = parse_timeline_time(day, time).unwrap();
    TimelineEntry {
        when,
        approximate,
        text: text.into(),
        kind,
    }
}

fn report() -> Report {
    let tuesday = NaiveDate::from_ymd_opt(2026, 10, 13).unwrap();
    let wednesday = NaiveDate::from_ymd_opt(2026, 10, 14).unwrap();
    Report {
        status: ReportStatus::Published,
        authors: vec!["A Developer".into()],
        summary: "Bulk upload and ESR stopped working after a server upgrade.".into(),
        impact: "Admins could not upload spreadsheets for a day.".into(),
        non_technical: "Services could not sign in to each other.".into(),
        timeline: vec![
            entry(tuesday, "19:xx", TimelineKind::Cause, "Servers upgraded"),
            entry(
                wednesday,
                "09:44",
                TimelineKind::Detected,
                "Admin reports it",
            ),
            entry(
                wednesday,
                "17:06 to 18:40",
                TimelineKind::Resolved,
                "ESR re-enabled",
            ),
        ],
        root_causes: vec!["Keycloak's address resolved to loopback.".into()],
        action_items: vec![ActionItem {
            text: "Add a sign-in probe for each service.".into(),
            owner: "Platform team".into(),
            status: ActionStatus::Open,
            due: None,
        }],
        lessons: vec!["Service dependencies need watching.".into()],
        ..Report::default()
    }
}

fn incident() -> Incident {
    Incident {
        id: 7,
        title: "Bulk upload and ESR not working".into(),
        status: IncidentStatus::Resolved,
        impact: Impact::Major,
        affected: vec![AffectedService {
            service: "bulk-upload".into(),
            status: Status::MajorOutage,
        }],
        started_at: utc("2026-10-13T18:00:00Z"),
        detected_at: Some(utc("2026-10-14T08:44:00Z")),
        resolved_at: Some(utc("2026-10-14T17:40:00Z")),
        next_update_at: None,
        updates: vec![IncidentUpdate {
            at: utc("2026-10-14T09:47:00Z"),
            status: IncidentStatus::Investigating,
            body: "Bulk upload is not working. We are looking into it.".into(),
            author: "support".into(),
        }],
        report: Some(report()),
    }
}

fn service() -> Service {
    Service {
        id: "bulk-upload".into(),
        name: "Bulk upload".into(),
        description: "Upload spreadsheets to create or update people.".into(),
        group: "For admins".into(),
        depends_on: vec!["sign-in".into()],
        position: 0,
        probes: vec![],
    }
}

#[test]
fn an_incident_with_a_time_out_of_bounds_is_refused_at_that_time() {
    let mut i = incident();
    i.started_at = utc("-262143-01-01T00:00:00Z");
    i.updates[0].at = utc("+262142-12-31T23:59:59Z");
    let v = validate_incident(&i, KNOWN);
    assert_eq!(message(&v, "started_at"), TIME_RANGE_HINT);
    assert_eq!(message(&v, "updates[0].at"), TIME_RANGE_HINT);
    assert_eq!(fields(v).len(), 2, "only the times out of bounds are named");
}

#[test]
fn good_things_pass() {
    assert_eq!(validate_notice(&notice(), KNOWN), Ok(()));
    assert_eq!(validate_incident(&incident(), KNOWN), Ok(()));
    assert_eq!(validate_report(&report()), Ok(()));
    assert_eq!(validate_service(&service()), Ok(()));
}

#[test]
fn a_notice_with_many_problems_reports_them_all() {
    let mut n = notice();
    n.title = "   ".into();
    n.body = String::new();
    n.ends_at = Some(n.starts_at);
    n.services = vec!["buk-upload".into(), "esr".into(), "esr".into()];
    let v = validate_notice(&n, KNOWN);
    assert_eq!(
        fields(v.clone()),
        ["title", "body", "ends_at", "services[0]", "services[2]"]
    );
    assert_eq!(message(&v, "title"), "Give the notice a title.");
    assert_eq!(
        message(&v, "ends_at"),
        "The end time must be after the start time."
    );
    assert_eq!(
        message(&v, "services[0]"),
        "There is no service called \"buk-upload\". Did you mean bulk-upload? \
         Use one of: bulk-upload, sign-in, esr."
    );
    assert_eq!(
        message(&v, "services[2]"),
        "\"esr\" is listed more than once. Remove the repeat."
    );
}

#[test]
fn an_unknown_service_far_from_any_is_not_guessed() {
    let mut n = notice();
    n.services = vec!["revalidation".into()];
    let v = validate_notice(&n, KNOWN);
    assert_eq!(
        message(&v, "services[0]"),
        "There is no service called \"revalidation\". Use one of: bulk-upload, sign-in, esr."
    );
    let v = validate_notice(&n, &[]);
    assert_eq!(
        message(&v, "services[0]"),
        "There is no service called \"revalidation\". No services are set up yet."
    );
}

#[test]
fn an_open_ended_notice_is_fine() {
    let mut n = notice();
    n.ends_at = None;
    n.services.clear();
    assert_eq!(validate_notice(&n, KNOWN), Ok(()));
}

#[test]
fn titles_are_counted_in_characters_as_sent() {
    // As the OpenAPI document's maxLength (and a form field's maxlength) counts them.
    let mut n = notice();
    n.title = "é".repeat(TITLE_MAX);
    assert_eq!(validate_notice(&n, KNOWN), Ok(()));
    n.title = "é".repeat(TITLE_MAX + 1);
    let v = validate_notice(&n, KNOWN);
    assert_eq!(
        message(&v, "title"),
        "The title must be 120 characters or less. It has 121."
    );
    n.title = format!("  {}  ", "é".repeat(TITLE_MAX - 1));
    let v = validate_notice(&n, KNOWN);
    assert_eq!(
        message(&v, "title"),
        "The title must be 120 characters or less. It has 123."
    );
}

#[test]
fn long_bodies_give_the_limit_with_commas() {
    let mut n = notice();
    n.body = "a".repeat(BODY_MAX + 5);
    let v = validate_notice(&n, KNOWN);
    assert_eq!(
        message(&v, "body"),
        "The notice must be 10,000 characters or less. It has 10,005."
    );
}

#[test]
fn a_resolved_incident_needs_its_resolved_time_and_an_open_one_must_not_have_one() {
    let mut i = incident();
    i.resolved_at = None;
    let v = validate_incident(&i, KNOWN);
    assert_eq!(fields(v.clone()), ["resolved_at"]);
    assert_eq!(
        message(&v, "resolved_at"),
        "Give the time the incident was resolved."
    );

    let mut i = incident();
    i.status = IncidentStatus::Monitoring;
    let v = validate_incident(&i, KNOWN);
    assert_eq!(fields(v.clone()), ["resolved_at"]);
    assert!(message(&v, "resolved_at").starts_with("Remove the resolved time"));
}

#[test]
fn incident_times_must_follow_its_start() {
    let mut i = incident();
    i.detected_at = Some(utc("2026-10-13T17:00:00Z"));
    i.resolved_at = Some(utc("2026-10-13T17:30:00Z"));
    i.updates[0].at = utc("2026-10-13T17:59:00Z");
    let v = validate_incident(&i, KNOWN);
    assert_eq!(
        fields(v.clone()),
        ["detected_at", "resolved_at", "updates[0].at"]
    );
    assert_eq!(
        message(&v, "updates[0].at"),
        "This update is dated before the incident started, at 7pm BST on Tuesday 13 October 2026. Check the time."
    );
}

#[test]
fn resolving_before_detecting_is_reported() {
    let mut i = incident();
    i.resolved_at = Some(utc("2026-10-14T08:00:00Z"));
    let v = validate_incident(&i, KNOWN);
    assert_eq!(
        message(&v, "resolved_at"),
        "The resolved time must not be before the time the problem was found."
    );
}

#[test]
fn the_next_update_is_promised_after_the_latest_one() {
    let mut i = incident();
    i.next_update_at = Some(utc("2026-10-14T09:30:00Z"));
    let v = validate_incident(&i, KNOWN);
    assert_eq!(
        message(&v, "next_update_at"),
        "The next update must not be before the latest one, posted at 10:47am BST on Wednesday 14 October 2026."
    );
    i.next_update_at = Some(utc("2026-10-14T10:47:00Z"));
    assert_eq!(validate_incident(&i, KNOWN), Ok(()));
}

#[test]
fn an_incident_needs_known_affected_services_and_written_updates() {
    let mut i = incident();
    i.title = String::new();
    i.affected.clear();
    i.updates[0].body = " \n ".into();
    let v = validate_incident(&i, KNOWN);
    assert_eq!(fields(v.clone()), ["title", "affected", "updates[0].body"]);
    assert_eq!(message(&v, "title"), "Give the incident a title.");
    assert_eq!(
        message(&v, "affected"),
        "Choose at least one affected service."
    );

    let mut i = incident();
    i.affected[0].service = "sign-on".into();
    let v = validate_incident(&i, KNOWN);
    assert_eq!(
        message(&v, "affected[0].service"),
        "There is no service called \"sign-on\". Did you mean sign-in? Use one of: bulk-upload, sign-in, esr."
    );
}

#[test]
fn report_problems_are_reported_under_the_incident() {
    let mut i = incident();
    if let Some(r) = i.report.as_mut() {
        r.action_items[0].owner = String::new();
    }
    let v = validate_incident(&i, KNOWN);
    assert_eq!(fields(v.clone()), ["report.action_items[0].owner"]);
    assert_eq!(
        message(&v, "report.action_items[0].owner"),
        "Say who will do this: a person or a team."
    );
}

#[test]
fn a_summary_is_needed_once_a_report_leaves_draft() {
    let mut r = report();
    r.summary = String::new();
    r.status = ReportStatus::Draft;
    assert_eq!(validate_report(&r), Ok(()));
    r.status = ReportStatus::InReview;
    assert_eq!(
        message(&validate_report(&r), "summary"),
        "Write a summary before the report goes for review."
    );
    r.status = ReportStatus::Published;
    assert_eq!(
        message(&validate_report(&r), "summary"),
        "Write a summary before the report is published."
    );
}

#[test]
fn every_timeline_and_action_problem_is_named() {
    let mut r = report();
    r.timeline[1].text = String::new();
    r.timeline[2].when = TimelineWhen::Range {
        from: utc("2026-10-14T17:40:00Z"),
        to: utc("2026-10-14T16:06:00Z"),
    };
    r.action_items[0].text = String::new();
    r.action_items[0].owner = "x".repeat(NAME_MAX + 1);
    r.root_causes.push(String::new());
    r.lessons.push("   ".into());
    r.labels.push(String::new());
    let v = validate_report(&r);
    assert_eq!(
        fields(v.clone()),
        [
            "timeline[1].text",
            "timeline[2].to",
            "root_causes[1]",
            "action_items[0].text",
            "action_items[0].owner",
            "lessons[1]",
            "labels[0]",
        ]
    );
    assert_eq!(
        message(&v, "timeline[2].to"),
        "The end time must not be before the start time."
    );
    assert_eq!(
        message(&v, "action_items[0].owner"),
        "The owner must be 60 characters or less. It has 61."
    );
}

#[test]
fn a_fix_before_the_cause_is_reported() {
    let mut r = report();
    let tuesday = NaiveDate::from_ymd_opt(2026, 10, 13).unwrap();
    r.timeline.push(entry(
        tuesday,
        "17:00",
        TimelineKind::Mitigated,
        "Hotfix deployed",
    ));
    // Within the hour of an approximate cause it might be after it, so it stands.
    r.timeline
        .push(entry(tuesday, "19:30", TimelineKind::Detected, "Alert"));
    let v = validate_report(&r);
    assert_eq!(fields(v.clone()), ["timeline[3].at"]);
    assert_eq!(
        message(&v, "timeline[3].at"),
        "This entry says when the harm was reduced, but it is before the cause. \
         Check the time, or what kind of entry it is."
    );
}

#[test]
fn without_a_cause_the_incident_start_is_the_measure() {
    let mut i = incident();
    if let Some(r) = i.report.as_mut() {
        r.timeline.remove(0);
        r.timeline[0].when = TimelineWhen::At {
            at: utc("2026-10-13T17:00:00Z"),
        };
    }
    let v = validate_incident(&i, KNOWN);
    assert_eq!(
        message(&v, "report.timeline[0].at"),
        "This entry says when the problem was found, but it is before the incident started. \
         Check the time, or what kind of entry it is."
    );
}

#[test]
fn service_ids_are_slugs() {
    for good in ["bulk-upload", "sign-in", "esr", "tis2", "a-1-b"] {
        assert!(is_slug(good), "{good}");
    }
    for bad in [
        "",
        "Bulk-upload",
        "bulk upload",
        "bulk--upload",
        "-esr",
        "esr-",
        "bulk_upload",
    ] {
        assert!(!is_slug(bad), "{bad}");
    }
}

#[test]
fn a_service_with_many_problems_reports_them_all() {
    let mut s = service();
    s.id = "Bulk Upload".into();
    s.name = String::new();
    s.description = "d".repeat(DESCRIPTION_MAX + 1);
    s.group = String::new();
    s.depends_on = vec!["sign-in".into(), "sign-in".into()];
    let v = validate_service(&s);
    assert_eq!(
        fields(v.clone()),
        ["id", "name", "description", "group", "depends_on[1]"]
    );
    assert_eq!(
        message(&v, "id"),
        "The id \"Bulk Upload\" can only have lower-case letters and numbers, \
         with single hyphens between words, like bulk-upload."
    );
    assert_eq!(
        message(&v, "name"),
        "Give the service a name, like Bulk upload."
    );
}

#[test]
fn a_service_cannot_depend_on_itself() {
    let mut s = service();
    s.depends_on.push("bulk-upload".into());
    assert_eq!(
        message(&validate_service(&s), "depends_on[1]"),
        "A service cannot depend on itself."
    );
    s.depends_on.clear();
    s.id = "a".repeat(SERVICE_ID_MAX + 1);
    assert_eq!(
        message(&validate_service(&s), "id"),
        "The id must be 40 characters or less. It has 41."
    );
}

#[test]
fn problems_travel_as_json_the_form_can_read() {
    let err = FieldError::new("owner", "Say who.").under("action_items[0]");
    assert_eq!(
        serde_json::to_value(&err).unwrap(),
        serde_json::json!({"field": "action_items[0].owner", "message": "Say who."})
    );
}

fn slug_word() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}"
}

proptest! {
    #[test]
    fn words_joined_by_single_hyphens_are_slugs(
        words in proptest::collection::vec(slug_word(), 1..5),
    ) {
        prop_assert!(is_slug(&words.join("-")));
    }

    #[test]
    fn a_slug_with_anything_else_is_not(
        words in proptest::collection::vec(slug_word(), 1..5),
        bad in "[^a-z0-9]",
        at in any::<proptest::sample::Index>(),
    ) {
        let slug = words.join("-");
        let cut = at.index(slug.len() + 1);
        let spoilt = format!("{}{}{}", &slug[..cut], if bad == "-" { "--" } else { &bad }, &slug[cut..]);
        prop_assert!(!is_slug(&spoilt), "{}", spoilt);
    }

    #[test]
    fn titles_within_the_limit_pass_and_longer_ones_fail(
        length in 0usize..200,
        padding in 0usize..4,
    ) {
        let mut n = notice();
        n.title = format!("{}{}{}", " ".repeat(padding), "t".repeat(length), " ".repeat(padding));
        let ok = validate_notice(&n, KNOWN).is_ok();
        // Blank is refused; spaces around it count towards the limit.
        prop_assert_eq!(ok, length >= 1 && length + 2 * padding <= TITLE_MAX);
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first(
        no_title in any::<bool>(),
        no_body in any::<bool>(),
        ends_early in any::<bool>(),
        unknown in 0usize..4,
    ) {
        let mut n = notice();
        if no_title { n.title.clear(); }
        if no_body { n.body = "\t".into(); }
        if ends_early { n.ends_at = Some(n.starts_at - chrono::TimeDelta::minutes(1)); }
        n.services = (0..unknown).map(|k| format!("nope-{k}")).collect();
        let expected = usize::from(no_title) + usize::from(no_body) + usize::from(ends_early) + unknown;
        let found = validate_notice(&n, KNOWN).err().map_or(0, |e| e.len());
        prop_assert_eq!(found, expected);
    }
}
