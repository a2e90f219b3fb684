//! `[subscriptions]`: readers may ask for emails about incidents and planned maintenance.
//! The table being there offers the form; it needs `[smtp]` to send through and
//! `[server] public_url` for the links in each email.

use serde::Deserialize;
use tis_core::service::HumanDuration;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionsConfig {
    /// How long before planned maintenance starts subscribers are told "starting soon".
    #[serde(default = "default_lead")]
    pub maintenance_reminder_before: HumanDuration,
}

fn default_lead() -> HumanDuration {
    HumanDuration::from_secs(60 * 60)
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        SubscriptionsConfig {
            maintenance_reminder_before: default_lead(),
        }
    }
}
