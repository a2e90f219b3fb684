//! Email: a multipart message, plain text and HTML, whose subject says what and where.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, header};
use tis_core::alert::Alert;

pub fn subject(alert: &Alert) -> String {
    format!("[TIS Status] {}", alert.title)
}

pub fn text(alert: &Alert) -> String {
    let mut out = format!("{}\n\n{}\n\n", alert.title, alert.summary);
    for f in &alert.facts {
        out.push_str(&format!("{}: {}\n", f.label, f.value));
    }
    if !alert.links.is_empty() {
        out.push('\n');
        for l in &alert.links {
            out.push_str(&format!("{}: {}\n", l.label, l.url));
        }
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(alert: &Alert) -> String {
    let colour = if alert.kind.is_trouble() {
        "#d5281b"
    } else {
        "#007f3b"
    };
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><body style=\"font-family: Arial, sans-serif\">\
         <h1 style=\"font-size: 1.4em; border-left: 6px solid {colour}; padding-left: 8px\">{}</h1><p>{}</p>",
        escape(&alert.title),
        escape(&alert.summary)
    );
    let facts = alert.facts.iter().map(|f| {
        let (label, value) = (escape(&f.label), escape(&f.value));
        format!("<tr><th scope=\"row\" style=\"text-align: left; padding-right: 1em\">{label}</th><td>{value}</td></tr>")
    });
    push_block(&mut out, "table", facts);
    let links = alert.links.iter().map(|l| {
        let (url, label) = (escape(&l.url), escape(&l.label));
        format!("<li><a href=\"{url}\">{label}</a></li>")
    });
    push_block(&mut out, "ul", links);
    out.push_str("</body></html>");
    out
}

/// Writes `rows` inside one `<tag>` element; nothing at all when there are none, so an
/// alert without facts or links has no empty table or list.
fn push_block(out: &mut String, tag: &str, rows: impl Iterator<Item = String>) {
    let mut rows = rows.peekable();
    if rows.peek().is_none() {
        return;
    }
    out.push_str(&format!("<{tag}>"));
    rows.for_each(|row| out.push_str(&row));
    out.push_str(&format!("</{tag}>"));
}

/// The whole message. Its Message-ID is made from the outbox id, so that a resend after
/// a crash is recognisably the same message.
pub fn message(
    alert: &Alert,
    from: &str,
    to: &[String],
    message_id: &str,
) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("the sender address in [smtp] from cannot be used: {e}"))?;
    let mut builder = Message::builder()
        .from(from)
        .subject(subject(alert))
        .message_id(Some(format!("<{message_id}@tis-status>")));
    for address in to {
        let mailbox: Mailbox = address
            .parse()
            .map_err(|e| format!("\"{address}\" is not an email address: {e}"))?;
        builder = builder.to(mailbox);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text(alert)),
                )
                .singlepart(
                    lettre::message::SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html(alert)),
                ),
        )
        .map_err(|e| format!("the email could not be made: {e}"))
}
