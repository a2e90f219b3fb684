//! The built-in demo: a small estate of real HTTP endpoints on 127.0.0.1 that behave
//! like TIS services (actuator health, a Keycloak-like token endpoint, an API that
//! wants a token), probed for real, plus demo notices and incidents.

pub mod history;
pub mod job;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::config::Config;
use crate::store::{Change, Store, import};

/// Demo incidents and notices, loaded through the same import path users use.
pub const DEMO_RECORDS: &str = include_str!("../../demo/records.json");
pub const DEMO_RECORDS_NAME: &str = "built-in demo records (crates/server/demo/records.json)";
/// The variable the demo config names for the probes' client secret.
pub const DEMO_SECRET_ENV: &str = "TIS_DEMO_CLIENT_SECRET";

/// How long a demo service usually takes to answer, as (median, 95th percentile) in
/// milliseconds: what TIS's services take over the NHS network, so that the demo's
/// latency charts look like a real estate's rather than like loopback.
pub fn typical_latency(service: &str) -> (u32, u32) {
    match service {
        "sign-in" => (90, 240),
        "admin-site" => (140, 410),
        "bulk-upload" => (170, 480),
        "revalidation" => (150, 420),
        "reference-data" => (60, 180),
        "self-service" => (120, 360),
        "form-r" => (160, 450),
        "notifications" => (80, 230),
        "esr-integration" => (190, 520),
        "data-exports" => (130, 400),
        _ => (120, 360),
    }
}

/// One answer time drawn from a service's spread: `u` in [0, 1) picks where in it,
/// so that half the answers are under the median and one in twenty over the 95th
/// percentile, with a tail no longer than 1.6 times that.
pub fn latency_at((median, p95): (u32, u32), u: f64) -> u32 {
    let (m, q) = (f64::from(median), f64::from(p95));
    let u = u.clamp(0.0, 1.0);
    let ms = if u < 0.5 {
        0.6 * m + (m - 0.6 * m) * (u / 0.5)
    } else if u < 0.95 {
        m + (q - m) * ((u - 0.5) / 0.45)
    } else {
        q + (1.6 * q - q) * ((u - 0.95) / 0.05)
    };
    ms.round() as u32
}

/// A number in [0, 1) from any seed, the same every time: the demo's only randomness,
/// so its made-up history comes out identical on every machine.
pub fn unit(seed: u64) -> f64 {
    // SplitMix64: well mixed, and cheap enough to call per check.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A seed from text (FNV-1a), to key [`unit`] by a service or probe id.
pub fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

struct Estate {
    secret: String,
    base: String,
    broken: Option<Break>,
    /// Counts answers, to draw each one's time.
    answers: std::sync::atomic::AtomicU64,
}

impl Estate {
    /// Waits as long as `service` typically takes to answer.
    async fn answer_time(&self, service: &str) {
        let n = self
            .answers
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let ms = latency_at(typical_latency(service), unit(seed_of(&self.secret) ^ n));
        tokio::time::sleep(std::time::Duration::from_millis(u64::from(ms))).await;
    }
}

/// A part of the demo estate broken on purpose, to watch detection and dependencies at
/// work (`tis-status serve --demo-break PART`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The sign-in server fails: its token endpoint (and the rest of the realm) answers
    /// 503, so no service can sign in, as in the incident of October 2026.
    Token,
    /// One service's health check says DOWN.
    Service(String),
    /// The ESR-like nightly job stops reporting in, so its heartbeat is missed.
    EsrJob,
}

impl std::str::FromStr for Break {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "token" | "sign-in" => Ok(Break::Token),
            "esr-job" => Ok(Break::EsrJob),
            id if tis_core::validate::is_slug(id) => Ok(Break::Service(id.to_string())),
            other => Err(format!(
                "\"{other}\" is not a part of the demo: use token (sign-in fails), esr-job (the ESR job stops reporting) or a service id such as bulk-upload"
            )),
        }
    }
}

impl Break {
    /// Refuses to break a service the demo does not have; `services` are the demo's ids.
    pub fn check(&self, services: &[&str]) -> Result<(), String> {
        match self {
            Break::Service(id) if !services.contains(&id.as_str()) => Err(format!(
                "--demo-break {id}: there is no such service in the demo; use token, esr-job or one of: {}",
                services.join(", ")
            )),
            _ => Ok(()),
        }
    }
}

/// A running demo estate.
pub struct DemoEstate {
    pub base_url: String,
    pub secret: String,
}

/// Loads the demo's records and made-up past into a new store; a store that already has
/// data is left as it is.
pub async fn load_records(store: &dyn Store, config: &Config) -> Result<(), String> {
    if !store.is_empty().await.map_err(|e| e.to_string())? {
        return Ok(());
    }
    let export = import::parse(DEMO_RECORDS_NAME, DEMO_RECORDS).map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    // The past goes in before the records: until they are in, the store counts as new,
    // so a start cut short here seeds again, and the seed skips what it wrote.
    let seeded = history::seed(store, &config.services, &export.incidents, now)
        .await
        .map_err(|e| format!("cannot write the demo's past uptime: {e}"))?;
    tracing::info!(
        days = seeded.days,
        status_changes = seeded.status_changes,
        checks = seeded.probe_results,
        "made up the demo's past uptime from its incidents"
    );
    let services: Vec<&str> = config.services.iter().map(|s| s.id.as_str()).collect();
    let change = Change {
        actor: "demo",
        at: now,
    };
    import::import(store, DEMO_RECORDS_NAME, &export, &services, change)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        notices = export.notices.len(),
        incidents = export.incidents.len(),
        "loaded the demo records"
    );
    Ok(())
}

/// Starts the estate on a free port of 127.0.0.1, with `broken` failing on purpose; it
/// runs until the process ends.
pub async fn start(broken: Option<Break>) -> std::io::Result<DemoEstate> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    // Not a real secret: it only stops the demo token endpoint accepting anything at all.
    let secret = format!(
        "demo-{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let estate = Arc::new(Estate {
        secret: secret.clone(),
        base: base_url.clone(),
        broken,
        answers: std::sync::atomic::AtomicU64::new(0),
    });
    let app = Router::new()
        .route(
            "/auth/realms/tis/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/auth/realms/tis/protocol/openid-connect/token",
            post(token),
        )
        .route("/{service}/actuator/health", get(health))
        .route("/{service}/api/ping", get(ping))
        .with_state(estate);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the demo estate stopped");
        }
    });
    Ok(DemoEstate { base_url, secret })
}

/// What the broken sign-in server answers.
fn sign_in_down() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "temporarily_unavailable", "error_description": "Keycloak is not available (demo: broken on purpose)"})),
    )
        .into_response()
}

async fn openid_configuration(State(estate): State<Arc<Estate>>) -> Response {
    estate.answer_time("sign-in").await;
    if estate.broken == Some(Break::Token) {
        return sign_in_down();
    }
    let realm = format!("{}/auth/realms/tis", estate.base);
    Json(json!({
        "issuer": realm,
        "token_endpoint": format!("{realm}/protocol/openid-connect/token"),
        "grant_types_supported": ["client_credentials"],
    }))
    .into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

async fn token(State(estate): State<Arc<Estate>>, Form(req): Form<TokenRequest>) -> Response {
    estate.answer_time("sign-in").await;
    if estate.broken == Some(Break::Token) {
        return sign_in_down();
    }
    if req.grant_type != "client_credentials" || req.client_secret != estate.secret {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized_client"})),
        )
            .into_response();
    }
    Json(json!({
        "access_token": format!("demo.{}.{}", req.client_id, estate.secret),
        "token_type": "Bearer",
        "expires_in": 300,
    }))
    .into_response()
}

async fn health(
    State(estate): State<Arc<Estate>>,
    Path(service): Path<String>,
) -> (StatusCode, Json<serde_json::Value>) {
    estate.answer_time(&service).await;
    if estate.broken == Some(Break::Service(service)) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "DOWN", "components": {"db": {"status": "DOWN"}}})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"status": "UP", "components": {"db": {"status": "UP"}}})),
    )
}

async fn ping(
    State(estate): State<Arc<Estate>>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    estate.answer_time(&service).await;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Like a Keycloak-backed service, any token the realm issued will do, whichever client
    // asked for it (the clients are named as in Keycloak, not after the services).
    let issued = |t: &str| {
        t.strip_prefix("demo.")
            .and_then(|rest| rest.strip_suffix(&format!(".{}", estate.secret)))
            .is_some_and(|client| !client.is_empty())
    };
    match token {
        Some(t) if issued(t) => Json(json!({"pong": true})).into_response(),
        _ => (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
    }
}
