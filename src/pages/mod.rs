//! One page per file.

mod about;
mod incident;
mod incidents;
pub(crate) mod not_found;
mod notices;
mod overview;
mod service;
pub mod subscribe;

pub use about::About;
pub use incident::IncidentPage;
pub use incidents::Incidents;
pub use not_found::NotFound;
pub use notices::Notices;
pub use overview::Overview;
pub use service::ServicePage;
pub use subscribe::Subscribe;
