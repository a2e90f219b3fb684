//! Team alerts: the rules that decide what to tell (`rules`), the outbox rows they are
//! written as in the same transaction as their cause (`outbox`), the channels that shape
//! and send them (`channels`), and the worker that delivers with retries (`deliver`).

pub mod channels;
pub mod config;
pub mod deliver;
pub mod outbox;
pub mod rules;
