//! A notice as a card: its kind, audience, times and words.

use tis_core::Notice;

use crate::words;
use crate::{El, h};

/// A notice as readers see it: what kind, for whom, when, and the words support wrote
/// (as text, never as markup). `heading` is "h2" or "h3".
pub fn notice_card(notice: &Notice, names: &[(String, String)], heading: &'static str) -> El {
    let kind = notice.kind;
    let concerns = if notice.services.is_empty() {
        "All of TIS".to_string()
    } else {
        let list: Vec<String> = notice
            .services
            .iter()
            .map(|id| words::service_name(names, id))
            .collect();
        words::and_list(&list)
    };
    h("article")
        .class(format!("notice notice-{}", words::notice_kind_class(kind)))
        .a("data-notice", notice.id.to_string())
        .c(h("p")
            .class("notice-kind")
            .c(h("span")
                .class("notice-symbol")
                .a("aria-hidden", "true")
                .t(words::notice_symbol(kind)))
            .t(format!("{} · {}", kind.label(), notice.audience.for_whom())))
        .c(h(heading).class("notice-title").t(notice.title.clone()))
        .cs(words::paragraphs(&notice.body)
            .into_iter()
            .map(|p| h("p").t(p)))
        .c(facts(vec![
            ("When", words::window(notice.starts_at, notice.ends_at)),
            ("Affects", concerns),
        ]))
}

/// A short list of labelled facts.
pub fn facts(items: Vec<(&'static str, String)>) -> El {
    h("dl").class("facts").cs(items
        .into_iter()
        .map(|(term, detail)| h("div").c(h("dt").t(term)).c(h("dd").t(detail))))
}
