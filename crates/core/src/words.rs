//! The one home of every enum's words: the wire word (JSON, SQL, form values, URLs) and
//! the words a reader reads, side by side, so browser, server, feeds and revision diffs
//! cannot disagree. `serde` derives the wire word from the variant name; the test below
//! checks every variant of every enum against it.

use crate::account::Role;
use crate::incident::{ActionStatus, Impact, IncidentStatus, ReportStatus, TimelineKind};
use crate::notice::{Audience, NoticeKind, NoticeSeverity, NoticeState};
use crate::problem::ProblemType;
use crate::service::{ErrorKind, PingKind};
use crate::status::Status;
use crate::wire::LineChange;

/// Declares, for a fieldless enum, `ALL` (every variant, in the order people are shown
/// them), `as_str` (the wire word), `label` (what a reader reads) and `parse` (wire word
/// back to the variant). The `match` it writes is exhaustive, so a new variant cannot be
/// added without its words, and `ALL` is built from the same list.
macro_rules! words {
    ($enum:ident { $($variant:ident => $wire:literal, $label:literal;)+ }) => {
        impl $enum {
            /// Every variant, in the order people are shown them.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            /// The word on the wire: JSON, the database, form values.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($enum::$variant => $wire),+
                }
            }

            /// What a reader reads.
            pub fn label(self) -> &'static str {
                match self {
                    $($enum::$variant => $label),+
                }
            }

            /// The variant a wire word names, if any.
            pub fn parse(word: &str) -> Option<$enum> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }
    };
}

words!(Status {
    Operational => "operational", "Working";
    Degraded => "degraded", "Slow";
    PartialOutage => "partial_outage", "Partly down";
    MajorOutage => "major_outage", "Down";
    Maintenance => "maintenance", "Planned maintenance";
    Unknown => "unknown", "Not known";
});

words!(IncidentStatus {
    Investigating => "investigating", "Investigating";
    Identified => "identified", "Cause found";
    Monitoring => "monitoring", "Fix in place, watching";
    Resolved => "resolved", "Resolved";
});

words!(Impact {
    Minor => "minor", "Minor impact";
    Major => "major", "Major impact";
    Critical => "critical", "Critical impact";
});

words!(ReportStatus {
    Draft => "draft", "Draft";
    InReview => "in_review", "In review";
    Published => "published", "Published";
});

words!(TimelineKind {
    Event => "event", "Something else that happened";
    Cause => "cause", "Cause";
    Detected => "detected", "Problem found";
    UsersInformed => "users_informed", "Users told";
    Mitigated => "mitigated", "Harm reduced";
    Resolved => "resolved", "Fixed";
});

words!(ActionStatus {
    Open => "open", "Not started";
    InProgress => "in_progress", "In progress";
    Done => "done", "Done";
    WontDo => "wont_do", "Will not be done";
});

words!(NoticeKind {
    Information => "information", "Information";
    PlannedMaintenance => "planned_maintenance", "Planned maintenance";
    KnownProblem => "known_problem", "Known problem";
});

words!(NoticeState {
    Active => "active", "Now";
    Upcoming => "upcoming", "Coming up";
    Past => "past", "Past notices";
});

words!(NoticeSeverity {
    Low => "low", "Low";
    Medium => "medium", "Medium";
    High => "high", "High";
});

words!(Audience {
    Everyone => "everyone", "Everyone";
    Trainees => "trainees", "Trainees";
    Admins => "admins", "Admin staff";
});

words!(Role {
    Support => "support", "Support";
    Editor => "editor", "Editor";
    Admin => "admin", "Admin";
    Prober => "prober", "Prober";
});

words!(LineChange {
    Same => "same", "Unchanged";
    Added => "added", "Added";
    Removed => "removed", "Removed";
});

words!(ErrorKind {
    Timeout => "timeout", "No answer in time";
    Dns => "dns", "Name not found";
    Connect => "connect", "Could not connect";
    Reset => "reset", "Connection dropped";
    Address => "address", "Name points to a private address";
    Tls => "tls", "Certificate problem";
    Redirect => "redirect", "Too many redirects";
    Status => "status", "Unexpected answer";
    Body => "body", "Wrong content in the answer";
    Auth => "auth", "Sign-in refused";
    TokenRejected => "token_rejected", "Sign-in token refused";
    Missed => "missed", "No report from the job in time";
    Unfinished => "unfinished", "The job started and did not finish";
    JobFailed => "job_failed", "The job reported a failure";
    Other => "other", "Other problem";
    NotChecked => "not_checked", "Could not check";
});

words!(PingKind {
    Start => "start", "Started";
    Success => "success", "Finished";
    Fail => "fail", "Failed";
});

impl Status {
    /// The reader words inside a sentence, after "is": "Sign-in is slow". The machine
    /// word `degraded` is the Statuspage word (the v2 API is another product's contract),
    /// so it and the reader word "slow" differ; this is the only place they are paired.
    pub fn in_sentence(self) -> &'static str {
        match self {
            Status::Operational => "working",
            Status::Degraded => "slow",
            Status::PartialOutage => "partly down",
            Status::MajorOutage => "down",
            Status::Maintenance => "in planned maintenance",
            Status::Unknown => "not known",
        }
    }
}

impl Audience {
    /// Who a notice is for, as its card says: "For admin staff".
    pub fn for_whom(self) -> &'static str {
        match self {
            Audience::Everyone => "For everyone",
            Audience::Trainees => "For trainees",
            Audience::Admins => "For admin staff",
        }
    }
}

impl TimelineKind {
    /// The tag a timeline entry wears in a report: plain events have none.
    pub fn tag(self) -> Option<&'static str> {
        (self != TimelineKind::Event).then(|| self.label())
    }
}

/// A count with its noun: "1 subscriber", "2 subscribers", "0 emails".
pub fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

words!(ProblemType {
    NotFound => "/problems/not-found", "Not found";
    Unreadable => "/problems/unreadable", "The request could not be read";
    BadQuery => "/problems/bad-query", "The address asks for something out of range";
    Validation => "/problems/validation", "Some details need fixing";
    TooLarge => "/problems/too-large", "The request is too large";
    MethodNotAllowed => "/problems/method-not-allowed", "Not allowed at this address";
    SignInRequired => "/problems/sign-in-required", "Sign in required";
    SignInFailed => "/problems/sign-in-failed", "Sign-in failed";
    Csrf => "/problems/csrf", "Security check failed";
    Forbidden => "/problems/forbidden", "Not allowed";
    Conflict => "/problems/conflict", "Conflict";
    StaleRevision => "/problems/stale-revision", "Someone else saved first";
    TooManyAttempts => "/problems/too-many-attempts", "Too many attempts";
    RateLimited => "/problems/rate-limited", "Too many requests";
    Unavailable => "/problems/unavailable", "Not available right now";
    Internal => "/problems/internal", "Something went wrong on our side";
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    /// Every variant's wire word is what serde writes and reads, every variant has
    /// words for readers, and no two variants share either.
    fn walk<T>(name: &str, all: &[T], as_str: fn(T) -> &'static str, label: fn(T) -> &'static str)
    where
        T: Copy + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned,
    {
        let mut wires = Vec::new();
        let mut labels = Vec::new();
        for &v in all {
            let json = serde_json::to_value(v).expect("serialises");
            assert_eq!(
                json,
                serde_json::json!(as_str(v)),
                "{name}::{v:?} on the wire"
            );
            let back: T = serde_json::from_value(json).expect("reads back");
            assert_eq!(back, v, "{name}::{v:?} reads back from its wire word");
            let words = label(v);
            assert!(
                !words.is_empty() && words.chars().next().is_some_and(char::is_uppercase),
                "{name}::{v:?} has reader words starting with a capital: {words:?}"
            );
            assert!(
                !words.contains('_'),
                "{name}::{v:?} reads as words, not a code: {words:?}"
            );
            wires.push(as_str(v));
            labels.push(words);
        }
        wires.sort_unstable();
        wires.dedup();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(wires.len(), all.len(), "{name}: wire words are distinct");
        assert_eq!(labels.len(), all.len(), "{name}: reader words are distinct");
    }

    #[test]
    fn every_variant_of_every_enum_has_one_wire_word_and_one_set_of_reader_words() {
        walk("Status", Status::ALL, Status::as_str, Status::label);
        walk(
            "IncidentStatus",
            IncidentStatus::ALL,
            IncidentStatus::as_str,
            IncidentStatus::label,
        );
        walk("Impact", Impact::ALL, Impact::as_str, Impact::label);
        walk(
            "ReportStatus",
            ReportStatus::ALL,
            ReportStatus::as_str,
            ReportStatus::label,
        );
        walk(
            "TimelineKind",
            TimelineKind::ALL,
            TimelineKind::as_str,
            TimelineKind::label,
        );
        walk(
            "ActionStatus",
            ActionStatus::ALL,
            ActionStatus::as_str,
            ActionStatus::label,
        );
        walk(
            "NoticeKind",
            NoticeKind::ALL,
            NoticeKind::as_str,
            NoticeKind::label,
        );
        walk(
            "NoticeState",
            NoticeState::ALL,
            NoticeState::as_str,
            NoticeState::label,
        );
        walk(
            "NoticeSeverity",
            NoticeSeverity::ALL,
            NoticeSeverity::as_str,
            NoticeSeverity::label,
        );
        walk("Audience", Audience::ALL, Audience::as_str, Audience::label);
        walk("Role", Role::ALL, Role::as_str, Role::label);
        walk(
            "LineChange",
            LineChange::ALL,
            LineChange::as_str,
            LineChange::label,
        );
        walk(
            "ErrorKind",
            ErrorKind::ALL,
            ErrorKind::as_str,
            ErrorKind::label,
        );
        walk("PingKind", PingKind::ALL, PingKind::as_str, PingKind::label);
        walk(
            "ProblemType",
            ProblemType::ALL,
            ProblemType::as_str,
            ProblemType::label,
        );
    }

    #[test]
    fn a_wire_word_names_its_variant_and_nothing_else() {
        assert_eq!(
            ReportStatus::parse("in_review"),
            Some(ReportStatus::InReview)
        );
        assert_eq!(
            ActionStatus::parse("in_progress"),
            Some(ActionStatus::InProgress)
        );
        assert_eq!(ReportStatus::parse("inreview"), None);
        assert_eq!(ActionStatus::parse("InProgress"), None);
    }

    #[test]
    fn a_count_takes_the_noun_its_number_needs() {
        assert_eq!(counted(0, "email", "emails"), "0 emails");
        assert_eq!(counted(1, "address", "addresses"), "1 address");
        assert_eq!(
            counted(10_000, "subscriber", "subscribers"),
            "10000 subscribers"
        );
    }
}
