//! Plain-language hints for text that users will read: jargon from a small glossary,
//! and sentences too long to take in at once. The same rules run in the editor, as the
//! writer types, and wherever else text is checked.

use serde::{Deserialize, Serialize};

/// Sentences longer than this are flagged. GOV.UK advises about 25 words at most.
pub const LONG_SENTENCE_WORDS: usize = 25;

/// One glossary entry: a term readers may not know and what to say instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct GlossaryTerm {
    /// One or more words, matched whole and in any case, e.g. "hosts file".
    pub term: String,
    /// Plain words to use instead, e.g. "a settings file on the server".
    pub suggestion: String,
}

/// The terms flagged unless a team edits the list: the words that crept into the
/// updates of the incident this product was built around.
pub fn default_glossary() -> Vec<GlossaryTerm> {
    [
        ("hosts file", "a settings file on the server"),
        ("loopback", "the server itself"),
        ("container", "part of the system"),
        ("Docker", "the software that runs our services"),
        ("microservice", "part of TIS"),
        ("Keycloak", "the sign-in system"),
        ("DNS", "the system that finds our servers"),
        ("deployment", "update"),
        ("hotfix", "quick fix"),
        ("rollback", "undo the change"),
        ("endpoint", "address"),
        ("latency", "delay"),
        ("outage", "a time when it did not work"),
        ("API", "connection between systems"),
    ]
    .into_iter()
    .map(|(term, suggestion)| GlossaryTerm {
        term: term.into(),
        suggestion: suggestion.into(),
    })
    .collect()
}

/// Something in a text that may be hard for readers, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hint {
    /// Byte offsets of the flagged words in the text checked.
    pub start: usize,
    pub end: usize,
    pub kind: HintKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HintKind {
    /// A glossary term, as it was written, with its suggestion.
    Jargon { found: String, suggestion: String },
    /// A sentence of `words` words.
    LongSentence { words: usize },
}

impl Hint {
    /// The hint in words, for the writer.
    pub fn message(&self) -> String {
        match &self.kind {
            HintKind::Jargon { found, suggestion } => {
                format!("Readers may not know \"{found}\". Try \"{suggestion}\".")
            }
            HintKind::LongSentence { words } => format!(
                "This sentence has {words} words. Try splitting it: aim for {LONG_SENTENCE_WORDS} or fewer."
            ),
        }
    }
}

/// Every hint for `text`, in the order they appear.
pub fn check(text: &str, glossary: &[GlossaryTerm]) -> Vec<Hint> {
    let words = words(text);
    let mut hints = jargon(text, &words, glossary);
    hints.extend(long_sentences(text, &words));
    hints.sort_by_key(|h| (h.start, h.end));
    hints
}

/// A word's byte range, and whether a sentence ends right after it.
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    ends_sentence: bool,
}

fn words(text: &str) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || (start.is_some() && matches!(c, '\'' | '’' | '-'));
        match (in_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(Word {
                    start: s,
                    end: i,
                    ends_sentence: false,
                });
                start = None;
            }
            _ => {}
        }
        if matches!(c, '.' | '!' | '?' | '\n')
            && start.is_none()
            && let Some(last) = out.last_mut()
        {
            // "10.30" and "e.g. errors" are not ends: a space must follow, and then the
            // end of the text or a new sentence's capital (or a number, or a quote).
            let rest = &text[i + c.len_utf8()..];
            let spaced = rest.chars().next().is_none_or(char::is_whitespace);
            let next = rest.trim_start().chars().next();
            let starts_sentence = next.is_none_or(|n| !n.is_lowercase());
            if c == '\n' || (spaced && starts_sentence) {
                last.ends_sentence = true;
            }
        }
    }
    if let Some(s) = start {
        out.push(Word {
            start: s,
            end: text.len(),
            ends_sentence: true,
        });
    }
    out
}

fn jargon(text: &str, words: &[Word], glossary: &[GlossaryTerm]) -> Vec<Hint> {
    let mut hints = Vec::new();
    let mut i = 0;
    'words: while i < words.len() {
        for entry in glossary {
            let term: Vec<&str> = entry.term.split_whitespace().collect();
            if term.is_empty() || i + term.len() > words.len() {
                continue;
            }
            let candidate = &words[i..i + term.len()];
            let last = term.len() - 1;
            let matches = candidate.iter().zip(&term).enumerate().all(|(n, (w, t))| {
                let written = &text[w.start..w.end];
                // The last word may carry a plural: "containers", "hosts files".
                written.eq_ignore_ascii_case(t) || (n == last && plural_of(written, t))
            });
            // A term spans a sentence end only if the writer wrote it so; never match it.
            let within_sentence = candidate[..last].iter().all(|w| !w.ends_sentence);
            if matches && within_sentence {
                let (start, end) = (candidate[0].start, candidate[last].end);
                hints.push(Hint {
                    start,
                    end,
                    kind: HintKind::Jargon {
                        found: text[start..end].to_string(),
                        suggestion: entry.suggestion.clone(),
                    },
                });
                i += term.len();
                continue 'words;
            }
        }
        i += 1;
    }
    hints
}

fn plural_of(written: &str, term: &str) -> bool {
    let lower = written.to_lowercase();
    let term = term.to_lowercase();
    lower.strip_suffix('s') == Some(term.as_str())
        || lower.strip_suffix("es") == Some(term.as_str())
}

fn long_sentences(text: &str, words: &[Word]) -> Vec<Hint> {
    let mut hints = Vec::new();
    let mut first = 0;
    for (i, word) in words.iter().enumerate() {
        if word.ends_sentence || i + 1 == words.len() {
            let count = i + 1 - first;
            if count > LONG_SENTENCE_WORDS {
                hints.push(Hint {
                    start: words[first].start,
                    end: word.end.min(text.len()),
                    kind: HintKind::LongSentence { words: count },
                });
            }
            first = i + 1;
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn found(hints: &[Hint]) -> Vec<String> {
        hints
            .iter()
            .filter_map(|h| match &h.kind {
                HintKind::Jargon { found, .. } => Some(found.clone()),
                HintKind::LongSentence { .. } => None,
            })
            .collect()
    }

    #[test]
    fn flags_the_jargon_of_the_real_incident_with_a_suggestion() {
        let text =
            "After the upgrade, a Hosts File change sent Keycloak calls to the loopback address.";
        let hints = check(text, &default_glossary());
        assert_eq!(found(&hints), ["Hosts File", "Keycloak", "loopback"]);
        assert_eq!(&text[hints[0].start..hints[0].end], "Hosts File");
        assert_eq!(
            hints[0].message(),
            "Readers may not know \"Hosts File\". Try \"a settings file on the server\"."
        );
    }

    #[test]
    fn matches_whole_words_and_plurals_only() {
        let glossary = default_glossary();
        assert_eq!(
            found(&check("Two containers restarted.", &glossary)),
            ["containers"]
        );
        assert!(found(&check("The page contained errors.", &glossary)).is_empty());
        assert!(
            found(&check("A rapid reply.", &glossary)).is_empty(),
            "API inside rapid"
        );
    }

    #[test]
    fn a_term_is_not_matched_across_a_sentence_end() {
        let text = "We checked the hosts. File uploads work again.";
        assert!(found(&check(text, &default_glossary())).is_empty());
    }

    #[test]
    fn an_edited_glossary_is_used_as_given() {
        let glossary = vec![GlossaryTerm {
            term: "ESR".into(),
            suggestion: "the NHS staff record system".into(),
        }];
        let hints = check("ESR is back. Docker too.", &glossary);
        assert_eq!(found(&hints), ["ESR"]);
    }

    #[test]
    fn flags_long_sentences_but_not_short_ones() {
        let short = "Bulk upload is working again. Thank you for your patience.";
        assert!(check(short, &[]).is_empty());
        let long = format!("{} end.", "word ".repeat(30));
        let hints = check(&long, &[]);
        assert_eq!(hints.len(), 1);
        assert_eq!(hints[0].kind, HintKind::LongSentence { words: 31 });
        assert!(hints[0].message().contains("31 words"));
    }

    #[test]
    fn dots_inside_times_and_abbreviations_do_not_end_a_sentence() {
        let text = format!("At 10.30 we saw e.g. {}", "errors ".repeat(24));
        let hints = check(&text, &[]);
        assert!(
            matches!(
                hints[..],
                [Hint {
                    kind: HintKind::LongSentence { .. },
                    ..
                }]
            ),
            "{hints:?}"
        );
    }

    proptest! {
        #[test]
        fn every_hint_points_inside_the_text_at_char_boundaries(text in "\\PC{0,300}") {
            for hint in check(&text, &default_glossary()) {
                prop_assert!(hint.start < hint.end && hint.end <= text.len());
                prop_assert!(text.is_char_boundary(hint.start) && text.is_char_boundary(hint.end));
            }
        }
    }
}
