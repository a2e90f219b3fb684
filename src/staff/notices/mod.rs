//! Notices: support posts one from a short form with a live preview, edits it, ends it,
//! and sees every notice by whether users see it now, later, or no more.

mod list;

pub use list::NoticeList;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};
use tis_core::time::uk_date_time;
use tis_core::validate::validate_notice;
use tis_core::wire::NoticeInput;
use tis_core::{Audience, FieldError, Notice, NoticeKind, NoticeSeverity, ServiceState};

use super::client::{self, drafts};
use super::form::{
    ButtonRow, Choice, ProblemSummary, Problems, Radios, TextField, UkTimeField, now, problems_or,
    read_uk_input, uk_input_value,
};
use super::hints::PlainHints;
use super::session::Session;
use super::{Flash, LoadProblem, NoSuchRecord, Services, id_param};
use crate::components::notice_card;
use crate::dom::{Content, Node};

/// How much a notice matters follows from its kind; support is not asked for it, to keep
/// the form short. A severity set elsewhere is kept while the kind stays the same.
fn severity_for(kind: NoticeKind) -> NoticeSeverity {
    match kind {
        NoticeKind::KnownProblem => NoticeSeverity::High,
        NoticeKind::PlannedMaintenance => NoticeSeverity::Medium,
        NoticeKind::Information => NoticeSeverity::Low,
    }
}

/// The form as typed, kept in the browser until saved.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct NoticeDraft {
    title: String,
    body: String,
    kind: String,
    services: Vec<String>,
    audience: String,
    /// `datetime-local` text in UK time; empty means now.
    starts: String,
    /// Empty means until someone ends it.
    ends: String,
}

impl NoticeDraft {
    fn fresh() -> Self {
        NoticeDraft {
            kind: NoticeKind::KnownProblem.as_str().into(),
            audience: "everyone".into(),
            ..Default::default()
        }
    }

    fn of(n: &Notice) -> Self {
        NoticeDraft {
            title: n.title.clone(),
            body: n.body.clone(),
            kind: n.kind.as_str().into(),
            services: n.services.clone(),
            audience: n.audience.as_str().into(),
            starts: uk_input_value(n.starts_at),
            ends: n.ends_at.map(uk_input_value).unwrap_or_default(),
        }
    }

    /// The notice this draft would make, or every problem with it, by the same rules as
    /// the server's.
    fn input(
        &self,
        published: bool,
        old: Option<&Notice>,
        now: DateTime<Utc>,
        known: &[&str],
    ) -> Result<NoticeInput, Vec<FieldError>> {
        let mut problems = Vec::new();
        let kind = NoticeKind::parse(&self.kind);
        if kind.is_none() {
            problems.push(FieldError::new(
                "kind",
                "Choose what kind of notice this is.",
            ));
        }
        let starts_at = match read_uk_input(&self.starts) {
            Ok(at) => at.unwrap_or(now),
            Err(e) => {
                problems.push(FieldError::new("starts_at", e));
                now
            }
        };
        let ends_at = read_uk_input(&self.ends).unwrap_or_else(|e| {
            problems.push(FieldError::new("ends_at", e));
            None
        });
        let kind = kind.unwrap_or(NoticeKind::Information);
        let severity = match old {
            Some(o) if o.kind == kind => o.severity,
            _ => severity_for(kind),
        };
        let input = NoticeInput {
            title: self.title.trim().to_string(),
            body: self.body.trim().to_string(),
            kind,
            severity,
            services: self.services.clone(),
            starts_at,
            ends_at,
            audience: Audience::parse(&self.audience).unwrap_or(Audience::Everyone),
            published,
        };
        let candidate = notice_from(&input, old, now);
        if let Err(found) = validate_notice(&candidate, known) {
            // A time that could not be read is reported once, as unreadable.
            let unreadable: Vec<String> = problems.iter().map(|p| p.field.clone()).collect();
            problems.extend(found.into_iter().filter(|f| !unreadable.contains(&f.field)));
        }
        problems_or(input, problems)
    }
}

/// The notice `input` makes, as the server will store it: over `old` when changing one.
fn notice_from(input: &NoticeInput, old: Option<&Notice>, now: DateTime<Utc>) -> Notice {
    input.notice(
        old.map_or(0, |o| o.id),
        old.map_or("", |o| o.author.as_str()),
        old.map_or(now, |o| o.created_at),
        now,
    )
}

/// When a notice is shown, in words.
pub fn window_words(n: &Notice) -> String {
    match n.ends_at {
        Some(end) => format!(
            "From {} until {}",
            uk_date_time(n.starts_at),
            uk_date_time(end)
        ),
        None => format!("From {}, until it is ended", uk_date_time(n.starts_at)),
    }
}

/// `/manage/notices/new` and `/manage/notices/:id`: the short form, with its preview.
#[component]
pub fn NoticeEditor() -> impl IntoView {
    // `/manage/notices/new` has no number; any other address must have a good one.
    if use_params_map().read_untracked().get("id").is_none() {
        return view! { <NoticeForm id=None /> }.into_any();
    }
    match id_param() {
        Ok(id) => view! { <NoticeForm id=Some(id) /> }.into_any(),
        Err(raw) => view! {
            <NoSuchRecord raw what="a notice" list="/manage/notices" list_name="notices" />
        }
        .into_any(),
    }
}

/// The notice form: a new notice when `id` is `None`.
#[component]
fn NoticeForm(id: Option<i64>) -> impl IntoView {
    let draft_key = match id {
        Some(id) => format!("notice:{id}"),
        None => "notice:new".to_string(),
    };
    let session = Session::get();
    let services = Services::get();
    let flash = Flash::get();
    let navigate = use_navigate();
    let draft = RwSignal::new(None::<NoticeDraft>);
    // What the form started from (empty, or the notice as saved): no unsaved work.
    let pristine = StoredValue::new(None::<NoticeDraft>);
    let old = RwSignal::new(None::<Notice>);
    let restored = RwSignal::new(false);
    let load_problem = RwSignal::new(None::<String>);
    let problems = Problems::new();

    // A new notice starts from the draft kept in this browser, or empty; a notice being
    // changed from the stored one, or from the draft of it.
    let loaded = LocalResource::new(move || async move {
        match id {
            Some(_) => Some(client::notices().await),
            None => None,
        }
    });
    {
        let draft_key = draft_key.clone();
        Effect::new(move |_| {
            let Some(loaded) = loaded.get() else {
                return;
            };
            let saved = drafts::load::<NoticeDraft>(&draft_key);
            match (id, loaded) {
                (None, _) | (_, None) => {
                    restored.set(saved.is_some());
                    let fresh = NoticeDraft::fresh();
                    draft.set(Some(saved.unwrap_or_else(|| fresh.clone())));
                    pristine.set_value(Some(fresh));
                }
                (Some(id), Some(loaded)) => match loaded {
                    Ok(list) => match list.into_iter().find(|n| n.id == id) {
                        Some(n) => {
                            let server = NoticeDraft::of(&n);
                            let d = match saved {
                                Some(s) if s != server => {
                                    restored.set(true);
                                    s
                                }
                                _ => server.clone(),
                            };
                            pristine.set_value(Some(server));
                            old.set(Some(n));
                            draft.set(Some(d));
                        }
                        None => load_problem.set(Some(format!(
                            "There is no notice {id}. It may have been removed. Go back to the list of notices."
                        ))),
                    },
                    Err(e) => load_problem.set(Some(e.to_string())),
                },
            }
        });
    }
    {
        let draft_key = draft_key.clone();
        Effect::new(move |_| {
            if let Some(d) = draft.get() {
                pristine.with_value(|p| drafts::keep(&draft_key, &d, p.as_ref()));
            }
        });
    }

    let set = move |f: fn(&mut NoticeDraft, String)| {
        move |v: String| {
            draft.update(|d| {
                if let Some(d) = d.as_mut() {
                    f(d, v)
                }
            })
        }
    };
    let get = move |f: fn(&NoticeDraft) -> String| {
        Signal::derive(move || draft.with(|d| d.as_ref().map(f).unwrap_or_default()))
    };

    let save_action = {
        let draft_key = draft_key.clone();
        let navigate = navigate.clone();
        Action::new_local(
            move |(publish, input, old_notice): &(bool, NoticeInput, Option<Notice>)| {
                let (publish, input, old_notice) = (*publish, input.clone(), old_notice.clone());
                let draft_key = draft_key.clone();
                let navigate = navigate.clone();
                async move {
                    let result = match old_notice.as_ref() {
                        Some(o) => client::update_notice(o.id, &input).await,
                        None => client::create_notice(&input).await,
                    };
                    match result {
                        Ok(n) => {
                            drafts::clear(&draft_key);
                            let now = now();
                            flash.say(if !n.published {
                                format!("Saved “{}” as a draft. Only staff can see it.", n.title)
                            } else if n.starts_at > now {
                                format!(
                                    "Published “{}”. Users will see it from {}.",
                                    n.title,
                                    uk_date_time(n.starts_at)
                                )
                            } else {
                                format!("Published “{}”. Users can see it now.", n.title)
                            });
                            navigate("/manage/notices", Default::default());
                        }
                        Err(e) => {
                            let retry_publish = publish;
                            problems.show(e, session, move || {
                                // Once signed in again, press the same button for them.
                                let id = if retry_publish {
                                    "publish"
                                } else {
                                    "save-draft"
                                };
                                super::form::click_id(id);
                            })
                        }
                    }
                }
            },
        )
    };
    let busy = save_action.pending();

    let submit = {
        Callback::new(move |publish: bool| {
            let Some(d) = draft.get_untracked() else {
                return;
            };
            problems.clear();
            let list = services.0.get_untracked();
            let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
            let old_notice = old.get_untracked();
            let Some(input) =
                problems.checked(d.input(publish, old_notice.as_ref(), now(), &known))
            else {
                return;
            };
            save_action.dispatch((publish, input, old_notice));
        })
    };
    let end_action = {
        let navigate = navigate.clone();
        Action::new_local(move |&id: &i64| {
            let navigate = navigate.clone();
            async move {
                match client::end_notice(id).await {
                    Ok(n) => {
                        drafts::clear(&format!("notice:{}", n.id));
                        flash.say(format!("Ended “{}”. Users no longer see it.", n.title));
                        navigate("/manage/notices", Default::default());
                    }
                    Err(e) => problems.show(e, session, || super::form::click_id("end-now")),
                }
            }
        })
    };
    let end_now = Callback::new(move |()| {
        let Some(n) = old.get_untracked() else {
            return;
        };
        end_action.dispatch(n.id);
    });

    let preview = Signal::derive(move || {
        let d = draft.get()?;
        let o = old.get();
        let list = services.0.get();
        let known: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
        let published = o.as_ref().is_none_or(|o| o.published);
        let now = now();
        // The preview shows what can be read even while something still needs fixing.
        let input = d
            .input(published, o.as_ref(), now, &known)
            .unwrap_or_else(|_| {
                let kind = NoticeKind::parse(&d.kind).unwrap_or(NoticeKind::Information);
                NoticeInput {
                    // A heading is never empty, even before anything is typed.
                    title: match d.title.trim() {
                        "" => "The title you type shows here".to_string(),
                        title => title.to_string(),
                    },
                    body: d.body.trim().to_string(),
                    kind,
                    severity: severity_for(kind),
                    services: d.services.clone(),
                    starts_at: read_uk_input(&d.starts).ok().flatten().unwrap_or(now),
                    ends_at: read_uk_input(&d.ends).ok().flatten(),
                    audience: Audience::parse(&d.audience).unwrap_or(Audience::Everyone),
                    published,
                }
            });
        Some(notice_from(&input, o.as_ref(), now))
    });

    let heading = if id.is_some() {
        "Change a notice"
    } else {
        "Post a notice"
    };
    view! {
        <Title text=heading />
        <p class="back"><A href="/manage/notices">"All notices"</A></p>
        <h1>{heading}</h1>
        <LoadProblem problem=load_problem />
        {move || restored.get().then(|| view! {
            <p class="draft-note" role="status">"We kept what you typed before it was saved. Carry on, or "
                <button type="button" class="button-link" on:click=move |_| {
                    restored.set(false);
                    draft.set(Some(old.get_untracked().as_ref().map(NoticeDraft::of).unwrap_or_else(NoticeDraft::fresh)));
                }>"start again"</button>"."</p>
        })}
        <Show when=move || draft.with(Option::is_some)>
            <div class="form-and-preview">
                <form class="notice-form" novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    submit.run(old.with_untracked(|o| o.as_ref().is_none_or(|o| o.published)));
                }>
                    <ProblemSummary problems target=notice_target />
                    <TextField field="title" label="Title" hint="What users will look for, in a few words: “Bulk upload is not working”."
                        value=get(|d| d.title.clone()) on_input=set(|d, v| d.title = v) problems
                        described_by_also="title-hints" class="input-wide" />
                    <PlainHints id="title-hints" text=get(|d| d.title.clone()) />
                    <TextField field="body" label="What users need to know" rows=5
                        hint="What is affected, what users can do meanwhile, and when you will say more."
                        value=get(|d| d.body.clone()) on_input=set(|d, v| d.body = v) problems
                        described_by_also="body-hints" />
                    <PlainHints id="body-hints" text=get(|d| d.body.clone()) />
                    <Radios field="kind" legend="Kind of notice" inline=true
                        choices=[NoticeKind::KnownProblem, NoticeKind::PlannedMaintenance, NoticeKind::Information]
                            .into_iter()
                            .map(|k| Choice::new(k.as_str(), k.label()))
                            .collect()
                        value=get(|d| d.kind.clone()) on_change=set(|d, v| d.kind = v) problems />
                    <ServicePicker draft problems />
                    <Radios field="audience" legend="Who needs to know" inline=true
                        choices=Audience::ALL.iter().map(|a| Choice::new(a.as_str(), a.label())).collect()
                        value=get(|d| d.audience.clone()) on_change=set(|d, v| d.audience = v) problems />
                    <div class="field-pair">
                        <UkTimeField field="starts_at" label="Starts" value=get(|d| d.starts.clone())
                            on_input=set(|d, v| d.starts = v) problems
                            empty_means="Empty: from the moment you publish." />
                        <UkTimeField field="ends_at" label="Ends" value=get(|d| d.ends.clone())
                            on_input=set(|d, v| d.ends = v) problems
                            empty_means="Empty: until you end it." />
                    </div>
                    <ButtonRow>
                        {move || {
                            match old.get() {
                                Some(o) if o.published => {
                                    let ended = o.ends_at.is_some_and(|e| e <= now());
                                    view! {
                                        <button type="submit" id="publish" class="button" disabled=move || busy.get()>"Save changes"</button>
                                        {(!ended).then(|| view! {
                                            <button type="button" id="end-now" class="button-warning" on:click=move |_| end_now.run(())>"End now"</button>
                                        })}
                                    }.into_any()
                                }
                                _ => view! {
                                    <button type="button" id="publish" class="button" disabled=move || busy.get()
                                        on:click=move |_| submit.run(true)>"Publish now"</button>
                                    <button type="button" id="save-draft" class="button-secondary" disabled=move || busy.get()
                                        on:click=move |_| submit.run(false)>"Save as draft"</button>
                                }.into_any(),
                            }
                        }}
                    </ButtonRow>
                </form>
                <section class="preview" aria-labelledby="preview-heading">
                    <h2 id="preview-heading">"Preview"</h2>
                    <p class="preview-where">{move || preview.get().map(|n| where_words(&n, now()))}</p>
                    // The public pages' own card, so the preview is exactly what users see.
                    <Content class="preview-card" of=move || {
                        let names: Vec<(String, String)> = services.0.with(|s| {
                            s.iter().map(|x| (x.id.clone(), x.name.clone())).collect()
                        });
                        preview
                            .get()
                            .map(|n| vec![Node::from(notice_card(&n, &names, "h3"))])
                            .unwrap_or_default()
                    } />
                </section>
            </div>
        </Show>
    }
}

/// Where and when the notice will be seen, above the preview.
fn where_words(n: &Notice, now: DateTime<Utc>) -> String {
    if !n.published {
        "A draft: only staff can see it until it is published.".into()
    } else if n.ends_at.is_some_and(|e| e <= now) {
        "Ended: users no longer see it.".into()
    } else if n.starts_at > now {
        format!(
            "Users will see this on the status page from {}.",
            uk_date_time(n.starts_at)
        )
    } else {
        "Users will see this on the status page as soon as it is saved.".into()
    }
}

/// A problem with one of the listed services goes to the first box.
fn notice_target(field: &str) -> String {
    if field.starts_with("services") {
        "f-services".into()
    } else {
        super::form::field_id(field)
    }
}

/// Affected services, as boxes to tick, by group.
#[component]
fn ServicePicker(draft: RwSignal<Option<NoticeDraft>>, problems: Problems) -> impl IntoView {
    let services = Services::get();
    let error = Signal::derive(move || problems.within("services"));
    view! {
        <fieldset class="field" class:field-with-problem=move || error.get().is_some()
            aria-describedby="f-services-hint">
            <legend>"Affected services (optional)"</legend>
            <p class="field-hint" id="f-services-hint">"Leave them all unticked if the notice is about TIS as a whole."</p>
            <super::form::FieldProblem id="f-services" message=error />
            <div class="choices choices-columns">
                {move || services.0.get().into_iter().enumerate().map(|(k, s)| {
                    let id = s.id.clone();
                    let input_id = if k == 0 { "f-services".to_string() } else { format!("f-services-{}", s.id) };
                    let checked = {
                        let id = id.clone();
                        move || draft.with(|d| d.as_ref().is_some_and(|d| d.services.contains(&id)))
                    };
                    view! {
                        <div class="choice">
                            <input type="checkbox" id=input_id.clone() name="services" value=s.id.clone()
                                prop:checked=checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let id = id.clone();
                                    draft.update(|d| if let Some(d) = d.as_mut() {
                                        d.services.retain(|x| x != &id);
                                        if on { d.services.push(id); }
                                    });
                                } />
                            <label for=input_id>{s.name.clone()}</label>
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}
