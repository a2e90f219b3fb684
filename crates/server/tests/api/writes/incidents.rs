//! Writes of incidents, their updates and their reports, with revisions and the rules
//! each must keep.

use super::*;

#[tokio::test]
async fn an_editor_opens_an_incident_and_support_takes_it_through_to_resolved() {
    let app = spawn_app().await;
    let editor = app.signed_in("eve.editor", Role::Editor).await;
    let support = app.signed_in("sam.support", Role::Support).await;

    let opened = app
        .call(
            "POST",
            "/api/v1/incidents",
            &editor,
            Some(incident("Bulk upload is not working")),
        )
        .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let id = opened.json()["id"].as_i64().expect("id");
    let summary = app.get("/api/v1/summary").await.json();
    assert!(titles(&summary["incidents"]).contains(&"Bulk upload is not working".into()));

    let mut edited = incident("Bulk upload and ESR are not working");
    edited["impact"] = json!("critical");
    let answer = app
        .call(
            "PUT",
            &format!("/api/v1/incidents/{id}"),
            &editor,
            Some(edited),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["impact"], "critical");

    let steps = [
        (
            "identified",
            "Services cannot sign in to each other. We are fixing it.",
        ),
        (
            "monitoring",
            "A fix is in place. We are checking that it works.",
        ),
        ("resolved", "Bulk upload and ESR are working again."),
    ];
    for (status, body) in steps {
        let mut next = update(status, body);
        if status == "resolved" {
            next["next_update_at"] = Value::Null;
        }
        let answer = app
            .call(
                "POST",
                &format!("/api/v1/incidents/{id}/updates"),
                &support,
                Some(next),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::CREATED,
            "{status}: {}",
            answer.text()
        );
        let seen = app.get(&format!("/api/v1/incidents/{id}")).await.json();
        assert_eq!(seen["incident"]["status"], status);
        let last = seen["incident"]["updates"]
            .as_array()
            .and_then(|u| u.last())
            .cloned()
            .unwrap_or_default();
        assert_eq!(last["body"], body);
        // The account has no display name, and its login name is not for the public.
        assert_eq!(last["author"], "TIS support");
    }
    let seen = app.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert_eq!(
        seen["incident"]["updates"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(
        seen["incident"]["resolved_at"].is_string(),
        "resolving sets the time"
    );
    assert_eq!(
        seen["incident"]["title"],
        "Bulk upload and ESR are not working"
    );
    let summary = app.get("/api/v1/summary").await.json();
    assert!(
        !titles(&summary["incidents"])
            .iter()
            .any(|t| t.contains("ESR are not working")),
        "a resolved incident leaves the overview"
    );
    let history = app.get("/api/v1/incidents?state=resolved").await.json();
    assert!(
        history["incidents"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["id"] == id)
    );
}

#[tokio::test]
async fn an_editor_saves_a_report_as_revisions_publishes_it_and_compares_two() {
    let app = spawn_app().await;
    let editor = app.token("editor-script", Role::Editor).await;
    let opened = app
        .call(
            "POST",
            "/api/v1/incidents",
            &editor,
            Some(incident("Sign-in failed")),
        )
        .await;
    let id = opened.json()["id"].as_i64().expect("id");
    let uri = format!("/api/v1/incidents/{id}/report");

    let first = app
        .call(
            "PUT",
            &uri,
            &editor,
            Some(json!({"base_revision": 0, "report": report("draft", "Services could not sign in.")})),
        )
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.json()["number"], 1);
    assert_eq!(first.json()["author"], "token editor-script");

    let second = app
        .call(
            "PUT",
            &uri,
            &editor,
            Some(json!({"base_revision": 1, "report": report("in_review", "After a server upgrade, services could not sign in.")})),
        )
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text());
    assert_eq!(second.json()["number"], 2);

    let public = app.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert!(
        public["public_report"].is_null(),
        "not published yet: {public}"
    );

    let published = app
        .call(
            "PUT",
            &uri,
            &editor,
            Some(json!({"base_revision": 2, "report": report("published", "After a server upgrade, services could not sign in.")})),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text());
    let public = app.get(&format!("/api/v1/incidents/{id}")).await.json();
    assert_eq!(
        public["public_report"]["summary"],
        "After a server upgrade, services could not sign in."
    );
    assert!(
        public["incident"]["report"].is_null(),
        "the public sees only the plain-language parts"
    );

    let revisions = app
        .call("GET", &format!("{uri}/revisions"), &editor, None)
        .await
        .json();
    let numbers: Vec<i64> = revisions
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["number"].as_i64())
        .collect();
    assert_eq!(numbers, vec![3, 2, 1], "newest first");

    let diff = app
        .call("GET", &format!("{uri}/diff?from=1&to=2"), &editor, None)
        .await;
    assert_eq!(diff.status, StatusCode::OK, "{}", diff.text());
    let diff = diff.json();
    let sections: Vec<&str> = diff["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["section"].as_str())
        .collect();
    assert!(sections.contains(&"summary"), "{diff}");
    assert!(sections.contains(&"status"), "{diff}");
    let summary_lines = diff["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["section"] == "summary")
        .map(|s| s["lines"].clone())
        .unwrap_or_default();
    assert!(
        summary_lines
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| l["change"] == "removed" && l["text"] == "Services could not sign in."),
        "{summary_lines}"
    );
    assert!(
        summary_lines
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| l["change"] == "added"
                && l["text"] == "After a server upgrade, services could not sign in."),
        "{summary_lines}"
    );
}

#[tokio::test]
async fn a_save_based_on_an_old_revision_is_refused_and_both_versions_stay_reachable() {
    let app = spawn_app().await;
    let ana = app.signed_in("ana.editor", Role::Editor).await;
    let ben = app.signed_in("ben.editor", Role::Editor).await;
    let opened = app
        .call(
            "POST",
            "/api/v1/incidents",
            &ana,
            Some(incident("ESR stopped")),
        )
        .await;
    let id = opened.json()["id"].as_i64().expect("id");
    let uri = format!("/api/v1/incidents/{id}/report");
    let saved = app
        .call(
            "PUT",
            &uri,
            &ana,
            Some(json!({"base_revision": 0, "report": report("draft", "Ana's summary.")})),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());

    // Ben started from nothing too, and saves after Ana.
    let bens = json!({"base_revision": 0, "report": report("draft", "Ben's summary.")});
    let conflict = refused(
        &app,
        "PUT",
        &uri,
        &ben,
        Some(&bens.to_string()),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(conflict.kind, ProblemType::StaleRevision);
    assert!(
        conflict.detail.contains("revision 1"),
        "{}",
        conflict.detail
    );
    assert!(
        conflict
            .detail
            .contains(&format!("/api/v1/incidents/{id}/report/revisions/1")),
        "{}",
        conflict.detail
    );
    let body = app.call("PUT", &uri, &ben, Some(bens.clone())).await.json();
    assert_eq!(body["current_revision"], 1);

    // Ana's version is there to read; Ben still has his, and saves on top of Ana's.
    let anas = app
        .call("GET", &format!("{uri}/revisions/1"), &ben, None)
        .await
        .json();
    assert_eq!(anas["report"]["summary"], "Ana's summary.");
    let merged = app
        .call(
            "PUT",
            &uri,
            &ben,
            Some(json!({"base_revision": 1, "report": report("draft", "Ben's summary.")})),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text());
    assert_eq!(merged.json()["number"], 2);
    let staff_view = app
        .call("GET", &format!("/api/v1/incidents/{id}"), &ana, None)
        .await
        .json();
    assert_eq!(
        staff_view["incident"]["report"]["summary"],
        "Ben's summary."
    );
    assert_eq!(staff_view["report_revision"], 2);
}

#[tokio::test]
async fn an_incident_with_bad_details_is_refused_with_every_problem_named() {
    let app = spawn_app().await;
    let editor = app.token("editor-script", Role::Editor).await;
    for (method, uri) in [
        ("POST", "/api/v1/incidents"),
        ("PUT", "/api/v1/incidents/4"),
    ] {
        let mut bad = incident("");
        bad["affected"] = json!([{"service": "payroll", "status": "major_outage"}]);
        bad["detected_at"] = json!(at(-120));
        bad["status"] = json!("resolved");
        let problem = refused(
            &app,
            method,
            uri,
            &editor,
            Some(&bad.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem.about("title").contains("Give the incident a title"));
        assert!(problem.about("affected[0].service").contains("payroll"));
        assert!(problem.about("detected_at").contains("not be before"));
        assert!(problem.about("resolved_at").contains("Give the time"));

        let mut none = incident(&"T".repeat(200));
        none["affected"] = json!([]);
        let problem = refused(
            &app,
            method,
            uri,
            &editor,
            Some(&none.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem.about("title").contains("120 characters or less"));
        assert!(problem.about("affected").contains("at least one"));
    }
}

#[tokio::test]
async fn an_incident_update_must_say_something_and_keep_its_times_in_order() {
    let app = spawn_app().await;
    let support = app.token("support-script", Role::Support).await;
    let uri = "/api/v1/incidents/4/updates";
    let problem = refused(
        &app,
        "POST",
        uri,
        &support,
        Some(&update("identified", "   ").to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem.about("body").contains("Write the update"),
        "{problem:?}"
    );
    let problem = refused(
        &app,
        "POST",
        uri,
        &support,
        Some(&update("identified", &"x".repeat(10_001)).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("body").contains("10,000 characters or less"));
    let mut early = update("identified", "We found the cause.");
    early["next_update_at"] = json!(at(-600_000));
    let problem = refused(
        &app,
        "POST",
        uri,
        &support,
        Some(&early.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem.about("next_update_at").contains("not be before"),
        "{problem:?}"
    );
    let problem = refused(
        &app,
        "POST",
        uri,
        &support,
        Some(&json!({"status": "fixed", "body": "Done."}).to_string()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let message = problem.about("status");
    assert!(
        message.contains("\"fixed\" is not allowed")
            && message.contains("investigating, identified, monitoring, resolved"),
        "{message}"
    );
}

#[tokio::test]
async fn a_report_that_breaks_the_rules_is_refused_naming_each_field() {
    let app = spawn_app().await;
    let editor = app.token("editor-script", Role::Editor).await;
    let uri = "/api/v1/incidents/4/report";
    let mut bad = report("published", "");
    bad["timeline"] = json!([
        {"from": at(-10), "to": at(-20), "text": "Users told by email", "kind": "users_informed"},
        {"at": at(-5), "text": "", "kind": "event"},
    ]);
    bad["action_items"] = json!([{"text": "Add a probe", "owner": "", "status": "open"}]);
    bad["impact"] = json!("x".repeat(10_001));
    let problem = refused(
        &app,
        "PUT",
        uri,
        &editor,
        Some(&json!({"base_revision": 0, "report": bad}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem
            .about("report.summary")
            .contains("before the report is published")
    );
    assert!(
        problem
            .about("report.timeline[0].to")
            .contains("not be before the start")
    );
    assert!(
        problem
            .about("report.timeline[1].text")
            .contains("Say what happened")
    );
    assert!(
        problem
            .about("report.action_items[0].owner")
            .contains("Say who")
    );
    assert!(
        problem
            .about("report.impact")
            .contains("10,000 characters or less")
    );

    let mut bad_time = report("draft", "A summary.");
    bad_time["timeline"] = json!([{"at": "yesterday at ten", "text": "Something"}]);
    let problem = refused(
        &app,
        "PUT",
        uri,
        &editor,
        Some(&json!({"base_revision": 0, "report": bad_time}).to_string()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        problem.detail.contains("report.timeline"),
        "{}",
        problem.detail
    );
}
