//! An incident as a card: its stage, title, affected services and times.

use tis_core::IncidentStatus;
use tis_core::incident::AffectedService;
use tis_core::time::uk_date_time;
use tis_core::wire::IncidentSummary;

use crate::components::facts;
use crate::words;
use crate::{El, h};

/// An incident's stage in words, with a symbol.
pub fn incident_status_tag(status: IncidentStatus) -> El {
    h("span")
        .class(format!("tag tag-{}", words::incident_class(status)))
        .c(h("span")
            .class("tag-symbol")
            .a("aria-hidden", "true")
            .t(words::incident_symbol(status)))
        .t(status.label())
}

/// An incident in a list: what, how bad, its latest update and, while it lasts, when
/// users will hear next. `heading` is "h2" or "h3".
pub fn incident_card(
    incident: &IncidentSummary,
    names: &[(String, String)],
    heading: &'static str,
) -> El {
    let href = format!("/incidents/{}", incident.id);
    let active = incident.status != IncidentStatus::Resolved;
    let mut items = vec![
        ("Affects", affected_names(&incident.affected, names)),
        ("Started", uk_date_time(incident.started_at)),
    ];
    if let (false, Some(resolved)) = (active, incident.resolved_at) {
        items.push((
            "Resolved",
            format!(
                "{} ({})",
                uk_date_time(resolved),
                words::lasted(incident.started_at, Some(resolved)).to_ascii_lowercase()
            ),
        ));
    }
    let next = active.then(|| match incident.next_update_at {
        Some(at) => h("p")
            .class("next-update")
            .c(h("strong").t(format!("Next update by {}", uk_date_time(at)))),
        None => h("p")
            .class("next-update")
            .t("We will post an update here when we know more."),
    });
    h("article")
        .class(format!(
            "incident-card incident-{}",
            words::incident_class(incident.status)
        ))
        .a("data-incident", incident.id.to_string())
        .c(h(heading)
            .class("incident-title")
            .c(h("a").a("href", href.clone()).t(incident.title.clone())))
        .c(h("p")
            .class("incident-meta")
            .c(incident_status_tag(incident.status))
            .t(" ")
            .c(h("span").class("impact").t(incident.impact.label())))
        .c(facts(items))
        .opt(incident.latest_update.as_ref().map(|u| {
            h("div")
                .class("latest-update")
                .c(h("p")
                    .class("update-when")
                    .t(format!("Latest update, {}:", uk_date_time(u.at))))
                .cs(words::paragraphs(&u.body).into_iter().map(|p| h("p").t(p)))
        }))
        .opt(next)
        .opt(incident.has_report.then(|| {
            h("p").class("has-report").c(h("a")
                .a("href", href)
                .t("Read what happened and what we are changing"))
        }))
}

/// "Bulk upload, ESR integration and Sign-in"
fn affected_names(affected: &[AffectedService], names: &[(String, String)]) -> String {
    let list: Vec<String> = affected
        .iter()
        .map(|a| words::service_name(names, &a.service))
        .collect();
    words::and_list(&list)
}
