//! `/manage`: what needs doing now: the quick actions, open incidents with when their next
//! update is due, and the notices users can see.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::{Notice, Role};

use super::client;
use super::form::now;
use super::incidents::due_words;
use super::notices::window_words;
use super::session::Session;

/// The staff home page.
#[component]
pub fn StaffHome() -> impl IntoView {
    let session = Session::get();
    let notices = LocalResource::new(client::notices);
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
        </div>
        <section aria-labelledby="open-now">
            <h2 id="open-now">"Open incidents"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading incidents…"</p> }>
            {move || Suspend::new(async move { match incidents.await {
                Err(e) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">"No incident is open."</p> }.into_any(),
                Ok(list) => {
                    let now = now();
                    view! {
                        <ul class="record-list">
                            {list.into_iter().map(|i| {
                                let title = i.title.clone();
                                let (late, words) = match i.next_update_at {
                                    Some(next) => due_words(next, now),
                                    None => (true, "No next update promised.".to_string()),
                                };
                                view! {
                                    <li class="record">
                                        <h3 class="record-title"><A href=format!("/manage/incidents/{}", i.id)>{title}</A></h3>
                                        <p class="record-meta">{i.status.label()}</p>
                                        <p class="record-meta due" class:due-late=late>{words}</p>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }})}
            </Suspense>
        </section>
        <section aria-labelledby="showing-now">
            <h2 id="showing-now">"Notices users can see now"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading notices…"</p> }>
            {move || Suspend::new(async move { match notices.await {
                Err(e) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(list) => {
                    let now = now();
                    let showing: Vec<Notice> = list.into_iter().filter(|n| n.is_active(now)).collect();
                    if showing.is_empty() {
                        view! { <p class="empty">"No notice is showing now."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="record-list">
                                {showing.into_iter().map(|n| {
                                    let title = n.title.clone();
                                    view! {
                                        <li class="record">
                                            <h3 class="record-title"><A href=format!("/manage/notices/{}", n.id)>{title}</A></h3>
                                            <p class="record-meta">{window_words(&n)}</p>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }
            }})}
            </Suspense>
        </section>
    }
}
