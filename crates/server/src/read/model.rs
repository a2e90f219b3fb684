//! Everything the public pages and feeds show, loaded from the store in one go. Public
//! reads are built from a `Model` (see `snapshot`), never by querying per reader.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tis_core::{Incident, Notice, Revision, ServiceState};

use crate::AppState;
use crate::http::error::AppError;
use crate::read::live::service_states;
use crate::read::rollups::Figures;

/// About the page itself, for feeds and the Statuspage API.
#[derive(Debug, Clone, PartialEq)]
pub struct PageInfo {
    /// A stable id for this page (Statuspage's `page.id`).
    pub id: String,
    pub name: String,
    /// The public address, without a trailing slash, e.g. `https://status.example.nhs.uk`.
    pub url: String,
    /// Always "Europe/London": TIS is used in the UK and times are shown in UK time.
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub generated_at: DateTime<Utc>,
    /// True for the built-in demo.
    pub demo: bool,
    pub page: PageInfo,
    /// In page order, with live status and reason.
    pub services: Vec<ServiceState>,
    /// All notices, drafts included: public views must filter with `published`.
    pub notices: Vec<Notice>,
    /// All incidents, newest first, with updates and reports.
    pub incidents: Vec<Incident>,
    /// Every save of every report, oldest first; an incident's last is its current report.
    pub revisions: Vec<Revision>,
    /// Uptime and latency, recomputed once a minute.
    pub figures: Arc<Figures>,
}

impl Model {
    /// A model with nothing in it, only until the first load.
    pub fn empty() -> Model {
        Model {
            generated_at: Utc::now(),
            demo: false,
            page: PageInfo {
                id: "tis-status".into(),
                name: "TIS Status".into(),
                url: String::new(),
                time_zone: "Europe/London".into(),
            },
            services: Vec::new(),
            notices: Vec::new(),
            incidents: Vec::new(),
            revisions: Vec::new(),
            figures: Arc::default(),
        }
    }

    /// The number of the latest saved revision of an incident's report (0 when none).
    pub fn report_revision(&self, incident: i64) -> u32 {
        self.revisions
            .iter()
            .filter(|r| r.incident == incident)
            .map(|r| r.number)
            .max()
            .unwrap_or(0)
    }

    pub async fn load(state: &AppState, now: DateTime<Utc>) -> Result<Model, AppError> {
        let public_url = state
            .config
            .server
            .public_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        Ok(Model {
            generated_at: now,
            demo: state.demo,
            page: PageInfo {
                id: "tis-status".into(),
                name: "TIS Status".into(),
                url: public_url.trim_end_matches('/').to_string(),
                time_zone: "Europe/London".into(),
            },
            services: service_states(state, now).await?,
            notices: state.store.notices().await?,
            incidents: state.store.incidents().await?,
            revisions: state.store.revisions().await?,
            figures: state.aggregates.current(),
        })
    }

    /// Published notices shown at `now`.
    pub fn active_notices(&self) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(move |n| n.is_active(self.generated_at))
    }

    /// Published notices that start after `now`.
    pub fn upcoming_notices(&self) -> impl Iterator<Item = &Notice> {
        self.notices
            .iter()
            .filter(move |n| n.published && n.starts_at > self.generated_at)
    }

    pub fn service_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.services
            .iter()
            .find(|s| s.id == id)
            .map_or(id, |s| s.name.as_str())
    }
}
