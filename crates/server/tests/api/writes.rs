//! Writes: what support staff, editors, admins and probers rely on, and every way a write
//! is refused. Each refusal is problem+json that names what to fix, never a 500, and
//! leaves everything stored exactly as it was.

use axum::http::{StatusCode, header};
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use tis_core::Role;
use tis_core::problem::ProblemType;

use crate::helpers::{Auth, Problem, TestApp, spawn_app};

/// A time `minutes` from now, as the API takes it.
fn at(minutes: i64) -> String {
    (Utc::now() + Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn notice(title: &str) -> Value {
    json!({
        "title": title,
        "body": "Bulk upload fails for files with more than 5,000 rows. Split the file for now.",
        "kind": "known_problem",
        "severity": "medium",
        "services": ["bulk-upload"],
        "starts_at": at(-5),
        "ends_at": at(120),
        "audience": "admins",
        "published": true,
    })
}

fn incident(title: &str) -> Value {
    json!({
        "title": title,
        "status": "investigating",
        "impact": "major",
        "affected": [
            {"service": "bulk-upload", "status": "major_outage"},
            {"service": "esr-integration", "status": "partial_outage"},
        ],
        "started_at": at(-60),
        "detected_at": at(-30),
    })
}

fn update(status: &str, body: &str) -> Value {
    json!({"status": status, "body": body, "next_update_at": at(30)})
}

fn report(status: &str, summary: &str) -> Value {
    json!({
        "status": status,
        "authors": ["jo.bloggs"],
        "summary": summary,
        "impact": "Admins could not use bulk upload for three hours.",
        "non_technical": "A change to the servers stopped services signing in to each other.",
        "timeline": [
            {"at": at(-60), "text": "Servers upgraded", "kind": "cause"},
            {"from": at(-30), "to": at(-20), "approximate": true, "text": "Admins report errors", "kind": "detected"},
        ],
        "root_causes": ["The hosts file sent the sign-in address to the server itself."],
        "action_items": [{"text": "Probe sign-in between services", "owner": "Platform team", "status": "open"}],
        "lessons": ["Know which services depend on sign-in."],
    })
}

fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item["title"].as_str().map(str::to_string))
        .collect()
}

/// Sends a write that must be refused with `status`, and checks that nothing stored
/// changed.
async fn refused(
    app: &TestApp,
    method: &str,
    uri: &str,
    auth: &Auth,
    body: Option<&str>,
    status: StatusCode,
) -> Problem {
    let before = app.stored().await;
    let answer = app.call_raw(method, uri, auth, body).await;
    let problem = answer.problem(status);
    assert!(
        app.stored().await == before,
        "{method} {uri} was refused with {status} but changed what is stored"
    );
    problem
}

// --- What users rely on ---------------------------------------------------------------

#[tokio::test]
async fn support_posts_edits_and_ends_a_notice_that_readers_see_at_once() {
    let app = spawn_app().await;
    let support = app.signed_in("sam.support", Role::Support).await;

    let posted = app
        .call(
            "POST",
            "/api/v1/notices",
            &support,
            Some(notice("Bulk upload fails for large files")),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let id = posted.json()["id"].as_i64().expect("id");
    assert_eq!(posted.json()["author"], "sam.support");

    let active = app.get("/api/v1/notices").await.json();
    assert!(titles(&active).contains(&"Bulk upload fails for large files".into()));
    let summary = app.get("/api/v1/summary").await.json();
    assert!(titles(&summary["notices"]).contains(&"Bulk upload fails for large files".into()));

    let edited = app
        .call(
            "PUT",
            &format!("/api/v1/notices/{id}"),
            &support,
            Some(notice("Bulk upload fails for files over 5,000 rows")),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let summary = app.get("/api/v1/summary").await.json();
    assert!(
        titles(&summary["notices"]).contains(&"Bulk upload fails for files over 5,000 rows".into())
    );

    let ended = app
        .call("POST", &format!("/api/v1/notices/{id}/end"), &support, None)
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    let active = app.get("/api/v1/notices").await.json();
    assert!(!titles(&active).iter().any(|t| t.contains("5,000 rows")));
    let summary = app.get("/api/v1/summary").await.json();
    assert!(
        !titles(&summary["notices"])
            .iter()
            .any(|t| t.contains("5,000 rows"))
    );
    let past = app.get("/api/v1/notices?state=past").await.json();
    assert!(
        titles(&past).contains(&"Bulk upload fails for files over 5,000 rows".into()),
        "an ended notice stays in the record"
    );

    let audit = app.stored().await.audit;
    assert!(
        audit.iter().filter(|e| e.actor == "sam.support").count() >= 3,
        "the audit log says who posted, edited and ended it: {audit:?}"
    );
}

#[tokio::test]
async fn a_draft_notice_is_kept_from_the_public_until_published() {
    let app = spawn_app().await;
    let support = app.token("support-script", Role::Support).await;
    let mut draft = notice("Planned work on Saturday");
    draft["published"] = json!(false);
    let posted = app
        .call("POST", "/api/v1/notices", &support, Some(draft))
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let id = posted.json()["id"].as_i64().expect("id");
    assert!(
        !titles(&app.get("/api/v1/notices").await.json())
            .contains(&"Planned work on Saturday".into())
    );
    app.get(&format!("/api/v1/notices/{id}"))
        .await
        .problem(StatusCode::NOT_FOUND);
    let all = app
        .call("GET", "/api/v1/notices?state=all", &support, None)
        .await;
    assert!(titles(&all.json()).contains(&"Planned work on Saturday".into()));
}

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
async fn an_admin_adds_accounts_and_a_revoked_token_stops_working_at_once() {
    let app = spawn_app().await;
    let admin = app.signed_in("ada.admin", Role::Admin).await;

    let added = app
        .call(
            "POST",
            "/api/v1/accounts",
            &admin,
            Some(
                json!({"name": "new.support", "role": "support", "password": "three random words"}),
            ),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    assert!(added.json().get("password").is_none());
    let signed_in = app
        .call(
            "POST",
            "/api/v1/session",
            &Auth::Anonymous,
            Some(json!({"name": "new.support", "password": "three random words"})),
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    assert_eq!(signed_in.json()["role"], "support");

    let created = app
        .call(
            "POST",
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "status-script", "role": "support"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(
        created.header(axum::http::header::CACHE_CONTROL),
        "no-store"
    );
    let token = Auth::Token(created.json()["token"].as_str().expect("token").to_string());
    let token_id = created.json()["id"].as_i64().expect("id");
    let who = app
        .call("GET", "/api/v1/session", &token, None)
        .await
        .json();
    assert_eq!(who["name"], "token status-script");
    let listed = app.call("GET", "/api/v1/tokens", &admin, None).await.text();
    assert!(
        !listed.contains(created.json()["token"].as_str().unwrap_or("-")),
        "the token itself is shown only once"
    );
    let posted = app
        .call(
            "POST",
            "/api/v1/notices",
            &token,
            Some(notice("Posted by a script")),
        )
        .await;
    assert_eq!(
        posted.status,
        StatusCode::CREATED,
        "a bearer token needs no CSRF header"
    );

    let revoked = app
        .call(
            "DELETE",
            &format!("/api/v1/tokens/{token_id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
    assert!(revoked.json()["revoked_at"].is_string());
    refused(
        &app,
        "POST",
        "/api/v1/notices",
        &token,
        Some(&notice("Posted after revoking").to_string()),
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let disabled = app
        .call("DELETE", "/api/v1/accounts/new.support", &admin, None)
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text());
    app.call(
        "POST",
        "/api/v1/session",
        &Auth::Anonymous,
        Some(json!({"name": "new.support", "password": "three random words"})),
    )
    .await
    .problem(StatusCode::UNAUTHORIZED);
}

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

// --- Refusals common to every write --------------------------------------------------

/// A write endpoint, a body it accepts, who may and may not use it, and one field to
/// send with the wrong type.
struct Write {
    method: &'static str,
    uri: String,
    body: Option<Value>,
    allowed: Role,
    not_allowed: Role,
    wrong_type: Option<(&'static str, Value)>,
}

async fn every_write(app: &TestApp) -> Vec<Write> {
    // Things for the writes to act on, made before the first snapshot of what is stored.
    let admin = app.token("setup", Role::Admin).await;
    let made = app
        .call(
            "POST",
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "to-revoke", "role": "support"})),
        )
        .await;
    let token_id = made.json()["id"].as_i64().expect("token id");
    app.call(
        "POST",
        "/api/v1/accounts",
        &admin,
        Some(json!({"name": "to.disable", "role": "support", "password": "three random words"})),
    )
    .await;
    let w = |method, uri: String, body: Option<Value>, allowed, not_allowed, wrong_type| Write {
        method,
        uri,
        body,
        allowed,
        not_allowed,
        wrong_type,
    };
    vec![
        w(
            "POST",
            "/api/v1/notices".into(),
            Some(notice("A notice")),
            Role::Support,
            Role::Prober,
            Some(("severity", json!(3))),
        ),
        w(
            "PUT",
            "/api/v1/notices/1".into(),
            Some(notice("A notice")),
            Role::Support,
            Role::Prober,
            Some(("published", json!("yes"))),
        ),
        w(
            "POST",
            "/api/v1/notices/1/end".into(),
            None,
            Role::Support,
            Role::Prober,
            None,
        ),
        w(
            "POST",
            "/api/v1/incidents".into(),
            Some(incident("An incident")),
            Role::Editor,
            Role::Support,
            Some(("title", json!(42))),
        ),
        w(
            "PUT",
            "/api/v1/incidents/4".into(),
            Some(incident("An incident")),
            Role::Editor,
            Role::Support,
            Some(("affected", json!("bulk-upload"))),
        ),
        w(
            "POST",
            "/api/v1/incidents/4/updates".into(),
            Some(update("identified", "We found the cause.")),
            Role::Support,
            Role::Prober,
            Some(("next_update_at", json!("tomorrow"))),
        ),
        w(
            "PUT",
            "/api/v1/incidents/4/report".into(),
            Some(json!({"base_revision": 0, "report": report("draft", "A summary.")})),
            Role::Editor,
            Role::Support,
            Some(("base_revision", json!(-1))),
        ),
        w(
            "POST",
            "/api/v1/accounts".into(),
            Some(json!({"name": "someone", "role": "support", "password": "three random words"})),
            Role::Admin,
            Role::Editor,
            Some(("role", json!("boss"))),
        ),
        w(
            "DELETE",
            "/api/v1/accounts/to.disable".into(),
            None,
            Role::Admin,
            Role::Editor,
            None,
        ),
        w(
            "POST",
            "/api/v1/tokens".into(),
            Some(json!({"name": "another", "role": "editor"})),
            Role::Admin,
            Role::Editor,
            Some(("name", json!(["a", "b"]))),
        ),
        w(
            "DELETE",
            format!("/api/v1/tokens/{token_id}"),
            None,
            Role::Admin,
            Role::Editor,
            None,
        ),
        w(
            "POST",
            "/api/v1/probe-results".into(),
            Some(
                json!({"results": [{"probe": "bulk-upload/1", "service": "bulk-upload", "at": at(-1), "ok": true, "latency_ms": 80}]}),
            ),
            Role::Prober,
            Role::Editor,
            Some(("results", json!({"probe": "bulk-upload/1"}))),
        ),
    ]
}

#[tokio::test]
async fn every_write_needs_credentials_and_the_right_role() {
    let app = spawn_app().await;
    for (n, write) in every_write(&app).await.into_iter().enumerate() {
        let body = write.body.as_ref().map(Value::to_string);
        let problem = refused(
            &app,
            write.method,
            &write.uri,
            &Auth::Anonymous,
            body.as_deref(),
            StatusCode::UNAUTHORIZED,
        )
        .await;
        assert!(problem.detail.contains("Sign in"), "{}", problem.detail);

        let junk = Auth::Token("tis_not-a-real-token".into());
        refused(
            &app,
            write.method,
            &write.uri,
            &junk,
            body.as_deref(),
            StatusCode::UNAUTHORIZED,
        )
        .await;

        let wrong = app
            .token(&format!("{}-{n}", write.not_allowed), write.not_allowed)
            .await;
        let problem = refused(
            &app,
            write.method,
            &write.uri,
            &wrong,
            body.as_deref(),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            problem
                .detail
                .contains(&format!("the {} role", write.allowed)),
            "{} {}: {}",
            write.method,
            write.uri,
            problem.detail
        );
    }
}

#[tokio::test]
async fn support_cannot_edit_a_report_and_an_editor_cannot_manage_accounts() {
    let app = spawn_app().await;
    let support = app.signed_in("sam.support", Role::Support).await;
    let editor = app.signed_in("eve.editor", Role::Editor).await;
    let save = json!({"base_revision": 0, "report": report("draft", "Support's summary.")});
    let problem = refused(
        &app,
        "PUT",
        "/api/v1/incidents/4/report",
        &support,
        Some(&save.to_string()),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(problem.detail.contains("editor role"), "{}", problem.detail);
    let add = json!({"name": "sneaky", "role": "admin", "password": "three random words"});
    let problem = refused(
        &app,
        "POST",
        "/api/v1/accounts",
        &editor,
        Some(&add.to_string()),
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(problem.detail.contains("admin role"), "{}", problem.detail);
    refused(
        &app,
        "GET",
        "/api/v1/accounts",
        &editor,
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn a_cookie_write_without_its_csrf_token_is_refused_and_a_token_write_needs_none() {
    let app = spawn_app().await;
    let admin = app.signed_in("ada.admin", Role::Admin).await;
    let wrong_csrf = match &admin {
        Auth::Cookie { cookie, .. } => Auth::Cookie {
            cookie: cookie.clone(),
            csrf: Some("not-the-token".into()),
        },
        other => other.clone(),
    };
    for write in every_write(&app).await {
        let body = write.body.as_ref().map(Value::to_string);
        for auth in [admin.without_csrf(), wrong_csrf.clone()] {
            let problem = refused(
                &app,
                write.method,
                &write.uri,
                &auth,
                body.as_deref(),
                StatusCode::FORBIDDEN,
            )
            .await;
            // Told apart from a missing role by its type alone.
            assert_eq!(problem.kind, ProblemType::Csrf);
            assert!(
                problem.detail.contains("X-CSRF-Token"),
                "{}",
                problem.detail
            );
        }
    }
    // Another site cannot sign people out either.
    let problem = refused(
        &app,
        "DELETE",
        "/api/v1/session",
        &admin.without_csrf(),
        None,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(
        problem.detail.contains("X-CSRF-Token"),
        "{}",
        problem.detail
    );
    // The same session with its token writes.
    let posted = app
        .call(
            "POST",
            "/api/v1/notices",
            &admin,
            Some(notice("With the CSRF token")),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    // Reads with the cookie need no CSRF token.
    let who = app
        .call("GET", "/api/v1/session", &admin.without_csrf(), None)
        .await;
    assert_eq!(who.status, StatusCode::OK);
}

#[tokio::test]
async fn every_write_refuses_bodies_it_cannot_read_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.token("admin-script", Role::Admin).await;
    for write in every_write(&app).await {
        let (Some(body), Some((field, wrong))) = (&write.body, &write.wrong_type) else {
            continue;
        };
        let (method, uri) = (write.method, write.uri.as_str());

        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(r#"{, "title": "Bulk upload"}"#),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            problem.detail.contains("not valid JSON"),
            "{method} {uri}: {}",
            problem.detail
        );

        let mut unknown = body.clone();
        unknown["colour"] = json!("red");
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(&unknown.to_string()),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let message = problem.about("colour");
        assert!(
            message.contains("no field called \"colour\"") && message.contains("The fields are:"),
            "{method} {uri}: {message}"
        );

        let mut mistyped = body.clone();
        mistyped[*field] = wrong.clone();
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(&mistyped.to_string()),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let message = problem.about(field);
        assert!(
            message.starts_with("This must be") || message.contains("is not allowed here"),
            "{method} {uri} {field}: {message}"
        );

        let mut missing = body.clone();
        let first = missing
            .as_object()
            .and_then(|o| o.keys().next().cloned())
            .unwrap_or_default();
        if let Some(object) = missing.as_object_mut() {
            object.remove(&first);
        }
        // The first field in name order is a required one in every body here.
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(&missing.to_string()),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(
            problem.about(&first).contains("required"),
            "{method} {uri} without {first}: {problem:?}"
        );

        let huge = format!(r#"{{"title": "{}"}}"#, "x".repeat(300 * 1024));
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(&huge),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        assert!(problem.detail.contains("256 KB"), "{}", problem.detail);

        // Not labelled as JSON.
        let before = app.stored().await;
        let answer = app
            .send(
                axum::http::Request::builder()
                    .method(method)
                    .uri(uri)
                    .header("authorization", format!("Bearer {}", token_of(&admin)))
                    .body(axum::body::Body::from(body.to_string()))
                    .expect("request"),
            )
            .await;
        let problem = answer.problem(StatusCode::BAD_REQUEST);
        assert!(
            problem.detail.contains("Content-Type: application/json"),
            "{}",
            problem.detail
        );
        assert!(app.stored().await == before);
    }
}

fn token_of(auth: &Auth) -> &str {
    match auth {
        Auth::Token(token) => token,
        _ => "",
    }
}

#[tokio::test]
async fn a_part_of_the_address_that_is_not_a_number_is_named() {
    let app = spawn_app().await;
    let support = app.token("support-script", Role::Support).await;
    let problem = refused(
        &app,
        "PUT",
        "/api/v1/notices/first",
        &support,
        Some(&notice("A notice").to_string()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(problem.about("id").contains("\"first\""), "{problem:?}");
    let problem = refused(
        &app,
        "POST",
        "/api/v1/incidents/latest/updates",
        &support,
        Some(&update("identified", "Found it.").to_string()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(problem.about("id").contains("whole number"), "{problem:?}");
}

#[tokio::test]
async fn writes_to_things_that_do_not_exist_get_404() {
    let app = spawn_app().await;
    let admin = app.token("admin-script", Role::Admin).await;
    let cases = [
        ("PUT", "/api/v1/notices/999", Some(notice("A notice"))),
        ("POST", "/api/v1/notices/999/end", None),
        (
            "PUT",
            "/api/v1/incidents/999",
            Some(incident("An incident")),
        ),
        (
            "POST",
            "/api/v1/incidents/999/updates",
            Some(update("identified", "Found it.")),
        ),
        (
            "PUT",
            "/api/v1/incidents/999/report",
            Some(json!({"base_revision": 0, "report": report("draft", "A summary.")})),
        ),
        ("DELETE", "/api/v1/accounts/nobody", None),
        ("DELETE", "/api/v1/tokens/999", None),
    ];
    for (method, uri, body) in cases {
        let body = body.map(|b| b.to_string());
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            body.as_deref(),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert!(
            problem.detail.starts_with("There is no"),
            "{method} {uri}: {}",
            problem.detail
        );
    }
}

// --- Rules of each write --------------------------------------------------------------

#[tokio::test]
async fn a_notice_with_empty_or_long_text_bad_times_or_unknown_services_is_refused() {
    let app = spawn_app().await;
    let support = app.token("support-script", Role::Support).await;
    for (method, uri) in [("POST", "/api/v1/notices"), ("PUT", "/api/v1/notices/1")] {
        let mut bad = notice("   ");
        bad["body"] = json!("x".repeat(10_001));
        bad["ends_at"] = json!(at(-10));
        bad["services"] = json!(["bulk-upload", "payroll"]);
        let problem = refused(
            &app,
            method,
            uri,
            &support,
            Some(&bad.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(problem.about("title").contains("Give the notice a title"));
        assert!(problem.about("body").contains("10,000 characters or less"));
        assert!(problem.about("ends_at").contains("after the start time"));
        let unknown = problem.about("services[1]");
        assert!(
            unknown.contains("payroll") && unknown.contains("bulk-upload"),
            "{unknown}"
        );

        let long = notice(&"T".repeat(121));
        let problem = refused(
            &app,
            method,
            uri,
            &support,
            Some(&long.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            problem
                .about("title")
                .contains("120 characters or less. It has 121")
        );
    }
    let ended = app
        .call("POST", "/api/v1/notices/1/end", &support, None)
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    let problem = refused(
        &app,
        "POST",
        "/api/v1/notices/1/end",
        &support,
        None,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        problem.detail.contains("already ended"),
        "{}",
        problem.detail
    );
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

#[tokio::test]
async fn accounts_and_tokens_with_bad_names_roles_or_passwords_are_refused() {
    let app = spawn_app().await;
    let admin = app.token("admin-script", Role::Admin).await;
    let problem = refused(
        &app,
        "POST",
        "/api/v1/accounts",
        &admin,
        Some(&json!({"name": "Jo Bloggs", "role": "prober", "password": "short"}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("name").contains("not a login name"));
    assert!(problem.about("role").contains("API tokens"));
    assert!(problem.about("password").contains("at least"));
    let problem = refused(
        &app,
        "POST",
        "/api/v1/tokens",
        &admin,
        Some(&json!({"name": "", "role": "support"}).to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("name").contains("give a name"));
    let problem = refused(
        &app,
        "POST",
        "/api/v1/tokens",
        &admin,
        Some(&json!({"name": "admin-script", "role": "support"}).to_string()),
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        problem.detail.contains("already a token named"),
        "{}",
        problem.detail
    );
    let problem = refused(
        &app,
        "DELETE",
        "/api/v1/tokens/first",
        &admin,
        None,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        problem.detail.contains("not a token id"),
        "{}",
        problem.detail
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_disabled() {
    let app = spawn_app().await;
    let admin = app.signed_in("only.admin", Role::Admin).await;
    let problem = refused(
        &app,
        "DELETE",
        "/api/v1/accounts/only.admin",
        &admin,
        None,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        problem.detail.contains("last active admin"),
        "{}",
        problem.detail
    );
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

#[tokio::test]
async fn sign_in_refuses_unreadable_bodies_and_wrong_passwords_clearly() {
    let app = spawn_app().await;
    let problem = refused(
        &app,
        "POST",
        "/api/v1/session",
        &Auth::Anonymous,
        Some(r#"{"name": "jo""#),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        problem.detail.contains("not valid JSON"),
        "{}",
        problem.detail
    );
    let problem = refused(
        &app,
        "POST",
        "/api/v1/session",
        &Auth::Anonymous,
        Some(&json!({"name": "jo", "password": "x", "remember": true}).to_string()),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        problem.about("remember").contains("name, password"),
        "{problem:?}"
    );
    let problem = refused(
        &app,
        "POST",
        "/api/v1/session",
        &Auth::Anonymous,
        Some(&json!({"name": "jo", "password": "wrong"}).to_string()),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(
        problem.detail.contains("do not match"),
        "{}",
        problem.detail
    );
}

#[tokio::test]
async fn a_field_of_fixed_words_sent_something_else_is_refused_listing_the_words() {
    let app = spawn_app().await;
    let admin = app.token("admin-script", Role::Admin).await;
    let with = |mut body: Value, pointer: &str, wrong: Value| {
        *body.pointer_mut(pointer).expect("the field is in the body") = wrong;
        body
    };
    let save = json!({"base_revision": 0, "report": report("draft", "A summary.")});
    let cases = [
        (
            "POST",
            "/api/v1/notices",
            with(notice("Wrong severity"), "/severity", json!(3)),
            "severity",
            "the number 3",
            &["low", "medium", "high"][..],
        ),
        (
            "POST",
            "/api/v1/notices",
            with(notice("Wrong kind"), "/kind", json!("nonsense")),
            "kind",
            "\"nonsense\"",
            &["information", "planned_maintenance", "known_problem"][..],
        ),
        (
            "PUT",
            "/api/v1/notices/1",
            with(notice("No audience"), "/audience", Value::Null),
            "audience",
            "null",
            &["everyone", "trainees", "admins"][..],
        ),
        (
            "POST",
            "/api/v1/incidents",
            with(incident("Wrong status"), "/affected/1/status", json!(2)),
            "affected[1].status",
            "the number 2",
            &["operational", "partial_outage", "major_outage", "unknown"][..],
        ),
        (
            "POST",
            "/api/v1/incidents/4/updates",
            with(
                update("identified", "Found it."),
                "/status",
                json!(["resolved"]),
            ),
            "status",
            "a list",
            &["investigating", "identified", "monitoring", "resolved"][..],
        ),
        (
            "PUT",
            "/api/v1/incidents/4/report",
            with(save.clone(), "/report/status", json!(true)),
            "report.status",
            "true",
            &["draft", "in_review", "published"][..],
        ),
        (
            "PUT",
            "/api/v1/incidents/4/report",
            with(save, "/report/timeline/0/kind", json!(7)),
            "report.timeline[0].kind",
            "7",
            &[
                "event",
                "cause",
                "detected",
                "users_informed",
                "mitigated",
                "resolved",
            ][..],
        ),
        (
            "POST",
            "/api/v1/accounts",
            json!({"name": "someone", "role": 1, "password": "three random words"}),
            "role",
            "the number 1",
            &["support", "editor", "admin"][..],
        ),
    ];
    for (method, uri, body, field, sent, words) in cases {
        let problem = refused(
            &app,
            method,
            uri,
            &admin,
            Some(&body.to_string()),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let message = problem.about(field);
        for word in words {
            assert!(message.contains(word), "{method} {uri} {field}: {message}");
        }
        assert!(message.contains(sent), "{method} {uri} {field}: {message}");
        assert!(
            problem.detail.starts_with(&format!("{field}: ")),
            "{}",
            problem.detail
        );
    }
}

#[tokio::test]
async fn times_at_the_ends_of_the_calendar_are_refused_with_the_range_and_change_nothing() {
    let app = spawn_app().await;
    let editor = app.token("editor-script", Role::Editor).await;
    let far_past = "-262143-01-01T00:00:00Z";
    let far_future = "+262142-12-31T23:59:59Z";

    let mut body = notice("Bulk upload is slow");
    body["starts_at"] = json!(far_past);
    body["ends_at"] = json!(far_future);
    let problem = refused(
        &app,
        "POST",
        "/api/v1/notices",
        &editor,
        Some(&body.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("starts_at").contains("1 January 2000"));
    assert!(problem.about("ends_at").contains("1 January 2100"));

    let mut body = incident("Bulk upload is not working");
    body["started_at"] = json!(far_past);
    let problem = refused(
        &app,
        "POST",
        "/api/v1/incidents",
        &editor,
        Some(&body.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("started_at").contains("1 January 2000"));

    let opened = app
        .call(
            "POST",
            "/api/v1/incidents",
            &editor,
            Some(incident("Bulk upload is not working")),
        )
        .await;
    let id = opened.json()["id"].as_i64().expect("id");
    let mut body = update("identified", "We know why.");
    body["next_update_at"] = json!(far_future);
    let problem = refused(
        &app,
        "POST",
        &format!("/api/v1/incidents/{id}/updates"),
        &editor,
        Some(&body.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(problem.about("next_update_at").contains("1 January 2100"));

    let mut body = json!({"base_revision": 0, "report": report("draft", "Sign-in failed.")});
    body["report"]["timeline"][0]["at"] = json!(far_future);
    let problem = refused(
        &app,
        "PUT",
        &format!("/api/v1/incidents/{id}/report"),
        &editor,
        Some(&body.to_string()),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem
            .about("report.timeline[0].at")
            .contains("1 January 2100")
    );
}
