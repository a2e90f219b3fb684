//! `/manage/incidents/:id`: one incident, when its next update is due, the form to post
//! an update, every update so far, and the form to change its details.

use super::*;

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
    let pristine = UpdateDraft::for_incident(&incident);
    let draft = RwSignal::new(saved.unwrap_or_else(|| pristine.clone()));
    {
        let key = key.clone();
        Effect::new(move |_| draft.with(|d| drafts::keep(&key, d, Some(&pristine))));
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
                    Err(e) => {
                        problems.show(e, session, || crate::staff::form::click_id("post-update"))
                    }
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
        let Some(input) = problems.checked(draft.get_untracked().input(&current, now(), &known))
        else {
            return;
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
        add_incident_problems(&mut problems, &candidate, known, |field| field);
        problems_or(input, problems)
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
    let draft = RwSignal::new(saved.unwrap_or_else(|| server.clone()));
    {
        let key = key.clone();
        Effect::new(move |_| draft.with(|d| drafts::keep(&key, d, Some(&server))));
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
                    Err(e) => {
                        problems.show(e, session, || crate::staff::form::click_id("save-details"))
                    }
                }
            }
        })
    };
    let submit = move || {
        problems.clear();
        let list = services.0.get_untracked();
        let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let current = incident.get_value();
        let Some(input) = problems.checked(draft.get_untracked().input(&current, &known)) else {
            return;
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
