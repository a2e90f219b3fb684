//! The editable glossary behind the plain-language hints: everyone reads it, editors
//! change it, and what support or a stranger sends changes nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use tis_core::account::AccountInput;
use tis_status::store::Change;

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in person: the session cookie and the CSRF token their writes carry.
pub struct Staff {
    pub cookie: String,
    pub csrf: String,
}

/// Adds an account with `role` and signs it in, as the browser app does.
pub async fn staff(app: &TestApp, name: &str, role: tis_core::Role) -> Staff {
    tis_status::auth::add_account(
        app.state.store.as_ref(),
        &AccountInput {
            name: name.into(),
            display_name: None,
            role,
            password: PASSWORD.into(),
        },
        Change {
            actor: "test",
            at: chrono::Utc::now(),
        },
    )
    .await
    .expect("account added");
    let answer = app
        .send(
            Request::post("/api/v1/session")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({"name": name, "password": PASSWORD}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let cookie = answer
        .header(axum::http::header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = answer.json()["csrf_token"].as_str().unwrap().to_string();
    Staff { cookie, csrf }
}

async fn put(
    app: &TestApp,
    who: Option<&Staff>,
    csrf: bool,
    body: &Value,
) -> crate::helpers::Answer {
    let mut request = Request::put("/api/v1/glossary").header("content-type", "application/json");
    if let Some(s) = who {
        request = request.header("cookie", &s.cookie);
        if csrf {
            request = request.header("x-csrf-token", &s.csrf);
        }
    }
    app.send(request.body(Body::from(body.to_string())).unwrap())
        .await
}

fn terms(answer: &crate::helpers::Answer) -> Vec<(String, String)> {
    answer.json()["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .map(|t| {
            (
                t["term"].as_str().unwrap().to_string(),
                t["suggestion"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn until_an_editor_saves_one_the_built_in_terms_apply() {
    let app = spawn_app().await;
    let answer = app.get("/api/v1/glossary").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(axum::http::header::CACHE_CONTROL), "no-cache");
    let found = terms(&answer);
    let built_in: Vec<(String, String)> = tis_core::plain::default_glossary()
        .into_iter()
        .map(|t| (t.term, t.suggestion))
        .collect();
    assert_eq!(found, built_in);
    assert!(found.iter().any(|(t, _)| t == "hosts file"));
}

#[tokio::test]
async fn an_editor_replaces_the_glossary_and_the_change_is_audited() {
    let app = spawn_app().await;
    let ed = staff(&app, "eddie", tis_core::Role::Editor).await;
    let body = json!({"terms": [
        {"term": "  hosts   file ", "suggestion": " a settings file on the server "},
        {"term": "ESR", "suggestion": "the NHS payroll system"},
    ]});
    let answer = put(&app, Some(&ed), true, &body).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
    let expected = vec![
        (
            "hosts file".to_string(),
            "a settings file on the server".to_string(),
        ),
        ("ESR".to_string(), "the NHS payroll system".to_string()),
    ];
    assert_eq!(terms(&answer), expected, "kept tidied");
    assert_eq!(terms(&app.get("/api/v1/glossary").await), expected);

    let log = app.state.store.audit_log(10).await.unwrap();
    let line = log
        .iter()
        .find(|l| l.action == "glossary.update")
        .expect("audited");
    assert_eq!(line.actor, "eddie");
    assert_eq!(line.detail, "2 terms");
}

#[tokio::test]
async fn an_emptied_glossary_stays_empty() {
    let app = spawn_app().await;
    let ed = staff(&app, "eddie", tis_core::Role::Editor).await;
    let answer = put(&app, Some(&ed), true, &json!({"terms": []})).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(terms(&app.get("/api/v1/glossary").await).is_empty());
}

#[tokio::test]
async fn support_strangers_and_forged_requests_change_nothing() {
    let app = spawn_app().await;
    let sam = staff(&app, "sam", tis_core::Role::Support).await;
    let ed = staff(&app, "eddie", tis_core::Role::Editor).await;
    let body = json!({"terms": [{"term": "Docker", "suggestion": "software"}]});

    let by_support = put(&app, Some(&sam), true, &body).await;
    assert_eq!(by_support.status, StatusCode::FORBIDDEN);
    assert_eq!(
        by_support.json()["detail"],
        "This needs the editor role. Ask an admin if you need it."
    );
    let anonymous = put(&app, None, false, &body).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let forged = put(&app, Some(&ed), false, &body).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    assert_eq!(
        terms(&app.get("/api/v1/glossary").await).len(),
        tis_core::plain::default_glossary().len()
    );
}

#[tokio::test]
async fn a_bad_glossary_is_refused_with_every_problem_against_its_row() {
    let app = spawn_app().await;
    let ed = staff(&app, "eddie", tis_core::Role::Editor).await;
    let body = json!({"terms": [
        {"term": "Docker", "suggestion": "the software that runs our services"},
        {"term": "docker", "suggestion": ""},
    ]});
    let answer = put(&app, Some(&ed), true, &body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.header(axum::http::header::CONTENT_TYPE),
        "application/problem+json"
    );
    let errors = answer.json()["errors"].clone();
    assert_eq!(
        errors,
        json!([
            {"field": "terms[1].term", "message": "\"docker\" is listed more than once. Remove the repeat."},
            {"field": "terms[1].suggestion", "message": "Say what to write instead, in plain words."},
        ])
    );

    let unknown_field = put(&app, Some(&ed), true, &json!({"terms": [], "extra": 1})).await;
    assert_eq!(unknown_field.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        terms(&app.get("/api/v1/glossary").await).len(),
        tis_core::plain::default_glossary().len(),
        "nothing stored"
    );
}
