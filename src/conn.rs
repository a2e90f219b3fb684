//! Whether the status server can be reached, and when to ask it again.
//!
//! The server sends an event when something readers see changes; pages ask again for
//! just the parts that changed. When events cannot get through (a proxy that buffers
//! them, an old browser), pages ask every [`POLL`] instead, with ETags so that nothing
//! is sent back when nothing changed. When the server cannot be reached at all, pages
//! keep what they have and try again after a growing pause ([`backoff`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::now;

/// What a change event can name (the server's parts), plus the trends (daily uptime and
/// latency), which are worked out on a timer rather than announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Services,
    Notices,
    Incidents,
    Reports,
    Trends,
}

const ALL: [Part; 5] = [
    Part::Services,
    Part::Notices,
    Part::Incidents,
    Part::Reports,
    Part::Trends,
];

impl Part {
    fn index(self) -> usize {
        self as usize
    }

    fn named(name: &str) -> Option<Part> {
        match name {
            "services" => Some(Part::Services),
            "notices" => Some(Part::Notices),
            "incidents" => Some(Part::Incidents),
            "reports" => Some(Part::Reports),
            _ => None,
        }
    }
}

/// How often pages ask when events cannot get through.
const POLL: Duration = Duration::from_secs(15);
/// "Last checked" times move with every probe result, which is not announced.
const CHECKED_EVERY: Duration = Duration::from_secs(60);
/// Trends are worked out once a minute on the server.
const TRENDS_EVERY: Duration = Duration::from_secs(300);
/// How soon to try events again after the browser gave up on them.
const EVENTS_AGAIN: Duration = Duration::from_secs(30);

/// The connection to the status server, shared by every page.
#[derive(Clone, Copy)]
pub struct Conn {
    /// How many times each part was said to have changed.
    nudged: RwSignal<[u64; 5]>,
    /// False from a failed request until the next answer.
    pub reachable: RwSignal<bool>,
    /// Whether change events are getting through.
    pub events: RwSignal<bool>,
    /// When the next try is due, while the server cannot be reached.
    pub retry_at: RwSignal<Option<DateTime<Utc>>>,
    retry: StoredValue<Retry, LocalStorage>,
}

#[derive(Default)]
struct Retry {
    attempt: u32,
    timer: Option<TimeoutHandle>,
}

impl Conn {
    /// Sets up the connection and its timers, for the life of the page.
    pub fn start() -> Conn {
        let conn = Conn {
            nudged: RwSignal::new([0; 5]),
            reachable: RwSignal::new(true),
            events: RwSignal::new(false),
            retry_at: RwSignal::new(None),
            retry: StoredValue::new_local(Retry::default()),
        };
        provide_context(conn);
        listen(conn, false);
        let every = |period: Duration, f: fn(Conn)| {
            // The handles are dropped: these timers run for the life of the page.
            let _ = set_interval_with_handle(move || f(conn), period);
        };
        every(POLL, |c| {
            if !c.events.get_untracked() && c.reachable.get_untracked() {
                c.nudge(&ALL);
            }
        });
        every(CHECKED_EVERY, |c| {
            if c.reachable.get_untracked() {
                c.nudge(&[Part::Services]);
            }
        });
        every(TRENDS_EVERY, |c| {
            if c.reachable.get_untracked() {
                c.nudge(&[Part::Trends]);
            }
        });
        conn
    }

    /// Tells pages that `parts` changed.
    pub fn nudge(&self, parts: &[Part]) {
        self.nudged.update(|n| {
            for p in parts {
                n[p.index()] += 1;
            }
        });
    }

    /// A number that changes whenever any of `parts` is nudged (tracked, for effects).
    pub fn nudges(&self, parts: &[Part]) -> u64 {
        self.nudged
            .with(|n| parts.iter().map(|p| n[p.index()]).sum())
    }

    /// An answer came back.
    pub fn reached(&self) {
        if !self.reachable.get_untracked() {
            self.reachable.set(true);
        }
        self.retry_at.set(None);
        self.retry.update_value(|r| {
            r.attempt = 0;
            if let Some(t) = r.timer.take() {
                t.clear();
            }
        });
    }

    /// A request could not reach the server: try everything again after a pause that
    /// grows with each failure.
    pub fn unreachable(&self) {
        self.reachable.set(false);
        let conn = *self;
        let pending = self.retry.with_value(|r| r.timer.is_some());
        if pending {
            return;
        }
        let attempt = self.retry.with_value(|r| r.attempt);
        let delay = backoff(attempt, js_sys::Math::random());
        self.retry_at.set(Some(
            now() + chrono::Duration::milliseconds(delay.as_millis() as i64),
        ));
        let timer = set_timeout_with_handle(
            move || {
                conn.retry.update_value(|r| {
                    r.timer = None;
                    r.attempt = r.attempt.saturating_add(1);
                });
                conn.nudge(&ALL);
            },
            delay,
        )
        .ok();
        self.retry.update_value(|r| r.timer = timer);
    }

    /// The reader asked to try again now.
    pub fn retry_now(&self) {
        self.retry.update_value(|r| {
            if let Some(t) = r.timer.take() {
                t.clear();
            }
        });
        self.nudge(&ALL);
    }
}

/// The pause before try number `attempt` (from 0): 2 s doubling to at most a minute,
/// spread by up to a fifth either way (`spread` in 0..1) so that a crowd of readers
/// does not come back at the same moment.
pub fn backoff(attempt: u32, spread: f64) -> Duration {
    let base = 2_000f64 * 2f64.powi(attempt.min(5) as i32);
    let ms = base.min(60_000.0) * (0.8 + 0.4 * spread.clamp(0.0, 1.0));
    Duration::from_millis(ms as u64)
}

/// Opens the event stream. `again` says this is a reconnection, after which every part
/// is asked for, since changes may have been missed.
fn listen(conn: Conn, again: bool) {
    let Ok(source) = web_sys::EventSource::new("/api/v1/events") else {
        return;
    };
    // The browser reopens a dropped stream by itself; every open after the first is a
    // reconnection.
    let opened = std::cell::Cell::new(again);
    let on_open = Closure::<dyn Fn()>::new(move || {
        conn.events.set(true);
        if opened.replace(true) {
            conn.nudge(&ALL);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();

    let on_change =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let parts: Vec<Part> = e
                .data()
                .as_string()
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .and_then(|v| {
                    v.get("parts")?.as_array().map(|list| {
                        list.iter()
                            .filter_map(|p| p.as_str().and_then(Part::named))
                            .collect()
                    })
                })
                .unwrap_or_else(|| ALL.to_vec());
            conn.nudge(&parts);
        });
    let _ = source.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    on_change.forget();

    let watched = source.clone();
    let on_error = Closure::<dyn Fn()>::new(move || {
        // A stream that was open and broke may mean the server went away: ask now rather
        // than at the next poll, so the page says so within seconds.
        if conn.events.get_untracked() {
            conn.nudge(&ALL);
        }
        conn.events.set(false);
        // The browser retries by itself unless the server refused the stream outright.
        if watched.ready_state() == web_sys::EventSource::CLOSED {
            watched.close();
            // Spread out, so that pages a full server turned away do not all come back at
            // once; they check for changes every 15 seconds meanwhile.
            let wait = EVENTS_AGAIN.mul_f64(0.8 + 0.4 * js_sys::Math::random());
            set_timeout(move || listen(conn, true), wait);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_minute_and_spread_out() {
        let ms = |attempt, spread| backoff(attempt, spread).as_millis();
        assert_eq!(ms(0, 0.5), 2_000);
        assert_eq!(ms(1, 0.5), 4_000);
        assert_eq!(ms(4, 0.5), 32_000);
        assert_eq!(ms(5, 0.5), 60_000);
        assert_eq!(ms(50, 0.5), 60_000);
        assert_eq!(ms(0, 0.0), 1_600);
        assert_eq!(ms(0, 1.0), 2_400);
    }
}
