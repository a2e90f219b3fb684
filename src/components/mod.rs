//! Reusable pieces of pages: the content builders from `tis_markup` (which the server
//! uses too), and here the parts that follow the connection (how current the page is).
//! Controls in either are handled by `crate::actions`.

mod freshness;

pub use freshness::{Freshness, loading, retry_line, unavailable};
pub use tis_markup::components::*;
