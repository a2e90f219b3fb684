//! `/manage/alerts`: what the team was told, on which channel, and whether it got there
//! (with the delivery error in words); admins can send a test alert to a channel.

use leptos::prelude::*;
use leptos_meta::Title;
use tis_core::Role;
use tis_core::alert::{AlertsOverview, Delivery, DeliveryState};
use tis_core::time::{ago, uk_date_time};

use super::client::{self, ApiError};
use super::form::now;
use super::session::Session;

/// The alerts page.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let session = Session::get();
    let loaded = LocalResource::new(client::alerts);
    // Drawn from a memo rather than inside <Transition>: each look again answers with a
    // new value, and only a changed one may be drawn again, so focus and reading place
    // stay put.
    let overview: Memo<Option<Result<AlertsOverview, ApiError>>> = Memo::new(move |_| loaded.get());
    // What the last test-alert button said; kept here so that a reload keeps it.
    let said = RwSignal::new(None::<Result<String, String>>);
    let load = move || loaded.refetch();
    // Deliveries move on by themselves (retries, a test alert arriving): look again
    // every few seconds while the page is open.
    if let Ok(handle) = set_interval_with_handle(load, std::time::Duration::from_secs(5)) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <Title text="Alerts" />
        <h1>"Alerts"</h1>
        <p>"What the team was told, where, and whether it got there. Alerts are sent when a service goes down or comes back, while it stays down, when no check has come in for a while, and when an incident update is late."</p>
        {move || match overview.get() {
            None => view! { <p class="loading">"Loading alerts…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(o)) => view! {
                <Channels overview=o.clone() admin=session.can(Role::Admin) said=said on_sent=move || load() />
                <Deliveries deliveries=o.deliveries />
            }.into_any(),
        }}
    }
}

/// The channels, each with a test button for admins.
#[component]
fn Channels(
    /// What the server said.
    overview: AlertsOverview,
    /// Whether the person may send test alerts.
    admin: bool,
    /// What the last test-alert button said: queued, or why not.
    said: RwSignal<Option<Result<String, String>>>,
    /// Called once a test alert is queued, to show it in the list.
    on_sent: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let channels = overview.channels;
    let send = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match client::send_test_alert(&id).await {
                Ok(_) => {
                    said.set(Some(Ok(format!(
                        "A test alert to {id} is on its way. Its delivery shows below."
                    ))));
                    on_sent();
                }
                Err(e) => said.set(Some(Err(e.to_string()))),
            }
        }
    });
    view! {
        <section aria-labelledby="channels">
            <h2 id="channels">"Channels"</h2>
            {if channels.is_empty() {
                view! { <p class="empty">"No channel is set up. Add a [[channel]] and an [[alert]] to the config file."</p> }.into_any()
            } else {
                view! {
                    <table class="alert-channels">
                        <thead><tr><th scope="col">"Channel"</th><th scope="col">"Kind"</th><th scope="col">"Goes to"</th>{admin.then(|| view! { <th scope="col"><span class="visually-hidden">"Test"</span></th> })}</tr></thead>
                        <tbody>
                            {channels.into_iter().map(|c| {
                                let id = c.id.clone();
                                view! {
                                    <tr>
                                        <td>{c.id.clone()}</td>
                                        <td>{c.kind.label()}</td>
                                        <td>{c.target.clone()}</td>
                                        {admin.then(|| {
                                            let id = id.clone();
                                            view! { <td><button type="button" class="button-secondary" on:click=move |_| {
                                                send.dispatch(id.clone());
                                            }>{format!("Send a test alert to {}", c.id)}</button></td> }
                                        })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <div role="status">
                {move || said.get().map(|s| match s {
                    Ok(m) => view! { <p class="flash">{m}</p> }.into_any(),
                    Err(m) => view! { <p class="load-problem" role="alert">{m}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

/// Words for where a delivery has got to, with its error.
fn state_words(d: &Delivery, now: chrono::DateTime<chrono::Utc>) -> String {
    match d.state {
        DeliveryState::Delivered => match (d.delivered_at, d.attempts) {
            (Some(at), 1) => format!("Delivered {}", ago(at, now)),
            (Some(at), n) => format!("Delivered {} (on try {n})", ago(at, now)),
            (None, _) => "Delivered".into(),
        },
        DeliveryState::Waiting if d.attempts > 0 => match d.next_attempt_at {
            Some(next) => format!(
                "Not delivered yet: tried {} times; trying again at {}",
                d.attempts,
                uk_date_time(next)
            ),
            None => format!("Not delivered yet: tried {} times", d.attempts),
        },
        state => state.label().to_string(),
    }
}

/// The newest alerts, one row per channel.
#[component]
fn Deliveries(
    /// Newest first.
    deliveries: Vec<Delivery>,
) -> impl IntoView {
    let now = now();
    view! {
        <section aria-labelledby="sent">
            <h2 id="sent">"Sent"</h2>
            {if deliveries.is_empty() {
                view! { <p class="empty">"No alert has been sent yet."</p> }.into_any()
            } else {
                view! {
                    <table class="alert-deliveries">
                        <thead><tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Alert"</th>
                            <th scope="col">"Channel"</th>
                            <th scope="col">"Delivery"</th>
                        </tr></thead>
                        <tbody>
                            {deliveries.into_iter().map(|d| {
                                let state = state_words(&d, now);
                                let failed = d.state != DeliveryState::Delivered && d.last_error.is_some();
                                let error = d.last_error.clone().map(|e| view! { <p class="delivery-error">{format!("Last error: {e}")}</p> });
                                view! {
                                    <tr class:delivery-failing=failed>
                                        <td>{uk_date_time(d.created_at)}</td>
                                        <td><strong>{d.alert.kind.label()}</strong>": "{d.alert.title.clone()}<br />{d.alert.summary.clone()}</td>
                                        <td>{d.channel.clone()}</td>
                                        <td>{state}{error}</td>
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
