//! Tests of `staff`.

use super::*;
use crate::wire::{LineChange, ReportDiff};

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

#[test]
fn the_prose_sections_are_the_six_written_as_paragraphs() {
    assert_eq!(
        PROSE_SECTIONS,
        [
            "summary",
            "impact",
            "non_technical",
            "trigger",
            "detection",
            "resolution"
        ]
    );
}
