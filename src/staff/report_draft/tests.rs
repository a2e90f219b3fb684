//! Tests of `report_draft`.

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn entry(day: &str, time: &str, kind: &str, text: &str, key: u32) -> EntryDraft {
    EntryDraft {
        key,
        day: day.into(),
        time: time.into(),
        approximate: false,
        kind: kind.into(),
        text: text.into(),
    }
}

#[test]
fn typed_times_read_back_as_typed() {
    for (day, typed) in [
        ("2026-10-13", "19:05"),
        ("2026-10-13", "14:xx"),
        ("2026-10-14", "10:30 to 15:13"),
        ("2026-10-13", "23:40 to 00:20"),
        ("2026-10-13", "18:00 to 09:44 on Thursday 15 October 2026"),
        ("2026-10-25", "01:30 GMT"),
    ] {
        let e = entry(day, typed, "event", "x", 1);
        let (when, approximate) = e.when().unwrap();
        assert_eq!(time_text(&when, approximate), typed, "{typed}");
    }
}

#[test]
fn a_report_survives_a_round_trip_through_the_form() {
    let d = ReportDraft {
        summary: "Bulk upload failed.".into(),
        status: "published".into(),
        timeline: vec![
            entry("2026-10-13", "18:xx", "cause", "Servers upgraded", 1),
            entry("2026-10-14", "09:44", "detected", "An admin reported it", 2),
            entry(
                "2026-10-14",
                "17:06 to 18:40",
                "resolved",
                "ESR re-enabled",
                3,
            ),
        ],
        actions: vec![ActionDraft {
            key: 4,
            text: "Probe sign-in".into(),
            owner: "TIS team".into(),
            status: "in_progress".into(),
            due: "2026-11-30".into(),
        }],
        ..Default::default()
    };
    let report = d.report().unwrap();
    assert!(report.timeline[0].approximate);
    let again = ReportDraft::of(&report, 3).report().unwrap();
    assert_eq!(again, report);
}

#[test]
fn the_timeline_is_put_in_time_order_and_the_move_is_told() {
    let mut d = ReportDraft {
        timeline: vec![
            entry("2026-10-14", "09:44", "detected", "found", 1),
            entry(
                "2026-10-14",
                "nonsense",
                "event",
                "unreadable stays after found",
                2,
            ),
            entry("2026-10-13", "18:xx", "cause", "upgrade", 3),
        ],
        ..Default::default()
    };
    assert_eq!(d.sort_timeline(3), Some(0));
    let keys: Vec<u32> = d.timeline.iter().map(|e| e.key).collect();
    assert_eq!(keys, [3, 1, 2]);
    assert_eq!(d.sort_timeline(3), None, "already in order");
}

#[test]
fn unreadable_times_and_rule_breaks_are_named_at_their_fields() {
    let mut d = ReportDraft {
        status: "in_review".into(),
        timeline: vec![
            entry("2026-10-14", "25:00", "event", "x", 1),
            entry("2026-10-14", "10:00", "event", "", 2),
        ],
        actions: vec![ActionDraft {
            key: 3,
            text: "Do it".into(),
            owner: String::new(),
            status: "open".into(),
            due: String::new(),
        }],
        ..Default::default()
    };
    let fields: Vec<String> = d
        .report()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        [
            "timeline[0].time",
            "summary",
            "timeline[1].text",
            "action_items[0].owner"
        ]
    );
    d.timeline[0].time = "09:00".into();
    let fields: Vec<String> = d
        .report()
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(
        fields,
        ["summary", "timeline[1].text", "action_items[0].owner"]
    );
}

#[test]
fn merging_takes_each_section_from_the_chosen_side() {
    let mine = Report {
        summary: "mine".into(),
        impact: "my impact".into(),
        ..Default::default()
    };
    let theirs = Report {
        summary: "theirs".into(),
        impact: "their impact".into(),
        ..Default::default()
    };
    let merged = merge(&mine, &theirs, &["impact"]);
    assert_eq!(
        (merged.summary.as_str(), merged.impact.as_str()),
        ("mine", "their impact")
    );
    assert_eq!(
        tis_core::staff::section_text(&merged, "impact"),
        "their impact"
    );
}

#[test]
fn an_action_due_date_reads_in_words() {
    assert_eq!(
        tis_core::time::date_words(chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
        "Monday 30 November 2026"
    );
    let _ = utc("2026-10-13T18:00:00Z");
}
