//! Incidents: editors open one with its affected services and a first update for users;
//! support and editors post updates that move it from investigating to resolved, and see
//! when the next update is due.

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
    read_uk_input, uk_input_value,
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

/// The service states an incident can give a service.
const AFFECTED_STATES: [(&str, &str); 4] = [
    ("", "Not affected"),
    ("degraded", "Slow"),
    ("partial_outage", "Partly down"),
    ("major_outage", "Down"),
];

fn state_of(v: &str) -> Option<Status> {
    match v {
        "degraded" => Some(Status::Degraded),
        "partial_outage" => Some(Status::PartialOutage),
        "major_outage" => Some(Status::MajorOutage),
        _ => None,
    }
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

/// The form to open an incident, as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct OpenDraft {
    title: String,
    /// Service id and the state chosen for it; services left out are not affected.
    affected: Vec<(String, String)>,
    /// Empty until someone chooses: then it follows the services.
    impact: String,
    started: String,
    update: String,
    next: String,
    next_at: String,
}

impl OpenDraft {
    fn fresh() -> Self {
        OpenDraft {
            next: "60".into(),
            ..Default::default()
        }
    }

    fn affected(&self) -> Vec<AffectedService> {
        self.affected
            .iter()
            .filter_map(|(service, state)| {
                state_of(state).map(|status| AffectedService {
                    service: service.clone(),
                    status,
                })
            })
            .collect()
    }

    fn impact(&self) -> Impact {
        Impact::parse(&self.impact).unwrap_or_else(|| impact_from(&self.affected()))
    }

    /// The incident and its first update, or every problem, by the server's rules.
    fn inputs(
        &self,
        now: DateTime<Utc>,
        known: &[&str],
    ) -> Result<(IncidentInput, UpdateInput), Vec<FieldError>> {
        let mut problems = Vec::new();
        let started_at = match read_uk_input(&self.started) {
            Ok(t) => t.unwrap_or(now),
            Err(e) => {
                problems.push(FieldError::new("started_at", e));
                now
            }
        };
        let next = next_update_at(&self.next, &self.next_at, now).unwrap_or_else(|e| {
            problems.push(FieldError::new("next_update_at", e));
            None
        });
        let incident = IncidentInput {
            title: self.title.trim().to_string(),
            status: IncidentStatus::Investigating,
            impact: self.impact(),
            affected: self.affected(),
            started_at,
            detected_at: None,
            resolved_at: None,
            next_update_at: next,
        };
        let update = UpdateInput {
            status: IncidentStatus::Investigating,
            body: self.update.trim().to_string(),
            next_update_at: next,
        };
        let candidate = Incident {
            id: 0,
            title: incident.title.clone(),
            status: incident.status,
            impact: incident.impact,
            affected: incident.affected.clone(),
            started_at,
            detected_at: None,
            resolved_at: None,
            next_update_at: next,
            updates: vec![IncidentUpdate {
                at: now.max(started_at),
                status: IncidentStatus::Investigating,
                body: update.body.clone(),
                author: String::new(),
            }],
            report: None,
        };
        if let Err(found) = validate_incident(&candidate, known) {
            for mut f in found {
                if f.field.starts_with("updates[0].") {
                    f.field = "update".into();
                }
                if !problems.iter().any(|p| p.field == f.field) {
                    problems.push(f);
                }
            }
        }
        if started_at > now {
            problems.push(FieldError::new(
                "started_at",
                "The start must not be in the future. Leave it empty if it started just now.",
            ));
        }
        if problems.is_empty() {
            Ok((incident, update))
        } else {
            Err(problems)
        }
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
                                {AFFECTED_STATES.into_iter().map(|(v, label)| {
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

/// `/manage/incidents/new`: open an incident and tell users at once.
#[component]
pub fn OpenIncident() -> impl IntoView {
    const KEY: &str = "incident:new";
    let session = Session::get();
    let services = Services::get();
    let flash = Flash::get();
    let navigate = use_navigate();
    let saved = drafts::load::<OpenDraft>(KEY);
    let restored = RwSignal::new(saved.is_some());
    let draft = RwSignal::new(saved.unwrap_or_else(OpenDraft::fresh));
    Effect::new(move |_| draft.with(|d| drafts::save(KEY, d)));
    let problems = Problems::new();
    let open_action = {
        let navigate = navigate.clone();
        Action::new_local(move |(incident, update): &(IncidentInput, UpdateInput)| {
            let (incident, update) = (incident.clone(), update.clone());
            let navigate = navigate.clone();
            async move {
                let opened = client::open_incident(&incident).await;
                match opened {
                    Err(e) => {
                        problems.show(e, session, || super::form::click_id("open-incident"));
                    }
                    Ok(opened) => {
                        drafts::clear(KEY);
                        let posted = client::post_update(opened.id, &update).await;
                        match posted {
                            Ok(_) => flash.say(format!(
                                "Opened “{}” and told users. Next update due by {}.",
                                opened.title,
                                update.next_update_at.map(uk_date_time).unwrap_or_default()
                            )),
                            Err(e) => {
                                // The incident is open; its first update waits in the update form.
                                drafts::save(
                                    &format!("update:{}", opened.id),
                                    &UpdateDraft {
                                        status: "investigating".into(),
                                        body: update.body.clone(),
                                        next: "60".into(),
                                        next_at: String::new(),
                                    },
                                );
                                flash.say(format!(
                                    "Opened “{}”, but the first update was not posted: {e} Your words are in the update form: post them again.",
                                    opened.title
                                ));
                            }
                        }
                        navigate(
                            &format!("/manage/incidents/{}", opened.id),
                            Default::default(),
                        );
                    }
                }
            }
        })
    };
    let busy = open_action.pending();
    let get = move |f: fn(&OpenDraft) -> String| Signal::derive(move || draft.with(f));
    let set = move |f: fn(&mut OpenDraft, String)| move |v: String| draft.update(|d| f(d, v));

    let submit = Callback::new(move |()| {
        problems.clear();
        let list = services.0.get_untracked();
        let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let (incident, update) = match draft.get_untracked().inputs(now(), &known) {
            Ok(inputs) => inputs,
            Err(found) => {
                problems.set(found);
                problems.focus();
                return;
            }
        };
        open_action.dispatch((incident, update));
    });

    view! {
        <Title text="Open an incident" />
        <p class="back"><A href="/manage/incidents">"All incidents"</A></p>
        <h1>"Open an incident"</h1>
        {move || (!session.can(Role::Editor)).then(|| view! {
            <p class="role-note">"Only editors can open an incident. You can post updates to open incidents, or post a notice about a known problem."</p>
        })}
        {move || restored.get().then(|| view! {
            <p class="draft-note" role="status">"We kept what you typed before it was saved. Carry on, or "
                <button type="button" class="button-link" on:click=move |_| { restored.set(false); draft.set(OpenDraft::fresh()); }>"start again"</button>"."</p>
        })}
        <form novalidate on:submit=move |ev| { ev.prevent_default(); submit.run(()); }>
            <ProblemSummary problems target=incident_target />
            <fieldset class="plain" disabled=move || !session.can(Role::Editor)>
                <legend class="visually-hidden">"The incident"</legend>
                <TextField field="title" label="Title" class="input-wide"
                    hint="What users notice, in a few words: “Bulk upload is not working”."
                    value=get(|d| d.title.clone()) on_input=set(|d, v| d.title = v) problems
                    described_by_also="title-hints" />
                <PlainHints id="title-hints" text=get(|d| d.title.clone()) />
                <AffectedPicker value=Signal::derive(move || draft.with(|d| d.affected.clone()))
                    on_change=move |change| draft.update(|d| set_affected(&mut d.affected, change)) problems />
                <Radios field="impact" legend="How bad is it for users?" inline=true
                    hint="Until you choose, this follows from the services you marked as down."
                    choices=Impact::ALL.iter().map(|i| Choice::new(i.as_str(), i.label())).collect()
                    value=Signal::derive(move || draft.with(OpenDraft::impact).as_str().to_string())
                    on_change=set(|d, v| d.impact = v) problems />
                <UkTimeField field="started_at" label="When did it start?" value=get(|d| d.started.clone())
                    on_input=set(|d, v| d.started = v) problems empty_means="Empty: now." />
                <TextField field="update" label="First update for users" rows=4
                    hint="What is not working, what users can do meanwhile, and that you are looking into it."
                    value=get(|d| d.update.clone()) on_input=set(|d, v| d.update = v) problems
                    described_by_also="update-hints" />
                <PlainHints id="update-hints" text=get(|d| d.update.clone()) />
                <NextUpdate choice=get(|d| d.next.clone()) at=get(|d| d.next_at.clone())
                    on_choice=set(|d, v| d.next = v) on_at=set(|d, v| d.next_at = v) problems />
                <ButtonRow>
                    <button type="submit" id="open-incident" class="button" disabled=move || busy.get()>"Open the incident and tell users"</button>
                </ButtonRow>
            </fieldset>
        </form>
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
        if let Err(found) = validate_incident(&candidate, known) {
            for mut f in found {
                if let Some(rest) = f.field.strip_prefix(&last) {
                    f.field = rest.to_string();
                }
                if !problems.iter().any(|p| p.field == f.field) {
                    problems.push(f);
                }
            }
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(problems)
        }
    }
}

/// `/manage/incidents/:id`: the incident, when the next update is due, and the form to
/// post one.
#[component]
pub fn IncidentPage() -> impl IntoView {
    match id_param() {
        Ok(id) => view! { <IncidentOf id /> }.into_any(),
        Err(raw) => view! {
            <NoSuchRecord raw what="an incident" list="/manage/incidents" list_name="incidents" />
        }
        .into_any(),
    }
}

/// Incident `id`, with its forms.
#[component]
fn IncidentOf(id: i64) -> impl IntoView {
    let view_data = RwSignal::new(None::<IncidentView>);
    let load_problem = RwSignal::new(None::<String>);
    // The incident seeds `view_data`, which each saved form then brings up to date.
    let loaded = LocalResource::new(move || client::incident(id));
    Effect::new(move |_| match loaded.get() {
        Some(Ok(v)) => view_data.set(Some(v)),
        Some(Err(e)) => load_problem.set(Some(e.to_string())),
        None => {}
    });
    let clock = Clock::get().0;
    let title = move || {
        view_data.with(|v| {
            v.as_ref()
                .map(|v| v.incident.title.clone())
                .unwrap_or_else(|| "Incident".into())
        })
    };

    view! {
        <Title text=title />
        <p class="back"><A href="/manage/incidents">"All incidents"</A></p>
        <LoadProblem problem=load_problem />
        {move || view_data.get().map(|v| {
            let incident = v.incident.clone();
            view! {
                <IncidentHeader incident=incident.clone() clock />
                <PostUpdate incident=incident.clone() on_posted=move |i: Incident| view_data.update(|v| if let Some(v) = v { v.incident = i; }) />
                <Updates incident=incident.clone() />
                <IncidentDetails incident on_saved=move |i: Incident| view_data.update(|v| if let Some(v) = v { v.incident = i; }) />
            }
        })}
    }
}

/// The incident's title, state, affected services and when users hear next.
#[component]
fn IncidentHeader(incident: Incident, clock: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let services = Services::get();
    let id = incident.id;
    let next = incident.next_update_at;
    let open = incident.is_active();
    let affected = incident.affected.clone();
    view! {
        <h1>{incident.title.clone()}</h1>
        <p class="incident-state">
            <strong class="incident-status">{incident.status.label()}</strong>
            " · " {incident.impact.label()}
            " · Started " {uk_date_time(incident.started_at)}
            {incident.resolved_at.map(|r| format!(" · Resolved {}", uk_date_time(r)))}
        </p>
        {open.then(|| view! {
            <p class="due-panel" role="status">
                {move || match next {
                    Some(next) => {
                        let (late, words) = due_words(next, clock.get());
                        view! { <span class="due" class:due-late=late>{words}</span> }.into_any()
                    }
                    None => view! { <span class="due due-late">"Users have not been told when to expect the next update. Post an update with a time."</span> }.into_any(),
                }}
            </p>
        })}
        <ul class="affected-summary">
            {move || affected.iter().map(|a| {
                let name = services.0.with(|s| s.iter().find(|x| x.id == a.service).map(|x| x.name.clone())).unwrap_or_else(|| a.service.clone());
                view! { <li><span class="affected-name">{name}</span> <StatusWords status=a.status /></li> }
            }).collect_view()}
        </ul>
        <p class="record-actions">
            <A href=format!("/manage/incidents/{id}/report") attr:class="button-secondary">"Incident report"</A>
            <A href=format!("/manage/incidents/{id}/revisions") attr:class="button-secondary">"Report revisions"</A>
            <a href=format!("/incidents/{id}") class="button-secondary">"See it as users do"</a>
        </p>
    }
}

/// The form to post an update for users.
#[component]
fn PostUpdate(
    incident: Incident,
    /// Called with the incident as it is after the update.
    #[prop(into)]
    on_posted: Callback<Incident>,
) -> impl IntoView {
    let session = Session::get();
    let services = Services::get();
    let flash = Flash::get();
    let key = format!("update:{}", incident.id);
    let saved = drafts::load::<UpdateDraft>(&key);
    let restored = saved.as_ref().is_some_and(|s| !s.body.trim().is_empty());
    let draft = RwSignal::new(saved.unwrap_or_else(|| UpdateDraft::for_incident(&incident)));
    {
        let key = key.clone();
        Effect::new(move |_| draft.with(|d| drafts::save(&key, d)));
    }
    let problems = Problems::new();
    let incident = StoredValue::new(incident);
    let post_action = {
        let key = key.clone();
        Action::new_local(move |(current, input): &(Incident, UpdateInput)| {
            let (current, input) = (current.clone(), input.clone());
            let key = key.clone();
            async move {
                let result = client::post_update(current.id, &input).await;
                match result {
                    Ok(updated) => {
                        drafts::clear(&key);
                        draft.set(UpdateDraft::for_incident(&updated));
                        flash.say(match updated.next_update_at {
                            Some(next) => format!(
                                "Update posted: “{}”. Next update due by {}.",
                                updated.status.label(),
                                uk_date_time(next)
                            ),
                            None => format!("Update posted: “{}”.", updated.status.label()),
                        });
                        incident.set_value(updated.clone());
                        on_posted.run(updated);
                    }
                    Err(e) => problems.show(e, session, || super::form::click_id("post-update")),
                }
            }
        })
    };
    let busy = post_action.pending();
    let get = move |f: fn(&UpdateDraft) -> String| Signal::derive(move || draft.with(f));
    let set = move |f: fn(&mut UpdateDraft, String)| move |v: String| draft.update(|d| f(d, v));
    let resolving = Signal::derive(move || draft.with(|d| d.status == "resolved"));

    let submit = move || {
        problems.clear();
        let list = services.0.get_untracked();
        let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let current = incident.get_value();
        let input = match draft.get_untracked().input(&current, now(), &known) {
            Ok(input) => input,
            Err(found) => {
                problems.set(found);
                problems.focus();
                return;
            }
        };
        post_action.dispatch((current, input));
    };

    view! {
        <section class="post-update" aria-labelledby="post-update-heading">
            <h2 id="post-update-heading">"Post an update for users"</h2>
            {restored.then(|| view! { <p class="draft-note" role="status">"We kept the update you typed before it was posted."</p> })}
            <form novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <ProblemSummary problems />
                <Radios field="status" legend="Where are things now?"
                    choices=IncidentStatus::ALL.iter().map(|&s| Choice::new(s.as_str(), s.label()).hint(status_hint(s))).collect()
                    value=get(|d| d.status.clone()) on_change=set(|d, v| d.status = v) problems />
                <TextField field="body" label="What users need to know" rows=4
                    hint="What has changed, what users can do, and what happens next."
                    value=get(|d| d.body.clone()) on_input=set(|d, v| d.body = v) problems
                    described_by_also="update-body-hints" />
                <PlainHints id="update-body-hints" text=get(|d| d.body.clone()) />
                <Show when=move || !resolving.get()>
                    <NextUpdate choice=get(|d| d.next.clone()) at=get(|d| d.next_at.clone())
                        on_choice=set(|d, v| d.next = v) on_at=set(|d, v| d.next_at = v) problems />
                </Show>
                <ButtonRow>
                    <button type="submit" id="post-update" class="button" disabled=move || busy.get()>
                        {move || if resolving.get() { "Post the update and resolve the incident" } else { "Post the update" }}
                    </button>
                </ButtonRow>
            </form>
        </section>
    }
}

/// Every update users have been given, newest first.
#[component]
fn Updates(incident: Incident) -> impl IntoView {
    let mut updates = incident.updates.clone();
    updates.sort_by_key(|u| std::cmp::Reverse(u.at));
    view! {
        <section aria-labelledby="updates-so-far">
            <h2 id="updates-so-far">"Updates so far"</h2>
            {if updates.is_empty() {
                view! { <p class="empty">"Users have not been told anything yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="update-list">
                        {updates.into_iter().map(|u| view! {
                            <li class="update">
                                <p class="update-meta"><strong>{u.status.label()}</strong> " · " {uk_date_time(u.at)} " · " {u.author.clone()}</p>
                                <p class="update-body">{u.body.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

/// The incident's details as typed in the change form.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct DetailsDraft {
    title: String,
    affected: Vec<(String, String)>,
    impact: String,
    started: String,
    detected: String,
}

impl DetailsDraft {
    fn of(i: &Incident) -> Self {
        DetailsDraft {
            title: i.title.clone(),
            affected: i
                .affected
                .iter()
                .map(|a| (a.service.clone(), a.status.as_str().to_string()))
                .collect(),
            impact: i.impact.as_str().into(),
            started: uk_input_value(i.started_at),
            detected: i.detected_at.map(uk_input_value).unwrap_or_default(),
        }
    }

    fn input(&self, i: &Incident, known: &[&str]) -> Result<IncidentInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let started_at = match read_uk_input(&self.started) {
            Ok(Some(t)) => t,
            Ok(None) => {
                problems.push(FieldError::new(
                    "started_at",
                    "Give the time the incident started.",
                ));
                i.started_at
            }
            Err(e) => {
                problems.push(FieldError::new("started_at", e));
                i.started_at
            }
        };
        let detected_at = read_uk_input(&self.detected).unwrap_or_else(|e| {
            problems.push(FieldError::new("detected_at", e));
            None
        });
        let affected: Vec<AffectedService> = self
            .affected
            .iter()
            .filter_map(|(service, state)| {
                state_of(state).map(|status| AffectedService {
                    service: service.clone(),
                    status,
                })
            })
            .collect();
        let input = IncidentInput {
            title: self.title.trim().to_string(),
            status: i.status,
            impact: Impact::parse(&self.impact).unwrap_or(i.impact),
            affected,
            started_at,
            detected_at,
            resolved_at: i.resolved_at,
            next_update_at: i.next_update_at,
        };
        let mut candidate = i.clone();
        candidate.title = input.title.clone();
        candidate.impact = input.impact;
        candidate.affected = input.affected.clone();
        candidate.started_at = started_at;
        candidate.detected_at = detected_at;
        if let Err(found) = validate_incident(&candidate, known) {
            for f in found {
                if !problems.iter().any(|p| p.field == f.field) {
                    problems.push(f);
                }
            }
        }
        if problems.is_empty() {
            Ok(input)
        } else {
            Err(problems)
        }
    }
}

/// Editors change the title, impact, services and times of an incident.
#[component]
fn IncidentDetails(
    incident: Incident,
    #[prop(into)] on_saved: Callback<Incident>,
) -> impl IntoView {
    let session = Session::get();
    let services = Services::get();
    let flash = Flash::get();
    let key = format!("incident:{}", incident.id);
    let server = DetailsDraft::of(&incident);
    let saved = drafts::load::<DetailsDraft>(&key).filter(|d| *d != server);
    let open = saved.is_some();
    let draft = RwSignal::new(saved.unwrap_or(server));
    {
        let key = key.clone();
        Effect::new(move |_| draft.with(|d| drafts::save(&key, d)));
    }
    let problems = Problems::with_summary("details-problems");
    let incident = StoredValue::new(incident);
    let get = move |f: fn(&DetailsDraft) -> String| Signal::derive(move || draft.with(f));
    let set = move |f: fn(&mut DetailsDraft, String)| move |v: String| draft.update(|d| f(d, v));
    let save_action = {
        let key = key.clone();
        Action::new_local(move |(id, input): &(i64, IncidentInput)| {
            let (id, input) = (*id, input.clone());
            let key = key.clone();
            async move {
                match client::update_incident(id, &input).await {
                    Ok(updated) => {
                        drafts::clear(&key);
                        flash.say("Saved the incident's details.");
                        incident.set_value(updated.clone());
                        on_saved.run(updated);
                    }
                    Err(e) => problems.show(e, session, || super::form::click_id("save-details")),
                }
            }
        })
    };
    let submit = move || {
        problems.clear();
        let list = services.0.get_untracked();
        let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let current = incident.get_value();
        let input = match draft.get_untracked().input(&current, &known) {
            Ok(input) => input,
            Err(found) => {
                problems.set(found);
                problems.focus();
                return;
            }
        };
        save_action.dispatch((current.id, input));
    };
    view! {
        <details class="incident-details" open=open>
            <summary>"Change the title, services or times"</summary>
            {move || (!session.can(Role::Editor)).then(|| view! {
                <p class="role-note">"Only editors can change these details."</p>
            })}
            <form novalidate on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <ProblemSummary problems target=incident_target />
                <fieldset class="plain" disabled=move || !session.can(Role::Editor)>
                    <legend class="visually-hidden">"Details"</legend>
                    <TextField field="title" label="Title" class="input-wide"
                        value=get(|d| d.title.clone()) on_input=set(|d, v| d.title = v) problems />
                    <AffectedPicker value=Signal::derive(move || draft.with(|d| d.affected.clone()))
                        on_change=move |change| draft.update(|d| set_affected(&mut d.affected, change)) problems />
                    <Radios field="impact" legend="How bad is it for users?" inline=true
                        choices=Impact::ALL.iter().map(|i| Choice::new(i.as_str(), i.label())).collect()
                        value=get(|d| d.impact.clone()) on_change=set(|d, v| d.impact = v) problems />
                    <div class="field-pair">
                        <UkTimeField field="started_at" label="Started" value=get(|d| d.started.clone())
                            on_input=set(|d, v| d.started = v) problems empty_means="Give a time." />
                        <UkTimeField field="detected_at" label="Found by us" value=get(|d| d.detected.clone())
                            on_input=set(|d, v| d.detected = v) problems empty_means="Empty: not recorded." />
                    </div>
                    <ButtonRow>
                        <button type="submit" id="save-details" class="button-secondary">"Save the details"</button>
                    </ButtonRow>
                </fieldset>
            </form>
        </details>
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
