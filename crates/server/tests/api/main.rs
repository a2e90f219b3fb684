//! The JSON API through `oneshot`, over a real SQLite file.

mod helpers;
mod openapi;
mod reads;
mod retention;
mod writes;
