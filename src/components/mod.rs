//! Reusable pieces of pages: Leptos components for what readers interact with here, and
//! the content builders for what they read from `tis_markup`, which the server uses too.

mod freshness;

pub use freshness::{Freshness, loading, retry_line, unavailable};
pub use tis_markup::components::*;
