//! Lengths of time written the way people write them in config: `500ms`, `30s`, `5m`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A length of time written the way people write it in config: `500ms`, `30s`, `5m`, `1h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration {
    millis: u64,
}

impl HumanDuration {
    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration {
            millis: secs * 1000,
        }
    }
    pub const fn from_millis(millis: u64) -> Self {
        HumanDuration { millis }
    }
    pub const fn as_millis(self) -> u64 {
        self.millis
    }
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_millis(self.millis)
    }
    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.millis as i64)
    }
}

impl FromStr for HumanDuration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("\"{s}\" has no unit: write it like 500ms, 30s, 5m or 1h"))?;
        let (digits, unit) = s.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("\"{s}\" does not start with a whole number, like 30s"))?;
        let factor = match unit {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => {
                return Err(format!(
                    "\"{s}\" has an unknown unit \"{unit}\": use ms, s, m or h"
                ));
            }
        };
        n.checked_mul(factor)
            .map(HumanDuration::from_millis)
            .ok_or_else(|| format!("\"{s}\" is too long"))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis;
        if ms.is_multiple_of(3_600_000) && ms > 0 {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) && ms > 0 {
            write!(f, "{}m", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Written as text on the wire, like in config.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for HumanDuration {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^[0-9]+(ms|s|m|h)$"))
            .description(Some(
                "A length of time as people write it: 500ms, 30s, 5m or 1h.",
            ))
            .examples(["30s"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for HumanDuration {}
