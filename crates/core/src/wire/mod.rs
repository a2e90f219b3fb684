//! Shapes of API answers that the browser app reads, and the sentences built from them.

mod channel_subscriptions;
mod glossary;
mod history;
mod incidents;
mod notices;
mod services;
mod subscriptions;
mod trends;

pub use channel_subscriptions::*;
pub use glossary::*;
pub use history::*;
pub use incidents::*;
pub use notices::*;
pub use services::*;
pub use subscriptions::*;
pub use trends::*;

/// Reads a whole number in either of the spellings JSON counts as one, `3249` or
/// `3249.0` (JSON Schema calls both integers, so clients and tools may send either), for
/// `#[serde(deserialize_with)]`. Serde alone refuses the second.
pub fn whole_u32<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n)
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
        }
        fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<u32, E> {
            if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) {
                Ok(n as u32)
            } else {
                Err(E::invalid_value(serde::de::Unexpected::Float(n), &self))
            }
        }
    }
    deserializer.deserialize_any(Whole)
}

/// [`whole_u32`] for an optional field: absent or `null` is `None`.
pub fn whole_u32_opt<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_u32")] u32);
    let read: Option<Whole> = serde::Deserialize::deserialize(deserializer)?;
    Ok(read.map(|Whole(n)| n))
}

/// Sorts a short list by key, keeping equal items in their order. The standard sorts
/// are faster on long lists, but each use adds kilobytes to the browser app's Wasm, and
/// the lists sorted here are short or already nearly in order (services, a day of
/// 5-minute points, a timeline).
pub fn sort_short_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests;
