//! The parts every staff form is made of: fields that show their problem next to them,
//! the summary of problems at the top, and UK times typed into and read out of inputs.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc};
use leptos::prelude::*;
use tis_core::FieldError;
use tis_core::time::{to_uk, uk_date_time, uk_local_to_utc};

use super::client::ApiError;
use super::session::Session;

pub use crate::now;

/// The problems of one form, each against a field path like `title` or
/// `timeline[2].to`, as the core rules and the server name them.
#[derive(Clone, Copy)]
pub struct Problems {
    list: RwSignal<Vec<FieldError>>,
    /// A problem that belongs to no one field (a network failure, a refusal).
    pub general: RwSignal<Option<String>>,
    /// The id of the summary of these problems, unique on the page.
    summary: &'static str,
}

impl Default for Problems {
    fn default() -> Self {
        Self::new()
    }
}

impl Problems {
    pub fn new() -> Self {
        Self::with_summary("problem-summary")
    }

    /// For a second form on a page, whose summary needs its own id.
    pub fn with_summary(summary: &'static str) -> Self {
        Problems {
            list: RwSignal::new(Vec::new()),
            general: RwSignal::new(None),
            summary,
        }
    }

    /// Moves keyboard focus to the summary once it is on screen, so a screen reader reads
    /// it and the keyboard starts from it.
    pub fn focus(&self) {
        let id = self.summary;
        request_animation_frame(move || focus_id(id));
    }

    /// What was checked, or `None` with its problems shown and focused.
    pub fn checked<T>(&self, found: Result<T, Vec<FieldError>>) -> Option<T> {
        match found {
            Ok(value) => Some(value),
            Err(list) => {
                self.set(list);
                self.focus();
                None
            }
        }
    }

    pub fn set(&self, list: Vec<FieldError>) {
        self.list.set(list);
    }

    pub fn clear(&self) {
        self.list.set(Vec::new());
        self.general.set(None);
    }

    pub fn any(&self) -> bool {
        self.list.with(|l| !l.is_empty()) || self.general.with(Option::is_some)
    }

    pub fn all(&self) -> Vec<FieldError> {
        self.list.get()
    }

    /// The problems with exactly this field, joined.
    pub fn at(&self, field: &str) -> Option<String> {
        self.list.with(|l| {
            let found: Vec<&str> = l
                .iter()
                .filter(|e| e.field == field)
                .map(|e| e.message.as_str())
                .collect();
            (!found.is_empty()).then(|| found.join(" "))
        })
    }

    /// The problems with this field or anything inside it (`services` takes in
    /// `services[2]`), joined.
    pub fn within(&self, field: &str) -> Option<String> {
        self.list.with(|l| {
            let found: Vec<&str> = l
                .iter()
                .filter(|e| {
                    e.field == field
                        || e.field
                            .strip_prefix(field)
                            .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
                })
                .map(|e| e.message.as_str())
                .collect();
            (!found.is_empty()).then(|| found.join(" "))
        })
    }

    /// Shows a failed request: field problems by their fields, the rest at the top. An
    /// ended sign-in opens the sign-in panel, which runs `retry` once signed in again.
    pub fn show(&self, error: ApiError, session: Session, retry: impl Fn() + 'static) {
        match error {
            ApiError::Invalid { detail, errors } if errors.is_empty() => {
                self.general.set(Some(detail));
            }
            ApiError::Invalid { errors, .. } => {
                self.general.set(None);
                self.list.set(errors);
            }
            ApiError::SignedOut => {
                self.general.set(Some(ApiError::SignedOut.after_write()));
                session.expire(retry);
            }
            other => self.general.set(Some(other.after_write())),
        }
        self.focus();
    }

    /// Takes the problems the server found under `prefix` (`report.` for a report save)
    /// as this form's own fields.
    pub fn strip(list: Vec<FieldError>, prefix: &str) -> Vec<FieldError> {
        list.into_iter()
            .map(|mut e| {
                if let Some(rest) = e.field.strip_prefix(prefix) {
                    e.field = rest.to_string();
                }
                e
            })
            .collect()
    }
}

/// The id of the input for a field path: `timeline[2].to` is `f-timeline-2-to`.
pub fn field_id(field: &str) -> String {
    let mut id = String::from("f-");
    let mut dash = false;
    for c in field.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            if dash && !id.ends_with('-') {
                id.push('-');
            }
            id.push(c);
            dash = false;
        } else {
            dash = true;
        }
    }
    id
}

/// Focuses the element with this id, if there is one.
pub fn focus_id(id: &str) {
    use web_sys::wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Presses the button with this id, if it is on the page: after signing in again, the
/// action that found the sign-in had ended is done for the person.
pub fn click_id(id: &str) {
    use web_sys::wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        el.click();
    }
}

/// "There is a problem": every problem of the form, each a link to its field.
#[component]
pub fn ProblemSummary(
    /// The form's problems.
    problems: Problems,
    /// Finds the field to focus for a problem, when its path is not an input's id (a
    /// problem with a list goes to its first control).
    #[prop(optional)]
    target: Option<fn(&str) -> String>,
) -> impl IntoView {
    let target = target.unwrap_or(|f: &str| field_id(f));
    let id = problems.summary;
    let title_id = format!("{id}-title");
    view! {
        <Show when=move || problems.any()>
            <div class="problem-summary" id=id role="alert" tabindex="-1" aria-labelledby=title_id.clone()>
                <h2 id=title_id.clone()>"There is a problem"</h2>
                {move || problems.general.get().map(|g| view! { <p>{g}</p> })}
                <ul>
                    {move || problems.all().into_iter().map(|e| {
                        let id = target(&e.field);
                        let href = format!("#{id}");
                        view! {
                            <li>
                                <a href=href on:click=move |ev| {
                                    ev.prevent_default();
                                    focus_id(&id);
                                }>{e.message}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// The hint and the problem of a field, for its `aria-describedby`.
fn described_by(id: &str, hint: bool, error: bool, extra: Option<&str>) -> Option<String> {
    let mut parts = Vec::new();
    if hint {
        parts.push(format!("{id}-hint"));
    }
    if error {
        parts.push(format!("{id}-error"));
    }
    if let Some(extra) = extra.filter(|e| !e.is_empty()) {
        parts.push(extra.to_string());
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `value` when nothing is wrong with it, else the problems found.
pub fn problems_or<T>(value: T, problems: Vec<FieldError>) -> Result<T, Vec<FieldError>> {
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems)
    }
}

/// What every field works out first: its id, its problem (when it has one) and the ids
/// of what describes it (its hint, its problem and `extra`), for `aria-describedby`.
fn wire_field(
    field: &str,
    problems: Problems,
    has_hint: bool,
    extra: Option<String>,
) -> (String, Signal<Option<String>>, Signal<Option<String>>) {
    let id = field_id(field);
    let field = field.to_string();
    let error = Signal::derive(move || problems.at(&field));
    let describe = {
        let id = id.clone();
        Signal::derive(move || described_by(&id, has_hint, error.get().is_some(), extra.as_deref()))
    };
    (id, error, describe)
}

/// A problem under a label, in words, with "Error:" for screen readers.
#[component]
pub fn FieldProblem(
    /// The input's id.
    #[prop(into)]
    id: String,
    /// The problem, when there is one.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        message.get().map(|m| {
            view! {
                <p class="field-problem" id=format!("{id}-error")>
                    <span class="visually-hidden">"Error: "</span>{m}
                </p>
            }
        })
    }
}

/// A labelled text input or text area, with a hint and its problem next to it.
#[component]
pub fn TextField(
    /// The field path, which problems are reported against.
    #[prop(into)]
    field: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    /// The text as typed.
    #[prop(into)]
    value: Signal<String>,
    /// Called with the text on every key press.
    #[prop(into)]
    on_input: Callback<String>,
    problems: Problems,
    /// A text area of this many rows, rather than one line.
    #[prop(optional)]
    rows: Option<u32>,
    /// The input type, `text` unless given.
    #[prop(optional, into)]
    kind: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    /// More ids the input is described by, e.g. its plain-language hints.
    #[prop(optional, into)]
    described_by_also: Option<String>,
    /// Whether the field must be filled in (said in the label for everyone).
    #[prop(optional)]
    optional_field: bool,
    /// Extra classes for the input, e.g. a width.
    #[prop(optional, into)]
    class: Option<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let (id, error, describe) = wire_field(&field, problems, hint.is_some(), described_by_also);
    let input_class = move || {
        let mut c = class.clone().unwrap_or_default();
        if error.get().is_some() {
            c.push_str(" input-problem");
        }
        c
    };
    let control = match rows {
        Some(rows) => view! {
            <textarea
                id=id.clone()
                name=field.clone()
                rows=rows
                class=input_class
                aria-describedby=describe
                aria-invalid=move || error.get().is_some().then_some("true")
                prop:value=move || value.get()
                disabled=move || disabled.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        None => view! {
            <input
                id=id.clone()
                name=field.clone()
                type=kind.unwrap_or_else(|| "text".into())
                class=input_class
                autocomplete=autocomplete
                aria-describedby=describe
                aria-invalid=move || error.get().is_some().then_some("true")
                prop:value=move || value.get()
                disabled=move || disabled.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" class:field-with-problem=move || error.get().is_some()>
            <label for=id.clone()>{label}{optional_field.then_some(" (optional)")}</label>
            {hint.map(|h| view! { <p class="field-hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldProblem id=id.clone() message=error />
            {control}
        </div>
    }
}

/// One choice of a group of radio buttons: the value sent, the words shown, and a hint.
#[derive(Clone)]
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub hint: Option<String>,
}

impl Choice {
    pub fn new(value: &'static str, label: impl Into<String>) -> Self {
        Choice {
            value,
            label: label.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A question answered by choosing one of a few options.
#[component]
pub fn Radios(
    #[prop(into)] field: String,
    #[prop(into)] legend: String,
    #[prop(optional, into)] hint: Option<String>,
    choices: Vec<Choice>,
    /// The value chosen, if any.
    #[prop(into)]
    value: Signal<String>,
    #[prop(into)] on_change: Callback<String>,
    problems: Problems,
    /// Lays the choices out in a row, for short labels.
    #[prop(optional)]
    inline: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let (id, error, describe) = wire_field(&field, problems, hint.is_some(), None);
    let name = field.clone();
    view! {
        <fieldset class="field" class:field-with-problem=move || error.get().is_some()
            aria-describedby=describe disabled=move || disabled.get()>
            <legend>{legend}</legend>
            {hint.map(|h| view! { <p class="field-hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldProblem id=id.clone() message=error />
            <div class="choices" class:choices-inline=inline>
                {choices.into_iter().enumerate().map(|(k, c)| {
                    // The first choice carries the field's id, so a problem links to it.
                    let input_id = if k == 0 { id.clone() } else { format!("{id}-{}", c.value) };
                    let hint_id = format!("{input_id}-choice-hint");
                    let v = c.value;
                    view! {
                        <div class="choice">
                            <input type="radio" id=input_id.clone() name=name.clone() value=v
                                aria-describedby=c.hint.is_some().then(|| hint_id.clone())
                                prop:checked=move || value.get() == v
                                on:change=move |_| on_change.run(v.to_string()) />
                            <label for=input_id>{c.label}</label>
                            {c.hint.map(|h| view! { <p class="choice-hint" id=hint_id>{h}</p> })}
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// A `datetime-local` value ("2026-11-24T10:47") for an instant, in UK time. Written
/// by hand: chrono's `format` and `parse_from_str` would add their whole machinery to the
/// Wasm.
pub fn uk_input_value(at: DateTime<Utc>) -> String {
    let t = to_uk(at);
    format!(
        "{}T{:02}:{:02}",
        day_text(t.date_naive()),
        t.hour(),
        t.minute()
    )
}

/// A `date` input value ("2026-11-24") for a day.
pub fn day_text(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Reads a `date` input value ("2026-11-24").
pub fn read_day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Reads a `datetime-local` value ("2026-11-24T10:47", seconds optional) as UK time.
/// Empty is `Ok(None)`.
pub fn read_uk_input(text: &str) -> Result<Option<DateTime<Utc>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let unreadable = || {
        "Enter a date and a time, like 24 November 2026 at 10:47am, or leave it empty.".to_string()
    };
    let (day, time) = text.split_once('T').ok_or_else(unreadable)?;
    let day = read_day(day).ok_or_else(unreadable)?;
    let mut hm = time.split(':');
    let hour = hm
        .next()
        .and_then(|h| h.parse().ok())
        .ok_or_else(unreadable)?;
    let minute = hm
        .next()
        .and_then(|m| m.parse().ok())
        .ok_or_else(unreadable)?;
    let time = NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(unreadable)?;
    uk_local_to_utc(day, time)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A UK date and time input, read back in words as it is typed so nobody has to wonder
/// which time zone it is in.
#[component]
pub fn UkTimeField(
    #[prop(into)] field: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    /// The input's text, as `datetime-local` gives it.
    #[prop(into)]
    value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    problems: Problems,
    /// What an empty field means, read back when it is empty: "Now, when you publish".
    #[prop(into)]
    empty_means: String,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> impl IntoView {
    let readback_id = format!("{}-readback", field_id(&field));
    let (id, error, describe) =
        wire_field(&field, problems, hint.is_some(), Some(readback_id.clone()));
    let readback = move || match read_uk_input(&value.get()) {
        Ok(None) => empty_means.clone(),
        Ok(Some(at)) => uk_date_time(at),
        Err(e) => e,
    };
    view! {
        <div class="field" class:field-with-problem=move || error.get().is_some()>
            <label for=id.clone()>{label}" (UK time)"</label>
            {hint.map(|h| view! { <p class="field-hint" id=format!("{id}-hint")>{h}</p> })}
            <FieldProblem id=id.clone() message=error />
            <input type="datetime-local" id=id.clone() name=field.clone() class="input-time"
                aria-describedby=describe
                aria-invalid=move || error.get().is_some().then_some("true")
                prop:value=move || value.get()
                disabled=move || disabled.get()
                on:input=move |ev| on_input.run(event_target_value(&ev))
                on:change=move |ev| on_input.run(event_target_value(&ev)) />
            <p class="readback" id=readback_id>{readback}</p>
        </div>
    }
}

/// A form's buttons sit together; the first is the main action.
#[component]
pub fn ButtonRow(children: Children) -> impl IntoView {
    view! { <div class="button-row">{children()}</div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_ids_follow_field_paths() {
        assert_eq!(field_id("title"), "f-title");
        assert_eq!(field_id("timeline[2].to"), "f-timeline-2-to");
        assert_eq!(field_id("action_items[0].owner"), "f-action_items-0-owner");
    }

    #[test]
    fn typed_times_are_uk_times() {
        let winter = read_uk_input("2026-11-24T10:47").unwrap().unwrap();
        assert_eq!(winter.to_rfc3339(), "2026-11-24T10:47:00+00:00");
        let summer = read_uk_input("2026-07-01T10:47").unwrap().unwrap();
        assert_eq!(summer.to_rfc3339(), "2026-07-01T09:47:00+00:00");
        assert_eq!(uk_input_value(summer), "2026-07-01T10:47");
        assert_eq!(read_uk_input("  "), Ok(None));
        assert!(
            read_uk_input("2026-03-29T01:30")
                .unwrap_err()
                .contains("clocks went forward")
        );
        assert!(read_uk_input("tomorrow").is_err());
    }
}
