//! Public reads: shapes, snapshots, caching, and bad queries.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{Answer, spawn_app};

#[tokio::test]
async fn the_summary_has_everything_the_overview_shows() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/summary").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(body["demo"], true);
    assert_eq!(body["services"].as_array().map(Vec::len), Some(10));
    // No probes ran, so nothing is claimed to be working.
    assert_eq!(
        body["headline"],
        "We cannot check TIS services at the moment"
    );
    let incidents = body["incidents"].as_array().unwrap();
    assert_eq!(
        incidents.len(),
        1,
        "only the unresolved demo incident is active"
    );
    assert_eq!(incidents[0]["status"], "monitoring");
    assert!(incidents[0].get("report").is_none() || incidents[0]["report"].is_null());
    let notices: Vec<&str> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert!(!notices.is_empty());
    assert!(
        body["notices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["published"] == true),
        "drafts never reach the public"
    );
}

#[tokio::test]
async fn every_group_of_the_notices_page_is_a_list_the_api_serves() {
    let app = spawn_app().await;
    let summary = app.get("/api/v1/summary").await.json();
    for state in tis_core::NoticeState::ALL {
        let answer = app.get(&state.path()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", state.path());
        assert!(answer.json().is_array(), "{}", state.path());
    }
    // "Coming up" on the page is the summary's `upcoming` list.
    let upcoming = app
        .get(&tis_core::NoticeState::Upcoming.path())
        .await
        .json();
    assert_eq!(upcoming, summary["upcoming"]);
}

#[tokio::test]
async fn an_unchanged_answer_costs_a_304_with_the_etag() {
    let app = spawn_app().await;
    let first = app.get("/api/v1/services").await;
    let etag = first.header(header::ETAG).to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    assert!(first.header(header::CACHE_CONTROL).contains("max-age"));
    let again = app
        .send(
            Request::get("/api/v1/services")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn a_service_says_what_it_is_for_and_how_it_is_checked() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/services/bulk-upload").await.json();
    assert_eq!(body["service"]["name"], "Bulk upload");
    assert_eq!(body["depends_on_names"][0], "Sign-in");
    let probes: Vec<&str> = body["probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["description"].as_str())
        .collect();
    assert!(
        probes.contains(&"We sign in the way Bulk upload does, then call it, every 10 seconds."),
        "{probes:?}"
    );
    let missing = app.get("/api/v1/services/buk-upload").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.header(header::CONTENT_TYPE),
        "application/problem+json"
    );
    assert!(
        missing.json()["detail"]
            .as_str()
            .unwrap()
            .contains("buk-upload")
    );
}

#[tokio::test]
async fn uptime_gives_one_entry_per_uk_day_and_refuses_silly_ranges() {
    let app = spawn_app().await;
    let body = app.get("/api/v1/services/sign-in/uptime").await.json();
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 90);
    // No data is not downtime: with no checks at all, there is no uptime figure.
    assert!(body["uptime_percent"].is_null());
    assert!(days.iter().all(|d| d["minutes_down"] == 0));
    let year = app
        .get("/api/v1/services/sign-in/uptime?days=365")
        .await
        .json();
    assert_eq!(year["days"].as_array().map(Vec::len), Some(365));
    for bad in ["days=0", "days=366", "days=lots", "weeks=3"] {
        let answer = app
            .get(&format!("/api/v1/services/sign-in/uptime?{bad}"))
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn incident_history_pages_and_filters() {
    let app = spawn_app().await;
    let all = app.get("/api/v1/incidents").await.json();
    assert_eq!(all["total"], 4);
    let started: Vec<&str> = all["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["started_at"].as_str())
        .collect();
    let mut sorted = started.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(started, sorted, "newest first");

    let page = app.get("/api/v1/incidents?per_page=1&page=2").await.json();
    assert_eq!(page["incidents"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["total"], 4);

    let esr = app
        .get("/api/v1/incidents?service=esr-integration")
        .await
        .json();
    assert_eq!(esr["total"], 1);
    assert_eq!(
        esr["incidents"][0]["title"],
        "Bulk upload and ESR integration stopped working"
    );

    let in_2025 = app.get("/api/v1/incidents?year=2025").await.json();
    assert_eq!(in_2025["total"], 1);

    let too_many = app.get("/api/v1/incidents?per_page=1000").await;
    let problem = too_many.problem(StatusCode::BAD_REQUEST);
    assert!(
        problem.about("per_page").contains("1 to 100"),
        "{problem:?}"
    );
    assert_eq!(
        app.get("/api/v1/incidents?service=nope").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The problem a request out of range gets: 400, problem+json, naming the field and the
/// range it takes.
fn assert_refused_naming(answer: &Answer, field: &str, range_words: &str) {
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        "application/problem+json"
    );
    let problem = answer.json();
    let errors = problem["errors"].as_array().expect("errors listed");
    let named = errors
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("{field} is named: {problem}"));
    let message = named["message"].as_str().unwrap_or_default();
    assert!(message.contains(range_words), "{field}: {message}");
}

#[tokio::test]
async fn page_numbers_years_and_times_outside_their_range_are_refused_with_the_range() {
    let app = spawn_app().await;
    assert_refused_naming(
        &app.get("/api/v1/incidents?page=2147483648").await,
        "page",
        "from 1 to 10000",
    );
    assert_refused_naming(
        &app.get("/api/v1/incidents?page=10001").await,
        "page",
        "from 1 to 10000",
    );
    assert_eq!(
        app.get("/api/v1/incidents?page=10000").await.status,
        StatusCode::OK
    );
    assert_refused_naming(
        &app.get("/api/v1/incidents?year=-5").await,
        "year",
        "from 2000 to 2099",
    );

    let far_past = "-262143-01-01T00:00:00Z";
    let far_future = "%2B262142-12-31T23:59:59Z";
    let range = "1 January 2000";
    assert_refused_naming(
        &app.get(&format!("/api/v1/status-changes?to={far_past}"))
            .await,
        "to",
        range,
    );
    assert_refused_naming(
        &app.get(&format!(
            "/api/v1/status-changes?from={far_past}&to={far_future}"
        ))
        .await,
        "from",
        range,
    );
    assert_refused_naming(
        &app.get(&format!(
            "/api/v1/services/sign-in/history?from={far_past}&to=2026-01-01T00:00:00Z"
        ))
        .await,
        "from",
        range,
    );
    assert_refused_naming(
        &app.get(&format!(
            "/api/v1/services/sign-in/results?before={far_future}"
        ))
        .await,
        "before",
        range,
    );
    // The server is still answering after all that.
    assert_eq!(
        app.get("/api/v1/status-changes").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_public_sees_a_published_report_in_plain_words_only() {
    let app = spawn_app().await;
    let list = app
        .get("/api/v1/incidents?service=esr-integration")
        .await
        .json();
    let id = list["incidents"][0]["id"].as_i64().unwrap();
    let body = app.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert!(
        body["incident"]["report"].is_null(),
        "the full report is for staff"
    );
    let report = &body["public_report"];
    assert!(
        report["non_technical"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert!(report.get("root_causes").is_none());
    assert!(report["actions"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(report["actions"][0].get("owner").is_none());
    let detect = &body["key_times"]["to_detect"];
    assert!(
        detect["min_minutes"].as_i64().unwrap() >= 13 * 60,
        "{detect}"
    );

    // A report still in review is not public at all.
    let in_review = app.get("/api/v1/incidents?year=2025").await.json();
    let id = in_review["incidents"][0]["id"].as_i64().unwrap();
    let body = app.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert!(body.get("public_report").is_none(), "{body}");
}
