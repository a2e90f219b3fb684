//! `cargo xtask bench alerts`: how fast the team hears. Two figures:
//!
//! 1. Seconds from the token endpoint breaking to the Teams message "Sign-in is down"
//!    arriving, for a Sign-in service checked the way the demo checks it (an oidc probe,
//!    every 5 s, down after 2 failures, 1 s timeout). The goal is within
//!    `fail_after × interval + timeout + 2 s` = 13 s. Measured over several rounds.
//! 2. How fast a backlog of 1,000 alerts drains: 1,000 test alerts are queued while the
//!    Teams URL points nowhere, the server is stopped, then started again pointing at
//!    the receiver; from its start to the 1,000th message taken.
//!
//! The token endpoint and the Teams receiver run in this process on 127.0.0.1.

use std::fs;
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{self, Scratch, Serve, Server, wait_for};
use crate::http::{self, Request, respond};
use crate::{Result, root};

const INTERVAL_SECS: u64 = 5;
const FAIL_AFTER: u64 = 2;
const TIMEOUT_SECS: u64 = 1;
const ROUNDS: usize = 3;
const BACKLOG: usize = 1000;
const SECRET_ENV: &str = "TIS_BENCH_CLIENT_SECRET";
const SECRET: &str = "bench-secret";
const TEAMS_ENV: &str = "TIS_BENCH_TEAMS_URL";

pub fn bench() -> Result {
    let root = root();
    let server_bin = harness::release_server(&root)?;
    let scratch = Scratch::new("bench-alerts")?;
    let fake = Fake::start()?;
    let config = scratch.join("bench.toml");
    fs::write(&config, config_text(&fake.base))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;

    // 1. Detection to message.
    let data = scratch.join("data");
    let teams_url = format!("{}/teams", fake.base);
    let server = start(
        &server_bin,
        &config,
        &data,
        &teams_url,
        &scratch.join("1.log"),
    )?;
    let goal = (FAIL_AFTER * INTERVAL_SECS + TIMEOUT_SECS + 2) as f64;
    let mut seconds = Vec::new();
    for round in 1..=ROUNDS {
        wait_for("Sign-in to be working", Duration::from_secs(60), || {
            Ok(http::get(&server.addr, "/api/v1/services")?
                .text()
                .contains("\"operational\""))
        })?;
        // The first check of a new server comes soon after its start and the second on
        // the probe's own phase, up to two intervals later; an outage meets a server
        // that has been running, so each round starts once two more checks have run.
        let checks = fake.token_requests.load(Ordering::SeqCst);
        wait_for("two more checks", Duration::from_secs(60), || {
            Ok(fake.token_requests.load(Ordering::SeqCst) >= checks + 2)
        })?;
        let before = fake.count("Sign-in is down");
        let broke = Instant::now();
        fake.token_broken.store(true, Ordering::SeqCst);
        wait_for("the Teams message", Duration::from_secs(60), || {
            Ok(fake.count("Sign-in is down") > before)
        })?;
        let took = broke.elapsed().as_secs_f64();
        println!("xtask: round {round}: token endpoint broken → Teams message in {took:.1} s");
        seconds.push(took);
        let recovered = fake.count("Sign-in is working again");
        fake.token_broken.store(false, Ordering::SeqCst);
        wait_for("the recovery message", Duration::from_secs(60), || {
            Ok(fake.count("Sign-in is working again") > recovered)
        })?;
    }
    drop(server);

    // 2. A backlog of 1,000 alerts, written to the outbox of a stopped server (as a
    // long Teams outage or a stop would leave them), then the server started.
    let data = scratch.join("backlog");
    let server = start(
        &server_bin,
        &config,
        &data,
        &teams_url,
        &scratch.join("2.log"),
    )?;
    drop(server);
    write_backlog(&data)?;
    let before = fake.count("Backlog alert");
    let restarted = Instant::now();
    let server = start(
        &server_bin,
        &config,
        &data,
        &teams_url,
        &scratch.join("3.log"),
    )?;
    let started_secs = restarted.elapsed().as_secs_f64();
    wait_for("the backlog to drain", Duration::from_secs(300), || {
        Ok(fake.count("Backlog alert") >= before + BACKLOG)
    })?;
    let drain_secs = restarted.elapsed().as_secs_f64();
    drop(server);

    seconds.sort_by(f64::total_cmp);
    println!();
    println!(
        "token endpoint broken → Teams message: {} s (median {:.1} s, worst {:.1} s; goal within {goal:.0} s = fail_after {FAIL_AFTER} × interval {INTERVAL_SECS} s + timeout {TIMEOUT_SECS} s + 2 s): {}",
        seconds
            .iter()
            .map(|s| format!("{s:.1}"))
            .collect::<Vec<_>>()
            .join(", "),
        seconds[seconds.len() / 2],
        seconds[seconds.len() - 1],
        if seconds[seconds.len() - 1] <= goal {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "backlog of {BACKLOG} alerts in the outbox: all reached Teams {drain_secs:.1} s after the server was started ({started_secs:.1} s of it starting), {:.0} alerts a second",
        BACKLOG as f64 / (drain_secs - started_secs).max(0.001)
    );
    Ok(())
}

fn config_text(base: &str) -> String {
    format!(
        r#"# Written by cargo xtask bench alerts.
[server]
retention_days = 2

[[channel]]
id = "tis-team"
kind = "teams"
url_env = "{TEAMS_ENV}"

[[alert]]
channels = ["tis-team"]

[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."

[[service.probe]]
kind = "oidc"
token_url = "{base}/token"
client_id = "bench"
client_secret_env = "{SECRET_ENV}"
interval = "{INTERVAL_SECS}s"
timeout = "{TIMEOUT_SECS}s"
fail_after = {FAIL_AFTER}
recover_after = 1
"#
    )
}

/// A token endpoint that can be broken, and a Teams receiver that keeps what it gets.
struct Fake {
    base: String,
    token_broken: Arc<AtomicBool>,
    /// Requests to the token endpoint so far: one per check.
    token_requests: Arc<AtomicU64>,
    received: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    fn start() -> Result<Fake> {
        let token_broken = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let token_requests = Arc::new(AtomicU64::new(0));
        let (broken, got, count) = (
            token_broken.clone(),
            received.clone(),
            token_requests.clone(),
        );
        let base = http::serve_local(move |stream| answer(stream, &broken, &got, &count))?;
        Ok(Fake {
            base,
            token_broken,
            token_requests,
            received,
        })
    }

    /// How many Teams messages have a title starting with `title`.
    fn count(&self, title: &str) -> usize {
        let needle = format!("\"text\":\"{title}");
        self.received
            .lock()
            .map(|r| r.iter().filter(|b| b.contains(&needle)).count())
            .unwrap_or(0)
    }
}

fn answer(
    stream: TcpStream,
    broken: &AtomicBool,
    received: &Mutex<Vec<String>>,
    token_requests: &AtomicU64,
) {
    let Some(request) = Request::read(&stream, 1024 * 1024) else {
        return;
    };
    let path = request.path.as_str();
    if path == "/token" {
        token_requests.fetch_add(1, Ordering::SeqCst);
    }
    let (status, text) = match path {
        "/token" if broken.load(Ordering::SeqCst) => (
            "503 Service Unavailable",
            r#"{"error":"temporarily_unavailable"}"#,
        ),
        "/token" => (
            "200 OK",
            r#"{"access_token":"bench-token","token_type":"Bearer","expires_in":300}"#,
        ),
        "/teams" => {
            if let Ok(mut got) = received.lock() {
                got.push(String::from_utf8_lossy(&request.body).into_owned());
            }
            ("202 Accepted", "")
        }
        _ => ("404 Not Found", "{}"),
    };
    respond(stream, status, text);
}

/// Writes the backlog straight into the stopped server's outbox with Python's own
/// sqlite3 module (xtask has no SQLite of its own), in the shape the server writes.
fn write_backlog(data: &Path) -> Result {
    let db = data.join("tis-status.db");
    let script = r#"
import json, sqlite3, sys, datetime, uuid
db = sqlite3.connect(sys.argv[1])
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
rows = []
for n in range(int(sys.argv[2])):
    alert = {"kind": "test", "title": "Backlog alert %d" % n, "summary": "One of a backlog.",
             "facts": [], "affected": [], "services": [], "links": [], "at": now}
    rows.append(("msg_" + uuid.uuid4().hex, "alert", "tis-team", json.dumps(alert), now, now))
db.executemany("INSERT INTO outbox (message_id, kind, channel, payload, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)", rows)
db.commit()
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&db)
        .arg(BACKLOG.to_string())
        .output()
        .map_err(|e| format!("cannot run python3 to write the backlog: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "writing the backlog failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The server with the bench's config, its secrets, and Teams at `teams`; its log in `log`.
fn start(bin: &Path, config: &Path, data: &Path, teams: &str, log: &Path) -> Result<Server> {
    Serve::new(bin, data)
        .arg("--config")
        .arg(config)
        .env(SECRET_ENV, SECRET)
        .env(TEAMS_ENV, teams)
        .log_to(log)
        .start()
}
