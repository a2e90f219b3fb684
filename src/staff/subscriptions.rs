//! `/manage/subscriptions`: the webhooks and the Teams and Slack channels that admins
//! subscribe for other teams (the ESR team's system, a team's channel): who gets what,
//! how delivery to each went, and adding, trying and removing them. A webhook's signing
//! secret is shown once, when it is made.

use leptos::prelude::*;
use leptos_meta::Title;
use tis_core::Role;
use tis_core::time::{ago, uk_date_time};
use tis_core::wire::{
    ChannelSubscription, ChannelSubscriptionInput, ChannelSubscriptionList, NewsKind,
    SubscriptionChannel,
};

use super::Services;
use super::client::{self, ApiError};
use super::form::{Choice, ProblemSummary, Problems, Radios, TextField, field_id, now};
use super::session::Session;

/// The page.
#[component]
pub fn SubscriptionsPage() -> impl IntoView {
    let session = Session::get();
    let loaded = LocalResource::new(client::channel_subscriptions);
    // A memo, so that looking again draws the list again only when it changed and focus
    // stays where it is.
    let list: Memo<Option<Result<ChannelSubscriptionList, ApiError>>> =
        Memo::new(move |_| loaded.get());
    let said = RwSignal::new(None::<Result<String, String>>);
    let reload = move || loaded.refetch();
    // A test message's delivery shows by itself: look again every few seconds.
    if let Ok(handle) = set_interval_with_handle(reload, std::time::Duration::from_secs(3)) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Title text="Subscriptions for other teams" />
        <h1>"Subscriptions for other teams"</h1>
        <p>"Other teams can hear about TIS in their own systems and channels: a signed webhook (in the shapes Atlassian Statuspage sends, so tools made for Statuspage read them), or a Microsoft Teams or Slack channel. They get the public words only, as readers of the status page do: never what a check said."</p>
        {move || if session.can(Role::Admin) {
            view! {
                <div role="status">
                    {move || said.get().map(|s| match s {
                        Ok(m) => view! { <p class="flash">{m}</p> }.into_any(),
                        Err(m) => view! { <p class="load-problem" role="alert">{m}</p> }.into_any(),
                    })}
                </div>
                {move || match list.get() {
                    None => view! { <p class="loading">"Loading subscriptions…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
                    Some(Ok(l)) => view! { <Listed subscriptions=l.subscriptions said=said on_change=move || reload() /> }.into_any(),
                }}
                <AddForm on_added=move || reload() />
            }.into_any()
        } else {
            view! { <p>"Only admins can see and change these subscriptions."</p> }.into_any()
        }}
    }
}

/// What a subscription hears about, in words.
fn news_words(s: &ChannelSubscription) -> String {
    let mut parts: Vec<&str> = s
        .kinds
        .iter()
        .map(|k| match k {
            NewsKind::Incidents => "Incidents",
            NewsKind::Maintenance => "Planned maintenance",
        })
        .collect();
    if s.status_changes {
        parts.push("Status changes");
    }
    parts.join(", ")
}

/// How delivery to it went, in words.
fn delivery_words(s: &ChannelSubscription, now: chrono::DateTime<chrono::Utc>) -> String {
    match (&s.paused_at, &s.last_error, &s.last_delivered_at) {
        (Some(at), error, _) => format!(
            "Paused since {}: a message failed for about two hours{}. Send a test message: once one arrives, it starts again.",
            uk_date_time(*at),
            error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
        (None, Some(error), _) => format!("Last message failed: {error}. Trying again."),
        (None, None, Some(at)) => format!("Last message arrived {}", ago(*at, now)),
        (None, None, None) => "Nothing sent yet".into(),
    }
}

/// The subscriptions, each with its test and remove buttons.
#[component]
fn Listed(
    /// Oldest first.
    subscriptions: Vec<ChannelSubscription>,
    /// What the last button said.
    said: RwSignal<Option<Result<String, String>>>,
    /// Called after a change, to show it.
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let services = Services::get();
    let test = Action::new_local(move |s: &(i64, String)| {
        let (id, name) = s.clone();
        async move {
            match client::test_channel_subscription(id).await {
                Ok(_) => {
                    said.set(Some(Ok(format!(
                        "A test message to {name} is on its way. Whether it arrived shows below."
                    ))));
                    on_change();
                }
                Err(e) => said.set(Some(Err(e.to_string()))),
            }
        }
    });
    let remove = Action::new_local(move |s: &(i64, String)| {
        let (id, name) = s.clone();
        async move {
            match client::remove_channel_subscription(id).await {
                Ok(_) => {
                    said.set(Some(Ok(format!(
                        "{name} gets nothing more from TIS Status."
                    ))));
                    on_change();
                }
                Err(e) => said.set(Some(Err(e.to_string()))),
            }
        }
    });
    let now = now();
    view! {
        <section aria-labelledby="subscribed">
            <h2 id="subscribed">"Subscribed"</h2>
            {if subscriptions.is_empty() {
                view! { <p class="empty">"No other team is subscribed yet."</p> }.into_any()
            } else {
                view! {
                    <table class="channel-subscriptions">
                        <thead><tr>
                            <th scope="col">"For"</th>
                            <th scope="col">"Where"</th>
                            <th scope="col">"About"</th>
                            <th scope="col">"Delivery"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr></thead>
                        <tbody>
                            {subscriptions.into_iter().map(|s| {
                                let which = if s.services.is_empty() {
                                    "All of TIS".to_string()
                                } else {
                                    let all = services.0.get_untracked();
                                    s.services.iter().map(|id| {
                                        all.iter().find(|x| &x.id == id).map_or_else(|| id.clone(), |x| x.name.clone())
                                    }).collect::<Vec<_>>().join(", ")
                                };
                                let key = (s.id, s.name.clone());
                                let key2 = key.clone();
                                let name = s.name.clone();
                                view! {
                                    <tr class:delivery-failing=s.last_error.is_some()>
                                        <td><strong>{s.name.clone()}</strong><br />{format!("Added by {} on {}", s.created_by, uk_date_time(s.created_at))}</td>
                                        <td>{s.kind.label()}<br /><code>{s.url.clone()}</code></td>
                                        <td>{which}<br />{news_words(&s)}</td>
                                        <td>{delivery_words(&s, now)}</td>
                                        <td>
                                            <button type="button" class="button-secondary" on:click=move |_| {
                                                test.dispatch(key.clone());
                                            }>{format!("Send a test message to {}", s.name)}</button>
                                            " "
                                            <button type="button" class="button-warning" on:click=move |_| {
                                                let sure = web_sys::window()
                                                    .and_then(|w| w.confirm_with_message(&format!("Remove {name}? It gets nothing more from TIS Status.")).ok())
                                                    .unwrap_or(false);
                                                if sure {
                                                    remove.dispatch(key2.clone());
                                                }
                                            }>{format!("Remove {}", s.name)}</button>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// A problem with a list goes to its first box.
fn target(field: &str) -> String {
    if field.starts_with("services") {
        "f-services".into()
    } else {
        field_id(field)
    }
}

/// The form that adds a subscription.
#[component]
fn AddForm(
    /// Called once one is made.
    on_added: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = Session::get();
    let services = Services::get();
    let problems = Problems::with_summary("add-problems");
    let kind = RwSignal::new(SubscriptionChannel::Webhook.as_str().to_string());
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let kinds = RwSignal::new(vec![NewsKind::Incidents, NewsKind::Maintenance]);
    let status_changes = RwSignal::new(false);
    let made = RwSignal::new(None::<(String, Option<String>)>);
    let add = Action::new_local(move |_: &()| {
        let input = ChannelSubscriptionInput {
            kind: SubscriptionChannel::parse(&kind.get_untracked())
                .unwrap_or(SubscriptionChannel::Webhook),
            name: name.get_untracked(),
            url: url.get_untracked(),
            services: chosen.get_untracked(),
            kinds: kinds.get_untracked(),
            status_changes: status_changes.get_untracked(),
        };
        async move {
            problems.clear();
            made.set(None);
            match client::add_channel_subscription(&input).await {
                Ok(new) => {
                    made.set(Some((new.subscription.name.clone(), new.secret.clone())));
                    name.set(String::new());
                    url.set(String::new());
                    on_added();
                    request_animation_frame(|| super::form::focus_id("made"));
                }
                Err(e) => problems.show(e, session, || {}),
            }
        }
    });
    let choices = SubscriptionChannel::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), k.label()))
        .collect::<Vec<_>>();
    let kinds_error = Signal::derive(move || problems.at("kinds"));
    let services_error = Signal::derive(move || problems.within("services"));
    let news_box = move |id: &'static str, label: &'static str, k: Option<NewsKind>| {
        let checked = move || match k {
            Some(k) => kinds.with(|ks| ks.contains(&k)),
            None => status_changes.get(),
        };
        view! {
            <div class="choice">
                <input type="checkbox" id=id name="kinds" prop:checked=checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        match k {
                            Some(k) => kinds.update(|ks| {
                                ks.retain(|x| *x != k);
                                if on { ks.push(k); }
                            }),
                            None => status_changes.set(on),
                        }
                    } />
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <section aria-labelledby="add">
            <h2 id="add">"Add a subscription"</h2>
            {move || made.get().map(|(who, secret)| view! {
                <div class="flash" id="made" tabindex="-1">
                    <p>{format!("{who} is subscribed.")}</p>
                    {secret.map(|s| view! {
                        <p>"Give this signing secret to the team that runs the receiving system now: it is not shown again. Their system checks each message with it, as the Standard Webhooks libraries do."</p>
                        <p><code id="new-secret">{s}</code></p>
                    })}
                </div>
            })}
            <ProblemSummary problems=problems target=target />
            <form novalidate on:submit=move |ev| {
                ev.prevent_default();
                add.dispatch(());
            }>
                <Radios field="kind" legend="Where the messages go" choices=choices
                    value=kind on_change=Callback::new(move |v| kind.set(v)) problems=problems />
                <TextField field="name" label="Who it is for" hint="As staff will know it, like \"ESR team's system\"."
                    value=name on_input=Callback::new(move |v| name.set(v)) problems=problems />
                <TextField field="url" label="Address to send to"
                    hint="The webhook's URL, or the channel's incoming-webhook URL, starting https://. It is a secret: after this, staff see only its first part."
                    value=url on_input=Callback::new(move |v| url.set(v)) problems=problems kind="url" />
                <fieldset class="field" class:field-with-problem=move || services_error.get().is_some()
                    aria-describedby="f-services-hint">
                    <legend>"Services (optional)"</legend>
                    <p class="field-hint" id="f-services-hint">"Leave them all unticked for all of TIS."</p>
                    <super::form::FieldProblem id="f-services" message=services_error />
                    <div class="choices choices-columns">
                        {move || services.0.get().into_iter().enumerate().map(|(n, s)| {
                            let id = s.id.clone();
                            let input_id = if n == 0 { "f-services".to_string() } else { format!("f-services-{}", s.id) };
                            let checked = {
                                let id = id.clone();
                                move || chosen.with(|c| c.contains(&id))
                            };
                            view! {
                                <div class="choice">
                                    <input type="checkbox" id=input_id.clone() name="services" value=s.id.clone()
                                        prop:checked=checked
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            let id = id.clone();
                                            chosen.update(|c| {
                                                c.retain(|x| x != &id);
                                                if on { c.push(id); }
                                            });
                                        } />
                                    <label for=input_id>{s.name.clone()}</label>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <fieldset class="field" class:field-with-problem=move || kinds_error.get().is_some()>
                    <legend>"What they hear about"</legend>
                    <super::form::FieldProblem id="f-kinds" message=kinds_error />
                    <div class="choices">
                        {news_box("f-kinds", "Incidents: opened, each update, resolved", Some(NewsKind::Incidents))}
                        {news_box("f-kinds-maintenance", "Planned maintenance: published, starting soon, started, ended", Some(NewsKind::Maintenance))}
                        {news_box("f-kinds-status", "Status changes: each time the checks find a service down, slow or working again", None)}
                    </div>
                </fieldset>
                <button type="submit" class="button" disabled=move || add.pending().get()>"Add subscription"</button>
            </form>
        </section>
    }
}
