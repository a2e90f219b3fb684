//! `cargo xtask bench probes [--seconds N]`: the server running 500 probes at a 30 s
//! interval against local targets: its CPU time and largest memory (`/usr/bin/time -v`),
//! and how late checks start compared with their schedule (the prober's own count,
//! logged when it stops).
//!
//! The targets run in this process on 127.0.0.1, so they are not counted as the
//! server's: a Spring Boot-like actuator, a token endpoint and an API that wants its
//! token. Every run is bounded in time and the server is stopped at the end.

use std::fs;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{self, Scratch, Serve};
use crate::http::{self, Request, respond};
use crate::{Result, bootstrap, root};

const TIME: &str = "/usr/bin/time";
const SERVICES: usize = 100;
/// Per service: two actuator checks, one body check, a TCP connect and a sign-in.
const PROBES_PER_SERVICE: usize = 5;
const INTERVAL_SECS: u64 = 30;
/// Long enough for several rounds of every probe.
const DEFAULT_SECONDS: u64 = 180;
const SECRET_ENV: &str = "TIS_BENCH_CLIENT_SECRET";
const SECRET: &str = "bench-secret";

pub fn bench(args: &[std::ffi::OsString]) -> Result {
    let seconds = seconds(args)?;
    if !Path::new(TIME).is_file() {
        bootstrap::apt_install(&["time"])?;
    }
    let root = root();
    let server_bin = harness::release_server(&root)?;

    let scratch = Scratch::new("bench-probes")?;
    let targets = Targets::start()?;
    let config = scratch.join("bench.toml");
    fs::write(&config, config_text(&targets.base))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;
    let report = scratch.join("time-and-log.txt");

    println!(
        "xtask: {} probes every {INTERVAL_SECS} s against {} for {seconds} s",
        SERVICES * PROBES_PER_SERVICE,
        targets.base
    );
    let server = Serve::under(TIME, &["-v"], &server_bin, &scratch.join("data"))
        .arg("--config")
        .arg(&config)
        .env(SECRET_ENV, SECRET)
        .env("RUST_LOG", "info,sqlx=warn,tower_http=warn")
        .log_to(&report)
        .start()?;
    let started = Instant::now();
    let mut last_print = Instant::now();
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(Duration::from_millis(500));
        if last_print.elapsed() >= Duration::from_secs(30) {
            println!(
                "xtask: {:>4.0} s: {} requests to the targets so far",
                started.elapsed().as_secs_f64(),
                targets.requests.load(Ordering::Relaxed)
            );
            last_print = Instant::now();
        }
    }
    let ran_for = started.elapsed();
    // SIGTERM to the server under /usr/bin/time, which then writes its report.
    let exit = server.stop()?;
    let text = fs::read_to_string(&report)
        .map_err(|e| format!("cannot read {}: {e}", report.display()))?;
    if !exit.success() {
        return Err(format!("the server exited with {exit}; its log:\n{text}"));
    }

    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "?".into())
    };
    let user: f64 = field("User time (seconds):").parse().unwrap_or(f64::NAN);
    let system: f64 = field("System time (seconds):").parse().unwrap_or(f64::NAN);
    let rss_kb: f64 = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap_or(f64::NAN);
    let prober = text
        .lines()
        .find_map(|l| l.split("prober stopped: ").nth(1))
        .unwrap_or("(no summary in the log)")
        .trim()
        .to_string();
    let requests = targets.requests.load(Ordering::Relaxed);
    let connects = targets.connections.load(Ordering::Relaxed);
    let expected =
        (SERVICES * PROBES_PER_SERVICE) as f64 * ran_for.as_secs_f64() / INTERVAL_SECS as f64;

    println!();
    println!(
        "{} probes at a {INTERVAL_SECS} s interval for {:.0} s (about {expected:.0} checks due)",
        SERVICES * PROBES_PER_SERVICE,
        ran_for.as_secs_f64()
    );
    println!("targets saw {connects} connections and {requests} HTTP requests");
    println!(
        "server CPU: {user:.2} s user + {system:.2} s system = {:.2} s, {:.1}% of one core on average",
        user + system,
        (user + system) / ran_for.as_secs_f64() * 100.0
    );
    println!(
        "server memory: {:.1} MB maximum resident set size",
        rss_kb / 1024.0
    );
    println!("prober: {prober}");
    println!(
        "(/usr/bin/time -v {} serve --config bench.toml)",
        server_bin.display()
    );
    Ok(())
}

fn seconds(args: &[std::ffi::OsString]) -> Result<u64> {
    let args: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    match args.as_slice() {
        [] => Ok(DEFAULT_SECONDS),
        ["--seconds", n] => n
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= INTERVAL_SECS)
            .ok_or_else(|| {
                format!("--seconds {n}: give a whole number of seconds, {INTERVAL_SECS} or more")
            }),
        other => Err(format!(
            "bench probes: unexpected arguments {other:?}; use --seconds N"
        )),
    }
}

fn config_text(base: &str) -> String {
    let port = base.rsplit(':').next().unwrap_or("0");
    let mut text = String::from(
        "# Written by cargo xtask bench probes.\n[server]\nlocation = \"bench\"\nretention_days = 2\n",
    );
    for n in 0..SERVICES {
        text.push_str(&format!(
            r#"
[[service]]
id = "service-{n}"
name = "Service {n}"
group = "Bench"
description = "A service for the benchmark."
position = {n}

[[service.probe]]
kind = "http"
url = "{base}/service-{n}/actuator/health"
json_pointer = "/status"
expect_value = "UP"
interval = "{INTERVAL_SECS}s"

[[service.probe]]
kind = "http"
url = "{base}/service-{n}/actuator/health"
json_pointer = "/components/db/status"
expect_value = "UP"
interval = "{INTERVAL_SECS}s"

[[service.probe]]
kind = "http"
url = "{base}/service-{n}/actuator/info"
body_contains = "version"
interval = "{INTERVAL_SECS}s"

[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = {port}
interval = "{INTERVAL_SECS}s"

[[service.probe]]
kind = "oidc"
token_url = "{base}/token"
client_id = "service-{n}"
client_secret_env = "{SECRET_ENV}"
then_url = "{base}/service-{n}/api/ping"
interval = "{INTERVAL_SECS}s"
"#
        ));
    }
    text
}

/// The local targets: a thread per connection, as the probes open a new one each time.
struct Targets {
    base: String,
    requests: Arc<AtomicU64>,
    connections: Arc<AtomicU64>,
}

impl Targets {
    fn start() -> Result<Targets> {
        let requests = Arc::new(AtomicU64::new(0));
        let connections = Arc::new(AtomicU64::new(0));
        let (r, c) = (requests.clone(), connections.clone());
        let base = http::serve_local(move |stream| {
            c.fetch_add(1, Ordering::Relaxed);
            answer(stream, &r);
        })?;
        Ok(Targets {
            base,
            requests,
            connections,
        })
    }
}

/// Answers one request on `stream` (TCP probes connect and close without one).
fn answer(stream: TcpStream, requests: &AtomicU64) {
    let Some(request) = Request::read(&stream, 64 * 1024) else {
        return;
    };
    let body = &request.body;
    let authorization = request.header("authorization");
    requests.fetch_add(1, Ordering::Relaxed);
    let path = request.path.as_str();
    let (status, text) = if path.ends_with("/actuator/health") {
        (
            "200 OK",
            r#"{"status":"UP","components":{"db":{"status":"UP"}}}"#.to_string(),
        )
    } else if path.ends_with("/actuator/info") {
        ("200 OK", r#"{"app":{"version":"1.0.0"}}"#.to_string())
    } else if path == "/token" {
        let form = String::from_utf8_lossy(body);
        if form.contains(&format!("client_secret={SECRET}")) {
            (
                "200 OK",
                r#"{"access_token":"bench-token","token_type":"Bearer","expires_in":300}"#
                    .to_string(),
            )
        } else {
            (
                "401 Unauthorized",
                r#"{"error":"invalid_client"}"#.to_string(),
            )
        }
    } else if path.ends_with("/api/ping") {
        if authorization.ends_with("Bearer bench-token") {
            ("200 OK", r#"{"pong":true}"#.to_string())
        } else {
            ("401 Unauthorized", "{}".to_string())
        }
    } else {
        ("404 Not Found", "{}".to_string())
    };
    respond(stream, status, &text);
}
