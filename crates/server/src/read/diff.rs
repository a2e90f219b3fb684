//! What changed between two revisions of a report, section by section, with line-level
//! changes for the text sections, so a reviewer sees exactly what an editor did.

use similar::{ChangeTag, TextDiff};
use tis_core::Revision;
use tis_core::staff::{SECTIONS, section_text};
use tis_core::wire::{DiffLine, LineChange, ReportDiff, SectionDiff};

/// The sections that differ between two revisions, each as the staff pages show it
/// ([`section_text`]), so a reviewer reads the same words here as in the editor.
pub fn report_diff(before: &Revision, after: &Revision) -> ReportDiff {
    let sections = SECTIONS
        .iter()
        .map(|&name| {
            (
                name,
                section_text(&before.report, name),
                section_text(&after.report, name),
            )
        })
        .filter(|(_, a, b)| a != b)
        .map(|(name, a, b)| SectionDiff {
            section: name.to_string(),
            lines: lines(&a, &b),
        })
        .collect();
    ReportDiff {
        incident: after.incident,
        from: before.number,
        to: after.number,
        sections,
    }
}

fn lines(before: &str, after: &str) -> Vec<DiffLine> {
    TextDiff::from_lines(before, after)
        .iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                ChangeTag::Equal => LineChange::Same,
                ChangeTag::Insert => LineChange::Added,
                ChangeTag::Delete => LineChange::Removed,
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tis_core::Report;

    fn revision(number: u32, report: Report) -> Revision {
        Revision {
            incident: 7,
            number,
            author: "Sam".into(),
            at: "2026-11-24T10:00:00Z".parse().unwrap(),
            report,
        }
    }

    #[test]
    fn only_changed_sections_appear_with_their_changed_lines() {
        let a = Report {
            summary: "Sign-in was down.".into(),
            root_causes: vec!["Expired certificate".into(), "No expiry alert".into()],
            ..Report::default()
        };
        let b = Report {
            summary: "Sign-in was down.".into(),
            root_causes: vec![
                "Expired certificate".into(),
                "No alert before expiry".into(),
            ],
            ..Report::default()
        };
        let diff = report_diff(&revision(1, a), &revision(2, b));
        assert_eq!(diff.sections.len(), 1);
        assert_eq!(diff.sections[0].section, "root_causes");
        let changes: Vec<(LineChange, &str)> = diff.sections[0]
            .lines
            .iter()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert_eq!(
            changes,
            [
                (LineChange::Same, "Expired certificate"),
                (LineChange::Removed, "No expiry alert"),
                (LineChange::Added, "No alert before expiry"),
            ]
        );
    }

    #[test]
    fn statuses_in_a_diff_read_as_the_staff_pages_say_them() {
        use tis_core::{ActionItem, ActionStatus, ReportStatus};
        let a = Report::default();
        let b = Report {
            status: ReportStatus::InReview,
            action_items: vec![ActionItem {
                text: "Add a sign-in probe".into(),
                owner: "Platform team".into(),
                status: ActionStatus::InProgress,
                due: None,
            }],
            ..Report::default()
        };
        let diff = report_diff(&revision(1, a), &revision(2, b));
        let added: Vec<&str> = diff
            .sections
            .iter()
            .flat_map(|s| &s.lines)
            .filter(|l| l.change == LineChange::Added)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(
            added,
            [
                "In review",
                "Add a sign-in probe (owner: Platform team, In progress)"
            ]
        );
    }
}
