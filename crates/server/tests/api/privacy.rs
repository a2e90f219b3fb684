//! Nothing private in public answers: with the demo estate's sign-in broken and probed
//! for real, every public endpoint, feed and page is read anonymously, and none carries
//! the estate's internal addresses, the probes' client ids, where checks ran from, an
//! account's or token's login name, or anything a failing check said. Signed-in staff
//! do get what the checks said, from the same addresses, never from the public cache.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{SecondsFormat, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tis_core::{ProbeKind, Role};
use tis_status::config::Config;
use tis_status::demo::{self, Break};
use tis_status::startup::{Application, Settings};
use tis_status::store::Change;
use tis_status::store::import;
use tower::ServiceExt;

use crate::helpers::{Auth, TestApp};

/// How long the broken estate may take to show as down on a busy machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// An app page like Trunk's, with the slot the server writes the first view into.
const INDEX: &str = "<!DOCTYPE html><html><head><title>TIS Status</title></head><body>\n<!--tis-status:page-->\n</body></html>";

/// The broken demo, running as `tis-status serve --demo-break token` runs it: the estate,
/// and the server started by its own `Application::build`, with every background task.
struct BrokenDemo {
    app: TestApp,
    config: Config,
    stop: tokio_util::sync::CancellationToken,
    _assets: tempfile::TempDir,
}

impl Drop for BrokenDemo {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn broken_demo() -> BrokenDemo {
    let estate = demo::start(Some(Break::Token)).await.expect("demo estate");
    let mut config = Config::demo(&estate.base_url).expect("demo config");
    // Where checks run from is internal too; a name nothing public would contain.
    config.server.location = Some("leeds-dc2".into());
    // Quicker than the demo's own 10 s, so the outage shows within seconds; the same
    // checks against the same estate.
    for probe in config.services.iter_mut().flat_map(|s| s.probes.iter_mut()) {
        probe.interval = tis_core::service::HumanDuration::from_secs(2);
        probe.timeout = tis_core::service::HumanDuration::from_millis(1500);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let export = import::parse("demo", demo::DEMO_RECORDS).expect("demo parses");
    let ids: Vec<&str> = config.services.iter().map(|s| s.id.as_str()).collect();
    import::import(store.as_ref(), "demo", &export, &ids, Change::now("demo"))
        .await
        .expect("demo imports");
    let assets = tempfile::tempdir().expect("assets dir");
    std::fs::write(assets.path().join("index.html"), INDEX).expect("index");
    let secret = estate.secret.clone();
    // The server as `serve` starts it: every background task, on a port of its own; the
    // test then asks its router in process.
    let server = Application::build(Settings {
        config: config.clone(),
        store,
        demo: true,
        checker: tis_prober::Checker::with_secrets(move |name| {
            (name == demo::DEMO_SECRET_ENV).then(|| secret.clone())
        }),
        listen: Some("127.0.0.1:0".parse().expect("address")),
        assets: Some(assets.path().to_path_buf()),
    })
    .await
    .expect("the server starts");
    let state = server.state();
    let stop = tokio_util::sync::CancellationToken::new();
    tokio::spawn(server.run_until_stopped(stop.clone().cancelled_owned()));
    let router = tis_status::app(state.clone(), Some(assets.path().to_path_buf()));
    BrokenDemo {
        app: TestApp::over(state, router, dir),
        config,
        stop,
        _assets: assets,
    }
}

/// Asks `uri` as `auth` until `done` holds of the JSON answer, or fails after [`PATIENCE`].
async fn wait_for(app: &TestApp, uri: &str, auth: &Auth, done: impl Fn(&Value) -> bool) -> Value {
    let start = std::time::Instant::now();
    loop {
        let answer = app.call("GET", uri, auth, None).await;
        if answer.status == StatusCode::OK {
            let body = answer.json();
            if done(&body) {
                return body;
            }
            if start.elapsed() > PATIENCE {
                panic!("{uri} never came to the expected state: {body:#}");
            }
        } else if start.elapsed() > PATIENCE {
            panic!("{uri} answered {}: {}", answer.status, answer.text());
        }
        // Polling a condition: the next check result is at most one interval away.
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What must never appear in a public answer, taken from the running demo itself: every
/// address its probes use (whole, and as host and port), their client ids, where they run
/// from, and every account and token name in the store.
async fn private_words(demo: &BrokenDemo) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    let address = |url: &str, words: &mut BTreeSet<String>| {
        words.insert(url.to_string());
        let parsed = reqwest::Url::parse(url).expect("probe URL");
        let host = parsed.host_str().expect("host");
        match parsed.port() {
            Some(port) => words.insert(format!("{host}:{port}")),
            None => words.insert(host.to_string()),
        };
    };
    for probe in demo.config.services.iter().flat_map(|s| &s.probes) {
        match &probe.kind {
            ProbeKind::Http { url, .. } => address(url, &mut words),
            ProbeKind::Tcp { host, port } | ProbeKind::Tls { host, port, .. } => {
                words.insert(format!("{host}:{port}"));
            }
            ProbeKind::Oidc {
                token_url,
                client_id,
                then_url,
                ..
            } => {
                address(token_url, &mut words);
                if let Some(then) = then_url {
                    address(then, &mut words);
                }
                words.insert(client_id.clone());
            }
            // What the server says of a heartbeat to staff: the demo's never reports here.
            ProbeKind::Heartbeat { .. } => {
                words.insert("has no token yet".to_string());
            }
        }
    }
    words.insert(demo.config.location().to_string());
    let store = demo.app.state.store.as_ref();
    for account in store.accounts().await.expect("accounts") {
        words.insert(account.name);
    }
    for token in store.tokens().await.expect("tokens") {
        words.insert(token.name);
    }
    words
}

/// Every public GET of `/api/v1` that the OpenAPI document lists (those with no security,
/// or with anonymous access among their options), its path filled with real ids and its
/// query with each value of its fixed words, plus the Statuspage API, the feeds and the
/// pages. The live-events stream is read separately: it never ends.
fn public_addresses(openapi: &Value, model: &tis_status::read::model::Model) -> Vec<String> {
    let services: Vec<&str> = model.services.iter().map(|s| s.id.as_str()).collect();
    let incidents: Vec<String> = model.incidents.iter().map(|i| i.id.to_string()).collect();
    // Drafts are not found by the public at all.
    let notices: Vec<String> = model
        .notices
        .iter()
        .filter(|n| n.published)
        .map(|n| n.id.to_string())
        .collect();
    let to = Utc::now();
    let from = to - chrono::Duration::hours(6);
    let time = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut out = Vec::new();
    let paths = openapi["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let Some(get) = item.get("get") else { continue };
        let anonymous = match get.get("security").and_then(Value::as_array) {
            None => true,
            Some(options) => options
                .iter()
                .any(|o| o.as_object().is_some_and(|o| o.is_empty())),
        };
        // A subscriber's own choices answer only a token from one of their emails (see
        // tests/api/subscriptions.rs); no public data is there to walk.
        if !anonymous || path == "/api/v1/events" || path == "/api/v1/subscriptions/mine" {
            continue;
        }
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let mut required = Vec::new();
        let mut variants = vec![String::new()];
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().expect("name");
            match name {
                "from" => required.push(format!("from={}", time(from))),
                "to" => required.push(format!("to={}", time(to))),
                _ => {
                    if let Some(words) = p["schema"]["enum"].as_array().or_else(|| {
                        p["schema"]["oneOf"]
                            .as_array()
                            .and_then(|o| o.iter().find_map(|s| s["enum"].as_array()))
                    }) {
                        variants.extend(
                            words
                                .iter()
                                .filter_map(Value::as_str)
                                .map(|w| format!("{name}={w}")),
                        );
                    }
                }
            }
        }
        let ids: Vec<String> = if path.contains("/services/{id}") {
            services.iter().map(|s| s.to_string()).collect()
        } else if path.contains("/incidents/{id}") {
            incidents.clone()
        } else if path.contains("/notices/{id}") {
            notices.clone()
        } else if path.contains('{') {
            panic!("no ids to fill {path} with: add them here");
        } else {
            vec![String::new()]
        };
        for id in &ids {
            let filled = path.replace("{id}", id);
            for variant in &variants {
                let query: Vec<&str> = required
                    .iter()
                    .map(String::as_str)
                    .chain((!variant.is_empty()).then_some(variant.as_str()))
                    .collect();
                if query.is_empty() {
                    out.push(filled.clone());
                } else {
                    out.push(format!("{filled}?{}", query.join("&")));
                }
            }
        }
    }
    out.extend(
        tis_status::http::v2::ENDPOINTS
            .iter()
            .map(|(path, _)| format!("/api/v2{path}")),
    );
    out.push("/feed.atom".into());
    for page in [
        "/",
        "/incidents",
        "/notices",
        "/about",
        "/healthz",
        "/readyz",
    ] {
        out.push(page.into());
    }
    for id in &services {
        out.push(format!("/services/{id}/feed.atom"));
        out.push(format!("/services/{id}"));
    }
    for id in &incidents {
        out.push(format!("/incidents/{id}"));
    }
    out
}

/// The first `change` event of the live stream, as text.
async fn one_live_event(app: &TestApp) -> String {
    let response = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/v1/events")
                // Seen nothing yet: the stream starts by saying what changed.
                .header("last-event-id", "0")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("the app answers");
    assert_eq!(response.status(), StatusCode::OK);
    let mut frames = response.into_body().into_data_stream();
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = frames.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
            if text.contains("event: change") && text.ends_with("\n\n") {
                return;
            }
        }
    };
    tokio::time::timeout(PATIENCE, read)
        .await
        .expect("a change event within the patience");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_public_answer_carries_internal_detail_and_staff_still_get_it() {
    let demo = broken_demo().await;
    let app = &demo.app;
    let staff = app
        .signed_in_as("sam.jones", Some("Sam Jones"), Role::Editor)
        .await;
    let nameless = app.signed_in("priya.k", Role::Support).await;
    let script = app.token("status-script", Role::Support).await;

    // People write what the public reads: a notice by an account with a display name,
    // incident updates by one without and by a script's token.
    let now = Utc::now();
    let posted = app
        .call(
            "POST",
            "/api/v1/notices",
            &staff,
            Some(json!({
                "title": "Sign-in is failing",
                "body": "We are looking into it.",
                "kind": "known_problem",
                "severity": "high",
                "services": ["sign-in"],
                "starts_at": now.to_rfc3339(),
                "audience": "everyone",
                "published": true,
            })),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());
    let active = app
        .state
        .snapshots
        .current()
        .model
        .incidents
        .iter()
        .find(|i| i.is_active())
        .map(|i| i.id)
        .expect("the demo has an active incident");
    for who in [&nameless, &script] {
        let update = app
            .call(
                "POST",
                &format!("/api/v1/incidents/{active}/updates"),
                who,
                Some(json!({
                    "status": "monitoring",
                    "body": "A fix is in place and we are watching it.",
                    "next_update_at": (now + chrono::Duration::hours(1)).to_rfc3339(),
                })),
            )
            .await;
        assert_eq!(update.status, StatusCode::CREATED, "{}", update.text());
    }

    // The estate's sign-in is broken: wait until readers are told so, and staff can see
    // what the checks said about it.
    wait_for(app, "/api/v1/services", &Auth::Anonymous, |body| {
        body["services"].as_array().is_some_and(|all| {
            all.iter()
                .any(|s| s["id"] == "sign-in" && s["status"] == "major_outage")
        })
    })
    .await;
    let staff_changes = wait_for(app, "/api/v1/status-changes", &staff, |body| {
        body["changes"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["service"] == "sign-in" && c["detail"].as_str().is_some())
        })
    })
    .await;

    // What staff are told the checks said is private too.
    let mut private = private_words(&demo).await;
    let mut said = BTreeSet::new();
    for c in staff_changes["changes"].as_array().expect("changes") {
        if let Some(detail) = c["detail"].as_str() {
            said.insert(detail.to_string());
        }
    }
    for service in &demo.config.services {
        let results = app
            .call(
                "GET",
                &format!("/api/v1/services/{}/results", service.id),
                &staff,
                None,
            )
            .await;
        assert_eq!(results.status, StatusCode::OK);
        for r in results.json()["results"].as_array().expect("results") {
            if let Some(detail) = r["detail"].as_str() {
                said.insert(detail.to_string());
            }
        }
    }
    assert!(
        said.iter().any(|d| d.contains("503")),
        "staff see what the broken token endpoint answered: {said:#?}"
    );
    private.extend(said);
    for login in ["sam.jones", "priya.k", "status-script", "generic-upload"] {
        assert!(private.contains(login), "{login} is among {private:#?}");
    }

    // Every public answer, read anonymously.
    let openapi = app.get("/api/v1/openapi.json").await.json();
    let model = app.state.snapshots.current().model.clone();
    let addresses = public_addresses(&openapi, &model);
    assert!(
        addresses.iter().any(|a| a.contains("/results"))
            && addresses.iter().any(|a| a.contains("/status-changes"))
            && addresses.iter().any(|a| a.contains("/history?")),
        "the walk covers raw results, changes and history: {addresses:#?}"
    );
    let mut bodies = Vec::new();
    for address in &addresses {
        let answer = app.get(address).await;
        // Every address answers in full, but staff's own list of every notice.
        let expected = if address == "/api/v1/notices?state=all" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(answer.status, expected, "{address}: {}", answer.text());
        bodies.push((address.clone(), answer.text()));
    }
    bodies.push(("/api/v1/events".into(), one_live_event(app).await));
    let mut leaks = Vec::new();
    for (address, body) in &bodies {
        for word in &private {
            if body.contains(word.as_str()) {
                leaks.push(format!("{address} contains {word:?}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "public answers leak:\n{}",
        leaks.join("\n")
    );

    // Readers are told who wrote what by display name, or "TIS support".
    let notices = app.get("/api/v1/notices?state=active").await.json();
    assert!(
        notices
            .as_array()
            .expect("notices")
            .iter()
            .any(|n| n["title"] == "Sign-in is failing" && n["author"] == "Sam Jones"),
        "{notices:#}"
    );
    let incident = app.get(&format!("/api/v1/incidents/{active}")).await.json();
    let authors: Vec<&str> = incident["incident"]["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .rev()
        .take(2)
        .filter_map(|u| u["author"].as_str())
        .collect();
    assert_eq!(authors, ["TIS support", "TIS support"], "{incident:#}");
    // Staff see who it was.
    let for_staff = app
        .call("GET", &format!("/api/v1/incidents/{active}"), &staff, None)
        .await
        .text();
    assert!(
        for_staff.contains("priya.k") && for_staff.contains("token status-script"),
        "{for_staff}"
    );

    // Staff get the detail from the same address, as their own answer: never stored
    // by a shared cache, and never matched against the public copy's ETag.
    let public = app.get("/api/v1/services/sign-in/results").await;
    let etag = public.header(header::ETAG).to_string();
    assert!(!etag.is_empty());
    assert!(
        public.header(header::VARY).contains("Cookie")
            && public.header(header::VARY).contains("Authorization"),
        "{:?}",
        public.headers
    );
    assert!(!public.text().contains("\"detail\""), "{}", public.text());
    let mut request = Request::get("/api/v1/services/sign-in/results")
        .header(header::IF_NONE_MATCH, &etag)
        .header(header::ACCEPT_ENCODING, "br, gzip");
    if let Auth::Cookie { cookie, .. } = &staff {
        request = request.header(header::COOKIE, cookie);
    }
    let theirs = app
        .send(request.body(Body::empty()).expect("request"))
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "not the public copy's 304");
    assert_eq!(theirs.header(header::CACHE_CONTROL), "private, no-store");
    assert!(theirs.header(header::ETAG).is_empty());
    assert!(theirs.text().contains("\"detail\""), "{}", theirs.text());
    assert!(theirs.text().contains("leeds-dc2"), "{}", theirs.text());
    let changes = app
        .call("GET", "/api/v1/status-changes", &script, None)
        .await;
    assert_eq!(changes.header(header::CACHE_CONTROL), "private, no-store");
    assert!(changes.text().contains("\"detail\""), "{}", changes.text());
}
