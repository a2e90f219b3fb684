//! The read side: what the store holds turned into what readers see — the model of
//! everything public, its snapshots, live status, trends (daily uptime and latency) and report diffs.

pub mod diff;
pub mod live;
pub mod model;
pub mod snapshot;
pub mod trends;
