//! The status of a service, and how it is worked out from probe results.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::service::{Probe, ProbeResult};

/// What users are told about a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
    Maintenance,
    /// No recent data: never shown as up.
    Unknown,
}

impl Status {
    /// A marker that does not rely on colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Operational => "✓",
            Status::Degraded => "!",
            Status::PartialOutage => "▲",
            Status::MajorOutage => "✕",
            Status::Maintenance => "⚙",
            Status::Unknown => "?",
        }
    }

    /// How bad it is for users: higher is worse. Unknown and maintenance sit apart from
    /// outages, since neither says the service has failed.
    pub fn severity(self) -> u8 {
        match self {
            Status::Operational => 0,
            Status::Unknown => 1,
            Status::Maintenance => 2,
            Status::Degraded => 3,
            Status::PartialOutage => 4,
            Status::MajorOutage => 5,
        }
    }

    /// Whether users of dependent services are affected by this one being in this state.
    pub fn is_failing(self) -> bool {
        matches!(
            self,
            Status::Degraded | Status::PartialOutage | Status::MajorOutage
        )
    }
}

/// A service as the overview shows it: its status now, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// The API only ever sends services with their status, so its document calls this
// `Service`; the config's `Service` never crosses the wire.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Service))]
pub struct ServiceState {
    pub id: String,
    pub name: String,
    pub description: String,
    pub group: String,
    pub position: i32,
    pub depends_on: Vec<String>,
    pub status: Status,
    /// Why, in plain words, when the cause lies elsewhere: "because Sign-in is down".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When a probe of this service last reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checked: Option<DateTime<Utc>>,
}

/// The id that results of the `index`-th probe of a service carry (`index` counts from
/// 0, as `Service::probes` does): `"{service_id}/{n}"` where `n` counts from 1, so it
/// matches "probe 1", "probe 2" in config error messages.
pub fn probe_id(service_id: &str, index: usize) -> String {
    format!("{service_id}/{}", index + 1)
}

/// The parts of a probe's config that decide how its results are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeRules {
    /// How often the probe runs: data older than three intervals is stale.
    pub interval: Duration,
    /// Consecutive failures before the probe says down (and slow results before slow).
    pub fail_after: u32,
    /// Consecutive successes before a down (or slow) probe says up again.
    pub recover_after: u32,
    /// Latency above which an ok result counts as slow.
    pub slow_ms: Option<u32>,
}

impl From<&Probe> for ProbeRules {
    fn from(probe: &Probe) -> Self {
        // Absurd intervals from config saturate rather than wrap to a negative length.
        let millis = i64::try_from(probe.interval.as_millis()).unwrap_or(i64::MAX);
        ProbeRules {
            interval: Duration::try_milliseconds(millis).unwrap_or(Duration::MAX),
            fail_after: probe.fail_after,
            recover_after: probe.recover_after,
            slow_ms: probe.slow_ms,
        }
    }
}

impl ProbeRules {
    /// How long one result stays valid: three intervals, so one late or lost run does
    /// not blank the page, but a stopped prober is noticed within minutes.
    pub fn stale_after(&self) -> Duration {
        self.interval.checked_mul(3).unwrap_or(Duration::MAX)
    }

    // A zero threshold would make a service down before any failure; config checks
    // reject it, and here it means "at once".
    fn fail_after(&self) -> u32 {
        self.fail_after.max(1)
    }

    fn recover_after(&self) -> u32 {
        self.recover_after.max(1)
    }
}

/// What the results of one probe say about its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeHealth {
    /// Answering as expected.
    Up,
    /// Answering, but slower than `slow_ms` for a while: `Status::Degraded`, which readers
    /// read as "Slow".
    Degraded,
    /// Failing `fail_after` times in a row, and not yet `recover_after` successes since.
    Down,
    /// No data, stale data, or too few failures yet to say down.
    Unknown,
}

/// Replays results in order, remembering streaks so that one blip does not flap the
/// health either way.
#[derive(Debug, Clone, Copy)]
struct Judge {
    health: ProbeHealth,
    failures: u32,
    successes: u32,
    slow: u32,
    fast: u32,
}

impl Judge {
    fn new() -> Self {
        Judge {
            health: ProbeHealth::Unknown,
            failures: 0,
            successes: 0,
            slow: 0,
            fast: 0,
        }
    }

    fn step(&mut self, result: &ProbeResult, rules: &ProbeRules) -> ProbeHealth {
        use ProbeHealth::*;
        if result.ok {
            // A warning (`degraded`: a certificate close to expiry) is told to the team
            // apart (see `warning`); the service still works, so it is not slow.
            let is_slow = rules.slow_ms.is_some_and(|limit| result.latency_ms > limit);
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            if is_slow {
                self.slow = self.slow.saturating_add(1);
                self.fast = 0;
            } else {
                self.fast = self.fast.saturating_add(1);
                self.slow = 0;
            }
        } else {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
            self.slow = 0;
            self.fast = 0;
        }
        let slow_for_long = self.slow >= rules.fail_after();
        self.health = if !result.ok {
            if self.failures >= rules.fail_after() {
                Down
            } else {
                self.health
            }
        } else {
            match self.health {
                Down if self.successes < rules.recover_after() => Down,
                Degraded if self.fast < rules.recover_after() => Degraded,
                _ if slow_for_long => Degraded,
                _ => Up,
            }
        };
        self.health
    }
}

/// Oldest first, in a fixed order even for results at the same moment, so that the
/// answer does not depend on the order a store or an external prober hands them over.
fn in_order(results: &[ProbeResult]) -> Vec<&ProbeResult> {
    let mut sorted: Vec<&ProbeResult> = results.iter().collect();
    sorted.sort_by_key(|r| (r.at, r.ok, r.latency_ms));
    sorted
}

/// The health of one probe after each of its results (in any order; they are replayed
/// oldest first). Staleness after the last result is not applied here: see
/// [`probe_health`].
///
/// A result that comes after a gap longer than [`ProbeRules::stale_after`] starts afresh,
/// as from no data: in the gap the probe was not known, so the runs of slow or failed
/// results before it say nothing about the service now. Without this, a server restarted
/// after a slow spell showed "Slow" again for a service that was answering quickly, until
/// enough fast results came in.
///
/// A result that could not check (the prober was cut off, see
/// [`ProbeResult::was_checked`]) makes the health unknown while it is the newest, and is
/// left out of the replay: it neither ends nor lengthens a run of real failures or
/// successes, so a service already down stays down once checks resume, and one blip of
/// lost reach does not make a working service flap.
pub fn health_timeline(
    results: &[ProbeResult],
    rules: &ProbeRules,
) -> Vec<(DateTime<Utc>, ProbeHealth)> {
    let mut judge = Judge::new();
    let mut previous: Option<DateTime<Utc>> = None;
    in_order(results)
        .into_iter()
        .map(|r| {
            if !r.was_checked() {
                return (r.at, ProbeHealth::Unknown);
            }
            if previous.is_some_and(|p| r.at.signed_duration_since(p) > rules.stale_after()) {
                judge = Judge::new();
            }
            previous = Some(r.at);
            (r.at, judge.step(r, rules))
        })
        .collect()
}

/// Why a service shows as not known when its checks are cut off, as readers see it
/// after the status: "Not known because our checks cannot reach TIS right now."
pub const CUT_OFF_REASON: &str = "because our checks cannot reach TIS right now";

/// Whether the newest fresh result of one probe at one location (any order) could not
/// check: that location is cut off from this probe's service.
pub fn could_not_check(results: &[ProbeResult], rules: &ProbeRules, now: DateTime<Utc>) -> bool {
    in_order(results)
        .last()
        .is_some_and(|r| !r.was_checked() && now.signed_duration_since(r.at) <= rules.stale_after())
}

/// The health of one probe at `now`, from all its results (any order).
///
/// Down only after `fail_after` failures in a row; back up only after `recover_after`
/// successes in a row; slow after `fail_after` slow successes in a row. From no data, the
/// first success means up. If the newest result is older than three intervals, the
/// health is unknown: stale data is never shown as up.
pub fn probe_health(
    results: &[ProbeResult],
    rules: &ProbeRules,
    now: DateTime<Utc>,
) -> ProbeHealth {
    match health_timeline(results, rules).last() {
        Some(&(at, health)) if now.signed_duration_since(at) <= rules.stale_after() => health,
        _ => ProbeHealth::Unknown,
    }
}

/// What the team should be warned of by one probe at `now`: its newest checked result,
/// when that is fresh, working and carries a warning (a certificate close to expiry), in the
/// check's own words ("Certificate expires in 9 days, …"). Staff words: the detail may
/// name internal hosts.
pub fn warning<'r>(
    results: &'r [ProbeResult],
    rules: &ProbeRules,
    now: DateTime<Utc>,
) -> Option<&'r str> {
    // A result that could not check says nothing either way.
    let newest = in_order(results).into_iter().rfind(|r| r.was_checked())?;
    let fresh = now.signed_duration_since(newest.at) <= rules.stale_after();
    (fresh && newest.ok && newest.degraded).then_some(newest.detail.as_str())
}

/// The health of one probe seen from several locations, when `quorum` of them must agree
/// that it is down before it counts as down.
///
/// Each location's health is worked out alone, from its own results. Down needs `quorum`
/// locations saying down; otherwise what the others say wins (slow before up), and if
/// none says anything, too few agreeing on down is not known. With a quorum of 1 any one
/// location saying down is enough, as with a single prober.
pub fn agree(locations: &[ProbeHealth], quorum: u32) -> ProbeHealth {
    let quorum = usize::try_from(quorum.max(1)).unwrap_or(usize::MAX);
    let count = |h: ProbeHealth| locations.iter().filter(|l| **l == h).count();
    if count(ProbeHealth::Down) >= quorum {
        ProbeHealth::Down
    } else if count(ProbeHealth::Degraded) > 0 {
        ProbeHealth::Degraded
    } else if count(ProbeHealth::Up) > 0 {
        ProbeHealth::Up
    } else {
        ProbeHealth::Unknown
    }
}

/// A moment when what users were shown about a service changed, kept so that an
/// incident's timeline can show what the probes saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub service: String,
    /// When the result that made the change was taken (UTC).
    pub at: DateTime<Utc>,
    pub from: Status,
    pub to: Status,
    /// Why, when the cause lies elsewhere: "because Sign-in is down".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What the failing check said, e.g. "the token endpoint refused the credentials
    /// (401 Unauthorized)": sent only to signed-in staff.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl StatusChange {
    /// The change as the public may see it: what users were shown and when, without what
    /// the check said (internal addresses, remote error text).
    pub fn for_public(&self) -> StatusChange {
        StatusChange {
            detail: String::new(),
            ..self.clone()
        }
    }

    /// Whether a change from `from` to `to` is worth keeping: a service starting or
    /// stopping failing, or failing differently. Moves between working, not known and
    /// maintenance are not outages (maintenance is recorded by its notice).
    pub fn worth_keeping(from: Status, to: Status) -> bool {
        from != to && (from.is_failing() || to.is_failing())
    }
}

/// The status of a service from the health of each of its probes.
///
/// Every probe must have data before a service is called working; every probe with data
/// saying down makes a major outage, some a partial one.
pub fn service_status(healths: &[ProbeHealth]) -> Status {
    let known = healths
        .iter()
        .filter(|h| **h != ProbeHealth::Unknown)
        .count();
    let down = healths.iter().filter(|h| **h == ProbeHealth::Down).count();
    if known == 0 {
        Status::Unknown
    } else if down == known {
        Status::MajorOutage
    } else if down > 0 {
        Status::PartialOutage
    } else if healths.contains(&ProbeHealth::Degraded) {
        Status::Degraded
    } else if known < healths.len() {
        Status::Unknown
    } else {
        Status::Operational
    }
}

/// Planned maintenance under way shows as maintenance, whatever the probes say, since
/// users were told to expect it.
pub fn apply_maintenance(status: Status, in_maintenance: bool) -> Status {
    if in_maintenance {
        Status::Maintenance
    } else {
        status
    }
}

#[cfg(test)]
mod tests;
