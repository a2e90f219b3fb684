//! `/manage/notices`: every notice, grouped by whether users see it now, later, or no
//! more, with a button to end one.

use super::*;

/// `/manage/notices`: every notice, by whether users see it now, later, or no more.
#[component]
pub fn NoticeList() -> impl IntoView {
    let session = Session::get();
    let services = Services::get();
    let list = LocalResource::new(client::notices);
    let problems = Problems::new();
    let flash = Flash::get();
    let reload = move || list.refetch();

    let end_action = Action::new_local(move |&id: &i64| async move {
        match client::end_notice(id).await {
            Ok(ended) => {
                flash.say(format!("Ended “{}”. Users no longer see it.", ended.title));
                reload();
            }
            Err(e) => problems.show(e, session, reload),
        }
    });
    let end = move |n: Notice| {
        end_action.dispatch(n.id);
    };

    view! {
        <Title text="Notices" />
        <h1>"Notices"</h1>
        <p><A href="/manage/notices/new" attr:class="button">"Post a notice"</A></p>
        <ProblemSummary problems />
        {move || match list.get() {
            None => view! { <p class="loading">"Loading notices…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(all)) => {
                let now = now();
                let svc = services.0.get();
                let group = |title: &'static str, empty: &'static str, f: &dyn Fn(&Notice) -> bool| {
                    let items: Vec<Notice> = all.iter().filter(|n| f(n)).cloned().collect();
                    let slug = title.to_lowercase().replace(' ', "-");
                    let svc = svc.clone();
                    view! {
                        <section class="notice-group" aria-labelledby=slug.clone()>
                            <h2 id=slug.clone()>{title} <span class="count">" (" {items.len()} ")"</span></h2>
                            {if items.is_empty() {
                                view! { <p class="empty">{empty}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="record-list">
                                        {items.into_iter().map(|n| view! { <NoticeRow notice=n services=svc.clone() now on_end=end /> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }
                };
                view! {
                    {group("Showing now", "No notice is showing now.", &|n| n.is_active(now))}
                    {group("Starting later", "No notice is waiting to start.", &|n| n.published && n.starts_at > now && n.ends_at.is_none_or(|e| e > now))}
                    {group("Drafts", "No drafts.", &|n| !n.published)}
                    {group("Ended", "No notice has ended yet.", &|n| n.published && n.ends_at.is_some_and(|e| e <= now))}
                }.into_any()
            }
        }}
    }
}

/// A notice in the list, with what can be done to it.
#[component]
fn NoticeRow(
    notice: Notice,
    services: Vec<ServiceState>,
    now: DateTime<Utc>,
    /// Ends the notice now.
    #[prop(into)]
    on_end: Callback<Notice>,
) -> impl IntoView {
    let href = format!("/manage/notices/{}", notice.id);
    let can_end = notice.published && notice.ends_at.is_none_or(|e| e > now);
    let names: Vec<String> = notice
        .services
        .iter()
        .filter_map(|id| {
            services
                .iter()
                .find(|s| &s.id == id)
                .map(|s| s.name.clone())
        })
        .collect();
    let title = notice.title.clone();
    let for_end = notice.clone();
    let link_title = notice.title.clone();
    let change_title = title.clone();
    view! {
        <li class="record" data-notice=notice.id>
            <h3 class="record-title"><A href=href.clone()>{link_title.clone()}</A></h3>
            <p class="record-meta">
                {notice.kind.label()} " · " {notice.audience.label()}
                {(!names.is_empty()).then(|| format!(" · {}", names.join(", ")))}
            </p>
            <p class="record-meta">{window_words(&notice)}</p>
            <div class="record-actions">
                <A href=href attr:class="button-secondary button-small">"Change" <span class="visually-hidden">" “" {change_title.clone()} "”"</span></A>
                {can_end.then(|| view! {
                    <button type="button" class="button-warning button-small" on:click=move |_| on_end.run(for_end.clone())>
                        "End now" <span class="visually-hidden">" “" {title.clone()} "”"</span>
                    </button>
                })}
            </div>
        </li>
    }
}
