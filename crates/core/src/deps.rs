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
    format!("because {} is {}", source.name, status.in_sentence())
}

#[cfg(test)]
mod tests;
