//! The HTTP status an `http` probe expects: one code, a range, or a class like `2xx`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The HTTP status a probe expects: one code, or an inclusive range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectStatus {
    Exactly(u16),
    Range(u16, u16),
}

impl ExpectStatus {
    pub fn matches(self, status: u16) -> bool {
        match self {
            ExpectStatus::Exactly(code) => status == code,
            ExpectStatus::Range(low, high) => (low..=high).contains(&status),
        }
    }
}

impl Default for ExpectStatus {
    fn default() -> Self {
        ExpectStatus::Exactly(200)
    }
}

impl fmt::Display for ExpectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectStatus::Exactly(code) => write!(f, "{code}"),
            ExpectStatus::Range(low, high) if low % 100 == 0 && high - low == 99 => {
                write!(f, "{}xx", low / 100)
            }
            ExpectStatus::Range(low, high) => write!(f, "{low}-{high}"),
        }
    }
}

impl FromStr for ExpectStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let code = |t: &str| -> Result<u16, String> {
            match t.trim().parse::<u16>() {
                Ok(n) if (100..=599).contains(&n) => Ok(n),
                _ => Err(format!(
                    "\"{s}\" is not a status code: write one like 200, a range like \"200-299\", or \"2xx\""
                )),
            }
        };
        if let Some(class) = s.strip_suffix("xx").or_else(|| s.strip_suffix("XX")) {
            let low = code(&format!("{class}00"))?;
            return Ok(ExpectStatus::Range(low, low + 99));
        }
        match s.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (code(low)?, code(high)?);
                if low > high {
                    return Err(format!(
                        "\"{s}\" starts after it ends: write the lower code first"
                    ));
                }
                Ok(ExpectStatus::Range(low, high))
            }
            None => code(s).map(ExpectStatus::Exactly),
        }
    }
}

/// A number for one code, text for a range: as it is written in config.
impl Serialize for ExpectStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ExpectStatus::Exactly(code) => s.serialize_u16(*code),
            range => s.collect_str(range),
        }
    }
}

impl<'de> Deserialize<'de> for ExpectStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| serde::de::Error::custom(format!("{n} is not a status code")))
                .and_then(|n| n.to_string().parse().map_err(serde::de::Error::custom)),
            serde_json::Value::String(s) => s.parse().map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not a status code: write one like 200 or a range like \"200-299\""
            ))),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ExpectStatus {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::Integer,
                Type::String,
            ]))
            .description(Some(
                "One HTTP status code (200), or a range as text (\"200-299\", \"2xx\").",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ExpectStatus {}
