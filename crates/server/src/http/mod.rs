//! The HTTP surface: the JSON APIs (`v1`, and `v2` for Statuspage clients), feeds, the
//! first-view HTML, the app's static files, and the layers every answer passes through.

pub mod assets;
pub mod client;
pub mod error;
pub mod feeds;
pub mod headers;
pub mod listen;
pub mod oidc;
pub mod ops;
pub mod page;
pub mod subscribe;
pub mod sw;
pub mod trace;
pub mod v1;
pub mod v2;
