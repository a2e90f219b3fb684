//! The list of notices.

use leptos::prelude::*;
use tis_core::wire::{ServiceList, service_names, sort_short_by_key};
use tis_core::{Notice, NoticeState};

use crate::api::{Shown, live};
use crate::components::{Freshness, audience_chooser, loading, notice_card, unavailable};
use crate::conn::{Conn, Part};
use crate::dom::{Content, Node, h};
use crate::{AudienceChoice, Clock, set_title};

/// How many past notices are listed.
const PAST_SHOWN: usize = 20;

/// The page's groups, in order, and what each says when it is empty.
const GROUPS: [(NoticeState, &str); 3] = [
    (
        NoticeState::Active,
        "There are no notices for you at the moment.",
    ),
    (
        NoticeState::Upcoming,
        "Nothing is planned that we have told users about.",
    ),
    (NoticeState::Past, "There are no past notices."),
];

/// `/notices`: notices in force now, those coming up, and recent past ones, for the
/// reader's audience.
#[component]
pub fn Notices() -> impl IntoView {
    set_title("Notices");
    let lists =
        GROUPS.map(|(state, _)| live::<Vec<Notice>>(move || Some(state.path()), &[Part::Notices]));
    let as_of = lists[0].as_of();
    let states = lists.map(|l| l.state());
    let services =
        live::<ServiceList>(|| Some("/api/v1/services".into()), &[Part::Services]).state();
    let audience = expect_context::<AudienceChoice>().0;
    let conn = expect_context::<Conn>();
    let clock = expect_context::<Clock>().0;
    let top = move || {
        let mut out: Vec<Node> = vec![
            h("h1").t("Notices").into(),
            h("p")
                .class("lede")
                .t("What the TIS support team wants you to know: problems we know about, planned maintenance, and changes to TIS.")
                .into(),
        ];
        match states[0].get() {
            Shown::Loading => out.push(loading("notices")),
            Shown::Failed(error) => out.push(unavailable(&error, "notices", conn, clock.get())),
            Shown::Ready(_) => {}
        }
        out
    };
    let content = move || {
        let names: Vec<(String, String)> = services.with(|s| {
            s.ready()
                .map(|l| service_names(&l.services))
                .unwrap_or_default()
        });
        let reader = audience.get();
        let mut out: Vec<Node> = vec![audience_chooser(reader).into()];
        for (i, (state, empty)) in GROUPS.into_iter().enumerate() {
            out.push(h("h2").t(state.label()).into());
            match states[i].get() {
                Shown::Ready(list) => {
                    let mut mine: Vec<&Notice> =
                        list.iter().filter(|n| n.audience.reaches(reader)).collect();
                    if state == NoticeState::Past {
                        sort_short_by_key(&mut mine, |n| std::cmp::Reverse(n.ends_at));
                        mine.truncate(PAST_SHOWN);
                    }
                    if mine.is_empty() {
                        out.push(h("p").class("none").t(empty).into());
                    }
                    out.extend(
                        mine.into_iter()
                            .map(|n| Node::from(notice_card(n, &names, "h3"))),
                    );
                }
                Shown::Loading => out.push(h("p").class("loading").t("Getting notices…").into()),
                Shown::Failed(_) => {}
            }
        }
        out
    };
    view! {
        <Content of=top />
        <Freshness as_of />
        <Content of=content />
    }
}
