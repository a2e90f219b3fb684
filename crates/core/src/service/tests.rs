//! Tests of `service`.

use super::*;

#[test]
fn a_long_detail_is_cut_to_the_limit_and_says_so() {
    let short = "connection refused".to_string();
    assert_eq!(clip_detail(short.clone()), short);
    let long = "é".repeat(DETAIL_MAX_CHARS + 50);
    let clipped = clip_detail(long);
    assert_eq!(clipped.chars().count(), DETAIL_MAX_CHARS);
    assert!(clipped.ends_with('…'));
    let exact = "x".repeat(DETAIL_MAX_CHARS);
    assert_eq!(clip_detail(exact.clone()), exact);
}

#[test]
fn durations_parse_in_the_units_people_write() {
    assert_eq!("30s".parse(), Ok(HumanDuration::from_secs(30)));
    assert_eq!("5m".parse(), Ok(HumanDuration::from_secs(300)));
    assert_eq!("1h".parse(), Ok(HumanDuration::from_secs(3600)));
    assert_eq!("250ms".parse(), Ok(HumanDuration::from_millis(250)));
}

#[test]
fn a_duration_without_a_unit_says_how_to_write_one() {
    let err = "30".parse::<HumanDuration>().unwrap_err();
    assert!(err.contains("30s"), "{err}");
    let err = "3 days".parse::<HumanDuration>().unwrap_err();
    assert!(err.contains("ms, s, m or h"), "{err}");
}

#[test]
fn durations_round_trip_through_text() {
    for s in ["250ms", "30s", "5m", "2h", "90s"] {
        let d: HumanDuration = s.parse().unwrap();
        assert_eq!(d.to_string().parse::<HumanDuration>().unwrap(), d);
    }
}

#[test]
fn a_probe_reads_from_config_with_defaults() {
    let probe: Probe = serde_json::from_value(serde_json::json!({
        "kind": "http",
        "url": "http://127.0.0.1:1/health",
        "json_pointer": "/status",
        "expect_value": "UP"
    }))
    .unwrap();
    assert_eq!(probe.interval, HumanDuration::from_secs(30));
    assert_eq!(probe.fail_after, 2);
    match probe.kind {
        ProbeKind::Http {
            expect_status,
            method,
            redirects,
            ..
        } => {
            assert_eq!(expect_status, ExpectStatus::Exactly(200));
            assert_eq!(method, "GET");
            assert_eq!(redirects, Redirects::Follow);
        }
        other => panic!("expected http, got {other:?}"),
    }
}

fn problems(value: serde_json::Value) -> Vec<(String, String)> {
    let map = value.as_object().unwrap().clone();
    Probe::from_fields(&map)
        .unwrap_err()
        .into_iter()
        .map(|e| (e.field, e.message))
        .collect()
}

fn fields(problems: &[(String, String)]) -> Vec<&str> {
    problems.iter().map(|(f, _)| f.as_str()).collect()
}

#[test]
fn an_unknown_kind_says_which_kinds_there_are() {
    let p = problems(serde_json::json!({"kind": "ftp", "url": "ftp://x"}));
    assert_eq!(fields(&p), ["kind"]);
    assert!(
        p[0].1.contains("http, tcp, tls, oidc or heartbeat"),
        "{p:?}"
    );
}

#[test]
fn a_misspelt_field_is_refused_not_ignored() {
    let p = problems(serde_json::json!({
        "kind": "http", "url": "https://tis.example/health", "expect_stauts": 200
    }));
    assert_eq!(fields(&p), ["expect_stauts"]);
    assert!(
        p[0].1.contains("expect_status"),
        "lists the right fields: {p:?}"
    );
}

#[test]
fn a_field_of_another_kind_is_refused() {
    let p = problems(serde_json::json!({
        "kind": "tcp", "host": "db", "port": 5432, "url": "https://tis.example"
    }));
    assert_eq!(fields(&p), ["url"]);
    assert!(p[0].1.contains("belongs to http probes"), "{p:?}");
}

#[test]
fn every_problem_of_a_probe_is_listed_with_its_field() {
    let p = problems(serde_json::json!({
        "kind": "oidc", "token_url": "", "client_id": "bulk-upload",
        "client_secret_env": "my secret", "interval": "2s", "timeout": "3s",
        "fail_after": 0
    }));
    assert_eq!(
        fields(&p),
        [
            "interval",
            "timeout",
            "fail_after",
            "token_url",
            "client_secret_env"
        ]
    );
    assert!(p[0].1.contains("5s or more"), "{p:?}");
    assert!(p[1].1.contains("shorter than the interval"), "{p:?}");
    assert!(p[3].1.contains("is empty"), "{p:?}");
}

#[test]
fn missing_fields_say_what_to_add() {
    let p = problems(serde_json::json!({"kind": "tcp", "host": "db"}));
    assert_eq!(fields(&p), ["port"]);
    assert!(p[0].1.contains("add port ="), "{p:?}");
    let p = problems(serde_json::json!({"interval": "30s"}));
    assert_eq!(fields(&p), ["kind"]);
}

#[test]
fn values_of_the_wrong_type_name_the_field() {
    let p = problems(serde_json::json!({
        "kind": "tls", "host": "tis.example", "port": "https", "warn_days": -1
    }));
    assert_eq!(fields(&p), ["port", "warn_days"]);
    assert!(p[0].1.contains("port number"), "{p:?}");
}

#[test]
fn a_json_pointer_needs_an_expected_value() {
    let p = problems(serde_json::json!({
        "kind": "http", "url": "https://tis.example/health", "json_pointer": "status"
    }));
    assert_eq!(fields(&p), ["json_pointer", "expect_value"]);
}

#[test]
fn expected_status_is_one_code_or_a_range() {
    assert_eq!("204".parse(), Ok(ExpectStatus::Exactly(204)));
    assert_eq!("200-299".parse(), Ok(ExpectStatus::Range(200, 299)));
    assert_eq!("3xx".parse(), Ok(ExpectStatus::Range(300, 399)));
    assert!("299-200".parse::<ExpectStatus>().is_err());
    assert!("99".parse::<ExpectStatus>().is_err());
    assert!(ExpectStatus::Range(200, 299).matches(204));
    assert!(!ExpectStatus::Range(200, 299).matches(301));
    for written in [
        serde_json::json!(200),
        serde_json::json!("2xx"),
        serde_json::json!("200-204"),
    ] {
        let read: ExpectStatus = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(serde_json::to_value(read).unwrap(), written);
    }
}

#[test]
fn a_probe_written_out_reads_back_the_same() {
    let probe: Probe = serde_json::from_value(serde_json::json!({
        "kind": "http", "url": "https://tis.example/health", "method": "head",
        "headers": {"Accept": "application/json"}, "expect_status": "2xx",
        "redirects": "none", "interval": "1m", "slow_ms": 900
    }))
    .unwrap();
    let again: Probe = serde_json::from_value(serde_json::to_value(&probe).unwrap()).unwrap();
    assert_eq!(again, probe);
}
