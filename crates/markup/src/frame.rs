//! What every public page has around its content: the skip link, the header with the
//! main navigation, and the footer; and the line saying how current the page is.

use crate::{Node, h};

/// The part of the site a page belongs to, marked in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `/` and `/services/:id`.
    Status,
    /// `/incidents` and `/incidents/:id`.
    Incidents,
    Notices,
    About,
}

/// The skip link and the header, with `current` marked in the navigation.
pub fn header(current: Option<Section>) -> Vec<Node> {
    let nav = |href: &'static str, label: &'static str, section: Section| {
        let mut link = h("a").a("href", href);
        if current == Some(section) {
            link = link.a("aria-current", "page");
        }
        h("li").c(link.t(label))
    };
    vec![
        h("a")
            .class("skip-link")
            .a("href", "#main")
            .t("Skip to main content")
            .into(),
        h("header")
            .class("site-header")
            .c(h("div")
                .class("width")
                .c(h("a").a("href", "/").class("site-name").t("TIS Status"))
                .c(h("span")
                    .class("site-tagline")
                    .t("Is TIS working? Live status of the NHS Trainee Information System")))
            .c(h("nav").class("site-nav").a("aria-label", "Main").c(h("ul")
                .class("width")
                .c(nav("/", "Live status", Section::Status))
                .c(nav("/incidents", "Incidents", Section::Incidents))
                .c(nav("/notices", "Notices", Section::Notices))
                .c(nav("/about", "How it works", Section::About))))
            .into(),
    ]
}

/// The footer: times are UK time, where to turn when this page does not say why.
pub fn footer() -> Vec<Node> {
    vec![
        h("footer")
            .class("site-footer")
            .c(h("div")
                .class("width")
                .c(h("p").t("All times are UK time: GMT in winter, BST in summer."))
                .c(h("p")
                    .t("If TIS is not working for you and this page does not say why, contact your local TIS support team. ")
                    .c(h("a").a("href", "/about").t("How this page works"))
                    .t(" · ")
                    .c(h("a").a("href", "/subscribe").t("Get emails about TIS problems"))
                    .t(" · ")
                    .c(h("a").a("href", "/feed.atom").t("Feed of incidents and notices"))))
            .into(),
    ]
}

/// "Updated 10:47am GMT, just now. Changes appear here by themselves." `when` is how
/// current the data is (see `tis_core::time::as_of`), `how` how the page stays current.
pub fn updated(when: &str, how: &str) -> Node {
    h("p")
        .class("updated")
        .t(format!("Updated {when}. "))
        .c(h("span").class("how-live").t(how.to_string()))
        .into()
}
