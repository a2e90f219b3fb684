//! `/manage/services` and `/manage/services/:id`: each service with how it is checked,
//! what its latest checks said (staff detail included), and for a heartbeat the job's
//! last reports: when, what, how long the run took, and its message.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use tis_core::time::{uk_date_time, uk_time, zone_label};
use tis_core::wire::{StaffProbe, StaffServiceDetail};
use tis_core::{HeartbeatPing, ProbeResult};

use super::Services;
use super::client::{self, ApiError};

/// Every service, with its status, each a link to its page.
#[component]
pub fn ServiceList() -> impl IntoView {
    let services = Services::get();
    view! {
        <Title text="Services" />
        <h1>"Services"</h1>
        <p>"How each service is checked, what the latest checks said, and the reports batch jobs send."</p>
        {move || {
            let list = services.0.get();
            if list.is_empty() {
                view! { <p class="loading">"Loading services…"</p> }.into_any()
            } else {
                view! {
                    <ul class="record-list">
                        {list.into_iter().map(|s| view! {
                            <li class="record">
                                <h2 class="record-title"><A href=format!("/manage/services/{}", s.id)>{s.name.clone()}</A></h2>
                                <p class="record-meta">{format!("{} {}", s.status.symbol(), s.status.label())}
                                    {s.reason.clone().map(|r| format!(": {r}"))}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }}
    }
}

/// One service's page for staff.
#[component]
pub fn ServicePage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .unwrap_or_default();
    let loaded = {
        let id = id.clone();
        LocalResource::new(move || {
            let id = id.clone();
            async move { client::service_probes(&id).await }
        })
    };
    // Reports and checks arrive by themselves: look again every few seconds. Drawn from
    // a memo, so only a changed answer is drawn again and reading place stays put.
    if let Ok(handle) =
        set_interval_with_handle(move || loaded.refetch(), std::time::Duration::from_secs(5))
    {
        on_cleanup(move || handle.clear());
    }
    let detail: Memo<Option<Result<StaffServiceDetail, ApiError>>> =
        Memo::new(move |_| loaded.get());
    view! {
        {move || match detail.get() {
            None => view! { <Title text="Service" /><p class="loading">"Loading the service…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <Title text="Service" />
                <h1>"Service"</h1>
                <p class="load-problem" role="alert">{e.to_string()}</p>
                <p><A href="/manage/services">"All services"</A></p>
            }.into_any(),
            Some(Ok(d)) => {
                let s = d.service;
                view! {
                    <Title text=s.name.clone() />
                    <p><A href="/manage/services">"All services"</A></p>
                    <h1>{s.name.clone()}</h1>
                    <p class="service-status-line">
                        <span aria-hidden="true">{s.status.symbol()}</span> " " <strong>{s.status.label()}</strong>
                        {s.reason.clone().map(|r| format!(": {r}"))}
                    </p>
                    {d.probes.into_iter().map(|p| view! { <ProbeSection probe=p /> }).collect_view()}
                }.into_any()
            }
        }}
    }
}

/// One probe: what it checks, a heartbeat's reports, and the latest results.
#[component]
fn ProbeSection(
    /// The probe as the server describes it to staff.
    probe: StaffProbe,
) -> impl IntoView {
    let heading_id = format!("probe-{}", probe.id.replace('/', "-"));
    let labelled_by = heading_id.clone();
    let heartbeat = probe.has_token.is_some();
    let token_words = match probe.has_token {
        Some(false) => Some(format!(
            "This heartbeat has no token yet, so the job cannot report. Make one on the server with: tis-status heartbeat token {}",
            probe.id
        )),
        _ => None,
    };
    view! {
        <section class="probe" aria-labelledby=labelled_by>
            <h2 id=heading_id>{format!("Probe {} ({})", probe.id, probe.info.kind)}</h2>
            <p>{probe.info.description.clone()}</p>
            {token_words.map(|w| view! { <p class="load-problem">{w}</p> })}
            {heartbeat.then(|| view! { <Pings pings=probe.pings.clone() /> })}
            <Results results=probe.results />
        </section>
    }
}

/// How long a run took, in words: "4 seconds", "2 minutes 5 seconds".
fn run_words(ms: u64) -> String {
    let secs = ms.div_ceil(1000);
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match secs {
        0..60 => plural(secs, "second"),
        60..3600 if secs.is_multiple_of(60) => plural(secs / 60, "minute"),
        60..3600 => format!(
            "{} {}",
            plural(secs / 60, "minute"),
            plural(secs % 60, "second")
        ),
        _ => format!(
            "{} {}",
            plural(secs / 3600, "hour"),
            plural((secs % 3600) / 60, "minute")
        ),
    }
}

/// A heartbeat's last reports, newest first.
#[component]
fn Pings(
    /// Newest first.
    pings: Vec<HeartbeatPing>,
) -> impl IntoView {
    if pings.is_empty() {
        return view! { <p class="empty">"The job has not reported yet."</p> }.into_any();
    }
    view! {
        <table class="heartbeat-pings">
            <caption>"The job's last reports"</caption>
            <thead><tr>
                <th scope="col">"When"</th>
                <th scope="col">"Report"</th>
                <th scope="col">"Run time"</th>
                <th scope="col">"Message"</th>
            </tr></thead>
            <tbody>
                {pings.into_iter().map(|p| view! {
                    <tr>
                        <td>{uk_date_time(p.at)}</td>
                        <td>{p.kind.label()}</td>
                        <td>{p.run_ms.map(run_words).unwrap_or_default()}</td>
                        <td>{p.message.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The latest results of a probe, with what each check said.
#[component]
fn Results(
    /// Newest first.
    results: Vec<ProbeResult>,
) -> impl IntoView {
    if results.is_empty() {
        return view! { <p class="empty">"No check has been recorded yet."</p> }.into_any();
    }
    view! {
        <table class="probe-results">
            <caption>"Latest checks"</caption>
            <thead><tr>
                <th scope="col">"When"</th>
                <th scope="col">"Result"</th>
                <th scope="col">"What the check said"</th>
            </tr></thead>
            <tbody>
                {results.into_iter().map(|r| {
                    let result = match (r.ok, r.error_kind) {
                        (true, _) if r.degraded => "Working, with a warning".to_string(),
                        (true, _) => "Working".to_string(),
                        (false, Some(kind)) => format!("Failed: {}", kind.label()),
                        (false, None) => "Failed".to_string(),
                    };
                    view! {
                        <tr>
                            <td>{format!("{} {}", uk_time(r.at), zone_label(r.at))}</td>
                            <td>{result}</td>
                            <td>{r.detail.clone()}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
