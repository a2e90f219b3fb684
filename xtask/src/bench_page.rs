//! `cargo xtask bench page`: the overview's first view in Chromium on a throttled network
//! (150 ms latency, 1.6 Mbit/s down), cold cache: the bytes that cross the wire,
//! compressed as served, and the time until the first service status is on screen; and
//! the Wasm of both builds of the app (the overview alone, and the whole app).
//!
//! `--server BIN --assets DIR` measure another build the same way (how the `view!`
//! overview was compared with the Node builders; see the README).
//!
//! The server and the app are the release builds, the server runs the built-in demo on
//! 127.0.0.1 only, and it is stopped at the end, also when something fails half-way.
//! The measuring itself is tests/browser/bench-page.mjs (Playwright and the DevTools
//! protocol), since driving Chromium from here would need a WebSocket client.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::bootstrap::{self, Needs};
use crate::harness::{Scratch, Serve, flag_values, kb, poll, server_and_assets};
use crate::{Result, http, root, status, step};

/// Cold-cache runs; the median time is the figure.
const RUNS: &str = "5";
/// How long the demo's probes may take to give every service a status.
const READY_WITHIN: Duration = Duration::from_secs(90);

pub fn bench_page(args: &[std::ffi::OsString]) -> Result {
    let (mut server_bin, mut assets) = (None, None);
    for (flag, value) in flag_values(args)? {
        match flag.as_str() {
            "--server" => server_bin = Some(PathBuf::from(value)),
            "--assets" => assets = Some(PathBuf::from(value)),
            _ => {
                return Err(format!(
                    "bench page takes --server BIN and --assets DIR; not {flag}"
                ));
            }
        }
    }
    let root = root();
    bootstrap::ensure(&root, Needs::Everything)?;
    for tool in ["gzip", "brotli"] {
        if !Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            return Err(format!(
                "{tool} is missing: apt-get install -y {tool}, then run this again"
            ));
        }
    }
    let (server_bin, assets) = server_and_assets(server_bin, assets)?;
    wasm_sizes(&assets)?;

    let scratch = Scratch::new("bench-page")?;
    let server = Serve::new(&server_bin, scratch.path())
        .arg("--assets")
        .arg(&assets)
        .start()?;
    step(
        "waiting for the demo's probes to give every service a status",
        || ready(&server.addr),
    )?;
    step("first view in Chromium, throttled, cold cache", || {
        let mut node = Command::new("node");
        node.current_dir(&root)
            .arg("tests/browser/bench-page.mjs")
            .arg(format!("http://{}/", server.addr))
            .arg(RUNS)
            .env("CHROMIUM", bootstrap::CHROMIUM);
        status(node)
    })
}

/// Raw, gzip -9 and brotli -q 11 sizes of each Wasm and JS file the build produced.
fn wasm_sizes(dist: &Path) -> Result {
    let mut names: Vec<PathBuf> = fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm" || x == "js"))
        .collect();
    names.sort();
    println!("xtask: Wasm and JS of the app (the first view loads only tis-status-first-view):");
    for path in names {
        let raw = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let gzip = compressed("gzip", &["-9c"], &path)?;
        let brotli = compressed("brotli", &["-c", "-q", "11"], &path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "  {name:<48} {:>10} raw {:>10} gzip {:>10} brotli",
            kb(raw),
            kb(gzip),
            kb(brotli)
        );
    }
    Ok(())
}

fn compressed(tool: &str, args: &[&str], path: &Path) -> Result<u64> {
    let out = Command::new(tool)
        .args(args)
        .arg(path)
        .output()
        .map_err(|e| format!("could not run {tool}: {e}"))?;
    if !out.status.success() {
        return Err(format!("{tool} {} failed", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

/// Waits until the summary gives every service a status other than "unknown", so that
/// what is timed is the page, not the demo starting up.
pub(crate) fn ready(addr: &str) -> Result {
    let ready = poll(READY_WITHIN, Duration::from_millis(500), || {
        Ok(http::get(addr, "/api/v1/summary").is_ok_and(|r| {
            let body = r.text();
            body.contains("\"services\"") && !body.contains("\"status\":\"unknown\"")
        }))
    })?;
    if ready {
        Ok(())
    } else {
        Err(format!(
            "the demo services had no status after {READY_WITHIN:?}"
        ))
    }
}
