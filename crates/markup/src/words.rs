//! Words for things the API sends as codes, and small pieces of wording shared by pages.

use chrono::{DateTime, Utc};
use tis_core::time::{format_duration, uk_date, uk_date_time, uk_time, zone_label};
use tis_core::{IncidentStatus, NoticeKind, TimelineKind};

/// A marker for a notice that does not rely on colour.
pub fn notice_symbol(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Information => "i",
        NoticeKind::PlannedMaintenance => "⚙",
        NoticeKind::KnownProblem => "!",
    }
}

pub fn notice_kind_class(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Information => "information",
        NoticeKind::PlannedMaintenance => "maintenance",
        NoticeKind::KnownProblem => "problem",
    }
}

/// A symbol for an incident's stage, beside its words.
pub fn incident_symbol(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Investigating => "?",
        IncidentStatus::Identified => "!",
        IncidentStatus::Monitoring => "◐",
        IncidentStatus::Resolved => "✓",
    }
}

pub fn incident_class(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Investigating => "investigating",
        IncidentStatus::Identified => "identified",
        IncidentStatus::Monitoring => "monitoring",
        IncidentStatus::Resolved => "resolved",
    }
}

pub fn timeline_kind_class(kind: TimelineKind) -> &'static str {
    match kind {
        TimelineKind::Event => "event",
        TimelineKind::Cause => "cause",
        TimelineKind::Detected => "detected",
        TimelineKind::UsersInformed => "informed",
        TimelineKind::Mitigated => "mitigated",
        TimelineKind::Resolved => "resolved",
    }
}

/// Plain text split into paragraphs at blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// When something runs from `from` until `to` (or with no end): "Saturday 16 January
/// 2027, 8am to 11am GMT", "From 10am GMT on Friday 20 November 2026", "From … until …".
pub fn window(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> String {
    match to {
        Some(to) if uk_date(from) == uk_date(to) && zone_label(from) == zone_label(to) => format!(
            "{}, {} to {} {}",
            uk_date(from),
            uk_time(from),
            uk_time(to),
            zone_label(to)
        ),
        Some(to) => format!("From {} until {}", uk_date_time(from), uk_date_time(to)),
        None => format!("From {}", uk_date_time(from)),
    }
}

/// How long an incident lasted, or "Not resolved yet".
pub fn lasted(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> String {
    match to {
        Some(to) => format!("Lasted {}", format_duration((to - from).num_minutes())),
        None => "Not resolved yet".to_string(),
    }
}

/// A service's name from a list of (id, name), or its id if the list does not have it.
pub fn service_name(names: &[(String, String)], id: &str) -> String {
    names
        .iter()
        .find(|(i, _)| i == id)
        .map_or_else(|| id.to_string(), |(_, n)| n.clone())
}

/// Joins names the English way: "A", "A and B", "A, B and C".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_paragraphs_read_naturally() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&names(&["Sign-in"])), "Sign-in");
        assert_eq!(and_list(&names(&["A", "B", "C"])), "A, B and C");
        assert_eq!(paragraphs("One.\n\n\nTwo.\n"), ["One.", "Two."]);
    }

    #[test]
    fn windows_and_lengths_name_their_zone() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            window(at("2027-01-16T08:00:00Z"), Some(at("2027-01-16T11:00:00Z"))),
            "Saturday 16 January 2027, 8am to 11am GMT"
        );
        assert_eq!(
            window(at("2026-10-24T20:00:00Z"), Some(at("2026-10-25T11:00:00Z"))),
            "From 9pm BST on Saturday 24 October 2026 until 11am GMT on Sunday 25 October 2026"
        );
        assert_eq!(
            lasted(at("2026-10-13T18:00:00Z"), Some(at("2026-10-14T17:40:00Z"))),
            "Lasted 23 hours 40 minutes"
        );
    }
}
