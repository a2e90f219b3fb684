//! Writes of accounts, tokens and sign-in sessions.

use super::*;

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
    for days in [0, 731] {
        let problem = refused(
            &app,
            "POST",
            "/api/v1/tokens",
            &admin,
            Some(&json!({"name": "ci", "role": "support", "expires_in_days": days}).to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            problem.about("expires_in_days").contains("from 1 to 730"),
            "{days}"
        );
    }
    let expiring = app
        .call(
            "POST",
            "/api/v1/tokens",
            &admin,
            Some(json!({"name": "ci", "role": "support", "expires_in_days": 90})),
        )
        .await;
    assert_eq!(expiring.status, StatusCode::CREATED, "{}", expiring.text());
    let ends: chrono::DateTime<chrono::Utc> = expiring.json()["expires_at"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("the token says when it stops working");
    let days = (ends - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((89.9..=90.0).contains(&days), "{days}");
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
