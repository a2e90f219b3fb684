//! `GET /api/v1/events`: server-sent events telling open pages that something they show
//! has changed, so they fetch it again (a 304 when their copy is still current) instead of
//! polling. Events name what changed; they never carry the data itself.

use std::collections::hash_map::DefaultHasher;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::{broadcast, watch};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::read::model::Model;

/// Changes are rare (a status flip, a notice posted), so a few are plenty; a reader
/// further behind than this is told that everything changed instead of being queued for.
const BACKLOG: usize = 16;
/// Proxies and load balancers close connections that stay silent for long (often 60 s).
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How soon a browser that lost the stream tries again.
const RETRY: Duration = Duration::from_secs(5);

/// What readers can see, in parts a page can refetch separately.
pub const PARTS: [&str; 4] = ["services", "notices", "incidents", "reports"];

/// One `change` event: the snapshot generation it happened in, and what changed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub generation: u64,
    pub parts: Vec<&'static str>,
}

/// The live-events hub, shared by every request through `AppState`.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    sender: broadcast::Sender<Arc<Change>>,
    /// Turns true when the server starts to stop: open streams end, so that graceful
    /// shutdown is not held up by readers that would otherwise never leave.
    closed: watch::Sender<bool>,
    /// The generation of the latest change, for readers who reconnect.
    latest: AtomicU64,
    /// How many streams are open now.
    open: Arc<AtomicUsize>,
}

impl Default for Events {
    fn default() -> Self {
        Events::new()
    }
}

impl Events {
    pub fn new() -> Events {
        Events {
            inner: Arc::new(Inner {
                sender: broadcast::channel(BACKLOG).0,
                closed: watch::channel(false).0,
                latest: AtomicU64::new(0),
                open: Arc::new(AtomicUsize::new(0)),
            }),
        }
    }

    /// Tells every open stream about `change`.
    pub fn publish(&self, change: Change) {
        self.inner
            .latest
            .fetch_max(change.generation, Ordering::Relaxed);
        // An error only means nobody is listening right now.
        let _ = self.inner.sender.send(Arc::new(change));
    }

    /// Ends every open stream and refuses new ones: the server is stopping.
    pub fn close(&self) {
        self.inner.closed.send_replace(true);
    }

    /// Whether the server has started to stop.
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// A place for one more open stream, or `None` when `cap` are open already.
    fn admit(&self, cap: usize) -> Option<Admitted> {
        let open = &self.inner.open;
        if open.fetch_add(1, Ordering::SeqCst) >= cap {
            open.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Admitted(open.clone()))
    }

    /// How many streams are open now.
    pub fn open_streams(&self) -> usize {
        self.inner.open.load(Ordering::SeqCst)
    }

    fn everything(&self) -> Change {
        Change {
            generation: self.inner.latest.load(Ordering::Relaxed),
            parts: PARTS.to_vec(),
        }
    }
}

/// One open stream's place, given back when the stream ends (the reader left).
struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long a page refused a stream is asked to wait before trying again; meanwhile it
/// checks for changes with ETags.
const REFUSED_RETRY_AFTER: &str = "30";

/// The most streams open at once: `[server] max_event_streams`, or else half of the
/// process's open-file limit, leaving the other half for ordinary requests, the store
/// and the probes.
pub fn stream_cap(configured: Option<usize>) -> usize {
    static FROM_LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    configured.unwrap_or_else(|| {
        *FROM_LIMIT.get_or_init(|| {
            let soft = rlimit::getrlimit(rlimit::Resource::NOFILE)
                .map(|(soft, _)| soft)
                .unwrap_or(1024);
            usize::try_from(soft / 2).unwrap_or(usize::MAX).max(16)
        })
    })
}

/// A digest of what readers see in a model, part by part, to tell a rebuild that changed
/// something visible from one that only moved the clock on.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint([u64; 4]);

impl Fingerprint {
    pub fn of(model: &Model) -> Fingerprint {
        // `last_checked` moves with every probe result, and the page words it relative to
        // now ("checked 10 seconds ago") by itself, so it is not a change worth telling.
        let services: Vec<_> = model
            .services
            .iter()
            .map(|s| (&s.id, &s.name, &s.group, s.status, &s.reason, s.position))
            .collect();
        // Which notices are shown depends on the time as well as on the data.
        let shown: Vec<i64> = model.active_notices().map(|n| n.id).collect();
        let upcoming: Vec<i64> = model.upcoming_notices().map(|n| n.id).collect();
        let incidents: Vec<_> = model
            .incidents
            .iter()
            .map(|i| tis_core::Incident {
                report: None,
                ..i.clone()
            })
            .collect();
        let reports: Vec<_> = model.incidents.iter().map(|i| (i.id, &i.report)).collect();
        Fingerprint([
            digest(&services),
            digest(&(&model.notices, shown, upcoming)),
            digest(&incidents),
            digest(&(reports, model.revisions.len())),
        ])
    }

    /// The parts that differ between `self` and `newer`, in [`PARTS`] order.
    pub fn changed(&self, newer: &Fingerprint) -> Vec<&'static str> {
        PARTS
            .iter()
            .zip(self.0.iter().zip(newer.0.iter()))
            .filter(|(_, (a, b))| a != b)
            .map(|(part, _)| *part)
            .collect()
    }
}

/// A hash of the JSON form, which is what readers are sent.
fn digest<T: Serialize>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes.hash(&mut hasher),
        // Never expected for these types; differing from any real digest means a reader
        // refetches once too often rather than missing a change.
        Err(_) => u64::MAX.hash(&mut hasher),
    }
    hasher.finish()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
}

/// What a stream sends, before it becomes SSE text.
#[derive(Debug, Clone, PartialEq)]
enum Message {
    /// The first thing sent: the reconnect delay, and proof that the stream is open.
    Hello,
    Change(Arc<Change>),
}

/// The `Last-Event-ID` a reconnecting browser sends: one of the ids this server gave,
/// a generation number, which the document says is a whole number up to `i64::MAX`.
/// Anything else is refused rather than taken as "nothing seen", which would hide a
/// client's mistake.
fn last_event_id(headers: &HeaderMap) -> Result<Option<u64>, crate::http::error::AppError> {
    let Some(value) = headers.get("last-event-id") else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<i64>().ok())
        .flatten()
        .and_then(|n| u64::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            crate::http::error::AppError::Unreadable(tis_core::FieldError::new(
                "Last-Event-ID",
                "This must be the id of an event this server sent: a whole number from 0 \
                 to 9223372036854775807.",
            ))
        })
}

/// Live events: what changed.
///
/// Server-sent events telling an open page what changed, so it fetches only that again.
/// Each `change` event's id is the snapshot generation and its data a `Change`, naming
/// the parts that changed: `services`, `notices`, `incidents`, `reports`. Events carry no
/// data themselves. A browser that reconnects with `Last-Event-ID` older than the latest
/// change is told that everything may have changed.
#[utoipa::path(
    get,
    path = "/events",
    operation_id = "live_events",
    tag = "events",
    params(("last-event-id" = Option<u64>, Header, description = "The id of the last event seen, sent by browsers when they reconnect")),
    responses(
        (status = 200, description = "An endless stream of events; a comment every 15 seconds keeps it open", content_type = "text/event-stream", body = Change),
        (status = 400, description = "`Last-Event-ID` is not a whole number from 0 to 9223372036854775807 (browsers only send back the ids of the events they were given)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The server is stopping, or as many streams are open as it allows (`[server] max_event_streams`): try again after `Retry-After` seconds and check for changes with ETags meanwhile", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let last_seen = match last_event_id(&headers) {
        Ok(seen) => seen,
        Err(refused) => return refused.into_response(),
    };
    if state.events.is_closed() {
        return crate::http::ops::unavailable("The server is stopping. Try again in a minute.");
    }
    let cap = stream_cap(state.config.server.max_event_streams);
    let Some(admitted) = state.events.admit(cap) else {
        let mut refused = crate::http::ops::unavailable(
            "Too many pages are following live updates right now. Check for changes with ETags, and try the stream again after the Retry-After seconds.",
        );
        refused.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_static(REFUSED_RETRY_AFTER),
        );
        return refused;
    };
    let events = messages(&state.events, last_seen).map(move |message| {
        // Held for as long as the stream is open.
        let _place = &admitted;
        Ok::<_, Infallible>(match message {
            Message::Hello => Event::default().retry(RETRY).comment("connected"),
            Message::Change(change) => change_event(&change),
        })
    });
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive"))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // nginx would otherwise hold events back in its buffer.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// The messages for one reader, until the server stops. `last_seen` is the id of the last
/// event a reconnecting browser saw.
fn messages(events: &Events, last_seen: Option<u64>) -> impl Stream<Item = Message> + use<> {
    struct Reader {
        events: Events,
        receiver: broadcast::Receiver<Arc<Change>>,
        closed: watch::Receiver<bool>,
        first: Option<Message>,
    }
    // A browser that missed events while it was away hears at once that everything may
    // have changed.
    let missed = last_seen.is_some_and(|seen| seen < events.inner.latest.load(Ordering::Relaxed));
    let reader = Reader {
        events: events.clone(),
        receiver: events.inner.sender.subscribe(),
        closed: events.inner.closed.subscribe(),
        first: Some(if missed {
            Message::Change(Arc::new(events.everything()))
        } else {
            Message::Hello
        }),
    };
    futures_util::stream::unfold(reader, |mut reader| async move {
        if let Some(first) = reader.first.take() {
            return Some((first, reader));
        }
        let message = tokio::select! {
            received = reader.receiver.recv() => match received {
                Ok(change) => Message::Change(change),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    // Skip the backlog: one "everything changed" says all of it, and the
                    // reader does not hold on to changes it will never need.
                    reader.receiver = reader.receiver.resubscribe();
                    Message::Change(Arc::new(reader.events.everything()))
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            },
            // The guard `wait_for` gives is dropped at once: it is not Send.
            _ = async { drop(reader.closed.wait_for(|closed| *closed).await) } => return None,
        };
        Some((message, reader))
    })
}

fn change_event(change: &Change) -> Event {
    let data = serde_json::to_string(change).unwrap_or_else(|_| {
        format!(
            "{{\"generation\":{},\"parts\":[\"services\",\"notices\",\"incidents\",\"reports\"]}}",
            change.generation
        )
    });
    Event::default()
        .event("change")
        .id(change.generation.to_string())
        .data(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tis_core::{ServiceState, Status};

    fn service(status: Status, last_checked: i64) -> ServiceState {
        ServiceState {
            id: "sign-in".into(),
            name: "Sign-in".into(),
            description: "Sign in to TIS.".into(),
            group: "Sign-in".into(),
            position: 0,
            depends_on: vec![],
            status,
            reason: None,
            last_checked: chrono::DateTime::from_timestamp(last_checked, 0),
        }
    }

    fn model(services: Vec<ServiceState>) -> Model {
        Model {
            services,
            ..Model::empty()
        }
    }

    #[test]
    fn a_new_check_time_alone_is_not_a_change() {
        let before = Fingerprint::of(&model(vec![service(Status::Operational, 1_000)]));
        let after = Fingerprint::of(&model(vec![service(Status::Operational, 1_030)]));
        assert_eq!(before.changed(&after), Vec::<&str>::new());
    }

    #[test]
    fn a_status_change_is_a_services_change() {
        let before = Fingerprint::of(&model(vec![service(Status::Operational, 1_000)]));
        let after = Fingerprint::of(&model(vec![service(Status::MajorOutage, 1_030)]));
        assert_eq!(before.changed(&after), vec!["services"]);
    }

    fn change(generation: u64) -> Change {
        Change {
            generation,
            parts: vec!["services"],
        }
    }

    #[tokio::test]
    async fn a_reader_hears_changes_in_order_after_the_hello() {
        let events = Events::new();
        let mut stream = std::pin::pin!(messages(&events, None));
        assert_eq!(stream.next().await, Some(Message::Hello));
        events.publish(change(2));
        events.publish(change(3));
        assert_eq!(
            stream.next().await,
            Some(Message::Change(Arc::new(change(2))))
        );
        assert_eq!(
            stream.next().await,
            Some(Message::Change(Arc::new(change(3))))
        );
    }

    #[tokio::test]
    async fn a_reader_that_falls_behind_hears_once_that_everything_changed() {
        let events = Events::new();
        let mut stream = std::pin::pin!(messages(&events, None));
        assert_eq!(stream.next().await, Some(Message::Hello));
        let last = BACKLOG as u64 * 3;
        for generation in 1..=last {
            events.publish(change(generation));
        }
        let everything = Change {
            generation: last,
            parts: PARTS.to_vec(),
        };
        assert_eq!(
            stream.next().await,
            Some(Message::Change(Arc::new(everything)))
        );
        // The backlog was dropped: the next thing heard is the next new change.
        events.publish(change(last + 1));
        assert_eq!(
            stream.next().await,
            Some(Message::Change(Arc::new(change(last + 1))))
        );
    }

    #[tokio::test]
    async fn a_reader_that_reconnects_after_missing_a_change_hears_of_it_at_once() {
        let events = Events::new();
        events.publish(change(7));
        let mut missed = std::pin::pin!(messages(&events, Some(5)));
        assert_eq!(
            missed.next().await,
            Some(Message::Change(Arc::new(Change {
                generation: 7,
                parts: PARTS.to_vec()
            })))
        );
        let mut current = std::pin::pin!(messages(&events, Some(7)));
        assert_eq!(current.next().await, Some(Message::Hello));
    }

    #[tokio::test]
    async fn streams_end_when_the_server_stops() {
        let events = Events::new();
        let mut stream = std::pin::pin!(messages(&events, None));
        assert_eq!(stream.next().await, Some(Message::Hello));
        events.close();
        assert!(events.is_closed());
        assert_eq!(stream.next().await, None);
    }
}
