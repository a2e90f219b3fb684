//! What changed between two revisions of a report, section by section, with line-level
//! changes for the text sections, so a reviewer sees exactly what an editor did.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};
use tis_core::{Report, Revision};

#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ReportDiff {
    pub incident: i64,
    pub from: u32,
    pub to: u32,
    /// Only the sections that differ, in report order.
    pub sections: Vec<SectionDiff>,
}

#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SectionDiff {
    /// The report field, e.g. `summary`, `timeline`.
    pub section: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Debug, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Line {
    /// `same`, `added` or `removed`.
    pub change: &'static str,
    pub text: String,
}

pub fn report_diff(before: &Revision, after: &Revision) -> ReportDiff {
    let sections = sections(&before.report)
        .into_iter()
        .zip(sections(&after.report))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((name, a), (_, b))| SectionDiff {
            section: name,
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

/// Each section as text, one item per line, so lists diff item by item.
fn sections(r: &Report) -> Vec<(&'static str, String)> {
    let list = |items: &[String]| items.join("\n");
    vec![
        ("status", format!("{:?}", r.status).to_lowercase()),
        ("authors", list(&r.authors)),
        ("summary", r.summary.clone()),
        ("impact", r.impact.clone()),
        ("non_technical", r.non_technical.clone()),
        ("trigger", r.trigger.clone()),
        ("detection", r.detection.clone()),
        ("resolution", r.resolution.clone()),
        (
            "timeline",
            r.timeline
                .iter()
                .map(|e| {
                    format!(
                        "{}{} [{}] {}",
                        tis_core::time::format_timeline_when(&e.when, e.approximate),
                        if e.approximate { " (approximate)" } else { "" },
                        serde_json::to_value(e.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_owned))
                            .unwrap_or_default(),
                        e.text
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("root_causes", list(&r.root_causes)),
        (
            "action_items",
            r.action_items
                .iter()
                .map(|a| {
                    format!(
                        "{} (owner: {}, {:?}{})",
                        a.text,
                        a.owner,
                        a.status,
                        a.due.map(|d| format!(", due {d}")).unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("lessons", list(&r.lessons)),
        ("labels", list(&r.labels)),
    ]
}

fn lines(before: &str, after: &str) -> Vec<Line> {
    TextDiff::from_lines(before, after)
        .iter_all_changes()
        .map(|c| Line {
            change: match c.tag() {
                ChangeTag::Equal => "same",
                ChangeTag::Insert => "added",
                ChangeTag::Delete => "removed",
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let changes: Vec<(&str, &str)> = diff.sections[0]
            .lines
            .iter()
            .map(|l| (l.change, l.text.as_str()))
            .collect();
        assert_eq!(
            changes,
            [
                ("same", "Expired certificate"),
                ("removed", "No expiry alert"),
                ("added", "No alert before expiry"),
            ]
        );
    }
}
