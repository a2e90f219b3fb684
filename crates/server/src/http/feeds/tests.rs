//! Tests of `feeds`.

use axum::http::{StatusCode, header};
use tis_core::incident::AffectedService;
use tis_core::{Audience, IncidentStatus, IncidentUpdate, NoticeSeverity, ServiceState, Status};
use tis_core::{Impact, NoticeKind};

use super::*;
use crate::read::model::PageInfo;

const ATOM: &str = "http://www.w3.org/2005/Atom";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a test time")
}

fn service(id: &str) -> ServiceState {
    ServiceState {
        id: id.into(),
        name: format!("Service {id}"),
        description: String::new(),
        group: "G".into(),
        position: 0,
        depends_on: Vec::new(),
        status: Status::Operational,
        reason: None,
        last_checked: None,
    }
}

fn incident(id: i64, title: &str, services: &[&str], last_update: &str) -> Incident {
    Incident {
        id,
        title: title.into(),
        status: IncidentStatus::Monitoring,
        impact: Impact::Major,
        affected: services
            .iter()
            .map(|s| AffectedService {
                service: (*s).into(),
                status: Status::MajorOutage,
            })
            .collect(),
        started_at: at("2026-10-13T18:00:00Z"),
        detected_at: None,
        resolved_at: None,
        next_update_at: None,
        updates: vec![
            IncidentUpdate {
                at: at("2026-10-14T09:47:00Z"),
                status: IncidentStatus::Investigating,
                body: "Bulk upload shows \"Unknown Server Error\".".into(),
                author: "Priya".into(),
            },
            IncidentUpdate {
                at: at(last_update),
                status: IncidentStatus::Monitoring,
                body: "A fix is in place.".into(),
                author: "Priya".into(),
            },
        ],
        report: None,
    }
}

fn notice(id: i64, title: &str, services: &[&str], published: bool, updated: &str) -> Notice {
    Notice {
        id,
        title: title.into(),
        body: "Save your work first.".into(),
        kind: NoticeKind::PlannedMaintenance,
        severity: NoticeSeverity::Medium,
        services: services.iter().map(|s| (*s).into()).collect(),
        starts_at: at("2027-01-16T08:00:00Z"),
        ends_at: Some(at("2027-01-16T11:00:00Z")),
        audience: Audience::Everyone,
        published,
        author: "Tom".into(),
        created_at: at("2026-11-01T10:00:00Z"),
        updated_at: at(updated),
    }
}

/// Two services, an incident on each, a notice on one, one on all of TIS, and a draft.
fn model() -> Model {
    Model {
        generated_at: at("2026-11-25T12:00:00Z"),
        page: PageInfo {
            id: "tis-status".into(),
            name: "TIS Status".into(),
            url: "https://status.example.nhs.uk".into(),
            time_zone: "Europe/London".into(),
        },
        services: vec![service("bulk-upload"), service("form-r")],
        incidents: vec![
            incident(
                3,
                "Bulk upload stopped",
                &["bulk-upload"],
                "2026-10-14T12:16:00Z",
            ),
            incident(5, "Form R was slow", &["form-r"], "2026-11-02T10:00:00Z"),
        ],
        notices: vec![
            notice(
                1,
                "Admin upgrade",
                &["bulk-upload"],
                true,
                "2026-11-20T09:00:00Z",
            ),
            notice(2, "TIS upgrade", &[], true, "2026-10-20T09:00:00Z"),
            notice(
                4,
                "Secret draft about Form R",
                &["form-r"],
                false,
                "2026-11-24T09:00:00Z",
            ),
        ],
        ..Model::empty()
    }
}

fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"))
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|n| n.has_tag_name((ATOM, name)))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    child(node, name).text().unwrap_or_default()
}

fn entries<'a, 'i>(doc: &'a roxmltree::Document<'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    doc.root_element()
        .children()
        .filter(|n| n.has_tag_name((ATOM, "entry")))
        .collect()
}

fn titles(xml: &str) -> Vec<String> {
    let doc = parse(xml);
    entries(&doc)
        .into_iter()
        .map(|e| text(e, "title").to_string())
        .collect()
}

#[test]
fn the_site_feed_is_well_formed_atom_with_every_required_element() {
    let xml = site_feed(&model());
    let doc = parse(&xml);
    let feed = doc.root_element();
    assert!(feed.has_tag_name((ATOM, "feed")));
    assert_eq!(text(feed, "id"), "tag:status.example.nhs.uk,2026:feed");
    assert_eq!(text(feed, "title"), "TIS Status");
    // The newest entry's time, so readers can tell when anything changed.
    assert_eq!(text(feed, "updated"), "2026-11-20T09:00:00Z");
    let self_link = feed
        .children()
        .find(|n| n.has_tag_name((ATOM, "link")) && n.attribute("rel") == Some("self"))
        .expect("a self link");
    assert_eq!(
        self_link.attribute("href"),
        Some("https://status.example.nhs.uk/feed.atom")
    );
    let list = entries(&doc);
    assert_eq!(list.len(), 4, "two incidents and two published notices");
    let mut ids = std::collections::HashSet::new();
    for e in &list {
        let id = text(*e, "id");
        assert!(id.starts_with("tag:status.example.nhs.uk,2026:"), "{id}");
        assert!(ids.insert(id.to_string()), "ids are unique: {id}");
        for name in ["updated", "published"] {
            DateTime::parse_from_rfc3339(text(*e, name)).expect("an RFC 3339 time");
        }
        assert_eq!(text(child(*e, "author"), "name"), "TIS Status");
        assert_eq!(child(*e, "content").attribute("type"), Some("text"));
        assert_eq!(child(*e, "title").attribute("type"), Some("text"));
        assert!(child(*e, "link").attribute("href").is_some());
    }
}

#[test]
fn entries_are_newest_first_and_link_to_their_pages() {
    let xml = site_feed(&model());
    assert_eq!(
        titles(&xml),
        [
            "Admin upgrade",
            "Form R was slow",
            "TIS upgrade",
            "Bulk upload stopped"
        ]
    );
    let doc = parse(&xml);
    let links: Vec<&str> = entries(&doc)
        .into_iter()
        .filter_map(|e| child(e, "link").attribute("href"))
        .collect();
    assert_eq!(
        links,
        [
            "https://status.example.nhs.uk/notices",
            "https://status.example.nhs.uk/incidents/5",
            "https://status.example.nhs.uk/notices",
            "https://status.example.nhs.uk/incidents/3",
        ]
    );
    let bulk = entries(&doc)[3];
    assert_eq!(
        text(bulk, "id"),
        "tag:status.example.nhs.uk,2026:incidents/3"
    );
    assert_eq!(text(bulk, "published"), "2026-10-14T09:47:00Z");
    assert_eq!(text(bulk, "updated"), "2026-10-14T12:16:00Z");
    let content = text(bulk, "content");
    assert!(
        content.starts_with("Status: Fix in place, watching\n"),
        "{content}"
    );
    assert!(
        content.contains("Affects: Service bulk-upload"),
        "{content}"
    );
    // Updates newest first, in UK time.
    let fix = content.find("A fix is in place.").expect("latest update");
    let first = content.find("Unknown Server Error").expect("first update");
    assert!(fix < first, "{content}");
    assert!(
        content.contains("Investigating at 10:47am BST on Wednesday 14 October 2026"),
        "{content}"
    );
}

#[test]
fn user_text_is_always_text_never_markup() {
    let mut m = model();
    m.incidents[0].title = "<script>alert('x')</script> & \"friends\"".into();
    m.incidents[0].updates[0].body = "Use <b>bold</b> & <a href=x>links</a>\u{0}\u{7}!".into();
    m.notices[0].title = "]]> <![CDATA[ &amp; </title>".into();
    let xml = site_feed(&m);
    assert!(!xml.contains("<script>"), "{xml}");
    assert!(!xml.contains("<b>"), "{xml}");
    assert!(
        xml.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;friends&quot;")
    );
    let doc = parse(&xml);
    let list = entries(&doc);
    let by_title = |t: &str| list.iter().copied().find(|e| text(*e, "title") == t);
    let script = by_title("<script>alert('x')</script> & \"friends\"").expect("title kept");
    // The parsed text is exactly what was typed, with no elements made from it.
    assert!(child(script, "title").children().all(|n| n.is_text()));
    let content = text(script, "content");
    assert!(content.contains("Use <b>bold</b> & <a href=x>links</a>\u{FFFD}\u{FFFD}!"));
    assert!(by_title("]]> <![CDATA[ &amp; </title>").is_some());
}

#[test]
fn escape_handles_every_special_and_forbidden_character() {
    assert_eq!(
        escape("a<b>&\"c'\t\r\n\u{1}\u{FFFE}é😀"),
        "a&lt;b&gt;&amp;&quot;c&apos;\t\r\n\u{FFFD}\u{FFFD}é😀"
    );
}

#[test]
fn a_service_feed_holds_only_what_concerns_that_service() {
    let m = model();
    let bulk = service_feed(&m, "bulk-upload").expect("a known service");
    assert_eq!(
        titles(&bulk),
        ["Admin upgrade", "TIS upgrade", "Bulk upload stopped"]
    );
    let doc = parse(&bulk);
    assert_eq!(
        text(doc.root_element(), "id"),
        "tag:status.example.nhs.uk,2026:feed/services/bulk-upload"
    );
    assert_eq!(
        text(doc.root_element(), "title"),
        "TIS Status: Service bulk-upload"
    );
    let form = service_feed(&m, "form-r").expect("a known service");
    assert_eq!(titles(&form), ["Form R was slow", "TIS upgrade"]);
    assert_eq!(service_feed(&m, "no-such-service"), None);
}

#[test]
fn drafts_never_appear_in_any_feed() {
    let m = model();
    let feeds = [
        site_feed(&m),
        service_feed(&m, "form-r").unwrap_or_default(),
        service_feed(&m, "bulk-upload").unwrap_or_default(),
    ];
    for xml in feeds {
        assert!(!xml.contains("Secret draft"), "{xml}");
        assert!(!xml.contains("notices/4"), "{xml}");
    }
}

#[test]
fn ids_stay_the_same_as_the_page_changes() {
    let mut m = model();
    let before = site_feed(&m);
    m.generated_at = at("2027-02-01T00:00:00Z");
    m.incidents[0].updates[1].body = "Fixed for good.".into();
    let after = site_feed(&m);
    let ids = |xml: &str| -> Vec<String> {
        let doc = parse(xml);
        let mut ids: Vec<String> = entries(&doc)
            .into_iter()
            .map(|e| text(e, "id").to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&before), ids(&after));
}

#[test]
fn an_empty_page_still_gives_a_valid_feed() {
    let xml = site_feed(&Model::empty());
    let doc = parse(&xml);
    assert_eq!(text(doc.root_element(), "id"), "tag:localhost,2026:feed");
    assert!(entries(&doc).is_empty());
}

fn app() -> Router {
    routes(|s: &Snapshots| s).with_state(Snapshots::new(model()))
}

async fn get(path: &str, etag: Option<&str>) -> (StatusCode, HeaderMap, String) {
    let (status, headers, body) = crate::http::v2::tests::get(app(), path, etag).await;
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_feeds_are_served_as_atom_with_an_etag() {
    for (path, expected) in [
        ("/feed.atom", site_feed(&model())),
        (
            "/services/form-r/feed.atom",
            service_feed(&model(), "form-r").unwrap_or_default(),
        ),
    ] {
        let (status, headers, body) = get(path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/atom+xml; charset=utf-8"
        );
        assert_eq!(body, expected);
        let etag = headers[header::ETAG].to_str().expect("ascii").to_string();
        let (again, _, _) = get(path, Some(&etag)).await;
        assert_eq!(again, StatusCode::NOT_MODIFIED, "{path}");
    }
}

#[tokio::test]
async fn an_unknown_service_feed_is_a_404_problem() {
    let (status, headers, body) = get("/services/nope/feed.atom", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(body.contains("service with the id \\\"nope\\\""), "{body}");
}
