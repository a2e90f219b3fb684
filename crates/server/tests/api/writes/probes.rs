//! Probe results pushed by standalone probers, and the bounds a push must keep.

use super::*;

#[tokio::test]
async fn a_prober_token_pushes_results_that_staff_can_page_through() {
    let app = spawn_app().await;
    let prober = app.token("prober-leeds", Role::Prober).await;
    let results = json!({"results": [
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-2), "ok": true, "latency_ms": 120},
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1), "ok": false, "latency_ms": 5000,
         "error_kind": "auth", "detail": "The token endpoint refused the client credentials"},
    ]});
    let pushed = app
        .call("POST", "/api/v1/probe-results", &prober, Some(results))
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    assert_eq!(pushed.json()["accepted"], 2);
    let page = app
        .get("/api/v1/services/bulk-upload/results?limit=1")
        .await
        .json();
    assert_eq!(page["results"][0]["ok"], false, "newest first: {page}");
    assert_eq!(page["results"][0]["error_kind"], "auth");
    let next = page["next_before"].as_str().expect("a next page");
    let older = app
        .get(&format!(
            "/api/v1/services/bulk-upload/results?limit=1&before={}",
            next.replace('+', "%2B")
        ))
        .await
        .json();
    assert_eq!(older["results"][0]["ok"], true, "{older}");

    // A prober token can do nothing else.
    refused(
        &app,
        "POST",
        "/api/v1/notices",
        &prober,
        Some(&notice("From a prober").to_string()),
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn probe_results_for_unknown_services_or_probes_or_from_the_future_are_refused() {
    let app = spawn_app().await;
    let prober = app.token("prober-leeds", Role::Prober).await;
    let results = json!({"results": [
        {"probe": "payroll/1", "service": "payroll", "at": at(-1), "ok": true, "latency_ms": 80},
        {"probe": "bulk-upload/9", "service": "bulk-upload", "at": at(-1), "ok": true, "latency_ms": 80},
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(60), "ok": true, "latency_ms": 80},
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1), "ok": true, "latency_ms": 80, "error_kind": "timeout"},
    ]});
    let problem = refused(
        &app,
        "POST",
        "/api/v1/probe-results",
        &prober,
        Some(&results.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem
            .about("results[0].service")
            .contains("no service called \"payroll\"")
    );
    assert!(problem.about("results[1].probe").contains("bulk-upload/1"));
    assert!(problem.about("results[2].at").contains("future"));
    assert!(
        problem
            .about("results[3].error_kind")
            .contains("successful")
    );
    let problem = refused(
        &app,
        "POST",
        "/api/v1/probe-results",
        &prober,
        Some(&json!({"results": []}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("results").contains("at least one"));
}

#[tokio::test]
async fn probe_results_too_old_to_count_or_with_too_long_a_detail_are_refused_and_nothing_is_stored()
 {
    let app = spawn_app().await;
    let prober = app.token("prober-leeds", Role::Prober).await;
    let stored_before = app
        .get("/api/v1/services/bulk-upload/results?limit=100")
        .await
        .json()["results"]
        .as_array()
        .map(Vec::len);
    let results = json!({"results": [
        // Two days ago is always before the start of a day whose uptime is still open.
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-2 * 24 * 60), "ok": true, "latency_ms": 80},
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1), "ok": false, "latency_ms": 80,
         "error_kind": "status", "detail": "x".repeat(1001)},
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1), "ok": true, "latency_ms": 80},
    ]});
    let problem = refused(
        &app,
        "POST",
        "/api/v1/probe-results",
        &prober,
        Some(&results.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let old = problem.about("results[0].at");
    assert!(old.contains("too long ago to count"), "{old}");
    assert!(old.contains("Send only results from"), "{old}");
    let long = problem.about("results[1].detail");
    assert!(long.contains("at most 1000 characters"), "{long}");
    assert!(long.contains("1001"), "{long}");
    assert_eq!(problem.fields.len(), 2, "the good result is not blamed");
    let stored_after = app
        .get("/api/v1/services/bulk-upload/results?limit=100")
        .await
        .json()["results"]
        .as_array()
        .map(Vec::len);
    assert_eq!(
        stored_after, stored_before,
        "a refused push stores none of its results"
    );
}

#[tokio::test]
async fn a_prober_token_speaks_for_its_own_location_only() {
    let app = spawn_app().await;
    let admin = app.token("setup", Role::Admin).await;
    let made = app
        .call(
            "POST",
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "prober-1", "role": "prober", "location": "leeds"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    assert_eq!(made.json()["location"], "leeds");
    let leeds = Auth::Token(made.json()["token"].as_str().unwrap().to_string());
    let listed = app.call("GET", "/api/v1/tokens", &admin, None).await.json();
    let listed = listed["tokens"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "prober-1").cloned())
        .expect("the token is listed");
    assert_eq!(listed["location"], "leeds", "{listed}");

    let from = |location: Option<&str>| {
        let mut r = json!({"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1),
                           "ok": true, "latency_ms": 80});
        if let Some(location) = location {
            r["location"] = json!(location);
        }
        json!({ "results": [r] })
    };
    let problem = refused(
        &app,
        "POST",
        "/api/v1/probe-results",
        &leeds,
        Some(&from(Some("dublin")).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let said = problem.about("results[0].location");
    assert!(said.contains("from \"leeds\" only"), "{said}");
    assert!(said.contains("--location dublin"), "{said}");

    for location in [None, Some("leeds")] {
        let pushed = app
            .call(
                "POST",
                "/api/v1/probe-results",
                &leeds,
                Some(from(location)),
            )
            .await;
        assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    }
    // Where a check ran from is for staff only.
    let staff = app.token("ops-staff", Role::Support).await;
    let stored = app
        .call(
            "GET",
            "/api/v1/services/bulk-upload/results?limit=100",
            &staff,
            None,
        )
        .await
        .json();
    let from_leeds = stored["results"]
        .as_array()
        .map(|all| all.iter().filter(|r| r["location"] == "leeds").count());
    assert_eq!(from_leeds, Some(2), "{stored}");

    // A token made without a location speaks for its name; other roles have none.
    let named = app.token("prober-york", Role::Prober).await;
    refused(
        &app,
        "POST",
        "/api/v1/probe-results",
        &named,
        Some(&from(Some("leeds")).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let problem = refused(
        &app,
        "POST",
        "/api/v1/tokens",
        &admin,
        Some(&json!({"name": "script", "role": "support", "location": "leeds"}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("location").contains("Only prober tokens"));
    let own = app.state.config.location().to_string();
    let problem = refused(
        &app,
        "POST",
        "/api/v1/tokens",
        &admin,
        Some(&json!({"name": "imposter", "role": "prober", "location": own}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem
            .about("location")
            .contains("this server's own probes")
    );
}

#[tokio::test]
async fn a_token_that_pushes_too_often_is_told_how_long_to_wait_and_others_are_not_held_up() {
    let app = spawn_app().await;
    let busy = app.token("prober-busy", Role::Prober).await;
    let calm = app.token("prober-calm", Role::Prober).await;
    // Empty pushes are refused at once, but each still counts: the limit is on pushes.
    let empty = json!({"results": []});
    let mut pushes = 0;
    let limited = loop {
        let answer = app
            .call("POST", "/api/v1/probe-results", &busy, Some(empty.clone()))
            .await;
        pushes += 1;
        if answer.status == StatusCode::TOO_MANY_REQUESTS || pushes == 2000 {
            break answer;
        }
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.text()
        );
    };
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after {pushes} pushes"
    );
    assert!(
        pushes > 60,
        "a burst of 60 is allowed; limited after {pushes}"
    );
    let wait: u64 = limited
        .header(header::RETRY_AFTER)
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
    let problem = limited.json();
    assert_eq!(problem["type"], "/problems/rate-limited", "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains(&format!("Wait {wait} seconds"))),
        "{problem}"
    );
    let other = app
        .call(
            "POST",
            "/api/v1/probe-results",
            &calm,
            Some(
                json!({"results": [{"probe": "bulk-upload/1", "service": "bulk-upload",
                                      "at": at(-1), "ok": true, "latency_ms": 80}]}),
            ),
        )
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text());
}
