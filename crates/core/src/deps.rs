//! Dependencies between services: checking the config's `depends_on` lists, and showing a
//! service as affected when something it needs is failing ("because Sign-in is down").

use std::collections::HashMap;

use thiserror::Error;

use crate::service::Service;
use crate::status::Status;

/// A problem with the services' `depends_on` lists, worded so the config can be fixed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DependencyError {
    #[error(
        "service \"{service}\" depends on \"{missing}\", but there is no service with that id; \
         use one of: {}", known.join(", ")
    )]
    /// A `depends_on` entry that is no service's id.
    UnknownId {
        service: String,
        missing: String,
        /// Every service id in the config, in config order.
        known: Vec<String>,
    },
    #[error(
        "services depend on each other in a loop: {}; remove one of these from depends_on",
        path.join(" → ")
    )]
    /// Services that, following `depends_on`, lead back to themselves.
    Cycle {
        /// The loop, starting and ending with the same id: `["a", "b", "c", "a"]`.
        path: Vec<String>,
    },
    #[error("service \"{service}\" depends on itself; remove \"{service}\" from its depends_on")]
    /// A service listing its own id in `depends_on`.
    DependsOnItself { service: String },
    #[error("{count} services have the id \"{id}\"; give each service its own id")]
    /// Several services with one id.
    DuplicateId { id: String, count: usize },
}

/// Checks every service's `depends_on`, and returns the services' indexes in an order where
/// each comes after all it depends on. Lists every problem found, not just the first.
///
/// Each loop is reported once, as found by a depth-first walk in config order; removing the
/// last link of every reported loop leaves none.
pub fn check_dependencies(services: &[Service]) -> Result<Vec<usize>, Vec<DependencyError>> {
    let mut errors = Vec::new();

    // Later duplicates resolve to the first service with the id, so the rest of the
    // checks still run and report what else is wrong.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut known: Vec<String> = Vec::new();
    for (i, s) in services.iter().enumerate() {
        index.entry(&s.id).or_insert_with(|| {
            known.push(s.id.clone());
            i
        });
        *counts.entry(&s.id).or_default() += 1;
    }
    for id in &known {
        let count = counts.get(id.as_str()).copied().unwrap_or(1);
        if count > 1 {
            errors.push(DependencyError::DuplicateId {
                id: id.clone(),
                count,
            });
        }
    }

    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for (i, s) in services.iter().enumerate() {
        for dep in &s.depends_on {
            let err = if *dep == s.id {
                DependencyError::DependsOnItself {
                    service: s.id.clone(),
                }
            } else if let Some(&j) = index.get(dep.as_str()) {
                if !edges[i].contains(&j) {
                    edges[i].push(j);
                }
                continue;
            } else {
                DependencyError::UnknownId {
                    service: s.id.clone(),
                    missing: dep.clone(),
                    known: known.clone(),
                }
            };
            // A name listed twice in depends_on is one mistake, not two.
            if !errors.contains(&err) {
                errors.push(err);
            }
        }
    }

    let (order, cycles) = walk(&edges);
    errors.extend(cycles.into_iter().map(|path| DependencyError::Cycle {
        path: path.into_iter().map(|i| services[i].id.clone()).collect(),
    }));

    if errors.is_empty() {
        Ok(order)
    } else {
        Err(errors)
    }
}

/// Depth-first walk without recursion, so a long chain in a config cannot overflow the
/// stack. Returns the nodes dependencies-first, and each loop met on the way.
fn walk(edges: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; edges.len()];
    let mut order = Vec::with_capacity(edges.len());
    let mut cycles = Vec::new();
    for root in 0..edges.len() {
        if mark[root] != Mark::New {
            continue;
        }
        // Each frame is a node on the current path and the next of its edges to follow.
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        mark[root] = Mark::OnPath;
        while let Some(frame) = path.last_mut() {
            let (node, next) = *frame;
            match edges[node].get(next) {
                Some(&dep) => {
                    frame.1 += 1;
                    match mark[dep] {
                        Mark::New => {
                            mark[dep] = Mark::OnPath;
                            path.push((dep, 0));
                        }
                        Mark::OnPath => {
                            let from = path.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                            let mut cycle: Vec<usize> =
                                path[from..].iter().map(|&(n, _)| n).collect();
                            cycle.push(dep);
                            cycles.push(cycle);
                        }
                        Mark::Done => {}
                    }
                }
                None => {
                    mark[node] = Mark::Done;
                    order.push(node);
                    path.pop();
                }
            }
        }
    }
    (order, cycles)
}

/// A service's status as shown, and the reason when the cause lies in something it
/// depends on: "because Sign-in is down".
pub type Shown = (Status, Option<String>);

/// Each service's status as shown, and why when the cause lies in something it depends on.
///
/// A failing dependency (down, partly down or slow, directly or further along) makes a
/// service look as bad as it, but never better than its own status. Unknown and
/// maintenance do not pass on: no data is not evidence of failure. The reason names the
/// service where the trouble starts. Services missing from `own` count as unknown.
pub fn propagate(
    services: &[Service],
    own: &HashMap<String, Status>,
) -> Result<HashMap<String, Shown>, Vec<DependencyError>> {
    let order = check_dependencies(services)?;
    // For each service: what it shows, and the service whose failure that is, if any.
    let mut shown: HashMap<&str, (Status, Option<&Service>)> = HashMap::new();
    let mut out = HashMap::new();
    for i in order {
        let service = &services[i];
        let status = own.get(&service.id).copied().unwrap_or(Status::Unknown);
        let inherited = service
            .depends_on
            .iter()
            .filter_map(|dep| shown.get(dep.as_str()))
            .filter_map(|&(s, source)| Some((s, source?)))
            .filter(|(s, _)| s.is_failing())
            // `max_by_key` keeps the last of equals; reversing keeps the first listed.
            .rev()
            .max_by_key(|(s, _)| s.severity());
        let (shows, source, reason) = match inherited {
            Some((worse, source)) if worse.severity() > status.severity() => {
                (worse, Some(source), Some(because(source, worse)))
            }
            // As bad as its dependency: the trouble more likely starts further along.
            Some((same, source)) if same.severity() == status.severity() => {
                (status, Some(source), None)
            }
            _ => (status, status.is_failing().then_some(service), None),
        };
        shown.insert(&service.id, (shows, source));
        out.insert(service.id.clone(), (shows, reason));
    }
    Ok(out)
}

/// Where each failing service's trouble starts, from the statuses shown (after
/// [`propagate`]): the service itself when it fails on its own, or the service further
/// along its `depends_on` whose failure it shows. The same rule as `propagate`'s reason:
/// a service as bad as a failing dependency is taken to fail because of it, so one
/// outage is told once, at its root. Services not failing are left out.
pub fn root_causes(
    services: &[Service],
    shown: &HashMap<String, Status>,
) -> Result<HashMap<String, String>, Vec<DependencyError>> {
    let order = check_dependencies(services)?;
    let mut roots: HashMap<String, String> = HashMap::new();
    for i in order {
        let service = &services[i];
        let status = shown.get(&service.id).copied().unwrap_or(Status::Unknown);
        if !status.is_failing() {
            continue;
        }
        // The first listed dependency that is failing as badly; none can show worse,
        // since a service shows at least as bad as what it depends on.
        let root = service
            .depends_on
            .iter()
            .filter(|dep| {
                shown
                    .get(dep.as_str())
                    .is_some_and(|s| s.is_failing() && s.severity() >= status.severity())
            })
            .find_map(|dep| roots.get(dep.as_str()).cloned())
            .unwrap_or_else(|| service.id.clone());
        roots.insert(service.id.clone(), root);
    }
    Ok(roots)
}

fn because(source: &Service, status: Status) -> String {
    let state = match status {
        Status::MajorOutage => "down",
        Status::PartialOutage => "partly down",
        _ => "slow",
    };
    format!("because {} is {state}", source.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn service(id: &str, name: &str, depends_on: &[&str]) -> Service {
        Service {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            group: String::new(),
            depends_on: depends_on.iter().map(|d| (*d).into()).collect(),
            position: 0,
            probes: Vec::new(),
        }
    }

    fn tis() -> Vec<Service> {
        vec![
            service("bulk-upload", "Bulk upload", &["admins-ui", "sign-in"]),
            service("admins-ui", "Admins UI", &["sign-in", "reference"]),
            service("sign-in", "Sign-in", &[]),
            service("reference", "Reference data", &[]),
        ]
    }

    fn own(pairs: &[(&str, Status)]) -> HashMap<String, Status> {
        pairs.iter().map(|(id, s)| ((*id).into(), *s)).collect()
    }

    fn shown(services: &[Service], pairs: &[(&str, Status)], id: &str) -> (Status, Option<String>) {
        propagate(services, &own(pairs)).unwrap()[id].clone()
    }

    use Status::*;

    #[test]
    fn each_failure_is_traced_to_the_service_where_it_starts() {
        let services = tis();
        let all = |pairs: &[(&str, Status)]| -> HashMap<String, String> {
            let shown: HashMap<String, Status> = propagate(&services, &own(pairs))
                .unwrap()
                .into_iter()
                .map(|(id, (s, _))| (id, s))
                .collect();
            root_causes(&services, &shown).unwrap()
        };
        // Sign-in down: everything that needs it is down because of it, even where its
        // own check fails too.
        let roots = all(&[
            ("sign-in", MajorOutage),
            ("bulk-upload", MajorOutage),
            ("admins-ui", Operational),
            ("reference", Operational),
        ]);
        assert_eq!(roots["bulk-upload"], "sign-in");
        assert_eq!(roots["admins-ui"], "sign-in");
        assert_eq!(roots["sign-in"], "sign-in");
        assert!(!roots.contains_key("reference"));
        // Bulk upload down on its own while what it needs works, or worse than it.
        let roots = all(&[
            ("sign-in", Operational),
            ("bulk-upload", MajorOutage),
            ("admins-ui", Operational),
            ("reference", Operational),
        ]);
        assert_eq!(roots.len(), 1);
        assert_eq!(roots["bulk-upload"], "bulk-upload");
        let roots = all(&[
            ("sign-in", Degraded),
            ("bulk-upload", MajorOutage),
            ("admins-ui", Operational),
            ("reference", Operational),
        ]);
        assert_eq!(roots["bulk-upload"], "bulk-upload");
        assert_eq!(roots["admins-ui"], "sign-in");
    }

    #[test]
    fn dependencies_come_first_in_the_order() {
        let services = tis();
        let order = check_dependencies(&services).unwrap();
        let pos = |id: &str| order.iter().position(|&i| services[i].id == id).unwrap();
        assert!(pos("sign-in") < pos("admins-ui"));
        assert!(pos("reference") < pos("admins-ui"));
        assert!(pos("admins-ui") < pos("bulk-upload"));
        assert_eq!(order.len(), 4);
    }

    #[test]
    fn an_unknown_id_names_the_service_the_missing_id_and_the_known_ids() {
        let services = vec![
            service("bulk-upload", "Bulk upload", &["sign-on"]),
            service("sign-in", "Sign-in", &[]),
        ];
        let errors = check_dependencies(&services).unwrap_err();
        let text = errors[0].to_string();
        assert!(text.contains("\"bulk-upload\""), "{text}");
        assert!(text.contains("\"sign-on\""), "{text}");
        assert!(text.contains("bulk-upload, sign-in"), "{text}");
    }

    #[test]
    fn a_loop_is_named_in_full() {
        let services = vec![
            service("a", "A", &["b"]),
            service("b", "B", &["c"]),
            service("c", "C", &["a"]),
        ];
        let errors = check_dependencies(&services).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("a → b → c → a"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn every_problem_is_listed_at_once() {
        let services = vec![
            service("a", "A", &["a", "nowhere"]),
            service("b", "B", &["c"]),
            service("c", "C", &["b"]),
            service("a", "A again", &[]),
        ];
        let errors = check_dependencies(&services).unwrap_err();
        assert!(errors.contains(&DependencyError::DuplicateId {
            id: "a".into(),
            count: 2
        }));
        assert!(errors.contains(&DependencyError::DependsOnItself {
            service: "a".into()
        }));
        assert!(errors.iter().any(
            |e| matches!(e, DependencyError::UnknownId { missing, .. } if missing == "nowhere")
        ));
        assert!(errors.contains(&DependencyError::Cycle {
            path: vec!["b".into(), "c".into(), "b".into()]
        }));
        assert_eq!(errors.len(), 4);
        assert!(
            errors[0]
                .to_string()
                .contains("give each service its own id")
        );
        assert!(errors.iter().any(|e| e.to_string()
            == "service \"a\" depends on itself; remove \"a\" from its depends_on"));
    }

    #[test]
    fn a_long_chain_is_checked_without_running_out_of_stack() {
        let ids: Vec<String> = (0..100_000).map(|i| format!("s{i}")).collect();
        let services: Vec<Service> = (0..ids.len())
            .map(|i| {
                let deps: Vec<&str> = ids.get(i + 1).map(|d| d.as_str()).into_iter().collect();
                service(&ids[i], &ids[i], &deps)
            })
            .collect();
        let order = check_dependencies(&services).unwrap();
        assert_eq!(order.first(), Some(&(ids.len() - 1)));
    }

    #[test]
    fn a_service_whose_dependency_is_down_is_shown_down_because_of_it() {
        let s = tis();
        let all_up = [
            ("bulk-upload", Operational),
            ("admins-ui", Operational),
            ("reference", Operational),
        ];
        let with = |sign_in| {
            let mut pairs = all_up.to_vec();
            pairs.push(("sign-in", sign_in));
            pairs
        };
        assert_eq!(
            shown(&s, &with(MajorOutage), "bulk-upload"),
            (MajorOutage, Some("because Sign-in is down".into()))
        );
        assert_eq!(
            shown(&s, &with(PartialOutage), "admins-ui"),
            (PartialOutage, Some("because Sign-in is partly down".into()))
        );
        assert_eq!(
            shown(&s, &with(Degraded), "bulk-upload"),
            (Degraded, Some("because Sign-in is slow".into()))
        );
        assert_eq!(
            shown(&s, &with(MajorOutage), "sign-in"),
            (MajorOutage, None)
        );
        assert_eq!(
            shown(&s, &with(MajorOutage), "reference"),
            (Operational, None)
        );
    }

    #[test]
    fn the_reason_names_where_the_trouble_starts_along_a_chain() {
        let s = vec![
            service("a", "Trainee self-service", &["b"]),
            service("b", "Notifications", &["sign-in"]),
            service("sign-in", "Sign-in", &[]),
        ];
        let pairs = [
            ("a", Operational),
            ("b", MajorOutage),
            ("sign-in", MajorOutage),
        ];
        assert_eq!(
            shown(&s, &pairs, "a").1.as_deref(),
            Some("because Sign-in is down")
        );
        // b is down itself: no "because", though the cause passed on is still Sign-in.
        assert_eq!(shown(&s, &pairs, "b"), (MajorOutage, None));
    }

    #[test]
    fn a_service_is_never_shown_better_than_its_own_status() {
        let s = tis();
        let pairs = [
            ("bulk-upload", MajorOutage),
            ("admins-ui", Operational),
            ("sign-in", Degraded),
            ("reference", Operational),
        ];
        assert_eq!(shown(&s, &pairs, "bulk-upload"), (MajorOutage, None));
    }

    #[test]
    fn no_data_and_maintenance_do_not_pass_on() {
        let s = tis();
        let pairs = [
            ("bulk-upload", Operational),
            ("admins-ui", Operational),
            ("reference", Maintenance),
        ];
        assert_eq!(shown(&s, &pairs, "bulk-upload"), (Operational, None));
        assert_eq!(shown(&s, &pairs, "admins-ui"), (Operational, None));
        assert_eq!(shown(&s, &pairs, "sign-in"), (Unknown, None));
    }

    #[test]
    fn the_worst_dependency_wins() {
        let s = tis();
        let pairs = [
            ("bulk-upload", Operational),
            ("admins-ui", Degraded),
            ("sign-in", Operational),
            ("reference", PartialOutage),
        ];
        assert_eq!(
            shown(&s, &pairs, "bulk-upload"),
            (
                PartialOutage,
                Some("because Reference data is partly down".into())
            )
        );
    }

    #[test]
    fn propagation_refuses_a_broken_config() {
        let s = vec![service("a", "A", &["b"]), service("b", "B", &["a"])];
        assert!(propagate(&s, &HashMap::new()).is_err());
    }

    fn status() -> impl Strategy<Value = Status> {
        prop_oneof![
            Just(Operational),
            Just(Degraded),
            Just(PartialOutage),
            Just(MajorOutage),
            Just(Maintenance),
            Just(Unknown)
        ]
    }

    /// Up to 8 services named s0..s7, each depending on any ids, some of them missing.
    fn graph() -> impl Strategy<Value = Vec<Service>> {
        proptest::collection::vec(proptest::collection::vec(0usize..10, 0..4), 0..8).prop_map(
            |deps| {
                deps.iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let ids: Vec<String> = d.iter().map(|j| format!("s{j}")).collect();
                        let refs: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
                        service(&format!("s{i}"), &format!("S{i}"), &refs)
                    })
                    .collect()
            },
        )
    }

    /// Graphs without loops: each service depends only on later ones.
    fn acyclic() -> impl Strategy<Value = (Vec<Service>, Vec<Status>)> {
        (1usize..8).prop_flat_map(|n| {
            (
                proptest::collection::vec(proptest::collection::vec(0usize..8, 0..3), n),
                proptest::collection::vec(status(), n),
            )
                .prop_map(move |(deps, statuses)| {
                    let services = deps
                        .iter()
                        .enumerate()
                        .map(|(i, d)| {
                            let ids: Vec<String> = d
                                .iter()
                                .filter(|j| **j > i && **j < n)
                                .map(|j| format!("s{j}"))
                                .collect();
                            let refs: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
                            service(&format!("s{i}"), &format!("S{i}"), &refs)
                        })
                        .collect();
                    (services, statuses)
                })
        })
    }

    proptest! {
        #[test]
        fn an_order_puts_every_dependency_first_and_errors_are_real(services in graph()) {
            match check_dependencies(&services) {
                Ok(order) => {
                    let mut sorted = order.clone();
                    sorted.sort_unstable();
                    prop_assert_eq!(sorted, (0..services.len()).collect::<Vec<_>>());
                    for (pos, &i) in order.iter().enumerate() {
                        for dep in &services[i].depends_on {
                            let j = services.iter().position(|s| &s.id == dep).unwrap();
                            prop_assert!(order[..pos].contains(&j));
                        }
                    }
                }
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        if let DependencyError::Cycle { path } = &e {
                            prop_assert!(path.len() >= 3 && path.first() == path.last());
                            for pair in path.windows(2) {
                                let s = services.iter().find(|s| s.id == pair[0]).unwrap();
                                prop_assert!(s.depends_on.contains(&pair[1]));
                            }
                        }
                    }
                }
            }
        }

        #[test]
        fn shown_status_is_own_or_worse_and_only_worse_with_a_reason((services, statuses) in acyclic()) {
            let own: HashMap<String, Status> = services.iter().zip(&statuses).map(|(s, st)| (s.id.clone(), *st)).collect();
            let shown = propagate(&services, &own).unwrap();
            for s in &services {
                let (shows, reason) = &shown[&s.id];
                let mine = own[&s.id];
                prop_assert!(shows.severity() >= mine.severity());
                prop_assert_eq!(shows != &mine, reason.is_some());
                if let Some(reason) = reason {
                    // The named service is itself failing in the way the reason says.
                    let named = services.iter().find(|o| reason == &because(o, own[&o.id]));
                    prop_assert!(named.is_some(), "{reason}");
                    prop_assert!(own[&named.unwrap().id] == *shows);
                }
            }
        }

        #[test]
        fn with_nothing_failing_nothing_is_affected((services, statuses) in acyclic()) {
            let own: HashMap<String, Status> = services.iter().zip(&statuses)
                .map(|(s, st)| (s.id.clone(), if st.is_failing() { Operational } else { *st })).collect();
            let shown = propagate(&services, &own).unwrap();
            for s in &services {
                prop_assert_eq!(&shown[&s.id], &(own[&s.id], None));
            }
        }
    }
}
