//! Lenient field readers for `#[serde(deserialize_with = "...")]`.
//!
//! X's payloads are not consistent about JSON types: `user_has_blocked` arrives as the string
//! `"false"`, counts arrive as numbers or strings, `profile_image_url` arrives as the string
//! `"null"`, and some producers write profile colours as the number `-1`. Each reader here accepts
//! the forms seen in real payloads plus `null`, and returns `None` for `null`. Use them with
//! `default` so that a missing field is `None` too:
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct S {
//!     #[serde(default, deserialize_with = "aaa_model::lenient::bool")]
//!     blocked: Option<bool>,
//! }
//! let s: S = serde_json::from_str(r#"{"blocked":"false"}"#).unwrap();
//! assert_eq!(s.blocked, Some(false));
//! let s: S = serde_json::from_str("{}").unwrap();
//! assert_eq!(s.blocked, None);
//! ```
//!
//! Unknown fields are ignored and missing optional fields are `None` throughout this crate; these
//! readers cover the fields whose *type* varies.

use core::fmt;

use serde::de::{self, Deserializer, Visitor};

use crate::Text;

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, \"true\"/\"false\", 0/1 or null")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::invalid_value(de::Unexpected::Signed(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.eq_ignore_ascii_case("true") || v == "1" {
            Ok(Some(true))
        } else if v.eq_ignore_ascii_case("false") || v == "0" {
            Ok(Some(false))
        } else if v.is_empty() || v == "null" {
            Ok(None)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads a boolean written as `true`/`false`, `"true"`/`"false"` (any case), `0`/`1` or
/// `"0"`/`"1"`; `null`, `""` and `"null"` read as `None`.
///
/// # Errors
///
/// For any other value.
pub fn bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    deserializer.deserialize_any(BoolVisitor)
}

struct CountVisitor;

impl Visitor<'_> for CountVisitor {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a non-negative integer, as a number or a string, or null")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        u64::try_from(v)
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked just before
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.is_finite() && v.fract() == 0.0 && (0.0..1.8e19).contains(&v) {
            Ok(Some(v as u64))
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() || v == "null" {
            return Ok(None);
        }
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E::invalid_value(de::Unexpected::Str(v), &self));
        }
        v.parse()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads a count written as a number (`12`, `12.0`) or a string of digits (`"12"`); `null`, `""`
/// and `"null"` read as `None`.
///
/// # Errors
///
/// For negative, fractional or non-numeric values.
pub fn count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    deserializer.deserialize_any(CountVisitor)
}

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, as a number or a string, or null")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.is_empty() || v == "null" {
            return Ok(None);
        }
        v.parse()
            .map(Some)
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads a signed integer written as a number or a string (`utc_offset`); `null`, `""` and
/// `"null"` read as `None`.
///
/// # Errors
///
/// For fractional or non-numeric values.
pub fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(IntVisitor)
}

struct TextVisitor {
    null_string: bool,
    numbers: bool,
    bools: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Option<Text<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.numbers {
            f.write_str("a string, a number or null")
        } else {
            f.write_str("a string or null")
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        if self.null_string && v == "null" {
            return Ok(None);
        }
        Ok(Some(Text::from(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if self.null_string && v == "null" {
            return Ok(None);
        }
        Ok(Some(Text::from(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        if self.null_string && v == "null" {
            return Ok(None);
        }
        Ok(Some(Text::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        if self.numbers {
            Ok(Some(Text::from(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Unsigned(v), &self))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if self.numbers {
            Ok(Some(Text::from(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Signed(v), &self))
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if self.numbers {
            Ok(Some(Text::from(v.to_string())))
        } else {
            Err(E::invalid_type(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if self.bools {
            Ok(Some(Text::from_static(if v { "true" } else { "false" })))
        } else {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads an optional URL or other string where X writes the *string* `"null"` for "none" (seen
/// in `profile_image_url` of DM user objects): `null` and `"null"` read as `None`; any other
/// string is kept (borrowed where possible).
///
/// # Errors
///
/// For values that are not strings or `null`.
pub fn url<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Text<'a>>, D::Error> {
    deserializer.deserialize_any(TextVisitor {
        null_string: true,
        numbers: false,
        bools: false,
    })
}

/// Reads a string that some producers write as a number (profile colours such as
/// `"profile_link_color": -1`): numbers are kept as their decimal text, `null` reads as `None`.
///
/// # Errors
///
/// For booleans, arrays and objects.
pub fn text_or_number<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Text<'a>>, D::Error> {
    deserializer.deserialize_any(TextVisitor {
        null_string: false,
        numbers: true,
        bools: false,
    })
}

/// Reads any JSON scalar as text: strings as they are, numbers as their decimal text, booleans
/// as `true` / `false`; `null` reads as `None` (used where X's documentation promises a string
/// but the value may be a flag, as in `profile.update.verified_badge`).
///
/// # Errors
///
/// For arrays and objects.
pub fn scalar<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Text<'a>>, D::Error> {
    deserializer.deserialize_any(TextVisitor {
        null_string: false,
        numbers: true,
        bools: true,
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize, Debug)]
    struct S<'a> {
        #[serde(default, deserialize_with = "bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "count")]
        c: Option<u64>,
        #[serde(default, deserialize_with = "int")]
        i: Option<i64>,
        #[serde(default, borrow, deserialize_with = "url")]
        u: Option<Text<'a>>,
        #[serde(default, borrow, deserialize_with = "text_or_number")]
        t: Option<Text<'a>>,
        #[serde(default, borrow, deserialize_with = "scalar")]
        s: Option<Text<'a>>,
    }

    fn s(json: &str) -> S<'_> {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn bools() {
        assert_eq!(s(r#"{"b":"false"}"#).b, Some(false));
        assert_eq!(s(r#"{"b":"TRUE"}"#).b, Some(true));
        assert_eq!(s(r#"{"b":true}"#).b, Some(true));
        assert_eq!(s(r#"{"b":0}"#).b, Some(false));
        assert_eq!(s(r#"{"b":null}"#).b, None);
        assert_eq!(s("{}").b, None);
        assert!(serde_json::from_str::<S<'_>>(r#"{"b":"maybe"}"#).is_err());
        assert!(serde_json::from_str::<S<'_>>(r#"{"b":2}"#).is_err());
    }

    #[test]
    fn counts_and_ints() {
        assert_eq!(s(r#"{"c":12}"#).c, Some(12));
        assert_eq!(s(r#"{"c":"12"}"#).c, Some(12));
        assert_eq!(s(r#"{"c":12.0}"#).c, Some(12));
        assert_eq!(s(r#"{"c":null}"#).c, None);
        assert!(serde_json::from_str::<S<'_>>(r#"{"c":-1}"#).is_err());
        assert!(serde_json::from_str::<S<'_>>(r#"{"c":"1x"}"#).is_err());
        assert_eq!(s(r#"{"i":-25200}"#).i, Some(-25_200));
        assert_eq!(s(r#"{"i":"-25200"}"#).i, Some(-25_200));
        assert_eq!(s(r#"{"i":null}"#).i, None);
    }

    #[test]
    fn urls_and_colours() {
        assert_eq!(s(r#"{"u":"null"}"#).u, None);
        assert_eq!(s(r#"{"u":null}"#).u, None);
        let x = s(r#"{"u":"https://t.co/x"}"#);
        assert!(x.u.as_ref().unwrap().is_borrowed());
        assert_eq!(x.u.unwrap(), "https://t.co/x");
        assert!(serde_json::from_str::<S<'_>>(r#"{"u":5}"#).is_err());
        assert_eq!(s(r#"{"t":-1}"#).t.unwrap(), "-1");
        assert_eq!(s(r#"{"t":"1DA1F2"}"#).t.unwrap(), "1DA1F2");
        assert_eq!(s(r#"{"t":"null"}"#).t.unwrap(), "null");
        assert!(serde_json::from_str::<S<'_>>(r#"{"t":true}"#).is_err());
    }

    #[test]
    fn scalars() {
        assert_eq!(s(r#"{"s":"blue"}"#).s.unwrap(), "blue");
        assert!(s(r#"{"s":"blue"}"#).s.unwrap().is_borrowed());
        assert_eq!(s(r#"{"s":true}"#).s.unwrap(), "true");
        assert_eq!(s(r#"{"s":false}"#).s.unwrap(), "false");
        assert_eq!(s(r#"{"s":12}"#).s.unwrap(), "12");
        assert_eq!(s(r#"{"s":null}"#).s, None);
        assert!(serde_json::from_str::<S<'_>>(r#"{"s":{}}"#).is_err());
        assert!(serde_json::from_str::<S<'_>>(r#"{"s":[]}"#).is_err());
    }
}
