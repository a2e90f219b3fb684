//! The subscription pages' content: the form "Get emails about TIS problems", drawn by
//! the app and written by the server (where it also works as a plain HTML form, scripts
//! off), and the answers to it.

use tis_core::FieldError;
use tis_core::wire::{CHECK_YOUR_EMAIL, NewsKind};

use crate::{El, Node, h};

/// What the reader has filled in, kept when the form comes back with problems.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filled {
    pub email: String,
    pub services: Vec<String>,
    /// `None`: not sent yet, both kinds ticked.
    pub kinds: Option<Vec<NewsKind>>,
}

/// The id of each field's input, for the error summary's links.
fn field_id(field: &str) -> &'static str {
    match field.split('[').next().unwrap_or(field) {
        "email" => "subscribe-email",
        "services" => "subscribe-services",
        "kinds" => "subscribe-kinds",
        _ => "subscribe-email",
    }
}

fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a FieldError> {
    errors
        .iter()
        .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
}

fn error_message(id: &str, error: Option<&FieldError>) -> Option<El> {
    error.map(|e| {
        h("p")
            .class("field-error")
            .a("id", format!("{id}-error"))
            .c(h("span").class("visually-hidden").t("Error: "))
            .t(e.message.clone())
    })
}

fn check(name: &'static str, id: String, value: &str, label: &str, checked: bool) -> El {
    let mut input = h("input")
        .a("type", "checkbox")
        .a("name", name)
        .a("id", id.clone())
        .a("value", value.to_string());
    if checked {
        input = input.a("checked", "");
    }
    h("div")
        .class("choice")
        .c(input)
        .c(h("label").a("for", id).t(label.to_string()))
}

/// The page: heading, what it is for, the problems (if any) and the form.
/// `services` are (id, name) pairs in page order.
pub fn form(services: &[(String, String)], filled: &Filled, errors: &[FieldError]) -> Vec<Node> {
    let mut nodes: Vec<Node> = vec![
        h("h1").t("Get emails about TIS problems").into(),
        h("p").t("We will email you when a TIS service you use stops working, with each update and when it is fixed, and before planned maintenance.").into(),
    ];
    if !errors.is_empty() {
        nodes.push(
            h("div")
                .class("error-summary")
                .a("role", "alert")
                .a("tabindex", "-1")
                .a("id", "subscribe-problems")
                .c(h("h2").t("There is a problem"))
                .c(h("ul").cs(errors.iter().map(|e| {
                    h("li").c(h("a")
                        .a("href", format!("#{}", field_id(&e.field)))
                        .t(e.message.clone()))
                })))
                .into(),
        );
    }
    let email_error = error_for(errors, "email");
    let mut email = h("input")
        .a("type", "email")
        .a("id", "subscribe-email")
        .a("name", "email")
        .a("autocomplete", "email")
        .a("spellcheck", "false")
        .a("required", "")
        .a("value", filled.email.clone());
    if email_error.is_some() {
        email = email
            .a("aria-invalid", "true")
            .a("aria-describedby", "subscribe-email-error");
    }
    let kinds = filled
        .kinds
        .clone()
        .unwrap_or_else(|| NewsKind::ALL.to_vec());
    let form = h("form")
        .class("subscribe")
        .a("method", "post")
        .a("action", "/subscribe")
        // Our own messages, the same with and without scripts, rather than the
        // browser's (as the GOV.UK Design System advises).
        .a("novalidate", "")
        .a("data-action", "subscribe")
        .c(h("div")
            .class("field")
            .c(h("label").a("for", "subscribe-email").t("Email address"))
            .opt(error_message("subscribe-email", email_error))
            .c(email))
        .c(h("fieldset")
            .class("field")
            .a("id", "subscribe-services")
            .c(h("legend").t("Which services?"))
            .c(h("p")
                .class("hint")
                .t("Tick the ones you use. Tick none to hear about all of TIS."))
            .opt(error_message(
                "subscribe-services",
                error_for(errors, "services"),
            ))
            .cs(services.iter().map(|(id, name)| {
                check(
                    "services",
                    format!("subscribe-service-{id}"),
                    id,
                    name,
                    filled.services.contains(id),
                )
            })))
        .c(h("fieldset")
            .class("field")
            .a("id", "subscribe-kinds")
            .c(h("legend").t("What do you want to hear about?"))
            .opt(error_message("subscribe-kinds", error_for(errors, "kinds")))
            .cs(NewsKind::ALL.iter().map(|k| {
                check(
                    "kinds",
                    format!("subscribe-kind-{}", k.as_str()),
                    k.as_str(),
                    k.label(),
                    kinds.contains(k),
                )
            })))
        .c(h("button")
            .a("type", "submit")
            .class("button")
            .t("Get emails"));
    nodes.push(form.into());
    nodes.push(
        h("p")
            .class("hint")
            .t("We keep only your address, your choices and when you made them, and use them only to send these emails. We send a link first: nothing else comes until you follow it. Every email has a link to stop them, which deletes your address.")
            .into(),
    );
    nodes
}

/// The answer once the form is taken, whoever's address it was.
pub fn sent() -> Vec<Node> {
    vec![
        h("h1")
            .a("id", "subscribe-sent")
            .a("tabindex", "-1")
            .t("Check your email")
            .into(),
        h("p").t(CHECK_YOUR_EMAIL).into(),
        h("p")
            .c(h("a").a("href", "/").t("Back to the live status of TIS"))
            .into(),
    ]
}
