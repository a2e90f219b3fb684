//! Tests that pin the upstream error texts (serde, serde_path_to_error, chrono) this module
//! turns into user words, so that a crate update that changes them is noticed here.

use serde::Deserialize;

use super::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Sample {
    title: String,
    count: u32,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Info,
    Warning,
}

/// What serde_json says about `body`, as the deserializer of the body extractor does.
fn upstream(body: &str) -> (String, String) {
    let mut de = serde_json::Deserializer::from_str(body);
    let e = serde_path_to_error::deserialize::<_, Sample>(&mut de).unwrap_err();
    let text = e.inner().to_string();
    let text = text
        .rfind(" at line ")
        .map_or(text.clone(), |at| text[..at].to_string());
    (e.path().to_string(), text)
}

// The upstream shapes this module reads. When one of these fails after an update,
// change the reading in `in_words` with it.

#[test]
fn serde_names_a_missing_field_in_backticks() {
    assert_eq!(upstream(r#"{"count": 1}"#).1, "missing field `title`");
}

#[test]
fn serde_lists_the_known_fields_after_an_unknown_one() {
    let (path, text) = upstream(r#"{"title": "a", "count": 1, "colour": "red"}"#);
    assert_eq!(path, "colour");
    assert_eq!(
        text,
        "unknown field `colour`, expected one of `title`, `count`, `severity`, `at`"
    );
    assert_eq!(backticked_choices(&text), "title, count, severity, at");
}

#[test]
fn serde_lists_the_words_after_an_unknown_variant() {
    let (path, text) = upstream(r#"{"title": "a", "count": 1, "severity": "loud"}"#);
    assert_eq!(path, "severity");
    assert_eq!(text, "unknown variant `loud`, expected `info` or `warning`");
}

#[test]
fn serde_says_what_it_found_and_expected_for_a_wrong_type() {
    let (path, text) = upstream(r#"{"title": 3, "count": 1}"#);
    assert_eq!(path, "title");
    assert_eq!(text, "invalid type: integer `3`, expected a string");
    let (_, text) = upstream(r#"{"title": "a", "count": -1}"#);
    assert_eq!(text, "invalid value: integer `-1`, expected u32");
}

#[test]
fn chrono_says_why_it_cannot_read_a_time() {
    let (path, text) = upstream(r#"{"title": "a", "count": 1, "at": "yesterday"}"#);
    assert_eq!(path, "at");
    assert_eq!(text, "input contains invalid characters");
}

#[test]
fn a_number_in_a_query_that_is_not_a_number() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Query {
        limit: u32,
    }
    let e = serde_urlencoded::from_str::<Query>("limit=ten").unwrap_err();
    assert_eq!(e.to_string(), "invalid digit found in string");
}

#[test]
fn each_upstream_text_becomes_words_that_name_the_field_and_the_fix() {
    let cases = [
        (r#"{"count": 1}"#, "title", "This is required. Add it."),
        (
            r#"{"title": "a", "count": 1, "colour": "red"}"#,
            "colour",
            "There is no field called \"colour\" here. The fields are: title, count, severity, at.",
        ),
        (
            r#"{"title": 3, "count": 1}"#,
            "title",
            "This must be text, in quotes, not the number 3.",
        ),
        (
            r#"{"title": "a", "count": -1}"#,
            "count",
            "This must be a whole number, 0 or more, not the number -1.",
        ),
        (
            r#"{"title": "a", "count": 1, "at": "yesterday"}"#,
            "at",
            "This must be a date and time with its offset, like 2026-11-24T10:47:00Z.",
        ),
    ];
    for (body, field, message) in cases {
        let (path, text) = upstream(body);
        let words = in_words(path, &text);
        assert_eq!(words.field, field, "{body}");
        assert_eq!(words.message, message, "{body}");
    }
}
