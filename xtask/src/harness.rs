//! What every benchmark needs, written once: a scratch directory removed on drop, child
//! processes stopped on drop, `tis-status serve` started and waited for, a free port, and
//! waiting for a condition with a time limit.

use std::env;
use std::fs;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::{Result, cargo, describe, http, step, target_dir};

/// How long a stopped process may take to finish after SIGTERM before it gets SIGKILL:
/// the server drains its work on SIGTERM, and a backlog can take a while.
const STOP_WITHIN: Duration = Duration::from_secs(30);
/// How long a started server may take to answer `/healthz` once it has said where it listens.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

/// What a bench measures: the server binary and the app's files given as `--server BIN
/// --assets DIR` (both, to measure another build, say of an older commit), or else the
/// release build, made now.
pub fn server_and_assets(
    server: Option<PathBuf>,
    assets: Option<PathBuf>,
) -> Result<(PathBuf, PathBuf)> {
    match (server, assets) {
        (Some(s), Some(a)) => Ok((s, a)),
        (None, None) => {
            let built = crate::build_all(crate::Profile::Release)?;
            Ok((built.server, built.assets))
        }
        _ => Err("give --server and --assets together, or neither".into()),
    }
}

/// A bench's arguments as flags each with its value (`--readers 500`), in the order given.
pub fn flag_values(args: &[std::ffi::OsString]) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let flag = flag.to_string_lossy().into_owned();
        let value = rest
            .next()
            .and_then(|v| v.to_str())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        pairs.push((flag, value.to_string()));
    }
    Ok(pairs)
}

/// Bytes as kilobytes, as the benches report sizes: "12.3 KB".
pub fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// Builds `tis-status` in release (what every benchmark measures) and returns its path.
pub fn release_server(root: &Path) -> Result<PathBuf> {
    step("server (release build)", || {
        cargo(
            root,
            &[
                "build",
                "--package",
                "tis-status-server",
                "--release",
                "--locked",
            ],
        )?;
        Ok(target_dir(root).join("release").join("tis-status"))
    })
}

/// A fresh directory under the system temp dir, removed with everything in it on drop,
/// also when a benchmark fails half-way.
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// `tis-status-<label>-<pid>-<nanos>`: two runs at once never share one.
    pub fn new(label: &str) -> Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let path =
            env::temp_dir().join(format!("tis-status-{label}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Scratch { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.path.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// A child process stopped with SIGTERM (then SIGKILL) when dropped.
///
/// When the child is a wrapper such as `/usr/bin/time`, the signal goes to the wrapper's
/// own child, so that the wrapper sees it exit and reports on it.
pub struct Running {
    child: Child,
    name: String,
    wrapped: bool,
}

impl Running {
    pub fn new(child: Child, name: impl Into<String>) -> Running {
        Running {
            child,
            name: name.into(),
            wrapped: false,
        }
    }

    /// A wrapper (such as `/usr/bin/time`) around the process that is to be stopped.
    pub fn wrapper(child: Child, name: impl Into<String>) -> Running {
        Running {
            child,
            name: name.into(),
            wrapped: true,
        }
    }

    /// Stops the process (SIGTERM, then SIGKILL after [`STOP_WITHIN`]) and says how it
    /// ended; an error if it had to be killed.
    pub fn stop(mut self) -> Result<ExitStatus> {
        // The drop that follows finds the exit status kept by `Child` and signals nothing.
        self.terminate()
    }

    fn terminate(&mut self) -> Result<ExitStatus> {
        if let Ok(Some(exit)) = self.child.try_wait() {
            return Ok(exit);
        }
        let pid = self.child.id();
        // A wrapper whose child is already gone finishes by itself; signal it anyway.
        let target = if self.wrapped {
            child_of(pid).unwrap_or(pid)
        } else {
            pid
        };
        let _ = Command::new("kill").arg(target.to_string()).status();
        let exited = poll(STOP_WITHIN, Duration::from_millis(20), || {
            Ok(matches!(self.child.try_wait(), Ok(Some(_))))
        })?;
        if exited && let Ok(Some(exit)) = self.child.try_wait() {
            println!("xtask: stopped {}", self.name);
            return Ok(exit);
        }
        eprintln!(
            "xtask: {} did not stop within {STOP_WITHIN:?} of SIGTERM; killing it",
            self.name
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
        Err(format!(
            "{} did not stop within {STOP_WITHIN:?} of SIGTERM",
            self.name
        ))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// `tis-status serve` on a port of its own choosing on 127.0.0.1, built up like a
/// [`Command`] and started with [`Serve::start`].
pub struct Serve {
    command: Command,
    log: Option<PathBuf>,
    wrapped: bool,
}

impl Serve {
    /// `BIN serve --listen 127.0.0.1:0 --data DATA`, logging warnings to our stderr.
    pub fn new(bin: &Path, data: &Path) -> Serve {
        Serve::with(Command::new(bin), data, false)
    }

    /// The same, run under `wrapper` (e.g. `/usr/bin/time -v`), whose child is the server.
    pub fn under(wrapper: &str, wrapper_args: &[&str], bin: &Path, data: &Path) -> Serve {
        let mut command = Command::new(wrapper);
        command.args(wrapper_args).arg(bin);
        Serve::with(command, data, true)
    }

    fn with(mut command: Command, data: &Path, wrapped: bool) -> Serve {
        // Port 0: the server binds a free port itself and says which, so no other
        // process can take it between our choosing it and the server binding it.
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        Serve {
            command,
            log: None,
            wrapped,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Serve {
        self.command.arg(arg);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Serve {
        self.command.env(name, value);
        self
    }

    /// The server's log (its stderr, and a wrapper's report) goes to `path` instead.
    pub fn log_to(mut self, path: &Path) -> Serve {
        self.log = Some(path.to_path_buf());
        self
    }

    /// Starts the server, reads the address it prints on its first line, and waits until
    /// it answers `GET /healthz`. Stopped when the [`Server`] is dropped.
    pub fn start(mut self) -> Result<Server> {
        let shown = describe(&self.command);
        if let Some(log) = &self.log {
            let file = fs::File::create(log)
                .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
            self.command.stderr(file);
        }
        println!("xtask: starting {shown}");
        let mut child = self
            .command
            .spawn()
            .map_err(|e| format!("could not start {shown}: {e}"))?;
        let stdout = child.stdout.take();
        let process = if self.wrapped {
            Running::wrapper(child, "tis-status")
        } else {
            Running::new(child, "tis-status")
        };
        let mut line = String::new();
        if let Some(stdout) = stdout {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let log_text = || {
            self.log
                .as_ref()
                .map(|log| {
                    format!(
                        "; its log, {}:\n{}",
                        log.display(),
                        fs::read_to_string(log).unwrap_or_default()
                    )
                })
                .unwrap_or_default()
        };
        let Some(addr) = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("http://"))
            .map(|a| a.trim_end_matches('/').to_string())
        else {
            return Err(format!(
                "tis-status did not say where it listens: {line:?}{}",
                log_text()
            ));
        };
        let mut server = Server { process, addr };
        wait_for("tis-status to answer", ANSWER_WITHIN, || {
            if let Some(exit) = server.exited() {
                return Err(format!("tis-status stopped ({exit})"));
            }
            Ok(http::get(&server.addr, "/healthz").is_ok_and(|r| r.status == 200))
        })
        .map_err(|e| format!("{e}{}", log_text()))?;
        Ok(server)
    }
}

/// A running `tis-status serve`, stopped with SIGTERM when dropped.
pub struct Server {
    process: Running,
    /// `127.0.0.1:PORT`
    pub addr: String,
}

impl Server {
    /// How the server ended, if it has (a crash during a run, say); `None` while it runs.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.process.child.try_wait().ok().flatten()
    }

    /// Stops the server and says how it (or the wrapper it runs under) ended.
    pub fn stop(self) -> Result<ExitStatus> {
        self.process.stop()
    }
}

/// Runs `command` to its end, at most `limit` (then it is killed), and returns what it
/// wrote on stdout; an error if it failed, saying what it wrote.
pub fn output_within(mut command: Command, limit: Duration) -> Result<String> {
    use std::io::Read;
    command.stdout(Stdio::piped()).stderr(Stdio::inherit());
    let shown = describe(&command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    let finished = poll(limit, Duration::from_millis(100), || {
        Ok(matches!(child.try_wait(), Ok(Some(_))))
    })?;
    if !finished {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("{shown} did not finish in {limit:?}"));
    }
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout
            .read_to_string(&mut out)
            .map_err(|e| format!("{shown}: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
    if !status.success() {
        return Err(format!("{shown} exited with {status}:\n{out}"));
    }
    Ok(out)
}

/// A new editor's API token from `tis-status token create`, on the store that `place`
/// names (`--data DIR`, and `--config FILE` for a store the config names).
pub fn editor_token(bin: &Path, place: &[&std::ffi::OsStr]) -> Result<String> {
    let out = Command::new(bin)
        .args(["token", "create", "--name", "bench", "--role", "editor"])
        .args(place)
        .output()
        .map_err(|e| format!("cannot run tis-status token create: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "tis-status token create: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A port on 127.0.0.1 that was free a moment ago, for programs that cannot be told to
/// pick their own and say which (nginx).
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port on 127.0.0.1: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Checks `done` every 20 ms until it says yes; an error naming `what` after `within`.
pub fn wait_for(what: &str, within: Duration, done: impl FnMut() -> Result<bool>) -> Result {
    if poll(within, Duration::from_millis(20), done)? {
        Ok(())
    } else {
        Err(format!("gave up waiting for {what} after {within:?}"))
    }
}

/// Checks `done` every `every` until it says yes (true) or `within` has passed (false).
/// An error from `done` ends the wait at once.
pub fn poll(
    within: Duration,
    every: Duration,
    mut done: impl FnMut() -> Result<bool>,
) -> Result<bool> {
    let started = Instant::now();
    loop {
        if done()? {
            return Ok(true);
        }
        if started.elapsed() > within {
            return Ok(false);
        }
        std::thread::sleep(every);
    }
}

/// The process whose parent is `parent` (say, the server under /usr/bin/time).
pub fn child_of(parent: u32) -> Option<u32> {
    let listed = fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok();
    if let Some(pid) = listed.and_then(|l| l.split_whitespace().next()?.parse().ok()) {
        return Some(pid);
    }
    fs::read_dir("/proc").ok()?.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = fs::read_to_string(entry.path().join("stat")).ok()?;
        // The parent id is the second field after the command name in parentheses.
        let after = stat.rsplit_once(')')?.1;
        let ppid: u32 = after.split_whitespace().nth(1)?.parse().ok()?;
        (ppid == parent).then_some(pid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scratch_directory_is_gone_once_dropped() {
        let scratch = Scratch::new("harness-test").unwrap();
        let path = scratch.path().to_path_buf();
        fs::write(scratch.join("file"), b"x").unwrap();
        assert!(path.join("file").is_file());
        drop(scratch);
        assert!(!path.exists());
    }

    #[test]
    fn waiting_says_what_it_gave_up_on() {
        let error = wait_for("the moon", Duration::from_millis(50), || Ok(false)).unwrap_err();
        assert!(error.contains("the moon"), "{error}");
        let mut calls = 0;
        wait_for("the third call", Duration::from_secs(30), || {
            calls += 1;
            Ok(calls == 3)
        })
        .unwrap();
        assert_eq!(calls, 3);
    }

    #[test]
    fn a_dropped_process_is_stopped() {
        let child = Command::new("sleep").arg("600").spawn().unwrap();
        let pid = child.id();
        drop(Running::new(child, "sleep"));
        // Reaped by the drop: no such process any more (not even a zombie).
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn a_wrapper_outlives_its_stopped_child_to_report_on_it() {
        let child = Command::new("sh")
            .args(["-c", "sleep 600; echo the wrapper reports"])
            .stdout(Stdio::piped())
            // The shell says "Terminated" when its child is stopped; not test output.
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut running = Running::wrapper(child, "sh");
        let mut stdout = running.child.stdout.take().unwrap();
        // Once the shell has started its child, as a server under /usr/bin/time would be.
        wait_for("sleep to start", Duration::from_secs(30), || {
            Ok(child_of(running.child.id()).is_some())
        })
        .unwrap();
        let exit = running.stop().unwrap();
        let mut said = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut said).unwrap();
        assert!(exit.success(), "{exit}");
        assert_eq!(said.trim(), "the wrapper reports");
    }
}
