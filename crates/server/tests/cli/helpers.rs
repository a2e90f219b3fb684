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
        let mut child = Command::new(env!("CARGO_BIN_EXE_tis-status"))
            .arg("serve")
            .args(extra)
            .args(["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()])
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
