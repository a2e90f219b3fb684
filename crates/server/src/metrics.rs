//! What operators watch the watcher with: `/metrics`, in the text format Prometheus
//! scrapes (OpenMetrics), through the Prometheus project's own Rust client. Counters and
//! histograms are kept as things happen; gauges (status per service, outbox depth, live
//! streams) are read fresh at each scrape, so they cannot drift from the truth.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tis_core::ProbeResult;
use tis_core::status::Status;

use crate::AppState;
use crate::http::error::AppError;

/// The content type of what [`Metrics::encode`] writes.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/v1/incidents/{id}`), never the path itself, so that
    /// nobody can grow the label set by asking for made-up addresses.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    service: String,
    probe: String,
    location: String,
    /// `ok`, or the kind of failure (`timeout`, `dns`, `not_checked`, …).
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProbeLabels {
    service: String,
    probe: String,
    location: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    service: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

/// Every metric the server keeps, registered once; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram>,
    results: Family<ResultLabels, Counter>,
    probe_seconds: Family<ProbeLabels, Histogram>,
    service_status: Family<StatusLabels, Gauge>,
    outbox_waiting: Family<KindLabels, Gauge>,
    live_streams: Gauge,
    snapshot_age: Gauge,
    probes_running: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tis_status");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        // From 1 ms to about 16 s: a snapshot read is well under a millisecond's worth of
        // work, a sign-in with its password hash around a second.
        let request_seconds =
            Family::<RouteLabels, Histogram>::new_with_constructor(|| -> Histogram {
                Histogram::new(exponential_buckets(0.001, 2.0, 15))
            });
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, until its headers are sent",
            Unit::Seconds,
            request_seconds.clone(),
        );
        let results = Family::<ResultLabels, Counter>::default();
        registry.register(
            "probe_results",
            "Probe results recorded, by service, probe, location and result (ok or the kind of failure)",
            results.clone(),
        );
        // Probes time out after seconds; 5 ms to about 40 s covers a local check to the
        // longest timeout allowed.
        let probe_seconds =
            Family::<ProbeLabels, Histogram>::new_with_constructor(|| -> Histogram {
                Histogram::new(exponential_buckets(0.005, 2.0, 14))
            });
        registry.register_with_unit(
            "probe_duration",
            "How long each check took",
            Unit::Seconds,
            probe_seconds.clone(),
        );
        let service_status = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "service_status",
            "1 for the status each service shows now, 0 for the others",
            service_status.clone(),
        );
        let outbox_waiting = Family::<KindLabels, Gauge>::default();
        registry.register(
            "outbox_waiting",
            "Messages in the outbox not yet delivered (nor given up on), by kind",
            outbox_waiting.clone(),
        );
        let live_streams = Gauge::default();
        registry.register(
            "live_streams",
            "Live-update streams (server-sent events) open now",
            live_streams.clone(),
        );
        let snapshot_age = Gauge::default();
        registry.register_with_unit(
            "snapshot_age",
            "How long ago the status that readers see was worked out",
            Unit::Seconds,
            snapshot_age.clone(),
        );
        let probes_running = Gauge::default();
        registry.register(
            "probes_running",
            "1 while this server runs the probes of its location, 0 while another replica on the same database does and this one waits to take over",
            probes_running.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                requests,
                request_seconds,
                results,
                probe_seconds,
                service_status,
                outbox_waiting,
                live_streams,
                snapshot_age,
                probes_running,
            }),
        }
    }

    /// Whether this server runs its location's probes now.
    pub fn set_probes_running(&self, running: bool) {
        self.inner.probes_running.set(i64::from(running));
    }

    /// Counts results as they are stored, wherever they came from: this server's probes,
    /// a standalone prober's push, or a heartbeat's judgement.
    pub fn observe_results(&self, results: &[ProbeResult]) {
        for r in results {
            let location = r.location.clone().unwrap_or_default();
            let result = match (r.ok, r.error_kind) {
                (true, _) => "ok",
                (false, Some(kind)) => kind.as_str(),
                (false, None) => "failed",
            };
            self.inner
                .results
                .get_or_create(&ResultLabels {
                    service: r.service.clone(),
                    probe: r.probe.clone(),
                    location: location.clone(),
                    result: result.to_string(),
                })
                .inc();
            self.inner
                .probe_seconds
                .get_or_create(&ProbeLabels {
                    service: r.service.clone(),
                    probe: r.probe.clone(),
                    location,
                })
                .observe(f64::from(r.latency_ms) / 1000.0);
        }
    }

    fn observe_request(&self, method: &str, route: &str, status: StatusCode, took: Duration) {
        self.inner
            .requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status: status.as_u16(),
            })
            .inc();
        self.inner
            .request_seconds
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// Reads the gauges afresh from `state`, then writes every metric as text.
    async fn encode(&self, state: &AppState) -> Result<String, AppError> {
        let snapshot = state.snapshots.current();
        for service in &snapshot.model.services {
            for &status in Status::ALL {
                self.inner
                    .service_status
                    .get_or_create(&StatusLabels {
                        service: service.id.clone(),
                        status: status.as_str(),
                    })
                    .set(i64::from(service.status == status));
            }
        }
        let waiting = state.store.outbox_waiting().await?;
        // Every kind reads 0 when nothing of it waits, rather than vanishing or keeping
        // its last count.
        self.inner.outbox_waiting.clear();
        let known = [crate::alerts::outbox::KIND, crate::subscriptions::KIND];
        let zeros = known.iter().map(|kind| (kind.to_string(), 0));
        for (kind, count) in zeros.chain(waiting) {
            self.inner
                .outbox_waiting
                .get_or_create(&KindLabels { kind })
                .set(count);
        }
        self.inner
            .live_streams
            .set(i64::try_from(state.events.open_streams()).unwrap_or(i64::MAX));
        let age = chrono::Utc::now().signed_duration_since(snapshot.model.generated_at);
        self.inner.snapshot_age.set(age.num_seconds().max(0));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .map_err(|e| AppError::Internal(format!("could not write the metrics: {e}")))?;
        Ok(text)
    }
}

/// Times and counts every request to a route, under the route's pattern. The app's own
/// files are served beside the routes and are not counted.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state
        .metrics
        .observe_request(&method, &route, response.status(), started.elapsed());
    response
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// `GET /metrics`: for Prometheus, with the bearer token named by `[metrics] token_env`.
/// Without that setting there is nothing here, as the metrics name internal probes and
/// prober locations that the public pages never show.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state
        .config
        .metrics
        .as_ref()
        .and_then(|m| m.token.as_deref())
    else {
        return AppError::NotFound(
            "Metrics are off. To turn them on, set [metrics] token_env in the config to the \
             name of an environment variable holding the token Prometheus will send."
                .into(),
        )
        .into_response();
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !sent.is_some_and(|sent| crate::auth::same_secret(sent, expected)) {
        return AppError::MetricsToken.into_response();
    }
    match state.metrics.encode(&state).await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
