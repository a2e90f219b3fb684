//! The parts of the report editor: the timeline and its entries, the key times worked
//! out from it, lists of lines, action items, and the panel shown when two saves meet.

use super::*;

/// The timeline: each entry's day, time (exact, "14:xx", or a range), kind and text,
/// kept in time order, with the key times worked out as it changes.
#[component]
pub(super) fn TimelineEditor(
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
                let start = started.get_untracked().unwrap_or_else(crate::staff::form::now);
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
pub(super) fn Entry(
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
pub(super) fn KeyTimes(
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
pub(super) fn Lines(
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
pub(super) fn Actions(draft: RwSignal<Option<ReportDraft>>, problems: Problems) -> impl IntoView {
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
pub(super) fn ConflictPanel(
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
