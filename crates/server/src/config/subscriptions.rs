//! `[subscriptions]`: readers may ask for emails about incidents and planned maintenance.
//! The table being there offers the form; it needs `[smtp]` to send through and
//! `[server] public_url` for the links in each email.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use tis_core::service::HumanDuration;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionsConfig {
    /// How long before planned maintenance starts subscribers are told "starting soon".
    #[serde(default = "default_lead")]
    pub maintenance_reminder_before: HumanDuration,
    /// The most messages to subscribers handed to the mail server in a given time; team
    /// alerts are paced apart and never wait behind them.
    #[serde(default)]
    pub send_rate: SendRate,
}

fn default_lead() -> HumanDuration {
    HumanDuration::from_secs(60 * 60)
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        SubscriptionsConfig {
            maintenance_reminder_before: default_lead(),
            send_rate: SendRate::default(),
        }
    }
}

/// Messages per unit of time, written `"10/s"`, `"600/min"` or `"20000/h"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendRate {
    /// How many messages…
    pub messages: u32,
    /// …in this many seconds (1, 60 or 3600).
    pub per_secs: u32,
}

impl SendRate {
    /// The gap between two messages at this rate.
    pub fn interval(self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.per_secs)) / self.messages
    }

    pub fn per_second(self) -> f64 {
        f64::from(self.messages) / f64::from(self.per_secs)
    }
}

impl Default for SendRate {
    /// 10 a second (36,000 an hour): within what a mail relay for an organisation
    /// normally takes from one sender, and 10,000 subscribers told in under 17 minutes.
    fn default() -> Self {
        SendRate {
            messages: 10,
            per_secs: 1,
        }
    }
}

/// The most messages a second a rate may name: beyond it pacing means nothing.
const MOST_PER_SECOND: u32 = 10_000;

impl FromStr for SendRate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let how = "write it as messages per second, minute or hour, like \"10/s\", \"600/min\" or \"20000/h\"";
        let (n, unit) = s
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("\"{s}\" is not a rate: {how}"))?;
        let messages: u32 =
            n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("\"{s}\" does not start with a whole number above 0: {how}")
            })?;
        let per_secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "min" | "minute" => 60,
            "h" | "hour" => 3600,
            other => {
                return Err(format!(
                    "\"{s}\" has an unknown unit \"{other}\": use s, min or h, like \"10/s\""
                ));
            }
        };
        let rate = SendRate { messages, per_secs };
        if rate.per_second() > f64::from(MOST_PER_SECOND) {
            return Err(format!(
                "\"{s}\" is more than {MOST_PER_SECOND} a second, faster than any mail server takes: {how}"
            ));
        }
        Ok(rate)
    }
}

impl fmt::Display for SendRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per_secs {
            1 => "s",
            60 => "min",
            _ => "h",
        };
        write!(f, "{}/{unit}", self.messages)
    }
}

impl<'de> Deserialize<'de> for SendRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        // The message names the field itself: toml's own says only the line.
        s.parse()
            .map_err(|e| serde::de::Error::custom(format!("[subscriptions] send_rate: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_rate_reads_as_people_write_it() {
        let rate: SendRate = "600/min".parse().unwrap();
        assert_eq!(rate.per_second(), 10.0);
        assert_eq!(rate.interval(), std::time::Duration::from_millis(100));
        assert_eq!(rate.to_string(), "600/min");
        assert_eq!(
            "20000/h".parse::<SendRate>().unwrap().to_string(),
            "20000/h"
        );
        assert_eq!(SendRate::default().to_string(), "10/s");
    }

    #[test]
    fn a_bad_send_rate_says_how_to_write_one() {
        for (bad, says) in [
            ("10", "is not a rate"),
            ("0/s", "above 0"),
            ("ten/s", "whole number"),
            ("10/day", "unknown unit \"day\""),
            ("20000/s", "more than 10000 a second"),
        ] {
            let error = bad.parse::<SendRate>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
