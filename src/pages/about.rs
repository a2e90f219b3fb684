//! The about page.

use leptos::prelude::*;
use tis_core::Status;

use crate::components::status_marker;
use crate::dom::{Content, El, Node, h};
use crate::set_title;

fn p(text: &str) -> Node {
    h("p").t(text).into()
}

fn h2(id: &'static str, text: &str) -> Node {
    h("h2").a("id", id).t(text).into()
}

fn list(items: &[&str]) -> Node {
    h("ul").cs(items.iter().map(|i| h("li").t(*i))).into()
}

fn status_row(status: Status, meaning: &str) -> El {
    h("tr")
        .c(h("td").c(status_marker(status)))
        .c(h("td").t(meaning))
}

fn content() -> Vec<Node> {
    vec![
        p("This page tells you whether TIS, the NHS Trainee Information System, is working. It checks each part of TIS by itself, every few seconds, the way that part is really used. It also shows notices and incidents written by the TIS team."),
        h2("status", "What the status words mean"),
        h("div").class("table-scroll").a("tabindex", "0").a("role", "region").a("aria-label", "What the status words mean")
            .c(h("table")
                .c(h("caption").t("Each status has words, a symbol and a colour. The words say it all."))
                .c(h("thead").c(h("tr").c(h("th").a("scope", "col").t("Status")).c(h("th").a("scope", "col").t("What it means"))))
                .c(h("tbody")
                    .c(status_row(Status::Operational, "It is working as it should."))
                    .c(status_row(Status::Degraded, "It works, but it is slower than it should be."))
                    .c(status_row(Status::PartialOutage, "Some of our checks fail: some things work and some do not."))
                    .c(status_row(Status::MajorOutage, "Every check fails: it is not working."))
                    .c(status_row(Status::Maintenance, "We are working on it, as a notice told you in advance."))
                    .c(status_row(Status::Unknown, "We have had no check results for a while, so we cannot say. We never show this as working."))))
            .into(),
        p("At the top of the main page, one sentence sums up all of TIS, giving the worst news first."),
        h2("checks", "How we check each service"),
        p("Each service has one or more checks. The service page says in words what each one does. A check can:"),
        list(&[
            "ask the service whether it is healthy, and read its answer",
            "check that it accepts connections",
            "check that its security certificate is valid for long enough. A certificate close to expiry does not change the status: the team is told, so they can renew it in time",
            "sign in the way the service itself does, then call it. Most of TIS signs in through one sign-in service, so this check finds the problems that only show up between services.",
        ]),
        p("One failed check does not make a service down: it takes a few failures in a row. It also takes a few good checks in a row before a service shows as working again, so the status does not flicker. A check that answers, but too slowly for a while, makes a service slow. If a service has not been checked for a while, it shows as not known, never as working, and the checks from before that gap do not count afterwards."),
        h2("where", "Where the checks run"),
        p("The checks run on the status server, on the same network as TIS. They can also run from somewhere else, such as another network or region, and send their results here. That helps tell a problem with TIS apart from a problem with the network in between."),
        p("Before we believe a failed check, the checks first make sure they can reach the outside world at all. If they cannot, the problem is our own network, not TIS, so we record the check as \"could not check\". We never count that as down. If every check of a service could not check, it shows as not known, \"because our checks cannot reach TIS right now\". If checks from another place still reach it, that place's results are used. Time when we could not check counts as no data in uptime."),
        h2("dependencies", "When one service needs another"),
        p("Some services need others to work. For example, bulk upload needs sign-in. If sign-in is down, bulk upload is shown as down too, with the reason: \"because Sign-in is down\". This tells you where the problem starts."),
        h2("uptime", "How we work out uptime"),
        list(&[
            "Uptime is worked out for each calendar day in UK time. The days the clocks change are 23 or 25 hours long.",
            "For each moment of the day, we use the same rules as the live status. Time when a service was partly or fully down counts as down.",
            "Time when a service was slow counts as up, and is shown apart.",
            "Time when we had no check results counts as neither up nor down.",
            "Uptime is the share of the time with check results when the service was not down. We never round it up to 100%.",
            "The main page shows 90 days. Each service's page can show 12 months.",
        ]),
        p("Response times are the time each check took to get an answer. We show the typical time (the median, the middle value) and the slowest 1 in 20 (the 95th percentile) in 5-minute spells over the last 24 hours."),
        h2("key-times", "Incident timelines and key times"),
        list(&[
            "Every time in a timeline is UK time: GMT in winter and BST (British Summer Time) in summer. Each day of a timeline says which.",
            "When we know only the hour something happened, the timeline says so, like \"some time between 2pm and 3pm\". A span of time is shown as one, like \"10:30am to 3:13pm\".",
            "Key times are measured from when the problem began: the first entry marked as the cause, or else the time the incident started.",
            "Time to find the problem runs to the first entry marked as the problem being found. Time to tell users runs to the first entry marked as users being told.",
            "Time to fix it for users runs to the end of the first entry marked as reducing the harm. Time to resolve it fully runs to the end of the last entry marked as resolved.",
            "When a time is known only to the hour, the key time is given as a range, like \"between 13 hours 44 minutes and 14 hours 44 minutes\".",
        ]),
        h2("live", "Live updates, and when this page cannot reach us"),
        p("This page updates by itself: the status server tells it when something changes. If that does not get through, the page asks every 15 seconds instead."),
        p("Your browser keeps the last status it saw. If the page cannot reach the status server, it shows what it last knew and how old that is, and keeps trying again. That is a problem with this status page: it does not mean TIS is down."),
        h2("other-ways", "Other ways to follow"),
        h("ul")
            .c(h("li").c(h("a").a("href", "/feed.atom").t("A feed of incidents and notices")).t(", for feed readers and email alerts."))
            .c(h("li").c(h("a").a("href", "/api/v2/summary.json").t("The status as data")).t(", in the same form as Atlassian Statuspage, for tools and widgets."))
            .into(),
        h2("accessibility", "Accessibility"),
        p("We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. Every chart has the same facts in words and as a table. Status is never shown by colour alone. The page works with a keyboard, with a screen reader, at 200% zoom and on small screens, and follows your device's dark mode and reduced motion settings."),
        p("If something on this page does not work for you, tell your local TIS support team."),
    ]
}

/// `/about`: how status and uptime are worked out, where the checks run, and what the
/// page does when it cannot reach the server.
#[component]
pub fn About() -> impl IntoView {
    set_title("How this page works");
    view! {
        <h1>"How this page works"</h1>
        <Content of=content />
    }
}
