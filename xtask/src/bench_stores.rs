//! `cargo xtask bench stores [--seconds N]`: what the choice of store costs, on this
//! machine, in one run:
//!
//! - summary requests per second (`GET /api/v2/summary.json`, wrk as `cargo xtask bench`
//!   runs it) from one server on SQLite, one replica on PostgreSQL, nginx in front of
//!   that one replica (the balancer's own cost), and nginx balancing two replicas on the
//!   same database; the same config and records for each;
//! - probe results per second each store sustains, written as the server's result
//!   writer writes them (the `store_writes` example of `crates/server`, which says why
//!   not through the push endpoint), with each batch's latency and a count of the rows
//!   afterwards, so no figure is of lost writes.
//!
//! PostgreSQL 15 is a throw-away cluster (`crates/server/tests/support/postgres.rs`)
//! that commits durably, as SQLite does, so the two write figures compare. Everything
//! listens on 127.0.0.1, every run is bounded in time, and every process (servers,
//! nginx, PostgreSQL) is stopped at the end, also when something fails half-way.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::bench::{self, Nginx, Run, millis};
use crate::bench_subscribers::number_after;
use crate::harness::{self, Scratch, Serve, flag_values, wait_for};
use crate::http::{self, Request, respond};
use crate::{Result, bootstrap, cargo, postgres, root, step, target_dir};

const PATH: &str = "/api/v2/summary.json";
/// The demo's ten services, each checked by one probe of its actuator.
const SERVICES: [(&str, &str, &str); 10] = [
    ("sign-in", "Sign-in", "Sign-in"),
    ("admin-site", "TIS admin site", "For admins"),
    ("bulk-upload", "Bulk upload", "For admins"),
    ("revalidation", "Revalidation", "For admins"),
    ("reference-data", "Reference data", "For admins"),
    ("self-service", "TIS Self-Service", "For trainees"),
    ("form-r", "Form R", "For trainees"),
    ("notifications", "Emails and notifications", "Integrations"),
    ("esr-integration", "ESR integration", "Integrations"),
    ("data-exports", "Data exports", "Integrations"),
];
/// As the demo checks them: often enough that status is real from the first seconds,
/// and one write a second per server, too few to move a read figure.
const INTERVAL: &str = "10s";
const INCIDENT: &str = "Bulk upload is failing";
/// The server's writer takes up to 256 queued results at once; 1 is a quiet server
/// writing each result as it comes, 16 a busy one.
const BATCHES: [usize; 3] = [1, 16, 256];
const DEFAULT_SECONDS: u64 = 10;
const WRITER: &str = "store_writes";
/// `/metrics` says how many summaries each replica answered behind the balancer.
const METRICS_ENV: &str = "TIS_BENCH_METRICS_TOKEN";
const METRICS_TOKEN: &str = "bench-metrics";

pub fn bench(args: &[std::ffi::OsString]) -> Result {
    let seconds = seconds(args)?;
    bench::tools()?;
    bootstrap::postgresql()?;
    let root = root();
    let server_bin = harness::release_server(&root)?;
    let writer_bin = step(
        "the store writer (store_writes example, release build)",
        || {
            cargo(
                &root,
                &[
                    "build",
                    "--package",
                    "tis-status-server",
                    "--release",
                    "--locked",
                    "--example",
                    WRITER,
                ],
            )?;
            Ok(target_dir(&root)
                .join("release")
                .join("examples")
                .join(WRITER))
        },
    )?;
    let load_before = load();

    // The directory and the database come before the servers, so they are dropped after
    // them (also on an early return): the servers stop before their database does.
    let scratch = Scratch::new("bench-stores")?;
    // nginx's workers run as an unprivileged user and must reach its directory.
    bench::set_mode(scratch.path(), 0o755)?;
    let mut pg = postgres::TestPostgres::start_durable()?;
    println!(
        "xtask: PostgreSQL 15 started at {} (durable commits)",
        pg.url()
    );
    let target = http::serve_local(answer)?;
    let sqlite_config = scratch.join("sqlite.toml");
    let pg_config = scratch.join("postgres.toml");
    for (path, store) in [(&sqlite_config, None), (&pg_config, Some(pg.url()))] {
        fs::write(path, config_text(&target, store.as_deref()))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }

    let mut reads = Vec::new();
    {
        let data = scratch.join("sqlite");
        let server = start(&server_bin, &sqlite_config, &data, true)?;
        reads.push(measured("SQLite, one server", &server.addr)?);
    }
    let replica_a = start(&server_bin, &pg_config, &scratch.join("replica-a"), true)?;
    reads.push(measured("PostgreSQL, one replica", &replica_a.addr)?);
    {
        let nginx = Nginx::balance(&scratch.join("nginx-one"), &[&replica_a.addr])?;
        reads.push(measured("nginx, one replica", &nginx.addr)?);
    }
    // The second replica finds the first one's records in the database.
    let replica_b = start(&server_bin, &pg_config, &scratch.join("replica-b"), false)?;
    let before = [&replica_a, &replica_b].map(|r| summaries_answered(&r.addr));
    let nginx = Nginx::balance(
        &scratch.join("nginx-two"),
        &[&replica_a.addr, &replica_b.addr],
    )?;
    reads.push(measured("nginx, two replicas", &nginx.addr)?);
    let shares = [&replica_a, &replica_b]
        .iter()
        .zip(before)
        .map(|(r, before)| Ok(summaries_answered(&r.addr)? - before?))
        .collect::<Result<Vec<u64>>>()?;
    drop(nginx);
    drop(replica_b);
    drop(replica_a);

    let mut writes = Vec::new();
    for batch in BATCHES {
        let dir = scratch.join(format!("writes-{batch}"));
        writes.push(write_run(
            &writer_bin,
            "--sqlite",
            dir.as_os_str(),
            batch,
            seconds,
        )?);
    }
    for batch in BATCHES {
        let url = pg.url();
        writes.push(write_run(
            &writer_bin,
            "--postgres",
            url.as_ref(),
            batch,
            seconds,
        )?);
    }
    pg.stop()?;
    println!("xtask: the PostgreSQL cluster is stopped and its files deleted");
    let load_after = load();

    println!();
    println!(
        "GET {PATH}: wrk -t{} -c{} -d{} --latency after a {} warm-up",
        bench::THREADS,
        bench::CONNECTIONS,
        bench::DURATION,
        bench::WARM_UP
    );
    println!(
        "the same config and records for each: {} services, each probed every {INTERVAL} \
         against a local target (status is real; one write a second per server); one open \
         incident with an update and one planned maintenance, written through the API",
        SERVICES.len()
    );
    println!(
        "{:<26} {:>12} {:>10} {:>10} {:>8}",
        "store", "requests/s", "p50", "p99", "errors"
    );
    for run in &reads {
        println!(
            "{:<26} {:>12.0} {:>10} {:>10} {:>8}",
            run.name,
            run.requests_per_sec,
            millis(run.p50_ms),
            millis(run.p99_ms),
            run.errors
        );
    }
    println!(
        "two replicas, by their own /metrics: the first answered {} summaries, the second {} \
         (warm-up included)",
        shares[0], shares[1]
    );
    println!();
    println!(
        "probe results written as the server's writer writes them (Store::add_probe_results, \
         one writer, one transaction a batch), {seconds} s each"
    );
    println!(
        "{:<12} {:>6} {:>11} {:>12} {:>12} {:>10} {:>10}",
        "store", "batch", "results/s", "batch p50", "batch p99", "written", "counted"
    );
    for w in &writes {
        println!(
            "{:<12} {:>6} {:>11.0} {:>12} {:>12} {:>10} {:>10}",
            w.store,
            w.batch,
            w.per_second(),
            millis(w.p50_ms),
            millis(w.p99_ms),
            w.written,
            w.counted
        );
    }
    println!();
    println!(
        "{} cores; load average (1, 5, 15 min) before: {load_before}, after: {load_after}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    if reads.iter().any(|r| r.errors > 0) {
        return Err("some requests failed: the figures above are not trustworthy".into());
    }
    if shares.contains(&0) {
        return Err("one replica answered nothing: nginx did not balance".into());
    }
    if let Some(w) = writes.iter().find(|w| w.counted != w.written) {
        return Err(format!(
            "{} with batches of {}: {} results written but {} in the store",
            w.store, w.batch, w.written, w.counted
        ));
    }
    Ok(())
}

fn seconds(args: &[std::ffi::OsString]) -> Result<u64> {
    let mut seconds = DEFAULT_SECONDS;
    for (flag, value) in flag_values(args)? {
        match flag.as_str() {
            "--seconds" => {
                seconds =
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("--seconds takes a whole number above 0, not {value}")
                    })?
            }
            _ => return Err(format!("bench stores takes --seconds N; not {flag}")),
        }
    }
    Ok(seconds)
}

fn config_text(target: &str, store: Option<&str>) -> String {
    let mut text = String::from(
        "# Written by cargo xtask bench stores.\n[server]\nlocation = \"bench\"\nretention_days = 2\n",
    );
    text.push_str(&format!("\n[metrics]\ntoken_env = \"{METRICS_ENV}\"\n"));
    if let Some(url) = store {
        text.push_str(&format!("\n[store]\nurl = \"{url}\"\n"));
    }
    for (n, (id, name, group)) in SERVICES.iter().enumerate() {
        let depends_on = if *id == "sign-in" { "" } else { "\"sign-in\"" };
        text.push_str(&format!(
            r#"
[[service]]
id = "{id}"
name = "{name}"
group = "{group}"
description = "A service for the benchmark."
depends_on = [{depends_on}]
position = {n}

[[service.probe]]
kind = "http"
url = "{target}/{id}/actuator/health"
json_pointer = "/status"
expect_value = "UP"
interval = "{INTERVAL}"
timeout = "3s"
"#
        ));
    }
    text
}

/// The probes' target: every service's actuator says it is up.
fn answer(stream: std::net::TcpStream) {
    let Some(request) = Request::read(&stream, 0) else {
        return;
    };
    if request.path.ends_with("/actuator/health") {
        respond(stream, "200 OK", r#"{"status":"UP"}"#);
    } else {
        respond(stream, "404 Not Found", "{}");
    }
}

/// `tis-status serve` with `config`; with `seed`, the records are written through its
/// API first. Returns once every probed service has a status (none unknown) and the
/// incident is in the summary, so each server is measured with the same answer.
fn start(bin: &Path, config: &Path, data: &Path, seed: bool) -> Result<harness::Server> {
    let place = [
        OsStr::new("--config"),
        config.as_os_str(),
        OsStr::new("--data"),
        data.as_os_str(),
    ];
    let token = if seed {
        Some(harness::editor_token(bin, &place)?)
    } else {
        None
    };
    let server = Serve::new(bin, data)
        .arg("--config")
        .arg(config)
        .env(METRICS_ENV, METRICS_TOKEN)
        .start()?;
    if let Some(token) = token {
        write_records(&server.addr, &token)?;
    }
    let mut last = String::new();
    wait_for(
        "every service to have a status and the incident to show",
        Duration::from_secs(60),
        || {
            let response = http::get(&server.addr, PATH)?;
            last = response.text();
            // Statuspage has no "unknown": a service not yet checked shows as degraded.
            Ok(response.status == 200
                && last.contains(INCIDENT)
                && !last.contains("degraded_performance"))
        },
    )
    .map_err(|e| format!("{e}; the last summary: {last}"))?;
    Ok(server)
}

/// An open incident with an update, and a planned maintenance next week: what the
/// summary carries besides the services.
fn write_records(addr: &str, token: &str) -> Result {
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str())];
    let post = |path: &str, body: &str| -> Result<String> {
        let response = http::send(addr, "POST", path, &headers, Some(body))?;
        if response.status != 201 {
            return Err(format!(
                "POST {path}: {} {}",
                response.status,
                response.text()
            ));
        }
        Ok(response.text())
    };
    let opened = post(
        "/api/v1/incidents",
        &format!(
            r#"{{"title":"{INCIDENT}","status":"investigating","impact":"major","affected":[{{"service":"bulk-upload","status":"major_outage"}}],"started_at":"{}"}}"#,
            utc("5 minutes ago")?
        ),
    )?;
    let id = number_after(&opened, "\"id\":").ok_or_else(|| format!("no id in {opened}"))?;
    post(
        &format!("/api/v1/incidents/{id}/updates"),
        r#"{"status":"identified","body":"Uploads fail with \"Unknown Server Error\". Sign-in between services is failing, and we are fixing it."}"#,
    )?;
    post(
        "/api/v1/notices",
        &format!(
            r#"{{"title":"Bulk upload will be unavailable","body":"We are moving bulk upload to a new server.","kind":"planned_maintenance","severity":"medium","services":["bulk-upload"],"starts_at":"{}","ends_at":"{}","audience":"admins","published":true}}"#,
            utc("7 days")?,
            utc("7 days 2 hours")?
        ),
    )?;
    Ok(())
}

/// A time relative to now as RFC 3339 in UTC, from coreutils' `date` (xtask has no
/// calendar of its own).
fn utc(relative: &str) -> Result<String> {
    let out = Command::new("date")
        .args(["-u", "-d", relative, "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .map_err(|e| format!("cannot run date: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "date -d {relative:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A summary answered the same way first, then the measured wrk run.
fn measured(name: &'static str, addr: &str) -> Result<Run> {
    let response = http::get(addr, PATH)?;
    if response.status != 200 || !response.text().contains(INCIDENT) {
        return Err(format!(
            "{name} answers {PATH} with {} {}",
            response.status,
            response.text()
        ));
    }
    bench::measure(name, addr, PATH)
}

/// How many summaries the server at `addr` has answered, by its own `/metrics`.
fn summaries_answered(addr: &str) -> Result<u64> {
    let auth = format!("Bearer {METRICS_TOKEN}");
    let response = http::request(addr, "/metrics", &[("Authorization", &auth)])?;
    if response.status != 200 {
        return Err(format!("{addr}/metrics answered {}", response.status));
    }
    Ok(answered(&response.text(), PATH))
}

/// The sum of `tis_status_http_requests_total` for GETs of `route` answered 200, from
/// Prometheus text.
fn answered(metrics: &str, route: &str) -> u64 {
    let route = format!("route=\"{route}\"");
    metrics
        .lines()
        .filter(|l| l.starts_with("tis_status_http_requests_total{"))
        .filter(|l| {
            l.contains(&route) && l.contains("method=\"GET\"") && l.contains("status=\"200\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|n| n as u64)
        .sum()
}

/// One run of the store writer, as it reports it on its last line.
#[derive(Debug, PartialEq)]
struct Writes {
    store: String,
    batch: u64,
    seconds: f64,
    written: u64,
    p50_ms: f64,
    p99_ms: f64,
    counted: u64,
}

impl Writes {
    fn per_second(&self) -> f64 {
        self.written as f64 / self.seconds
    }
}

fn write_run(bin: &Path, flag: &str, place: &OsStr, batch: usize, seconds: u64) -> Result<Writes> {
    let mut command = Command::new(bin);
    command
        .arg(flag)
        .arg(place)
        .args([
            "--batch",
            &batch.to_string(),
            "--seconds",
            &seconds.to_string(),
        ])
        .env("RUST_LOG", "warn");
    // Its own time, then opening the store and counting: a minute is plenty.
    let limit = Duration::from_secs(seconds + 60);
    let out = step(&format!("writes {flag} in batches of {batch}"), || {
        harness::output_within(command, limit)
    })?;
    let line = out.lines().last().unwrap_or_default();
    println!("{line}");
    parse_writes(line)
}

/// `store=sqlite batch=16 seconds=10.001 written=123 batches=8 p50_ms=1.2 p99_ms=3.4
/// counted=123`
fn parse_writes(line: &str) -> Result<Writes> {
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| format!("no {name}= in the writer's line {line:?}"))
    };
    let number = |name: &str| -> Result<f64> {
        let text = field(name)?;
        text.parse()
            .map_err(|_| format!("{name}={text} is not a number in {line:?}"))
    };
    let whole = |name: &str| -> Result<u64> {
        let text = field(name)?;
        text.parse()
            .map_err(|_| format!("{name}={text} is not a whole number in {line:?}"))
    };
    Ok(Writes {
        store: field("store")?.to_string(),
        batch: whole("batch")?,
        seconds: number("seconds")?,
        written: whole("written")?,
        p50_ms: number("p50_ms")?,
        p99_ms: number("p99_ms")?,
        counted: whole("counted")?,
    })
}

/// The load average over 1, 5 and 15 minutes, as `/proc/loadavg` says.
fn load() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writers_line_is_read_field_by_field() {
        let line = "store=postgres batch=256 seconds=10.004 written=512000 batches=2000 \
                    p50_ms=4.250 p99_ms=12.500 counted=511999";
        assert_eq!(
            parse_writes(line).unwrap(),
            Writes {
                store: "postgres".into(),
                batch: 256,
                seconds: 10.004,
                written: 512_000,
                p50_ms: 4.25,
                p99_ms: 12.5,
                counted: 511_999,
            }
        );
        assert!((parse_writes(line).unwrap().per_second() - 51_179.5).abs() < 0.1);
        let error = parse_writes("store=sqlite batch=1 seconds=10").unwrap_err();
        assert!(error.contains("no written="), "{error}");
        let error = parse_writes(&line.replace("written=512000", "written=lots")).unwrap_err();
        assert!(
            error.contains("written=lots is not a whole number"),
            "{error}"
        );
    }

    #[test]
    fn only_the_summaries_answered_are_counted() {
        let metrics = "\
# HELP tis_status_http_requests HTTP requests answered, by method, route and status.
# TYPE tis_status_http_requests counter
tis_status_http_requests_total{method=\"GET\",route=\"/api/v2/summary.json\",status=\"200\"} 1200
tis_status_http_requests_total{method=\"GET\",route=\"/api/v2/summary.json\",status=\"304\"} 7
tis_status_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"} 3
tis_status_http_requests_total{method=\"HEAD\",route=\"/api/v2/summary.json\",status=\"200\"} 5
";
        assert_eq!(answered(metrics, PATH), 1200);
        assert_eq!(answered("", PATH), 0);
    }

    #[test]
    fn the_write_time_is_a_whole_number_of_seconds() {
        assert_eq!(seconds(&[]).unwrap(), DEFAULT_SECONDS);
        assert_eq!(seconds(&["--seconds".into(), "3".into()]).unwrap(), 3);
        assert!(seconds(&["--seconds".into(), "0".into()]).is_err());
        assert!(seconds(&["--batch".into(), "3".into()]).is_err());
    }

    #[test]
    fn the_postgres_config_names_the_database_and_both_probe_every_service() {
        let sqlite = config_text("http://127.0.0.1:9", None);
        let pg = config_text(
            "http://127.0.0.1:9",
            Some("postgres://postgres@127.0.0.1:5/x"),
        );
        assert!(!sqlite.contains("[store]"));
        assert!(pg.contains("[store]\nurl = \"postgres://postgres@127.0.0.1:5/x\""));
        for text in [sqlite, pg] {
            assert_eq!(text.matches("[[service.probe]]").count(), SERVICES.len());
            assert!(text.contains("url = \"http://127.0.0.1:9/esr-integration/actuator/health\""));
        }
    }
}
