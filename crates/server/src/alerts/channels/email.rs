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
    if !alert.facts.is_empty() {
        out.push_str("<table>");
        for f in &alert.facts {
            out.push_str(&format!(
                "<tr><th scope=\"row\" style=\"text-align: left; padding-right: 1em\">{}</th><td>{}</td></tr>",
                escape(&f.label),
                escape(&f.value)
            ));
        }
        out.push_str("</table>");
    }
    if !alert.links.is_empty() {
        out.push_str("<ul>");
        for l in &alert.links {
            out.push_str(&format!(
                "<li><a href=\"{}\">{}</a></li>",
                escape(&l.url),
                escape(&l.label)
            ));
        }
        out.push_str("</ul>");
    }
    out.push_str("</body></html>");
    out
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
