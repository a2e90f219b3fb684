//! The `tis-status` command line (a contract: users and scripts rely on it).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, ConfigError, Secrets};

use crate::demo;
use crate::startup::{Application, Settings};
use crate::store::{Change, SqliteStore, import};

#[derive(Parser)]
#[command(
    name = "tis-status",
    version,
    about = "The status page and incident record of TIS."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the config and the store are: every command accepts these.
#[derive(clap::Args, Clone)]
struct Place {
    /// The config file (TOML). Without it: the built-in demo.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The directory that holds the SQLite store (or the store's file itself, such as a
    /// backup).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        #[command(flatten)]
        place: Place,
        /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free port).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// The built browser app (Trunk's dist directory).
        #[arg(long, value_name = "DIR", env = "TIS_STATUS_ASSETS")]
        assets: Option<PathBuf>,
        /// Where this server's probes run from, put on each result (overrides [server]
        /// location in the config).
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
        /// Demo only: break one part of the demo estate on purpose, to watch detection
        /// and dependencies at work. `token`: the sign-in server fails, so no service can
        /// sign in; or a service id, e.g. `bulk-upload`: its health check says DOWN.
        #[arg(long, value_name = "PART")]
        demo_break: Option<String>,
    },
    /// Run the probes of a config here and push the results to a server, e.g. from
    /// another network or region. The server's own config must have the same services.
    Probe {
        /// The config file (TOML): the same services and probes as the server's.
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
        /// The server to push results to, e.g. https://status.example.
        #[arg(long, value_name = "URL")]
        push: String,
        /// The environment variable holding a prober token (`tis-status token create
        /// --role prober`); the token itself never goes on the command line.
        #[arg(long, value_name = "VAR")]
        token_env: String,
        /// Where these probes run from, e.g. eu-west. Without it the server uses the
        /// token's name.
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
    },
    /// Check a config file; lists every problem and exits 1 if there are any.
    Check {
        #[arg(long, value_name = "FILE")]
        config: PathBuf,
    },
    /// Write notices, incidents, reports and revisions as JSON.
    Export {
        #[command(flatten)]
        place: Place,
        /// The file to write; standard output if absent.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Copy the store, consistently, while the server runs. To restore, start the server
    /// with `--data FILE`, or put the file in the data directory as tis-status.db.
    Backup {
        #[command(flatten)]
        place: Place,
        /// The file to write; it must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Copy the whole SQLite store into an empty PostgreSQL database, in one transaction,
    /// checked against the SQLite rows before it is kept. Then set [store] url to use it.
    Migrate {
        /// The database to copy into, e.g. postgres://tis@db.internal:5432/tis_status.
        /// A password here can be seen by other users of this machine: prefer --to-env.
        #[arg(
            long,
            value_name = "URL",
            required_unless_present = "to_env",
            conflicts_with = "to_env"
        )]
        to: Option<String>,
        /// The environment variable holding the database's whole URL, password included
        /// (as [store] url_env does).
        #[arg(long, value_name = "VAR")]
        to_env: Option<String>,
        #[command(flatten)]
        place: Place,
    },
    /// Load an export file. Everything is checked first: a bad file changes nothing.
    Import {
        /// The export file to read.
        file: PathBuf,
        #[command(flatten)]
        place: Place,
    },
    /// Manage accounts of people who sign in.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Manage API tokens for scripts and standalone probers.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage heartbeats: the probes batch jobs report to.
    Heartbeat {
        #[command(subcommand)]
        command: HeartbeatCommand,
    },
}

#[derive(Subcommand)]
enum HeartbeatCommand {
    /// Make the token a heartbeat's job reports with, and print it once; only its hash is
    /// kept. Running it again makes a new one, and the old one stops working.
    Token {
        /// The heartbeat's probe id, e.g. esr/2 (the second probe of service esr).
        probe: String,
        #[command(flatten)]
        place: Place,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Add an account; its password is read from standard input (one line).
    Add {
        /// The login name, e.g. jo.bloggs.
        name: String,
        /// support, editor or admin.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// The name public pages show for what this account writes, e.g. "Sam Jones";
        /// without it they say "TIS support". The login name is never shown publicly.
        #[arg(long, value_name = "NAME")]
        display_name: Option<String>,
        #[command(flatten)]
        place: Place,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token and print it once; only its hash is kept.
    Create {
        /// What the token is for, e.g. prober-eu-west.
        #[arg(long, value_name = "NAME")]
        name: String,
        /// prober, support, editor or admin.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// For a prober token: where its probes run, e.g. leeds (its name if left out).
        /// Results it pushes for any other location are refused.
        #[arg(long, value_name = "NAME")]
        location: Option<String>,
        /// Days until the token stops working by itself (1 to 730); without it, it works
        /// until revoked.
        #[arg(long, value_name = "DAYS")]
        expires_in_days: Option<u32>,
        #[command(flatten)]
        place: Place,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // `migrate` reads whole tables in one statement each, which sqlx would warn about as
    // slow statements; its own lines say what it did.
    let quiet = if matches!(cli.command, Command::Migrate { .. }) {
        "info,sqlx=error,tower_http=warn"
    } else {
        "info,sqlx=warn,tower_http=warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| quiet.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tis-status: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tis-status: {}", message.trim_end());
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> Result<(), String> {
    match command {
        Command::Serve {
            place,
            listen,
            assets,
            location,
            demo_break,
        } => serve(place, listen, assets, location, demo_break).await,
        Command::Probe {
            config,
            push,
            token_env,
            location,
        } => probe(&config, &push, &token_env, location).await,
        Command::Account {
            command:
                AccountCommand::Add {
                    name,
                    role,
                    display_name,
                    place,
                },
        } => account_add(place, name, display_name, &role).await,
        Command::Token {
            command:
                TokenCommand::Create {
                    name,
                    role,
                    location,
                    expires_in_days,
                    place,
                },
        } => token_create(place, name, &role, location, expires_in_days).await,
        Command::Heartbeat {
            command: HeartbeatCommand::Token { probe, place },
        } => heartbeat_token(place, &probe).await,
        Command::Check { config } => {
            let config =
                Config::load_with(&config, Secrets::Required).map_err(|e| e.to_string())?;
            println!(
                "{} is valid: {} services, {} probes, {} alert channels, {} alert rules.",
                config.source,
                config.services.len(),
                config
                    .services
                    .iter()
                    .map(|s| s.probes.len())
                    .sum::<usize>(),
                config.channels.len(),
                config.alerts.len()
            );
            Ok(())
        }
        Command::Export { place, out } => {
            let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
            let store = open_store(&place, &config).await?;
            let export = store.export().await.map_err(|e| e.to_string())?;
            let text = serde_json::to_string_pretty(&export).map_err(|e| e.to_string())?;
            match out {
                Some(path) => std::fs::write(&path, text + "\n")
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        Command::Backup { place, out } => {
            let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
            if config.store.choice()? != crate::config::StoreChoice::Sqlite {
                return Err(
                    "tis-status backup copies the SQLite store; this config keeps its records in PostgreSQL ([store]): back that up with PostgreSQL's own pg_dump, or your provider's snapshots".into(),
                );
            }
            let data = data_dir(&place, &config);
            let store = SqliteStore::open_for_backup(&data)
                .await
                .map_err(|e| e.to_string())?;
            let copy = store.backup_to(&out).await.map_err(|e| e.to_string())?;
            println!(
                "Backed up the store in {} to {} ({}): {} notices, {} incidents, {} probe results. \
                 To restore it, stop the server and start it with --data {}.",
                data.display(),
                out.display(),
                size_in_words(copy.bytes),
                copy.notices,
                copy.incidents,
                copy.probe_results,
                out.display()
            );
            Ok(())
        }
        Command::Migrate { to, to_env, place } => migrate(place, to, to_env).await,
        Command::Import { file, place } => {
            let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
            let store = open_store(&place, &config).await?;
            let source = file.display().to_string();
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("cannot read {source}: {e}"))?;
            let export = import::parse(&source, &text).map_err(|e| e.to_string())?;
            import::import(
                store.as_ref(),
                &source,
                &export,
                &service_ids(&config),
                cli_change(),
            )
            .await
            .map_err(|e| e.to_string())?;
            println!(
                "Imported {} notices, {} incidents and {} report revisions from {source}.",
                export.notices.len(),
                export.incidents.len(),
                export.revisions.len()
            );
            Ok(())
        }
    }
}

/// `migrate --to URL`: the SQLite store `place` names, copied into the PostgreSQL
/// database at the URL (or the URL in the variable `--to-env` names).
async fn migrate(place: Place, to: Option<String>, to_env: Option<String>) -> Result<(), String> {
    use crate::store::StoreError;
    use crate::store::migrate::CopyError;
    let url = match (to, to_env) {
        (Some(url), _) => url,
        (None, Some(name)) => std::env::var(&name)
            .ok()
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                format!(
                    "--to-env {name}: the environment variable {name} is not set: set it to the database's URL, postgres://user:password@host:5432/database"
                )
            })?,
        (None, None) => {
            return Err(
                "give the database to copy into: --to postgres://user@host:5432/database, or --to-env VAR".into(),
            );
        }
    };
    let shown = crate::store::without_password(&url);
    crate::config::check_database_url(&url).map_err(|e| format!("--to {shown}: {e}"))?;
    let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
    let data = data_dir(&place, &config);
    let db = crate::store::db_path(&data);
    if !db.is_file() {
        return Err(format!(
            "there is no SQLite store at {}: give the data directory the server uses, with --data or the config's data_dir. Nothing was copied",
            db.display()
        ));
    }
    // Brought up to date as `serve` would (with its copy to backups/ first), so the rows
    // read are in this version's tables, which the PostgreSQL ones twin.
    let from = SqliteStore::open(&data)
        .await
        .map_err(|e| format!("cannot open the store in {}: {e}", data.display()))?;
    let to = crate::store::PgStore::open(&url, None)
        .await
        .map_err(|e| match e {
            StoreError::Unreachable(why) => format!(
                "the PostgreSQL database at {shown} cannot be reached: {why}. Check that PostgreSQL is running at that address and that the URL given to migrate is right. Nothing was copied"
            ),
            StoreError::Refused(why) => format!(
                "the PostgreSQL database at {shown} refused the connection: {why}. Check the user, password and database name in the URL given to migrate (make the database first if it does not exist). Nothing was copied"
            ),
            other => format!("cannot open the PostgreSQL database at {shown}: {other}"),
        })?;
    let copied = crate::store::migrate::copy(&from, &to)
        .await
        .map_err(|e| match e {
            CopyError::NotEmpty(_) => format!(
                "the PostgreSQL database {shown} {e}. migrate copies into an empty database only: make a new database and run it again. Nothing was changed"
            ),
            other => format!("cannot copy {} into {shown}: {other}", db.display()),
        })?;
    println!("Copied from {} into {shown}:", db.display());
    let count =
        |rows: u64| tis_core::validate::thousands(usize::try_from(rows).unwrap_or(usize::MAX));
    let mut empty = Vec::new();
    for table in &copied {
        match table.rows {
            0 => empty.push(table.table.as_str()),
            1 => println!("  {}: 1 row", table.table),
            n => println!("  {}: {} rows", table.table, count(n)),
        }
    }
    if !empty.is_empty() {
        println!("  Empty, so nothing to copy: {}", empty.join(", "));
    }
    let total: u64 = copied.iter().map(|t| t.rows).sum();
    let next = if shown == url {
        format!("Set [store] url = \"{url}\" in your config to use it.")
    } else {
        "To use it, put this URL in an environment variable and name it with [store] url_env in your config (a password never goes in the file).".to_string()
    };
    println!(
        "Copied {} {} from {} into {shown}. {next}",
        count(total),
        if total == 1 { "row" } else { "rows" },
        db.display()
    );
    Ok(())
}

/// The config named by `--config`, or the built-in demo probing `estate`. Secrets are
/// required only where probes will run (`serve`).
fn load_config(
    place: &Place,
    estate: Option<&str>,
    secrets: Secrets,
) -> Result<(Config, bool), String> {
    match &place.config {
        Some(path) => Config::load_with(path, secrets)
            .map(|c| (c, false))
            .map_err(|e: ConfigError| e.to_string()),
        None => Config::demo(estate.unwrap_or("http://127.0.0.1:9"))
            .map(|c| (c, true))
            .map_err(|e| e.to_string()),
    }
}

/// `--data`, else the config's `data_dir` (relative to the config file), else `./data`.
fn data_dir(place: &Place, config: &Config) -> PathBuf {
    if let Some(dir) = &place.data {
        return dir.clone();
    }
    match &place.config {
        Some(file) if config.server.data_dir.is_relative() => file
            .parent()
            .unwrap_or(Path::new("."))
            .join(&config.server.data_dir),
        _ => config.server.data_dir.clone(),
    }
}

/// The store the config names: PostgreSQL at `[store] url`, or the SQLite file in the
/// data directory.
async fn open_store(place: &Place, config: &Config) -> Result<crate::SharedStore, String> {
    crate::store::open(&config.store, &data_dir(place, config)).await
}

/// A file size as people read it: "820 KB", "14.2 MB".
fn size_in_words(bytes: u64) -> String {
    match bytes {
        b if b < 1_000_000 => format!("{} KB", b.div_ceil(1000)),
        b => format!("{:.1} MB", b as f64 / 1_000_000.0),
    }
}

/// Changes made from the command line are recorded as the operating system user's.
fn cli_change() -> Change<'static> {
    static ACTOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let actor = ACTOR.get_or_init(|| {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        format!("command line ({user})")
    });
    Change {
        actor,
        at: chrono::Utc::now(),
    }
}

fn service_ids(config: &Config) -> Vec<&str> {
    config.services.iter().map(|s| s.id.as_str()).collect()
}

async fn serve(
    place: Place,
    listen: Option<SocketAddr>,
    assets: Option<PathBuf>,
    location: Option<String>,
    demo_break: Option<String>,
) -> Result<(), String> {
    let broken: Option<demo::Break> = match (&demo_break, &place.config) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(
                "--demo-break only works with the built-in demo: leave out --config".into(),
            );
        }
        (Some(part), None) => Some(part.parse().map_err(|e| format!("--demo-break: {e}"))?),
    };
    if let Some(location) = &location {
        crate::config::check_location(location).map_err(|e| format!("--location: {e}"))?;
    }
    let estate = match place.config {
        None => Some(
            demo::start(broken.clone())
                .await
                .map_err(|e| format!("cannot start the demo estate: {e}"))?,
        ),
        Some(_) => None,
    };
    let (mut config, is_demo) = load_config(
        &place,
        estate.as_ref().map(|e| e.base_url.as_str()),
        Secrets::Required,
    )?;
    if let Some(broken) = &broken {
        broken.check(&service_ids(&config))?;
        tracing::warn!(part = ?broken, "the demo estate is broken on purpose (--demo-break)");
    }
    if let Some(location) = location {
        config.server.location = Some(location);
    }
    let store = open_store(&place, &config).await?;
    let mut job = None;
    if is_demo {
        demo::load_records(store.as_ref(), &config).await?;
        let stopped = broken == Some(demo::Break::EsrJob);
        job = Some(demo::job::prepare(store.as_ref(), &config, stopped).await?);
    }
    let checker = match estate {
        Some(estate) => {
            let secret = estate.secret;
            tis_prober::Checker::with_secrets(move |name| {
                if name == demo::DEMO_SECRET_ENV {
                    Some(secret.clone())
                } else {
                    std::env::var(name).ok()
                }
            })
        }
        None => tis_prober::Checker::new(),
    };
    let app = Application::build(Settings {
        config,
        store,
        demo: is_demo,
        checker,
        listen,
        assets,
    })
    .await?;
    if let Some(job) = job {
        job.start(app.addr());
    }
    let stop = shutdown_signal();
    println!(
        "TIS Status is running at http://{}/ (press Ctrl+C to stop)",
        app.addr()
    );
    app.run_until_stopped(stop).await;
    Ok(())
}

/// `probe`: the probes of a config, run here, their results pushed to a server.
async fn probe(
    config: &Path,
    push: &str,
    token_env: &str,
    location: Option<String>,
) -> Result<(), String> {
    let config = Config::load_with(config, Secrets::Required).map_err(|e| e.to_string())?;
    let token = std::env::var(token_env)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "--token-env {token_env}: the environment variable {token_env} is not set; put a prober token in it (tis-status token create --name NAME --role prober, on the server)"
            )
        })?;
    let target = tis_prober::push::PushTarget::new(push, token.trim().to_string())?;
    let location = match location.or_else(|| config.server.location.clone()) {
        Some(l) => {
            crate::config::check_location(&l).map_err(|e| format!("--location: {e}"))?;
            Some(l)
        }
        None => None,
    };
    let probes = tis_prober::schedule(&config.services);
    let stop = shutdown_signal();
    println!(
        "Probing {} services ({} probes) from {}, pushing results to {} (press Ctrl+C to stop)",
        config.services.len(),
        probes.len(),
        location.as_deref().unwrap_or("the token's location"),
        target.endpoint
    );
    let shutdown = CancellationToken::new();
    let (results_tx, results_rx) = mpsc::channel(4096);
    let options = tis_prober::RunOptions {
        max_concurrent: config.server.max_concurrent_probes,
        location,
        canaries: config.canaries.clone(),
        ..Default::default()
    };
    let prober = tokio::spawn(tis_prober::run(
        probes,
        tis_prober::Checker::new(),
        results_tx,
        shutdown.clone(),
        options,
    ));
    let pusher = tokio::spawn(tis_prober::push::push(results_rx, target));
    stop.await;
    tracing::info!("stopping: pushing what is left");
    shutdown.cancel();
    if let Ok(stats) = prober.await {
        tracing::info!("prober stopped: {stats}");
    }
    if let Ok(pushed) = pusher.await {
        tracing::info!(
            accepted = pushed.accepted,
            dropped = pushed.dropped,
            "pusher stopped"
        );
    }
    Ok(())
}

/// Resolves on Ctrl+C or SIGTERM. The handlers are in place when this returns, before
/// the future is first polled: a SIGTERM that comes just after the server says it is
/// running (an orchestrator stopping a replica it has just started) must stop it
/// cleanly, not kill it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = ctrl_c.await;
    }
}

/// `account add NAME --role ROLE`: the password comes from standard input, never from the
/// command line, where other users could see it in the process list.
async fn account_add(
    place: Place,
    name: String,
    display_name: Option<String>,
    role: &str,
) -> Result<(), String> {
    let role: tis_core::Role = role.parse().map_err(|e| format!("--role: {e}"))?;
    let password = read_password(&name)?;
    let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
    let store = open_store(&place, &config).await?;
    let input = tis_core::account::AccountInput {
        name,
        display_name,
        role,
        password,
    };
    let account = crate::auth::add_account(store.as_ref(), &input, cli_change())
        .await
        .map_err(|e| format!("cannot add account \"{}\": {}", input.name, cli_error(e)))?;
    let shown = tis_core::account::public_author(account.display_name.as_deref());
    println!(
        "Added account \"{}\" with role {}. They can sign in now; public pages name what \
         they write \"{shown}\".",
        account.name, account.role
    );
    Ok(())
}

/// `token create --name NAME --role ROLE`: the token goes to standard output alone, so
/// scripts can capture it; the note about it to standard error.
async fn token_create(
    place: Place,
    name: String,
    role: &str,
    location: Option<String>,
    expires_in_days: Option<u32>,
) -> Result<(), String> {
    let role: tis_core::Role = role.parse().map_err(|e| format!("--role: {e}"))?;
    let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
    let store = open_store(&place, &config).await?;
    let input = tis_core::account::TokenInput {
        name,
        role,
        location,
        expires_in_days,
    };
    let (token, info) =
        crate::auth::create_token(store.as_ref(), &input, config.location(), cli_change())
            .await
            .map_err(|e| format!("cannot create token \"{}\": {}", input.name, cli_error(e)))?;
    println!("{token}");
    let place_words = info
        .location
        .as_deref()
        .map(|l| format!(", for results from {l}"))
        .unwrap_or_default()
        + &info
            .expires_at
            .map(|end| format!(", working until {}", tis_core::time::uk_date_time(end)))
            .unwrap_or_default();
    eprintln!(
        "Created token \"{}\" (id {}, role {}{place_words}). Copy it now: it is not shown \
         again, as only its hash is kept. Send it as the header Authorization: Bearer <token>.",
        info.name, info.id, info.role
    );
    Ok(())
}

/// `heartbeat token PROBE`: like `token create`, the token alone on standard output.
async fn heartbeat_token(place: Place, probe: &str) -> Result<(), String> {
    let (config, _) = load_config(&place, None, Secrets::NotNeeded)?;
    let store = open_store(&place, &config).await?;
    let (token, replaced) =
        crate::heartbeat::make_token(store.as_ref(), &config.services, probe, cli_change())
            .await
            .map_err(|e| format!("cannot make a token for heartbeat \"{probe}\": {e}"))?;
    println!("{token}");
    let (service, n) = probe.split_once('/').unwrap_or((probe, ""));
    eprintln!(
        "{} the token of heartbeat {probe}{}. Copy it now: it is not shown again, as only \
         its hash is kept. The job sends it as the header Authorization: Bearer <token> to \
         /api/v1/heartbeats/{service}/{n} (and /start, /fail).",
        if replaced { "Made a new" } else { "Made" },
        if replaced {
            "; the old one no longer works"
        } else {
            ""
        },
    );
    Ok(())
}

/// One line from standard input; asked for twice, without echo, at a terminal.
fn read_password(name: &str) -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let ask = |prompt: &str| {
            rpassword::prompt_password(prompt).map_err(|e| format!("cannot read the password: {e}"))
        };
        let first = ask(&format!(
            "Password for {name} (at least {} characters): ",
            tis_core::account::MIN_PASSWORD_CHARS
        ))?;
        if ask("The same password again: ")? != first {
            return Err("the two passwords differ; nothing was changed. Try again.".into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    if password.is_empty() {
        return Err(format!(
            "no password on standard input: pipe it in as one line, e.g. \
             printf '%s\\n' \"$PASSWORD\" | tis-status account add {name} --role ROLE"
        ));
    }
    Ok(password.to_string())
}

/// An API error as a line for the terminal: each field and what to fix.
fn cli_error(e: crate::http::error::AppError) -> String {
    use crate::http::error::AppError;
    match e {
        AppError::Invalid(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict(detail) | AppError::BadRequest(detail) => detail,
        other => other.to_string(),
    }
}
