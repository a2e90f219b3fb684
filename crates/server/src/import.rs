//! Reading an export file and checking all of it before anything is written, so a bad
//! file never leaves the store half loaded.

use std::fmt;

use tis_core::export::{EXPORT_VERSION, Export};
use tis_core::validate::{validate_incident, validate_notice};

use crate::store::{Change, Store, StoreError};

#[derive(Debug)]
pub enum ImportError {
    /// The file is not an export: bad JSON, a wrong type, an unknown field.
    Unreadable {
        source: String,
        message: String,
    },
    /// The file reads, but some records break the rules; every problem is listed.
    Invalid {
        source: String,
        problems: Vec<String>,
    },
    Store(StoreError),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Unreadable { source, message } => write!(f, "{source}: {message}"),
            ImportError::Invalid { source, problems } => {
                writeln!(
                    f,
                    "{source} was not loaded: {} problem{} found, nothing was changed:",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" }
                )?;
                for p in problems {
                    writeln!(f, "  {source}: {p}")?;
                }
                Ok(())
            }
            ImportError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ImportError {}

/// Reads export JSON; a syntax or shape error names the line and column.
pub fn parse(source: &str, text: &str) -> Result<Export, ImportError> {
    let export: Export = serde_json::from_str(text).map_err(|e| ImportError::Unreadable {
        source: source.to_string(),
        message: format!("line {}, column {}: {}", e.line(), e.column(), clean(&e)),
    })?;
    if export.version != EXPORT_VERSION {
        return Err(ImportError::Unreadable {
            source: source.to_string(),
            message: format!(
                "version {} is not one this server reads; it reads version {EXPORT_VERSION}",
                export.version
            ),
        });
    }
    Ok(export)
}

fn clean(e: &serde_json::Error) -> String {
    // serde_json appends " at line X column Y", which we already say first.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Every rule broken by the records of `export`, each naming where it is.
pub fn check(export: &Export, known_services: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, n) in export.notices.iter().enumerate() {
        if !seen.insert(("notice", n.id)) {
            problems.push(format!("notices[{i}]: the id {} is used twice", n.id));
        }
        if let Err(errors) = validate_notice(n, known_services) {
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("notices[{i}] (id {}), {}: {}", n.id, e.field, e.message)),
            );
        }
    }
    for (i, inc) in export.incidents.iter().enumerate() {
        if !seen.insert(("incident", inc.id)) {
            problems.push(format!("incidents[{i}]: the id {} is used twice", inc.id));
        }
        if let Err(errors) = validate_incident(inc, known_services) {
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("incidents[{i}] (id {}), {}: {}", inc.id, e.field, e.message)),
            );
        }
    }
    for (i, r) in export.revisions.iter().enumerate() {
        if !export.incidents.iter().any(|inc| inc.id == r.incident) {
            problems.push(format!(
                "revisions[{i}]: incident {} is not in this file",
                r.incident
            ));
        }
        if !seen.insert(("revision", r.incident * 100_000 + i64::from(r.number))) {
            problems.push(format!(
                "revisions[{i}]: incident {} has revision {} twice",
                r.incident, r.number
            ));
        }
    }
    problems
}

/// Checks all of `export`, then writes it in one transaction.
pub async fn import(
    store: &dyn Store,
    source: &str,
    export: &Export,
    known_services: &[&str],
    change: Change<'_>,
) -> Result<(), ImportError> {
    let problems = check(export, known_services);
    if !problems.is_empty() {
        return Err(ImportError::Invalid {
            source: source.to_string(),
            problems,
        });
    }
    store
        .import(export, change)
        .await
        .map_err(ImportError::Store)
}
