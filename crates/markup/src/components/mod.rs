//! Content builders shared by pages: what readers read (the app's Leptos components,
//! for what readers interact with, live in `src/components/`).

mod audience_chooser;
mod charts;
mod incident_card;
mod notice_card;
mod status_marker;

pub use audience_chooser::audience_chooser;
pub use charts::{
    hour_table, latency_chart, latency_spark, latency_table, nodes, strip_key, table_alternative,
    uptime_strip, uptime_table,
};
pub use incident_card::{affected_names, incident_card, incident_status_tag};
pub use notice_card::{facts, notice_card};
pub use status_marker::status_marker;
