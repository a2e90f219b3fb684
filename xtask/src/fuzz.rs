//! The API says what it does: schemathesis fuzzes every operation of a real
//! `tis-status serve` from its own `/api/v1/openapi.json`, with inputs the document
//! allows and inputs it forbids, and any finding (a 5xx, an undocumented status or
//! content type, a forbidden input accepted, an allowed input refused, an answer that
//! does not match its schema) fails the run.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{Scratch, Serve};
use crate::{Result, describe};

/// Test cases per operation and phase. With two workers the whole run stays within
/// about two minutes on two busy cores, and every operation is still reached with both
/// kinds of input (the coverage phase adds its boundary cases on top).
const MAX_EXAMPLES: &str = "40";
/// A fixed seed, so a finding shows up again on the next run and can be replayed.
const SEED: &str = "20261201";
const WORKERS: &str = "2";

/// What the fuzzer may not call. Revoking API tokens would revoke the fuzzer's own token
/// as soon as it guessed its id (1, the first one tried), and every request after that
/// would be refused with 401, so nothing more would be tested. Disabling accounts stays
/// in: the fuzzer signs in with a token, which no account change can end.
const EXCLUDED_OPERATIONS: &[&str] = &["revoke_token"];

/// Runs the fuzzer against `server` serving `assets`, with the built-in demo estate
/// (real probes against real local services, example incidents and notices).
pub fn fuzz(root: &Path, server: &Path, assets: &Path) -> Result {
    let place = Scratch::new("fuzz")?;
    let data = place.join("data");
    let token = make_token(server, &data)?;
    let log_path = place.join("server.log");
    // Only its standard error: the address it prints on standard output is read by the
    // harness, which waits until the server answers.
    let mut running = Serve::new(server, &data)
        .arg("--assets")
        .arg(assets)
        .log_to(&log_path)
        .start()?;
    let base = format!("http://{}", running.addr);
    // Made once the server runs: starting the demo makes its own job's token anew.
    let heartbeat = heartbeat_token(server, &data)?;

    let config = root.join("tests").join("api").join("schemathesis.toml");
    let mut st = Command::new("python3");
    // Through the interpreter pip installed it for, not whatever `schemathesis` is on PATH.
    st.args([
        "-c",
        "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())",
    ])
    .arg("--config-file")
    .arg(&config)
    .arg("run")
    .arg(format!("{base}/api/v1/openapi.json"))
    .args(["--checks", "all"])
    .args(["--max-examples", MAX_EXAMPLES])
    .args(["--seed", SEED])
    .args(["--workers", WORKERS])
    // The server answers already (the harness waited for /healthz).
    .args(["--wait-for-schema", "10"])
    .args(["--request-timeout", "10"]);
    for operation in EXCLUDED_OPERATIONS {
        st.args(["--exclude-operation-id", operation]);
    }
    // Its report files and example database stay out of the checkout.
    st.current_dir(place.path())
        .env("TIS_FUZZ_TOKEN", &token)
        .env("TIS_FUZZ_HEARTBEAT_TOKEN", &heartbeat)
        .env("NO_COLOR", "1")
        // Its report reaches a CI log in order with xtask's own lines.
        .env("PYTHONUNBUFFERED", "1");
    println!("xtask: running {}", describe(&st));
    let status = st
        .status()
        .map_err(|e| format!("could not start schemathesis: {e}"))?;
    let crashed = running.exited();
    drop(running);
    if let Some(exit) = crashed {
        return Err(format!(
            "the server stopped during the run ({exit}); its log:\n{}",
            tail(&log_path)
        ));
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "schemathesis found the problems listed above ({status}); the server's log \
             ends:\n{}",
            tail(&log_path)
        ))
    }
}

/// An admin token, made with the CLI before the server starts: admin may do everything
/// the API offers, probe results included.
fn make_token(server: &Path, data: &Path) -> Result<String> {
    let mut create = Command::new(server);
    create
        .args(["token", "create", "--name", "api-fuzz", "--role", "admin"])
        .arg("--data")
        .arg(data)
        .stderr(Stdio::inherit());
    let out = create
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(&create)))?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && token.starts_with("tis_") {
        Ok(token)
    } else {
        Err(format!(
            "{} did not print a token ({})",
            describe(&create),
            out.status
        ))
    }
}

/// A token of the demo's heartbeat (`esr-integration/3`), so that job reports are tried
/// past the token check; the demo's own job is then refused, which only its log notes.
fn heartbeat_token(server: &Path, data: &Path) -> Result<String> {
    let mut make = Command::new(server);
    make.args(["heartbeat", "token", "esr-integration/3"])
        .arg("--data")
        .arg(data)
        .stderr(Stdio::null());
    let out = make
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(&make)))?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && token.starts_with("tis_") {
        Ok(token)
    } else {
        Err(format!(
            "{} did not print a token ({})",
            describe(&make),
            out.status
        ))
    }
}

/// The last lines of the server's log, to say why it failed.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}
