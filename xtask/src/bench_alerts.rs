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

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Result, root, status, step, target_dir};

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
    let server_bin = step("server (release build)", || {
        let mut cargo = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo.current_dir(&root).args([
            "build",
            "--package",
            "tis-status-server",
            "--release",
            "--locked",
        ]);
        status(cargo)?;
        Ok(target_dir(&root).join("release").join("tis-status"))
    })?;
    let scratch = env::temp_dir().join(format!("tis-status-bench-alerts-{}", std::process::id()));
    fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let _cleanup = Cleanup(scratch.clone());
    let fake = Fake::start()?;
    let config = scratch.join("bench.toml");
    fs::write(&config, config_text(&fake.base))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;

    // 1. Detection to message.
    let data = scratch.join("data");
    let teams_url = format!("{}/teams", fake.base);
    let server = Server::start(
        &server_bin,
        &config,
        &data,
        &teams_url,
        &scratch.join("1.log"),
    )?;
    let goal = (FAIL_AFTER * INTERVAL_SECS + TIMEOUT_SECS + 2) as f64;
    let mut seconds = Vec::new();
    for round in 1..=ROUNDS {
        wait_for(Duration::from_secs(60), "Sign-in to be working", || {
            Ok(
                http("GET", &server.addr, "/api/v1/services", None, "")?
                    .contains("\"operational\""),
            )
        })?;
        // The first check of a new server comes soon after its start and the second on
        // the probe's own phase, up to two intervals later; an outage meets a server
        // that has been running, so each round starts once two more checks have run.
        let checks = fake.token_requests.load(Ordering::SeqCst);
        wait_for(Duration::from_secs(60), "two more checks", || {
            Ok(fake.token_requests.load(Ordering::SeqCst) >= checks + 2)
        })?;
        let before = fake.count("Sign-in is down");
        let broke = Instant::now();
        fake.token_broken.store(true, Ordering::SeqCst);
        wait_for(Duration::from_secs(60), "the Teams message", || {
            Ok(fake.count("Sign-in is down") > before)
        })?;
        let took = broke.elapsed().as_secs_f64();
        println!("xtask: round {round}: token endpoint broken → Teams message in {took:.1} s");
        seconds.push(took);
        let recovered = fake.count("Sign-in is working again");
        fake.token_broken.store(false, Ordering::SeqCst);
        wait_for(Duration::from_secs(60), "the recovery message", || {
            Ok(fake.count("Sign-in is working again") > recovered)
        })?;
    }
    drop(server);

    // 2. A backlog of 1,000 alerts, written to the outbox of a stopped server (as a
    // long Teams outage or a stop would leave them), then the server started.
    let data = scratch.join("backlog");
    let server = Server::start(
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
    let server = Server::start(
        &server_bin,
        &config,
        &data,
        &teams_url,
        &scratch.join("3.log"),
    )?;
    let started_secs = restarted.elapsed().as_secs_f64();
    wait_for(Duration::from_secs(300), "the backlog to drain", || {
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
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let token_broken = Arc::new(AtomicBool::new(false));
        let received = Arc::new(Mutex::new(Vec::new()));
        let token_requests = Arc::new(AtomicU64::new(0));
        let (broken, got, count) = (
            token_broken.clone(),
            received.clone(),
            token_requests.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (broken, got, count) = (broken.clone(), got.clone(), count.clone());
                std::thread::spawn(move || answer(stream, &broken, &got, &count));
            }
        });
        Ok(Fake {
            base: format!("http://{addr}"),
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
    mut stream: TcpStream,
    broken: &AtomicBool,
    received: &Mutex<Vec<String>>,
    token_requests: &AtomicU64,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
        if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length.min(1024 * 1024)];
    let _ = reader.read_exact(&mut body);
    let path = line.split_whitespace().nth(1).unwrap_or("/");
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
                got.push(String::from_utf8_lossy(&body).into_owned());
            }
            ("202 Accepted", "")
        }
        _ => ("404 Not Found", "{}"),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// One request with a fresh connection; the whole answer as text.
fn http(method: &str, addr: &str, path: &str, token: Option<&str>, body: &str) -> Result<String> {
    let mut stream =
        TcpStream::connect(addr).map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .map_err(|e| format!("no answer from {addr}{path}: {e}"))?;
    Ok(answer)
}

fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> Result<bool>) -> Result {
    let started = Instant::now();
    while !done()? {
        if started.elapsed() > limit {
            return Err(format!("gave up waiting for {what} after {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
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

/// A running server, stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(bin: &Path, config: &Path, data: &Path, teams: &str, log: &Path) -> Result<Server> {
        let log_file =
            fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = Command::new(bin)
            .args(["serve", "--config"])
            .arg(config)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .env(SECRET_ENV, SECRET)
            .env(TEAMS_ENV, teams)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut first = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut first);
        }
        let addr = first
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(|a| a.trim_end_matches('/').to_string());
        match addr {
            Some(addr) => Ok(Server { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "the server did not start; see {}: {}",
                    log.display(),
                    fs::read_to_string(log).unwrap_or_default()
                ))
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes the scratch directory at the end.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
