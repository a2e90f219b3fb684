//! The JSON API through `oneshot`, over a real SQLite file.

mod concurrency;
mod glossary;
mod heartbeats;
mod helpers;
mod openapi;
mod pages;
mod privacy;
mod reach;
mod reads;
mod request_ids;
mod retention;
mod staff;
mod subscribers;
mod subscriptions;
mod writes;
