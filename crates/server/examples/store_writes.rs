//! Probe results written as the server's result writer writes them, for a fixed time:
//! one writer, one batch at a time, each through `Store::add_probe_results` in its own
//! transaction; then the rows are counted, so the figure is of results kept, not of
//! writes lost. `cargo xtask bench stores` runs it (release build) and reads its last line.
//!
//! Why the store itself and not `POST /api/v1/probes/results`: the push endpoint lets
//! each prober token send a burst of 60, then one push every 500 ms, so through it we
//! would measure that limit (and HTTP and JSON on a shared 2-core machine) rather than
//! what the store sustains. The server's own writer (`startup.rs`) calls this method with
//! whatever the prober has queued, up to 256 results at once: that is the batch here.
//!
//! usage: store_writes (--sqlite DIR | --postgres URL) --batch N --seconds S
//!
//! `--sqlite DIR` makes the store in DIR (give an empty one); `--postgres URL` makes a
//! new database on that server and the store in it.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::Utc;
use tis_core::ProbeResult;
use tis_status::store::{PgStore, SqliteStore, Store};

// The one way the tests make a fresh database on a PostgreSQL server.
#[path = "../tests/support/pg_database.rs"]
mod pg_database;

/// Results are spread over as many probes as `cargo xtask bench probes` runs (100
/// services with 5 probes each), so the indexes grow as they would on a real server.
const SERVICES: u64 = 100;
const PROBES_PER_SERVICE: u64 = 5;

enum Target {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

struct Args {
    target: Target,
    batch: usize,
    seconds: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("store_writes: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<String, String> {
    let args = args()?;
    let (name, store, counter): (&str, Box<dyn Store>, Counter) = match &args.target {
        Target::Sqlite(dir) => {
            let store = SqliteStore::open(dir).await.map_err(|e| e.to_string())?;
            let pool = store.pool().clone();
            ("sqlite", Box::new(store), Counter::Sqlite(pool))
        }
        Target::Postgres(server) => {
            let url = pg_database::fresh_database(server, "bench_writes").await;
            let store = PgStore::open(&url, None).await.map_err(|e| e.to_string())?;
            let pool = store.pool().clone();
            ("postgres", Box::new(store), Counter::Postgres(pool))
        }
    };

    let mut latencies = Vec::new();
    let mut written: u64 = 0;
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(args.seconds);
    while Instant::now() < until {
        let batch: Vec<ProbeResult> = (written..written + args.batch as u64).map(result).collect();
        let clock = Instant::now();
        store
            .add_probe_results(&batch)
            .await
            .map_err(|e| format!("writing a batch of {}: {e}", batch.len()))?;
        latencies.push(clock.elapsed());
        written += batch.len() as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let counted = counter.count().await?;
    latencies.sort();
    Ok(format!(
        "store={name} batch={} seconds={elapsed:.3} written={written} batches={} \
         p50_ms={:.3} p99_ms={:.3} counted={counted}",
        args.batch,
        latencies.len(),
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.99),
    ))
}

/// The rows in the store's results table, counted apart from the store's own reads.
enum Counter {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Counter {
    async fn count(&self) -> Result<i64, String> {
        const COUNT: &str = "SELECT COUNT(*) FROM probe_results";
        match self {
            Counter::Sqlite(pool) => sqlx::query_scalar(COUNT).fetch_one(pool).await,
            Counter::Postgres(pool) => sqlx::query_scalar(COUNT).fetch_one(pool).await,
        }
        .map_err(|e| format!("counting the results: {e}"))
    }
}

/// The `n`th result: a working check of one of the probes, now, from this location.
fn result(n: u64) -> ProbeResult {
    let service = (n / PROBES_PER_SERVICE) % SERVICES;
    ProbeResult {
        probe: format!("service-{service}/{}", n % PROBES_PER_SERVICE),
        service: format!("service-{service}"),
        at: Utc::now(),
        ok: true,
        latency_ms: 20 + (n % 40) as u32,
        error_kind: None,
        detail: String::new(),
        degraded: false,
        location: Some("bench".into()),
    }
}

/// The nearest-rank percentile `p` (0 to 1) of sorted durations, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

fn args() -> Result<Args, String> {
    const USAGE: &str = "usage: store_writes (--sqlite DIR | --postgres URL) --batch N --seconds S";
    let mut rest = std::env::args().skip(1);
    let (mut target, mut batch, mut seconds) = (None, None, None);
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))?;
        match flag.as_str() {
            "--sqlite" => target = Some(Target::Sqlite(value.into())),
            "--postgres" => target = Some(Target::Postgres(value)),
            "--batch" => {
                batch = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            format!("--batch takes a whole number above 0, not {value}")
                        })?,
                )
            }
            "--seconds" => {
                seconds = Some(
                    value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| *s > 0.0)
                        .ok_or_else(|| format!("--seconds takes a number above 0, not {value}"))?,
                )
            }
            _ => return Err(format!("unknown flag {flag}; {USAGE}")),
        }
    }
    match (target, batch, seconds) {
        (Some(target), Some(batch), Some(seconds)) => Ok(Args {
            target,
            batch,
            seconds,
        }),
        _ => Err(USAGE.into()),
    }
}
