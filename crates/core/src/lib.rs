//! Domain types of TIS Status and the pure rules that both the browser app and the
//! server apply: status derivation, dependency propagation, uptime maths, incident
//! key times and validation. No I/O lives here, so everything is unit-testable.

pub mod account;
pub mod alert;
pub mod deps;
pub mod export;
pub mod incident;
pub mod keytimes;
pub mod notice;
pub mod plain;
pub mod problem;
pub mod service;
pub mod staff;
pub mod status;
pub mod time;
pub mod uptime;
pub mod validate;
pub mod wire;
pub mod words;

pub use account::Role;
pub use deps::DependencyError;
pub use incident::{
    ActionItem, ActionStatus, Impact, Incident, IncidentStatus, IncidentUpdate, Report,
    ReportStatus, Revision, TimelineEntry, TimelineKind, TimelineWhen,
};
pub use keytimes::KeyTimes;
pub use notice::{Audience, Notice, NoticeKind, NoticeSeverity, NoticeState};
pub use service::{
    ErrorKind, ExpectStatus, HeartbeatPing, PingKind, Probe, ProbeKind, ProbeResult, Redirects,
    Service,
};
pub use status::{ProbeHealth, ProbeRules, StatusChange};
pub use status::{ServiceState, Status};
pub use uptime::DailyUptime;
pub use validate::FieldError;
