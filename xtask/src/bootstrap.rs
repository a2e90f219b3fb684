//! Installs what building and testing need, skipping whatever is already there, and
//! says what it installs. See ../shared/TOOLCHAIN.md for why each pin is what it is.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::{Result, describe, status};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The pages ask for Arial. Liberation Sans has Arial's metrics (fontconfig stands it in
/// for Arial), so the layout tests (nothing scrolls sideways at 320 px) measure text as
/// readers with Arial see it, the same on every machine, rather than whatever wider
/// fallback a machine happens to have.
pub const ARIAL_METRICS_FONT: &str =
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf";
/// The oldest Node the browser tests run on (playwright-core's `engines`).
const NODE_MAJOR: u32 = 20;

#[derive(Clone, Copy, PartialEq)]
pub enum Needs {
    /// Enough to build the app and the server.
    Build,
    /// Also the browser and test tools.
    Everything,
}

pub fn ensure(root: &Path, needs: Needs) -> Result {
    let started = Instant::now();
    wasm_target()?;
    trunk()?;
    wasm_bindgen_cli(root)?;
    node_modules(root)?;
    if needs == Needs::Everything {
        chromium()?;
        python_test_tools()?;
        postgresql()?;
    }
    println!(
        "xtask: toolchain ready ({:.1?} spent checking and installing)",
        started.elapsed()
    );
    Ok(())
}

/// Test tools from PyPI: the alert tests' real receivers (the aiosmtpd SMTP server, and
/// the Standard Webhooks reference library that verifies webhook signatures), and
/// schemathesis, which fuzzes the API against its own OpenAPI document (see `fuzz.rs`).
pub const PYTHON_TEST_TOOLS: &[&str] = &[
    "aiosmtpd==1.4.6",
    "standardwebhooks==1.1.0",
    "schemathesis==4.32.5",
];

fn python_test_tools() -> Result {
    let check = "import importlib.metadata as m, sys; \
                 sys.exit(0 if all(m.version(p.split('==')[0]) == p.split('==')[1] for p in sys.argv[1:]) else 1)";
    let installed = || {
        Command::new("python3")
            .args(["-c", check])
            .args(PYTHON_TEST_TOOLS)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if installed() {
        return Ok(());
    }
    install(
        &format!(
            "{} from PyPI (alert tests, API fuzzing)",
            PYTHON_TEST_TOOLS.join(" ")
        ),
        || {
            if which("python3").is_none() {
                apt_install(&["python3", "python3-pip"])?;
            } else if output("python3", &["-m", "pip", "--version"]).is_none() {
                apt_install(&["python3-pip"])?;
            }
            let mut pip = Command::new("python3");
            pip.args(["-m", "pip", "install", "--quiet"])
                .args(PYTHON_TEST_TOOLS);
            if status(pip).is_err() {
                // Debian's own Python refuses pip outside a virtual environment (PEP 668);
                // these are test tools for this machine only.
                let mut pip = Command::new("python3");
                pip.args(["-m", "pip", "install", "--quiet", "--break-system-packages"])
                    .args(PYTHON_TEST_TOOLS);
                status(pip)?;
            }
            if installed() {
                Ok(())
            } else {
                Err("pip finished, but python3 still cannot import them".into())
            }
        },
    )
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin(name: &str) -> PathBuf {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
    home.join("bin").join(name)
}

/// PATH with the project's node_modules/.bin and cargo's bin first, so Trunk finds the
/// pinned wasm-opt and wasm-bindgen rather than anything else on the machine.
pub fn path_with_node_bin(root: &Path) -> OsString {
    let mut parts = vec![
        root.join("node_modules").join(".bin"),
        cargo_bin("").to_path_buf(),
    ];
    if let Some(path) = env::var_os("PATH") {
        parts.extend(env::split_paths(&path));
    }
    env::join_paths(parts).unwrap_or_default()
}

fn wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    install(&format!("the {WASM_TARGET} Rust target"), || {
        let mut cmd = Command::new("rustup");
        cmd.args(["target", "add", WASM_TARGET]);
        status(cmd)
    })
}

fn trunk() -> Result {
    let bin = cargo_bin("trunk");
    if version_of(&bin).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    install(
        &format!("Trunk {TRUNK_VERSION} (about 6 minutes on 2 cores)"),
        || {
            let mut cmd = Command::new("cargo");
            cmd.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]);
            status(cmd)
        },
    )
}

/// The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in
/// Cargo.lock, or the generated JS and the wasm disagree.
fn wasm_bindgen_cli(root: &Path) -> Result {
    let version = locked_version(root, "wasm-bindgen")?;
    let bin = cargo_bin("wasm-bindgen");
    if version_of(&bin).is_some_and(|v| v.split_whitespace().any(|w| w == version)) {
        return Ok(());
    }
    install(
        &format!("wasm-bindgen-cli {version} (about 3 minutes)"),
        || {
            // Not --locked: its lock file names a crate version the registry no longer
            // serves (see TOOLCHAIN.md).
            let mut cmd = Command::new("cargo");
            cmd.args(["install", "wasm-bindgen-cli", "--version", &version]);
            status(cmd)
        },
    )
}

/// wasm-opt from npm's binaryen and Playwright, as locked in package-lock.json.
fn node_modules(root: &Path) -> Result {
    let lock = root.join("package-lock.json");
    let stamp = root.join("node_modules").join(".xtask-lock");
    let wanted = fs::read(&lock).map_err(|e| format!("cannot read {}: {e}", lock.display()))?;
    if fs::read(&stamp).is_ok_and(|have| have == wanted) {
        return Ok(());
    }
    if which("npm").is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    node_is_new_enough()?;
    install(
        "wasm-opt (npm binaryen) and playwright-core into ./node_modules",
        || {
            let mut cmd = Command::new("npm");
            cmd.current_dir(root)
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
            status(cmd)
        },
    )?;
    fs::write(&stamp, wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

/// Playwright needs a newer Node than some Debian releases ship: say so plainly, rather
/// than let the browser tests fail on a syntax error.
fn node_is_new_enough() -> Result {
    let version = output("node", &["--version"]).unwrap_or_default();
    let major = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major >= NODE_MAJOR => Ok(()),
        _ => Err(format!(
            "the browser tests need Node {NODE_MAJOR} or newer; `node --version` says {:?}",
            version.trim()
        )),
    }
}

/// Chromium, its driver (for wasm-bindgen-test) and the font the pages' text is measured
/// in; only what is missing is installed.
fn chromium() -> Result {
    let missing: Vec<&str> = [
        ("chromium", CHROMIUM),
        ("chromium-driver", CHROMEDRIVER),
        ("fonts-liberation", ARIAL_METRICS_FONT),
    ]
    .into_iter()
    .filter(|(_, file)| !Path::new(file).exists())
    .map(|(package, _)| package)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

/// Debian's PostgreSQL server, which the API tests run against as well as SQLite; the
/// package's own cluster is not used (the tests make their own, see `tests/support`).
pub(crate) fn postgresql() -> Result {
    if crate::postgres::TestPostgres::installed() {
        return Ok(());
    }
    println!(
        "xtask: PostgreSQL 15 is missing ({}/initdb): the API tests run on it as well as on SQLite, so Debian's postgresql package is installed now",
        crate::postgres::BIN_DIR
    );
    apt_install(&["postgresql"])
}

pub(crate) fn apt_install(packages: &[&str]) -> Result {
    let list = packages.join(" ");
    if !is_root() {
        return Err(format!(
            "{list} must be installed first. Run this as root, then try again:\n  \
             apt-get update && apt-get install -y {list}"
        ));
    }
    install(&format!("{list} (Debian packages)"), || {
        let mut update = Command::new("apt-get");
        update.args(["update", "-q"]);
        status(update)?;
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "-q", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive");
        status(cmd)
    })
}

fn install(what: &str, f: impl FnOnce() -> Result) -> Result {
    println!("xtask: installing {what}");
    let started = Instant::now();
    f().map_err(|e| format!("installing {what} failed: {e}"))?;
    println!("xtask: installed {what} in {:.0?}", started.elapsed());
    Ok(())
}

/// The version of `package` recorded in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_string());
        }
    }
    Err(format!("{package} is not in {}", lock_path.display()))
}

fn version_of(bin: &Path) -> Option<String> {
    let out = Command::new(bin).arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!("xtask: {} failed", describe(&cmd));
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn which(program: &str) -> Option<PathBuf> {
    env::var_os("PATH").and_then(|path| {
        env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|id| id.trim() == "0")
}
