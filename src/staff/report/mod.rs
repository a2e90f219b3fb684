//! The incident report editor: every section of a report, a timeline kept in time order
//! with its key times worked out as it is typed, action items, and the way from draft to
//! published. Every save is a new revision; a save that would overwrite someone else's
//! is stopped and both versions are shown side by side.

mod parts;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::incident::{ActionStatus, TimelineKind};
use tis_core::keytimes::{KeyTime, key_times};
use tis_core::staff::{SECTIONS, section_heading, section_text};
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

use parts::*;

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
        let Some(report) = problems.checked(d.report()) else {
            return;
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
        let Some(mine) = problems.checked(d.report()) else {
            return;
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
