//! The last answer for each API address, kept in the browser's storage, so a reader sees
//! the last known status at once, and still sees it (with its age) when the server cannot
//! be reached.

use chrono::{DateTime, Utc};

use crate::storage;

/// Bump when the stored form changes, so old copies are ignored rather than misread.
/// Within the app's storage namespace, so kept answers are `tis-status:1:PATH`.
const PREFIX: &str = "1:";

/// A kept answer.
pub struct Kept {
    pub body: String,
    pub etag: Option<String>,
    /// When the server last confirmed it.
    pub as_of: DateTime<Utc>,
}

/// The newest answer there is for `path`: the one the server wrote into this page (see
/// [`seeded`]) or the one kept in the browser. A seeded answer is kept at once, so that a
/// reload while the server cannot be reached still has it.
pub fn newest(path: &str) -> Option<Kept> {
    let kept = read(path);
    match seeded(path) {
        Some(seed) if kept.as_ref().is_none_or(|k| k.as_of < seed.as_of) => {
            write(path, seed.etag.as_deref(), seed.as_of, &seed.body);
            Some(seed)
        }
        _ => kept,
    }
}

/// The answer for `path` that the server wrote into the page it sent, as
/// `<script type="application/json" id="seed:PATH" data-etag=… data-as-of=MILLIS>`: the
/// same answer the page's HTML was written from, so the app's first drawing matches it.
fn seeded(path: &str) -> Option<Kept> {
    let el = leptos::prelude::document().get_element_by_id(&format!("seed:{path}"))?;
    let as_of = DateTime::from_timestamp_millis(el.get_attribute("data-as-of")?.parse().ok()?)?;
    Some(Kept {
        body: el.text_content()?,
        etag: el.get_attribute("data-etag").filter(|e| !e.is_empty()),
        as_of,
    })
}

/// The answer kept for `path`, if any.
pub fn read(path: &str) -> Option<Kept> {
    parse(&storage::get(&key(path))?)
}

/// Keeps `body` as the answer for `path`, confirmed at `as_of`.
pub fn write(path: &str, etag: Option<&str>, as_of: DateTime<Utc>, body: &str) {
    let text = format(etag, as_of, body);
    if !storage::set(&key(path), &text) {
        // Full: start again with only this answer, rather than keep none at all.
        storage::remove_all(PREFIX);
        storage::set(&key(path), &text);
    }
}

/// Records that the answer kept for `path` was confirmed current at `as_of`.
pub fn touch(path: &str, as_of: DateTime<Utc>) {
    if let Some(kept) = read(path) {
        write(path, kept.etag.as_deref(), as_of, &kept.body);
    }
}

fn key(path: &str) -> String {
    format!("{PREFIX}{path}")
}

/// "millis\netag\nbody": the body is kept as the server sent it, so it is not parsed
/// and printed again on every save.
fn format(etag: Option<&str>, as_of: DateTime<Utc>, body: &str) -> String {
    format!(
        "{}\n{}\n{body}",
        as_of.timestamp_millis(),
        etag.unwrap_or("")
    )
}

fn parse(text: &str) -> Option<Kept> {
    let mut parts = text.splitn(3, '\n');
    let as_of = DateTime::from_timestamp_millis(parts.next()?.parse().ok()?)?;
    let etag = Some(parts.next()?.to_string()).filter(|e| !e.is_empty());
    let body = parts.next()?.to_string();
    Some(Kept { body, etag, as_of })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_answer_reads_back() {
        let at: DateTime<Utc> = "2026-11-24T10:42:00Z".parse().unwrap();
        let body = "{\"a\":\"line one\\nline two\"}\n";
        let kept = parse(&format(Some("\"abc\""), at, body)).unwrap();
        assert_eq!(
            (kept.body.as_str(), kept.etag.as_deref(), kept.as_of),
            (body, Some("\"abc\""), at)
        );
        let kept = parse(&format(None, at, "{}")).unwrap();
        assert_eq!(kept.etag, None);
        assert!(parse("not a kept answer").is_none());
    }
}
