//! `cargo xtask bench subscribers`: an incident update to 10,000 confirmed email
//! subscribers, from the editor's request to the last email taken by a real SMTP server
//! (aiosmtpd, as the tests use) on 127.0.0.1, and then, while those are being sent, a
//! planned-maintenance notice to the same 10,000. Figures, no thresholds:
//!
//! - how long each publishing request (`POST /api/v1/incidents/{id}/updates`, then
//!   `POST /api/v1/notices`) took to answer, with the fan-out to every subscriber in its
//!   transaction;
//! - how long each fan-out statement itself took (the server's own log line);
//! - how long until all 10,000 emails of the update, and then all 20,000, were
//!   received, and the rate achieved against the configured `[subscriptions] send_rate`.
//!
//! The subscribers are written into the stopped server's store with Python's sqlite3 in
//! the shape the server keeps them (confirmed, half for all of TIS, half for the one
//! service), because the public way in (form, confirmation email, link) is rate-limited
//! per client by design; the publishing write and every email go the way users' do.
//!
//! `--subscribers N`, `--send-rate RATE` (`none` leaves it out of the config, for a build
//! from before it existed) and `--server BIN` measure other cases.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::harness::{self, Running, Scratch, Serve, flag_values, free_port, wait_for};
use crate::{Result, http, root};

const SUBSCRIBERS: usize = 10_000;
/// Fast enough that the run takes about a minute, slow enough that the rate is what is
/// measured rather than the SMTP server.
const SEND_RATE: &str = "200/s";

pub fn bench(args: &[std::ffi::OsString]) -> Result {
    let (mut server_bin, mut count, mut rate) = (None, SUBSCRIBERS, Some(SEND_RATE.to_string()));
    for (flag, value) in flag_values(args)? {
        match flag.as_str() {
            "--server" => server_bin = Some(PathBuf::from(value)),
            "--subscribers" => {
                count = value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("--subscribers takes a whole number above 0, not {value}")
                })?
            }
            "--send-rate" => rate = (value != "none").then_some(value),
            _ => {
                return Err(format!(
                    "bench subscribers takes --subscribers N, --send-rate RATE and --server BIN; not {flag}"
                ));
            }
        }
    }
    let server_bin = match server_bin {
        Some(bin) => bin,
        None => harness::release_server(&root())?,
    };
    let scratch = Scratch::new("bench-subscribers")?;
    let received = scratch.join("received.txt");
    let smtp = Smtp::start(&received)?;
    let config = scratch.join("bench.toml");
    fs::write(&config, config_text(smtp.port, rate.as_deref()))
        .map_err(|e| format!("cannot write {}: {e}", config.display()))?;

    // The store is made by the server itself, then filled while it is stopped.
    let data = scratch.join("data");
    let first = start(&server_bin, &config, &data, &scratch.join("1.log"))?;
    drop(first);
    let (started_at, next_week) = seed(&data, count)?;
    let token = harness::editor_token(&server_bin, &["--data".as_ref(), data.as_os_str()])?;
    let log = scratch.join("2.log");
    let server = start(&server_bin, &config, &data, &log)?;
    let auth = format!("Bearer {token}");
    let headers = [("Authorization", auth.as_str())];

    let opened = http::send(
        &server.addr,
        "POST",
        "/api/v1/incidents",
        &headers,
        Some(&format!(
            r#"{{"title":"Bulk upload is failing","status":"investigating","impact":"major","affected":[{{"service":"bulk-upload","status":"major_outage"}}],"started_at":"{started_at}"}}"#
        )),
    )?;
    if opened.status != 201 {
        return Err(format!(
            "opening the incident: {} {}",
            opened.status,
            opened.text()
        ));
    }
    let id = number_after(&opened.text(), "\"id\":")
        .ok_or_else(|| format!("no id in {}", opened.text()))?;

    println!("xtask: publishing an incident update to {count} subscribers");
    let published_at = unix_now();
    let clock = Instant::now();
    let posted = http::send(
        &server.addr,
        "POST",
        &format!("/api/v1/incidents/{id}/updates"),
        &headers,
        Some(
            r#"{"status":"investigating","body":"Uploads fail with \"Unknown Server Error\". We are looking into it."}"#,
        ),
    )?;
    let request_secs = clock.elapsed().as_secs_f64();
    if posted.status != 201 {
        return Err(format!(
            "posting the update: {} {}",
            posted.status,
            posted.text()
        ));
    }
    // The configured rate bounds how long this may fairly take; the rest is slack for a
    // busy machine.
    let per_sec = rate.as_deref().and_then(per_second).unwrap_or(1000.0);
    wait_for(
        "the first email to arrive",
        Duration::from_secs(120),
        || Ok(!arrivals(&received).is_empty()),
    )?;

    // A second write while the first 10,000 are being sent: it waits for no email.
    println!("xtask: publishing a planned-maintenance notice while they are being sent");
    let clock = Instant::now();
    let noticed = http::send(
        &server.addr,
        "POST",
        "/api/v1/notices",
        &headers,
        Some(&format!(
            r#"{{"title":"Bulk upload will be unavailable","body":"We are moving bulk upload to a new server.","kind":"planned_maintenance","severity":"medium","services":["bulk-upload"],"starts_at":"{next_week}","audience":"admins","published":true}}"#
        )),
    )?;
    let notice_secs = clock.elapsed().as_secs_f64();
    if noticed.status != 201 {
        return Err(format!(
            "publishing the notice: {} {}",
            noticed.status,
            noticed.text()
        ));
    }

    let all = count * 2;
    let within = Duration::from_secs_f64(all as f64 / per_sec * 3.0 + 120.0);
    let mut last_report = Instant::now();
    wait_for("every email to arrive", within, || {
        let got = arrivals(&received).len();
        if last_report.elapsed() > Duration::from_secs(10) {
            println!("xtask: {got} of {all} emails received");
            last_report = Instant::now();
        }
        Ok(got >= all)
    })?;
    let times = arrivals(&received);
    drop(server);
    drop(smtp);

    let queue_ms = fs::read_to_string(&log)
        .map(|text| fan_out_ms(&text))
        .unwrap_or_default();
    let (first_at, last_at) = (times[0], times[times.len() - 1]);
    let span = last_at - first_at;
    println!();
    println!(
        "incident update to {count} confirmed subscribers, send_rate = {}",
        rate.as_deref().unwrap_or("(not set)")
    );
    println!(
        "update: request answered in                 {:>9.3} s",
        request_secs
    );
    match queue_ms.first() {
        Some(ms) => println!(
            "update: queueing ({count} outbox rows, one statement) {:>6.3} s",
            ms / 1000.0
        ),
        None => println!("queueing: the server did not log it (a build from before the log line)"),
    }
    println!(
        "update: first email received after          {:>9.3} s",
        first_at - published_at
    );
    println!(
        "update: all {count} emails received after    {:>9.3} s",
        times[count - 1] - published_at
    );
    println!(
        "notice, published while sending: answered in {:>8.3} s",
        notice_secs
    );
    if let Some(ms) = queue_ms.get(1) {
        println!(
            "notice: queueing ({count} outbox rows, one statement) {:>6.3} s",
            ms / 1000.0
        );
    }
    println!(
        "update and notice: all {all} emails received after {:>9.3} s",
        last_at - published_at
    );
    let achieved = (times.len() - 1) as f64 / span.max(0.001);
    match rate.as_deref().and_then(per_second) {
        Some(configured) => println!(
            "rate achieved {achieved:.1} emails/s against {configured:.1}/s configured ({:.0}%)",
            achieved / configured * 100.0
        ),
        None => println!("rate achieved {achieved:.1} emails/s (no rate configured)"),
    }
    Ok(())
}

fn config_text(smtp_port: u16, rate: Option<&str>) -> String {
    let rate = rate
        .map(|r| format!("send_rate = \"{r}\"\n"))
        .unwrap_or_default();
    format!(
        r#"# Written by cargo xtask bench subscribers.
[server]
public_url = "https://status.example.nhs.uk"
retention_days = 2

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
{rate}
[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets to create or update people, placements and assessments."

[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = {smtp_port}
interval = "30s"
timeout = "2s"
"#
    )
}

/// Messages per second in a `send_rate` as the config takes it ("200/s", "600/min").
fn per_second(rate: &str) -> Option<f64> {
    let (n, per) = rate.split_once('/')?;
    let n: f64 = n.trim().parse().ok()?;
    let secs = match per.trim() {
        "s" | "sec" | "second" => 1.0,
        "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        _ => return None,
    };
    Some(n / secs)
}

fn start(bin: &Path, config: &Path, data: &Path, log: &Path) -> Result<harness::Server> {
    Serve::new(bin, data)
        .arg("--config")
        .arg(config)
        // The fan-out's own timing is an info line of the subscriptions store.
        .env(
            "RUST_LOG",
            "warn,tis_status::store::sqlite::subscriptions=info",
        )
        // Plain text: tracing colours field names even in a file, which hides "ms=".
        .env("NO_COLOR", "1")
        .log_to(log)
        .start()
}

/// Writes `count` confirmed subscribers into the stopped server's store, and returns five
/// minutes ago and a week from now as RFC 3339 (xtask has no calendar of its own).
fn seed(data: &Path, count: usize) -> Result<(String, String)> {
    let script = r#"
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA foreign_keys = ON")
now = datetime.datetime.now(datetime.timezone.utc)
stamp = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
for n in range(int(sys.argv[2])):
    everything = n % 2 == 0
    cur = db.execute(
        "INSERT INTO subscribers (kind, address, all_services, incidents, maintenance, created_at, confirmed_at, confirmations_sent, confirmations_since) VALUES ('email', ?, ?, 1, 1, ?, ?, 1, ?)",
        ("reader%05d@example.nhs.uk" % n, 1 if everything else 0, stamp, stamp, stamp))
    if not everything:
        db.execute("INSERT INTO subscriber_services (subscriber, service) VALUES (?, 'bulk-upload')", (cur.lastrowid,))
db.commit()
for at in (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=7)):
    print(at.strftime("%Y-%m-%dT%H:%M:%SZ"))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(data.join("tis-status.db"))
        .arg(count.to_string())
        .output()
        .map_err(|e| format!("cannot run python3 to write the subscribers: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "writing the subscribers failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().map(|l| l.trim().to_string());
    match (lines.next(), lines.next()) {
        (Some(ago), Some(ahead)) => Ok((ago, ahead)),
        _ => Err(format!("writing the subscribers said no times: {text}")),
    }
}

/// aiosmtpd on 127.0.0.1, writing the time (Unix seconds) each message was taken, one a
/// line; it keeps nothing else.
struct Smtp {
    port: u16,
    _process: Running,
}

impl Smtp {
    fn start(received: &Path) -> Result<Smtp> {
        let script = r#"
import sys, threading, time
from aiosmtpd.controller import Controller
out = open(sys.argv[2], "w")
class Count:
    async def handle_DATA(self, server, session, envelope):
        out.write("%.6f\n" % time.time())
        out.flush()
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
threading.Event().wait()
"#;
        let port = free_port()?;
        let mut child = Command::new("python3")
            .args(["-c", script])
            .arg(port.to_string())
            .arg(received)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start aiosmtpd (python3): {e}"))?;
        let stdout = child.stdout.take();
        let process = Running::new(child, "aiosmtpd");
        let mut line = String::new();
        if let Some(stdout) = stdout {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        if line.trim() != "ready" {
            return Err("aiosmtpd did not start: pip install aiosmtpd".into());
        }
        Ok(Smtp {
            port,
            _process: process,
        })
    }
}

/// The arrival times written so far, in order.
fn arrivals(file: &Path) -> Vec<f64> {
    fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

pub(crate) fn number_after(text: &str, key: &str) -> Option<u64> {
    let rest = &text[text.find(key)? + key.len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Each fan-out's milliseconds, in order, from the server's log lines "news queued …
/// ms=N".
fn fan_out_ms(log: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains("news queued"))
        .filter_map(|line| {
            let at = line.find("ms=")? + 3;
            line[at..]
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_the_config_takes_them() {
        assert_eq!(per_second("200/s"), Some(200.0));
        assert_eq!(per_second("600/min"), Some(10.0));
        assert_eq!(per_second("fast"), None);
    }

    #[test]
    fn the_fan_out_time_is_read_from_the_log() {
        let log = "2026-12-02T00:10:00Z  INFO tis_status::store::sqlite::subscriptions: subscriptions: news queued subscribers=10000 ms=41.5\n\
                   2026-12-02T00:10:09Z  INFO tis_status::store::sqlite::subscriptions: subscriptions: news queued subscribers=10000 ms=38\n";
        assert_eq!(fan_out_ms(log), vec![41.5, 38.0]);
    }
}
