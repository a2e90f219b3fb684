//! Data for the public pages, kept current: every piece a page shows is a [`Live`] value.
//! It starts from the copy kept in the browser (so a reader sees the last known status at
//! once, even when the server cannot be reached), asks the server with the copy's ETag (a
//! 304 costs a few bytes), and asks again whenever the server says that part changed, or
//! on a timer when it cannot say (see [`crate::conn`]). Requests go through [`crate::http`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use crate::conn::{Conn, Part};
pub use crate::http::ApiError;
use crate::http::{Request, send};
use crate::{cache, now};

/// How long a request may take before the server counts as unreachable.
const TIMEOUT_MS: u32 = 20_000;

/// What the server said to a GET.
enum Answer {
    Fresh {
        body: String,
        etag: Option<String>,
    },
    /// The copy we have is current.
    NotModified,
    /// The server could not be reached, and the service worker answered with the copy it
    /// kept at `as_of`: last-known, never current.
    Kept {
        body: String,
        etag: Option<String>,
        as_of: DateTime<Utc>,
    },
}

async fn get(path: &str, etag: Option<&str>) -> Result<Answer, ApiError> {
    let mut request = Request::get(path).timeout(TIMEOUT_MS);
    if let Some(tag) = etag {
        // Set by hand, the browser hands a 304 to us rather than answering from its cache,
        // so an unchanged answer is not even parsed again.
        request = request.header("If-None-Match", tag);
    }
    let answer = send(request).await?;
    if answer.status == 304 {
        return Ok(Answer::NotModified);
    }
    let etag = answer.header("ETag");
    let kept_at = answer
        .header("X-TIS-Kept-At")
        .and_then(|ms| DateTime::from_timestamp_millis(ms.parse().ok()?));
    let body = answer.body;
    if let Some(as_of) = kept_at {
        return Ok(Answer::Kept { body, etag, as_of });
    }
    Ok(Answer::Fresh { body, etag })
}

/// An answer as the page has it: the JSON text, and when the server last confirmed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub body: Arc<str>,
    /// When this browser last heard from the server that this was current.
    pub as_of: DateTime<Utc>,
}

/// One piece of data from the API, kept current. See the module documentation.
///
/// The fetching, caching and retrying here know nothing of the data's type: only
/// [`Live::state`] parses it. Written generically, every kind of data would carry its
/// own copy of all that code in the Wasm.
#[derive(Clone, Copy)]
pub struct Raw {
    pub data: RwSignal<Option<Fetched>>,
    /// The latest failure; cleared by the next success.
    pub error: RwSignal<Option<ApiError>>,
}

/// A [`Raw`] answer that reads as `T`.
pub struct Live<T> {
    raw: Raw,
    kind: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Live<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Live<T> {}

/// What a page should show for a [`Live`] value.
#[derive(Debug)]
pub enum Shown<T> {
    /// Waiting for the first answer, with nothing kept from before.
    Loading,
    Ready(Arc<T>),
    /// No data at all, and why.
    Failed(ApiError),
}

impl<T> Clone for Shown<T> {
    fn clone(&self) -> Self {
        match self {
            Shown::Loading => Shown::Loading,
            Shown::Ready(v) => Shown::Ready(v.clone()),
            Shown::Failed(e) => Shown::Failed(e.clone()),
        }
    }
}

impl<T> Shown<T> {
    pub fn ready(&self) -> Option<&Arc<T>> {
        match self {
            Shown::Ready(v) => Some(v),
            _ => None,
        }
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> Live<T> {
    /// What to show, read from the latest answer. It changes only when the answer's text
    /// does (not when the server only confirmed it), so pages are not redrawn for nothing.
    pub fn state(&self) -> Memo<Shown<T>> {
        let body = self.raw.body();
        let error = self.raw.error;
        Memo::new_with_compare(
            move |_| {
                let parsed = body.with(|b| {
                    b.as_ref()
                        .map(|b| serde_json::from_str::<T>(b).map_err(|_| ApiError::Unreadable))
                });
                match (parsed, error.get()) {
                    // A missing thing is missing, even if an old copy says otherwise.
                    (_, Some(e @ ApiError::NotFound(_))) => Shown::Failed(e),
                    (Some(Ok(value)), _) => Shown::Ready(Arc::new(value)),
                    (Some(Err(e)), _) | (None, Some(e)) => Shown::Failed(e),
                    (None, None) => Shown::Loading,
                }
            },
            // A new parse is a new value; the text memo below already skips repeats.
            |_, _| true,
        )
    }
}

impl<T> Live<T> {
    /// When the data was last confirmed by the server.
    pub fn as_of(&self) -> Signal<Option<DateTime<Utc>>> {
        let data = self.raw.data;
        Signal::derive(move || data.with(|d| d.as_ref().map(|d| d.as_of)))
    }
}

impl Raw {
    /// The answer's text alone, changing only when the text does.
    fn body(&self) -> Memo<Option<Arc<str>>> {
        let data = self.data;
        Memo::new(move |_| data.with(|d| d.as_ref().map(|d| d.body.clone())))
    }
}

#[derive(Default)]
struct Requests {
    path: Option<String>,
    etag: Option<String>,
    /// The nudge count last acted on.
    seen: u64,
    busy: bool,
    /// Asked again while busy: ask once more when done.
    again: bool,
}

/// Keeps the answer at `path` current. `path` may change (a filter, another incident);
/// `None` means nothing to load yet. `parts` are the kinds of change (see [`Part`])
/// that make it ask again.
pub fn live<T>(path: impl Fn() -> Option<String> + 'static, parts: &'static [Part]) -> Live<T> {
    Live {
        raw: raw(Box::new(path), parts),
        kind: std::marker::PhantomData,
    }
}

fn raw(path: Box<dyn Fn() -> Option<String>>, parts: &'static [Part]) -> Raw {
    let raw = Raw {
        data: RwSignal::new(None),
        error: RwSignal::new(None),
    };
    let state = StoredValue::new_local(Requests::default());
    let conn = expect_context::<Conn>();
    Effect::new(move |previous: Option<Option<String>>| {
        let path = path();
        let count = conn.nudges(parts);
        let nudged = state
            .try_update_value(|s| std::mem::replace(&mut s.seen, count) != count)
            .unwrap_or(false);
        let moved = previous.as_ref() != Some(&path);
        if moved {
            let kept = path.as_deref().and_then(cache::newest);
            state.update_value(|s| {
                s.path = path.clone();
                s.etag = kept.as_ref().and_then(|k| k.etag.clone());
            });
            raw.error.set(None);
            raw.data.set(kept.map(|k| Fetched {
                body: k.body.into(),
                as_of: k.as_of,
            }));
        }
        if (moved || nudged) && path.is_some() {
            load(raw, state, conn);
        }
        path
    });
    raw
}

fn load(raw: Raw, state: StoredValue<Requests, LocalStorage>, conn: Conn) {
    let Some((path, etag)) = state
        .try_update_value(|s| {
            if s.busy {
                s.again = true;
                return None;
            }
            s.busy = true;
            Some((s.path.clone()?, s.etag.clone()))
        })
        .flatten()
    else {
        return;
    };
    // Not a `LocalResource`: a live answer starts from the copy kept in the browser, asks
    // with its ETag, keeps showing the last answer (with its age) while a request fails,
    // and folds nudges that arrive mid-request into one more request. A resource would
    // drop the kept copy on every refetch and ask once per nudge.
    spawn_local(async move {
        let answer = get(&path, etag.as_deref()).await;
        let current = state.try_with_value(|s| s.path.as_deref() == Some(path.as_str()));
        // The page may have gone, or moved on to other data while we waited.
        if current == Some(true) {
            settle(raw, state, conn, &path, answer);
        }
        let again = state
            .try_update_value(|s| {
                s.busy = false;
                std::mem::take(&mut s.again)
            })
            .unwrap_or(false);
        if again {
            load(raw, state, conn);
        }
    });
}

fn settle(
    raw: Raw,
    state: StoredValue<Requests, LocalStorage>,
    conn: Conn,
    path: &str,
    answer: Result<Answer, ApiError>,
) {
    let at = now();
    match answer {
        Ok(Answer::NotModified) => {
            conn.reached();
            raw.error.set(None);
            raw.data.update(|d| {
                if let Some(d) = d {
                    d.as_of = at;
                }
            });
            cache::touch(path, at);
        }
        Ok(Answer::Fresh { body, etag }) => {
            conn.reached();
            cache::write(path, etag.as_deref(), at, &body);
            state.update_value(|s| s.etag = etag);
            raw.error.set(None);
            raw.data.set(Some(Fetched {
                body: body.into(),
                as_of: at,
            }));
        }
        Ok(Answer::Kept { body, etag, as_of }) => {
            conn.unreachable();
            // Used only when the page has nothing newer, and shown with its own age.
            let newer = raw
                .data
                .with_untracked(|d| d.as_ref().is_some_and(|d| d.as_of >= as_of));
            if !newer {
                state.update_value(|s| s.etag = etag);
                raw.data.set(Some(Fetched {
                    body: body.into(),
                    as_of,
                }));
            }
            raw.error.set(Some(ApiError::Network));
        }
        Err(e) => {
            if e.is_passing() {
                conn.unreachable();
            } else {
                conn.reached();
            }
            raw.error.set(Some(e));
        }
    }
}
