//! Tests of `status`.

use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn rules() -> ProbeRules {
    ProbeRules {
        interval: Duration::seconds(30),
        fail_after: 2,
        recover_after: 2,
        slow_ms: Some(1000),
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap()
}

/// Results 30 s apart from `start()`: `'o'` ok and fast, `'s'` ok but slow, `'x'` failed,
/// `'_'` no result in that slot (the prober or the server was stopped).
/// `'n'` could not check (the prober was cut off).
fn results(pattern: &str) -> Vec<ProbeResult> {
    pattern
        .chars()
        .enumerate()
        .filter(|(_, c)| *c != '_')
        .map(|(i, c)| ProbeResult {
            probe: probe_id("bulk-upload", 0),
            service: "bulk-upload".into(),
            at: start() + Duration::seconds(30 * i as i64),
            ok: !matches!(c, 'x' | 'n'),
            latency_ms: if c == 's' { 5000 } else { 100 },
            error_kind: (c == 'n').then_some(crate::ErrorKind::NotChecked),
            detail: String::new(),
            degraded: false,
            location: None,
        })
        .collect()
}

fn healths(pattern: &str) -> Vec<ProbeHealth> {
    health_timeline(&results(pattern), &rules())
        .into_iter()
        .map(|(_, h)| h)
        .collect()
}

fn just_after(pattern: &str) -> DateTime<Utc> {
    start() + Duration::seconds(30 * pattern.len() as i64)
}

use ProbeHealth::*;

#[test]
fn probe_ids_count_from_one_like_config_messages() {
    assert_eq!(probe_id("bulk-upload", 0), "bulk-upload/1");
    assert_eq!(probe_id("sign-in", 2), "sign-in/3");
}

#[test]
fn after_a_gap_longer_than_the_stale_time_the_first_result_starts_afresh() {
    // Stopped during a slow spell for longer than three intervals: the service answers
    // quickly now, and the slow spell before the gap must not show it as slow again.
    assert_eq!(healths("sss____o"), [Up, Degraded, Degraded, Up]);
    // Nor do failures before the gap count towards down after it.
    assert_eq!(healths("xxx____x"), [Unknown, Down, Down, Unknown]);
    assert_eq!(healths("xxx____xx"), [Unknown, Down, Down, Unknown, Down]);
    // A gap within the stale time is one late or lost run: the debounce still holds.
    assert_eq!(healths("sss__o"), [Up, Degraded, Degraded, Degraded]);
    assert_eq!(healths("sss__oo"), [Up, Degraded, Degraded, Degraded, Up]);
}

#[test]
fn a_restart_after_a_slow_spell_does_not_show_a_quick_service_as_slow() {
    let past = results("sss____o");
    let now = just_after("sss____o");
    assert_eq!(probe_health(&past, &rules(), now), Up);
}

#[test]
fn one_failed_check_does_not_make_a_working_service_down() {
    assert_eq!(healths("oxo"), [Up, Up, Up]);
}

#[test]
fn failures_in_a_row_make_it_down_and_it_needs_successes_in_a_row_to_come_back() {
    assert_eq!(healths("oxxoxoo"), [Up, Up, Down, Down, Down, Down, Up]);
}

#[test]
fn the_first_success_after_no_data_means_up() {
    assert_eq!(healths("o"), [Up]);
    assert_eq!(healths("xo"), [Unknown, Up]);
}

#[test]
fn too_few_failures_from_no_data_leave_it_unknown() {
    assert_eq!(healths("x"), [Unknown]);
    assert_eq!(healths("xx"), [Unknown, Down]);
}

#[test]
fn slow_answers_in_a_row_make_it_slow_not_down() {
    assert_eq!(
        healths("osssoo"),
        [Up, Up, Degraded, Degraded, Degraded, Up]
    );
}

#[test]
fn slow_answers_do_not_count_as_slow_without_a_limit() {
    let rules = ProbeRules {
        slow_ms: None,
        ..rules()
    };
    let got = probe_health(&results("sss"), &rules, just_after("sss"));
    assert_eq!(got, Up);
}

#[test]
fn a_service_coming_back_slowly_is_shown_slow() {
    assert_eq!(healths("xxss"), [Unknown, Down, Down, Degraded]);
}

#[test]
fn stale_data_is_never_shown_as_up() {
    let r = results("ooo");
    let last = r[2].at;
    assert_eq!(probe_health(&r, &rules(), last + Duration::seconds(90)), Up);
    assert_eq!(
        probe_health(&r, &rules(), last + Duration::seconds(91)),
        Unknown
    );
    assert_eq!(probe_health(&[], &rules(), last), Unknown);
}

#[test]
fn results_out_of_order_are_replayed_oldest_first() {
    let mut r = results("ooxx");
    r.reverse();
    assert_eq!(probe_health(&r, &rules(), just_after("ooxx")), Down);
}

#[test]
fn rules_come_from_the_probe_config() {
    let probe: Probe = serde_json::from_value(serde_json::json!({
        "kind": "tcp", "host": "db", "port": 5432,
        "interval": "1m", "fail_after": 3, "recover_after": 4, "slow_ms": 800
    }))
    .unwrap();
    let rules = ProbeRules::from(&probe);
    assert_eq!(rules.interval, Duration::minutes(1));
    assert_eq!(
        (rules.fail_after, rules.recover_after, rules.slow_ms),
        (3, 4, Some(800))
    );
}

#[test]
fn a_service_is_working_only_when_every_probe_says_so() {
    assert_eq!(service_status(&[]), Status::Unknown);
    assert_eq!(service_status(&[Unknown, Unknown]), Status::Unknown);
    assert_eq!(service_status(&[Up, Up]), Status::Operational);
    assert_eq!(service_status(&[Up, Unknown]), Status::Unknown);
    assert_eq!(service_status(&[Up, Degraded]), Status::Degraded);
    assert_eq!(service_status(&[Degraded, Unknown]), Status::Degraded);
    assert_eq!(service_status(&[Up, Down]), Status::PartialOutage);
    assert_eq!(service_status(&[Degraded, Down]), Status::PartialOutage);
    assert_eq!(service_status(&[Down, Down]), Status::MajorOutage);
    assert_eq!(service_status(&[Down, Unknown]), Status::MajorOutage);
}

#[test]
fn locations_must_agree_before_a_probe_is_down() {
    assert_eq!(agree(&[Down], 1), Down);
    assert_eq!(agree(&[Down, Up], 1), Down);
    assert_eq!(agree(&[Down, Up], 2), Up);
    assert_eq!(agree(&[Down, Down], 2), Down);
    assert_eq!(agree(&[Down, Unknown], 2), Unknown);
    assert_eq!(agree(&[Down, Degraded, Up], 2), Degraded);
    assert_eq!(agree(&[], 1), Unknown);
    assert_eq!(agree(&[Up], 0), Up, "a quorum of 0 means 1");
}

#[test]
fn a_warning_leaves_the_service_working_and_is_told_apart() {
    let mut r = results("oooo");
    for x in &mut r[1..] {
        x.degraded = true;
        x.detail = "Certificate expires in 9 days".into();
    }
    let got: Vec<_> = health_timeline(&r, &rules())
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    assert_eq!(got, [Up, Up, Up, Up], "a certificate warning is not slow");
    let now = just_after("oooo");
    assert_eq!(
        warning(&r, &rules(), now),
        Some("Certificate expires in 9 days")
    );
    // Renewed: the newest result has no warning.
    r[3].degraded = false;
    assert_eq!(warning(&r, &rules(), now), None);
    // An old warning is not news.
    r[3].degraded = true;
    assert_eq!(warning(&r, &rules(), now + Duration::hours(1)), None);
}

#[test]
fn only_changes_into_or_out_of_trouble_are_kept() {
    use Status::*;
    assert!(StatusChange::worth_keeping(Operational, MajorOutage));
    assert!(StatusChange::worth_keeping(MajorOutage, Operational));
    assert!(StatusChange::worth_keeping(Degraded, MajorOutage));
    assert!(StatusChange::worth_keeping(MajorOutage, Unknown));
    assert!(!StatusChange::worth_keeping(Unknown, Operational));
    assert!(!StatusChange::worth_keeping(Operational, Maintenance));
    assert!(!StatusChange::worth_keeping(MajorOutage, MajorOutage));
}

#[test]
fn planned_maintenance_shows_as_maintenance() {
    assert_eq!(
        apply_maintenance(Status::MajorOutage, true),
        Status::Maintenance
    );
    assert_eq!(apply_maintenance(Status::Degraded, false), Status::Degraded);
}

#[test]
fn health_reads_and_writes_as_snake_case() {
    assert_eq!(serde_json::to_string(&Degraded).unwrap(), "\"degraded\"");
    assert_eq!(
        serde_json::from_str::<ProbeHealth>("\"down\"").unwrap(),
        Down
    );
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just('o'), Just('s'), Just('x')], 0..40)
        .prop_map(|v| v.into_iter().collect())
}

fn health() -> impl Strategy<Value = ProbeHealth> {
    prop_oneof![Just(Up), Just(Degraded), Just(Down), Just(Unknown)]
}

proptest! {
    #[test]
    fn down_starts_only_after_enough_failures_in_a_row(p in pattern()) {
        let h = healths(&p);
        for i in 0..h.len() {
            if h[i] == Down && (i == 0 || h[i - 1] != Down) {
                prop_assert!(i >= 1 && &p[i - 1..=i] == "xx", "{p}: down at {i}");
            }
        }
    }

    #[test]
    fn down_ends_only_after_enough_successes_in_a_row(p in pattern()) {
        let h = healths(&p);
        for i in 1..h.len() {
            if h[i - 1] == Down && h[i] != Down {
                prop_assert!(!p[i - 1..=i].contains('x'), "{p}: back at {i}");
            }
        }
    }

    #[test]
    fn one_more_failure_never_takes_a_working_service_down(p in pattern()) {
        let before = probe_health(&results(&p), &rules(), just_after(&p));
        let with_fail = format!("{p}x");
        let after = probe_health(&results(&with_fail), &rules(), just_after(&with_fail));
        if !p.ends_with('x') && before == Up {
            prop_assert_eq!(after, Up);
        }
    }

    #[test]
    fn order_of_results_does_not_matter(p in pattern(), seed in any::<u64>()) {
        let mut given = results(&p);
        // Pairs of results at the same moment, as two probers' clocks may give.
        for (i, r) in given.iter_mut().enumerate() {
            r.at = start() + Duration::seconds(30 * (i as i64 / 2));
        }
        let mut shuffled = given.clone();
        shuffled.sort_by_key(|r| (r.at.timestamp() as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut reversed = given.clone();
        reversed.reverse();
        let now = just_after(&p);
        prop_assert_eq!(probe_health(&shuffled, &rules(), now), probe_health(&given, &rules(), now));
        prop_assert_eq!(health_timeline(&reversed, &rules()), health_timeline(&given, &rules()));
    }

    #[test]
    fn stale_results_are_unknown(p in pattern(), extra in 91i64..100_000) {
        let r = results(&p);
        let now = start() + Duration::seconds(30 * (p.len() as i64 - 1) + extra);
        prop_assert_eq!(probe_health(&r, &rules(), now), Unknown);
    }

    #[test]
    fn a_service_is_never_working_unless_every_probe_is_up(hs in proptest::collection::vec(health(), 0..6)) {
        let status = service_status(&hs);
        prop_assert_eq!(status == Status::Operational, !hs.is_empty() && hs.iter().all(|h| *h == Up));
        prop_assert_eq!(status == Status::MajorOutage, hs.contains(&Down) && hs.iter().all(|h| matches!(h, Down | Unknown)));
        prop_assert!(status != Status::Maintenance);
    }
}

#[test]
fn checks_that_could_not_run_make_the_health_unknown_not_down() {
    assert_eq!(healths("oonnn"), [Up, Up, Unknown, Unknown, Unknown]);
    assert_eq!(
        probe_health(&results("oonnn"), &rules(), just_after("oonnn")),
        Unknown
    );
    assert!(could_not_check(
        &results("oonnn"),
        &rules(),
        just_after("oonnn")
    ));
    assert!(!could_not_check(
        &results("oonno"),
        &rules(),
        just_after("oonno")
    ));
    // Stale: the cut-off is no longer news, the data is simply old.
    assert!(!could_not_check(
        &results("n"),
        &rules(),
        start() + Duration::seconds(91)
    ));
}

#[test]
fn checks_that_could_not_run_neither_end_nor_lengthen_a_run_of_failures() {
    // Down stays down across the gap, and still needs recover_after successes.
    assert_eq!(healths("xxnno"), [Unknown, Down, Unknown, Unknown, Down]);
    assert_eq!(
        healths("xxnnoo"),
        [Unknown, Down, Unknown, Unknown, Down, Up]
    );
    // A failure either side of the gap is a run of two, as if the gap were not there.
    assert_eq!(healths("oxnx"), [Up, Up, Unknown, Down]);
    // But the gap itself is no failure: one real failure after it does not make down.
    assert_eq!(healths("onnx"), [Up, Unknown, Unknown, Up]);
    assert_eq!(healths("onnno"), [Up, Unknown, Unknown, Unknown, Up]);
}

#[test]
fn one_location_cut_off_does_not_outvote_the_others() {
    let cut_off = probe_health(&results("oonn"), &rules(), just_after("oonn"));
    let seeing = probe_health(&results("oooo"), &rules(), just_after("oooo"));
    assert_eq!(agree(&[cut_off, seeing], 1), Up);
    assert_eq!(agree(&[cut_off, seeing], 2), Up);
    let down = probe_health(&results("ooxx"), &rules(), just_after("ooxx"));
    assert_eq!(agree(&[cut_off, down], 1), Down);
}
