//! Rules that only the staff pages need: checking the editable glossary behind the
//! plain-language hints, and a report's sections as text, for comparing revisions. The
//! shapes themselves (`Glossary`, `ReportDiff`) are wire types, in [`crate::wire`].

use crate::incident::Report;
use crate::keytimes::began;
use crate::plain::GlossaryTerm;
use crate::time::{date_words, format_timeline_when, uk_date};
use crate::validate::{DESCRIPTION_MAX, NAME_MAX, Problems, Validation, repeated};
use crate::wire::Glossary;

/// More terms than any team keeps; bounds the work of checking text as people type.
pub const GLOSSARY_MAX_TERMS: usize = 200;

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
    let mut problems = Problems::default();
    if g.terms.len() > GLOSSARY_MAX_TERMS {
        problems.add(
            "terms",
            format!(
                "The glossary can have at most {GLOSSARY_MAX_TERMS} terms. It has {}.",
                g.terms.len()
            ),
        );
    }
    let mut seen: Vec<String> = Vec::new();
    for (k, t) in g.terms.iter().enumerate() {
        let field = format!("terms[{k}].term");
        let before = problems.len();
        problems.text(
            &field,
            &t.term,
            NAME_MAX,
            "The term",
            "Write the word or phrase to flag, or remove this row.",
        );
        if problems.len() == before {
            let term = t.term.trim();
            let key = term
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if seen.contains(&key) {
                problems.add(field, repeated(term));
            } else {
                seen.push(key);
            }
        }
        problems.text(
            &format!("terms[{k}].suggestion"),
            &t.suggestion,
            DESCRIPTION_MAX,
            "The suggestion",
            "Say what to write instead, in plain words.",
        );
    }
    problems.finish()
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

/// The sections of a report written as prose (`summary` to `resolution`), each at most
/// `BODY_MAX` characters.
pub const PROSE_SECTIONS: &[&str] = SECTIONS.split_at(2).1.split_at(6).0;

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
mod tests;
