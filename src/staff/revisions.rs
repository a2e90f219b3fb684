//! `/manage/incidents/:id/revisions`: every save of a report, and what changed between
//! any two, inline or side by side.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use tis_core::staff::section_heading;
use tis_core::time::uk_date_time;
use tis_core::wire::RevisionInfo;
use tis_core::wire::{DiffLine, LineChange, ReportDiff};

use super::client;
use super::form::{ButtonRow, Choice, Problems, Radios};
use super::{LoadProblem, NoSuchRecord, id_param};

/// Rows of a side-by-side view: what was on the left (before) and on the right (after).
/// A run of removed lines is paired with the run of added lines that follows it.
pub fn side_by_side(lines: &[DiffLine]) -> Vec<(Option<DiffLine>, Option<DiffLine>)> {
    let mut rows = Vec::new();
    let mut removed: Vec<DiffLine> = Vec::new();
    let mut added: Vec<DiffLine> = Vec::new();
    let flush = |rows: &mut Vec<_>, removed: &mut Vec<DiffLine>, added: &mut Vec<DiffLine>| {
        let n = removed.len().max(added.len());
        let mut r = removed.drain(..);
        let mut a = added.drain(..);
        for _ in 0..n {
            rows.push((r.next(), a.next()));
        }
    };
    for line in lines {
        match line.change {
            LineChange::Removed => {
                if !added.is_empty() {
                    flush(&mut rows, &mut removed, &mut added);
                }
                removed.push(line.clone());
            }
            LineChange::Added => added.push(line.clone()),
            LineChange::Same => {
                flush(&mut rows, &mut removed, &mut added);
                rows.push((Some(line.clone()), Some(line.clone())));
            }
        }
    }
    flush(&mut rows, &mut removed, &mut added);
    rows
}

fn mark(change: LineChange) -> (&'static str, &'static str, &'static str) {
    match change {
        LineChange::Added => ("line-added", "+", "Added: "),
        LineChange::Removed => ("line-removed", "−", "Removed: "),
        LineChange::Same => ("line-same", " ", ""),
    }
}

/// The revisions page.
#[component]
pub fn Revisions() -> impl IntoView {
    match id_param() {
        Ok(id) => view! { <RevisionsOf id /> }.into_any(),
        Err(raw) => view! {
            <NoSuchRecord raw what="an incident" list="/manage/incidents" list_name="incidents" />
        }
        .into_any(),
    }
}

/// The revisions of incident `id`'s report.
#[component]
fn RevisionsOf(id: i64) -> impl IntoView {
    let list = RwSignal::new(None::<Vec<RevisionInfo>>);
    let load_problem = RwSignal::new(None::<String>);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let layout = RwSignal::new("side".to_string());
    let diff = RwSignal::new(None::<ReportDiff>);
    let problems = Problems::new();
    let title = RwSignal::new(String::new());

    let compare_action = Action::new_local(move |&(a, b): &(u32, u32)| async move {
        match client::diff(id, a, b).await {
            Ok(d) => {
                problems.clear();
                diff.set(Some(d));
            }
            Err(e) => problems.general.set(Some(e.to_string())),
        }
    });
    let compare = move || {
        let (Ok(a), Ok(b)) = (
            from.get_untracked().parse::<u32>(),
            to.get_untracked().parse::<u32>(),
        ) else {
            return;
        };
        compare_action.dispatch((a, b));
    };
    let loaded = LocalResource::new(move || async move {
        let title = client::incident(id).await.ok().map(|v| v.incident.title);
        (title, client::revisions(id).await)
    });
    // The list seeds the two choices, which the person then changes.
    Effect::new(move |_| {
        let Some((incident_title, revisions)) = loaded.get() else {
            return;
        };
        if let Some(t) = incident_title {
            title.set(t);
        }
        match revisions {
            Ok(l) => {
                // Newest first: compare the one before the latest with the latest.
                if let Some(latest) = l.first() {
                    to.set(latest.number.to_string());
                    from.set(l.get(1).unwrap_or(latest).number.to_string());
                }
                let two = l.len() >= 2;
                list.set(Some(l));
                if two {
                    compare();
                }
            }
            Err(e) => load_problem.set(Some(e.to_string())),
        }
    });

    let options = move |selected: RwSignal<String>| {
        move || {
            list.get()
                .unwrap_or_default()
                .into_iter()
                .map(|r| {
                    let n = r.number.to_string();
                    let label = format!("Revision {} by {}", r.number, r.author);
                    let value = n.clone();
                    view! { <option value=value selected=move || selected.get() == n>{label}</option> }
                })
                .collect_view()
        }
    };

    view! {
        <Title text="Report revisions" />
        <p class="back"><A href=format!("/manage/incidents/{id}/report")>"The report"</A></p>
        <h1>"Report revisions" <span class="subtitle">{move || title.get()}</span></h1>
        <LoadProblem problem=load_problem />
        {move || list.get().map(|l| if l.is_empty() {
            view! { <p class="empty">"The report has not been saved yet, so it has no revisions."</p> }.into_any()
        } else {
            view! {
                <table class="revisions">
                    <caption class="visually-hidden">"Every save of the report, newest first"</caption>
                    <thead><tr><th scope="col">"Revision"</th><th scope="col">"Saved by"</th><th scope="col">"When"</th><th scope="col">"Status"</th></tr></thead>
                    <tbody>
                        {l.into_iter().map(|r| view! {
                            <tr>
                                <td>{r.number} {r.current.then_some(" (current)")}</td>
                                <td>{r.author.clone()}</td>
                                <td>{uk_date_time(r.at)}</td>
                                <td>{r.status.label()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
        <Show when=move || list.with(|l| l.as_ref().is_some_and(|l| !l.is_empty()))>
            <form class="compare-form" novalidate on:submit=move |ev| { ev.prevent_default(); compare(); }>
                <h2>"Compare two revisions"</h2>
                <div class="field-pair">
                    <div class="field">
                        <label for="f-from">"From"</label>
                        <select id="f-from" on:change=move |ev| from.set(event_target_value(&ev))>{options(from)}</select>
                    </div>
                    <div class="field">
                        <label for="f-to">"To"</label>
                        <select id="f-to" on:change=move |ev| to.set(event_target_value(&ev))>{options(to)}</select>
                    </div>
                </div>
                <Radios field="layout" legend="Show the changes" inline=true
                    choices=vec![Choice::new("side", "Side by side"), Choice::new("inline", "One after the other")]
                    value=layout on_change=move |v| layout.set(v) problems />
                <ButtonRow>
                    <button type="submit" id="compare" class="button">"Compare"</button>
                </ButtonRow>
                {move || problems.general.get().map(|p| view! { <p class="load-problem" role="alert">{p}</p> })}
            </form>
        </Show>
        {move || diff.get().map(|d| view! { <DiffView diff=d side=layout.get() == "side" /> })}
    }
}

/// What changed between two revisions, section by section.
#[component]
fn DiffView(diff: ReportDiff, side: bool) -> impl IntoView {
    let (a, b) = (diff.from, diff.to);
    view! {
        <section class="diff" aria-labelledby="diff-heading">
            <h2 id="diff-heading">{format!("Changes from revision {a} to revision {b}")}</h2>
            {diff.sections.is_empty().then(|| view! { <p>"These two revisions are the same."</p> })}
            {diff.sections.into_iter().map(|s| {
                let heading = section_heading(&s.section).to_string();
                let body = if side {
                    view! {
                        <table class="diff-side">
                            <caption class="visually-hidden">{format!("{heading}: revision {a} and revision {b} side by side")}</caption>
                            <thead><tr><th scope="col">{format!("Revision {a}")}</th><th scope="col">{format!("Revision {b}")}</th></tr></thead>
                            <tbody>
                                {side_by_side(&s.lines).into_iter().map(|(left, right)| {
                                    let cell = |line: Option<DiffLine>| match line {
                                        Some(l) => {
                                            let (class, sign, words) = mark(l.change);
                                            view! { <td class=class><span class="sign" aria-hidden="true">{sign}</span><span class="visually-hidden">{words}</span>{l.text}</td> }.into_any()
                                        }
                                        None => view! { <td class="line-none"></td> }.into_any(),
                                    };
                                    view! { <tr>{cell(left)}{cell(right)}</tr> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                } else {
                    view! {
                        <ul class="diff-inline">
                            {s.lines.into_iter().map(|l| {
                                let (class, sign, words) = mark(l.change);
                                view! { <li class=class><span class="sign" aria-hidden="true">{sign}</span><span class="visually-hidden">{words}</span>{l.text}</li> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                };
                view! {
                    <div class="diff-section">
                        <h3>{heading}</h3>
                        {body}
                    </div>
                }
            }).collect_view()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(change: LineChange, text: &str) -> DiffLine {
        DiffLine {
            change,
            text: text.into(),
        }
    }

    #[test]
    fn removed_and_added_runs_sit_side_by_side() {
        let lines = [
            line(LineChange::Same, "a"),
            line(LineChange::Removed, "b"),
            line(LineChange::Removed, "c"),
            line(LineChange::Added, "B"),
            line(LineChange::Same, "d"),
            line(LineChange::Added, "e"),
        ];
        let rows: Vec<(Option<String>, Option<String>)> = side_by_side(&lines)
            .into_iter()
            .map(|(l, r)| (l.map(|x| x.text), r.map(|x| x.text)))
            .collect();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            rows,
            [
                (s("a"), s("a")),
                (s("b"), s("B")),
                (s("c"), None),
                (s("d"), s("d")),
                (None, s("e")),
            ]
        );
    }
}
