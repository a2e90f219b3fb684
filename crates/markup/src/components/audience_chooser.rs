//! The audience chooser: whose notices to show.

use tis_core::Audience;

use crate::{El, h};

/// Radio buttons to choose whose notices to show. The choice is handled by the page's
/// actions (`data-action="audience"`) and remembered in the browser.
pub fn audience_chooser(chosen: Audience) -> El {
    let option = |value: Audience, key: &'static str, label: &'static str| {
        let id = format!("audience-{key}");
        let mut input = h("input")
            .a("type", "radio")
            .a("name", "audience")
            .a("id", id.clone())
            .a("value", key)
            .a("data-action", "audience");
        if chosen == value {
            input = input.a("checked", "");
        }
        h("div")
            .class("radio")
            .c(input)
            .c(h("label").a("for", id).t(label))
    };
    h("fieldset")
        .class("audience")
        .c(h("legend").t("Show notices for"))
        .c(h("div").class("radios").cs(Audience::ALL
            .iter()
            .map(|&a| option(a, a.as_str(), a.label()))))
}
