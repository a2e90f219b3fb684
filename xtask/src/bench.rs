//! `cargo xtask bench`: how fast the summary endpoint is against nginx serving the same
//! bytes as a static file, measured with `wrk` on this machine in one run, and how big
//! the app's files are on the wire.
//!
//! Everything listens on 127.0.0.1 only, every run is bounded in time, and both servers
//! are stopped at the end, also when something fails half-way.

use std::fs;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::{self, Running, Scratch, Serve, free_port, poll};
use crate::{Result, bootstrap, describe, http, root, step};

const WRK: &str = "/usr/bin/wrk";
const NGINX: &str = "/usr/sbin/nginx";
pub(crate) const THREADS: &str = "2";
pub(crate) const CONNECTIONS: &str = "64";
pub(crate) const DURATION: &str = "10s";
/// A short run first, so neither server is measured cold.
pub(crate) const WARM_UP: &str = "2s";
/// wrk stops by itself after DURATION; this only guards against a hung run.
const WRK_LIMIT: Duration = Duration::from_secs(40);
/// The target from issue 3: at least this fraction of nginx's throughput.
const TARGET_RATIO: f64 = 0.8;

pub fn bench() -> Result {
    let root = root();
    tools()?;
    let server_bin = harness::release_server(&root)?;

    let scratch = Scratch::new("bench")?;
    // nginx's workers run as an unprivileged user and must read the file.
    set_mode(scratch.path(), 0o755)?;
    let dist = root.join("dist");
    let assets = dist.join("index.html").is_file().then_some(dist.as_path());
    let mut serve = Serve::new(&server_bin, &scratch.join("data"));
    if let Some(assets) = assets {
        serve = serve.arg("--assets").arg(assets);
    }
    let ours = serve.start()?;
    let (path, body) = endpoint(&ours.addr)?;
    println!(
        "xtask: benchmarking GET {path} ({} bytes, the same bytes for both servers)",
        body.len()
    );
    let nginx = Nginx::start(&scratch.join("nginx"), &path, &body)?;
    let (nginx_status, nginx_body) = http::get(&nginx.addr, &path).map(|r| (r.status, r.body))?;
    if nginx_status != 200 || nginx_body != body {
        return Err(format!(
            "nginx does not serve the same bytes (status {nginx_status}, {} bytes)",
            nginx_body.len()
        ));
    }

    let ours_run = measure("tis-status", &ours.addr, &path)?;
    let nginx_run = measure("nginx", &nginx.addr, &path)?;
    let sizes = match assets {
        Some(dist) => Some(app_sizes(&ours.addr, dist)?),
        None => None,
    };
    drop(nginx);
    drop(ours);

    let ratio = ours_run.requests_per_sec / nginx_run.requests_per_sec;
    println!();
    println!("wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION} --latency http://127.0.0.1:PORT{path}");
    println!(
        "{:<12} {:>12} {:>10} {:>10} {:>8}",
        "server", "requests/s", "p50", "p99", "errors"
    );
    for run in [&ours_run, &nginx_run] {
        println!(
            "{:<12} {:>12.0} {:>10} {:>10} {:>8}",
            run.name,
            run.requests_per_sec,
            millis(run.p50_ms),
            millis(run.p99_ms),
            run.errors
        );
    }
    println!(
        "ratio ours/nginx: {ratio:.2} (target ≥ {TARGET_RATIO}): {}",
        if ratio >= TARGET_RATIO {
            "met"
        } else {
            "NOT met"
        }
    );
    println!(
        "p99 latency: ours {} vs nginx {}",
        millis(ours_run.p99_ms),
        millis(nginx_run.p99_ms)
    );
    match sizes {
        Some(sizes) => {
            println!();
            println!("the app's files as served (bytes on the wire):");
            println!("{:<44} {:>9} {:>9} {:>9}", "file", "raw", "gzip", "brotli");
            for s in sizes {
                println!(
                    "{:<44} {:>9} {:>9} {:>9}",
                    s.name,
                    size(s.raw),
                    size(s.gzip),
                    size(s.brotli)
                );
            }
        }
        None => println!(
            "\nno app in {}: run `cargo xtask build` first to see its sizes",
            dist.display()
        ),
    }
    if ours_run.errors > 0 || nginx_run.errors > 0 {
        return Err("some requests failed: the figures above are not trustworthy".into());
    }
    Ok(())
}

/// wrk and nginx from Debian, installed for the benchmark only (nothing else needs them);
/// skipped when already there. Says which versions it measures with.
pub(crate) fn tools() -> Result {
    let mut missing = Vec::new();
    if !Path::new(WRK).is_file() {
        missing.push("wrk");
    }
    if !Path::new(NGINX).is_file() {
        missing.push("nginx-light");
    }
    if !missing.is_empty() {
        bootstrap::apt_install(&missing)?;
    }
    // wrk prints its version with a usage error; nginx prints it on stderr.
    let first_line = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .map(|out| {
                let text = [out.stdout, out.stderr].concat();
                String::from_utf8_lossy(&text)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            })
            .unwrap_or_default()
    };
    println!(
        "xtask: measuring with {} and {}",
        first_line(WRK, "-v"),
        first_line(NGINX, "-v")
    );
    Ok(())
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("cannot set permissions of {}: {e}", path.display()))
}

/// The summary endpoint if this server has it, else the services list; and its bytes.
fn endpoint(addr: &str) -> Result<(String, Vec<u8>)> {
    for path in ["/api/v1/summary", "/api/v1/services"] {
        let response = http::get(addr, path)?;
        if response.status == 200 {
            return Ok((path.to_string(), response.body));
        }
    }
    Err("neither /api/v1/summary nor /api/v1/services answered 200".into())
}

pub(crate) struct Nginx {
    _process: Running,
    pub(crate) addr: String,
}

impl Nginx {
    /// nginx with its own prefix, config, pid and log files under `dir`, serving `body` at
    /// `path` from a file.
    fn start(dir: &Path, path: &str, body: &[u8]) -> Result<Nginx> {
        let www = dir.join("www");
        let file = www.join(path.trim_start_matches('/'));
        let parent = file.parent().unwrap_or(&www);
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        fs::write(&file, body).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
        let mut d = parent;
        loop {
            set_mode(d, 0o755)?;
            if d == dir {
                break;
            }
            d = d.parent().unwrap_or(dir);
        }
        set_mode(&file, 0o644)?;
        Nginx::run(dir, |addr| {
            format!(
                "types {{ }}
    default_type application/json;
    server {{
        listen {addr};
        root {www};
    }}",
                www = www.display()
            )
        })
    }

    /// nginx with its own files under `dir` as a load balancer in front of `upstreams`
    /// (`127.0.0.1:PORT` each), taking turns, over kept-alive connections as a balancer
    /// in production would (a new connection per request would measure the handshakes).
    pub(crate) fn balance(dir: &Path, upstreams: &[&str]) -> Result<Nginx> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        set_mode(dir, 0o755)?;
        let servers: String = upstreams
            .iter()
            .map(|u| format!("        server {u};\n"))
            .collect();
        Nginx::run(dir, |addr| {
            format!(
                "upstream replicas {{
{servers}        keepalive 128;
    }}
    server {{
        listen {addr};
        location / {{
            proxy_pass http://replicas;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $host;
        }}
    }}"
            )
        })
    }

    /// nginx with its prefix, config, pid and log files under `dir`, listening on a free
    /// port on 127.0.0.1 with the `site` its caller writes for that address, inside `http`.
    fn run(dir: &Path, site: impl FnOnce(&str) -> String) -> Result<Nginx> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let site = site(&addr);
        // One worker per core like our runtime; no access log, as ours keeps none either.
        let conf = format!(
            "daemon off;
worker_processes auto;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    {site}
}}
",
            dir = dir.display(),
        );
        let conf_path = dir.join("nginx.conf");
        fs::write(&conf_path, conf)
            .map_err(|e| format!("cannot write {}: {e}", conf_path.display()))?;
        let mut nginx = Command::new(NGINX);
        nginx
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        println!("xtask: starting {}", describe(&nginx));
        let child = nginx
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", describe(&nginx)))?;
        let process = Running::new(child, "nginx");
        if !poll(Duration::from_secs(10), Duration::from_millis(50), || {
            Ok(TcpStream::connect(&addr).is_ok())
        })? {
            let log = fs::read_to_string(dir.join("error.log")).unwrap_or_default();
            return Err(format!("nginx did not start listening on {addr}:\n{log}"));
        }
        Ok(Nginx {
            _process: process,
            addr,
        })
    }
}

pub(crate) struct Run {
    pub(crate) name: &'static str,
    pub(crate) requests_per_sec: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) errors: u64,
}

/// A warm-up, then the measured wrk run.
pub(crate) fn measure(name: &'static str, addr: &str, path: &str) -> Result<Run> {
    let url = format!("http://{addr}{path}");
    wrk(&url, WARM_UP)?;
    let out = step(&format!("wrk against {name}"), || wrk(&url, DURATION))?;
    print!("{out}");
    parse_wrk(name, &out)
}

fn wrk(url: &str, duration: &str) -> Result<String> {
    let mut cmd = Command::new(WRK);
    cmd.args([
        "-t",
        THREADS,
        "-c",
        CONNECTIONS,
        "-d",
        duration,
        "--timeout",
        "5s",
        "--latency",
        url,
    ]);
    harness::output_within(cmd, WRK_LIMIT)
}

fn parse_wrk(name: &'static str, out: &str) -> Result<Run> {
    let field = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::trim))
    };
    let requests_per_sec = field("Requests/sec:")
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk's output:\n{out}"))?;
    let percentile = |p: &str| {
        field(p)
            .and_then(parse_duration_ms)
            .ok_or_else(|| format!("no {p} latency in wrk's output:\n{out}"))
    };
    // "Socket errors: connect 0, read 0, write 0, timeout 0" and "Non-2xx or 3xx responses: N"
    let socket_errors: u64 = field("Socket errors:")
        .map(|v| {
            v.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let non_2xx = field("Non-2xx or 3xx responses:")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    Ok(Run {
        name,
        requests_per_sec,
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
        errors: socket_errors + non_2xx,
    })
}

/// wrk's "512.00us", "1.23ms", "2.01s", "1.5m" in milliseconds.
fn parse_duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        return None;
    };
    number.trim().parse::<f64>().ok().map(|n| n * factor)
}

pub(crate) fn millis(ms: f64) -> String {
    format!("{ms:.2} ms")
}

/// A file's size as served, or "-" when it was not served that way.
fn size(bytes: Option<usize>) -> String {
    bytes.map_or_else(|| "-".into(), |b| crate::harness::kb(b as u64))
}

struct Size {
    name: String,
    raw: Option<usize>,
    gzip: Option<usize>,
    brotli: Option<usize>,
}

/// The app's wasm and JS files as our server sends them: as they are, gzip and brotli.
/// The server compresses in the background after start-up, so this waits for it.
fn app_sizes(addr: &str, dist: &Path) -> Result<Vec<Size>> {
    let mut names: Vec<String> = fs::read_dir(dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".wasm") || n.ends_with(".js"))
        .collect();
    names.sort();
    let mut sizes = Vec::new();
    for name in names {
        let path = format!("/{name}");
        let raw = fs::metadata(dist.join(&name))
            .ok()
            .map(|m| m.len() as usize);
        let encoded = |encoding: &str| -> Result<Option<usize>> {
            let mut size = None;
            poll(Duration::from_secs(120), Duration::from_millis(250), || {
                let response = http::request(addr, &path, &[("Accept-Encoding", encoding)])?;
                if response.header("content-encoding") == Some(encoding) {
                    size = Some(response.body.len());
                }
                Ok(size.is_some())
            })?;
            Ok(size)
        };
        sizes.push(Size {
            gzip: encoded("gzip")?,
            brotli: encoded("br")?,
            raw,
            name,
        });
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUTPUT: &str = "\
Running 10s test @ http://127.0.0.1:8080/api/v1/summary
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   512.33us  201.10us  12.00ms   90.00%
    Req/Sec    60.12k     2.10k   65.00k    70.00%
  Latency Distribution
     50%  480.00us
     75%  600.00us
     90%  700.00us
     99%    1.25ms
  1196000 requests in 10.00s, 2.00GB read
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec: 119600.12
Transfer/sec:    204.80MB
";

    #[test]
    fn wrk_output_is_read_with_its_units() {
        let run = parse_wrk("x", WRK_OUTPUT).unwrap();
        assert!((run.requests_per_sec - 119_600.12).abs() < 0.01);
        assert!((run.p50_ms - 0.48).abs() < 1e-9);
        assert!((run.p99_ms - 1.25).abs() < 1e-9);
        assert_eq!(run.errors, 3);
        assert_eq!(parse_duration_ms("2.5s"), Some(2500.0));
        assert_eq!(parse_duration_ms("fast"), None);
    }
}
