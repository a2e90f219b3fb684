//! An incident report as it is being written: every field as typed, turned into a
//! [`Report`] by the same rules as the server's, and back. Kept apart from the page so it
//! can be tested without a browser.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};
use tis_core::incident::{ActionItem, ActionStatus, TimelineEntry, TimelineKind, TimelineWhen};
use tis_core::keytimes::began;
use tis_core::time::{parse_timeline_time, to_uk, uk_date, uk_local_to_utc, zone_label};
use tis_core::validate::validate_report;
use tis_core::{FieldError, Report, ReportStatus};

use super::form::{day_text, problems_or, read_day};

/// One timeline entry as typed: the UK day, and the time as people write it ("14:05",
/// "14:xx", "10:30 to 15:13").
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EntryDraft {
    pub key: u32,
    pub day: String,
    pub time: String,
    pub approximate: bool,
    pub kind: String,
    pub text: String,
}

impl EntryDraft {
    /// The entry's time as read, or why it cannot be read.
    pub fn when(&self) -> Result<(TimelineWhen, bool), String> {
        let day = read_day(&self.day).ok_or("Give the day, like 13 October 2026.")?;
        let (when, approximate) =
            parse_timeline_time(day, &self.time).map_err(|e| e.to_string())?;
        Ok((when, approximate || self.approximate))
    }

    pub fn entry(&self) -> Option<TimelineEntry> {
        let (when, approximate) = self.when().ok()?;
        Some(TimelineEntry {
            when,
            approximate,
            text: self.text.trim().to_string(),
            kind: TimelineKind::parse(&self.kind).unwrap_or(TimelineKind::Event),
        })
    }

    /// When the entry began, for keeping the timeline in order.
    fn starts(&self) -> Option<DateTime<Utc>> {
        self.entry().map(|e| began(&e).earliest)
    }
}

/// An action item as typed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ActionDraft {
    pub key: u32,
    pub text: String,
    pub owner: String,
    pub status: String,
    /// A `date` input value; empty when there is no due date.
    pub due: String,
}

/// A line of a list section (root causes, lessons).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineDraft {
    pub key: u32,
    pub text: String,
}

/// The whole report as typed, with the revision it started from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportDraft {
    pub base_revision: u32,
    pub status: String,
    pub authors: String,
    pub summary: String,
    pub impact: String,
    pub non_technical: String,
    pub trigger: String,
    pub detection: String,
    pub resolution: String,
    pub timeline: Vec<EntryDraft>,
    pub root_causes: Vec<LineDraft>,
    pub actions: Vec<ActionDraft>,
    pub lessons: Vec<LineDraft>,
    pub labels: String,
    pub next_key: u32,
}

/// A timeline time as a person would type it, so that reading it back gives the same
/// entry: "14:05", "14:xx", "10:30 to 15:13", with the end's date when a range runs past
/// the next morning.
pub fn time_text(when: &TimelineWhen, approximate: bool) -> String {
    let clock = |at: DateTime<Utc>| {
        let t = to_uk(at);
        let minutes = if approximate {
            "xx".to_string()
        } else {
            format!("{:02}", t.minute())
        };
        let text = format!("{:02}:{minutes}", t.hour());
        // In the hour the October change repeats, the later one is named.
        let naive = NaiveTime::from_hms_opt(t.hour(), t.minute(), 0).unwrap_or(NaiveTime::MIN);
        if !approximate && uk_local_to_utc(t.date_naive(), naive).is_ok_and(|first| first != at) {
            format!("{text} {}", zone_label(at))
        } else {
            text
        }
    };
    match *when {
        TimelineWhen::At { at } => clock(at),
        TimelineWhen::Range { from, to } => {
            let (from_day, to_day) = (to_uk(from).date_naive(), to_uk(to).date_naive());
            let next_day =
                from_day.succ_opt() == Some(to_day) && to_uk(to).time() < to_uk(from).time();
            if from_day == to_day || next_day {
                format!("{} to {}", clock(from), clock(to))
            } else {
                format!("{} to {} on {}", clock(from), clock(to), uk_date(to))
            }
        }
    }
}

fn lines(items: &[String], next_key: &mut u32) -> Vec<LineDraft> {
    items
        .iter()
        .map(|text| {
            *next_key += 1;
            LineDraft {
                key: *next_key,
                text: text.clone(),
            }
        })
        .collect()
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl ReportDraft {
    /// The draft of a saved report, at `revision`. A report not yet written starts its
    /// timeline on the day the incident started.
    pub fn of(report: &Report, revision: u32) -> Self {
        let mut next_key = 0;
        let timeline = report
            .timeline
            .iter()
            .map(|e| {
                next_key += 1;
                EntryDraft {
                    key: next_key,
                    day: day_text(to_uk(began(e).earliest).date_naive()),
                    time: time_text(&e.when, e.approximate),
                    approximate: e.approximate,
                    kind: e.kind.as_str().into(),
                    text: e.text.clone(),
                }
            })
            .collect();
        let actions = report
            .action_items
            .iter()
            .map(|a| {
                next_key += 1;
                ActionDraft {
                    key: next_key,
                    text: a.text.clone(),
                    owner: a.owner.clone(),
                    status: a.status.as_str().into(),
                    due: a.due.map(day_text).unwrap_or_default(),
                }
            })
            .collect();
        let root_causes = lines(&report.root_causes, &mut next_key);
        let lessons = lines(&report.lessons, &mut next_key);
        ReportDraft {
            base_revision: revision,
            status: report.status.as_str().into(),
            authors: report.authors.join(", "),
            summary: report.summary.clone(),
            impact: report.impact.clone(),
            non_technical: report.non_technical.clone(),
            trigger: report.trigger.clone(),
            detection: report.detection.clone(),
            resolution: report.resolution.clone(),
            timeline,
            root_causes,
            actions,
            lessons,
            labels: report.labels.join(", "),
            next_key,
        }
    }

    pub fn key(&mut self) -> u32 {
        self.next_key += 1;
        self.next_key
    }

    /// A new timeline entry on the day of the last one, or of `start`.
    pub fn add_entry(&mut self, start: DateTime<Utc>) {
        let day = self
            .timeline
            .last()
            .map(|e| e.day.clone())
            .unwrap_or_else(|| day_text(to_uk(start).date_naive()));
        let key = self.key();
        self.timeline.push(EntryDraft {
            key,
            day,
            kind: "event".into(),
            ..Default::default()
        });
    }

    /// Puts the timeline in time order. An entry whose time cannot be read stays after
    /// the entry it follows. Returns the new position of `moved`, if it moved.
    pub fn sort_timeline(&mut self, moved: u32) -> Option<usize> {
        let before = self.timeline.iter().position(|e| e.key == moved);
        let mut last: Option<DateTime<Utc>> = None;
        let mut keyed: Vec<(Option<DateTime<Utc>>, usize, EntryDraft)> = Vec::new();
        for (i, e) in self.timeline.drain(..).enumerate() {
            let at = e.starts().or(last);
            last = at;
            keyed.push((at, i, e));
        }
        // Entries without a time at all (before any readable one) keep their place first.
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        self.timeline = keyed.into_iter().map(|(_, _, e)| e).collect();
        let after = self.timeline.iter().position(|e| e.key == moved);
        (before != after).then_some(after).flatten()
    }

    /// The report, or every problem with it: times that cannot be read, and whatever the
    /// server's rules would refuse.
    pub fn report(&self) -> Result<Report, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut timeline = Vec::new();
        for (k, e) in self.timeline.iter().enumerate() {
            match e.when() {
                Ok((when, approximate)) => timeline.push(TimelineEntry {
                    when,
                    approximate,
                    text: e.text.trim().to_string(),
                    kind: TimelineKind::parse(&e.kind).unwrap_or(TimelineKind::Event),
                }),
                Err(message) => {
                    problems.push(FieldError::new(format!("timeline[{k}].time"), message));
                    // Kept in place so that later problems are named at the right entry, at
                    // the earliest time the rules take, so it adds no problem of its own.
                    timeline.push(TimelineEntry {
                        when: TimelineWhen::At {
                            at: tis_core::validate::time_bounds().0,
                        },
                        approximate: false,
                        text: e.text.trim().to_string(),
                        kind: TimelineKind::Event,
                    });
                }
            }
        }
        let mut action_items = Vec::new();
        for (k, a) in self.actions.iter().enumerate() {
            let due = if a.due.trim().is_empty() {
                None
            } else {
                let day = read_day(&a.due);
                if day.is_none() {
                    problems.push(FieldError::new(
                        format!("action_items[{k}].due"),
                        "Give the due date as a date, like 30 November 2026, or leave it empty.",
                    ));
                }
                day
            };
            action_items.push(ActionItem {
                text: a.text.trim().to_string(),
                owner: a.owner.trim().to_string(),
                status: ActionStatus::parse(&a.status).unwrap_or(ActionStatus::Open),
                due,
            });
        }
        let report = Report {
            status: ReportStatus::parse(&self.status).unwrap_or(ReportStatus::Draft),
            authors: list(&self.authors),
            summary: self.summary.trim().to_string(),
            impact: self.impact.trim().to_string(),
            non_technical: self.non_technical.trim().to_string(),
            trigger: self.trigger.trim().to_string(),
            detection: self.detection.trim().to_string(),
            resolution: self.resolution.trim().to_string(),
            timeline,
            root_causes: self
                .root_causes
                .iter()
                .map(|l| l.text.trim().to_string())
                .collect(),
            action_items,
            lessons: self
                .lessons
                .iter()
                .map(|l| l.text.trim().to_string())
                .collect(),
            labels: list(&self.labels),
        };
        // An unreadable time stands in as an "other event", which the order rules pass
        // over, so every other problem is still named at the right entry.
        if let Err(more) = validate_report(&report) {
            problems.extend(more);
        }
        problems_or(report, problems)
    }

    /// The entries whose time can be read, for the key times.
    pub fn readable_timeline(&self) -> Vec<TimelineEntry> {
        self.timeline.iter().filter_map(EntryDraft::entry).collect()
    }
}

/// The report with each section taken from `mine` or, where `theirs_for` says so, from
/// `theirs`.
pub fn merge(mine: &Report, theirs: &Report, theirs_for: &[&str]) -> Report {
    let pick = |s: &str| theirs_for.contains(&s);
    Report {
        status: if pick("status") {
            theirs.status
        } else {
            mine.status
        },
        authors: if pick("authors") {
            &theirs.authors
        } else {
            &mine.authors
        }
        .clone(),
        summary: if pick("summary") {
            &theirs.summary
        } else {
            &mine.summary
        }
        .clone(),
        impact: if pick("impact") {
            &theirs.impact
        } else {
            &mine.impact
        }
        .clone(),
        non_technical: if pick("non_technical") {
            &theirs.non_technical
        } else {
            &mine.non_technical
        }
        .clone(),
        trigger: if pick("trigger") {
            &theirs.trigger
        } else {
            &mine.trigger
        }
        .clone(),
        detection: if pick("detection") {
            &theirs.detection
        } else {
            &mine.detection
        }
        .clone(),
        resolution: if pick("resolution") {
            &theirs.resolution
        } else {
            &mine.resolution
        }
        .clone(),
        timeline: if pick("timeline") {
            &theirs.timeline
        } else {
            &mine.timeline
        }
        .clone(),
        root_causes: if pick("root_causes") {
            &theirs.root_causes
        } else {
            &mine.root_causes
        }
        .clone(),
        action_items: if pick("action_items") {
            &theirs.action_items
        } else {
            &mine.action_items
        }
        .clone(),
        lessons: if pick("lessons") {
            &theirs.lessons
        } else {
            &mine.lessons
        }
        .clone(),
        labels: if pick("labels") {
            &theirs.labels
        } else {
            &mine.labels
        }
        .clone(),
    }
}

#[cfg(test)]
mod tests;
