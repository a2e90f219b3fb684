//! The bodies Statuspage POSTs to its webhook subscribers, built from the same shapes as
//! the read API, so a system that reads one reads the other: `{"meta", "page",
//! "incident"}` for an incident (and, as on Statuspage, for a scheduled maintenance,
//! whose incident object carries its window), and `{"meta", "page", "component_update",
//! "component"}` for a change of a service's status.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::components::{Component, ComponentStatus, build_components, component_status};
use super::incidents::build_incident;
use super::maintenances::build_maintenance;
use super::{Indicator, overall};
use crate::read::model::Model;

/// Where the shapes are documented: they are Statuspage's.
pub const DOCUMENTATION: &str =
    "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/";

/// `meta`: how to stop them, where they are documented, and when this one was made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Meta {
    /// Our subscriptions are made by staff, so this is the page where they remove one.
    pub unsubscribe: String,
    pub documentation: String,
    pub generated_at: DateTime<Utc>,
}

/// `page` in a webhook: the page and its overall status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookPage {
    pub id: String,
    pub status_indicator: Indicator,
    pub status_description: String,
}

/// `component_update`: one change of a component's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentUpdate {
    pub created_at: DateTime<Utc>,
    pub new_status: ComponentStatus,
    pub old_status: ComponentStatus,
    /// The message's own id, the same on every try.
    pub id: String,
    pub component_id: String,
    /// Always `Component`: we send no group updates.
    pub component_type: &'static str,
}

/// The body for an incident (or, with `M` a scheduled maintenance, for that).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentEvent<I: Serialize> {
    pub meta: Meta,
    pub page: WebhookPage,
    pub incident: I,
}

/// The body for a change of a component's status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentEvent {
    pub meta: Meta,
    pub page: WebhookPage,
    pub component_update: ComponentUpdate,
    pub component: Component,
}

/// The `meta` of every webhook from this page, made at `at`.
pub fn meta(model: &Model, at: DateTime<Utc>) -> Meta {
    Meta {
        unsubscribe: format!("{}/manage/subscriptions", model.page.url),
        documentation: DOCUMENTATION.into(),
        generated_at: at,
    }
}

/// The page and its overall status, as now.
pub fn page(model: &Model) -> WebhookPage {
    let status = overall(&model.services, &model.incidents);
    WebhookPage {
        id: model.page.id.clone(),
        status_indicator: status.indicator,
        status_description: status.description,
    }
}

/// The body for `incident` as it is given (the caller cuts it to the update it tells
/// of); its components as the page shows them now.
pub fn incident_event(
    model: &Model,
    incident: &tis_core::Incident,
    at: DateTime<Utc>,
) -> IncidentEvent<super::Incident> {
    let components = build_components(model);
    let services: Vec<&Component> = components.iter().filter(|c| !c.group).collect();
    IncidentEvent {
        meta: meta(model, at),
        page: page(model),
        incident: build_incident(model, incident, &services),
    }
}

/// The body for a planned-maintenance notice, its state as at `at`.
pub fn maintenance_event(
    model: &Model,
    notice: &tis_core::Notice,
    at: DateTime<Utc>,
) -> IncidentEvent<super::ScheduledMaintenance> {
    let components = build_components(model);
    let services: Vec<&Component> = components.iter().filter(|c| !c.group).collect();
    // Scheduled, in progress or completed as at the news, not as at a later retry.
    let as_at = Model {
        generated_at: at,
        ..model.clone()
    };
    IncidentEvent {
        meta: meta(model, at),
        page: page(model),
        incident: build_maintenance(&as_at, notice, &services),
    }
}

/// The body for service `service` changing from `from` to `to` at `changed_at`; `None`
/// when the service is no longer on the page. The component is as the change left it.
pub fn component_event(
    model: &Model,
    message_id: &str,
    service: &str,
    (from, to): (tis_core::Status, tis_core::Status),
    changed_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Option<ComponentEvent> {
    let mut component = build_components(model)
        .into_iter()
        .find(|c| !c.group && c.id == service)?;
    component.status = component_status(to);
    component.updated_at = changed_at;
    component.created_at = component.created_at.min(changed_at);
    Some(ComponentEvent {
        meta: meta(model, at),
        page: page(model),
        component_update: ComponentUpdate {
            created_at: changed_at,
            new_status: component_status(to),
            old_status: component_status(from),
            id: message_id.to_string(),
            component_id: service.to_string(),
            component_type: "Component",
        },
        component,
    })
}
