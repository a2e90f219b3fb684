//! Incidents: editors open one with its affected services and a first update for users;
//! support and editors post updates that move it from investigating to resolved, and see
//! when the next update is due.

mod open;
mod page;

pub use open::OpenIncident;
pub use page::IncidentPage;

use chrono::{DateTime, TimeDelta, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use serde::{Deserialize, Serialize};
use tis_core::incident::AffectedService;
use tis_core::status::Status;
use tis_core::time::{format_duration, uk_date_time, uk_time, zone_label};
use tis_core::validate::validate_incident;
use tis_core::wire::{IncidentInput, IncidentSummary, IncidentView, UpdateInput};
use tis_core::{FieldError, Impact, Incident, IncidentStatus, IncidentUpdate, Role};

use super::client::{self, ApiError, drafts};
use super::form::{
    ButtonRow, Choice, ProblemSummary, Problems, Radios, TextField, UkTimeField, field_id, now,
    problems_or, read_uk_input, uk_input_value,
};
use super::hints::PlainHints;
use super::session::Session;
use super::{Flash, LoadProblem, NoSuchRecord, Services, id_param};
use crate::Clock;

fn status_hint(s: IncidentStatus) -> &'static str {
    match s {
        IncidentStatus::Investigating => "We know there is a problem and are looking into it.",
        IncidentStatus::Identified => "We know what is wrong and are working on a fix.",
        IncidentStatus::Monitoring => "A fix is in place and we are checking that it works.",
        IncidentStatus::Resolved => "It is fixed. Users can carry on as normal.",
    }
}

/// The service states an incident can give a service, besides "Not affected"; their
/// words come from `tis_core::words`.
const AFFECTED_STATES: [Status; 3] = [Status::Degraded, Status::PartialOutage, Status::MajorOutage];

fn state_of(v: &str) -> Option<Status> {
    Status::parse(v).filter(|s| AFFECTED_STATES.contains(s))
}

/// How bad an incident is, guessed from what it does to services until someone says.
fn impact_from(affected: &[AffectedService]) -> Impact {
    let down = affected
        .iter()
        .filter(|a| a.status == Status::MajorOutage)
        .count();
    match down {
        0 => Impact::Minor,
        1 | 2 => Impact::Major,
        _ => Impact::Critical,
    }
}

/// When to promise the next update: a choice of "in so many minutes", or a time.
const NEXT_CHOICES: [(&str, &str); 5] = [
    ("30", "In 30 minutes"),
    ("60", "In 1 hour"),
    ("120", "In 2 hours"),
    ("240", "In 4 hours"),
    ("at", "At a time I choose"),
];

fn next_update_at(
    choice: &str,
    at: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    match choice.parse::<i64>() {
        Ok(minutes) => Ok(Some(now + TimeDelta::minutes(minutes))),
        Err(_) => match read_uk_input(at)? {
            Some(t) => Ok(Some(t)),
            None => Err("Choose when users will hear from you next.".into()),
        },
    }
}

/// "Next update due by 11:47am GMT, in 23 minutes", or how late it is.
pub fn due_words(next: DateTime<Utc>, now: DateTime<Utc>) -> (bool, String) {
    let minutes = (next - now).num_minutes();
    let at = if tis_core::uptime::uk_date_of(next) == tis_core::uptime::uk_date_of(now) {
        format!("{} {}", uk_time(next), zone_label(next))
    } else {
        uk_date_time(next)
    };
    if minutes >= 0 {
        (
            false,
            format!(
                "Next update due by {at}, in {}.",
                format_duration(minutes.max(1))
            ),
        )
    } else {
        (
            true,
            format!(
                "The next update was due at {at}, {} ago. Users are waiting: post an update.",
                format_duration(-minutes)
            ),
        )
    }
}

/// A problem with one affected service goes to the services' first control.
fn incident_target(field: &str) -> String {
    if field.starts_with("affected") {
        "f-affected".into()
    } else {
        field_id(field)
    }
}

/// Each service with a choice of how it is affected.
#[component]
fn AffectedPicker(
    /// Service id and the state chosen, for the services that are affected.
    #[prop(into)]
    value: Signal<Vec<(String, String)>>,
    #[prop(into)] on_change: Callback<(String, String)>,
    problems: Problems,
) -> impl IntoView {
    let services = Services::get();
    let error = Signal::derive(move || problems.within("affected"));
    view! {
        <fieldset class="field" class:field-with-problem=move || error.get().is_some()
            aria-describedby="f-affected-hint">
            <legend>"Affected services"</legend>
            <p class="field-hint" id="f-affected-hint">"Say how each affected service is for users. Leave the others as not affected."</p>
            <super::form::FieldProblem id="f-affected" message=error />
            <div class="affected-list">
                {move || services.0.get().into_iter().enumerate().map(|(k, s)| {
                    let id = s.id.clone();
                    let select_id = if k == 0 { "f-affected".to_string() } else { format!("f-affected-{}", s.id) };
                    let current = {
                        let id = id.clone();
                        move || value.with(|v| v.iter().find(|(x, _)| *x == id).map(|(_, st)| st.clone()).unwrap_or_default())
                    };
                    view! {
                        <div class="affected-row">
                            <label for=select_id.clone()>{s.name.clone()}</label>
                            <select id=select_id on:change=move |ev| on_change.run((id.clone(), event_target_value(&ev)))>
                                {std::iter::once(("", "Not affected")).chain(AFFECTED_STATES.map(|s| (s.as_str(), s.label()))).map(|(v, label)| {
                                    let current = current.clone();
                                    view! { <option value=v selected=move || current() == v>{label}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

fn set_affected(list: &mut Vec<(String, String)>, (service, state): (String, String)) {
    list.retain(|(s, _)| *s != service);
    if !state.is_empty() {
        list.push((service, state));
    }
}

/// The choice of when users hear next.
#[component]
fn NextUpdate(
    #[prop(into)] choice: Signal<String>,
    #[prop(into)] at: Signal<String>,
    #[prop(into)] on_choice: Callback<String>,
    #[prop(into)] on_at: Callback<String>,
    problems: Problems,
) -> impl IntoView {
    let error = Signal::derive(move || problems.at("next_update_at"));
    view! {
        <div class="field" class:field-with-problem=move || error.get().is_some()>
            <label for="f-next_update_at">"When will users hear from you next?"</label>
            <p class="field-hint" id="f-next_update_at-hint">"Users see this promise. Post an update by then, even if there is no news."</p>
            <super::form::FieldProblem id="f-next_update_at" message=error />
            <select id="f-next_update_at" aria-describedby="f-next_update_at-hint" class="input-medium"
                on:change=move |ev| on_choice.run(event_target_value(&ev))>
                {NEXT_CHOICES.into_iter().map(|(v, label)| view! {
                    <option value=v selected=move || choice.get() == v>{label}</option>
                }).collect_view()}
            </select>
        </div>
        <Show when=move || choice.get() == "at">
            <UkTimeField field="next_update_at_time" label="Next update by" value=at
                on_input=on_at problems empty_means="Choose a date and time." />
        </Show>
    }
}

/// An update as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct UpdateDraft {
    status: String,
    body: String,
    next: String,
    next_at: String,
}

impl UpdateDraft {
    fn for_incident(i: &Incident) -> Self {
        UpdateDraft {
            status: i.status.as_str().into(),
            next: "60".into(),
            ..Default::default()
        }
    }

    /// The update, checked against the incident as the server will check it.
    fn input(
        &self,
        incident: &Incident,
        now: DateTime<Utc>,
        known: &[&str],
    ) -> Result<UpdateInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let status = IncidentStatus::parse(&self.status).unwrap_or(incident.status);
        let next = if status == IncidentStatus::Resolved {
            None
        } else {
            next_update_at(&self.next, &self.next_at, now).unwrap_or_else(|e| {
                problems.push(FieldError::new("next_update_at", e));
                None
            })
        };
        let input = UpdateInput {
            status,
            body: self.body.trim().to_string(),
            next_update_at: next,
        };
        let mut candidate = incident.clone();
        candidate.status = status;
        candidate.next_update_at = next;
        candidate.resolved_at =
            (status == IncidentStatus::Resolved).then(|| incident.resolved_at.unwrap_or(now));
        candidate.report = None;
        candidate.updates.push(IncidentUpdate {
            at: now,
            status,
            body: input.body.clone(),
            author: String::new(),
        });
        let last = format!("updates[{}].", candidate.updates.len() - 1);
        add_incident_problems(&mut problems, &candidate, known, |field| {
            field
                .strip_prefix(&last)
                .map(str::to_string)
                .unwrap_or(field)
        });
        problems_or(input, problems)
    }
}

/// Adds to `problems` what the rules for a whole incident find wrong with `candidate`,
/// each field once, named as the form names it (`rename`): the form checks its own fields
/// first, in its own words, and the core's rules catch the rest.
fn add_incident_problems(
    problems: &mut Vec<FieldError>,
    candidate: &Incident,
    known: &[&str],
    rename: impl Fn(String) -> String,
) {
    if let Err(found) = validate_incident(candidate, known) {
        for mut f in found {
            f.field = rename(f.field);
            if !problems.iter().any(|p| p.field == f.field) {
                problems.push(f);
            }
        }
    }
}

/// `/manage/incidents`: open incidents first, with when users hear next; then the rest.
#[component]
pub fn IncidentList() -> impl IntoView {
    let session = Session::get();
    let active =
        LocalResource::new(|| async { client::incidents("active").await.map(|p| p.incidents) });
    let resolved =
        LocalResource::new(|| async { client::incidents("resolved").await.map(|p| p.incidents) });
    let list = move |which: LocalResource<Result<Vec<IncidentSummary>, ApiError>>,
                     empty: &'static str| {
        move || match which.get() {
            None => view! { <p class="loading">"Loading incidents…"</p> }.into_any(),
            Some(Err(e)) => {
                view! { <p class="load-problem" role="alert">{e.to_string()}</p> }.into_any()
            }
            Some(Ok(items)) if items.is_empty() => {
                view! { <p class="empty">{empty}</p> }.into_any()
            }
            Some(Ok(items)) => {
                let now = now();
                view! {
                    <ul class="record-list">
                        {items.into_iter().map(|i| {
                            let title = i.title.clone();
                            view! {
                                <li class="record" data-incident=i.id>
                                    <h3 class="record-title"><A href=format!("/manage/incidents/{}", i.id)>{title}</A></h3>
                                    <p class="record-meta">{i.status.label()} " · " {i.impact.label()} " · Started " {uk_date_time(i.started_at)}</p>
                                    {(i.status != IncidentStatus::Resolved).then(|| {
                                        let (late, words) = match i.next_update_at {
                                            Some(next) => due_words(next, now),
                                            None => (true, "No next update promised.".to_string()),
                                        };
                                        view! { <p class="record-meta due" class:due-late=late>{words}</p> }
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }
        }
    };
    view! {
        <Title text="Incidents" />
        <h1>"Incidents"</h1>
        {move || if session.can(Role::Editor) {
            view! { <p><A href="/manage/incidents/new" attr:class="button">"Open an incident"</A></p> }.into_any()
        } else {
            view! { <p class="role-note">"Editors open incidents. You can post updates to an open incident: choose it below."</p> }.into_any()
        }}
        <section aria-labelledby="open-incidents">
            <h2 id="open-incidents">"Open"</h2>
            {list(active, "No incident is open.")}
        </section>
        <section aria-labelledby="resolved-incidents">
            <h2 id="resolved-incidents">"Resolved"</h2>
            {list(resolved, "No incident has been resolved yet.")}
        </section>
    }
}

/// A service's status in words with its symbol, as on the public pages (the words carry
/// the meaning; colour only helps).
#[component]
fn StatusWords(status: tis_core::Status) -> impl IntoView {
    view! {
        <span class=format!("status status-{}", status.as_str())>
            <span class="status-symbol" aria-hidden="true">{status.symbol()}</span>
            <span class="status-label">{status.label()}</span>
        </span>
    }
}
