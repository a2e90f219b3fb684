//! Validation rules shared by the browser app and the server, so a form shows the same
//! problems the server would refuse. Every problem is reported at once, each against the
//! field to fix, in words that say how to fix it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::incident::{Incident, IncidentStatus, Report, ReportStatus, TimelineKind, TimelineWhen};
use crate::keytimes;
use crate::notice::Notice;
use crate::service::Service;
use crate::time::uk_date_time;

/// Most characters in a notice or incident title, after trimming.
pub const TITLE_MAX: usize = 120;
/// Most characters in a notice body, an incident update, or a report section.
pub const BODY_MAX: usize = 10_000;
/// Most characters in a service id.
pub const SERVICE_ID_MAX: usize = 40;
/// Most characters in a name: a service, its group, an action owner, a label.
pub const NAME_MAX: usize = 60;
/// Most characters in a service description.
pub const DESCRIPTION_MAX: usize = 200;
/// Most characters in a timeline entry, a root cause or a lesson.
pub const TIMELINE_TEXT_MAX: usize = 1_000;
/// Most characters in an action item.
pub const ACTION_TEXT_MAX: usize = 500;

/// The earliest time the API takes, anywhere: before TIS and before any record worth
/// keeping. Times are bounded so that working with them (a week before, an hour after)
/// can never overflow, whatever a client sends.
pub const EARLIEST_TIME: &str = "2000-01-01T00:00:00Z";
/// The latest time the API takes, anywhere (see [`EARLIEST_TIME`]).
pub const LATEST_TIME: &str = "2100-01-01T00:00:00Z";
/// What to do about a time outside the bounds, in words.
pub const TIME_RANGE_HINT: &str =
    "Give a time from 1 January 2000 up to (not including) 1 January 2100.";

/// The bounds every time the API takes must fall within: `EARLIEST_TIME` up to, not
/// including, `LATEST_TIME`.
pub fn time_bounds() -> (DateTime<Utc>, DateTime<Utc>) {
    // Both constants are RFC 3339 literals checked by a test; the fallbacks are never used.
    let read = |s: &str, fallback: DateTime<Utc>| s.parse().unwrap_or(fallback);
    (
        read(EARLIEST_TIME, DateTime::<Utc>::UNIX_EPOCH),
        read(LATEST_TIME, DateTime::<Utc>::UNIX_EPOCH),
    )
}

/// Whether the API takes `at`: see [`time_bounds`].
pub fn time_in_bounds(at: DateTime<Utc>) -> bool {
    let (earliest, latest) = time_bounds();
    earliest <= at && at < latest
}

/// A problem against `field` when `at` is outside [`time_bounds`].
pub fn check_time(field: impl Into<String>, at: DateTime<Utc>) -> Option<FieldError> {
    (!time_in_bounds(at)).then(|| FieldError::new(field, TIME_RANGE_HINT))
}

/// One problem, against the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Where the problem is, as a path people and forms can follow: `title`,
    /// `timeline[3].to`, `action_items[0].owner`.
    pub field: String,
    /// What to fix, in plain English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same problem seen from a larger thing: `title` under `service[2]` is
    /// `service[2].title`.
    pub fn under(self, parent: &str) -> Self {
        FieldError {
            field: format!("{parent}.{}", self.field),
            message: self.message,
        }
    }
}

/// Every problem found, or none.
pub type Validation = Result<(), Vec<FieldError>>;

/// Whether `id` is a service id: lower-case letters and digits in words joined by single
/// hyphens, like `bulk-upload`. Length is checked separately.
pub fn is_slug(id: &str) -> bool {
    id.split('-').all(|word| {
        !word.is_empty()
            && word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Checks a notice before it is saved. `known_services` are the ids of the services on
/// the page.
pub fn validate_notice(n: &Notice, known_services: &[&str]) -> Validation {
    let mut p = Problems::default();
    p.text(
        "title",
        &n.title,
        TITLE_MAX,
        "The title",
        "Give the notice a title.",
    );
    p.text(
        "body",
        &n.body,
        BODY_MAX,
        "The notice",
        "Write the notice: say what users need to know.",
    );
    let times_ok = p.times([
        ("starts_at".to_string(), Some(n.starts_at)),
        ("ends_at".to_string(), n.ends_at),
    ]);
    if let Some(ends_at) = n.ends_at
        && times_ok
        && ends_at <= n.starts_at
    {
        p.add("ends_at", "The end time must be after the start time.");
    }
    p.services(
        n.services
            .iter()
            .enumerate()
            .map(|(i, id)| (format!("services[{i}]"), id.as_str())),
        known_services,
    );
    p.finish()
}

/// Checks an incident, its updates and its report before it is saved.
pub fn validate_incident(i: &Incident, known_services: &[&str]) -> Validation {
    let mut p = Problems::default();
    p.text(
        "title",
        &i.title,
        TITLE_MAX,
        "The title",
        "Give the incident a title.",
    );
    let times_ok = p.times(
        [
            ("started_at".to_string(), Some(i.started_at)),
            ("detected_at".to_string(), i.detected_at),
            ("resolved_at".to_string(), i.resolved_at),
            ("next_update_at".to_string(), i.next_update_at),
        ]
        .into_iter()
        .chain(
            i.updates
                .iter()
                .enumerate()
                .map(|(k, u)| (format!("updates[{k}].at"), Some(u.at))),
        ),
    );
    if !times_ok {
        // Comparing times that cannot be shown or measured would only add noise.
        if let Some(report) = &i.report {
            p.extend_under("report", report_problems(report, None));
        }
        return p.finish();
    }
    if i.affected.is_empty() {
        p.add("affected", "Choose at least one affected service.");
    }
    p.services(
        i.affected
            .iter()
            .enumerate()
            .map(|(k, a)| (format!("affected[{k}].service"), a.service.as_str())),
        known_services,
    );
    if let Some(detected_at) = i.detected_at
        && detected_at < i.started_at
    {
        p.add(
            "detected_at",
            "The time the problem was found must not be before the time the incident started.",
        );
    }
    match (i.status == IncidentStatus::Resolved, i.resolved_at) {
        (true, None) => p.add("resolved_at", "Give the time the incident was resolved."),
        (false, Some(_)) => p.add(
            "resolved_at",
            "Remove the resolved time, or set the status to resolved: an incident that is still open has not been resolved.",
        ),
        _ => {}
    }
    if let Some(resolved_at) = i.resolved_at {
        if resolved_at < i.started_at {
            p.add(
                "resolved_at",
                "The resolved time must not be before the time the incident started.",
            );
        } else if i.detected_at.is_some_and(|d| resolved_at < d) {
            p.add(
                "resolved_at",
                "The resolved time must not be before the time the problem was found.",
            );
        }
    }
    for (k, update) in i.updates.iter().enumerate() {
        p.text(
            &format!("updates[{k}].body"),
            &update.body,
            BODY_MAX,
            "The update",
            "Write the update: say what is happening, in plain words.",
        );
        if update.at < i.started_at {
            p.add(
                format!("updates[{k}].at"),
                format!(
                    "This update is dated before the incident started, at {}. Check the time.",
                    uk_date_time(i.started_at)
                ),
            );
        }
    }
    if let (Some(next), Some(latest)) = (i.next_update_at, i.latest_update())
        && next < latest.at
    {
        p.add(
            "next_update_at",
            format!(
                "The next update must not be before the latest one, posted at {}.",
                uk_date_time(latest.at)
            ),
        );
    }
    if let Some(report) = &i.report {
        p.extend_under("report", report_problems(report, Some(i.started_at)));
    }
    p.finish()
}

/// Checks an incident report on its own. A timeline without a cause has nothing to be
/// measured from here; [`validate_incident`] measures it from the incident's start.
pub fn validate_report(r: &Report) -> Validation {
    report_problems(r, None).finish()
}

fn report_problems(r: &Report, started_at: Option<DateTime<Utc>>) -> Problems {
    let mut p = Problems::default();
    let summary_needed = match r.status {
        ReportStatus::Draft => None,
        ReportStatus::InReview => Some("Write a summary before the report goes for review."),
        ReportStatus::Published => Some("Write a summary before the report is published."),
    };
    match summary_needed {
        Some(missing) => p.text("summary", &r.summary, BODY_MAX, "The summary", missing),
        None => p.at_most("summary", &r.summary, BODY_MAX, "The summary"),
    }
    for (field, value, what) in [
        ("impact", &r.impact, "The impact"),
        (
            "non_technical",
            &r.non_technical,
            "The description for people who are not technical",
        ),
        ("trigger", &r.trigger, "The trigger"),
        ("detection", &r.detection, "The detection"),
        ("resolution", &r.resolution, "The resolution"),
    ] {
        p.at_most(field, value, BODY_MAX, what);
    }

    let mut times_ok = true;
    for (k, entry) in r.timeline.iter().enumerate() {
        p.text(
            &format!("timeline[{k}].text"),
            &entry.text,
            TIMELINE_TEXT_MAX,
            "The entry",
            "Say what happened at this time.",
        );
        let in_bounds = match entry.when {
            TimelineWhen::At { at } => p.times([(format!("timeline[{k}].at"), Some(at))]),
            TimelineWhen::Range { from, to } => p.times([
                (format!("timeline[{k}].from"), Some(from)),
                (format!("timeline[{k}].to"), Some(to)),
            ]),
        };
        times_ok &= in_bounds;
        if let TimelineWhen::Range { from, to } = entry.when
            && in_bounds
            && to < from
        {
            p.add(
                format!("timeline[{k}].to"),
                "The end time must not be before the start time.",
            );
        }
    }
    if times_ok {
        timeline_order(&mut p, r, started_at);
    }

    for (k, cause) in r.root_causes.iter().enumerate() {
        p.text(
            &format!("root_causes[{k}]"),
            cause,
            TIMELINE_TEXT_MAX,
            "The root cause",
            "Write the root cause, or remove it.",
        );
    }
    for (k, item) in r.action_items.iter().enumerate() {
        p.text(
            &format!("action_items[{k}].text"),
            &item.text,
            ACTION_TEXT_MAX,
            "The action",
            "Say what will be done.",
        );
        p.text(
            &format!("action_items[{k}].owner"),
            &item.owner,
            NAME_MAX,
            "The owner",
            "Say who will do this: a person or a team.",
        );
    }
    for (k, lesson) in r.lessons.iter().enumerate() {
        p.text(
            &format!("lessons[{k}]"),
            lesson,
            TIMELINE_TEXT_MAX,
            "The lesson",
            "Write the lesson, or remove it.",
        );
    }
    for (k, label) in r.labels.iter().enumerate() {
        p.text(
            &format!("labels[{k}]"),
            label,
            NAME_MAX,
            "The label",
            "Write the label, or remove it.",
        );
    }
    p
}

/// Reports entries marked as finding, telling, mitigating or resolving that certainly
/// happened before the incident started, since the key times cannot be right until
/// they are fixed.
fn timeline_order(p: &mut Problems, r: &Report, started_at: Option<DateTime<Utc>>) {
    let Some(start) = keytimes::start(&r.timeline, started_at) else {
        return;
    };
    let has_cause = r.timeline.iter().any(|e| e.kind == TimelineKind::Cause);
    let before = if has_cause {
        "the cause"
    } else {
        "the incident started"
    };
    for (k, entry) in r.timeline.iter().enumerate() {
        let says = match entry.kind {
            TimelineKind::Event | TimelineKind::Cause => continue,
            TimelineKind::Detected => "when the problem was found",
            TimelineKind::UsersInformed => "when users were told",
            TimelineKind::Mitigated => "when the harm was reduced",
            TimelineKind::Resolved => "when the problem was fixed",
        };
        if keytimes::span(entry).latest < start.earliest {
            let field = match entry.when {
                TimelineWhen::At { .. } => format!("timeline[{k}].at"),
                TimelineWhen::Range { .. } => format!("timeline[{k}].from"),
            };
            p.add(
                field,
                format!(
                    "This entry says {says}, but it is before {before}. Check the time, or what kind of entry it is."
                ),
            );
        }
    }
}

/// Checks a service as defined in the config file.
pub fn validate_service(s: &Service) -> Validation {
    let mut p = Problems::default();
    if s.id.is_empty() {
        p.add("id", "Give the service an id, like bulk-upload.");
    } else if s.id.chars().count() > SERVICE_ID_MAX {
        p.too_long("id", &s.id, SERVICE_ID_MAX, "The id");
    } else if !is_slug(&s.id) {
        p.add(
            "id",
            format!(
                "The id \"{}\" can only have lower-case letters and numbers, with single hyphens between words, like bulk-upload.",
                s.id
            ),
        );
    }
    p.text(
        "name",
        &s.name,
        NAME_MAX,
        "The name",
        "Give the service a name, like Bulk upload.",
    );
    p.text(
        "description",
        &s.description,
        DESCRIPTION_MAX,
        "The description",
        "Describe the service in one sentence: what users do with it.",
    );
    p.text(
        "group",
        &s.group,
        NAME_MAX,
        "The group",
        "Give the service a group, like For admins.",
    );
    let mut seen: Vec<&str> = Vec::new();
    for (k, dep) in s.depends_on.iter().enumerate() {
        let field = format!("depends_on[{k}]");
        if *dep == s.id {
            p.add(field, "A service cannot depend on itself.");
        } else if seen.contains(&dep.as_str()) {
            p.add(field, repeated(dep));
        }
        seen.push(dep);
    }
    p.finish()
}

/// Collects every problem, so people can fix them all in one go.
#[derive(Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    /// Checks that each time given is within [`time_bounds`]; true when all are.
    pub(crate) fn times(
        &mut self,
        times: impl IntoIterator<Item = (String, Option<DateTime<Utc>>)>,
    ) -> bool {
        let mut all_ok = true;
        for (field, at) in times {
            if let Some(problem) = at.and_then(|at| check_time(field, at)) {
                self.0.push(problem);
                all_ok = false;
            }
        }
        all_ok
    }

    /// How many problems have been found so far.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    fn extend_under(&mut self, parent: &str, inner: Problems) {
        self.0.extend(inner.0.into_iter().map(|e| e.under(parent)));
    }

    /// Text that must be given (something besides white space), and at most `max`
    /// characters.
    pub(crate) fn text(&mut self, field: &str, value: &str, max: usize, what: &str, missing: &str) {
        if value.trim().is_empty() {
            self.add(field, missing);
        } else {
            self.at_most(field, value, max, what);
        }
    }

    /// Counted as sent, spaces around it included, as the OpenAPI document's `maxLength`
    /// counts it.
    pub(crate) fn at_most(&mut self, field: &str, value: &str, max: usize, what: &str) {
        if value.chars().count() > max {
            self.too_long(field, value, max, what);
        }
    }

    pub(crate) fn too_long(&mut self, field: &str, value: &str, max: usize, what: &str) {
        self.add(
            field,
            format!(
                "{what} must be {} characters or less. It has {}.",
                thousands(max),
                thousands(value.chars().count())
            ),
        );
    }

    /// Service ids a notice or incident refers to: each must exist, and once only.
    fn services<'a>(&mut self, ids: impl Iterator<Item = (String, &'a str)>, known: &[&str]) {
        let mut seen: Vec<&str> = Vec::new();
        for (field, id) in ids {
            if !known.contains(&id) {
                self.add(field, unknown_service(id, known));
            } else if seen.contains(&id) {
                self.add(field, repeated(id));
            }
            seen.push(id);
        }
    }

    pub(crate) fn finish(self) -> Validation {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

pub(crate) fn repeated(id: &str) -> String {
    format!("\"{id}\" is listed more than once. Remove the repeat.")
}

fn unknown_service(id: &str, known: &[&str]) -> String {
    if known.is_empty() {
        return format!("There is no service called \"{id}\". No services are set up yet.");
    }
    let mut message = format!("There is no service called \"{id}\".");
    if let Some(close) = closest(id, known) {
        message.push_str(&format!(" Did you mean {close}?"));
    }
    message.push_str(&format!(" Use one of: {}.", known.join(", ")));
    message
}

/// The known id a typo most likely meant: within two edits, ignoring case.
fn closest<'a>(id: &str, known: &[&'a str]) -> Option<&'a str> {
    let id = id.to_lowercase();
    known
        .iter()
        .map(|k| (edits(&id, &k.to_lowercase()), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance: letters added, removed or changed to turn `a` into `b`.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// "10,000", as GOV.UK writes numbers of four digits and more.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
