//! Raw JSON kept verbatim.

use core::fmt;
use std::borrow::Cow;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value kept as its raw text, borrowed from the input.
///
/// Used where this crate does not model a payload (X Activity API `payload` and `includes`).
/// Deserializing borrows, so it needs a deserializer that can lend its input
/// (`serde_json::from_str`, `serde_json::from_slice`); `from_reader` and `from_value` fail on it.
/// Serializes as the JSON value itself.
#[derive(Clone)]
pub struct RawJson<'a>(Cow<'a, RawValue>);

impl<'a> RawJson<'a> {
    /// Wraps a borrowed raw value.
    pub fn borrowed(raw: &'a RawValue) -> Self {
        RawJson(Cow::Borrowed(raw))
    }

    /// Wraps an owned raw value.
    pub fn owned(raw: Box<RawValue>) -> RawJson<'static> {
        RawJson(Cow::Owned(raw))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The raw value.
    pub fn as_raw_value(&self) -> &RawValue {
        &self.0
    }

    /// Deserializes the raw JSON into `T`, borrowing from it where `T` borrows.
    ///
    /// # Errors
    ///
    /// When the JSON does not match `T`.
    pub fn parse<T: Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.get())
    }

    /// Converts into a value that owns its text.
    pub fn into_owned(self) -> RawJson<'static> {
        RawJson(Cow::Owned(self.0.into_owned()))
    }
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawJson({})", self.get())
    }
}

impl fmt::Display for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl PartialEq for RawJson<'_> {
    /// Compares the JSON text byte for byte (so `{"a":1}` differs from `{ "a": 1 }`).
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson<'_> {}

impl Serialize for RawJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawJson<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'a RawValue>::deserialize(deserializer).map(RawJson::borrowed)
    }
}

impl crate::owned::IntoStatic for RawJson<'_> {
    type Static = RawJson<'static>;
    fn into_static(self) -> RawJson<'static> {
        self.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrows_and_round_trips() {
        let json = r#"{"a": [1, 2], "b": "x"}"#;
        let raw: RawJson<'_> = serde_json::from_str(json).unwrap();
        assert_eq!(raw.get(), json);
        assert_eq!(serde_json::to_string(&raw).unwrap(), json);
        let owned = raw.clone().into_owned();
        assert_eq!(owned, raw);
        let v: serde_json::Value = raw.parse().unwrap();
        assert_eq!(v["b"], "x");
    }
}
