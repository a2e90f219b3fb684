//! The `tis-status` server: reads its config, keeps the store, runs the probes and
//! serves the JSON API and the browser app.

pub mod alerts;
pub mod auth;
pub mod cli;
pub mod config;
pub mod demo;
pub mod heartbeat;
pub mod http;
pub mod limits;
pub mod metrics;
pub mod read;
pub mod startup;
pub mod store;
pub mod subscriptions;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::config::Config;
use crate::http::v1::events;
use crate::http::{assets, error, headers, page};
use crate::read::snapshot::Snapshots;
use crate::read::{model, trends};
use crate::store::Store;

/// The store as handlers see it: any backend.
pub type SharedStore = Arc<dyn Store>;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: SharedStore,
    pub config: Arc<Config>,
    /// Whether this is the built-in demo, so the page can say its data is not real.
    pub demo: bool,
    /// What public reads are served from.
    pub snapshots: Snapshots,
    /// Woken whenever stored data changes, so the snapshot is rebuilt.
    pub changes: Arc<tokio::sync::Notify>,
    /// Tells open pages when something they show has changed.
    pub events: events::Events,
    /// Trends: daily uptime and latency series, worked out once a minute.
    pub trends: trends::LatestTrends,
    /// Woken when messages are written to the outbox, so they go out at once.
    pub outbox: Arc<tokio::sync::Notify>,
    /// Staff sign-in through Keycloak, when `[auth.oidc]` sets it up.
    pub oidc: Option<Arc<auth::oidc::Oidc>>,
    /// Counts and timings for `/metrics`.
    pub metrics: metrics::Metrics,
}

impl AppState {
    /// Builds the state and its first snapshot.
    pub async fn new(
        store: SharedStore,
        config: Config,
        demo: bool,
    ) -> Result<AppState, error::AppError> {
        let oidc = auth::oidc::Oidc::from_config(&config)
            .map_err(error::AppError::Internal)?
            .map(Arc::new);
        let mut state = AppState {
            oidc,
            store,
            config: Arc::new(config),
            demo,
            snapshots: Snapshots::new(model::Model::empty()),
            changes: Arc::new(tokio::sync::Notify::new()),
            events: events::Events::new(),
            trends: trends::LatestTrends::default(),
            outbox: Arc::new(tokio::sync::Notify::new()),
            metrics: metrics::Metrics::new(),
        };
        let model = model::Model::load(&state, chrono::Utc::now()).await?;
        state.snapshots = Snapshots::new(model);
        Ok(state)
    }

    /// Says that stored data changed: the snapshot is rebuilt shortly.
    pub fn changed(&self) {
        self.changes.notify_one();
    }
}

/// The whole HTTP surface: the API, then the app's files for everything else.
pub fn app(state: AppState, assets: Option<PathBuf>) -> Router {
    let assets = assets::Assets::load(assets.as_deref());
    let inline_scripts: Vec<String> = assets
        .index_pages()
        .into_iter()
        .flat_map(headers::inline_script_hashes)
        .collect();
    let template = assets
        .index_page()
        .and_then(|index| page::Template::parse(index, |path| assets.text(path)))
        .map(Arc::new);
    let inline_styles: Vec<String> = template.iter().filter_map(|t| t.style_hash()).collect();
    let pages = template.clone().map(page::router).unwrap_or_default();
    // Over https, browsers are told to use nothing else for a year.
    let hsts = state.config.server.is_https().then(|| {
        tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::STRICT_TRANSPORT_SECURITY,
            axum::http::HeaderValue::from_static("max-age=31536000"),
        )
    });
    let routes = Router::new()
        .merge(pages)
        // Also without the app's files: every email's unsubscribe link must work.
        .merge(http::subscribe::router(template.clone()))
        .merge(http::oidc::router(template))
        .merge(http::ops::router())
        .merge(metrics::router())
        .merge(http::v1::openapi::api_router(&state.config))
        .nest("/api/v2", http::v2::router())
        .merge(http::feeds::router())
        // Inside the routes, so each request is counted under its route's pattern.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state)
        .fallback_service(assets.service());
    // Around everything, so every answer (and every line logged while making it) has its
    // request id; then the security headers, last, so that every response gets them:
    // routes, fallbacks and errors.
    http::trace::layer(routes)
        .layer(headers::layer(&inline_scripts, &inline_styles))
        .layer(tower::util::option_layer(hsts))
}
