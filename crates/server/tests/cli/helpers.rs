//! Starting the real binary and real local targets for the tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::get;
use serde_json::{Value, json};

pub fn tis_status(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(args)
        .output()
        .expect("the tis-status binary runs")
}

pub trait OutputText {
    fn stderr_text(&self) -> String;
}

impl OutputText for Output {
    fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file is writable");
    path
}

/// A port on 127.0.0.1 with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// An HTTP server that answers like a healthy Spring Boot actuator.
pub async fn healthy_target() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let app = axum::Router::new().route(
        "/actuator/health",
        get(|| async { Json(json!({"status": "UP"})) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A running `tis-status serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub async fn start(config: &Path, data: &Path) -> Server {
        Self::spawn(&["--config", config.to_str().unwrap()], data)
    }

    pub async fn start_demo(data: &Path) -> Server {
        Self::spawn(&[], data)
    }

    fn spawn(extra: &[&str], data: &Path) -> Server {
        Self::spawn_env(extra, data, &[])
    }

    /// `serve --config FILE` with environment variables set (channel URLs, secrets).
    pub async fn start_env(config: &Path, data: &Path, env: &[(&str, &str)]) -> Server {
        Self::spawn_env(&["--config", config.to_str().unwrap()], data, env)
    }

    fn spawn_env(extra: &[&str], data: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tis-status"))
            .arg("serve")
            .args(extra)
            .args(["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("tis-status serve starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("serve prints its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Server { child, url }
    }

    /// Polls `path` until `done` holds for its JSON, or fails after 30 seconds.
    pub async fn wait_for(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let body: Value = reqwest::get(format!("{}{path}", self.url))
                .await
                .expect("the server answers")
                .json()
                .await
                .expect("the answer is JSON");
            if done(&body) {
                return body;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "gave up waiting; last answer: {body:#}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM, so the server shuts down the way it does in production.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Kills the server at once (SIGKILL), as a crash or an OOM killer would: no
    /// shutdown code runs.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::forget(self);
    }

    /// `serve` with extra arguments, e.g. `["--assets", dir]`; no `--config` means the demo.
    pub async fn start_with(extra: &[&str], data: &Path) -> Server {
        Self::spawn(extra, data)
    }

    /// Sends SIGTERM, as an orchestrator does, and waits up to `limit` for the exit.
    /// Returns the exit status (`None` if it did not exit in time) and how long it took.
    pub fn terminate(mut self, limit: Duration) -> (Option<std::process::ExitStatus>, Duration) {
        let started = Instant::now();
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < limit => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => break None,
            }
        };
        let took = started.elapsed();
        if status.is_some() {
            // Reaped: `Drop` would signal a process id the system may already have reused.
            std::mem::forget(self);
        }
        (status, took)
    }
}

/// A directory shaped like Trunk's `dist/`: an `index.html` with an inline module loader,
/// hashed script and wasm files large enough to compress, and an unhashed file.
pub fn fake_app(dir: &Path) -> PathBuf {
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).expect("temp dir is writable");
    write(&dist, "index.html", FAKE_INDEX);
    write(&dist, "app-0123456789abcdef.js", &FAKE_SCRIPT.repeat(400));
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..40_000u32 {
        wasm.extend_from_slice(&(i % 251).to_le_bytes());
    }
    std::fs::write(dist.join("app-0123456789abcdef_bg.wasm"), wasm).expect("writable");
    write(&dist, "robots.txt", "User-agent: *\nAllow: /\n");
    dist
}

/// The text between `<script type="module">` and `</script>` in [`FAKE_INDEX`].
pub const FAKE_LOADER: &str = "\nimport init from '/app-0123456789abcdef.js';\nawait init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });\n";
pub const FAKE_INDEX: &str = concat!(
    "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<title>TIS Status</title>\n",
    "<script type=\"module\">",
    "\nimport init from '/app-0123456789abcdef.js';\nawait init({ module_or_path: '/app-0123456789abcdef_bg.wasm' });\n",
    "</script>\n</head>\n<body></body>\n</html>\n"
);
const FAKE_SCRIPT: &str = "export function render(status) { return `<p>${status}</p>`; }\n";

/// Runs `tis-status` with `stdin` piped in, as a script or an operator at a pipe would.
pub fn tis_status_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tis-status binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("tis-status finishes")
}

/// Adds an account with `tis-status account add`, the password on stdin.
pub fn add_account(data: &Path, name: &str, role: &str, password: &str) {
    let out = tis_status_with_stdin(
        &[
            "account",
            "add",
            name,
            "--role",
            role,
            "--data",
            data.to_str().unwrap(),
        ],
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "account add: {}", out.stderr_text());
}

/// Creates a token with `tis-status token create` and returns it.
pub fn create_token(data: &Path, name: &str, role: &str) -> String {
    let out = tis_status(&[
        "token",
        "create",
        "--name",
        name,
        "--role",
        role,
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "token create: {}", out.stderr_text());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A config with no services, served at `public_url`.
pub fn config_at(dir: &Path, public_url: &str) -> PathBuf {
    write(
        dir,
        "tis.toml",
        &format!("[server]\npublic_url = \"{public_url}\"\n"),
    )
}

/// A browser's sign-in: the cookie to send back and the CSRF token for writes.
pub struct SignedIn {
    /// `tis_session=…`, as a `Cookie` header sends it.
    pub cookie: String,
    pub csrf_token: String,
    /// The whole `Set-Cookie` header, attributes and all.
    pub set_cookie: String,
}

/// `POST /api/v1/session` with a name and password.
pub async fn post_session(url: &str, name: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"name": name, "password": password}))
        .send()
        .await
        .expect("the server answers")
}

/// Signs in over HTTP as a browser would, failing the test if it is refused.
pub async fn sign_in(url: &str, name: &str, password: &str) -> SignedIn {
    let response = post_session(url, name, password).await;
    assert_eq!(response.status(), 200, "sign-in of {name} refused");
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .expect("sign-in sets a cookie")
        .to_str()
        .expect("the cookie is text")
        .to_string();
    let body: Value = response.json().await.expect("sign-in answers JSON");
    SignedIn {
        cookie: set_cookie.split(';').next().unwrap_or_default().to_string(),
        csrf_token: body["csrf_token"]
            .as_str()
            .expect("sign-in gives a CSRF token")
            .to_string(),
        set_cookie,
    }
}

/// Every byte of the store: the database file and its write-ahead log.
pub fn store_bytes(data: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(data).expect("the data directory exists") {
        let path = entry.expect("a directory entry").path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("tis-status.db"))
        {
            bytes.extend(std::fs::read(&path).expect("the store file is readable"));
        }
    }
    bytes
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

// ---- a real SMTP server ----

/// How long the mail tests wait for a message.
const SMTP_LIMIT: Duration = Duration::from_secs(60);

/// aiosmtpd, writing each message it takes into a Maildir.
pub struct SmtpServer {
    child: Child,
    maildir: std::path::PathBuf,
}

impl SmtpServer {
    pub fn start(port: u16, maildir: &Path) -> SmtpServer {
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                maildir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs aiosmtpd");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < SMTP_LIMIT, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            child,
            maildir: maildir.to_path_buf(),
        }
    }

    /// Every message taken, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }

    pub async fn wait(&self, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let started = Instant::now();
        loop {
            let messages = self.messages();
            if done(&messages) {
                return messages;
            }
            assert!(
                started.elapsed() < SMTP_LIMIT,
                "gave up waiting for mail; have: {messages:#?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One service, Bulk upload, checked every 5 s at `url`'s actuator; with `quorum`, the
/// server is `london` and that many locations must agree it is down.
pub fn one_service(url: &str, quorum: Option<u32>) -> String {
    let server = match quorum {
        Some(n) => format!("[server]\nlocation = \"london\"\ndown_quorum = {n}\n\n"),
        None => String::new(),
    };
    format!(
        r#"{server}[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "http"
url = "{url}/actuator/health"
json_pointer = "/status"
expect_value = "UP"
interval = "5s"
timeout = "2s"
fail_after = 1
recover_after = 1
"#
    )
}

/// Planned maintenance next week, as staff post it: listed as upcoming whatever today is.
pub fn planned_maintenance() -> Value {
    let starts = chrono::Utc::now() + chrono::TimeDelta::days(7);
    json!({
        "title": "Planned maintenance on Sunday",
        "body": "TIS will be unavailable from 8am to 10am.",
        "kind": "planned_maintenance",
        "severity": "low",
        "services": [],
        "audience": "everyone",
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::TimeDelta::hours(2)).to_rfc3339(),
        "published": true
    })
}

/// A known problem with bulk upload, as support posts one.
pub fn known_problem() -> Value {
    json!({
        "title": "Bulk upload is slow",
        "body": "We are looking into it.",
        "kind": "known_problem",
        "severity": "medium",
        "services": ["bulk-upload"],
        "starts_at": "2026-12-01T10:47:00Z",
        "audience": "everyone",
        "published": true
    })
}
