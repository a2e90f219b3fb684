//! Writes of notices: posting, editing, publishing and ending them, and the rules a
//! notice must keep.

use axum::body::Body;
use axum::http::Request;

use super::*;

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
    let mut draft = notice("Planned maintenance on Saturday");
    draft["published"] = json!(false);
    let posted = app
        .call("POST", "/api/v1/notices", &support, Some(draft))
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let id = posted.json()["id"].as_i64().expect("id");
    assert!(
        !titles(&app.get("/api/v1/notices").await.json())
            .contains(&"Planned maintenance on Saturday".into())
    );
    app.get(&format!("/api/v1/notices/{id}"))
        .await
        .problem(StatusCode::NOT_FOUND);
    let all = app
        .call("GET", "/api/v1/notices?state=all", &support, None)
        .await;
    assert!(titles(&all.json()).contains(&"Planned maintenance on Saturday".into()));
}

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

/// A notice's own address is answered from the snapshot like every public read: a reader
/// who has it already gets a 304, and an edit is seen at once.
#[tokio::test]
async fn a_notice_read_again_costs_a_304_until_it_is_edited() {
    let app = spawn_app().await;
    let support = app.token("support-script", Role::Support).await;
    let posted = app
        .call(
            "POST",
            "/api/v1/notices",
            &support,
            Some(notice("First words")),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let address = format!("/api/v1/notices/{}", posted.json()["id"]);
    let revalidate = |etag: String| {
        let request = Request::get(&address).header(header::IF_NONE_MATCH, etag);
        app.send(request.body(Body::empty()).expect("request"))
    };

    let first = app.get(&address).await;
    assert_eq!(first.json()["title"], "First words");
    let etag = first.header(header::ETAG).to_string();
    assert!(etag.starts_with('"'), "strong ETag: {etag}");
    assert_eq!(
        revalidate(etag.clone()).await.status,
        StatusCode::NOT_MODIFIED
    );

    let edited = app
        .call("PUT", &address, &support, Some(notice("Second words")))
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
    let again = revalidate(etag).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["title"], "Second words");
}
