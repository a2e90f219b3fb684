//! The HTML of the public pages with their answer already in it: the overview (`/`)
//! with the headline, every service's status in words, active incidents and notices;
//! a plain summary on `/incidents/:id` and `/services/:id`. A reader on a slow network
//! or with scripts blocked gets the answer from the first response.
//!
//! The content comes from `tis_markup`, the builders the browser app draws with, so the
//! app takes over without a visible jump (see `tis_status_app::start`). Each page is
//! built once per snapshot, compressed, and served with an ETag, like the JSON answers;
//! the answers it was built from go in with it, so the app's first drawing uses exactly
//! the same data.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use tis_core::time::uk_date_time;
use tis_core::wire::{IncidentSummary, Summary, last_checked_text, service_names};
use tis_core::{Audience, Incident, NoticeState};
use tis_markup::components::{incident_card, notice_card, status_marker};
use tis_markup::frame::{self, Section};
use tis_markup::route::Page;
use tis_markup::{Node, h, overview};

use crate::AppState;
use crate::http::v1::{incidents, services, summary};
use crate::read::model::Model;
use crate::read::snapshot::{Cached, Snapshot};

/// Where the server's content goes in the app's `index.html`.
pub const SLOT: &str = "<!--tis-status:page-->";

/// The app's `index.html`, split where the page's content goes.
#[derive(Debug)]
pub struct Template {
    before: String,
    after: String,
    /// The CSP hash of the inline stylesheet.
    style: Option<String>,
}

impl Template {
    /// `None` when the page has no [`SLOT`] (an app built without it): it is then
    /// served as it is. The stylesheet's text, found with `file` (URL path to text), is
    /// put in the page itself: on a slow line a second round trip before anything can be
    /// painted costs more than the few kilobytes it adds.
    pub fn parse<'a>(index: &str, file: impl Fn(&str) -> Option<&'a str>) -> Option<Template> {
        let (before, after) = index.split_once(SLOT)?;
        let mut before = before.to_string();
        let mut style = None;
        if let Some(start) = before.find("<link rel=\"stylesheet\" href=\"") {
            let href_at = start + "<link rel=\"stylesheet\" href=\"".len();
            let href_end = before[href_at..].find('"').map(|e| href_at + e);
            let tag_end = before[start..].find('>').map(|e| start + e + 1);
            if let (Some(href_end), Some(tag_end)) = (href_end, tag_end) {
                let css = file(&before[href_at..href_end]).filter(|c| !c.contains("</style"));
                if let Some(css) = css {
                    before.replace_range(start..tag_end, &format!("<style>{css}</style>"));
                    style = Some(crate::http::headers::hash_source(css));
                }
            }
        }
        Some(Template {
            before,
            after: after.to_string(),
            style,
        })
    }

    /// The CSP source expression of the stylesheet put in the page, if it was.
    pub fn style_hash(&self) -> Option<String> {
        self.style.clone()
    }

    /// The whole page: `title`, then `content` where the slot was.
    fn fill(&self, title: &str, content: &str) -> String {
        let before = self.before.replacen(
            "<title>TIS Status</title>",
            &format!(
                "<title>{}</title>",
                escape(&format!("{title} – TIS Status"))
            ),
            1,
        );
        format!("{before}{content}{}", self.after)
    }
}

/// The public pages' routes, answered with their content written in.
pub fn router(template: Arc<Template>) -> Router<AppState> {
    let serve = move |State(state): State<AppState>, uri: Uri, headers: HeaderMap| {
        let template = template.clone();
        async move { respond(&state, &template, Page::for_path(uri.path()), &headers) }
    };
    Router::new()
        .route("/", get(serve.clone()))
        .route("/incidents", get(serve.clone()))
        .route("/notices", get(serve.clone()))
        .route("/about", get(serve.clone()))
        .route("/services/{id}", get(serve.clone()))
        .route("/incidents/{id}", get(serve.clone()))
        .route("/subscribe", get(serve))
}

/// A page written for one request that the app leaves as it is (`data-static`): the
/// answers to the subscription forms and links, which no snapshot holds.
pub fn one_off(template: &Template, title: &str, nodes: &[Node]) -> String {
    let mut html = String::from("<div id=\"tis-page\" data-static=\"\"><div>");
    html.push_str(&tis_markup::to_html(&frame::header(None)));
    html.push_str("</div><main id=\"main\" class=\"width\" tabindex=\"-1\"><div>");
    html.push_str(&tis_markup::to_html(nodes));
    html.push_str("</div></main><div>");
    html.push_str(&tis_markup::to_html(&frame::footer()));
    html.push_str("</div></div>");
    template.fill(title, &html)
}

fn respond(state: &AppState, template: &Template, page: Page, headers: &HeaderMap) -> Response {
    let snapshot = state.snapshots.current();
    // Unknown ids share one entry, so made-up addresses cannot fill the snapshot's store.
    let page = match page {
        Page::Service(id) if !snapshot.model.services.iter().any(|s| s.id == id) => {
            Page::Service(String::new())
        }
        Page::Incident(id) if !snapshot.model.incidents.iter().any(|i| i.id == id) => {
            Page::Incident(0)
        }
        known => known,
    };
    let key = match &page {
        Page::Overview => "page:/".to_string(),
        Page::Service(id) => format!("page:/services/{id}"),
        Page::Incidents => "page:/incidents".to_string(),
        Page::Incident(id) => format!("page:/incidents/{id}"),
        Page::Notices => "page:/notices".to_string(),
        Page::About => "page:/about".to_string(),
        Page::Subscribe => "page:/subscribe".to_string(),
        Page::NotFound => "page:404".to_string(),
    };
    let seeds = seeds(&snapshot, &page);
    snapshot
        .get(&key, "text/html; charset=utf-8", |model| {
            let (title, section, main) = content(model, &page);
            let mut html = String::from("<div id=\"tis-page\"><div>");
            html.push_str(&tis_markup::to_html(&frame::header(section)));
            html.push_str("</div><main id=\"main\" class=\"width\" tabindex=\"-1\">");
            // Each block sits in a `<div>` of its own, as the app's do.
            for block in main {
                html.push_str(&block.opening);
                html.push_str(&tis_markup::to_html(&block.nodes));
                html.push_str("</div>");
            }
            html.push_str("</main><div>");
            html.push_str(&tis_markup::to_html(&frame::footer()));
            html.push_str("</div>");
            for (path, cached, as_of) in &seeds {
                html.push_str(&seed(path, cached, *as_of));
            }
            html.push_str("</div>");
            template.fill(&title, &html).into_bytes()
        })
        .respond(headers)
}

/// One of the page's blocks and the holder it sits in.
struct Block {
    opening: String,
    nodes: Vec<Node>,
}

fn block(nodes: Vec<Node>) -> Block {
    Block {
        opening: "<div>".into(),
        nodes,
    }
}

/// The answers the app reads first on `page`, as this snapshot serves them.
fn seeds(snapshot: &Snapshot, page: &Page) -> Vec<(String, Arc<Cached>, i64)> {
    let at = snapshot.model.generated_at.timestamp_millis();
    let mut out = Vec::new();
    match page {
        Page::Overview => {
            out.push((
                summary::SUMMARY.to_string(),
                snapshot.json(summary::SUMMARY, summary::build),
                at,
            ));
            out.push((
                services::TRENDS.to_string(),
                snapshot.json(services::TRENDS, services::build_trends),
                at,
            ));
        }
        Page::Incident(id) => {
            if let Some(incident) = snapshot.model.incidents.iter().find(|i| i.id == *id) {
                let path = format!("/api/v1/incidents/{id}");
                let cached = snapshot.json(&path, |_| incidents::public_view(incident));
                out.push((path, cached, at));
                out.push((
                    services::SERVICES.to_string(),
                    snapshot.json(services::SERVICES, services::service_list),
                    at,
                ));
            }
        }
        // The form lists the services from the same answer the app reads, so it is drawn
        // complete at once when the app takes over.
        Page::Subscribe => out.push((
            services::SERVICES.to_string(),
            snapshot.json(services::SERVICES, services::service_list),
            at,
        )),
        _ => {}
    }
    out
}

/// An answer written into the page for the app to start from (read by `src/cache.rs`).
/// `<` is written as its JSON escape, so no text in it can end the script element.
fn seed(path: &str, cached: &Cached, as_of: i64) -> String {
    let body = String::from_utf8_lossy(&cached.body).replace('<', "\\u003c");
    format!(
        "<script type=\"application/json\" id=\"seed:{}\" data-etag=\"{}\" data-as-of=\"{as_of}\">{body}</script>",
        escape(path),
        escape(cached.etag.to_str().unwrap_or("")),
    )
}

fn escape(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// "Updated at 10:47am GMT on Tuesday 1 December 2026." A page may be kept by a cache or
/// read long after it was sent, so it says when, never "just now".
fn updated(model: &Model) -> Block {
    block(vec![frame::updated(
        &format!("at {}", uk_date_time(model.generated_at)),
        "Reload the page to see changes.",
    )])
}

/// The live region the app says "we cannot reach the status server" in; empty here.
fn conn_status() -> Block {
    Block {
        opening: "<div class=\"conn-status\" role=\"status\">".into(),
        nodes: Vec::new(),
    }
}

/// The page's title, its part of the site, and its blocks.
fn content(model: &Model, page: &Page) -> (String, Option<Section>, Vec<Block>) {
    let summary = summary::build(model);
    match page {
        Page::Overview => {
            let trends = services::build_trends(model);
            (
                "Live status".into(),
                Some(Section::Status),
                vec![
                    block(overview::top(&summary)),
                    conn_status(),
                    updated(model),
                    block(overview::incidents(&summary)),
                    block(overview::notices(&summary, Audience::Everyone)),
                    block(overview::services(&summary, Some(&trends))),
                    block(overview::upcoming(&summary, Audience::Everyone)),
                ],
            )
        }
        Page::Service(id) => service(model, &summary, id),
        Page::Incident(id) => incident(model, &summary, *id),
        Page::Incidents => {
            let names = service_names(&summary.services);
            let cards: Vec<Node> = model
                .incidents
                .iter()
                .take(20)
                .map(|i| incident_card(&IncidentSummary::from(&crate::http::v1::public_incident(i)), &names, "h2").into())
                .collect();
            let mut nodes = vec![h("h1").t("Incidents").into()];
            if cards.is_empty() {
                nodes.push(h("p").t("There have been no incidents.").into());
            }
            nodes.extend(cards);
            (
                "Incidents".into(),
                Some(Section::Incidents),
                vec![block(nodes), updated(model), block(needs_script())],
            )
        }
        Page::Notices => {
            let names = service_names(&summary.services);
            let mut nodes: Vec<Node> = vec![h("h1").t("Notices").into(), h("h2").t(NoticeState::Active.label()).into()];
            if summary.notices.is_empty() {
                nodes.push(h("p").class("none").t("There are no notices at the moment.").into());
            }
            nodes.extend(summary.notices.iter().map(|n| notice_card(n, &names, "h3").into()));
            if !summary.upcoming.is_empty() {
                nodes.push(h("h2").t(NoticeState::Upcoming.label()).into());
                nodes.extend(summary.upcoming.iter().map(|n| notice_card(n, &names, "h3").into()));
            }
            (
                "Notices".into(),
                Some(Section::Notices),
                vec![block(nodes), updated(model), block(needs_script())],
            )
        }
        Page::About => (
            "How it works".into(),
            Some(Section::About),
            vec![block(vec![
                h("h1").t("How this page works").into(),
                h("p").t("We check every TIS service every few seconds, the way people use it, including signing in. A service that needs another one that is down is shown as affected, with the reason.").into(),
            ]), block(needs_script())],
        ),
        Page::Subscribe => (
            "Get emails about TIS problems".into(),
            None,
            vec![block(tis_markup::subscribe::form(
                &subscribe_services(model),
                &Default::default(),
                &[],
            ))],
        ),
        Page::NotFound => not_found("page", "/", "See the status of every service"),
    }
}

/// The services a reader can choose in the subscription form, as (id, name).
pub fn subscribe_services(model: &Model) -> Vec<(String, String)> {
    model
        .services
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect()
}

/// Said where the server writes only part of a page: what is missing without scripts.
fn needs_script() -> Vec<Node> {
    vec![
        h("p")
            .class("needs-script")
            .t("The rest of this page needs JavaScript. The live status of every service is always on the ")
            .c(h("a").a("href", "/").t("overview"))
            .t(".")
            .into(),
    ]
}

fn back(href: &str, label: &str) -> Node {
    h("p")
        .class("back")
        .c(h("a").a("href", href.to_string()).t(label.to_string()))
        .into()
}

/// A service's status in words and why, what it is for, and when it was last checked.
fn service(model: &Model, summary: &Summary, id: &str) -> (String, Option<Section>, Vec<Block>) {
    let Some(s) = model.services.iter().find(|s| s.id == id) else {
        return not_found("service", "/", "See the status of every service");
    };
    let _ = summary;
    let main = vec![
        h("p").c(status_marker(s.status)).into(),
        h("p")
            .class("service-description")
            .t(s.description.clone())
            .into(),
    ];
    let mut main = main;
    if let Some(reason) = &s.reason {
        main.push(
            h("p")
                .class("service-reason")
                .t(format!("{} {reason}.", s.status.label()))
                .into(),
        );
    }
    main.push(
        h("p")
            .class("service-checked")
            .t(last_checked_text(s.last_checked, model.generated_at))
            .into(),
    );
    (
        s.name.clone(),
        Some(Section::Status),
        vec![
            block(vec![
                back("/", "Live status of every service"),
                h("h1").t(s.name.clone()).into(),
            ]),
            conn_status(),
            updated(model),
            block(main),
            block(needs_script()),
        ],
    )
}

/// An incident in plain words: how it stands, what it affects, the updates users were
/// given and when the next is due.
fn incident(model: &Model, summary: &Summary, id: i64) -> (String, Option<Section>, Vec<Block>) {
    let Some(found) = model.incidents.iter().find(|i| i.id == id) else {
        return not_found("incident", "/incidents", "See all incidents");
    };
    let i: Incident = crate::http::v1::public_incident(found);
    let names = service_names(&summary.services);
    let mut main = tis_markup::incident::head(&i, &names, model.generated_at);
    main.extend(tis_markup::incident::updates(&i));
    (
        i.title.clone(),
        Some(Section::Incidents),
        vec![
            block(vec![
                back("/incidents", "All incidents"),
                h("h1").t(i.title.clone()).into(),
            ]),
            conn_status(),
            updated(model),
            block(main),
            block(needs_script()),
        ],
    )
}

fn not_found(what: &str, href: &str, label: &str) -> (String, Option<Section>, Vec<Block>) {
    (
        "Page not found".into(),
        None,
        vec![block(vec![
            h("h1").t("Page not found").into(),
            h("p")
                .t(format!("There is no such {what}. Check the address."))
                .into(),
            h("p")
                .c(h("a").a("href", href.to_string()).t(label.to_string()))
                .into(),
        ])],
    )
}
