//! The `tis-status` server: reads its config, keeps the store, runs the probes and
//! serves the JSON API and the browser app.

pub mod api;
pub mod assets;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod import;
pub mod live;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::config::Config;
use crate::store::Store;

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Whether this is the built-in demo, so the page can say its data is not real.
    pub demo: bool,
}

/// The whole HTTP surface: the API, then the app's files for everything else.
pub fn app(state: AppState, assets: Option<PathBuf>) -> Router {
    Router::new()
        .nest("/api/v1", api::router())
        .with_state(state)
        .fallback_service(assets::service(assets))
}
