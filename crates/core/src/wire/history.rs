//! What the checks saw over a stretch of time, as spans of one status each.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::service::{ProbeResult, Service};
use crate::status::{ProbeHealth, ProbeRules, health_timeline, probe_id, service_status};
use crate::status::{Status, StatusChange};

/// `GET /api/v1/services/{id}/history`: a service's own status over a stretch of time,
/// worked out from its probes' results (dependencies and maintenance left out), for the
/// probe history drawn under an incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusHistory {
    pub service: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// In order, touching, covering `from` to `to`.
    pub spans: Vec<StatusSpan>,
    pub checks: u32,
    pub failed_checks: u32,
    /// How long raw results are kept, so a reader knows why an old stretch has none.
    pub kept_days: u32,
    /// The spans come from the status changes the server recorded (kept for ever), as the
    /// checks themselves are no longer kept; `checks` is then 0.
    #[serde(default)]
    pub from_changes: bool,
}

/// The status of a service from `from` to `to` as its recorded changes tell it, for a
/// stretch whose raw results are gone. `changes` are the service's, oldest first, and
/// should include the last one before `from`: it gives the status the stretch starts in.
/// Empty when nothing was recorded at all.
pub fn spans_from_changes(
    changes: &[StatusChange],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<StatusSpan> {
    let before = changes.iter().rev().find(|c| c.at < from);
    let inside: Vec<&StatusChange> = changes
        .iter()
        .filter(|c| c.at >= from && c.at < to)
        .collect();
    let Some(mut status) = before
        .map(|c| c.to)
        .or_else(|| inside.first().map(|c| c.from))
    else {
        return Vec::new();
    };
    let mut spans: Vec<StatusSpan> = Vec::new();
    let mut cursor = from;
    for change in inside {
        if change.at > cursor {
            spans.push(StatusSpan {
                from: cursor,
                to: change.at,
                status,
            });
            cursor = change.at;
        }
        status = change.to;
    }
    spans.push(StatusSpan {
        from: cursor,
        to,
        status,
    });
    // Touching spans of one status read as one spell.
    spans.dedup_by(|next, prev| {
        if next.status == prev.status {
            prev.to = next.to;
            true
        } else {
            false
        }
    });
    spans
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusSpan {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub status: Status,
}

/// A probe's health from one moment until another.
type HealthPiece = (DateTime<Utc>, DateTime<Utc>, ProbeHealth);

/// The status of `service` from `from` to `to` by its probes alone, replayed with the
/// live rules: a result holds until the next or until it goes stale. Pass results from a
/// little before `from` too, so the first span starts with the right health.
pub fn status_spans(
    service: &Service,
    results: &[ProbeResult],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<StatusSpan> {
    if from >= to {
        return Vec::new();
    }
    // Each probe's health as (start, end, health) pieces.
    let probes: Vec<Vec<HealthPiece>> = service
        .probes
        .iter()
        .enumerate()
        .map(|(i, probe)| {
            let id = probe_id(&service.id, i);
            let own: Vec<ProbeResult> = results.iter().filter(|r| r.probe == id).cloned().collect();
            let rules = ProbeRules::from(probe);
            let timeline = health_timeline(&own, &rules);
            timeline
                .iter()
                .enumerate()
                .map(|(n, &(at, health))| {
                    let stale = at
                        .checked_add_signed(rules.stale_after())
                        .unwrap_or(DateTime::<Utc>::MAX_UTC);
                    let end = timeline
                        .get(n + 1)
                        .map_or(stale, |&(next, _)| next.min(stale));
                    (at, end, health)
                })
                .filter(|(a, b, _)| a < b && *b > from && *a < to)
                .collect()
        })
        .collect();
    let mut edges = vec![from, to];
    for piece in probes.iter().flatten() {
        edges.extend([piece.0.max(from), piece.1.min(to)]);
    }
    edges.sort_unstable();
    edges.dedup();
    let mut spans: Vec<StatusSpan> = Vec::new();
    // Pieces of one probe are in order and apart, so one cursor each walks them once.
    let mut next = vec![0usize; probes.len()];
    for pair in edges.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let healths: Vec<ProbeHealth> = probes
            .iter()
            .zip(next.iter_mut())
            .map(|(pieces, cursor)| {
                while pieces.get(*cursor).is_some_and(|p| p.1 <= start) {
                    *cursor += 1;
                }
                match pieces.get(*cursor) {
                    Some(p) if p.0 <= start => p.2,
                    _ => ProbeHealth::Unknown,
                }
            })
            .collect();
        let status = service_status(&healths);
        match spans.last_mut() {
            Some(last) if last.status == status && last.to == start => last.to = end,
            _ => spans.push(StatusSpan {
                from: start,
                to: end,
                status,
            }),
        }
    }
    spans
}
