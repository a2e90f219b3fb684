//! Heartbeats over real HTTP, against a running server (every background task, on a port
//! of its own) over a real SQLite file: jobs that report on time, late, never, start and
//! never finish, or fail; wrong tokens; bad input; the OpenAPI document.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tis_status::config::Config;
use tis_status::startup::{Application, Settings};
use tis_status::store::{Change, Store};

/// How long a condition may take to come true on a busy machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// A job that runs every 2 seconds and may be a second late, one that runs at 2am UK time,
/// and a service checked another way.
const CONFIG: &str = r#"
[[service]]
id = "esr"
name = "ESR integration"
group = "Integrations"
description = "Keep TIS and ESR in step."

[[service.probe]]
kind = "heartbeat"
job = "The ESR export"
every = "2s"
grace = "1s"

[[service]]
id = "nightly"
name = "Nightly reports"
group = "Integrations"
description = "Reports for local offices, made each night."

[[service.probe]]
kind = "heartbeat"
schedule = "0 2 * * *"
timezone = "Europe/London"
grace = "1h"

[[service]]
id = "web"
name = "Web"
group = "For admins"
description = "The admin site."

[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 9
"#;

struct Server {
    base: String,
    store: std::sync::Arc<dyn Store>,
    config: Config,
    http: reqwest::Client,
    stop: tokio_util::sync::CancellationToken,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn server() -> Server {
    let config = Config::parse("heartbeats.toml", CONFIG).expect("the config reads");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let app = Application::build(Settings {
        config: config.clone(),
        store,
        demo: false,
        checker: tis_prober::Checker::new(),
        listen: Some("127.0.0.1:0".parse().expect("address")),
        assets: None,
    })
    .await
    .expect("the server starts");
    let base = format!("http://{}", app.addr());
    let store = app.state().store.clone();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(app.run_until_stopped(stop.clone().cancelled_owned()));
    Server {
        base,
        store,
        config,
        http: reqwest::Client::new(),
        stop,
        _dir: dir,
    }
}

impl Server {
    /// The heartbeat's token, made as `tis-status heartbeat token` makes it.
    async fn token(&self, probe: &str) -> String {
        tis_status::heartbeat::make_token(
            self.store.as_ref(),
            &self.config.services,
            probe,
            Change::now("test"),
        )
        .await
        .expect("a token")
        .0
    }

    /// A job's report, as `curl -X POST -H "Authorization: Bearer …"` sends it.
    async fn report(&self, path: &str, token: Option<&str>, body: &str) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/api/v1/heartbeats/{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_empty() {
            request = request
                .header("content-type", "text/plain")
                .body(body.to_string());
        }
        request.send().await.expect("the server answers")
    }

    async fn get(&self, path: &str, bearer: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(format!("{}{path}", self.base));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("the server answers")
    }

    /// The service as the public sees it, once `done` holds of it; fails after
    /// [`PATIENCE`].
    async fn service_when(&self, id: &str, done: impl Fn(&Value) -> bool) -> Value {
        let start = std::time::Instant::now();
        loop {
            let body: Value = self
                .get(&format!("/api/v1/services/{id}"), None)
                .await
                .json()
                .await
                .expect("JSON");
            let service = body["service"].clone();
            assert!(
                status(&service) != "major_outage" || !reason(&service).is_empty(),
                "{id} is shown down without saying why: {service:#}"
            );
            if done(&service) {
                return service;
            }
            assert!(
                start.elapsed() < PATIENCE,
                "{id} never came to the expected state: {service:#}"
            );
            // Polling a condition: the server judges heartbeats once a second.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A staff token, for the staff read.
    async fn staff(&self) -> String {
        tis_status::auth::create_token(
            self.store.as_ref(),
            &tis_core::account::TokenInput {
                name: "support-script".into(),
                role: tis_core::Role::Support,
                location: None,
                expires_in_days: None,
            },
            self.config.location(),
            Change::now("test"),
        )
        .await
        .expect("token")
        .0
    }
}

fn status(service: &Value) -> &str {
    service["status"].as_str().unwrap_or_default()
}

fn reason(service: &Value) -> &str {
    service["reason"].as_str().unwrap_or_default()
}

async fn problem(answer: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(answer.status(), status);
    assert_eq!(
        answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    answer.json().await.expect("problem JSON")
}

#[tokio::test]
async fn a_job_that_reports_on_time_keeps_its_service_working() {
    let s = server().await;
    let token = s.token("esr/1").await;
    assert_eq!(
        s.report("esr/1/start", Some(&token), "").await.status(),
        200
    );
    let done = s.report("esr/1", Some(&token), "").await;
    assert_eq!(done.status(), 200);
    let recorded: Value = done.json().await.expect("JSON");
    assert_eq!(recorded["ping"]["kind"], "success");
    assert!(recorded["ping"]["run_ms"].is_u64(), "{recorded}");
    s.service_when("esr", |svc| status(svc) == "operational")
        .await;
    // The job keeps reporting within its 2 seconds and a second's grace; the service
    // stays working throughout, for longer than one period and its grace.
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        // The job's own schedule, not a wait for a condition.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(s.report("esr/1", Some(&token), "").await.status(), 200);
        let body: Value = s
            .get("/api/v1/services/esr", None)
            .await
            .json()
            .await
            .expect("JSON");
        assert_eq!(status(&body["service"]), "operational", "{body:#}");
    }
}

#[tokio::test]
async fn a_late_job_makes_its_service_down_with_the_reason_in_words() {
    let s = server().await;
    let token = s.token("esr/1").await;
    assert_eq!(s.report("esr/1", Some(&token), "").await.status(), 200);
    s.service_when("esr", |svc| status(svc) == "operational")
        .await;
    let down = s
        .service_when("esr", |svc| status(svc) == "major_outage")
        .await;
    let reason = reason(&down);
    assert!(
        reason.starts_with("The ESR export has not reported since "),
        "{reason}"
    );
    assert!(
        reason.contains("GMT on ") || reason.contains("BST on "),
        "{reason}"
    );
    // Reporting again brings it back at once.
    assert_eq!(s.report("esr/1", Some(&token), "").await.status(), 200);
    s.service_when("esr", |svc| status(svc) == "operational")
        .await;
}

#[tokio::test]
async fn a_job_that_never_starts_makes_its_service_down() {
    let s = server().await;
    let _token = s.token("esr/1").await;
    // A moment after the token is made, the check made before it may still show: down,
    // with the words of its kind of failure, until the next look says "never".
    s.service_when("esr", |svc| {
        status(svc) == "major_outage" && reason(svc) == "The ESR export has never reported"
    })
    .await;
}

#[tokio::test]
async fn a_job_that_starts_and_never_finishes_makes_its_service_down() {
    let s = server().await;
    let token = s.token("esr/1").await;
    assert_eq!(
        s.report("esr/1/start", Some(&token), "").await.status(),
        200
    );
    let down = s
        .service_when("esr", |svc| status(svc) == "major_outage")
        .await;
    let reason = reason(&down);
    assert!(
        reason.starts_with("The ESR export started at ")
            && reason.ends_with("and has not finished"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_failed_job_is_down_and_only_staff_see_its_message() {
    let s = server().await;
    let token = s.token("esr/1").await;
    let message = "sftp to esr-gw-01.internal refused: permission denied";
    assert_eq!(
        s.report("esr/1/fail", Some(&token), message).await.status(),
        200
    );
    let down = s
        .service_when("esr", |svc| status(svc) == "major_outage")
        .await;
    let reason = reason(&down);
    assert!(
        reason.starts_with("The ESR export reported a failure at "),
        "{reason}"
    );
    // The public never reads what the job said.
    for path in [
        "/api/v1/services/esr",
        "/api/v1/services/esr/results",
        "/api/v1/summary",
        "/api/v1/services/esr/probes",
    ] {
        let text = s.get(path, None).await.text().await.expect("text");
        assert!(!text.contains("esr-gw-01"), "{path}: {text}");
    }
    // Staff read it, on the report and on the check it made.
    let staff = s.staff().await;
    let answer = s.get("/api/v1/services/esr/probes", Some(&staff)).await;
    assert_eq!(answer.status(), 200);
    let detail: Value = answer.json().await.expect("JSON");
    let probe = &detail["probes"][0];
    assert_eq!(probe["id"], "esr/1");
    assert_eq!(probe["pings"][0]["kind"], "fail");
    assert_eq!(probe["pings"][0]["message"], message);
    assert!(
        probe["results"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains(message)),
        "{probe:#}"
    );
    // The next success brings it back.
    assert_eq!(s.report("esr/1", Some(&token), "").await.status(), 200);
    s.service_when("esr", |svc| status(svc) == "operational")
        .await;
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused_and_nothing_is_recorded() {
    let s = server().await;
    let old = s.token("esr/1").await;
    let token = s.token("esr/1").await;
    assert_ne!(old, token, "making a token again makes a new one");
    let other = s.token("nightly/1").await;
    for sent in [
        None,
        Some("tis_not-a-token"),
        Some(old.as_str()),
        Some(other.as_str()),
    ] {
        for path in ["esr/1", "esr/1/start", "esr/1/fail"] {
            let body = problem(s.report(path, sent, "").await, StatusCode::UNAUTHORIZED).await;
            assert_eq!(body["type"], "/problems/sign-in-required", "{body}");
            assert!(
                body["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("Nothing was recorded")),
                "{body}"
            );
        }
    }
    // A token in the address is not a token.
    let answer = s
        .get(&format!("/api/v1/heartbeats/esr/1?token={token}"), None)
        .await;
    assert_eq!(answer.status(), 400, "an unknown query parameter");
    let record = s.store.heartbeat("esr/1").await.expect("record");
    assert!(record.pings.is_empty(), "{record:?}");
    // The right token is taken, by GET too (curl in a crontab).
    assert_eq!(
        s.get("/api/v1/heartbeats/esr/1/start", Some(&token))
            .await
            .status(),
        200
    );
    assert_eq!(
        s.store
            .heartbeat("esr/1")
            .await
            .expect("record")
            .pings
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_input_gets_problem_json_naming_the_field() {
    let s = server().await;
    let token = s.token("esr/1").await;
    let not_a_number = problem(
        s.report("esr/one", Some(&token), "").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(not_a_number.to_string().contains("\"n\""), "{not_a_number}");
    for path in ["nobody/1", "esr/2", "esr/0", "web/1"] {
        problem(
            s.report(path, Some(&token), "").await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let long = "x".repeat(501);
    let body = problem(
        s.report("esr/1/fail", Some(&token), &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "body", "{body}");
    let answer = s
        .get(
            &format!("/api/v1/heartbeats/esr/1/fail?message={long}"),
            Some(&token),
        )
        .await;
    let body = problem(answer, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["errors"][0]["field"], "message", "{body}");
    // A body, which is kept instead, does not excuse a query the document forbids.
    let answer = s
        .http
        .post(format!(
            "{}/api/v1/heartbeats/esr/1/fail?message={long}",
            s.base
        ))
        .bearer_auth(&token)
        .body("short")
        .send()
        .await
        .expect("answer");
    let body = problem(answer, StatusCode::BAD_REQUEST).await;
    assert_eq!(body["errors"][0]["field"], "message", "{body}");
    let answer = s
        .http
        .post(format!("{}/api/v1/heartbeats/esr/1/fail", s.base))
        .bearer_auth(&token)
        .body(vec![0xff, 0xfe])
        .send()
        .await
        .expect("answer");
    problem(answer, StatusCode::BAD_REQUEST).await;
    assert!(
        s.store
            .heartbeat("esr/1")
            .await
            .expect("record")
            .pings
            .is_empty(),
        "nothing refused was recorded"
    );
    // A message of 500 characters with line breaks is kept, as one line.
    let ok = "a\nb ".repeat(125);
    assert_eq!(
        s.report("esr/1/fail", Some(&token), &ok).await.status(),
        200
    );
    let kept = s.store.heartbeat("esr/1").await.expect("record");
    assert!(!kept.pings[0].message.contains('\n'));
}

#[tokio::test]
async fn the_openapi_document_lists_the_heartbeat_endpoints() {
    let s = server().await;
    let doc: Value = s
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .expect("JSON");
    for path in [
        "/api/v1/heartbeats/{service}/{n}",
        "/api/v1/heartbeats/{service}/{n}/start",
        "/api/v1/heartbeats/{service}/{n}/fail",
    ] {
        let key = path.replace('/', "~1");
        for method in ["get", "post"] {
            let op = doc
                .pointer(&format!("/paths/{key}/{method}"))
                .unwrap_or_else(|| panic!("{method} {path} is in the document"));
            assert_eq!(
                op["security"][0]["heartbeat"],
                serde_json::json!([]),
                "{op}"
            );
            assert!(op["responses"]["401"].is_object(), "{op}");
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["heartbeat"]["scheme"],
        "bearer"
    );
    assert!(
        doc.pointer("/paths/~1api~1v1~1services~1{id}~1probes/get")
            .is_some()
    );
}
