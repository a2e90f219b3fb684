//! The read side: what the store holds turned into what readers see — the model of
//! everything public, its snapshots, live status, uptime rollups and report diffs.

pub mod diff;
pub mod live;
pub mod model;
pub mod rollups;
pub mod snapshot;
