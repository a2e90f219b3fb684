//! Probes as users run them: config mistakes refused with file, line and field; the demo
//! estate broken on purpose and recovering; a standalone prober pushing from another
//! "location", and locations having to agree before a service is called down.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::get;
use serde_json::Value;

use crate::helpers::{OutputText, Server, create_token, one_service, tis_status, write};

/// Polls `path` until `done` holds, failing after `limit` with the last answer.
async fn wait_until(
    server: &Server,
    path: &str,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    wait_until_as(server, path, None, limit, done).await
}

/// Like [`wait_until`], reading with `token` when given (staff see what checks said and
/// where they ran from).
async fn wait_until_as(
    server: &Server,
    path: &str,
    token: Option<&str>,
    limit: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let mut request = reqwest::Client::new().get(format!("{}{path}", server.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let body: Value = request
            .send()
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("the answer is JSON");
        if done(&body) {
            return body;
        }
        assert!(
            started.elapsed() < limit,
            "not within {limit:?}; last answer: {body:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn service<'a>(services: &'a Value, id: &str) -> &'a Value {
    services["services"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("no service {id} in {services:#}"))
}

#[test]
fn check_and_serve_refuse_probe_mistakes_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "tis.toml",
        r#"[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."

[[service.probe]]
kind = "ping"
host = "tis.example"

[[service.probe]]
kind = "http"
url = "htp:/tis.example/health"
expect_stauts = 200

[[service.probe]]
kind = "oidc"
token_url = "https://auth.tis.example/realms/lin/protocol/openid-connect/token"
client_id = "generic-upload"
client_secret_env = "TIS_TEST_SECRET_THAT_IS_NOT_SET"

[[service.probe]]
kind = "tcp"
host = "db.tis.example"
port = 5432
interval = "2s"
timeout = "1s"

[[service.probe]]
kind = "tls"
host = "tis.example"
interval = "10s"
timeout = "30s"
"#,
    );
    let expected = [
        "tis.toml, line 8: service \"bulk-upload\", probe 1, field kind: \"ping\" is not a kind of probe: use http, tcp, tls, oidc or heartbeat",
        "tis.toml, line 13: service \"bulk-upload\", probe 2, field url: \"htp:/tis.example/health\" starts with htp",
        "tis.toml, line 14: service \"bulk-upload\", probe 2, field expect_stauts: is not a field of a probe",
        "tis.toml, line 20: service \"bulk-upload\", probe 3, field client_secret_env: the environment variable TIS_TEST_SECRET_THAT_IS_NOT_SET is not set",
        "tis.toml, line 26: service \"bulk-upload\", probe 4, field interval: 2s is too often: use 5s or more",
        "tis.toml, line 33: service \"bulk-upload\", probe 5, field timeout: 30s must be shorter than the interval (10s)",
    ];
    let check = tis_status(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    let data = dir.path().join("data");
    let serve = tis_status(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(serve.status.code(), Some(1));
    assert!(!data.exists(), "nothing is written for a refused config");
    for out in [check, serve] {
        let err = out.stderr_text();
        assert!(err.contains("has 6 problems"), "{err}");
        for line in expected {
            assert!(err.contains(line), "missing {line:?} in:\n{err}");
        }
    }
}

#[test]
fn a_config_whose_secrets_are_set_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "tis.toml",
        r#"[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "oidc"
token_url = "https://auth.tis.example/token"
client_id = "generic-upload"
client_secret_env = "TIS_TEST_SECRET_THAT_IS_SET"
then_url = "https://tis.example/api/ping"
expect_public = true
"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(["check", "--config", config.to_str().unwrap()])
        .env("TIS_TEST_SECRET_THAT_IS_SET", "s3cret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", out.stderr_text());
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 services, 1 probes"));
}

#[tokio::test]
async fn breaking_the_token_endpoint_takes_every_service_down_because_of_sign_in_then_fixing_recovers()
 {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The demo's probes: every 10 s, down after 2 failures, 3 s timeout.
    let (interval, fail_after, timeout) = (10, 2, 3);
    // A little more for the server to start and publish its first snapshots.
    let limit = Duration::from_secs(fail_after * interval + timeout + 4);

    let broken = Server::start_with(&["--demo-break", "token"], &data).await;
    let services = wait_until(&broken, "/api/v1/services", limit, |body| {
        body["services"]
            .as_array()
            .is_some_and(|all| all.iter().all(|s| s["status"] == "major_outage"))
    })
    .await;
    assert_eq!(
        service(&services, "sign-in")["reason"],
        Value::Null,
        "the cause is Sign-in itself"
    );
    for id in ["bulk-upload", "esr-integration", "form-r", "notifications"] {
        assert_eq!(
            service(&services, id)["reason"],
            "because Sign-in is down",
            "{id}"
        );
    }
    // What the probes saw is kept for the incident timeline; what failed is for staff
    // only (see tests/api/privacy.rs), so the public record says when, not why.
    let changes = wait_until(
        &broken,
        "/api/v1/status-changes?service=sign-in",
        limit,
        |body| body["changes"].as_array().is_some_and(|c| !c.is_empty()),
    )
    .await;
    let down = &changes["changes"][0];
    assert_eq!(down["to"], "major_outage");
    assert!(down.get("detail").is_none(), "{down:#}");
    // Bulk upload's own sign-in check may fail first (it signs in too); either way its
    // record comes to the reason.
    wait_until(
        &broken,
        "/api/v1/status-changes?service=bulk-upload",
        limit,
        |body| {
            body["changes"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["to"] == "major_outage" && c["reason"] == "because Sign-in is down")
            })
        },
    )
    .await;
    drop(broken);

    // Fixed: the same store, the estate working again.
    let fixed = Server::start_demo(&data).await;
    wait_until(&fixed, "/api/v1/services", limit, |body| {
        body["services"]
            .as_array()
            .is_some_and(|all| all.iter().all(|s| s["status"] == "operational"))
    })
    .await;
    let changes = wait_until(
        &fixed,
        "/api/v1/status-changes?service=sign-in",
        limit,
        |body| body["changes"].as_array().is_some_and(|c| c.len() >= 2),
    )
    .await;
    let back = &changes["changes"][1];
    assert_eq!(
        (back["from"].as_str(), back["to"].as_str()),
        (Some("major_outage"), Some("operational"))
    );
}

#[test]
fn demo_break_names_the_parts_it_can_break() {
    let dir = tempfile::tempdir().unwrap();
    let out = tis_status(&[
        "serve",
        "--demo-break",
        "billing",
        "--data",
        dir.path().join("data").to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    assert!(err.contains("--demo-break billing"), "{err}");
    assert!(err.contains("bulk-upload"), "lists the services: {err}");
}

/// A `tis-status probe` process, stopped when dropped.
struct Prober(Child);

impl Prober {
    fn start(config: &Path, push: &str, token: &str, location: Option<&str>) -> Prober {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tis-status"));
        command
            .args([
                "probe",
                "--config",
                config.to_str().unwrap(),
                "--push",
                push,
            ])
            .args(["--token-env", "TIS_TEST_PROBER_TOKEN"])
            .env("TIS_TEST_PROBER_TOKEN", token)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(location) = location {
            command.args(["--location", location]);
        }
        Prober(command.spawn().expect("tis-status probe starts"))
    }
}

impl Drop for Prober {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// An actuator that says the service is down.
async fn failing_target() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/actuator/health",
        get(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({"status": "DOWN"})),
            )
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn locations_in(results: &Value) -> Vec<(String, bool)> {
    results["results"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|r| {
                    (
                        r["location"].as_str().unwrap_or("").to_string(),
                        r["ok"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn locations_must_agree_before_a_service_is_called_down() {
    let healthy = crate::helpers::healthy_target().await;
    let failing = failing_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wait = Duration::from_secs(30);
    // From the server's network the service looks down; two locations must agree.
    let server_config = write(dir.path(), "server.toml", &one_service(&failing, Some(2)));
    let token = create_token(&data, "eu-west", "prober");
    // A prober token speaks for one location, so the second location has its own.
    let dublin_token = create_token(&data, "dublin", "prober");
    // Where each check ran from is for staff only.
    let staff = create_token(&data, "ops-staff", "support");
    let server = Server::start(&server_config, &data).await;

    // From another network it works: a standalone prober with the same probe says so.
    let elsewhere = write(dir.path(), "elsewhere.toml", &one_service(&healthy, None));
    let prober = Prober::start(&elsewhere, &server.url, &token, None);
    let results = wait_until_as(
        &server,
        "/api/v1/services/bulk-upload/results",
        Some(&staff),
        wait,
        |body| {
            let seen = locations_in(body);
            seen.contains(&("london".into(), false)) && seen.contains(&("eu-west".into(), true))
        },
    )
    .await;
    assert!(
        locations_in(&results)
            .iter()
            .all(|(l, _)| l == "london" || l == "eu-west"),
        "results without a location are named after the prober's token: {results:#}"
    );
    let services = wait_until(&server, "/api/v1/services", wait, |body| {
        service(body, "bulk-upload")["status"] == "operational"
    })
    .await;
    assert_eq!(
        service(&services, "bulk-upload")["status"],
        "operational",
        "one location alone is not enough"
    );
    drop(prober);

    // A second location that sees it down too: now two agree.
    let dublin = write(dir.path(), "dublin.toml", &one_service(&failing, None));
    let _second = Prober::start(&dublin, &server.url, &dublin_token, Some("dublin"));
    wait_until(&server, "/api/v1/services", wait, |body| {
        service(body, "bulk-upload")["status"] == "major_outage"
    })
    .await;
    let changes = wait_until(&server, "/api/v1/status-changes", wait, |body| {
        body["changes"].as_array().is_some_and(|c| !c.is_empty())
    })
    .await;
    assert_eq!(changes["changes"][0]["service"], "bulk-upload");
    assert_eq!(changes["changes"][0]["to"], "major_outage");

    // Asking about a service that does not exist says which field to fix.
    let wrong = reqwest::get(format!(
        "{}/api/v1/status-changes?service=bulk-uplaod",
        server.url
    ))
    .await
    .unwrap();
    // 400, as the OpenAPI document says for a query out of range (it was 422, undocumented).
    assert_eq!(wrong.status(), 400);
    let problem: Value = wrong.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "service", "{problem:#}");
}

#[tokio::test]
async fn a_prober_with_a_wrong_token_is_refused_and_its_results_are_not_stored() {
    let healthy = crate::helpers::healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write(dir.path(), "tis.toml", &one_service(&healthy, None));
    // Where each check ran from is for staff only.
    let staff = create_token(&data, "ops-staff", "support");
    let server = Server::start(&config, &data).await;
    let _prober = Prober::start(&config, &server.url, "not-a-real-token", Some("nowhere"));
    // The server's own probe reports; the prober's pushes are refused.
    let results = wait_until_as(
        &server,
        "/api/v1/services/bulk-upload/results",
        Some(&staff),
        Duration::from_secs(30),
        |body| locations_in(body).len() >= 3,
    )
    .await;
    assert!(
        locations_in(&results).iter().all(|(l, _)| l == "server"),
        "{results:#}"
    );
}

#[tokio::test]
async fn a_standalone_prober_cut_off_from_its_canaries_pushes_could_not_check_and_the_others_decide()
 {
    let healthy = crate::helpers::healthy_target().await;
    let failing = failing_target().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let wait = Duration::from_secs(30);
    // The server sees the service working.
    let server_config = write(dir.path(), "server.toml", &one_service(&healthy, Some(1)));
    let token = create_token(&data, "eu-west", "prober");
    let staff = create_token(&data, "ops-staff", "support");
    let server = Server::start(&server_config, &data).await;

    // The prober elsewhere sees it failing, but cannot reach its canary either.
    let canary = format!(
        "\n[[canary]]\nkind = \"tcp\"\nname = \"the gateway\"\nhost = \"127.0.0.1\"\nport = {}\ntimeout = \"1s\"\n",
        crate::helpers::closed_port()
    );
    let elsewhere = write(
        dir.path(),
        "elsewhere.toml",
        &format!("{}{canary}", one_service(&failing, None)),
    );
    let check = tis_status(&["check", "--config", elsewhere.to_str().unwrap()]);
    assert!(check.status.success(), "{}", check.stderr_text());
    let _prober = Prober::start(&elsewhere, &server.url, &token, None);
    let from_eu_west = |body: &Value| -> Vec<Value> {
        body["results"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|r| r["location"] == "eu-west")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let results = wait_until_as(
        &server,
        "/api/v1/services/bulk-upload/results",
        Some(&staff),
        wait,
        |body| from_eu_west(body).len() >= 2,
    )
    .await;
    for r in from_eu_west(&results) {
        assert_eq!(r["ok"], false, "{r:#}");
        assert_eq!(
            r["error_kind"], "not_checked",
            "not the target's own failure: {r:#}"
        );
        assert!(
            r["detail"]
                .as_str()
                .is_some_and(|d| d.contains("the gateway (127.0.0.1:")),
            "staff see which canary failed: {r:#}"
        );
    }
    // Once the page is built from those results, the server's own working checks decide.
    let at = |v: &Value| {
        v.as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let newest = from_eu_west(&results)
        .iter()
        .filter_map(|r| at(&r["at"]))
        .max()
        .expect("times");
    let services = wait_until(&server, "/api/v1/services", wait, |body| {
        at(&service(body, "bulk-upload")["last_checked"]).is_some_and(|t| t >= newest)
    })
    .await;
    assert_eq!(
        service(&services, "bulk-upload")["status"],
        "operational",
        "{services:#}"
    );
    assert!(
        service(&services, "bulk-upload").get("reason").is_none(),
        "{services:#}"
    );
}
