//! `/manage`: what needs doing now: the quick actions, open incidents with when their next
//! update is due, and the notices users can see.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::wire::IncidentSummary;
use tis_core::{Notice, Role};

use super::client::{self, ApiError};
use super::form::now;
use super::incidents::due_words;
use super::notices::window_words;
use super::session::Session;

/// The staff home page.
#[component]
pub fn StaffHome() -> impl IntoView {
    let session = Session::get();
    // Only the notices showing now.
    let notices = LocalResource::new(|| async {
        let now = now();
        client::notices()
            .await
            .map(|list| list.into_iter().filter(|n| n.is_active(now)).collect())
    });
    let incidents =
        LocalResource::new(|| async { client::incidents("active").await.map(|p| p.incidents) });
    view! {
        <Title text="Staff home" />
        <h1>"Staff home"</h1>
        <div class="quick-actions">
            <A href="/manage/notices/new" attr:class="button">"Post a notice"</A>
            {move || session.can(Role::Editor).then(|| view! {
                <A href="/manage/incidents/new" attr:class="button-secondary">"Open an incident"</A>
            })}
            <A href="/manage/services" attr:class="button-secondary">"See how services are checked"</A>
        </div>
        <RecordSection id="open-now" heading="Open incidents" what="incidents"
            empty="No incident is open." records=incidents
            row=|i: IncidentSummary, now| {
                let (late, words) = match i.next_update_at {
                    Some(next) => due_words(next, now),
                    None => (true, "No next update promised.".to_string()),
                };
                view! {
                    <h3 class="record-title"><A href=format!("/manage/incidents/{}", i.id)>{i.title.clone()}</A></h3>
                    <p class="record-meta">{i.status.label()}</p>
                    <p class="record-meta due" class:due-late=late>{words}</p>
                }.into_any()
            } />
        <RecordSection id="showing-now" heading="Notices users can see now" what="notices"
            empty="No notice is showing now." records=notices
            row=|n: Notice, _| {
                let when = window_words(&n);
                view! {
                    <h3 class="record-title"><A href=format!("/manage/notices/{}", n.id)>{n.title}</A></h3>
                    <p class="record-meta">{when}</p>
                }.into_any()
            } />
    }
}

/// A list of records loaded from the server under its heading: while loading, a problem
/// in words, a sentence when there are none, or one row each.
#[component]
fn RecordSection<T, F>(
    id: &'static str,
    heading: &'static str,
    /// What is loading, e.g. "incidents".
    what: &'static str,
    /// Said when there are none.
    empty: &'static str,
    records: LocalResource<Result<Vec<T>, ApiError>>,
    /// One record's row, given the time now.
    row: F,
) -> impl IntoView
where
    T: Clone + 'static,
    F: Fn(T, DateTime<Utc>) -> AnyView + Copy + Send + Sync + 'static,
{
    view! {
        <section aria-labelledby=id>
            <h2 id=id>{heading}</h2>
            <Suspense fallback=move || view! { <p class="loading">"Loading " {what} "…"</p> }>
            {move || Suspend::new(async move { match records.await {
                Err(e) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
                Ok(list) => {
                    let now = now();
                    view! {
                        <ul class="record-list">
                            {list.into_iter().map(|r| view! { <li class="record">{row(r, now)}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }})}
            </Suspense>
        </section>
    }
}
