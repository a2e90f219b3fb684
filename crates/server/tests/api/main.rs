//! The JSON API through `oneshot`, over a real store: SQLite, or PostgreSQL when
//! `TIS_STATUS_TEST_POSTGRES` names a server (see `helpers::test_store`).

mod concurrency;
mod glossary;
mod heartbeats;
mod helpers;
mod openapi;
mod pages;
#[path = "../support/pg_database.rs"]
mod pg_database;
#[path = "../support/postgres.rs"]
#[allow(dead_code)]
mod postgres;
mod privacy;
mod reach;
mod reads;
mod request_ids;
mod retention;
mod staff;
mod subscribers;
mod subscriptions;
mod writes;
