//! `[store]`: where the records are kept. Without it, the SQLite file in the data
//! directory; with `url` (or `url_env`, the variable holding the URL with its password),
//! a PostgreSQL database that several replicas can share.

use serde::Deserialize;

use super::{Layout, Problem};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://user@host:5432/db`, without a password: secrets never sit in the file.
    pub url: Option<String>,
    /// The environment variable holding the whole URL, password included.
    pub url_env: Option<String>,
}

/// Which store to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreChoice {
    /// The SQLite file in the data directory.
    Sqlite,
    /// The PostgreSQL database at this URL.
    Postgres(String),
}

impl StoreConfig {
    /// Which store this names, reading `url_env` now (the commands that only work on the
    /// store need it as much as `serve` does).
    pub fn choice(&self) -> Result<StoreChoice, String> {
        if let Some(name) = &self.url_env {
            let url = std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| {
                format!(
                    "[store] url_env: the environment variable {name} is not set: set it to the database's URL, postgres://user:password@host:5432/database"
                )
            })?;
            check_url(&url, false)?;
            return Ok(StoreChoice::Postgres(url));
        }
        match &self.url {
            Some(url) => Ok(StoreChoice::Postgres(url.clone())),
            None => Ok(StoreChoice::Sqlite),
        }
    }

    /// Every problem with `[store]`, each with its line; `env` reads a named variable as
    /// the rest of the config does (`Some("")`: set, not to be looked at).
    pub(super) fn check(
        &self,
        text: &str,
        layout: &Layout,
        env: &dyn Fn(&str) -> Option<String>,
        problems: &mut Vec<Problem>,
    ) {
        let mut report = |field: &str, message: String| {
            problems.push(Problem {
                line: layout.store_field(text, field),
                message: format!("[store] {field}: {message}"),
            });
        };
        match (&self.url, &self.url_env) {
            (Some(_), Some(_)) => report(
                "url_env",
                "give url or url_env, not both: url_env names the variable holding the whole URL"
                    .into(),
            ),
            (None, None) => report(
                "url",
                "is missing: give url = \"postgres://user@host:5432/database\" or url_env, or leave out [store] to keep the SQLite file in data_dir".into(),
            ),
            (Some(url), None) => {
                if let Err(message) = check_url(url, true) {
                    report("url", message);
                }
            }
            (None, Some(name)) => match env(name) {
                None => report(
                    "url_env",
                    format!(
                        "the environment variable {name} is not set: set it to the database's URL, postgres://user:password@host:5432/database"
                    ),
                ),
                Some(url) if !url.is_empty() => {
                    if let Err(message) = check_url(&url, false) {
                        report("url_env", format!("the URL in {name} {message}"));
                    }
                }
                Some(_) => {}
            },
        }
    }
}

/// Whether `url`, given where a password may be (an environment variable, or the command
/// line of `migrate --to`), is one PostgreSQL can be reached at.
pub fn check_database_url(url: &str) -> Result<(), String> {
    check_url(url, false)
}

/// Whether `url` is one PostgreSQL can be reached at; `in_file` refuses a password.
fn check_url(url: &str, in_file: bool) -> Result<(), String> {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Err(
            "must start with postgres:// (PostgreSQL is the one other store; without [store] the SQLite file in data_dir is used)".into(),
        );
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if in_file
        && authority
            .rsplit_once('@')
            .is_some_and(|(user, _)| user.contains(':'))
    {
        return Err(
            "holds a password: secrets never go in this file; put the whole URL in an environment variable and name it with url_env".into(),
        );
    }
    url.parse::<sqlx::postgres::PgConnectOptions>()
        .map(|_| ())
        .map_err(|e| format!("cannot be read as a PostgreSQL URL: {e}"))
}
