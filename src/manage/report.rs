//! The incident report editor: every section of a report, a timeline kept in time order
//! with its key times worked out as it is typed, action items, and the way from draft to
//! published. Every save is a new revision; a save that would overwrite someone else's
//! is stopped and both versions are shown side by side.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::incident::{ActionStatus, TimelineKind};
use tis_core::keytimes::{KeyTime, key_times};
use tis_core::manage::{SECTIONS, section_heading, section_text};
use tis_core::time::{format_timeline_when, uk_date, uk_date_time, zone_label};
use tis_core::wire::ReportSave;
use tis_core::{Report, ReportStatus, Role};

use super::client::{self, ApiError, drafts};
use super::form::{
    ButtonRow, Choice, FieldProblem, ProblemSummary, Problems, Radios, TextField, field_id,
    focus_id,
};
use super::hints::PlainHints;
use super::report_draft::{ActionDraft, EntryDraft, LineDraft, ReportDraft, merge};
use super::session::Session;
use super::{LoadProblem, NoSuchRecord, id_param};

/// A save refused because someone else saved first: both versions, and the reader's
/// choice for each part that differs.
#[derive(Clone)]
struct Conflict {
    theirs: Report,
    revision: u32,
    /// Who saved it and when, once known.
    by: Option<(String, DateTime<Utc>)>,
    differing: Vec<&'static str>,
    use_theirs: RwSignal<Vec<&'static str>>,
}

/// Where a problem's field is on the page.
fn report_target(field: &str) -> String {
    for end in [".at", ".from", ".to"] {
        if let Some(entry) = field.strip_suffix(end)
            && entry.starts_with("timeline[")
        {
            return field_id(&format!("{entry}.time"));
        }
    }
    if field.starts_with("labels") {
        return field_id("labels");
    }
    field_id(field)
}

fn edit(draft: RwSignal<Option<ReportDraft>>, f: impl FnOnce(&mut ReportDraft)) {
    draft.update(|d| {
        if let Some(d) = d.as_mut() {
            f(d);
        }
    });
}

/// `/manage/incidents/:id/report`.
#[component]
pub fn ReportEditor() -> impl IntoView {
    match id_param() {
        Ok(id) => view! { <ReportOf id /> }.into_any(),
        Err(raw) => view! {
            <NoSuchRecord raw what="an incident" list="/manage/incidents" list_name="incidents" />
        }
        .into_any(),
    }
}

/// The report of incident `id`, in its editor.
#[component]
fn ReportOf(id: i64) -> impl IntoView {
    let key = format!("report:{id}");
    let session = Session::get();
    let can_edit = Signal::derive(move || session.can(Role::Editor));
    let title = RwSignal::new(String::new());
    let started = RwSignal::new(None::<DateTime<Utc>>);
    let draft = RwSignal::new(None::<ReportDraft>);
    let restored = RwSignal::new(None::<String>);
    let load_problem = RwSignal::new(None::<String>);
    let problems = Problems::new();
    let conflict = RwSignal::new(None::<Conflict>);
    let saved = RwSignal::new(None::<String>);

    // The form starts from the stored report, or from the draft kept in this browser.
    let loaded = LocalResource::new(move || client::incident(id));
    {
        let key = key.clone();
        Effect::new(move |_| {
            let Some(loaded) = loaded.get() else {
                return;
            };
            match loaded {
                Ok(v) => {
                    title.set(v.incident.title.clone());
                    started.set(Some(v.incident.started_at));
                    let revision = v.report_revision.unwrap_or(0);
                    let report = v.incident.report.clone().unwrap_or_default();
                    let server = ReportDraft::of(&report, revision);
                    let d = match drafts::load::<ReportDraft>(&key) {
                        Some(local)
                            if local.base_revision == revision
                                && local.report().ok() != server.report().ok() =>
                        {
                            restored.set(Some("We kept the changes you made before they were saved. Carry on, and save when you are ready.".into()));
                            local
                        }
                        Some(local) if local.base_revision != revision => {
                            restored.set(Some(format!(
                                "We kept the changes you made to revision {}, which were not saved. Someone has saved revision {revision} since. When you save, you will see both versions and choose what to keep.",
                                local.base_revision
                            )));
                            local
                        }
                        _ => server,
                    };
                    draft.set(Some(d));
                }
                Err(e) => load_problem.set(Some(e.to_string())),
            }
        });
    }
    {
        let key = key.clone();
        Effect::new(move |_| {
            draft.with(|d| {
                if let Some(d) = d
                    && can_edit.get_untracked()
                {
                    drafts::save(&key, d);
                }
            })
        });
    }

    let save_action = {
        let key = key.clone();
        Action::new_local(move |save: &ReportSave| {
            let save = save.clone();
            let key = key.clone();
            async move {
                match client::save_report(id, &save).await {
                    Ok(revision) => {
                        drafts::clear(&key);
                        conflict.set(None);
                        restored.set(None);
                        edit(draft, |d| d.base_revision = revision.number);
                        saved.set(Some(format!(
                            "Saved as revision {} at {}. {}",
                            revision.number,
                            uk_date_time(revision.at),
                            match revision.report.status {
                                tis_core::ReportStatus::Published =>
                                    "The plain-language parts are on the public incident page.",
                                tis_core::ReportStatus::InReview => "It is ready for review.",
                                tis_core::ReportStatus::Draft =>
                                    "It is a draft: only staff can read it.",
                            }
                        )));
                    }
                    Err(ApiError::Conflict { .. }) => {
                        // Both versions are shown; nothing is overwritten until the writer chooses.
                        match client::incident(id).await {
                            Ok(v) => {
                                let theirs = v.incident.report.unwrap_or_default();
                                let revision = v.report_revision.unwrap_or(0);
                                let differing: Vec<&'static str> = SECTIONS
                                    .into_iter()
                                    .filter(|s| {
                                        section_text(&save.report, s) != section_text(&theirs, s)
                                    })
                                    .collect();
                                let by = client::revisions(id)
                                    .await
                                    .ok()
                                    .and_then(|list| {
                                        list.into_iter().find(|r| r.number == revision)
                                    })
                                    .map(|r| (r.author, r.at));
                                conflict.set(Some(Conflict {
                                    theirs,
                                    revision,
                                    by,
                                    differing,
                                    use_theirs: RwSignal::new(Vec::new()),
                                }));
                                request_animation_frame(|| focus_id("conflict"));
                            }
                            Err(e) => problems.show(e, session, || {}),
                        }
                    }
                    Err(ApiError::Invalid { detail, errors }) => problems.show(
                        ApiError::Invalid {
                            detail,
                            errors: Problems::strip(errors, "report."),
                        },
                        session,
                        || {},
                    ),
                    Err(e) => problems.show(e, session, || super::form::click_id("save-report")),
                }
            }
        })
    };
    let busy = save_action.pending();

    let save = move || {
        let Some(d) = draft.get_untracked() else {
            return;
        };
        problems.clear();
        saved.set(None);
        let report = match d.report() {
            Ok(r) => r,
            Err(list) => {
                problems.set(list);
                problems.focus();
                return;
            }
        };
        save_action.dispatch(ReportSave {
            base_revision: d.base_revision,
            report,
        });
    };
    let save = StoredValue::new_local(save);

    let resolve = move || {
        let Some(c) = conflict.get_untracked() else {
            return;
        };
        let Some(d) = draft.get_untracked() else {
            return;
        };
        let mine = match d.report() {
            Ok(r) => r,
            Err(list) => {
                problems.set(list);
                problems.focus();
                return;
            }
        };
        let chosen = c.use_theirs.get_untracked();
        let merged = merge(&mine, &c.theirs, &chosen);
        draft.set(Some(ReportDraft::of(&merged, c.revision)));
        save.with_value(|s| s());
    };

    view! {
        <Title text=move || format!("Report: {}", title.get()) />
        <p class="back"><A href=format!("/manage/incidents/{id}")>"The incident"</A></p>
        <h1>"Incident report" <span class="subtitle">{move || title.get()}</span></h1>
        <LoadProblem problem=load_problem />
        {move || (!can_edit.get()).then(|| view! {
            <p class="role-note" id="role-note">"Only editors can change reports. You have the support role, so you can read this report and post incident updates. Ask an admin if you need to edit reports."</p>
        })}
        {move || restored.get().map(|m| view! { <p class="draft-note" role="status">{m}</p> })}
        {move || conflict.get().map(|c| view! { <ConflictPanel conflict=c draft on_resolve=move |_| resolve() /> })}
        <Show when=move || draft.with(Option::is_some)>
            <form class="report-form" novalidate on:submit=move |ev| { ev.prevent_default(); save.with_value(|s| s()); }>
                <ProblemSummary problems target=report_target />
                <fieldset class="plain" disabled=move || !can_edit.get()>
                    <legend class="visually-hidden">"The report"</legend>
                    <Radios field="status" legend="Status" inline=true
                        choices=vec![
                            Choice::new(ReportStatus::Draft.as_str(), ReportStatus::Draft.label()).hint("Only staff can read it."),
                            Choice::new(ReportStatus::InReview.as_str(), ReportStatus::InReview.label()).hint("Ready for the team to check."),
                            Choice::new(ReportStatus::Published.as_str(), ReportStatus::Published.label()).hint("Its plain-language parts are on the public incident page."),
                        ]
                        value=text(draft, |d| d.status.clone()) on_change=move |v| edit(draft, |d| d.status = v) problems />
                    <TextField field="authors" label="Authors" optional_field=true hint="Names, separated by commas." class="input-wide"
                        value=text(draft, |d| d.authors.clone()) on_input=move |v| edit(draft, |d| d.authors = v) problems />
                    <Section field="summary" label="Summary" hint="What happened and what it meant for users, in two or three sentences. Everyone can read this once published."
                        public=true get=|d| d.summary.clone() set=|d, v| d.summary = v draft problems />
                    <Section field="impact" label="Impact" hint="Who could not do what, and for how long. Everyone can read this once published."
                        public=true get=|d| d.impact.clone() set=|d, v| d.impact = v draft problems />
                    <Section field="non_technical" label="What happened, in plain words" hint="For people who are not technical. Everyone can read this once published."
                        public=true get=|d| d.non_technical.clone() set=|d, v| d.non_technical = v draft problems />
                    <Section field="trigger" label="Trigger" hint="The change or event that set it off. Staff only."
                        public=false get=|d| d.trigger.clone() set=|d, v| d.trigger = v draft problems />
                    <Section field="detection" label="Detection" hint="How and when we found out. Staff only."
                        public=false get=|d| d.detection.clone() set=|d, v| d.detection = v draft problems />
                    <Section field="resolution" label="Resolution" hint="What fixed it. Everyone can read this once published."
                        public=true get=|d| d.resolution.clone() set=|d, v| d.resolution = v draft problems />
                    <TimelineEditor draft problems started />
                    <Lines field="root_causes" legend="Root causes" add="Add a root cause" item="Root cause"
                        get=|d| &d.root_causes get_mut=|d| &mut d.root_causes draft problems />
                    <Actions draft problems />
                    <Lines field="lessons" legend="Lessons learned" add="Add a lesson" item="Lesson"
                        get=|d| &d.lessons get_mut=|d| &mut d.lessons draft problems />
                    <TextField field="labels" label="Labels" optional_field=true hint="Words to find the report by, separated by commas, like “sign-in, dependencies”." class="input-wide"
                        value=text(draft, |d| d.labels.clone()) on_input=move |v| edit(draft, |d| d.labels = v) problems />
                    <Show when=move || can_edit.get()>
                        <ButtonRow>
                            <button type="submit" id="save-report" class="button" disabled=move || busy.get()>"Save a new revision"</button>
                            <A href=format!("/manage/incidents/{id}/revisions")>"See every revision"</A>
                        </ButtonRow>
                    </Show>
                </fieldset>
            </form>
        </Show>
        <p role="status" class="saved">{move || saved.get()}</p>
    }
}

fn text(draft: RwSignal<Option<ReportDraft>>, f: fn(&ReportDraft) -> String) -> Signal<String> {
    Signal::derive(move || draft.with(|d| d.as_ref().map(f).unwrap_or_default()))
}

/// One text section of the report, with plain-language hints where the public reads it.
#[component]
fn Section(
    field: &'static str,
    label: &'static str,
    hint: &'static str,
    /// Whether everyone reads it once published (then it gets plain-language hints).
    public: bool,
    get: fn(&ReportDraft) -> String,
    set: fn(&mut ReportDraft, String),
    draft: RwSignal<Option<ReportDraft>>,
    problems: Problems,
) -> impl IntoView {
    let hints_id = format!("{field}-hints");
    let value = text(draft, get);
    view! {
        <TextField field=field label=label hint=hint rows=4 value=value optional_field=field != "summary"
            on_input=move |v| edit(draft, |d| set(d, v)) problems
            described_by_also=if public { hints_id.clone() } else { String::new() } />
        {public.then(|| view! { <PlainHints id=hints_id.clone() text=value /> })}
    }
}

/// The timeline: each entry's day, time (exact, "14:xx", or a range), kind and text,
/// kept in time order, with the key times worked out as it changes.
#[component]
fn TimelineEditor(
    draft: RwSignal<Option<ReportDraft>>,
    problems: Problems,
    started: RwSignal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let moved = RwSignal::new(None::<String>);
    let keys = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .map(|d| d.timeline.iter().map(|e| e.key).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    // After an entry moves, focus goes back to where the person was.
    let resort = move |key: u32| {
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element())
            .map(|e| e.id())
            .unwrap_or_default();
        let focused = active
            .strip_prefix("f-timeline-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(i, field)| Some((i.parse::<usize>().ok()?, field.to_string())));
        let mut focus_key = None;
        let mut position = None;
        edit(draft, |d| {
            focus_key = focused
                .as_ref()
                .and_then(|(i, f)| d.timeline.get(*i).map(|e| (e.key, f.clone())));
            position = d.sort_timeline(key);
            if let Some((k, f)) = &focus_key
                && position.is_some()
                && let Some(j) = d.timeline.iter().position(|e| e.key == *k)
            {
                focus_key = Some((j as u32, f.clone()));
            } else {
                focus_key = None;
            }
        });
        if let Some(p) = position {
            moved.set(Some(format!(
                "The entry moved to position {} to keep the timeline in time order.",
                p + 1
            )));
            if let Some((j, f)) = focus_key {
                request_animation_frame(move || focus_id(&format!("f-timeline-{j}-{f}")));
            }
        }
    };
    view! {
        <fieldset class="field timeline-editor" aria-describedby="timeline-hint">
            <legend><h2 class="legend-heading">"Timeline"</h2></legend>
            <p class="field-hint" id="timeline-hint">"All times are UK time. Write 14:05, or 14:xx when only the hour is known, or a span like 10:30 to 15:13. Entries are kept in time order. Everyone can read the timeline once the report is published."</p>
            <ol class="timeline-entries">
                <For each=move || keys.get() key=|k| *k children=move |key| view! {
                    <Entry key draft problems on_moved=resort />
                } />
            </ol>
            <p role="status" class="moved">{move || moved.get()}</p>
            <button type="button" class="button-secondary" on:click=move |_| {
                let start = started.get_untracked().unwrap_or_else(super::form::now);
                edit(draft, |d| d.add_entry(start));
                let last = draft.with_untracked(|d| d.as_ref().map_or(0, |d| d.timeline.len().saturating_sub(1)));
                request_animation_frame(move || focus_id(&format!("f-timeline-{last}-time")));
            }>"Add a timeline entry"</button>
        </fieldset>
        <KeyTimes draft started />
    }
}

/// One timeline entry.
#[component]
fn Entry(
    key: u32,
    draft: RwSignal<Option<ReportDraft>>,
    problems: Problems,
    #[prop(into)] on_moved: Callback<u32>,
) -> impl IntoView {
    let index = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .and_then(|d| d.timeline.iter().position(|e| e.key == key))
                .unwrap_or(0)
        })
    });
    let entry = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .and_then(|d| d.timeline.iter().find(|e| e.key == key).cloned())
                .unwrap_or_default()
        })
    });
    let change = move |f: fn(&mut EntryDraft, String)| {
        move |v: String| {
            edit(draft, |d| {
                if let Some(e) = d.timeline.iter_mut().find(|e| e.key == key) {
                    f(e, v);
                }
            })
        }
    };
    let readback = move || match entry.with(EntryDraft::when) {
        Ok((when, approximate)) => {
            let start = match when {
                tis_core::TimelineWhen::At { at }
                | tis_core::TimelineWhen::Range { from: at, .. } => at,
            };
            format!(
                "Reads as: {} on {}, {}.",
                format_timeline_when(&when, approximate),
                uk_date(start),
                zone_label(start)
            )
        }
        Err(_) => String::new(),
    };
    move || {
        let i = index.get();
        let base = format!("timeline[{i}]");
        let time_field = format!("{base}.time");
        let time_id = field_id(&time_field);
        let day_id = field_id(&format!("{base}.day"));
        let approx_id = field_id(&format!("{base}.approximate"));
        let kind_id = field_id(&format!("{base}.kind"));
        let time_error = {
            let base = base.clone();
            Signal::derive(move || {
                let found: Vec<String> = ["time", "at", "from", "to"]
                    .iter()
                    .filter_map(|f| problems.at(&format!("{base}.{f}")))
                    .collect();
                (!found.is_empty()).then(|| found.join(" "))
            })
        };
        let describe = {
            let time_id = time_id.clone();
            move || {
                let mut ids = format!("{time_id}-hint {time_id}-readback");
                if time_error.get().is_some() {
                    ids.push_str(&format!(" {time_id}-error"));
                }
                ids
            }
        };
        view! {
            <li class="timeline-entry">
                <h3 class="entry-heading">{format!("Entry {}", i + 1)}</h3>
                <div class="entry-when">
                    <div class="field">
                        <label for=day_id.clone()>"Day"</label>
                        <input type="date" id=day_id class="input-date"
                            prop:value=move || entry.with(|e| e.day.clone())
                            on:input=move |ev| change(|e, v| e.day = v)(event_target_value(&ev))
                            on:change=move |_| on_moved.run(key) />
                    </div>
                    <div class="field" class:field-with-problem=move || time_error.get().is_some()>
                        <label for=time_id.clone()>"Time"</label>
                        <p class="field-hint" id=format!("{time_id}-hint")>"Like 14:05, 14:xx or 10:30 to 15:13"</p>
                        <FieldProblem id=time_id.clone() message=time_error />
                        <input type="text" id=time_id.clone() class="input-time" autocomplete="off"
                            aria-describedby=describe
                            aria-invalid=move || time_error.get().is_some().then_some("true")
                            prop:value=move || entry.with(|e| e.time.clone())
                            on:input=move |ev| change(|e, v| e.time = v)(event_target_value(&ev))
                            on:change=move |_| on_moved.run(key) />
                    </div>
                    <div class="choice entry-approximate">
                        <input type="checkbox" id=approx_id.clone()
                            prop:checked=move || entry.with(|e| e.approximate || e.time.to_ascii_lowercase().contains("xx"))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit(draft, |d| if let Some(e) = d.timeline.iter_mut().find(|e| e.key == key) { e.approximate = on; });
                            } />
                        <label for=approx_id>"Approximate: only the hour is known"</label>
                    </div>
                </div>
                <p class="readback" id=format!("{time_id}-readback")>{readback}</p>
                <div class="field">
                    <label for=kind_id.clone()>"What kind of moment"</label>
                    <select id=kind_id class="input-medium" on:change=move |ev| change(|e, v| e.kind = v)(event_target_value(&ev))>
                        {TimelineKind::ALL.iter().map(|kind| {
                            let value = kind.as_str();
                            view! { <option value=value selected=move || entry.with(|e| e.kind == value)>{kind.label()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <TextField field=format!("{base}.text") label="What happened" rows=2
                    value=Signal::derive(move || entry.with(|e| e.text.clone()))
                    on_input=change(|e, v| e.text = v) problems
                    described_by_also=format!("{time_id}-texthints") />
                <PlainHints id=format!("{time_id}-texthints") text=Signal::derive(move || entry.with(|e| e.text.clone())) />
                <button type="button" class="button-secondary button-small" on:click=move |_| {
                    edit(draft, |d| d.timeline.retain(|e| e.key != key));
                }>{format!("Remove entry {}", i + 1)}</button>
            </li>
        }
    }
}

/// The key times, worked out from the timeline as it is now.
#[component]
fn KeyTimes(
    draft: RwSignal<Option<ReportDraft>>,
    started: RwSignal<Option<DateTime<Utc>>>,
) -> impl IntoView {
    let times = Memo::new(move |_| {
        let timeline = draft.with(|d| {
            d.as_ref()
                .map(ReportDraft::readable_timeline)
                .unwrap_or_default()
        });
        key_times(&timeline, started.get())
    });
    let row = move |label: &'static str,
                    missing: &'static str,
                    f: fn(&tis_core::KeyTimes) -> Option<KeyTime>| {
        view! {
            <div class="key-time">
                <dt>{label}</dt>
                <dd>{move || times.with(|t| f(t).map(|k| k.describe()).unwrap_or_else(|| missing.to_string()))}</dd>
            </div>
        }
    };
    view! {
        <section class="key-times" aria-labelledby="key-times">
            <h2 id="key-times">"Key times"</h2>
            <p class="field-hint">"Worked out from the timeline as you type, from the earliest cause (or the incident's start if no entry is a cause). A time written with xx gives a range."</p>
            <dl>
                {row("Time to find the problem", "Not known: add an entry of the kind “Problem found”.", |t| t.to_detect)}
                {row("Time to tell users", "Not known: add an entry of the kind “Users told”.", |t| t.to_inform)}
                {row("Time to reduce the harm", "Not known: add an entry of the kind “Harm reduced”.", |t| t.to_mitigate)}
                {row("Time to fix it", "Not known: add an entry of the kind “Fixed”.", |t| t.to_resolve)}
            </dl>
        </section>
    }
}

/// A list of short texts: root causes, lessons.
#[component]
fn Lines(
    field: &'static str,
    legend: &'static str,
    add: &'static str,
    item: &'static str,
    get: fn(&ReportDraft) -> &Vec<LineDraft>,
    get_mut: fn(&mut ReportDraft) -> &mut Vec<LineDraft>,
    draft: RwSignal<Option<ReportDraft>>,
    problems: Problems,
) -> impl IntoView {
    let keys = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .map(|d| get(d).iter().map(|l| l.key).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    view! {
        <fieldset class="field list-editor">
            <legend><h2 class="legend-heading">{legend}</h2></legend>
            <For each=move || keys.get() key=|k| *k children=move |key| {
                let index = Memo::new(move |_| keys.with(|k| k.iter().position(|x| *x == key).unwrap_or(0)));
                move || {
                    let i = index.get();
                    view! {
                        <div class="list-row">
                            <TextField field=format!("{field}[{i}]") label=format!("{item} {}", i + 1) rows=2
                                value=Signal::derive(move || draft.with(|d| d.as_ref().and_then(|d| get(d).iter().find(|l| l.key == key)).map(|l| l.text.clone()).unwrap_or_default()))
                                on_input=move |v: String| edit(draft, |d| if let Some(l) = get_mut(d).iter_mut().find(|l| l.key == key) { l.text = v; })
                                problems />
                            <button type="button" class="button-secondary button-small" on:click=move |_| {
                                edit(draft, |d| get_mut(d).retain(|l| l.key != key));
                            }>{format!("Remove {} {}", item.to_lowercase(), i + 1)}</button>
                        </div>
                    }
                }
            } />
            <button type="button" class="button-secondary" on:click=move |_| {
                edit(draft, |d| { let key = d.key(); get_mut(d).push(LineDraft { key, text: String::new() }); });
                let last = draft.with_untracked(|d| d.as_ref().map_or(0, |d| get(d).len().saturating_sub(1)));
                request_animation_frame(move || focus_id(&field_id(&format!("{field}[{last}]"))));
            }>{add}</button>
        </fieldset>
    }
}

/// Action items: what will be done, by whom, by when, and how far it has got.
#[component]
fn Actions(draft: RwSignal<Option<ReportDraft>>, problems: Problems) -> impl IntoView {
    let keys = Memo::new(move |_| {
        draft.with(|d| {
            d.as_ref()
                .map(|d| d.actions.iter().map(|a| a.key).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    view! {
        <fieldset class="field list-editor">
            <legend><h2 class="legend-heading">"Action items"</h2></legend>
            <For each=move || keys.get() key=|k| *k children=move |key| {
                let index = Memo::new(move |_| keys.with(|k| k.iter().position(|x| *x == key).unwrap_or(0)));
                let action = Memo::new(move |_| draft.with(|d| d.as_ref().and_then(|d| d.actions.iter().find(|a| a.key == key).cloned()).unwrap_or_default()));
                let change = move |f: fn(&mut ActionDraft, String)| move |v: String| edit(draft, |d| if let Some(a) = d.actions.iter_mut().find(|a| a.key == key) { f(a, v); });
                move || {
                    let i = index.get();
                    let base = format!("action_items[{i}]");
                    let status_id = field_id(&format!("{base}.status"));
                    view! {
                        <div class="action-item">
                            <h3 class="entry-heading">{format!("Action {}", i + 1)}</h3>
                            <TextField field=format!("{base}.text") label="What will be done" rows=2
                                value=Signal::derive(move || action.with(|a| a.text.clone())) on_input=change(|a, v| a.text = v) problems />
                            <div class="field-pair">
                                <TextField field=format!("{base}.owner") label="Owner" hint="A person or a team."
                                    value=Signal::derive(move || action.with(|a| a.owner.clone())) on_input=change(|a, v| a.owner = v) problems />
                                <div class="field">
                                    <label for=status_id.clone()>"Progress"</label>
                                    <select id=status_id on:change=move |ev| change(|a, v| a.status = v)(event_target_value(&ev))>
                                        {ActionStatus::ALL.iter().map(|status| {
                                            let value = status.as_str();
                                            view! { <option value=value selected=move || action.with(|a| a.status == value)>{status.label()}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <TextField field=format!("{base}.due") label="Due" kind="date" optional_field=true class="input-date"
                                    value=Signal::derive(move || action.with(|a| a.due.clone())) on_input=change(|a, v| a.due = v) problems />
                            </div>
                            <button type="button" class="button-secondary button-small" on:click=move |_| {
                                edit(draft, |d| d.actions.retain(|a| a.key != key));
                            }>{format!("Remove action {}", i + 1)}</button>
                        </div>
                    }
                }
            } />
            <button type="button" class="button-secondary" on:click=move |_| {
                edit(draft, |d| { let key = d.key(); d.actions.push(ActionDraft { key, status: "open".into(), ..Default::default() }); });
                let last = draft.with_untracked(|d| d.as_ref().map_or(0, |d| d.actions.len().saturating_sub(1)));
                request_animation_frame(move || focus_id(&field_id(&format!("action_items[{last}].text"))));
            }>"Add an action"</button>
        </fieldset>
    }
}

/// Someone saved first: each part that differs, both versions side by side, and a choice.
#[component]
fn ConflictPanel(
    conflict: Conflict,
    draft: RwSignal<Option<ReportDraft>>,
    #[prop(into)] on_resolve: Callback<()>,
) -> impl IntoView {
    let theirs_name = match &conflict.by {
        Some((who, at)) => format!(
            "{who} saved revision {} at {}",
            conflict.revision,
            uk_date_time(*at)
        ),
        None => format!("Someone saved revision {}", conflict.revision),
    };
    let mine = Memo::new(move |_| draft.with(|d| d.as_ref().and_then(|d| d.report().ok())));
    let choices = conflict.use_theirs;
    let theirs = conflict.theirs.clone();
    let revision = conflict.revision;
    view! {
        <section class="conflict" aria-labelledby="conflict">
            <h2 id="conflict" tabindex="-1">"Someone else saved this report while you were editing it"</h2>
            <p>{theirs_name} ". Your changes have not been saved, and theirs have not been overwritten. For each part below, choose which version to keep, then save."</p>
            {conflict.differing.iter().map(|section| {
                let section: &'static str = section;
                let theirs_text = section_text(&theirs, section);
                let name = format!("conflict-{section}");
                view! {
                    <fieldset class="conflict-section">
                        <legend>{section_heading(section).to_string()}</legend>
                        <div class="versions">
                            <div class="version">
                                <h3>"Your version (not saved)"</h3>
                                <p class="version-text">{move || mine.with(|m| m.as_ref().map(|m| section_text(m, section)).unwrap_or_default())}</p>
                            </div>
                            <div class="version">
                                <h3>{format!("Revision {revision}")}</h3>
                                <p class="version-text">{theirs_text}</p>
                            </div>
                        </div>
                        <div class="choices choices-inline">
                            <div class="choice">
                                <input type="radio" id=format!("{name}-mine") name=name.clone()
                                    prop:checked=move || !choices.with(|c| c.contains(&section))
                                    on:change=move |_| choices.update(|c| c.retain(|s| *s != section)) />
                                <label for=format!("{name}-mine")>"Keep mine"</label>
                            </div>
                            <div class="choice">
                                <input type="radio" id=format!("{name}-theirs") name=name.clone()
                                    prop:checked=move || choices.with(|c| c.contains(&section))
                                    on:change=move |_| choices.update(|c| if !c.contains(&section) { c.push(section) }) />
                                <label for=format!("{name}-theirs")>{format!("Use revision {revision}")}</label>
                            </div>
                        </div>
                    </fieldset>
                }
            }).collect_view()}
            <ButtonRow>
                <button type="button" id="save-choices" class="button" on:click=move |_| on_resolve.run(())>"Save with these choices"</button>
            </ButtonRow>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_with_times_point_at_the_time_box() {
        assert_eq!(report_target("timeline[2].to"), "f-timeline-2-time");
        assert_eq!(report_target("timeline[0].at"), "f-timeline-0-time");
        assert_eq!(report_target("labels[1]"), "f-labels");
        assert_eq!(report_target("summary"), "f-summary");
    }
}
