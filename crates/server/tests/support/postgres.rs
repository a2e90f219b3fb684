//! A throw-away PostgreSQL server for tests: Debian's PostgreSQL 15, a fresh cluster in a
//! temporary directory, on 127.0.0.1 and a free port, stopped and deleted when dropped.
//! Standard library only, so that xtask includes this same file (`#[path]`) and the
//! server's tests do too: there is one way to start one.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where Debian's `postgresql-15` package puts its programs.
pub const BIN_DIR: &str = "/usr/lib/postgresql/15/bin";

/// The environment variable naming a running server's URL for tests to use (a database
/// of their own is made in it for each store).
pub const URL_ENV: &str = "TIS_STATUS_TEST_POSTGRES";

/// A running PostgreSQL server with its own cluster.
pub struct TestPostgres {
    dir: PathBuf,
    port: u16,
    /// Whether the cluster belongs to the `postgres` user (we run as root, and PostgreSQL
    /// refuses to).
    as_postgres: bool,
    running: bool,
}

impl TestPostgres {
    /// Whether the server's programs are installed.
    pub fn installed() -> bool {
        Path::new(BIN_DIR).join("initdb").is_file()
    }

    /// Makes a cluster and starts its server; the caller owns it until it is dropped.
    /// It does not wait for its writes to reach the disk (test data is thrown away).
    pub fn start() -> Result<TestPostgres, String> {
        TestPostgres::start_with(false)
    }

    /// The same, but committing as a production server does (`fsync`, synchronous
    /// commit, full-page writes: PostgreSQL's defaults), for benchmarks whose figures
    /// are compared with SQLite's, which waits for the disk on every commit.
    pub fn start_durable() -> Result<TestPostgres, String> {
        TestPostgres::start_with(true)
    }

    fn start_with(durable: bool) -> Result<TestPostgres, String> {
        if !TestPostgres::installed() {
            return Err(format!(
                "PostgreSQL 15 is not installed ({BIN_DIR}/initdb is missing): apt-get install -y postgresql"
            ));
        }
        let as_postgres = is_root();
        let dir =
            std::env::temp_dir().join(format!("tis-status-pg-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let mut pg = TestPostgres {
            dir,
            port: 0,
            as_postgres,
            running: false,
        };
        let data = pg.dir.join("data");
        pg.run_pg(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postgres".as_ref(),
                "--auth=trust".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--no-sync".as_ref(),
            ],
        )?;
        // A port taken between our look and the server's bind is tried again.
        let mut last = String::new();
        for _ in 0..3 {
            pg.port = free_port()?;
            // Test data is thrown away: unless asked, durability is not worth the time.
            let fast = if durable {
                ""
            } else {
                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            };
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=400{fast}",
                pg.port,
                pg.dir.display()
            );
            let log = pg.dir.join("server.log");
            match pg.run_pg(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "start".as_ref(),
                ],
            ) {
                Ok(()) => {
                    pg.running = true;
                    return Ok(pg);
                }
                Err(e) => {
                    last = format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default())
                }
            }
        }
        Err(format!("PostgreSQL did not start: {last}"))
    }

    /// The URL of its `postgres` database, as the `postgres` user (trusted on 127.0.0.1).
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the server (waiting for it) and deletes its cluster.
    pub fn stop(&mut self) -> Result<(), String> {
        if self.running {
            self.running = false;
            let data = self.dir.join("data");
            self.run_pg(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-m".as_ref(),
                    "immediate".as_ref(),
                    "-w".as_ref(),
                    "stop".as_ref(),
                ],
            )?;
        }
        // Stopped once by hand and again when dropped: the second finds nothing to delete.
        match std::fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(format!("{}: {e}", self.dir.display()))
            }
            _ => Ok(()),
        }
    }

    fn run_pg(&self, program: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
        let path = Path::new(BIN_DIR).join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.args(args).current_dir(&self.dir);
        run(&mut command)
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("could not stop the test PostgreSQL: {e}");
        }
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{shown} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Different for every cluster this process makes.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos().into());
    nanos * 1000 + NEXT.fetch_add(1, Ordering::Relaxed)
}
