//! Shapes that only the staff pages read and write: the editable glossary behind the
//! plain-language hints, the list of a report's revisions, and what changed between two.

use serde::{Deserialize, Serialize};

use crate::incident::Report;
use crate::keytimes::began;
use crate::plain::GlossaryTerm;
use crate::time::{date_words, format_timeline_when, uk_date};
use crate::validate::{DESCRIPTION_MAX, FieldError, NAME_MAX, Validation};

/// More terms than any team keeps; bounds the work of checking text as people type.
pub const GLOSSARY_MAX_TERMS: usize = 200;

/// `GET /api/v1/glossary` and `PUT /api/v1/glossary`: the words the plain-language hints
/// flag, each with what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Glossary {
    pub terms: Vec<GlossaryTerm>,
}

impl Glossary {
    /// The same glossary with spaces trimmed and runs of spaces inside a term made one,
    /// which is how it is checked and kept.
    pub fn tidied(&self) -> Glossary {
        Glossary {
            terms: self
                .terms
                .iter()
                .map(|t| GlossaryTerm {
                    term: t.term.split_whitespace().collect::<Vec<_>>().join(" "),
                    suggestion: t.suggestion.trim().to_string(),
                })
                .collect(),
        }
    }
}

/// Checks a glossary before it is saved: every term written once, each with a suggestion.
pub fn validate_glossary(g: &Glossary) -> Validation {
    let mut problems = Vec::new();
    if g.terms.len() > GLOSSARY_MAX_TERMS {
        problems.push(FieldError::new(
            "terms",
            format!(
                "The glossary can have at most {GLOSSARY_MAX_TERMS} terms. It has {}.",
                g.terms.len()
            ),
        ));
    }
    let mut seen: Vec<String> = Vec::new();
    for (k, t) in g.terms.iter().enumerate() {
        let term = t.term.trim();
        let suggestion = t.suggestion.trim();
        // Counted as sent, as the OpenAPI document's `maxLength` counts it.
        let term_chars = t.term.chars().count();
        if term.is_empty() {
            problems.push(FieldError::new(
                format!("terms[{k}].term"),
                "Write the word or phrase to flag, or remove this row.",
            ));
        } else if term_chars > NAME_MAX {
            problems.push(FieldError::new(
                format!("terms[{k}].term"),
                format!("The term must be {NAME_MAX} characters or less. It has {term_chars}."),
            ));
        } else {
            let key = term
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if seen.contains(&key) {
                problems.push(FieldError::new(
                    format!("terms[{k}].term"),
                    format!("\"{term}\" is listed more than once. Remove the repeat."),
                ));
            } else {
                seen.push(key);
            }
        }
        let suggestion_chars = t.suggestion.chars().count();
        if suggestion.is_empty() {
            problems.push(FieldError::new(
                format!("terms[{k}].suggestion"),
                "Say what to write instead, in plain words.",
            ));
        } else if suggestion_chars > DESCRIPTION_MAX {
            problems.push(FieldError::new(
                format!("terms[{k}].suggestion"),
                format!(
                    "The suggestion must be {DESCRIPTION_MAX} characters or less. It has {suggestion_chars}."
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// `GET /api/v1/incidents/{id}/report/diff?from=&to=`: the sections that differ between
/// two revisions, line by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportDiff {
    pub incident: i64,
    pub from: u32,
    pub to: u32,
    /// Only the sections that differ, in report order.
    pub sections: Vec<SectionDiff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionDiff {
    /// The report field, e.g. `summary`, `timeline`.
    pub section: String,
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffLine {
    pub change: LineChange,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LineChange {
    Same,
    Added,
    Removed,
}

/// Every section of a report, in the order of the editor: for showing two versions side
/// by side and for the differences between revisions.
pub const SECTIONS: [&str; 13] = [
    "status",
    "authors",
    "summary",
    "impact",
    "non_technical",
    "trigger",
    "detection",
    "resolution",
    "timeline",
    "root_causes",
    "action_items",
    "lessons",
    "labels",
];

/// A report section as text for people, one list item a line, so that two versions can be
/// shown side by side and compared line by line. Enums read in their reader words
/// (`In review`, `In progress`), the same on the staff pages and in the server's diff.
pub fn section_text(r: &Report, section: &str) -> String {
    let lines = |items: &[String]| items.join("\n");
    match section {
        "status" => r.status.label().to_string(),
        "authors" => r.authors.join(", "),
        "summary" => r.summary.clone(),
        "impact" => r.impact.clone(),
        "non_technical" => r.non_technical.clone(),
        "trigger" => r.trigger.clone(),
        "detection" => r.detection.clone(),
        "resolution" => r.resolution.clone(),
        "timeline" => r
            .timeline
            .iter()
            .map(|e| {
                format!(
                    "{} on {} ({}): {}",
                    format_timeline_when(&e.when, e.approximate),
                    uk_date(began(e).earliest),
                    e.kind.label(),
                    e.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "root_causes" => lines(&r.root_causes),
        "action_items" => r
            .action_items
            .iter()
            .map(|a| {
                let due = a
                    .due
                    .map(|d| format!(", due {}", date_words(d)))
                    .unwrap_or_default();
                format!("{} (owner: {}, {}{due})", a.text, a.owner, a.status.label())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        "lessons" => lines(&r.lessons),
        "labels" => r.labels.join(", "),
        _ => String::new(),
    }
}

/// A report section's heading, for people: `non_technical` is "What happened, in plain
/// words".
pub fn section_heading(section: &str) -> &str {
    match section {
        "status" => "Status",
        "authors" => "Authors",
        "summary" => "Summary",
        "impact" => "Impact",
        "non_technical" => "What happened, in plain words",
        "trigger" => "Trigger",
        "detection" => "Detection",
        "resolution" => "Resolution",
        "timeline" => "Timeline",
        "root_causes" => "Root causes",
        "action_items" => "Action items",
        "lessons" => "Lessons learned",
        "labels" => "Labels",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(term: &str, suggestion: &str) -> GlossaryTerm {
        GlossaryTerm {
            term: term.into(),
            suggestion: suggestion.into(),
        }
    }

    #[test]
    fn the_default_glossary_passes() {
        let g = Glossary {
            terms: crate::plain::default_glossary(),
        };
        assert_eq!(validate_glossary(&g), Ok(()));
    }

    #[test]
    fn every_glossary_problem_is_named_against_its_row() {
        let g = Glossary {
            terms: vec![
                term("Docker", "the software that runs our services"),
                term("  ", "x"),
                term("docker", ""),
                term(&"w".repeat(NAME_MAX + 1), &"s".repeat(DESCRIPTION_MAX + 1)),
            ],
        };
        let problems = validate_glossary(&g).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "terms[1].term",
                "terms[2].term",
                "terms[2].suggestion",
                "terms[3].term",
                "terms[3].suggestion"
            ]
        );
        assert_eq!(
            problems[1].message,
            "\"docker\" is listed more than once. Remove the repeat."
        );
        assert_eq!(
            problems[3].message,
            "The term must be 60 characters or less. It has 61."
        );
    }

    #[test]
    fn repeats_are_found_whatever_the_spacing() {
        let g = Glossary {
            terms: vec![term("hosts file", "a"), term(" Hosts   file ", "b")],
        };
        assert_eq!(validate_glossary(&g).unwrap_err()[0].field, "terms[1].term");
        assert_eq!(g.tidied().terms[1].term, "Hosts file");
    }

    #[test]
    fn an_empty_glossary_is_allowed_and_a_huge_one_is_not() {
        assert_eq!(validate_glossary(&Glossary { terms: vec![] }), Ok(()));
        let g = Glossary {
            terms: (0..=GLOSSARY_MAX_TERMS)
                .map(|k| term(&format!("t{k}"), "s"))
                .collect(),
        };
        assert_eq!(validate_glossary(&g).unwrap_err()[0].field, "terms");
    }

    #[test]
    fn a_diff_reads_the_way_the_server_writes_it() {
        let json = r#"{"incident":3,"from":1,"to":2,"sections":[{"section":"summary",
            "lines":[{"change":"removed","text":"old"},{"change":"added","text":"new"},
            {"change":"same","text":"kept"}]}]}"#;
        let diff: ReportDiff = serde_json::from_str(json).unwrap();
        assert_eq!(diff.sections[0].lines[0].change, LineChange::Removed);
        assert_eq!(section_heading(&diff.sections[0].section), "Summary");
    }
}
