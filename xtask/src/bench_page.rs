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

use std::env;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::bootstrap::{self, Needs};
use crate::{Profile, Result, build_all, describe, root, status, step};

/// Cold-cache runs; the median time is the figure.
const RUNS: &str = "5";
/// How long the demo's probes may take to give every service a status.
const READY_WITHIN: Duration = Duration::from_secs(90);

pub fn bench_page(args: &[std::ffi::OsString]) -> Result {
    let (mut server_bin, mut assets) = (None, None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .map(PathBuf::from)
            .ok_or_else(|| format!("{} needs a value", flag.to_string_lossy()))?;
        match flag.to_str() {
            Some("--server") => server_bin = Some(value),
            Some("--assets") => assets = Some(value),
            _ => {
                return Err(format!(
                    "bench page takes --server BIN and --assets DIR; not {}",
                    flag.to_string_lossy()
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
    let (server_bin, assets) = match (server_bin, assets) {
        (Some(s), Some(a)) => (s, a),
        (None, None) => {
            let built = build_all(Profile::Release)?;
            (built.server, built.assets)
        }
        _ => return Err("give --server and --assets together, or neither".into()),
    };
    wasm_sizes(&assets)?;

    let scratch = Scratch::new()?;
    let server = Server::start(&server_bin, &scratch.0, &assets)?;
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
            "  {name:<48} {:>7.1} KB raw {:>7.1} KB gzip {:>7.1} KB brotli",
            kb(raw),
            kb(gzip),
            kb(brotli)
        );
    }
    Ok(())
}

fn kb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0
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

/// A fresh data directory, removed at the end.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new() -> Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = env::temp_dir().join(format!("tis-status-bench-page-{nanos}"));
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `tis-status serve` with the demo, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(bin: &Path, data: &Path, assets: &Path) -> Result<Server> {
        let mut serve = Command::new(bin);
        serve
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--assets")
            .arg(assets)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        println!("xtask: starting {}", describe(&serve));
        let mut child = serve
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", describe(&serve)))?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let addr = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(|a| a.trim_end_matches('/').to_string());
        match addr {
            Some(addr) => Ok(Server { child, addr }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("tis-status did not say where it listens: {line:?}"))
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until the summary gives every service a status other than "unknown", so that
/// what is timed is the page, not the demo starting up.
pub(crate) fn ready(addr: &str) -> Result {
    let started = Instant::now();
    loop {
        if let Ok(body) = get(addr, "/api/v1/summary")
            && body.contains("\"services\"")
            && !body.contains("\"status\":\"unknown\"")
        {
            return Ok(());
        }
        if started.elapsed() > READY_WITHIN {
            return Err(format!(
                "the demo services had no status after {READY_WITHIN:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A plain HTTP/1.0 GET, enough for one JSON answer from our own server.
fn get(addr: &str, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default())
}
