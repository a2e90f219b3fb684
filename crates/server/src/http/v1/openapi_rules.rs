//! The rules the server checks that JSON Schema can state (lengths, patterns, item counts,
//! the ids this server's config knows), written into the OpenAPI document from the same
//! constants the checks use, so that a client or a fuzzer reading the document knows
//! what will be refused before sending it. What no schema can state (one time before
//! another, a name used once) is said in the operations' words and answered with 422.

use serde_json::{Map, Value, json};
use tis_core::validate::{
    ACTION_TEXT_MAX, BODY_MAX, DESCRIPTION_MAX, NAME_MAX, TIMELINE_TEXT_MAX, TITLE_MAX,
};

use crate::config::Config;

/// A time the API takes: RFC 3339, at or after 2000-01-01T00:00:00Z and before
/// 2100-01-01T00:00:00Z (see [`tis_core::validate::time_bounds`]), as a pattern, because
/// JSON Schema has no range for times. Written in full, so that values drawn from it are
/// times. On the first and last days only offsets that keep the time inside the bounds
/// are allowed (none ahead of UTC on 1 January 2000, none behind it on 31 December 2099).
pub fn time_pattern() -> String {
    let day = "(0[1-9]|[12][0-9]|3[01])";
    let month_day = format!("(0[1-9]|1[0-2])-{day}");
    let clock = "[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?";
    let hours = "([01][0-9]|2[0-3]):[0-5][0-9]";
    let any_offset = format!("([Zz]|[+-]{hours})");
    // Years 2001 to 2098; 2000 but its first day; 2099 but its last.
    let inner = format!(
        "(20(0[1-9]|[1-8][0-9]|9[0-8])-{month_day}\
         |2000-(01-(0[2-9]|[12][0-9]|3[01])|(0[2-9]|1[0-2])-{day})\
         |2099-((0[1-9]|1[01])-{day}|12-(0[1-9]|[12][0-9]|30)))"
    );
    format!(
        "^({inner}{clock}{any_offset}\
         |2000-01-01{clock}([Zz]|-{hours}|\\+00:00)\
         |2099-12-31{clock}([Zz]|\\+{hours}|-00:00))$"
    )
}

/// Text with something in it besides white space: one character that Rust's `trim`
/// keeps (Unicode White_Space, listed in full so every regex engine reads it the same).
pub const NON_BLANK: &str = "[^\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";

/// A channel subscription's URL as `subscriptions::hooks::check_url` takes it, as far as a
/// pattern can say: `https://` and a host, or `http://` to this machine. (Whether the host
/// is one a URL parser reads is said with 422.)
pub const CHANNEL_URL: &str =
    "^(https://[A-Za-z0-9.-]+|http://(127\\.0\\.0\\.1|localhost))(:[0-9]{1,5})?(/[!-~]*)?$";

/// An account or token name, as [`tis_core::account::check_name`] takes it.
pub const LOGIN_NAME: &str = "^[a-z0-9][a-z0-9._-]*$";

/// A probe location, as [`crate::config::check_location`] takes it: no control
/// characters, and something besides white space.
pub const LOCATION: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// Writes the rules into `doc`, the document as JSON. Returns the places it expected
/// and did not find, so that a renamed type or field cannot quietly drop a rule (a test
/// asserts there are none).
pub fn refine(doc: &mut Value, config: &Config) -> Vec<String> {
    let mut missing = Vec::new();
    let services: Vec<Value> = config
        .services
        .iter()
        .map(|s| Value::from(s.id.as_str()))
        .collect();
    let channels: Vec<Value> = config
        .channels
        .iter()
        .map(|c| Value::from(c.id.as_str()))
        .collect();
    let one_of_services = || one_of(&services);

    let mut rule = |pointer: &str, rules: Value| match doc.pointer_mut(pointer) {
        Some(Value::Object(schema)) => merge(schema, rules),
        _ => missing.push(pointer.to_string()),
    };
    let schemas = "/components/schemas";
    let text = |max: usize| json!({ "maxLength": max, "pattern": NON_BLANK });

    rule(
        &format!("{schemas}/NoticeInput/properties/title"),
        text(TITLE_MAX),
    );
    rule(
        &format!("{schemas}/NoticeInput/properties/body"),
        text(BODY_MAX),
    );
    rule(
        &format!("{schemas}/NoticeInput/properties/services"),
        json!({ "uniqueItems": true, "items": one_of_services() }),
    );
    rule(
        &format!("{schemas}/SubscriptionRequest/properties/services"),
        json!({ "items": one_of_services() }),
    );
    rule(
        &format!("{schemas}/SubscriptionRequest/properties/kinds"),
        json!({ "uniqueItems": true }),
    );
    rule(
        &format!("{schemas}/ChannelSubscriptionInput/properties/services"),
        json!({ "uniqueItems": true, "items": one_of_services() }),
    );
    rule(
        &format!("{schemas}/ChannelSubscriptionInput/properties/kinds"),
        json!({ "uniqueItems": true }),
    );
    rule(
        &format!("{schemas}/ChannelSubscriptionInput/properties/name"),
        text(tis_core::wire::CHANNEL_NAME_MAX),
    );
    rule(
        &format!("{schemas}/ChannelSubscriptionInput/properties/url"),
        json!({ "pattern": CHANNEL_URL }),
    );
    rule(
        &format!("{schemas}/IncidentInput/properties/title"),
        text(TITLE_MAX),
    );
    rule(
        &format!("{schemas}/IncidentInput/properties/affected"),
        json!({ "minItems": 1 }),
    );
    rule(
        &format!("{schemas}/AffectedService/properties/service"),
        one_of_services(),
    );
    rule(
        &format!("{schemas}/UpdateInput/properties/body"),
        text(BODY_MAX),
    );
    for section in tis_core::staff::PROSE_SECTIONS {
        rule(
            &format!("{schemas}/Report/properties/{section}"),
            json!({ "maxLength": BODY_MAX }),
        );
    }
    for list in ["root_causes", "lessons"] {
        rule(
            &format!("{schemas}/Report/properties/{list}"),
            json!({ "items": text(TIMELINE_TEXT_MAX) }),
        );
    }
    rule(
        &format!("{schemas}/Report/properties/labels"),
        json!({ "items": text(NAME_MAX) }),
    );
    rule(
        &format!("{schemas}/ActionItem/properties/text"),
        text(ACTION_TEXT_MAX),
    );
    rule(
        &format!("{schemas}/ActionItem/properties/owner"),
        text(NAME_MAX),
    );

    let login_name = json!({
        "minLength": 1,
        "maxLength": tis_core::account::MAX_NAME_CHARS,
        "pattern": LOGIN_NAME,
    });
    rule(
        &format!("{schemas}/AccountInput/properties/name"),
        login_name.clone(),
    );
    rule(&format!("{schemas}/TokenInput/properties/name"), login_name);
    rule(
        &format!("{schemas}/AccountInput/properties/password"),
        json!({
            "minLength": tis_core::account::MIN_PASSWORD_CHARS,
            "maxLength": tis_core::account::MAX_PASSWORD_CHARS,
        }),
    );
    // The prober role is for tokens only.
    replace(
        doc,
        &format!("{schemas}/AccountInput/properties/role"),
        json!({ "type": "string", "enum": ["support", "editor", "admin"] }),
        &mut missing,
    );
    let mut rule = |pointer: &str, rules: Value| match doc.pointer_mut(pointer) {
        Some(Value::Object(schema)) => merge(schema, rules),
        _ => missing.push(pointer.to_string()),
    };
    rule(
        &format!("{schemas}/TestAlertInput/properties/channel"),
        one_of(&channels),
    );
    rule(
        &format!("{schemas}/Glossary/properties/terms"),
        json!({ "maxItems": tis_core::staff::GLOSSARY_MAX_TERMS }),
    );
    rule(
        &format!("{schemas}/GlossaryTerm/properties/term"),
        text(NAME_MAX),
    );
    rule(
        &format!("{schemas}/GlossaryTerm/properties/suggestion"),
        text(DESCRIPTION_MAX),
    );
    rule(
        &format!("{schemas}/Push/properties/results"),
        json!({ "minItems": 1, "maxItems": crate::http::v1::probes::PUSH_MAX }),
    );
    rule(
        &format!("{schemas}/ProbeResult/properties/service"),
        one_of_services(),
    );
    rule(
        &format!("{schemas}/ProbeResult/properties/location"),
        json!({ "maxLength": crate::config::LOCATION_MAX, "pattern": LOCATION }),
    );
    rule(
        &format!("{schemas}/ProbeResult/properties/detail"),
        json!({ "maxLength": tis_core::service::DETAIL_MAX_CHARS }),
    );
    rule(
        &format!("{schemas}/TokenInput/properties/location"),
        json!({ "maxLength": crate::config::LOCATION_MAX, "pattern": LOCATION }),
    );
    for (path, name) in [
        ("/api/v1/status-changes", "service"),
        ("/api/v1/incidents", "service"),
    ] {
        match parameter(doc, path, name) {
            Some(schema) => merge(schema, one_of_services()),
            None => missing.push(format!("{path} ?{name}")),
        }
    }
    event_stream(doc, &mut missing);
    last_event_id(doc, &mut missing);
    timeline_entry(doc, &mut missing);
    // Last, so that the schemas written here get it too.
    times(doc);
    missing
}

/// A timeline entry is a moment (`at`) or a span (`from` and `to`), with its words and
/// nothing else. utoipa writes the flattened moment-or-span beside the other fields as an
/// `allOf`, which leaves other fields allowed, and the server refuses them.
fn timeline_entry(doc: &mut Value, missing: &mut Vec<String>) {
    let time = json!({ "type": "string", "format": "date-time" });
    let shape = |when: Value, required: &[&str]| {
        let mut properties = json!({
            "approximate": {
                "type": "boolean",
                "description": "Only the hour is known (\"14:xx\"): the moment lies somewhere in the hour, UK time, that starts at `at` (or `from`, and ends in the hour that starts at `to`).",
            },
            "text": { "type": "string", "maxLength": TIMELINE_TEXT_MAX, "pattern": NON_BLANK },
            "kind": { "$ref": "#/components/schemas/TimelineKind" },
        });
        if let (Value::Object(all), Value::Object(when)) = (&mut properties, when) {
            all.extend(when);
        }
        json!({
            "type": "object",
            "required": required,
            "properties": properties,
            "additionalProperties": false,
        })
    };
    replace(
        doc,
        "/components/schemas/TimelineEntry",
        json!({
            "description": "One entry of a report's timeline: at a moment, or over a span of time.",
            "oneOf": [
                shape(json!({ "at": time }), &["at", "text"]),
                shape(json!({ "from": time, "to": time }), &["from", "to", "text"]),
            ],
        }),
        missing,
    );
}

/// Documents `Last-Event-ID` as the whole number it is: utoipa writes an optional
/// parameter as nullable, but a header is either sent or not, never null.
fn last_event_id(doc: &mut Value, missing: &mut Vec<String>) {
    let found = doc
        .pointer_mut("/paths/~1api~1v1~1events/get/parameters")
        .and_then(Value::as_array_mut)
        .and_then(|list| {
            list.iter_mut()
                .find(|p| p["name"] == "last-event-id" && p["in"] == "header")
        });
    match found {
        Some(parameter) => {
            parameter["schema"] = json!({ "type": "integer", "format": "int64", "minimum": 0 });
        }
        None => missing.push("/api/v1/events last-event-id".into()),
    }
}

/// `enum` of `ids`, or, with none configured, a schema no value meets: every request
/// naming one is refused.
fn one_of(ids: &[Value]) -> Value {
    if ids.is_empty() {
        json!({ "not": {} })
    } else {
        json!({ "enum": ids })
    }
}

/// Adds `rules` to `schema`; an `items` rule goes into the schema's own `items`.
fn merge(schema: &mut Map<String, Value>, rules: Value) {
    let Value::Object(rules) = rules else { return };
    for (key, value) in rules {
        match (key.as_str(), schema.get_mut(&key), value) {
            ("items", Some(Value::Object(items)), value) => merge(items, value),
            (_, _, value) => {
                schema.insert(key, value);
            }
        }
    }
}

fn replace(doc: &mut Value, pointer: &str, with: Value, missing: &mut Vec<String>) {
    match doc.pointer_mut(pointer) {
        Some(slot) => *slot = with,
        None => missing.push(pointer.to_string()),
    }
}

/// The schema of query parameter `name` of `GET path`.
fn parameter<'a>(doc: &'a mut Value, path: &str, name: &str) -> Option<&'a mut Map<String, Value>> {
    let pointer = format!("/paths/{}/get/parameters", path.replace('/', "~1"));
    doc.pointer_mut(&pointer)?
        .as_array_mut()?
        .iter_mut()
        .find(|p| p["name"] == name && p["in"] == "query")?
        .get_mut("schema")?
        .as_object_mut()
}

/// Every date-time in the document, asked for or answered, is one the API takes.
fn times(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("format").and_then(Value::as_str) == Some("date-time") {
                map.insert("pattern".into(), time_pattern().into());
            }
            map.values_mut().for_each(times);
        }
        Value::Array(list) => list.iter_mut().for_each(times),
        _ => {}
    }
}

/// The live events as a stream of server-sent events: each `change` event has the
/// snapshot generation as its id and a `Change` as JSON in its data. (utoipa describes
/// a body only as one schema; an event stream's schema describes one event.)
fn event_stream(doc: &mut Value, missing: &mut Vec<String>) {
    let pointer = "/paths/~1api~1v1~1events/get/responses/200/content/text~1event-stream/schema";
    replace(
        doc,
        pointer,
        json!({
            "type": "object",
            "required": ["event", "id", "data"],
            "properties": {
                "event": { "const": "change" },
                "id": { "type": "string", "pattern": "^[0-9]+$" },
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": { "$ref": "#/components/schemas/Change" },
                },
            },
        }),
        missing,
    );
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use regex::Regex;
    use tis_core::validate::time_in_bounds;

    use super::*;

    #[test]
    fn every_rule_finds_its_place_in_the_document() {
        let config = Config::demo("http://127.0.0.1:1").expect("the demo config reads");
        let (doc, missing) = crate::http::v1::openapi::document_for(&config);
        assert!(missing.is_empty(), "rules with no place: {missing:?}");
        let services = &doc["components"]["schemas"]["AffectedService"]["properties"]["service"];
        assert!(
            services["enum"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|id| id == "bulk-upload")),
            "{services}"
        );
    }

    #[test]
    fn the_time_pattern_takes_the_times_the_server_takes() {
        let pattern = Regex::new(&time_pattern()).expect("the pattern compiles");
        for (text, taken) in [
            ("2000-01-01T00:00:00Z", true),
            ("2000-01-01T00:30:00-01:00", true),
            ("2000-01-01T00:30:00+01:00", false),
            ("2000-01-02T00:30:00+23:59", true),
            ("1999-12-31T23:59:59Z", false),
            ("2026-12-01T10:47:00.123+00:00", true),
            ("2026-07-01T10:47:00+01:00", true),
            ("2099-12-31T23:59:59.999Z", true),
            ("2099-12-31T20:00:00+05:00", true),
            ("2099-12-31T23:30:00-01:00", false),
            ("2099-12-30T23:30:00-23:59", true),
            ("2100-01-01T00:00:00Z", false),
            ("6773-10-16T20:31:42.5+05:56", false),
        ] {
            let at: DateTime<Utc> = text.parse().expect("an RFC 3339 time");
            assert_eq!(time_in_bounds(at), taken, "{text}: the server");
            assert_eq!(pattern.is_match(text), taken, "{text}: the document");
        }
    }

    #[test]
    fn the_channel_url_pattern_takes_what_the_server_may_take() {
        use crate::subscriptions::hooks::check_url;
        let pattern = Regex::new(CHANNEL_URL).expect("the pattern compiles");
        for (text, taken) in [
            ("https://esr.example.nhs.uk/hooks/tis?code=x", true),
            ("https://hooks.slack.com/services/T0/B0/abc", true),
            ("http://127.0.0.1:9000/hook", true),
            ("http://localhost:9000", true),
            ("http://esr.example/hooks", false),
            (" https://esr.example/hooks", false),
            ("HTTPS://esr.example/", false),
            ("https://esr.example/a b", false),
            ("https://例え.jp/", false),
            ("https://user@esr.example/", false),
            ("ftp://esr.example/", false),
        ] {
            assert_eq!(check_url(text).is_ok(), taken, "{text}: the server");
            assert_eq!(pattern.is_match(text), taken, "{text}: the document");
        }
        // What the pattern cannot say, the server answers with 422.
        assert!(pattern.is_match("https://1.2.3.4.5/") && check_url("https://1.2.3.4.5/").is_err());
    }

    #[test]
    fn blank_is_what_trim_leaves_empty() {
        let pattern = Regex::new(NON_BLANK).expect("the pattern compiles");
        let white: Vec<char> = (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(white.len(), 25, "Unicode White_Space has 25 characters");
        for c in white {
            let text = format!("{c}{c}");
            assert!(
                !pattern.is_match(&text),
                "U+{:04X} counts as blank",
                c as u32
            );
        }
        for text in ["a", "  a  ", "\u{200b}", "\u{feff}", "."] {
            assert_eq!(pattern.is_match(text), !text.trim().is_empty(), "{text:?}");
        }
    }

    #[test]
    fn names_and_locations_are_the_ones_the_checks_take() {
        let name = Regex::new(LOGIN_NAME).expect("the pattern compiles");
        for text in [
            "jo.bloggs",
            "prober-eu-west",
            "a",
            "0_x",
            "Jo",
            ".jo",
            "jo bloggs",
            "jö",
        ] {
            assert_eq!(
                name.is_match(text),
                tis_core::account::check_name("name", text).is_ok(),
                "{text:?}"
            );
        }
        let location = Regex::new(LOCATION).expect("the pattern compiles");
        for text in [
            "london",
            " eu west ",
            "",
            "   ",
            "a\u{7}b",
            "\u{85}",
            "\u{a0}x",
        ] {
            assert_eq!(
                location.is_match(text),
                crate::config::check_location(text).is_ok(),
                "{text:?}"
            );
        }
    }
}
