//! Plain-language help while writing anything users will read: jargon from the team's
//! glossary and sentences too long to take in, each with a suggestion; and the page where
//! editors keep the glossary.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use tis_core::Role;
use tis_core::plain::{GlossaryTerm, HintKind, check, default_glossary};
use tis_core::staff::validate_glossary;
use tis_core::wire::Glossary;

use super::client::{self, drafts};
use super::form::{ButtonRow, ProblemSummary, Problems, TextField};
use super::session::Session;

/// The glossary the hints use: the team's, once loaded; the built-in one until then.
#[derive(Clone, Copy)]
pub struct Terms(pub RwSignal<Vec<GlossaryTerm>>);

impl Terms {
    pub fn get() -> Terms {
        if let Some(t) = use_context::<Terms>() {
            return t;
        }
        let t = Terms(RwSignal::new(default_glossary()));
        provide_context(t);
        // The team's glossary replaces the built-in one once it is in; saving it on the
        // glossary page sets it too.
        let loaded = LocalResource::new(client::glossary);
        Effect::new(move |_| {
            if let Some(Ok(g)) = loaded.get() {
                t.0.set(g.terms);
            }
        });
        t
    }
}

/// The hints for a text, listed under its field. Not a live region: it would interrupt
/// on every key press. The field points to it with `aria-describedby`.
#[component]
pub fn PlainHints(
    /// The id the field refers to.
    #[prop(into)]
    id: String,
    /// The text being written.
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    let terms = Terms::get();
    let hints = Memo::new(move |_| {
        let text = text.get();
        terms.0.with(|g| {
            check(&text, g)
                .into_iter()
                .map(|h| {
                    let jargon = matches!(h.kind, HintKind::Jargon { .. });
                    (jargon, h.message())
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <div id=id class="plain-hints">
            {move || {
                let list = hints.get();
                if list.is_empty() {
                    None
                } else {
                    Some(view! {
                        <p class="plain-hints-title">"Plain English"</p>
                        <ul>
                            {list.into_iter().map(|(jargon, message)| view! {
                                <li class=if jargon { "hint-jargon" } else { "hint-long" }>{message}</li>
                            }).collect_view()}
                        </ul>
                    })
                }
            }}
        </div>
    }
}

/// One glossary row being edited, with a key that stays put while rows come and go.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    key: u32,
    term: String,
    suggestion: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct GlossaryDraft {
    rows: Vec<Row>,
    next: u32,
}

impl GlossaryDraft {
    fn of(terms: &[GlossaryTerm]) -> Self {
        let rows: Vec<Row> = terms
            .iter()
            .zip(0u32..)
            .map(|(t, key)| Row {
                key,
                term: t.term.clone(),
                suggestion: t.suggestion.clone(),
            })
            .collect();
        GlossaryDraft {
            next: rows.len() as u32,
            rows,
        }
    }

    fn glossary(&self) -> Glossary {
        Glossary {
            terms: self
                .rows
                .iter()
                .map(|r| GlossaryTerm {
                    term: r.term.clone(),
                    suggestion: r.suggestion.clone(),
                })
                .collect(),
        }
    }
}

const DRAFT: &str = "glossary";

/// `/manage/glossary`: the words the hints flag. Editors change it; support can read it.
#[component]
pub fn GlossaryPage() -> impl IntoView {
    let session = Session::get();
    let terms = Terms::get();
    let can_edit = Signal::derive(move || session.can(Role::Editor));
    let draft = RwSignal::new(None::<GlossaryDraft>);
    // What the form started from: the glossary as the server has it.
    let pristine = StoredValue::new(None::<GlossaryDraft>);
    let restored = RwSignal::new(false);
    let problems = Problems::new();
    let saved = RwSignal::new(None::<String>);

    // The form starts from the team's glossary, or from the draft kept in this browser.
    let loaded = LocalResource::new(client::glossary);
    Effect::new(move |_| {
        let Some(loaded) = loaded.get() else {
            return;
        };
        let server = match loaded {
            Ok(g) => g.terms,
            Err(e) => {
                problems.general.set(Some(e.to_string()));
                terms.0.get_untracked()
            }
        };
        let start = GlossaryDraft::of(&server);
        let d = match drafts::load::<GlossaryDraft>(DRAFT) {
            Some(d) if d.glossary().terms != server => {
                restored.set(true);
                d
            }
            _ => start.clone(),
        };
        pristine.set_value(Some(start));
        draft.set(Some(d));
    });
    Effect::new(move |_| {
        if let Some(d) = draft.get() {
            pristine.with_value(|p| drafts::keep(DRAFT, &d, p.as_ref()));
        }
    });

    let edit = move |key: u32, f: fn(&mut Row, String)| {
        move |v: String| {
            draft.update(|d| {
                if let Some(r) = d
                    .as_mut()
                    .and_then(|d| d.rows.iter_mut().find(|r| r.key == key))
                {
                    f(r, v);
                }
            });
            saved.set(None);
        }
    };
    let save_glossary = Action::new_local(move |glossary: &Glossary| {
        let glossary = glossary.clone();
        async move {
            match client::save_glossary(&glossary).await {
                Ok(g) => {
                    drafts::clear(DRAFT);
                    terms.0.set(g.terms.clone());
                    draft.set(Some(GlossaryDraft::of(&g.terms)));
                    restored.set(false);
                    saved.set(Some(format!(
                        "Saved. The hints now use these {} terms.",
                        g.terms.len()
                    )));
                }
                Err(e) => problems.show(e, session, || {}),
            }
        }
    });
    let busy = save_glossary.pending();
    let save = move || {
        let Some(d) = draft.get_untracked() else {
            return;
        };
        problems.clear();
        saved.set(None);
        let glossary = d.glossary();
        if problems.checked(validate_glossary(&glossary)).is_none() {
            return;
        }
        save_glossary.dispatch(glossary);
    };

    view! {
        <Title text="Plain English glossary" />
        <h1>"Plain English glossary"</h1>
        <p>"While you write a notice, an incident update or a report, words from this list are flagged with what to say instead. Sentences of more than 25 words are flagged too."</p>
        {move || (!can_edit.get()).then(|| view! {
            <p class="role-note">"Only editors can change this list. You can read it."</p>
        })}
        {move || restored.get().then(|| view! {
            <p class="draft-note" role="status">"These are your unsaved changes from before. Save them, or "
                <button type="button" class="button-link" on:click=move |_| {
                    drafts::clear(DRAFT);
                    draft.set(Some(GlossaryDraft::of(&terms.0.get_untracked())));
                    restored.set(false);
                }>"go back to the saved list"</button>"."</p>
        })}
        <form novalidate on:submit=move |ev| { ev.prevent_default(); save(); }>
            <ProblemSummary problems />
            <fieldset disabled=move || !can_edit.get() class="glossary">
                <legend class="visually-hidden">"Terms"</legend>
                <For each=move || draft.with(|d| d.as_ref().map(|d| d.rows.clone()).unwrap_or_default())
                    key=|r| r.key
                    children=move |row| {
                        let key = row.key;
                        // A memo, so the fields are rebuilt only when the row moves, not on every key press.
                        let index = Memo::new(move |_| draft.with(|d| d.as_ref().and_then(|d| d.rows.iter().position(|r| r.key == key)).unwrap_or(0)));
                        let value = move |f: fn(&Row) -> String| Signal::derive(move || draft.with(|d| d.as_ref().and_then(|d| d.rows.iter().find(|r| r.key == key)).map(f).unwrap_or_default()));
                        view! {
                            <div class="glossary-row">
                                {move || {
                                    let i = index.get();
                                    view! {
                                        <TextField field=format!("terms[{i}].term") label=format!("Term {}", i + 1)
                                            value=value(|r| r.term.clone()) on_input=edit(key, |r, v| r.term = v) problems />
                                        <TextField field=format!("terms[{i}].suggestion") label="Say instead"
                                            value=value(|r| r.suggestion.clone()) on_input=edit(key, |r, v| r.suggestion = v) problems />
                                    }
                                }}
                                <button type="button" class="button-secondary button-small" on:click=move |_| {
                                    draft.update(|d| if let Some(d) = d.as_mut() { d.rows.retain(|r| r.key != key); });
                                }>"Remove" <span class="visually-hidden">{move || format!(" term {}", index.get() + 1)}</span></button>
                            </div>
                        }
                    } />
                <ButtonRow>
                    <button type="button" class="button-secondary" on:click=move |_| {
                        draft.update(|d| if let Some(d) = d.as_mut() {
                            d.rows.push(Row { key: d.next, term: String::new(), suggestion: String::new() });
                            d.next += 1;
                        });
                    }>"Add a term"</button>
                    <button type="submit" class="button" disabled=move || busy.get()>"Save the glossary"</button>
                </ButtonRow>
            </fieldset>
        </form>
        <p role="status" class="saved">{move || saved.get()}</p>
    }
}
