//! The emails subscribers get: plain text and accessible HTML (a real heading, words
//! for everything, no images), built with the same HTML builders as the public pages so
//! every word is escaped. Every message carries a one-click unsubscribe (RFC 8058) and a
//! link to see or end the subscription.

use lettre::Message;
use lettre::message::header::{self, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use tis_core::time::uk_date_time;
use tis_markup::{El, Node, h};

use super::{News, NewsEvent, Payload};

/// The links a message carries, made with its own tokens.
pub struct Links {
    /// The site, without a trailing `/`.
    pub base: String,
    /// The token for the confirm link (confirmation emails only).
    pub confirm: Option<String>,
    /// The token for the manage and unsubscribe links.
    pub manage: String,
}

impl Links {
    pub fn confirm_url(&self) -> Option<String> {
        let token = self.confirm.as_ref()?;
        Some(format!("{}/subscriptions/confirm?token={token}", self.base))
    }
    pub fn manage_url(&self) -> String {
        format!("{}/subscriptions/manage?token={}", self.base, self.manage)
    }
    /// Where a mail client posts `List-Unsubscribe=One-Click`.
    pub fn unsubscribe_url(&self) -> String {
        format!(
            "{}/subscriptions/unsubscribe?token={}",
            self.base, self.manage
        )
    }
}

/// A message's words, before they become text and HTML (or, for Teams and Slack
/// channels, a card: see `hooks`), so every audience reads the same public words.
pub(crate) struct Words {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub facts: Vec<(String, String)>,
    /// The main link and its words.
    pub action: Option<(String, String)>,
    /// Why the reader gets it, and how to stop.
    pub footer: String,
}

/// The subject, plain text and HTML of `payload`; `names` gives each service id's name.
pub fn render(
    payload: &Payload,
    links: &Links,
    names: &dyn Fn(&str) -> String,
) -> (String, String, String) {
    let words = words(payload, links, names);
    (
        words.subject.clone(),
        text(&words, links),
        html(&words, links),
    )
}

fn words(payload: &Payload, links: &Links, names: &dyn Fn(&str) -> String) -> Words {
    let stop = "If you did not ask for this, you need do nothing: we forget the address in 48 hours and send it nothing more.";
    match payload {
        Payload::Confirm => Words {
            subject: "Confirm that you want emails about TIS".into(),
            paragraphs: vec![
                "Someone, probably you, asked for emails from TIS Status to this address: news of problems with TIS, the NHS Trainee Information System, or of planned maintenance.".into(),
                "To start getting them, follow the link below and confirm within 48 hours. We send nothing else until you do.".into(),
                stop.into(),
            ],
            facts: Vec::new(),
            action: links
                .confirm_url()
                .map(|url| (url, "Confirm that you want emails".into())),
            footer: "You got this email because this address was given on the TIS Status page.".into(),
        },
        Payload::AlreadySubscribed => Words {
            subject: "You already get emails about TIS".into(),
            paragraphs: vec![
                "Someone, probably you, asked for emails from TIS Status to this address. It already gets them, so nothing has changed.".into(),
                "To see what you get, or to stop getting emails, follow the link below.".into(),
                "If you did not ask, you need do nothing.".into(),
            ],
            facts: Vec::new(),
            action: Some((links.manage_url(), "See or stop your emails".into())),
            footer: "You got this email because this address gets emails from TIS Status.".into(),
        },
        Payload::News(news) => news_words(news, &links.base, names),
        // Queued for webhooks and channels only (see `hooks`); an email would say the same.
        Payload::Status(status) => status_words(status, &links.base, names),
        Payload::Test { at } => test_words(*at),
    }
}

/// The words of a status change: "Bulk upload is down", with the reason when the cause
/// lies elsewhere. Never what the check said.
pub(crate) fn status_words(
    status: &super::StatusNews,
    base: &str,
    names: &dyn Fn(&str) -> String,
) -> Words {
    let name = names(&status.service);
    let mut paragraphs = vec![match &status.reason {
        Some(reason) if status.to.is_failing() => {
            format!("{name} is {} {reason}.", status.to.in_sentence())
        }
        _ => format!(
            "Our checks show that {name} is {} now.",
            status.to.in_sentence()
        ),
    }];
    if status.to.is_failing() {
        paragraphs.push("We tell you again when it changes.".into());
    }
    Words {
        subject: status.headline(&name),
        paragraphs,
        facts: vec![
            ("Was".into(), status.from.label().to_string()),
            ("Now".into(), status.to.label().to_string()),
            ("Since".into(), uk_date_time(status.at)),
        ],
        action: Some((
            format!("{base}/services/{}", status.service),
            format!("See {name} on the TIS Status page"),
        )),
        footer: "You get this because TIS staff subscribed this channel to news about TIS.".into(),
    }
}

/// The words of a test message.
pub(crate) fn test_words(at: chrono::DateTime<chrono::Utc>) -> Words {
    Words {
        subject: "Test message from TIS Status".into(),
        paragraphs: vec![
            "TIS staff sent this to check that news about TIS reaches you here. Nothing is wrong."
                .into(),
        ],
        facts: vec![("Sent".into(), uk_date_time(at))],
        action: None,
        footer: "You get this because TIS staff subscribed this channel to news about TIS.".into(),
    }
}

pub(crate) fn news_words(news: &News, base: &str, names: &dyn Fn(&str) -> String) -> Words {
    let title = news.title.trim();
    let subject = match news.event {
        NewsEvent::IncidentOpened => format!("TIS problem: {title}"),
        NewsEvent::IncidentUpdated => format!("Update: {title}"),
        NewsEvent::IncidentResolved => format!("Fixed: {title}"),
        NewsEvent::MaintenancePublished => format!("Planned maintenance: {title}"),
        NewsEvent::MaintenanceSoon => format!("Starting soon: {title}"),
        NewsEvent::MaintenanceStarted => format!("Started: {title}"),
        NewsEvent::MaintenanceEnded => format!("Finished: {title}"),
    };
    let mut paragraphs = vec![match news.event {
        NewsEvent::IncidentOpened => "We are dealing with a problem with TIS.".to_string(),
        NewsEvent::IncidentUpdated => "There is news about a problem with TIS.".to_string(),
        NewsEvent::IncidentResolved => "A problem with TIS has been fixed.".to_string(),
        NewsEvent::MaintenancePublished => "We have planned maintenance on TIS.".to_string(),
        NewsEvent::MaintenanceSoon => "Planned maintenance on TIS starts soon.".to_string(),
        NewsEvent::MaintenanceStarted => "Planned maintenance on TIS has started.".to_string(),
        NewsEvent::MaintenanceEnded => "Planned maintenance on TIS has finished.".to_string(),
    }];
    paragraphs.extend(
        news.body
            .split("\n\n")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
    );
    let mut facts = Vec::new();
    if !news.services.is_empty() {
        let list: Vec<String> = news.services.iter().map(|s| names(s)).collect();
        facts.push(("Affects".to_string(), list.join(", ")));
    }
    if let Some(status) = news.status {
        facts.push(("Status".into(), status.label().to_string()));
    }
    match news.event.kind() {
        tis_core::wire::NewsKind::Incidents => {
            if let Some(start) = news.starts_at {
                facts.push(("Started".into(), uk_date_time(start)));
            }
            if news.event == NewsEvent::IncidentResolved {
                if let Some(end) = news.ends_at {
                    facts.push(("Fixed".into(), uk_date_time(end)));
                }
            } else if let Some(next) = news.next_update_at {
                facts.push(("Next update".into(), format!("by {}", uk_date_time(next))));
            }
        }
        tis_core::wire::NewsKind::Maintenance => {
            if let Some(start) = news.starts_at {
                facts.push(("Starts".into(), uk_date_time(start)));
            }
            facts.push((
                "Ends".into(),
                news.ends_at
                    .map_or_else(|| "We will tell you when it ends".to_string(), uk_date_time),
            ));
        }
    }
    facts.push(("Sent".into(), uk_date_time(news.at)));
    let page = if news.path.starts_with("/incidents") {
        "Read about it on the TIS Status page"
    } else {
        "See planned maintenance on the TIS Status page"
    };
    Words {
        subject,
        paragraphs,
        facts,
        action: Some((format!("{base}{}", news.path), page.into())),
        footer: "You get this email because you asked TIS Status for news about TIS.".into(),
    }
}

fn text(words: &Words, links: &Links) -> String {
    let mut out = format!("{}\n\n", words.subject);
    for p in &words.paragraphs {
        out.push_str(p);
        out.push_str("\n\n");
    }
    for (label, value) in &words.facts {
        out.push_str(&format!("{label}: {value}\n"));
    }
    if !words.facts.is_empty() {
        out.push('\n');
    }
    if let Some((url, label)) = &words.action {
        out.push_str(&format!("{label}:\n{url}\n\n"));
    }
    out.push_str(&format!(
        "--\n{}\nSee or stop your emails:\n{}\n",
        words.footer,
        links.manage_url()
    ));
    out
}

fn html(words: &Words, links: &Links) -> String {
    let mut body: Vec<Node> = vec![h("h1").t(words.subject.clone()).into()];
    body.extend(
        words
            .paragraphs
            .iter()
            .map(|p| Node::from(h("p").t(p.clone()))),
    );
    if !words.facts.is_empty() {
        let rows = words.facts.iter().map(|(label, value)| {
            h("tr")
                .c(h("th")
                    .a("scope", "row")
                    .a("style", "text-align: left; padding-right: 1em")
                    .t(label.clone()))
                .c(h("td").t(value.clone()))
        });
        body.push(h("table").cs(rows).into());
    }
    if let Some((url, label)) = &words.action {
        body.push(h("p").c(link(url, label)).into());
    }
    body.push(
        h("p")
            .a(
                "style",
                "font-size: 0.9em; border-top: 1px solid #888; padding-top: 0.5em",
            )
            .t(format!("{} ", words.footer))
            .c(link(&links.manage_url(), "See or stop your emails"))
            .t(".")
            .into(),
    );
    format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: Arial, sans-serif; line-height: 1.5\">{}</body></html>",
        html_escape::encode_text(&words.subject),
        tis_markup::to_html(&body)
    )
}

fn link(url: &str, label: &str) -> El {
    h("a").a("href", url.to_string()).t(label.to_string())
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.trim_matches(['<', '>', ' ']).to_string()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a mail client may
/// unsubscribe with one POST, without opening a page.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// The whole message to `to`. Its Message-ID is the outbox message's id, the same on
/// every try.
pub fn message(
    payload: &Payload,
    links: &Links,
    names: &dyn Fn(&str) -> String,
    from: Mailbox,
    to: Mailbox,
    message_id: &str,
) -> Result<Message, String> {
    let (subject, text, html) = render(payload, links, names);
    Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<{message_id}@tis-status>")))
        .header(ListUnsubscribe(links.unsubscribe_url()))
        .header(ListUnsubscribePost)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| format!("the email could not be made: {e}"))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use tis_core::IncidentStatus;

    use super::*;

    fn links() -> Links {
        Links {
            base: "https://status.example.nhs.uk".into(),
            confirm: None,
            manage: "M".repeat(43),
        }
    }

    fn news() -> News {
        let at = chrono::Utc.with_ymd_and_hms(2026, 7, 14, 9, 47, 0).unwrap();
        News {
            event: NewsEvent::IncidentUpdated,
            title: "Bulk upload is <not> working".into(),
            body: "Uploads fail.\n\nWe are fixing it & will say more.".into(),
            status: Some(IncidentStatus::Identified),
            services: vec!["bulk-upload".into()],
            at,
            starts_at: Some(at - chrono::Duration::hours(1)),
            ends_at: None,
            next_update_at: Some(at + chrono::Duration::minutes(30)),
            path: "/incidents/7".into(),
            id: Some(7),
        }
    }

    #[test]
    fn an_update_reads_in_words_with_a_heading_uk_times_and_every_word_escaped() {
        let names = |id: &str| {
            if id == "bulk-upload" {
                "Bulk upload".to_string()
            } else {
                id.to_string()
            }
        };
        let (subject, text, html) = render(&Payload::News(news()), &links(), &names);
        assert_eq!(subject, "Update: Bulk upload is <not> working");
        assert!(
            text.contains("Affects: Bulk upload\nStatus: Cause found\n"),
            "{text}"
        );
        assert!(
            text.contains("Next update: by 11:17am BST on Tuesday 14 July 2026"),
            "{text}"
        );
        assert!(text.contains("We are fixing it & will say more."), "{text}");
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"en-GB\">"),
            "{html}"
        );
        assert!(
            html.contains("<h1>Update: Bulk upload is &lt;not&gt; working</h1>"),
            "{html}"
        );
        assert!(
            html.contains("<p>We are fixing it &amp; will say more.</p>"),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"row\""),
            "facts as a table with row headers: {html}"
        );
        assert!(!html.contains("<img"), "no image-only content");
        assert!(
            html.contains("href=\"https://status.example.nhs.uk/incidents/7\""),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "href=\"https://status.example.nhs.uk/subscriptions/manage?token={}\"",
                "M".repeat(43)
            )),
            "{html}"
        );
    }

    #[test]
    fn every_message_can_be_unsubscribed_from_in_one_click() {
        let from: Mailbox = "TIS Status <tis-status@example.nhs.uk>".parse().unwrap();
        let to: Mailbox = "sam@example.nhs.uk".parse().unwrap();
        for payload in [
            Payload::Confirm,
            Payload::AlreadySubscribed,
            Payload::News(news()),
        ] {
            let mail = message(
                &payload,
                &links(),
                &|id| id.to_string(),
                from.clone(),
                to.clone(),
                "msg_1",
            )
            .unwrap()
            .formatted();
            let mail = String::from_utf8_lossy(&mail);
            assert!(
                mail.contains(&format!(
                    "List-Unsubscribe: <https://status.example.nhs.uk/subscriptions/unsubscribe?token={}>",
                    "M".repeat(43)
                )),
                "{mail}"
            );
            assert!(
                mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
                "{mail}"
            );
            assert!(mail.contains("Message-ID: <msg_1@tis-status>"), "{mail}");
        }
    }
}
