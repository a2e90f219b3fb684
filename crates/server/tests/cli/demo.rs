//! The built-in demo's past: a new demo shows 90 days of uptime with its incidents'
//! outages in them, and the status changes behind each incident, written once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;
use tis_core::uptime::{uk_date_of, uk_day_bounds};

use tis_status::store::{SqliteStore, Store};

use crate::helpers::{Server, write};

/// The incident the product is built around (DESIGN.md): sign-in between services failed
/// after an upgrade, and Bulk upload and ESR integration were down for about 14 hours.
const DESIGN_INCIDENT: &str = "Bulk upload and ESR integration stopped working";

async fn get(server: &Server, path: &str) -> Value {
    let response = reqwest::get(format!("{}{path}", server.url))
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.expect("JSON")
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

fn date(day: &Value) -> NaiveDate {
    day["date"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("no date in {day}"))
}

fn minutes(day: &Value, field: &str) -> i64 {
    day[field]
        .as_i64()
        .unwrap_or_else(|| panic!("no {field} in {day}"))
}

/// The day's uptime as the page works it out: time with data not down.
fn percent(day: &Value) -> Option<f64> {
    let with_data = minutes(day, "minutes") - minutes(day, "minutes_no_data");
    (with_data > 0)
        .then(|| (with_data - minutes(day, "minutes_down")) as f64 / with_data as f64 * 100.0)
}

/// The demo's uptime for a service once its stored days are loaded (the first trends are
/// worked out just after start-up).
async fn uptime(server: &Server, service: &str) -> Value {
    server
        .wait_for(
            &format!("/api/v1/services/{service}/uptime?days=90"),
            |body| {
                body["days"]
                    .as_array()
                    .is_some_and(|days| days.iter().any(|d| d["checks"].as_u64() > Some(0)))
            },
        )
        .await
}

#[tokio::test]
async fn a_new_demo_shows_ninety_days_of_uptime_with_the_outages_of_its_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("data")).await;
    let today = uk_date_of(Utc::now());

    let incidents = get(&server, "/api/v1/incidents").await;
    let incident = incidents["incidents"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["title"] == DESIGN_INCIDENT))
        .expect("the demo has the incident of DESIGN.md");
    let (started, resolved) = (
        time(&incident["started_at"]),
        time(&incident["resolved_at"]),
    );

    let bulk = uptime(&server, "bulk-upload").await;
    let days = bulk["days"].as_array().expect("days");
    assert_eq!(days.len(), 90);
    let past: Vec<&Value> = days.iter().filter(|d| date(d) < today).collect();
    assert_eq!(past.len(), 89);
    assert!(
        past.iter().all(|d| d["checks"].as_u64() > Some(0)),
        "every day before today has checks: {bulk:#}"
    );

    // The incident's UK days (it ran through a night) are down for exactly its length:
    // all of it while it is inside the strip, then the part still inside, then none. The
    // demo's dates are fixed and the strip moves with today, so each is worked out.
    let strip = (
        uk_day_bounds(today - Duration::days(89)).0,
        uk_day_bounds(today).0,
    );
    let incident_days: Vec<&&Value> = past
        .iter()
        .filter(|d| {
            let (start, end) = uk_day_bounds(date(d));
            start < resolved && started < end
        })
        .collect();
    let mut expected_days = vec![uk_date_of(started), uk_date_of(resolved)];
    expected_days.dedup();
    expected_days.retain(|d| uk_day_bounds(*d).0 >= strip.0);
    assert_eq!(
        incident_days.iter().map(|d| date(d)).collect::<Vec<_>>(),
        expected_days
    );
    for day in &incident_days {
        assert!(percent(day).is_some_and(|p| p < 100.0), "{day:#}");
    }
    let down: i64 = incident_days
        .iter()
        .map(|d| minutes(d, "minutes_down"))
        .sum();
    let shown = (resolved.min(strip.1) - started.max(strip.0))
        .num_minutes()
        .max(0);
    assert_eq!(down, shown, "{incident_days:#?}");

    // Every other day: up all day, or up with a few minutes nobody checked, which is no
    // data and not down.
    let others: Vec<&&Value> = past.iter().filter(|d| !incident_days.contains(d)).collect();
    assert!(others.iter().all(|d| minutes(d, "minutes_down") == 0));
    assert!(
        others.iter().all(|d| percent(d) == Some(100.0)),
        "{others:#?}"
    );
    let untouched = others
        .iter()
        .find(|d| minutes(d, "minutes_no_data") == 0)
        .expect("a day checked all day");
    assert_eq!(percent(untouched), Some(100.0));
    assert!(
        untouched["median_latency_ms"].as_u64() > Some(20),
        "{untouched:#}"
    );
    let gaps: Vec<&&&Value> = others
        .iter()
        .filter(|d| minutes(d, "minutes_no_data") > 0)
        .collect();
    assert!(!gaps.is_empty(), "some days have a few minutes unchecked");
    assert!(gaps.iter().all(|d| percent(d) == Some(100.0)));

    // A service no incident touched is up every day.
    let revalidation = uptime(&server, "revalidation").await;
    assert!(
        revalidation["days"]
            .as_array()
            .expect("days")
            .iter()
            .filter(|d| date(d) < today)
            .all(|d| minutes(d, "minutes_down") == 0 && d["checks"].as_u64() > Some(0)),
        "{revalidation:#}"
    );

    // What the checks saw, for the incident's timeline: down at the start, back at the end.
    let window = format!(
        "from={}&to={}",
        (started - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        (resolved + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    let changes = get(
        &server,
        &format!("/api/v1/status-changes?service=bulk-upload&{window}"),
    )
    .await;
    let changes = changes["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert_eq!(
        (
            time(&changes[0]["at"]),
            &changes[0]["from"],
            &changes[0]["to"]
        ),
        (
            started,
            &Value::from("operational"),
            &Value::from("major_outage")
        )
    );
    assert_eq!(
        (time(&changes[1]["at"]), &changes[1]["to"]),
        (resolved, &Value::from("operational"))
    );

    // The older sign-in incident too, past the time raw checks are kept: every service
    // that needs sign-in went down because of it.
    let sign_in = incidents["incidents"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|i| i["title"] == "Nobody could sign in to TIS")
        })
        .expect("the demo's sign-in incident");
    let started = time(&sign_in["started_at"]);
    let changes = get(
        &server,
        &format!(
            "/api/v1/status-changes?service=admin-site&from={}&to={}",
            (started - Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            (started + Duration::hours(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    )
    .await;
    assert_eq!(changes["changes"][0]["to"], "major_outage", "{changes:#}");
    assert_eq!(changes["changes"][0]["reason"], "because Sign-in is down");
}

#[tokio::test]
async fn restarting_the_demo_on_the_same_data_does_not_make_up_its_past_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let past = "/api/v1/status-changes?from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z";
    let first = Server::start_demo(&data).await;
    let changes = get(&first, past).await;
    let before = uptime(&first, "sign-in").await;
    drop(first);
    // Where each check ran from is for staff only.
    let staff = crate::helpers::create_token(&data, "ops-staff", "support");

    let again = Server::start_demo(&data).await;
    assert_eq!(get(&again, past).await["changes"], changes["changes"]);
    assert!(
        changes["changes"].as_array().is_some_and(|c| !c.is_empty()),
        "{changes:#}"
    );
    let after = uptime(&again, "sign-in").await;
    let past_days = |body: &Value| -> Vec<Value> {
        let today = uk_date_of(Utc::now());
        body["days"]
            .as_array()
            .expect("days")
            .iter()
            .filter(|d| date(d) < today - Duration::days(1))
            .cloned()
            .collect()
    };
    assert_eq!(past_days(&after), past_days(&before));

    // Yesterday's checks are there once each, not twice.
    let today_start = uk_day_bounds(uk_date_of(Utc::now())).0;
    let results: Value = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/services/sign-in/results?limit=500&before={}",
            again.url,
            today_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ))
        .bearer_auth(&staff)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON");
    let results = results["results"].as_array().expect("results");
    assert_eq!(results.len(), 500, "yesterday was checked every 10 seconds");
    assert!(results.iter().all(|r| r["location"] == "demo history"));
    let mut times: Vec<&str> = results.iter().filter_map(|r| r["at"].as_str()).collect();
    times.dedup();
    assert_eq!(times.len(), 500, "each check once");
}

#[tokio::test]
async fn a_real_config_gets_no_made_up_past() {
    let target = crate::helpers::healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "tis.toml",
        &format!(
            r#"
[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "http"
url = "{target}/actuator/health"
interval = "5s"
timeout = "1s"
"#
        ),
    );
    let data = dir.path().join("data");
    let started = Utc::now();
    let server = Server::start(&config, &data).await;
    server
        .wait_for("/api/v1/services", |body| {
            body["services"][0]["status"] == "operational"
        })
        .await;
    drop(server);

    // What the server left in its store: its own checks and nothing older.
    let store = SqliteStore::open(&data).await.expect("the store opens");
    let today = uk_date_of(Utc::now());
    let days = store
        .daily_uptime("bulk-upload", today - Duration::days(90), today)
        .await
        .expect("daily uptime");
    assert!(
        days.iter()
            .all(|d| d.checks == 0 || d.date == today || d.date == uk_date_of(started)),
        "days before the server ran have no checks: {days:#?}"
    );
    let results = store
        .probe_results_since(started - Duration::days(30))
        .await
        .expect("results");
    assert!(!results.is_empty(), "the server's own checks are kept");
    assert!(
        results
            .iter()
            .all(|r| r.at >= started - Duration::seconds(1))
    );
    let changes = store
        .status_changes(None, started - Duration::days(399), Utc::now())
        .await
        .expect("changes");
    assert_eq!(changes, vec![]);
}
