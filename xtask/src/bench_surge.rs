//! `cargo xtask bench surge [--readers N] [--seconds S] [--server BIN --assets DIR]`: a
//! crowd of readers (2,000 within 60 s by default) opening the active incident's page,
//! each making the requests the page makes, against the release build running the
//! built-in demo on 127.0.0.1: the latency of every request (p99), the errors, and
//! whether the probes kept their schedule meanwhile. The crowd itself is
//! tests/browser/bench-surge.mjs (Node's HTTP client, a connection pool per reader).
//!
//! `--server` and `--assets` measure another build (say, of an older commit) the same way.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

use crate::bench_page::ready;
use crate::bootstrap::{self, Needs};
use crate::harness::{Scratch, Serve, flag_values, server_and_assets};
use crate::{Result, root, status, step};

pub fn bench(args: &[OsString]) -> Result {
    let mut readers = "2000".to_string();
    let mut seconds = "60".to_string();
    let mut server = None;
    let mut assets = None;
    for (flag, value) in flag_values(args)? {
        match flag.as_str() {
            "--readers" if value.parse::<u32>().is_ok_and(|n| n > 0) => readers = value,
            "--seconds" if value.parse::<u32>().is_ok_and(|n| n > 0) => seconds = value,
            "--server" => server = Some(PathBuf::from(value)),
            "--assets" => assets = Some(PathBuf::from(value)),
            _ => {
                return Err(format!(
                    "bench surge takes --readers N, --seconds S (whole numbers from 1), --server BIN and --assets DIR; not {flag} {value}"
                ));
            }
        }
    }
    let root = root();
    bootstrap::ensure(&root, Needs::Everything)?;
    let (server_bin, assets) = server_and_assets(server, assets)?;
    let scratch = Scratch::new("bench-surge")?;
    let server = Serve::new(&server_bin, scratch.path())
        .arg("--assets")
        .arg(&assets)
        .start()?;
    step(
        "waiting for the demo's probes to give every service a status",
        || ready(&server.addr),
    )?;
    step(
        &format!("{readers} readers open the active incident within {seconds} s"),
        || {
            let mut node = Command::new("node");
            node.current_dir(&root)
                .arg("tests/browser/bench-surge.mjs")
                .arg(format!("http://{}", server.addr))
                .arg(&readers)
                .arg(&seconds);
            status(node)
        },
    )
}
