//! Reusable pieces of pages, one per file: Leptos components for what readers interact
//! with, and content builders (see `crate::dom`) for what they read.

mod audience_chooser;
mod charts;
mod freshness;
mod incident_card;
mod notice_card;
mod status_marker;

pub use audience_chooser::audience_chooser;
pub use charts::{
    hour_table, latency_chart, latency_spark, latency_table, nodes, strip_key, table_alternative,
    uptime_strip, uptime_table,
};
pub use freshness::{Freshness, loading, retry_line, unavailable};
pub use incident_card::{affected_names, incident_card, incident_status_tag};
pub use notice_card::{facts, notice_card};
pub use status_marker::status_marker;
