//! `cargo xtask run | test | bench | build`: one command to set up this machine, build
//! the browser app and the server, and run either the product or every test.
//!
//! Std only, so that it compiles in seconds on a fresh machine before anything else.

mod bench;
mod bench_alerts;
mod bench_page;
mod bench_probes;
mod bench_stores;
mod bench_subscribers;
mod bench_surge;
mod bootstrap;
mod fuzz;
mod harness;
mod http;
// The one way to start a throw-away PostgreSQL, shared with the server's own tests.
#[path = "../../crates/server/tests/support/postgres.rs"]
#[allow(dead_code)]
mod postgres;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use bootstrap::Needs;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [-- ARGS]   install what is missing, build the app and the server, then start
                  `tis-status serve` with the built-in demo (ARGS are passed to serve,
                  e.g. -- --listen 127.0.0.1:9000 --data /tmp/x --config my.toml)
  test            install what is missing, then run every test: unit, integration and
                  browser tests in headless Chromium
  test postgres   only the second run of the API integration tests: on a throw-away
                  PostgreSQL 15 (Debian's package, installed when missing)
  build           install what is missing and build the app and the server
  fuzz            only the API fuzzing step of `test`: schemathesis against a real
                  server, every operation of /api/v1/openapi.json
  bench           the summary endpoint against nginx serving the same bytes (wrk,
                  127.0.0.1 only), and the app's wasm and JS sizes as served; then
                  the probes, page, alerts and stores benchmarks below
  bench probes [--seconds N]
                  500 probes every 30 s against local targets: the server's CPU and
                  memory (/usr/bin/time -v) and how late checks start (default 180 s)
  bench page [--server BIN --assets DIR]
                  the overview's first view in Chromium on a throttled network (150 ms,
                  1.6 Mbit/s), cold cache: bytes over the wire, time to the first
                  service status and until the app has taken over (interactive); and
                  the Wasm and JS sizes
  bench surge [--readers N] [--seconds S] [--server BIN --assets DIR]
                  2,000 readers (N) opening the active incident's page within 60 s
                  (S), each making the requests the page makes: p99 latency, errors,
                  and whether the probes kept their schedule
  bench alerts    seconds from the token endpoint breaking to the Teams message
                  arriving, and how fast a backlog of 1,000 alerts drains
  bench stores [--seconds N]
                  SQLite beside PostgreSQL 15 (a throw-away cluster, durable
                  commits): summary requests per second (wrk) from one server on
                  SQLite, one replica on PostgreSQL, nginx in front of it, and nginx
                  balancing two replicas on one database; then probe results per
                  second each store sustains, in batches of 1, 16 and 256 as the
                  server's writer makes them, N seconds each (default 10), with each
                  batch's latency and a count of what was kept
  bench subscribers [--subscribers N] [--send-rate RATE] [--server BIN]
                  an incident update to 10,000 confirmed email subscribers (N) through
                  a real SMTP server (aiosmtpd): how long the request took, the
                  fan-out, until every email arrived, and the rate achieved against
                  [subscriptions] send_rate (RATE, default 200/s; `none` leaves it out)
  bootstrap       only install what is missing
";

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next().and_then(|a| a.into_string().ok());
    let rest: Vec<OsString> = args.collect();
    let result = match command.as_deref() {
        Some("run") => run(&rest),
        Some("test") => match rest.first().and_then(|a| a.to_str()) {
            Some("postgres") => bootstrap::postgresql().and_then(|()| {
                let mut tally = Tally::default();
                step("the API integration tests on PostgreSQL", || {
                    api_on_postgres(&root(), &mut tally)
                })?;
                println!("tests: {} passed, {} failed", tally.passed, tally.failed);
                Ok(())
            }),
            _ => test(),
        },
        Some("build") => bootstrap::ensure(&root(), Needs::Build)
            .and_then(|()| build_all(Profile::Release))
            .map(|_| ()),
        Some("bench") => match rest.first().and_then(|a| a.to_str()) {
            Some("probes") => bench_probes::bench(&rest[1..]),
            Some("page") => bench_page::bench_page(&rest[1..]),
            Some("surge") => bench_surge::bench(&rest[1..]),
            Some("alerts") => bench_alerts::bench(),
            Some("subscribers") => bench_subscribers::bench(&rest[1..]),
            Some("stores") => bench_stores::bench(&rest[1..]),
            _ => bench::bench()
                .and_then(|()| bench_probes::bench(&[]))
                .and_then(|()| bench_page::bench_page(&[]))
                .and_then(|()| bench_alerts::bench())
                .and_then(|()| bench_stores::bench(&[])),
        },
        Some("fuzz") => bootstrap::ensure(&root(), Needs::Everything)
            .and_then(|()| build_all(Profile::Debug))
            .and_then(|built| {
                step(
                    "the API against its OpenAPI document (schemathesis)",
                    || fuzz::fuzz(&root(), &built.server, &built.assets),
                )
            }),
        Some("bootstrap") => bootstrap::ensure(&root(), Needs::Everything),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root, wherever `cargo xtask` was started from.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

#[derive(Clone, Copy, PartialEq)]
enum Profile {
    Debug,
    Release,
}

struct Built {
    server: PathBuf,
    assets: PathBuf,
}

fn run(args: &[OsString]) -> Result {
    let root = root();
    bootstrap::ensure(&root, Needs::Build)?;
    let built = build_all(Profile::Release)?;
    let args: Vec<OsString> = args
        .iter()
        .skip_while(|a| a.as_os_str() == "--")
        .cloned()
        .collect();
    let mut serve = Command::new(&built.server);
    serve.arg("serve");
    if !has_flag(&args, "--assets") {
        serve.arg("--assets").arg(&built.assets);
    }
    if !has_flag(&args, "--data") && !has_flag(&args, "--config") {
        serve.arg("--data").arg(root.join("data"));
    }
    serve.args(&args);
    println!("xtask: starting {}", describe(&serve));
    exec(serve)
}

fn has_flag(args: &[OsString], flag: &str) -> bool {
    args.iter().any(|a| {
        a.to_str()
            .is_some_and(|a| a == flag || a.starts_with(&format!("{flag}=")))
    })
}

/// Replaces this process with the server, so Ctrl+C and exit codes reach it directly.
fn exec(mut command: Command) -> Result {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(format!("could not start {}: {error}", describe(&command)))
}

fn test() -> Result {
    let root = root();
    let started = Instant::now();
    bootstrap::ensure(&root, Needs::Everything)?;
    let bootstrap_done = started.elapsed();

    let mut tally = Tally::default();
    step("unit and integration tests", || {
        let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cmd.current_dir(&root)
            .args(["test", "--workspace", "--all-targets", "--locked"])
            // Four at once on any machine: most integration tests spend their time waiting
            // for a server process or a probe interval, not computing, and the default
            // (one per core) leaves a 2-core machine idle for minutes.
            .args(["--", "--test-threads=4"]);
        tally.run(cmd)
    })?;
    step("the API integration tests again, on PostgreSQL", || {
        api_on_postgres(&root, &mut tally)
    })?;
    let built = build_all(Profile::Debug)?;

    step(
        "the API against its OpenAPI document (schemathesis)",
        || fuzz::fuzz(&root, &built.server, &built.assets),
    )?;

    step("browser tests in headless Chromium", || {
        let mut node = Command::new("node");
        node.current_dir(&root)
            .arg("--test")
            .arg("--test-reporter=spec")
            // Two files at once, whatever the core count: node's default (cores - 1) runs
            // them one by one on a 2-core machine, and each spends most of its time waiting
            // on a server and a browser rather than computing.
            .arg("--test-concurrency=2")
            .arg("tests/browser/")
            .env("TIS_STATUS_BIN", &built.server)
            .env("TIS_STATUS_ASSETS", &built.assets)
            .env("CHROMIUM", bootstrap::CHROMIUM);
        tally.run(node)
    })?;
    println!(
        "xtask: all tests passed in {:.0?} (bootstrap {:.1?})",
        started.elapsed(),
        bootstrap_done
    );
    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    Ok(())
}

/// The API integration suite on a PostgreSQL server of its own, started for the run
/// (each test makes its own database in it) and stopped after.
fn api_on_postgres(root: &Path, tally: &mut Tally) -> Result {
    let mut pg = postgres::TestPostgres::start()?;
    println!("xtask: PostgreSQL 15 started for the tests at {}", pg.url());
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root)
        .args([
            "test",
            "-p",
            "tis-status-server",
            "--test",
            "api",
            "--locked",
        ])
        .env(postgres::URL_ENV, pg.url())
        .args(["--", "--test-threads=4"]);
    let ran = tally.run(cmd);
    pg.stop()?;
    println!("xtask: the test PostgreSQL is stopped and its files deleted");
    ran
}

/// Test counts read from the runners' own summary lines, for one closing line.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Runs `command`, echoing its output as it comes, and adds up its summaries:
    /// cargo's "test result: ok. N passed; M failed" and node's "ℹ pass N" / "ℹ fail N".
    fn run(&mut self, mut command: Command) -> Result {
        use std::io::{BufRead, BufReader};
        let shown = describe(&command);
        let mut child = command
            .stdout(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {shown}: {e}"))?;
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out)
                .lines()
                .map_while(std::result::Result::ok)
            {
                println!("{line}");
                self.read(&line);
            }
        }
        let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            println!(
                "tests: {} passed, {} failed",
                self.passed,
                self.failed.max(1)
            );
            Err(format!("{shown} exited with {status}"))
        }
    }

    fn read(&mut self, line: &str) {
        let number_before = |word: &str| {
            line.split([';', ',']).find_map(|part| {
                part.trim()
                    .strip_suffix(word)?
                    .trim()
                    .rsplit(' ')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })
        };
        if line.starts_with("test result:") {
            self.passed += number_before(" passed").unwrap_or(0);
            self.failed += number_before(" failed").unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("ℹ pass ") {
            self.passed += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("ℹ fail ") {
            self.failed += n.trim().parse::<u64>().unwrap_or(0);
        }
    }
}

/// Builds the app with Trunk (always size-optimised) and the server in `profile`.
/// The caller has run the bootstrap.
fn build_all(profile: Profile) -> Result<Built> {
    let root = root();
    let assets = root.join("dist");
    // Two bundles: the public pages, and the staff pages under /manage (their own Wasm,
    // so readers never download the forms). The public build empties dist/ first.
    for (page, dist, public_url) in [
        ("index.html", assets.clone(), "/"),
        ("staff.html", assets.join("manage"), "/manage/"),
    ] {
        step(
            &format!("browser app: {page} (trunk build --release)"),
            || {
                let mut trunk = Command::new(bootstrap::cargo_bin("trunk"));
                trunk
                    .current_dir(&root)
                    .args([
                        "build",
                        page,
                        "--release",
                        "--public-url",
                        public_url,
                        "--dist",
                    ])
                    .arg(&dist)
                    .env("PATH", bootstrap::path_with_node_bin(&root))
                    .env("TRUNK_OFFLINE", "true")
                    // The app gets the size-tuned profile; the server keeps the fast one.
                    .args(["--cargo-profile", "wasm-release"]);
                status(trunk)
            },
        )?;
    }
    let server = step("server (tis-status)", || {
        let mut args = vec!["build", "--package", "tis-status-server", "--locked"];
        if profile == Profile::Release {
            args.push("--release");
        }
        cargo(&root, &args)?;
        let dir = if profile == Profile::Release {
            "release"
        } else {
            "debug"
        };
        Ok(target_dir(&root).join(dir).join("tis-status"))
    })?;
    Ok(Built { server, assets })
}

fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn step<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    println!("xtask: ── {name}");
    let started = Instant::now();
    let out = f().map_err(|e| format!("{name} failed: {e}"))?;
    println!("xtask: ── {name}: done in {:.1?}", started.elapsed());
    Ok(out)
}

fn cargo(root: &Path, args: &[&str]) -> Result {
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root).args(args);
    status(cmd)
}

fn status(mut command: Command) -> Result {
    let shown = describe(&command);
    let status = command
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} exited with {status}"))
    }
}

fn describe(command: &Command) -> String {
    let mut s = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        s.push(' ');
        s.push_str(&arg.to_string_lossy());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn the_tally_adds_up_cargo_and_node_summaries() {
        let mut tally = Tally::default();
        for line in [
            "test result: ok. 128 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            "test result: FAILED. 4 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
            "ℹ tests 3",
            "ℹ pass 3",
            "ℹ fail 1",
            "some other line with 5 passed in it",
        ] {
            tally.read(line);
        }
        assert_eq!((tally.passed, tally.failed), (135, 3));
    }
}
