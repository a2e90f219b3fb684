//! Refusals common to every write: credentials and roles, the CSRF token, unreadable
//! bodies, bad addresses, fields of fixed words and times out of range.

use super::*;

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
