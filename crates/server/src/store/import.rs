//! Reading an export file and checking all of it before anything is written, so a bad
//! file never leaves the store half loaded.

use std::collections::HashSet;
use std::fmt;

use tis_core::export::{EXPORT_VERSION, Export};
use tis_core::staff::validate_glossary;
use tis_core::validate::{validate_incident, validate_notice};
use tis_core::wire::Glossary;

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
    let mut seen = HashSet::new();
    let mut revisions = HashSet::new();
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
        if !revisions.insert((r.incident, r.number)) {
            problems.push(format!(
                "revisions[{i}]: incident {} has revision {} twice",
                r.incident, r.number
            ));
        }
    }
    if let Some(g) = &export.glossary {
        let glossary = Glossary {
            terms: g.terms.clone(),
        };
        if let Err(errors) = validate_glossary(&glossary) {
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("glossary, {}: {}", e.field, e.message)),
            );
        }
    }
    // History may name services no longer in the config: it stays true of its time, so
    // only what makes a record meaningless is refused.
    for (i, c) in export.status_changes.iter().enumerate() {
        if c.service.trim().is_empty() {
            problems.push(format!("status_changes[{i}]: service is empty"));
        }
    }
    let mut days = HashSet::new();
    for (i, d) in export.daily_uptime.iter().enumerate() {
        let at = format!("daily_uptime[{i}] ({} on {})", d.service, d.date);
        if d.service.trim().is_empty() {
            problems.push(format!("daily_uptime[{i}]: service is empty"));
        }
        if !days.insert((d.service.as_str(), d.date)) {
            problems.push(format!("{at}: this day is in the file twice"));
        }
        if d.failed_checks > d.checks {
            problems.push(format!(
                "{at}: failed_checks ({}) is more than checks ({})",
                d.failed_checks, d.checks
            ));
        }
        if d.minutes > MAX_DAY_MINUTES {
            problems.push(format!(
                "{at}: minutes is {}, but a day has at most {MAX_DAY_MINUTES}",
                d.minutes
            ));
        }
        for (name, value) in [
            ("minutes_down", d.minutes_down),
            ("minutes_degraded", d.minutes_degraded),
            ("minutes_no_data", d.minutes_no_data),
        ] {
            if value > d.minutes {
                problems.push(format!(
                    "{at}: {name} ({value}) is more than minutes ({})",
                    d.minutes
                ));
            }
        }
    }
    for (i, e) in export.audit_log.iter().enumerate() {
        for (name, value) in [("actor", &e.actor), ("action", &e.action)] {
            if value.trim().is_empty() {
                problems.push(format!("audit_log[{i}]: {name} is empty"));
            }
        }
    }
    problems
}

/// The longest UK day: 25 hours, when the clocks go back.
const MAX_DAY_MINUTES: u32 = 25 * 60;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_that_cannot_be_true_is_refused_naming_where_it_is() {
        let text = r#"{"version": 1,
          "glossary": {"terms": [{"term": "", "suggestion": "x"}],
                       "updated_at": "2026-10-14T09:00:00Z", "updated_by": "ed"},
          "status_changes": [{"service": " ", "at": "2026-10-13T18:02:00Z",
                              "from": "operational", "to": "major_outage"}],
          "daily_uptime": [
            {"service": "sign-in", "date": "2026-10-13", "checks": 10, "failed_checks": 11,
             "minutes": 1440, "minutes_down": 1441, "minutes_degraded": 0, "minutes_no_data": 0},
            {"service": "sign-in", "date": "2026-10-13", "checks": 0, "failed_checks": 0,
             "minutes": 1600, "minutes_down": 0, "minutes_degraded": 0, "minutes_no_data": 0}
          ],
          "audit_log": [{"at": "2026-10-13T18:30:00Z", "actor": "", "action": "x",
                         "target": "incident/9"}]}"#;
        let export = parse("history.json", text).expect("the file reads");
        let problems = check(&export, &["sign-in"]);
        for expected in [
            "glossary, terms[0].term",
            "status_changes[0]: service is empty",
            "daily_uptime[0] (sign-in on 2026-10-13): failed_checks (11) is more than checks (10)",
            "daily_uptime[0] (sign-in on 2026-10-13): minutes_down (1441) is more than minutes",
            "daily_uptime[1] (sign-in on 2026-10-13): this day is in the file twice",
            "daily_uptime[1] (sign-in on 2026-10-13): minutes is 1600, but a day has at most 1500",
            "audit_log[0]: actor is empty",
        ] {
            assert!(
                problems.iter().any(|p| p.starts_with(expected)),
                "{expected} is not in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), 7, "{problems:#?}");
    }

    #[test]
    fn history_of_a_service_no_longer_configured_is_kept() {
        let text = r#"{"version": 1,
          "status_changes": [{"service": "old-portal", "at": "2026-10-13T18:02:00Z",
                              "from": "operational", "to": "major_outage"}],
          "daily_uptime": [{"service": "old-portal", "date": "2026-10-13", "checks": 2,
             "failed_checks": 1, "minutes": 1500, "minutes_down": 30,
             "minutes_degraded": 0, "minutes_no_data": 0}]}"#;
        let export = parse("history.json", text).expect("the file reads");
        assert_eq!(check(&export, &["sign-in"]), Vec::<String>::new());
    }
}
