//! The OpenAPI document: that it is 3.1, complete, and true of the real app. Every GET it
//! lists is called, and each answer is checked against the schema the document gives.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;
use tis_core::Role;

use crate::helpers::{Auth, TestApp, spawn_app};

async fn document(app: &TestApp) -> Value {
    let answer = app.get("/api/v1/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::CONTENT_TYPE), "application/json");
    answer.json()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_the_main_schemas_and_security() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().unwrap_or_default();
    assert!(version.starts_with("3.1"), "openapi is {version}");
    for name in [
        "Service",
        "Notice",
        "Incident",
        "Report",
        "TimelineEntry",
        "Problem",
        "Revision",
        "ReportDiff",
        "ProbeResult",
    ] {
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "schema {name} is missing"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "tis_session");
    assert_eq!(schemes["csrf"]["in"], "header");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    assert_eq!(schemes["token"]["scheme"], "bearer");
}

#[tokio::test]
async fn every_endpoint_of_the_api_is_in_the_document() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().expect("paths");
    let expected = [
        ("get", "/api/v1/services"),
        ("get", "/api/v1/services/{id}"),
        ("get", "/api/v1/services/{id}/uptime"),
        ("get", "/api/v1/services/{id}/latency"),
        ("get", "/api/v1/services/{id}/results"),
        ("get", "/api/v1/summary"),
        ("get", "/api/v1/notices"),
        ("post", "/api/v1/notices"),
        ("get", "/api/v1/notices/{id}"),
        ("put", "/api/v1/notices/{id}"),
        ("post", "/api/v1/notices/{id}/end"),
        ("get", "/api/v1/incidents"),
        ("post", "/api/v1/incidents"),
        ("get", "/api/v1/incidents/{id}"),
        ("put", "/api/v1/incidents/{id}"),
        ("post", "/api/v1/incidents/{id}/updates"),
        ("put", "/api/v1/incidents/{id}/report"),
        ("get", "/api/v1/incidents/{id}/report/revisions"),
        ("get", "/api/v1/incidents/{id}/report/revisions/{number}"),
        ("get", "/api/v1/incidents/{id}/report/diff"),
        ("get", "/api/v1/accounts"),
        ("post", "/api/v1/accounts"),
        ("delete", "/api/v1/accounts/{name}"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("delete", "/api/v1/tokens/{id}"),
        ("get", "/api/v1/session"),
        ("post", "/api/v1/session"),
        ("delete", "/api/v1/session"),
        ("post", "/api/v1/probe-results"),
        ("get", "/api/v1/alerts"),
        ("post", "/api/v1/alerts/test"),
        ("get", "/api/v1/events"),
        ("get", "/api/v1/openapi.json"),
    ];
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{} {path} is not documented",
            method.to_uppercase()
        );
    }
    let mut ids = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(!ids.contains(&id), "operationId {id} is used twice");
            ids.push(id);
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(
                !summary.is_empty() && !summary.contains('\n'),
                "{method} {path} needs a one-line summary: {summary:?}"
            );
            // Every declared path parameter is described.
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                let described = op["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true)
                });
                assert!(
                    described,
                    "{method} {path}: parameter {name} is not described"
                );
            }
        }
    }
}

/// What the document says about writes is what a client needs: the body, both ways to
/// authenticate, and the problem+json answers it may get.
#[tokio::test]
async fn every_write_documents_its_body_credentials_and_problems() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            // A batch job reports with its heartbeat's own token and a plain-text body;
            // `heartbeats.rs` checks how those are documented.
            if method == "get" || path == "/api/v1/session" || is_heartbeat(path) {
                continue;
            }
            // Ending a notice and trying a channel subscription name all they need in the
            // address.
            let takes_body =
                !(method == "delete" || path.ends_with("/end") || path.ends_with("}/test"));
            if takes_body {
                assert!(
                    op["requestBody"]["content"]["application/json"]["schema"].is_object(),
                    "{method} {path} has no request body schema"
                );
            }
            // Subscribing is for anyone, without signing in: the confirmation email, and
            // the token from it, are the proof of owning the address. Webhook and channel
            // subscriptions are made by admins, like any other staff write.
            if path.starts_with("/api/v1/subscriptions")
                && !path.starts_with("/api/v1/subscriptions/channels")
            {
                assert!(op.get("security").is_none(), "{method} {path} is public");
                for code in ["400", "413", "422"] {
                    let schema =
                        &op["responses"][code]["content"]["application/problem+json"]["schema"];
                    assert_eq!(
                        schema["$ref"], "#/components/schemas/Problem",
                        "{method} {path}: {code} answer"
                    );
                }
                continue;
            }
            let security = op["security"].as_array().expect("security");
            assert!(
                security
                    .iter()
                    .any(|s| s.get("session").is_some() && s.get("csrf").is_some()),
                "{method} {path}: the cookie with its CSRF header"
            );
            assert!(
                security
                    .iter()
                    .any(|s| s.get("token").is_some() && s.get("csrf").is_none()),
                "{method} {path}: a bearer token, with no CSRF header"
            );
            assert!(
                !security
                    .iter()
                    .any(|s| s.as_object().is_some_and(|o| o.is_empty())),
                "{method} {path}: writes are never anonymous"
            );
            let mut codes = vec!["401", "403", "422"];
            if takes_body {
                codes.extend(["400", "413"]);
            }
            for code in codes {
                let schema =
                    &op["responses"][code]["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    schema["$ref"], "#/components/schemas/Problem",
                    "{method} {path}: {code} answer"
                );
            }
        }
    }
}

/// Whether `path` is where batch jobs report in.
fn is_heartbeat(path: &str) -> bool {
    path.starts_with("/api/v1/heartbeats/")
}

/// A value for each path parameter, from the demo records.
fn fill_path(path: &str) -> String {
    let mut filled = path.to_string();
    let id = if path.starts_with("/api/v1/services/") {
        "bulk-upload"
    } else {
        // Incident 1 has a report with two revisions; notice 1 is published.
        "1"
    };
    filled = filled.replace("{id}", id).replace("{number}", "1");
    filled
}

/// Values for the required query parameters.
fn fill_query(op: &Value) -> String {
    let required: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            // Times: a day of the demo's first incident. Numbers: the diff's revision.
            match (name, p["schema"]["format"].as_str()) {
                ("to", Some("date-time")) => format!("{name}=2025-10-02T00:00:00Z"),
                (_, Some("date-time")) => format!("{name}=2025-10-01T00:00:00Z"),
                _ => format!("{name}=1"),
            }
        })
        .collect();
    if required.is_empty() {
        String::new()
    } else {
        format!("?{}", required.join("&"))
    }
}

/// Calls every GET in the document on the real app: anonymously when the document says
/// anyone may read it, and as staff when it says credentials are needed (after checking
/// that without them the answer is the documented 401). Each answer must be a documented
/// status with the documented content type, and its JSON must fit the documented schema.
#[tokio::test]
async fn every_documented_read_answers_as_documented() {
    let app = spawn_app().await;
    let admin = app.token("openapi-walker", Role::Admin).await;
    let doc = document(&app).await;
    let mut called = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        // Answers only a token from a subscriber's email (tests/api/subscriptions.rs); and
        // a GET of a heartbeat is a job's report (for curl in a crontab), not a read.
        if path == "/api/v1/subscriptions/mine" || is_heartbeat(path) {
            continue;
        }
        let uri = format!("{}{}", fill_path(path), fill_query(op));
        let security = op["security"].as_array().cloned().unwrap_or_default();
        let public = security.is_empty()
            || security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
        let auth = if public {
            Auth::Anonymous
        } else {
            let refused = app.call("GET", &uri, &Auth::Anonymous, None).await;
            refused.problem(StatusCode::UNAUTHORIZED);
            assert!(
                op["responses"]["401"].is_object(),
                "GET {path} documents its 401"
            );
            admin.clone()
        };
        let documented = &op["responses"]["200"]["content"];
        let (content_type, schema) = documented
            .as_object()
            .and_then(|c| c.iter().next())
            .unwrap_or_else(|| panic!("GET {path} documents no 200 content"));

        if content_type == "text/event-stream" {
            // The stream never ends; its start is what can be checked.
            let mut request = Request::get(&uri);
            if let Auth::Token(token) = &auth {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            let (status, headers) = app.head_of(request.body(Body::empty()).unwrap()).await;
            assert_eq!(status, StatusCode::OK, "GET {uri}");
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "text/event-stream",
                "GET {uri}"
            );
            called += 1;
            continue;
        }

        let answer = app.call("GET", &uri, &auth, None).await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "GET {uri}: {}",
            answer.text()
        );
        assert!(
            answer
                .header(header::CONTENT_TYPE)
                .starts_with(content_type.as_str()),
            "GET {uri}: content type {} but the document says {content_type}",
            answer.header(header::CONTENT_TYPE)
        );
        let body = answer.json();
        let mut problems = Vec::new();
        check(&doc, &schema["schema"], &body, "body", &mut problems);
        assert!(
            problems.is_empty(),
            "GET {uri} does not fit its documented schema:\n{}",
            problems.join("\n")
        );
        called += 1;
    }
    assert!(called >= 15, "only {called} reads were called");
}

/// The answer to an unknown query parameter is the documented problem.
#[tokio::test]
async fn a_bad_query_gets_the_documented_problem() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let answer = app
        .get("/api/v1/services/bulk-upload/uptime?days=9999")
        .await;
    answer.problem(StatusCode::BAD_REQUEST);
    let documented =
        &doc["paths"]["/api/v1/services/{id}/uptime"]["get"]["responses"]["400"]["content"];
    assert!(documented["application/problem+json"].is_object());
}

/// Addresses and methods the document does not list are refused as problems too, not
/// answered with the app's page or an empty body.
#[tokio::test]
async fn what_the_document_does_not_list_is_a_problem() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert!(doc["paths"]["/api/v1/nothing-here"].is_null());
    let answer = app.get("/api/v1/nothing-here").await;
    let problem = answer.problem(StatusCode::NOT_FOUND);
    assert!(
        problem.detail.contains("Check the address"),
        "{}",
        problem.detail
    );

    assert!(doc["paths"]["/api/v1/summary"]["delete"].is_null());
    let answer = app
        .call("DELETE", "/api/v1/summary", &Auth::Anonymous, None)
        .await;
    let problem = answer.problem(StatusCode::METHOD_NOT_ALLOWED);
    assert!(problem.detail.contains("DELETE"), "{}", problem.detail);
    let answer = app
        .call("PUT", "/api/v1/incidents/1/updates", &Auth::Anonymous, None)
        .await;
    answer.problem(StatusCode::METHOD_NOT_ALLOWED);
}

/// The document is built once, so readers can cache it and revalidate with its ETag.
#[tokio::test]
async fn the_document_is_cached_with_an_etag() {
    let app = spawn_app().await;
    let first = app.get("/api/v1/openapi.json").await;
    let etag = first.header(header::ETAG).to_string();
    assert!(etag.starts_with('"'), "{etag}");
    let again = app
        .send(
            Request::get("/api/v1/openapi.json")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

/// Checks `value` against an OpenAPI 3.1 (JSON Schema) `schema`, as far as this API's
/// schemas go: references, types (nullable ones as type lists), required properties,
/// property schemas, array items, enums, and oneOf / anyOf / allOf.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        if target.is_null() {
            problems.push(format!("{at}: {reference} is not in the document"));
            return;
        }
        return check(doc, target, value, at, problems);
    }
    for (key, all) in [("oneOf", false), ("anyOf", false), ("allOf", true)] {
        if let Some(options) = schema[key].as_array() {
            let results: Vec<Vec<String>> = options
                .iter()
                .map(|option| {
                    let mut found = Vec::new();
                    check(doc, option, value, at, &mut found);
                    found
                })
                .collect();
            if all {
                problems.extend(results.into_iter().flatten());
            } else if !results.iter().any(Vec::is_empty) {
                problems.push(format!(
                    "{at}: fits none of the {key} choices: {:?}",
                    results.iter().flatten().take(4).collect::<Vec<_>>()
                ));
            }
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            problems.push(format!("{at}: is {actual}, the document says {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Value::Object(object) = value {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !object.contains_key(name) {
                problems.push(format!("{at}: lacks required {name}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, property) in properties {
                if let Some(inner) = object.get(name) {
                    check(doc, property, inner, &format!("{at}.{name}"), problems);
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, item_schema, item, &format!("{at}[{i}]"), problems);
        }
    }
}

/// A browser sends back the ids of the events it was given. Anything else is refused as
/// the document says (400, naming the header), not taken as "nothing seen".
#[tokio::test]
async fn a_last_event_id_the_server_never_sent_is_refused_as_documented() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let op = &doc["paths"]["/api/v1/events"]["get"];
    assert!(op["responses"]["400"]["content"]["application/problem+json"].is_object());
    let header = op["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "last-event-id"))
        .expect("the header is described");
    assert_eq!(header["schema"]["type"], "integer", "{header}");

    for bad in ["null", "-1", "1.5", "9223372036854775808"] {
        let request = Request::get("/api/v1/events")
            .header("last-event-id", bad)
            .body(Body::empty())
            .unwrap();
        let answer = app.send(request).await;
        let problem = answer.problem(StatusCode::BAD_REQUEST);
        assert!(
            problem.about("Last-Event-ID").contains("whole number"),
            "{bad}: {problem:?}"
        );
    }
    let request = Request::get("/api/v1/events")
        .header("last-event-id", "12")
        .body(Body::empty())
        .unwrap();
    let (status, _) = app.head_of(request).await;
    assert_eq!(status, StatusCode::OK);
}

/// JSON Schema counts 120.0 as the integer 120, so a client may send either.
#[tokio::test]
async fn a_whole_number_written_with_a_point_is_taken_as_the_document_allows() {
    let app = spawn_app().await;
    let prober = app.token("prober-leeds", Role::Prober).await;
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let results = serde_json::json!({"results": [
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at, "ok": true, "latency_ms": 120.0},
    ]});
    let pushed = app
        .call("POST", "/api/v1/probe-results", &prober, Some(results))
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    let half = serde_json::json!({"results": [
        {"probe": "bulk-upload/1", "service": "bulk-upload", "at": at, "ok": true, "latency_ms": 120.5},
    ]});
    let refused = app
        .call("POST", "/api/v1/probe-results", &prober, Some(half))
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(
        refused
            .about("results[0].latency_ms")
            .contains("a whole number from 0 to 4294967295"),
        "{refused:?}"
    );
}
