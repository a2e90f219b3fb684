//! Reusable pieces of pages, one per file.

mod status_marker;

pub use status_marker::StatusMarker;
