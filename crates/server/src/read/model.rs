//! Everything the public pages and feeds show, loaded from the store in one go. Public
//! reads are built from a `Model` (see `snapshot`), never by querying per reader.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use tis_core::account::{Account, public_author};
use tis_core::{Incident, Notice, Revision, ServiceState};

use crate::AppState;
use crate::http::error::AppError;
use crate::read::live::service_states;
use crate::read::trends::TrendData;

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
    /// Which probers' locations can reach TIS now (for the alert rules; staff only).
    pub reach: crate::read::live::Reach,
    /// All notices, drafts included: public views must filter with `published`. Each
    /// `author` is as the public may see it (see [`public_authors`]).
    pub notices: Vec<Notice>,
    /// All incidents, newest first, with updates and reports; each update's `author` is
    /// as the public may see it.
    pub incidents: Vec<Incident>,
    /// The same notices with `author` the login name that wrote them, for staff only.
    pub staff_notices: Vec<Notice>,
    /// The same incidents with each update's `author` the login name, for staff only.
    pub staff_incidents: Vec<Incident>,
    /// Every save of every report, oldest first; an incident's last is its current report.
    pub revisions: Vec<Revision>,
    /// Uptime and latency, recomputed once a minute.
    pub trends: Arc<TrendData>,
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
            reach: Default::default(),
            notices: Vec::new(),
            incidents: Vec::new(),
            staff_notices: Vec::new(),
            staff_incidents: Vec::new(),
            revisions: Vec::new(),
            trends: Arc::default(),
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
        let staff_notices = state.store.notices().await?;
        let staff_incidents = state.store.incidents().await?;
        let names = display_names(&state.store.accounts().await?);
        let (notices, incidents) = public_authors(&staff_notices, &staff_incidents, &names);
        let live = service_states(state, now).await?;
        Ok(Model {
            generated_at: now,
            demo: state.demo,
            page: PageInfo {
                id: "tis-status".into(),
                name: "TIS Status".into(),
                url: public_url.trim_end_matches('/').to_string(),
                time_zone: "Europe/London".into(),
            },
            services: live.services,
            reach: live.reach,
            notices,
            incidents,
            staff_notices,
            staff_incidents,
            revisions: state.store.revisions().await?,
            trends: state.trends.current(),
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

/// Each account's display name by login name; accounts without one are left out.
fn display_names(accounts: &[Account]) -> HashMap<String, String> {
    accounts
        .iter()
        .filter_map(|a| Some((a.name.clone(), a.display_name.clone()?)))
        .collect()
}

/// Notices and incidents with every `author` as the public may see it: the writing
/// account's display name, or "TIS support". A login name is never published; nor is a
/// token's name, nor an author an import brought in, which may be either.
pub fn public_authors(
    notices: &[Notice],
    incidents: &[Incident],
    names: &HashMap<String, String>,
) -> (Vec<Notice>, Vec<Incident>) {
    let shown = |login: &str| public_author(names.get(login).map(String::as_str));
    let notices = notices
        .iter()
        .map(|n| Notice {
            author: shown(&n.author),
            ..n.clone()
        })
        .collect();
    let incidents = incidents
        .iter()
        .map(|i| {
            let mut i = i.clone();
            for u in &mut i.updates {
                u.author = shown(&u.author);
            }
            i
        })
        .collect();
    (notices, incidents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_are_published_by_display_name_or_as_tis_support() {
        let at = Utc::now();
        let notice = Notice {
            id: 1,
            title: "Planned maintenance".into(),
            body: "TIS will be slow.".into(),
            kind: tis_core::NoticeKind::Information,
            severity: tis_core::NoticeSeverity::Low,
            services: vec![],
            starts_at: at,
            ends_at: None,
            audience: tis_core::Audience::Everyone,
            published: true,
            author: "sam.jones".into(),
            created_at: at,
            updated_at: at,
        };
        let incident = Incident {
            id: 1,
            title: "Bulk upload is not working".into(),
            status: tis_core::IncidentStatus::Investigating,
            impact: tis_core::Impact::Major,
            affected: vec![],
            started_at: at,
            detected_at: None,
            resolved_at: None,
            next_update_at: None,
            updates: vec![
                tis_core::IncidentUpdate {
                    at,
                    status: tis_core::IncidentStatus::Investigating,
                    body: "We are looking into it.".into(),
                    author: "sam.jones".into(),
                },
                tis_core::IncidentUpdate {
                    at,
                    status: tis_core::IncidentStatus::Investigating,
                    body: "Still looking.".into(),
                    author: "token status-script".into(),
                },
            ],
            report: None,
        };
        let names = HashMap::from([("sam.jones".to_string(), "Sam Jones".to_string())]);
        let (notices, incidents) = public_authors(&[notice], &[incident], &names);
        assert_eq!(notices[0].author, "Sam Jones");
        assert_eq!(incidents[0].updates[0].author, "Sam Jones");
        assert_eq!(
            incidents[0].updates[1].author,
            tis_core::account::PUBLIC_AUTHOR
        );
    }
}
