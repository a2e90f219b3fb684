//! Tests of `deps`.

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
    assert!(
        errors.iter().any(
            |e| matches!(e, DependencyError::UnknownId { missing, .. } if missing == "nowhere")
        )
    );
    assert!(errors.contains(&DependencyError::Cycle {
        path: vec!["b".into(), "c".into(), "b".into()]
    }));
    assert_eq!(errors.len(), 4);
    assert!(
        errors[0]
            .to_string()
            .contains("give each service its own id")
    );
    assert!(
        errors.iter().any(|e| e.to_string()
            == "service \"a\" depends on itself; remove \"a\" from its depends_on")
    );
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
    proptest::collection::vec(proptest::collection::vec(0usize..10, 0..4), 0..8).prop_map(|deps| {
        deps.iter()
            .enumerate()
            .map(|(i, d)| {
                let ids: Vec<String> = d.iter().map(|j| format!("s{j}")).collect();
                let refs: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
                service(&format!("s{i}"), &format!("S{i}"), &refs)
            })
            .collect()
    })
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
