//! Content builders shared by pages. Controls among them name what they do in
//! `data-action`, which the app acts on (`src/actions.rs`).

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
pub use incident_card::{incident_card, incident_status_tag};
pub use notice_card::{facts, notice_card};
pub use status_marker::status_marker;
