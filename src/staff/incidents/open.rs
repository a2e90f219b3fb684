//! `/manage/incidents/new`: an editor opens an incident with its affected services and
//! the first update for users, in one form.

use super::*;

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
        add_incident_problems(&mut problems, &candidate, known, |field| {
            if field.starts_with("updates[0].") {
                "update".into()
            } else {
                field
            }
        });
        if started_at > now {
            problems.push(FieldError::new(
                "started_at",
                "The start must not be in the future. Leave it empty if it started just now.",
            ));
        }
        problems_or((incident, update), problems)
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
    let pristine = OpenDraft::fresh();
    let draft = RwSignal::new(saved.unwrap_or_else(|| pristine.clone()));
    Effect::new(move |_| draft.with(|d| drafts::keep(KEY, d, Some(&pristine))));
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
                        problems.show(e, session, || crate::staff::form::click_id("open-incident"));
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
        let Some((incident, update)) =
            problems.checked(draft.get_untracked().inputs(now(), &known))
        else {
            return;
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
