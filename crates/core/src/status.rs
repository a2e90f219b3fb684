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
    /// Answering, but slower than `slow_ms` for a while, or with a warning such as a
    /// certificate close to expiry.
    Slow,
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
            let is_slow =
                result.degraded || rules.slow_ms.is_some_and(|limit| result.latency_ms > limit);
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
                Slow if self.fast < rules.recover_after() => Slow,
                _ if slow_for_long => Slow,
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
/// oldest first). Staleness is not applied here: see [`probe_health`].
pub fn health_timeline(
    results: &[ProbeResult],
    rules: &ProbeRules,
) -> Vec<(DateTime<Utc>, ProbeHealth)> {
    let mut judge = Judge::new();
    in_order(results)
        .into_iter()
        .map(|r| (r.at, judge.step(r, rules)))
        .collect()
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
    } else if count(ProbeHealth::Slow) > 0 {
        ProbeHealth::Slow
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
    } else if healths.contains(&ProbeHealth::Slow) {
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
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn rules() -> ProbeRules {
        ProbeRules {
            interval: Duration::seconds(30),
            fail_after: 2,
            recover_after: 2,
            slow_ms: Some(1000),
        }
    }

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 9, 0, 0).unwrap()
    }

    /// Results 30 s apart from `start()`: `'o'` ok and fast, `'s'` ok but slow, `'x'` failed.
    fn results(pattern: &str) -> Vec<ProbeResult> {
        pattern
            .chars()
            .enumerate()
            .map(|(i, c)| ProbeResult {
                probe: probe_id("bulk-upload", 0),
                service: "bulk-upload".into(),
                at: start() + Duration::seconds(30 * i as i64),
                ok: c != 'x',
                latency_ms: if c == 's' { 5000 } else { 100 },
                error_kind: None,
                detail: String::new(),
                degraded: false,
                location: None,
            })
            .collect()
    }

    fn healths(pattern: &str) -> Vec<ProbeHealth> {
        health_timeline(&results(pattern), &rules())
            .into_iter()
            .map(|(_, h)| h)
            .collect()
    }

    fn just_after(pattern: &str) -> DateTime<Utc> {
        start() + Duration::seconds(30 * pattern.len() as i64)
    }

    use ProbeHealth::*;

    #[test]
    fn probe_ids_count_from_one_like_config_messages() {
        assert_eq!(probe_id("bulk-upload", 0), "bulk-upload/1");
        assert_eq!(probe_id("sign-in", 2), "sign-in/3");
    }

    #[test]
    fn one_failed_check_does_not_make_a_working_service_down() {
        assert_eq!(healths("oxo"), [Up, Up, Up]);
    }

    #[test]
    fn failures_in_a_row_make_it_down_and_it_needs_successes_in_a_row_to_come_back() {
        assert_eq!(healths("oxxoxoo"), [Up, Up, Down, Down, Down, Down, Up]);
    }

    #[test]
    fn the_first_success_after_no_data_means_up() {
        assert_eq!(healths("o"), [Up]);
        assert_eq!(healths("xo"), [Unknown, Up]);
    }

    #[test]
    fn too_few_failures_from_no_data_leave_it_unknown() {
        assert_eq!(healths("x"), [Unknown]);
        assert_eq!(healths("xx"), [Unknown, Down]);
    }

    #[test]
    fn slow_answers_in_a_row_make_it_slow_not_down() {
        assert_eq!(healths("osssoo"), [Up, Up, Slow, Slow, Slow, Up]);
    }

    #[test]
    fn slow_answers_do_not_count_as_slow_without_a_limit() {
        let rules = ProbeRules {
            slow_ms: None,
            ..rules()
        };
        let got = probe_health(&results("sss"), &rules, just_after("sss"));
        assert_eq!(got, Up);
    }

    #[test]
    fn a_service_coming_back_slowly_is_shown_slow() {
        assert_eq!(healths("xxss"), [Unknown, Down, Down, Slow]);
    }

    #[test]
    fn stale_data_is_never_shown_as_up() {
        let r = results("ooo");
        let last = r[2].at;
        assert_eq!(probe_health(&r, &rules(), last + Duration::seconds(90)), Up);
        assert_eq!(
            probe_health(&r, &rules(), last + Duration::seconds(91)),
            Unknown
        );
        assert_eq!(probe_health(&[], &rules(), last), Unknown);
    }

    #[test]
    fn results_out_of_order_are_replayed_oldest_first() {
        let mut r = results("ooxx");
        r.reverse();
        assert_eq!(probe_health(&r, &rules(), just_after("ooxx")), Down);
    }

    #[test]
    fn rules_come_from_the_probe_config() {
        let probe: Probe = serde_json::from_value(serde_json::json!({
            "kind": "tcp", "host": "db", "port": 5432,
            "interval": "1m", "fail_after": 3, "recover_after": 4, "slow_ms": 800
        }))
        .unwrap();
        let rules = ProbeRules::from(&probe);
        assert_eq!(rules.interval, Duration::minutes(1));
        assert_eq!(
            (rules.fail_after, rules.recover_after, rules.slow_ms),
            (3, 4, Some(800))
        );
    }

    #[test]
    fn a_service_is_working_only_when_every_probe_says_so() {
        assert_eq!(service_status(&[]), Status::Unknown);
        assert_eq!(service_status(&[Unknown, Unknown]), Status::Unknown);
        assert_eq!(service_status(&[Up, Up]), Status::Operational);
        assert_eq!(service_status(&[Up, Unknown]), Status::Unknown);
        assert_eq!(service_status(&[Up, Slow]), Status::Degraded);
        assert_eq!(service_status(&[Slow, Unknown]), Status::Degraded);
        assert_eq!(service_status(&[Up, Down]), Status::PartialOutage);
        assert_eq!(service_status(&[Slow, Down]), Status::PartialOutage);
        assert_eq!(service_status(&[Down, Down]), Status::MajorOutage);
        assert_eq!(service_status(&[Down, Unknown]), Status::MajorOutage);
    }

    #[test]
    fn locations_must_agree_before_a_probe_is_down() {
        assert_eq!(agree(&[Down], 1), Down);
        assert_eq!(agree(&[Down, Up], 1), Down);
        assert_eq!(agree(&[Down, Up], 2), Up);
        assert_eq!(agree(&[Down, Down], 2), Down);
        assert_eq!(agree(&[Down, Unknown], 2), Unknown);
        assert_eq!(agree(&[Down, Slow, Up], 2), Slow);
        assert_eq!(agree(&[], 1), Unknown);
        assert_eq!(agree(&[Up], 0), Up, "a quorum of 0 means 1");
    }

    #[test]
    fn a_degraded_result_counts_as_slow() {
        let mut r = results("oooo");
        for x in &mut r[1..] {
            x.degraded = true;
        }
        let rules = ProbeRules {
            slow_ms: None,
            ..rules()
        };
        let got: Vec<_> = health_timeline(&r, &rules)
            .into_iter()
            .map(|(_, h)| h)
            .collect();
        assert_eq!(got, [Up, Up, Slow, Slow]);
    }

    #[test]
    fn only_changes_into_or_out_of_trouble_are_kept() {
        use Status::*;
        assert!(StatusChange::worth_keeping(Operational, MajorOutage));
        assert!(StatusChange::worth_keeping(MajorOutage, Operational));
        assert!(StatusChange::worth_keeping(Degraded, MajorOutage));
        assert!(StatusChange::worth_keeping(MajorOutage, Unknown));
        assert!(!StatusChange::worth_keeping(Unknown, Operational));
        assert!(!StatusChange::worth_keeping(Operational, Maintenance));
        assert!(!StatusChange::worth_keeping(MajorOutage, MajorOutage));
    }

    #[test]
    fn planned_maintenance_shows_as_maintenance() {
        assert_eq!(
            apply_maintenance(Status::MajorOutage, true),
            Status::Maintenance
        );
        assert_eq!(apply_maintenance(Status::Degraded, false), Status::Degraded);
    }

    #[test]
    fn health_reads_and_writes_as_snake_case() {
        assert_eq!(serde_json::to_string(&Slow).unwrap(), "\"slow\"");
        assert_eq!(
            serde_json::from_str::<ProbeHealth>("\"down\"").unwrap(),
            Down
        );
    }

    fn pattern() -> impl Strategy<Value = String> {
        proptest::collection::vec(prop_oneof![Just('o'), Just('s'), Just('x')], 0..40)
            .prop_map(|v| v.into_iter().collect())
    }

    fn health() -> impl Strategy<Value = ProbeHealth> {
        prop_oneof![Just(Up), Just(Slow), Just(Down), Just(Unknown)]
    }

    proptest! {
        #[test]
        fn down_starts_only_after_enough_failures_in_a_row(p in pattern()) {
            let h = healths(&p);
            for i in 0..h.len() {
                if h[i] == Down && (i == 0 || h[i - 1] != Down) {
                    prop_assert!(i >= 1 && &p[i - 1..=i] == "xx", "{p}: down at {i}");
                }
            }
        }

        #[test]
        fn down_ends_only_after_enough_successes_in_a_row(p in pattern()) {
            let h = healths(&p);
            for i in 1..h.len() {
                if h[i - 1] == Down && h[i] != Down {
                    prop_assert!(!p[i - 1..=i].contains('x'), "{p}: back at {i}");
                }
            }
        }

        #[test]
        fn one_more_failure_never_takes_a_working_service_down(p in pattern()) {
            let before = probe_health(&results(&p), &rules(), just_after(&p));
            let with_fail = format!("{p}x");
            let after = probe_health(&results(&with_fail), &rules(), just_after(&with_fail));
            if !p.ends_with('x') && before == Up {
                prop_assert_eq!(after, Up);
            }
        }

        #[test]
        fn order_of_results_does_not_matter(p in pattern(), seed in any::<u64>()) {
            let mut given = results(&p);
            // Pairs of results at the same moment, as two probers' clocks may give.
            for (i, r) in given.iter_mut().enumerate() {
                r.at = start() + Duration::seconds(30 * (i as i64 / 2));
            }
            let mut shuffled = given.clone();
            shuffled.sort_by_key(|r| (r.at.timestamp() as u64 ^ seed).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut reversed = given.clone();
            reversed.reverse();
            let now = just_after(&p);
            prop_assert_eq!(probe_health(&shuffled, &rules(), now), probe_health(&given, &rules(), now));
            prop_assert_eq!(health_timeline(&reversed, &rules()), health_timeline(&given, &rules()));
        }

        #[test]
        fn stale_results_are_unknown(p in pattern(), extra in 91i64..100_000) {
            let r = results(&p);
            let now = start() + Duration::seconds(30 * (p.len() as i64 - 1) + extra);
            prop_assert_eq!(probe_health(&r, &rules(), now), Unknown);
        }

        #[test]
        fn a_service_is_never_working_unless_every_probe_is_up(hs in proptest::collection::vec(health(), 0..6)) {
            let status = service_status(&hs);
            prop_assert_eq!(status == Status::Operational, !hs.is_empty() && hs.iter().all(|h| *h == Up));
            prop_assert_eq!(status == Status::MajorOutage, hs.contains(&Down) && hs.iter().all(|h| matches!(h, Down | Unknown)));
            prop_assert!(status != Status::Maintenance);
        }
    }
}
