//! Public reads come from snapshots: a `Model` loaded once when data changes, and each
//! answer built from it at most once per snapshot, serialized, with a strong ETag. A
//! surge of readers during an outage costs a hash lookup each, not a database query.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;
use crate::events::{Change, Fingerprint};
use crate::model::Model;

/// Status goes stale by time alone (no result within 3 intervals), so the snapshot is
/// also rebuilt on this beat even when nothing was written.
const REBUILD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Writes that come close together (a burst of probe results) share one rebuild.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Rebuilds the snapshot whenever data changes, until `shutdown` turns true.
/// After each rebuild that changed something readers see, open pages are told (see
/// `events`); on shutdown their streams are ended, so they do not hold the server up.
pub async fn keep_fresh(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let mut seen = Fingerprint::of(&state.snapshots.current().model);
    loop {
        tokio::select! {
            _ = state.changes.notified() => tokio::time::sleep(SETTLE).await,
            _ = tokio::time::sleep(REBUILD_EVERY) => {}
            // wait_for would hold a non-Send guard across the select.
            _ = shutdown.changed() => {
                state.events.close();
                return;
            }
        }
        let ticket = state.snapshots.begin_load();
        match Model::load(&state, chrono::Utc::now()).await {
            Ok(model) => {
                let now = Fingerprint::of(&model);
                // Not put in place when a write's own refresh that began later already has
                // newer data; that write asks for this rebuild again, so nothing is missed.
                if state.snapshots.replace_loaded(model, ticket) {
                    let parts = seen.changed(&now);
                    if !parts.is_empty() {
                        let generation = state.snapshots.current().generation;
                        state.events.publish(Change { generation, parts });
                    }
                    seen = now;
                }
            }
            // Readers keep the last good snapshot; the next change or beat tries again.
            Err(e) => tracing::error!(error = %e, "could not rebuild the snapshot"),
        }
    }
}

/// How long browsers and CDNs may reuse a public answer before asking again (with the
/// ETag, so an unchanged answer costs a 304).
pub const PUBLIC_MAX_AGE: &str =
    "public, max-age=5, stale-while-revalidate=30, stale-if-error=86400";

/// The current snapshot, swapped whole when data changes.
#[derive(Clone)]
pub struct Snapshots {
    current: Arc<RwLock<Arc<Snapshot>>>,
    /// Numbers the loads of the model in the order they began.
    loads: Arc<AtomicU64>,
}

/// Where a load of the model stands in the order loads began ([`Snapshots::begin_load`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoadTicket(u64);

impl Snapshots {
    pub fn new(model: Model) -> Snapshots {
        Snapshots {
            current: Arc::new(RwLock::new(Arc::new(Snapshot::new(model, 1, 0)))),
            loads: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Takes the next ticket, just before a load of the model begins.
    pub fn begin_load(&self) -> LoadTicket {
        LoadTicket(self.loads.fetch_add(1, Ordering::SeqCst) + 1)
    }

    /// Puts in place a model loaded under `ticket`, unless one whose load began later is
    /// already there. Loads finish out of order (the background rebuild and a write's own
    /// refresh), and one that began before a write may not have it: putting it back would
    /// undo the write for readers, and make an editor's next save look like a conflict.
    /// Returns whether it was put in place.
    pub fn replace_loaded(&self, model: Model, ticket: LoadTicket) -> bool {
        let mut slot = match self.current.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if ticket.0 < slot.ticket {
            return false;
        }
        let generation = slot.generation + 1;
        *slot = Arc::new(Snapshot::new(model, generation, ticket.0));
        true
    }

    pub fn current(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(s) => s.clone(),
            // A panic while swapping cannot leave a half-written Arc, so the value is fine.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, model: Model) {
        let mut slot = match self.current.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let generation = slot.generation + 1;
        let ticket = slot.ticket;
        *slot = Arc::new(Snapshot::new(model, generation, ticket));
    }
}

pub struct Snapshot {
    pub model: Arc<Model>,
    /// Counts up with every rebuild.
    pub generation: u64,
    /// The ticket of the load that made the model.
    ticket: u64,
    built: Mutex<HashMap<String, Arc<Cached>>>,
}

impl Snapshot {
    fn new(model: Model, generation: u64, ticket: u64) -> Snapshot {
        Snapshot {
            model: Arc::new(model),
            generation,
            ticket,
            built: Mutex::new(HashMap::new()),
        }
    }

    /// The answer stored under `key` (the path and normalised query), building it from the
    /// model the first time it is asked for in this snapshot.
    pub fn get(
        &self,
        key: &str,
        content_type: &'static str,
        build: impl FnOnce(&Model) -> Vec<u8>,
    ) -> Arc<Cached> {
        if let Some(hit) = self.lock().get(key) {
            return hit.clone();
        }
        // Built outside the lock: two first readers may both build, which is harmless.
        let cached = Arc::new(Cached::new(build(&self.model), content_type));
        self.lock().entry(key.to_string()).or_insert(cached).clone()
    }

    /// Like [`Snapshot::get`] for a JSON answer.
    pub fn json<T: Serialize>(&self, key: &str, build: impl FnOnce(&Model) -> T) -> Arc<Cached> {
        self.get(key, "application/json", |model| {
            serde_json::to_vec(&build(model)).unwrap_or_else(|e| {
                tracing::error!(error = %e, key, "a public answer did not serialize");
                b"{}".to_vec()
            })
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Cached>>> {
        match self.built.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// A serialized answer and its ETag.
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
    pub content_type: &'static str,
}

impl Cached {
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Cached {
        let etag = format!("\"{:016x}\"", fnv1a(&body));
        Cached {
            body: Bytes::from(body),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
            content_type,
        }
    }

    /// 304 when the reader already has this version, else the bytes.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == self.etag)
            });
        let headers = [
            (header::ETAG, self.etag.clone()),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(PUBLIC_MAX_AGE),
            ),
        ];
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (
            headers,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            )],
            self.body.clone(),
        )
            .into_response()
    }
}

/// FNV-1a, 64 bit: a fast content hash for ETags (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_that_began_earlier_never_replaces_one_that_began_later() {
        let snapshots = Snapshots::new(Model::empty());
        let early = snapshots.begin_load();
        let late = snapshots.begin_load();
        let mut newer = Model::empty();
        newer.demo = true;
        assert!(snapshots.replace_loaded(newer, late));
        // The earlier load finishes last, without the write the later one saw.
        assert!(!snapshots.replace_loaded(Model::empty(), early));
        assert!(snapshots.current().model.demo, "the newer model stays");
        assert!(snapshots.replace_loaded(Model::empty(), snapshots.begin_load()));
        assert!(!snapshots.current().model.demo);
    }
}
