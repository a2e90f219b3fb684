use std::time::Duration;

use chrono::{DateTime, Utc};

use leptos::prelude::*;
use leptos_meta::Title;
use tis_core::ServiceState;
use tis_core::time::uk_date_time;
use tis_core::wire::{ServiceList, by_group, headline, last_checked_text};

use crate::api;
use crate::components::StatusMarker;

/// How often the page asks for fresh status.
const REFRESH: Duration = Duration::from_secs(15);

/// `/`: one sentence for the whole of TIS, then every service by group.
#[component]
pub fn Overview() -> impl IntoView {
    let services = LocalResource::new(api::services);
    // Keep the status live without a reload; errors keep the last good data on screen.
    let handle = set_interval_with_handle(move || services.refetch(), REFRESH).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    view! {
        <Title text="Live status" />
        <Transition fallback=|| view! { <p class="loading">"Checking the status of TIS…"</p> }>
            <ErrorBoundary fallback=|errors| view! {
                <div class="error-summary" role="alert">
                    <h2>"Status is not available right now"</h2>
                    <ul>
                        {move || errors.get().into_iter().map(|(_, e)| view! { <li>{e.to_string()}</li> }).collect_view()}
                    </ul>
                </div>
            }>
                {move || Suspend::new(async move {
                    services.await.map(|list| view! { <ServiceBoard list /> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The headline and the groups of services.
#[component]
fn ServiceBoard(
    /// The services as the API gave them.
    list: ServiceList,
) -> impl IntoView {
    let groups = by_group(&list.services);
    view! {
        {list.demo.then(|| view! {
            <div class="demo-banner" role="note">
                <strong>"Demo data. "</strong>
                "These services and incidents are examples, checked against a small test estate on this computer. They are not the real TIS."
            </div>
        })}
        <h1 class="headline" aria-live="polite">{headline(&list.services)}</h1>
        <p class="updated">"Last updated " {uk_date_time(list.generated_at)}</p>
        {groups.into_iter().map(|(group, services)| view! {
            <section class="group" aria-labelledby=group_id(&group)>
                <h2 id=group_id(&group)>{group.clone()}</h2>
                <ul class="services">
                    {services.into_iter().map(|s| view! { <ServiceRow service=s now=list.generated_at /> }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}

fn group_id(group: &str) -> String {
    let slug: String = group
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("group-{slug}")
}

/// One service: name, what it is for, status in words, and why.
#[component]
fn ServiceRow(
    /// The service and its live status.
    service: ServiceState,
    /// When the server produced the list, so "today" is the server's today.
    now: DateTime<Utc>,
) -> impl IntoView {
    view! {
        <li class="service" data-service=service.id.clone()>
            <div class="service-text">
                <h3 class="service-name">{service.name.clone()}</h3>
                <p class="service-description">{service.description.clone()}</p>
                {service.reason.clone().map(|r| view! { <p class="service-reason">{r}</p> })}
                <p class="service-checked">{last_checked_text(service.last_checked, now)}</p>
            </div>
            <StatusMarker status=service.status />
        </li>
    }
}
