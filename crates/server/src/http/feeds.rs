//! Atom 1.0 feeds (RFC 4287) of incidents and published notices: `/feed.atom` for all of
//! TIS and `/services/{id}/feed.atom` for one service, newest first, so people and tools
//! can follow the page without polling it by eye.
//!
//! The XML is written by hand: the format is small and fixed, and every piece of text
//! goes through [`escape`], so what people type is always text, never markup.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, SecondsFormat, Utc};
use tis_core::time::uk_date_time;
use tis_core::{Incident, Notice};

use crate::AppState;
use crate::http::error::AppError;
use crate::read::model::Model;
use crate::read::snapshot::Snapshots;

/// The media type of the feeds.
pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// The date in our `tag:` ids (RFC 4151). It must stay fixed, or every id would change
/// and readers would show every entry again as new.
const TAG_DATE: &str = "2026";

/// The feed of everything: every incident and every published notice.
pub fn site_feed(model: &Model) -> String {
    let entries = entries(model, |_| true, |_| true);
    render(
        model,
        &Head {
            id: tag(model, "feed"),
            title: model.page.name.clone(),
            subtitle: "Incidents and notices about TIS".into(),
            self_url: format!("{}/feed.atom", model.page.url),
            page_url: format!("{}/", model.page.url),
        },
        entries,
    )
}

/// The feed of one service: incidents that affect it, and published notices about it or
/// about TIS as a whole (a notice with no services concerns every service). `None` when
/// there is no such service.
pub fn service_feed(model: &Model, service_id: &str) -> Option<String> {
    let service = model.services.iter().find(|s| s.id == service_id)?;
    let entries = entries(
        model,
        |i| i.affected.iter().any(|a| a.service == service.id),
        |n| n.services.is_empty() || n.services.contains(&service.id),
    );
    Some(render(
        model,
        &Head {
            id: tag(model, &format!("feed/services/{}", service.id)),
            title: format!("{}: {}", model.page.name, service.name),
            subtitle: format!("Incidents and notices about {}", service.name),
            self_url: format!("{}/services/{}/feed.atom", model.page.url, service.id),
            page_url: format!("{}/services/{}", model.page.url, service.id),
        },
        entries,
    ))
}

/// The feeds' routes, merged at the root.
pub fn router() -> Router<AppState> {
    routes(|state: &AppState| &state.snapshots)
}

/// The routes over any state that holds the snapshots, so tests can serve them from a
/// hand-built model without a store.
pub(crate) fn routes<S: Clone + Send + Sync + 'static>(
    snapshots_of: fn(&S) -> &Snapshots,
) -> Router<S> {
    Router::new()
        .route(
            "/feed.atom",
            get(move |State(state): State<S>, headers: HeaderMap| async move {
                snapshots_of(&state)
                    .current()
                    .get("/feed.atom", CONTENT_TYPE, |m| site_feed(m).into_bytes())
                    .respond(&headers)
            }),
        )
        .route(
            "/services/{id}/feed.atom",
            get(
                move |State(state): State<S>, Path(id): Path<String>, headers: HeaderMap| async move {
                    service_response(snapshots_of(&state), &id, &headers)
                },
            ),
        )
}

fn service_response(snapshots: &Snapshots, id: &str, headers: &HeaderMap) -> Response {
    let snapshot = snapshots.current();
    // Checked before the cache is touched, so made-up ids cannot fill it.
    if !snapshot.model.services.iter().any(|s| s.id == id) {
        let what = if id.chars().count() <= 64 {
            format!("service with the id \"{id}\"")
        } else {
            "service with that id".to_string()
        };
        return AppError::NotFound(what).into_response();
    }
    snapshot
        .get(&format!("/services/{id}/feed.atom"), CONTENT_TYPE, |m| {
            service_feed(m, id).unwrap_or_default().into_bytes()
        })
        .respond(headers)
}

/// Text made safe for XML content and attribute values: the five special characters are
/// escaped, and characters XML 1.0 forbids (most control characters, which a paste can
/// carry) become U+FFFD, since a single one would make the whole feed unreadable.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if allowed_in_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production, less what `escape` handles itself.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A `tag:` URI (RFC 4151) under the host of the page's address.
fn tag(model: &Model, specific: &str) -> String {
    let host = model
        .page
        .url
        .split_once("://")
        .map_or(model.page.url.as_str(), |(_, rest)| rest)
        .split(['/', ':', '?', '#'])
        .next()
        .unwrap_or_default();
    let host = if host.is_empty() { "localhost" } else { host };
    format!("tag:{host},{TAG_DATE}:{specific}")
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

struct Head {
    id: String,
    title: String,
    subtitle: String,
    self_url: String,
    page_url: String,
}

struct Entry {
    id: String,
    title: String,
    updated: DateTime<Utc>,
    published: DateTime<Utc>,
    link: String,
    category: &'static str,
    content: String,
}

/// The entries the two filters keep, newest change first.
fn entries(
    model: &Model,
    incident_wanted: impl Fn(&Incident) -> bool,
    notice_wanted: impl Fn(&Notice) -> bool,
) -> Vec<Entry> {
    let mut entries: Vec<Entry> = model
        .incidents
        .iter()
        .filter(|i| incident_wanted(i))
        .map(|i| incident_entry(model, i))
        .chain(
            model
                .notices
                .iter()
                // Drafts are seen only by staff.
                .filter(|n| n.published && notice_wanted(n))
                .map(|n| notice_entry(model, n)),
        )
        .collect();
    entries.sort_by(|a, b| b.updated.cmp(&a.updated).then(b.id.cmp(&a.id)));
    entries
}

fn incident_entry(model: &Model, incident: &Incident) -> Entry {
    let mut updates: Vec<_> = incident.updates.iter().collect();
    updates.sort_by_key(|u| std::cmp::Reverse(u.at));
    let published = updates.last().map_or(incident.started_at, |u| u.at);
    let updated = updates
        .iter()
        .map(|u| u.at)
        .chain(incident.resolved_at)
        .chain([published])
        .max()
        .unwrap_or(published);
    let affects: Vec<&str> = incident
        .affected
        .iter()
        .map(|a| model.service_name(&a.service))
        .collect();
    let mut content = format!(
        "Status: {}\n{}\nAffects: {}\nStarted: {}\n",
        incident.status.label(),
        incident.impact.label(),
        affects.join(", "),
        uk_date_time(incident.started_at),
    );
    if let Some(at) = incident.resolved_at {
        content.push_str(&format!("Resolved: {}\n", uk_date_time(at)));
    }
    if let Some(at) = incident.next_update_at.filter(|_| incident.is_active()) {
        content.push_str(&format!("Next update by: {}\n", uk_date_time(at)));
    }
    for u in &updates {
        content.push_str(&format!(
            "\n{} at {}\n{}\n",
            u.status.label(),
            uk_date_time(u.at),
            u.body
        ));
    }
    Entry {
        id: tag(model, &format!("incidents/{}", incident.id)),
        title: incident.title.clone(),
        updated,
        published,
        link: format!("{}/incidents/{}", model.page.url, incident.id),
        category: "incident",
        content,
    }
}

fn notice_entry(model: &Model, notice: &Notice) -> Entry {
    let kind = notice.kind.label();
    let affects = if notice.services.is_empty() {
        "All of TIS".to_string()
    } else {
        notice
            .services
            .iter()
            .map(|s| model.service_name(s))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let when = match notice.ends_at {
        Some(end) => format!(
            "From {} until {}",
            uk_date_time(notice.starts_at),
            uk_date_time(end)
        ),
        None => format!("From {}", uk_date_time(notice.starts_at)),
    };
    Entry {
        id: tag(model, &format!("notices/{}", notice.id)),
        title: notice.title.clone(),
        updated: notice.updated_at,
        published: notice.created_at,
        link: format!("{}/notices", model.page.url),
        category: "notice",
        content: format!("{kind}\nAffects: {affects}\n{when}\n\n{}", notice.body),
    }
}

fn render(model: &Model, head: &Head, entries: Vec<Entry>) -> String {
    // A feed with no entries was last changed when the page last was; that time moves,
    // but an empty feed has nothing better to say.
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .max()
        .unwrap_or(model.generated_at);
    let author = escape(&model.page.name);
    let mut xml = String::with_capacity(1024 + entries.len() * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-GB\">\n");
    xml.push_str(&format!("  <id>{}</id>\n", escape(&head.id)));
    xml.push_str(&format!(
        "  <title type=\"text\">{}</title>\n",
        escape(&head.title)
    ));
    xml.push_str(&format!(
        "  <subtitle type=\"text\">{}</subtitle>\n",
        escape(&head.subtitle)
    ));
    xml.push_str(&format!("  <updated>{}</updated>\n", timestamp(updated)));
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&head.self_url)
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(&head.page_url)
    ));
    xml.push_str(&format!("  <author><name>{author}</name></author>\n"));
    xml.push_str("  <generator>tis-status</generator>\n");
    for e in entries {
        xml.push_str("  <entry>\n");
        xml.push_str(&format!("    <id>{}</id>\n", escape(&e.id)));
        xml.push_str(&format!(
            "    <title type=\"text\">{}</title>\n",
            escape(&e.title)
        ));
        xml.push_str(&format!(
            "    <updated>{}</updated>\n",
            timestamp(e.updated)
        ));
        xml.push_str(&format!(
            "    <published>{}</published>\n",
            timestamp(e.published)
        ));
        // Staff names stay off the public feed: the page speaks for the team.
        xml.push_str(&format!("    <author><name>{author}</name></author>\n"));
        xml.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape(&e.link)
        ));
        xml.push_str(&format!("    <category term=\"{}\"/>\n", e.category));
        xml.push_str(&format!(
            "    <content type=\"text\">{}</content>\n",
            escape(&e.content)
        ));
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

#[cfg(test)]
mod tests;
