//! `/manage/subscribers`: how many people get emails about each service (any staff role,
//! numbers only), and for admins, one address looked up and removed when its owner asks
//! some other way than the link in our emails.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::Role;
use tis_core::time::uk_date_time;
use tis_core::wire::{NewsKind, SubscriberCounts, SubscriberFound, SubscriberRecord};
use tis_core::words::counted;

use super::Services;
use super::client::{self, ApiError};
use super::form::{ButtonRow, ProblemSummary, Problems, TextField, focus_id};
use super::session::Session;

/// The subscribers page.
#[component]
pub fn SubscribersPage() -> impl IntoView {
    let session = Session::get();
    let loaded = LocalResource::new(client::subscriber_counts);
    let counts: Memo<Option<Result<SubscriberCounts, ApiError>>> = Memo::new(move |_| loaded.get());
    view! {
        <Title text="Email subscribers" />
        <h1>"Email subscribers"</h1>
        <p>"People who asked for emails about problems with TIS and planned maintenance. This page shows numbers only, never anyone's address. Other teams' webhooks and Teams or Slack channels are on "
            <A href="/manage/subscriptions">"Team subscriptions"</A>"."</p>
        {move || match counts.get() {
            None => view! { <p class="loading">"Loading the numbers…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any(),
            Some(Ok(c)) => view! { <Counts counts=c /> }.into_any(),
        }}
        {move || session.can(Role::Admin).then(|| view! { <FindAddress on_removed=move || loaded.refetch() /> })}
    }
}

/// The numbers: everyone, all of TIS, and each service.
#[component]
fn Counts(
    /// What the server counted.
    counts: SubscriberCounts,
) -> impl IntoView {
    if !counts.offered {
        return view! {
            <p class="empty">"This server does not offer email subscriptions. To offer them, add a [subscriptions] table to the config file."</p>
        }
        .into_any();
    }
    let rate = counts.send_rate_words();
    let all = counts.all_of_tis;
    view! {
        <section aria-labelledby="numbers">
            <h2 id="numbers">"How many"</h2>
            <ul class="subscriber-totals">
                <li>{counted(counts.confirmed, "confirmed subscriber", "confirmed subscribers")}</li>
                <li>{format!("{} waiting for them to confirm (forgotten after 48 hours)", counted(counts.unconfirmed, "address", "addresses"))}</li>
                <li>{format!("{} waiting to be sent, {rate}", counted(counts.waiting_messages, "email", "emails"))}</li>
                <li>{format!("{} about all of TIS: {} for problems, {} for planned maintenance", counted(all.subscribers, "subscriber", "subscribers"), all.incidents, all.maintenance)}</li>
            </ul>
            <table class="subscriber-counts">
                <caption>"Confirmed subscribers of each service"</caption>
                <thead><tr>
                    <th scope="col">"Service"</th>
                    <th scope="col">"Chose this service"</th>
                    <th scope="col">"Told about it, with all of TIS"</th>
                    <th scope="col">"Of them, told of problems"</th>
                    <th scope="col">"Of them, told of planned maintenance"</th>
                </tr></thead>
                <tbody>
                    {counts.services.into_iter().map(|s| view! {
                        <tr>
                            <th scope="row">{s.name}</th>
                            <td>{s.chosen.subscribers}</td>
                            <td>{s.reached.subscribers}</td>
                            <td>{s.reached.incidents}</td>
                            <td>{s.reached.maintenance}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// What the last lookup found, with the address as typed.
#[derive(Clone, PartialEq)]
struct Looked {
    address: String,
    found: Option<SubscriberRecord>,
}

/// An admin types an address (the whole address: nothing else matches); the answer says
/// whether it gets emails, and offers to remove it.
#[component]
fn FindAddress(
    /// Called once an address is removed, to count again.
    on_removed: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let session = Session::get();
    let problems = Problems::with_summary("lookup-problems");
    let email = RwSignal::new(String::new());
    let looked = RwSignal::new(None::<Looked>);
    let said = RwSignal::new(None::<String>);
    let find = Action::new_local(move |address: &String| {
        let address = address.clone();
        async move {
            match client::look_up_subscriber(&address).await {
                Ok(SubscriberFound { subscriber }) => looked.set(Some(Looked {
                    address,
                    found: subscriber,
                })),
                Err(e) => problems.show(e, session, || {}),
            }
        }
    });
    let remove = Action::new_local(move |id: &i64| {
        let id = *id;
        async move {
            match client::remove_subscriber(id).await {
                Ok(done) => {
                    let address = looked
                        .get_untracked()
                        .map(|l| l.address)
                        .unwrap_or_default();
                    looked.set(None);
                    said.set(Some(format!(
                        "Removed {address}. It gets no more emails from us{}.",
                        match done.messages_dropped {
                            0 => String::new(),
                            n => format!(
                                ", and {} waiting for it will not be sent",
                                counted(n, "email", "emails")
                            ),
                        }
                    )));
                    on_removed();
                    focus_id("f-email");
                }
                Err(e) => problems.show(e, session, || {}),
            }
        }
    });
    let busy = Signal::derive(move || find.pending().get() || remove.pending().get());
    // One live region, there before anything is said in it, so that a screen reader
    // reads each answer.
    let answer = move || {
        said.get().or_else(|| {
            looked.get().map(|l| match l.found {
                None => format!("{} gets no emails from us.", l.address),
                Some(_) => format!("{} gets emails from us.", l.address),
            })
        })
    };
    view! {
        <section aria-labelledby="find">
            <h2 id="find">"Find an address"</h2>
            <p>"When someone asks us to stop sending them emails, or asks whether we hold their address, find it here. Type the whole address: nothing else matches. Removing it deletes it with everything about it."</p>
            <form novalidate on:submit=move |ev| {
                ev.prevent_default();
                problems.clear();
                said.set(None);
                looked.set(None);
                find.dispatch(email.get_untracked());
            }>
                <ProblemSummary problems />
                <TextField field="email" label="Email address" kind="email" autocomplete="off"
                    value=email on_input=move |v| email.set(v) problems />
                <ButtonRow>
                    <button type="submit" class="button" disabled=move || busy.get()>"Find"</button>
                </ButtonRow>
            </form>
            <div class="lookup-answer">
                <p role="status" class=move || if said.with(Option::is_some) { "flash" } else { "lookup-said" }>{answer}</p>
                {move || looked.get().and_then(|l| l.found.map(|record| view! {
                    <Found address=l.address record on_remove=move |id| { remove.dispatch(id); } busy />
                }))}
            </div>
        </section>
    }
}

/// A subscriber found: its state, times and choices, and the button that removes it,
/// which asks first.
#[component]
fn Found(
    /// The address as the admin typed it.
    address: String,
    /// What the server holds about it.
    record: SubscriberRecord,
    /// Called with the subscriber's id once removing it is confirmed.
    on_remove: impl Fn(i64) + Copy + Send + Sync + 'static,
    /// Whether a request is on its way.
    busy: Signal<bool>,
) -> impl IntoView {
    let services = Services::get();
    let asking = RwSignal::new(false);
    let state = match record.confirmed_at {
        Some(at) => format!("Confirmed on {}", uk_date_time(at)),
        None => "Not confirmed yet: nothing but the confirmation email is sent".into(),
    };
    let chosen = record.services.clone();
    let names = move || {
        if chosen.is_empty() {
            return "All of TIS".to_string();
        }
        let all = services.0.get();
        chosen
            .iter()
            .map(|id| {
                all.iter()
                    .find(|s| &s.id == id)
                    .map_or_else(|| id.clone(), |s| s.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kinds: Vec<&str> = record.kinds.iter().map(|k: &NewsKind| k.label()).collect();
    let id = record.id;
    let waiting = match record.waiting_messages {
        0 => String::new(),
        n => format!(" and the {} waiting for it", counted(n, "email", "emails")),
    };
    let question = format!(
        "Remove {address}? This deletes the address, its choices{waiting}. It cannot be undone: to get emails again, they would have to subscribe again."
    );
    let ask = move |_| {
        asking.set(true);
        request_animation_frame(|| focus_id("remove-yes"));
    };
    let keep = move |_| {
        asking.set(false);
        request_animation_frame(|| focus_id("remove"));
    };
    view! {
        <dl class="summary-list">
            <div><dt>"State"</dt><dd>{state}</dd></div>
            <div><dt>"Given on"</dt><dd>{uk_date_time(record.created_at)}</dd></div>
            <div><dt>"Services"</dt><dd>{names}</dd></div>
            <div><dt>"News"</dt><dd>{kinds.join("; ")}</dd></div>
            <div><dt>"Emails waiting to be sent"</dt><dd>{record.waiting_messages}</dd></div>
        </dl>
        {move || if asking.get() {
            let question = question.clone();
            view! {
                <div class="remove-check" role="alert">
                    <p>{question}</p>
                    <ButtonRow>
                        <button type="button" id="remove-yes" class="button-warning" disabled=move || busy.get()
                            on:click=move |_| on_remove(id)>"Yes, remove it"</button>
                        <button type="button" class="button-secondary" on:click=keep>"No, keep it"</button>
                    </ButtonRow>
                </div>
            }.into_any()
        } else {
            let address = address.clone();
            view! {
                <ButtonRow>
                    <button type="button" id="remove" class="button-warning" disabled=move || busy.get()
                        on:click=ask>
                        "Remove " <span class="visually-hidden">{address}</span>
                    </button>
                </ButtonRow>
            }.into_any()
        }}
    }
}
