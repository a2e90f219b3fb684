//! The one clock of both bundles: [`now`] by the browser's clock, and [`Clock`], the
//! time ticking as a signal, for "6 minutes ago", countdowns and anything shown as
//! current or past.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// Now, by the browser's clock.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The time, ticking every [`TICK`].
#[derive(Clone, Copy)]
pub struct Clock(pub RwSignal<DateTime<Utc>>);

/// How often relative times are brought up to date.
const TICK: std::time::Duration = std::time::Duration::from_secs(5);

impl Clock {
    /// The page's clock, started (and provided to every component) on first use.
    pub fn get() -> Clock {
        if let Some(clock) = use_context::<Clock>() {
            return clock;
        }
        let clock = Clock(RwSignal::new(now()));
        provide_context(clock);
        // The handle is dropped: the clock ticks for the life of the page.
        let _ = set_interval_with_handle(move || clock.0.set(now()), TICK);
        clock
    }
}
