//! What serde, serde_json and chrono say when a body or query does not fit, turned into
//! words that say which field to fix and how. Their texts are not a stable interface, so
//! this is the one place that reads them, and its tests pin the shapes it relies on: an
//! upstream change fails a test here rather than giving users raw text.

use axum::extract::rejection::JsonRejection;
use serde::de::DeserializeOwned;
use tis_core::FieldError;

use super::AppError;

/// A JSON body that does not fit `T`, said as the field to fix and how. serde_json calls a
/// value of the wrong kind for a field of fixed words (`"severity": 3`) a syntax error and
/// does not say the words; they are found by asking `T` about the body with a word it
/// cannot know in that place, so the answer can list them.
pub fn body_problem<T: DeserializeOwned>(rejection: JsonRejection, body: &[u8]) -> AppError {
    if let JsonRejection::JsonSyntaxError(e) = &rejection
        && let Some(found) = path_error(e)
        && found.inner().classify() == serde_json::error::Category::Syntax
        && let Some((words, sent)) = words_at::<T>(body, found.path())
    {
        return AppError::Unreadable(FieldError::new(
            found.path().to_string(),
            format!("This must be one of: {words} (in quotes), not {sent}."),
        ));
    }
    AppError::from(rejection)
}

/// The words the field at `path` of `T` takes, and what `body` has there instead.
fn words_at<T: DeserializeOwned>(
    body: &[u8],
    path: &serde_path_to_error::Path,
) -> Option<(String, String)> {
    use serde_path_to_error::Segment;
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let slot = path
        .iter()
        .try_fold(&mut value, |v, segment| match segment {
            Segment::Map { key } => v.get_mut(key.as_str()),
            Segment::Seq { index } => v.get_mut(*index),
            Segment::Enum { .. } | Segment::Unknown => None,
        })?;
    let sent = match slot {
        serde_json::Value::Null => "null".to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => format!("the number {n}"),
        serde_json::Value::String(s) => format!("the text \"{s}\""),
        serde_json::Value::Array(_) => "a list".to_string(),
        serde_json::Value::Object(_) => "an object".to_string(),
    };
    // No field here takes the empty word, so serde names the ones it does take.
    *slot = serde_json::Value::String(String::new());
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let text = error.inner().to_string();
    if error.path().to_string() != path.to_string() || !text.starts_with("unknown variant ") {
        return None;
    }
    Some((backticked_choices(&text), sent)).filter(|(words, _)| !words.is_empty())
}

/// The choices serde lists after the first two quoted words of `text`, e.g. the fields of
/// "unknown field `x`, expected one of `a`, `b`" are `a, b`.
pub(super) fn backticked_choices(text: &str) -> String {
    text.split('`')
        .skip(3)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The deserializer's error with the path to the field at fault, which axum keeps inside
/// its rejection.
pub(super) fn path_error<'a>(
    rejection: &'a (dyn std::error::Error + 'static),
) -> Option<&'a serde_path_to_error::Error<serde_json::Error>> {
    rejection
        .source()
        .and_then(std::error::Error::source)
        .and_then(|inner| inner.downcast_ref())
}

/// A body or query that does not fit the endpoint's type, said as the field to fix and
/// how. `path` is where the deserializer was, `text` what it said.
pub(super) fn in_words(path: String, text: &str) -> FieldError {
    let under = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    // serde_json appends where in the text the problem is; the field says it better.
    let text = text.rfind(" at line ").map_or(text, |at| &text[..at]);
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or_default().to_string();
    let choices = backticked_choices;
    if let Some(rest) = text.strip_prefix("missing field ") {
        return FieldError::new(under(&quoted(rest)), "This is required. Add it.");
    }
    if text.starts_with("unknown field ") {
        let name = quoted(text);
        // The path already ends at the unknown field when the deserializer got that far.
        let field = if path.ends_with(&name) {
            path.clone()
        } else {
            under(&name)
        };
        let allowed = choices(text);
        let message = if allowed.is_empty() {
            format!("There is no field called \"{name}\" here. Remove it.")
        } else {
            format!("There is no field called \"{name}\" here. The fields are: {allowed}.")
        };
        return FieldError::new(field, message);
    }
    if text.starts_with("unknown variant ") {
        return FieldError::new(
            path,
            format!(
                "\"{}\" is not allowed here. Use one of: {}.",
                quoted(text),
                choices(text)
            ),
        );
    }
    if let Some(rest) = text
        .strip_prefix("invalid type: ")
        .or_else(|| text.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return FieldError::new(
            path,
            format!(
                "This must be {}, not {}.",
                plain_type(expected),
                plain_found(found)
            ),
        );
    }
    if text.starts_with("data did not match any variant of untagged enum") {
        let message = if text.ends_with("TimelineWhen") {
            "Give either at, or from and to: each a date and time with its offset, like \
             2026-11-24T10:47:00Z."
        } else {
            "This does not have a shape this field takes. See /api/v1/openapi.json."
        };
        return FieldError::new(path, message);
    }
    // Numbers in a query string that are not numbers.
    if text == "invalid digit found in string" || text == "cannot parse integer from empty string" {
        return FieldError::new(path, "This must be a whole number.");
    }
    if text == "number too large to fit in target type" {
        return FieldError::new(path, "This number is too large.");
    }
    // chrono's words for a time it cannot read.
    if [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ]
    .contains(&text)
    {
        return FieldError::new(
            path,
            "This must be a date and time with its offset, like 2026-11-24T10:47:00Z.",
        );
    }
    FieldError::new(path, format!("{text}."))
}

/// The deserializer's name for what it found, as people say it.
fn plain_found(found: &str) -> String {
    let inner = found.split('`').nth(1);
    match found.split(' ').next().unwrap_or_default() {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit" | "null" => "null".into(),
        "integer" | "floating" => format!("the number {}", inner.unwrap_or_default()),
        "boolean" => inner.unwrap_or("true or false").to_string(),
        "string" => format!("the text {}", found.trim_start_matches("string ")),
        _ => found.to_string(),
    }
}

/// The deserializer's name for a type, as people say it.
pub(super) fn plain_type(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list, in [ ]".into(),
        "a map" => "an object, in { }".into(),
        "a string" => "text, in quotes".into(),
        s if s.starts_with("struct ") => "an object, in { }".into(),
        s if s.contains("RFC 3339") || s.contains("date and time") => {
            "a date and time with its offset, like 2026-11-24T10:47:00Z".into()
        }
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
