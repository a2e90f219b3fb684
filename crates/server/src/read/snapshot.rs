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
use crate::http::error::AppError;
use crate::http::v1::events::{Change, Fingerprint};
use crate::read::model::Model;
use tokio_util::sync::CancellationToken;

/// Status goes stale by time alone (no result within 3 intervals), so the snapshot is
/// also rebuilt on this beat even when nothing was written.
const REBUILD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// Writes that come close together (a burst of probe results) share one rebuild.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(200);

/// Rebuilds the snapshot whenever data changes, until `shutdown` is cancelled.
/// After each rebuild that changed something readers see, open pages are told (see
/// `events`); on shutdown their streams are ended, so they do not hold the server up.
pub async fn keep_fresh(state: AppState, shutdown: CancellationToken) {
    let mut seen = Fingerprint::of(&state.snapshots.current().model);
    loop {
        tokio::select! {
            _ = state.changes.notified() => tokio::time::sleep(SETTLE).await,
            _ = tokio::time::sleep(REBUILD_EVERY) => {}
            () = shutdown.cancelled() => {
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
    /// Answers loaded from the store that stay right across snapshots, such as an
    /// incident's check history up to a whole minute (see [`Snapshots::load_lasting`]).
    lasting: Arc<Mutex<LoadedMap>>,
}

type LoadedMap = HashMap<String, Arc<tokio::sync::OnceCell<Arc<Cached>>>>;

/// The most lasting answers kept; past it they are all dropped and loaded again, which
/// costs one query each, so a flood of made-up addresses cannot grow memory.
const LASTING_MAX: usize = 512;

/// Where a load of the model stands in the order loads began ([`Snapshots::begin_load`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoadTicket(u64);

impl Snapshots {
    pub fn new(model: Model) -> Snapshots {
        Snapshots {
            current: Arc::new(RwLock::new(Arc::new(Snapshot::new(model, 1, 0)))),
            loads: Arc::new(AtomicU64::new(0)),
            lasting: Arc::default(),
        }
    }

    /// Like [`Snapshot::load_json`], for an answer that stays right once loaded whatever
    /// later snapshots hold (its key names everything it depends on): loaded by its
    /// first reader, however many come after.
    pub async fn load_lasting<T, F, Fut>(&self, key: &str, load: F) -> Result<Arc<Cached>, AppError>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let cell = {
            let mut lasting = match self.lasting.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            if lasting.len() >= LASTING_MAX && !lasting.contains_key(key) {
                lasting.clear();
            }
            lasting.entry(key.to_string()).or_default().clone()
        };
        load_into(&cell, load).await
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
    /// Answers that need the store (raw results), each loaded by its first reader while
    /// the others wait for that one load: a crowd costs one query per snapshot, not one
    /// per reader.
    loaded: Mutex<LoadedMap>,
}

impl Snapshot {
    fn new(model: Model, generation: u64, ticket: u64) -> Snapshot {
        Snapshot {
            model: Arc::new(model),
            generation,
            ticket,
            built: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
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

    /// The JSON answer stored under `key`, loaded with `load` (which may query the
    /// store) by the first reader in this snapshot; readers who come meanwhile wait for
    /// that load rather than start their own. A failed load is not kept: the next reader
    /// tries again.
    pub async fn load_json<T, F, Fut>(&self, key: &str, load: F) -> Result<Arc<Cached>, AppError>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let cell = {
            let mut loaded = match self.loaded.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            loaded.entry(key.to_string()).or_default().clone()
        };
        load_into(&cell, load).await
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Cached>>> {
        match self.built.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Fills `cell` with the JSON answer `load` gives, unless it is full already; readers who
/// come while it loads wait for that one load. A failed load leaves it empty.
async fn load_into<T, F, Fut>(
    cell: &tokio::sync::OnceCell<Arc<Cached>>,
    load: F,
) -> Result<Arc<Cached>, AppError>
where
    T: Serialize,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    cell.get_or_try_init(|| async {
        let value = load().await?;
        let body = serde_json::to_vec(&value)
            .map_err(|e| AppError::Internal(format!("a public answer did not serialize: {e}")))?;
        Ok(Arc::new(Cached::new(body, "application/json")))
    })
    .await
    .cloned()
}

/// A serialized answer, compressed once (brotli and gzip) when it is built, and its ETag.
/// A crowd of readers then costs a copy of bytes each, never a compression.
pub struct Cached {
    pub body: Bytes,
    pub etag: HeaderValue,
    pub content_type: &'static str,
    /// The hash the ETags are made from; each encoding has its own tag (see `tag_for`).
    tag: String,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

/// Answers smaller than this are sent as they are: compressing would save next to nothing.
const COMPRESS_FROM: usize = 512;
/// Brotli quality 5 compresses a 100 KB answer in about a millisecond, to within a few
/// per cent of quality 11, which takes a hundred times longer: these are built once per
/// snapshot, on the first reader's request, and that reader should not wait.
const BROTLI_QUALITY: i32 = 5;

impl Cached {
    pub fn new(body: Vec<u8>, content_type: &'static str) -> Cached {
        let tag = format!("{:016x}", fnv1a(&body));
        let etag = format!("\"{tag}\"");
        let (brotli, gzip) = if body.len() >= COMPRESS_FROM {
            (
                brotli(&body, BROTLI_QUALITY),
                gzip(&body, flate2::Compression::default()),
            )
        } else {
            (None, None)
        };
        Cached {
            body: Bytes::from(body),
            etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
            content_type,
            tag,
            brotli,
            gzip,
        }
    }

    /// The ETag of the answer as sent in `encoding`: the same content in another encoding
    /// is another representation, so caches must not mix them up.
    fn tag_for(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.tag),
            Encoding::Gzip => format!("\"{}-gz\"", self.tag),
            Encoding::Identity => format!("\"{}\"", self.tag),
        }
    }

    /// 304 when the reader already has this version (in any encoding), else the bytes in
    /// the best encoding the reader accepts.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let accepted = accepted_encodings(request);
        let (encoding, body) = match (&self.brotli, &self.gzip) {
            (Some(b), _) if accepted.brotli => (Encoding::Brotli, b.clone()),
            (_, Some(g)) if accepted.gzip => (Encoding::Gzip, g.clone()),
            _ => (Encoding::Identity, self.body.clone()),
        };
        let etag = self.tag_for(encoding);
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',').any(|t| {
                    let t = t.trim().trim_start_matches("W/");
                    t == "*"
                        || [Encoding::Identity, Encoding::Brotli, Encoding::Gzip]
                            .iter()
                            .any(|e| self.tag_for(*e) == t)
                })
            });
        let mut headers = HeaderMap::new();
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PUBLIC_MAX_AGE),
        );
        // Caches must keep one copy per encoding, whichever this reader got.
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        match encoding {
            Encoding::Brotli => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
            }
            Encoding::Gzip => {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            Encoding::Identity => {}
        }
        (headers, body).into_response()
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

#[derive(Default, Debug, PartialEq)]
struct Accepted {
    brotli: bool,
    gzip: bool,
}

/// Which of brotli and gzip `Accept-Encoding` allows (`q=0` refuses one; `*` allows both).
fn accepted_encodings(request: &HeaderMap) -> Accepted {
    let mut star = None;
    let (mut brotli, mut gzip) = (None, None);
    for value in request.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let allowed = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next_back()
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_none_or(|q| q > 0.0);
            match name.as_str() {
                "br" => brotli = Some(allowed),
                "gzip" | "x-gzip" => gzip = Some(allowed),
                "*" => star = Some(allowed),
                _ => {}
            }
        }
    }
    Accepted {
        brotli: brotli.or(star).unwrap_or(false),
        gzip: gzip.or(star).unwrap_or(false),
    }
}

/// The bytes brotli-compressed at `quality` (0–11), when that makes them smaller.
pub(crate) fn brotli(body: &[u8], quality: i32) -> Option<Bytes> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    (out.len() < body.len()).then(|| Bytes::from(out))
}

/// The bytes gzip-compressed at `level`, when that makes them smaller.
pub(crate) fn gzip(body: &[u8], level: flate2::Compression) -> Option<Bytes> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(body).ok()?;
    let out = encoder.finish().ok()?;
    (out.len() < body.len()).then(|| Bytes::from(out))
}

/// FNV-1a, 64 bit: a fast content hash for ETags and build names (not for security).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn accept_encoding_is_read_with_q_values() {
        let both = Accepted {
            brotli: true,
            gzip: true,
        };
        let gzip_only = Accepted {
            brotli: false,
            gzip: true,
        };
        assert_eq!(accepted_encodings(&accept("gzip, deflate, br, zstd")), both);
        assert_eq!(accepted_encodings(&accept("br;q=0, gzip;q=0.5")), gzip_only);
        assert_eq!(accepted_encodings(&accept("*")), both);
        assert_eq!(accepted_encodings(&accept("*;q=0, gzip")), gzip_only);
        assert_eq!(accepted_encodings(&HeaderMap::new()), Accepted::default());
    }

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
