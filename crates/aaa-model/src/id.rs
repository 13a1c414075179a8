//! Typed identifiers.
//!
//! X's numeric ids are 64-bit and arrive both as JSON numbers (`"id": 1036136664609898496`) and
//! as strings (`"id_str": "1036136664609898496"`, and every id in DM and follow payloads). The
//! numeric types here accept either form and serialize as strings, which every JSON consumer
//! (JavaScript included) reads exactly.

use core::fmt;
use core::str::FromStr;
use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::Text;

/// The error returned when a string is not a valid numeric id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseIdError {
    kind: ParseIdErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParseIdErrorKind {
    Empty,
    NotDigits,
    TooLarge,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            ParseIdErrorKind::Empty => "id is empty",
            ParseIdErrorKind::NotDigits => "id must contain only the digits 0-9",
            ParseIdErrorKind::TooLarge => "id does not fit in 64 bits",
        })
    }
}

impl std::error::Error for ParseIdError {}

/// Parses a decimal id: ASCII digits only (no sign, no spaces), at most `u64::MAX`.
fn parse_id(s: &str) -> Result<u64, ParseIdError> {
    if s.is_empty() {
        return Err(ParseIdError {
            kind: ParseIdErrorKind::Empty,
        });
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(ParseIdError {
                kind: ParseIdErrorKind::NotDigits,
            });
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or(ParseIdError {
                kind: ParseIdErrorKind::TooLarge,
            })?;
    }
    Ok(n)
}

struct IdVisitor(&'static str);

impl Visitor<'_> for IdVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a {} as a non-negative integer or a string of digits",
            self.0
        )
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom("id does not fit in 64 bits"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse_id(v).map_err(|e| E::custom(format_args!("invalid {}: {e}", self.0)))
    }
}

macro_rules! numeric_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        ///
        /// Deserializes from a JSON number or a string of digits; serializes as a string.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw id.
            pub const fn new(id: u64) -> Self {
                $name(id)
            }

            /// The raw id.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;
            fn from_str(s: &str) -> Result<Self, ParseIdError> {
                parse_id(s).map($name)
            }
        }

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(IdVisitor($what)).map($name)
            }
        }
    };
}

numeric_id!(
    /// A user (account) id.
    UserId,
    "user id"
);
numeric_id!(
    /// A post (tweet) id.
    TweetId,
    "tweet id"
);
numeric_id!(
    /// An app (client application) id, as in `source_app_id` or a revoke's `target.app_id`.
    AppId,
    "app id"
);
numeric_id!(
    /// A direct message event id.
    DmEventId,
    "direct message event id"
);
numeric_id!(
    /// A media id.
    MediaId,
    "media id"
);
numeric_id!(
    /// A filtering rule id, as in a post's `matching_rules`.
    RuleId,
    "rule id"
);

struct StrIdVisitor(&'static str);

impl<'de> Visitor<'de> for StrIdVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a string or a number", self.0)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::from(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Text::from(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Text::from(v.to_string()))
    }
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        ///
        /// Kept as a string (borrowed from the input where possible): X's documentation uses
        /// placeholders such as `"<WEBHOOK_ID>"` in its samples, and the value is only ever passed
        /// back to X. Deserializes from a string or a number; serializes as a string.
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name<'a>(Text<'a>);

        impl<'a> $name<'a> {
            /// Wraps a borrowed or owned string.
            pub fn new(id: impl Into<Cow<'a, str>>) -> Self {
                $name(Text::new(id))
            }

            /// The id.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// Converts into an id that owns its string.
            pub fn into_owned(self) -> $name<'static> {
                $name(self.0.into_owned())
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0.as_str())
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0.as_str())
            }
        }

        impl AsRef<str> for $name<'_> {
            fn as_ref(&self) -> &str {
                self.0.as_str()
            }
        }

        impl<'a> From<&'a str> for $name<'a> {
            fn from(s: &'a str) -> Self {
                $name(Text::from(s))
            }
        }

        impl From<String> for $name<'_> {
            fn from(s: String) -> Self {
                $name(Text::from(s))
            }
        }

        impl<'a> From<Text<'a>> for $name<'a> {
            fn from(s: Text<'a>) -> Self {
                $name(s)
            }
        }

        impl PartialEq<str> for $name<'_> {
            fn eq(&self, other: &str) -> bool {
                self.0.as_str() == other
            }
        }

        impl PartialEq<&str> for $name<'_> {
            fn eq(&self, other: &&str) -> bool {
                self.0.as_str() == *other
            }
        }

        impl Serialize for $name<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.0.as_str())
            }
        }

        impl<'de: 'a, 'a> Deserialize<'de> for $name<'a> {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(StrIdVisitor($what)).map($name)
            }
        }
    };
}

string_id!(
    /// A webhook id.
    WebhookId,
    "webhook id"
);
string_id!(
    /// A replay job id.
    JobId,
    "job id"
);
string_id!(
    /// An X Activity API subscription id (`subscription_id`, digits in X's answers).
    SubscriptionId,
    "subscription id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_ids_accept_numbers_and_strings() {
        let a: TweetId = serde_json::from_str("1332557345071644672").unwrap();
        let b: TweetId = serde_json::from_str(r#""1332557345071644672""#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get(), 1_332_557_345_071_644_672);
        let max: UserId = serde_json::from_str(r#""18446744073709551615""#).unwrap();
        assert_eq!(max.get(), u64::MAX);
    }

    #[test]
    fn numeric_ids_reject_what_is_not_an_id() {
        for bad in [
            r#""""#,
            r#""12a""#,
            r#""-1""#,
            r#""+1""#,
            r#"" 1""#,
            r#""18446744073709551616""#,
            "-5",
            "1.5",
            "null",
            "true",
            "[]",
        ] {
            assert!(serde_json::from_str::<UserId>(bad).is_err(), "{bad}");
        }
        let err = serde_json::from_str::<UserId>(r#""272953qwe809""#).unwrap_err();
        assert!(err.to_string().contains("invalid user id"), "{err}");
    }

    #[test]
    fn numeric_ids_serialize_as_strings_and_round_trip() {
        let id = UserId::new(42);
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""42""#);
        assert_eq!(serde_json::from_str::<UserId>(r#""42""#).unwrap(), id);
        assert_eq!(id.to_string(), "42");
        assert_eq!(format!("{id:?}"), "UserId(42)");
        assert_eq!("42".parse::<UserId>(), Ok(id));
        assert!("4 2".parse::<UserId>().is_err());
        assert_eq!(u64::from(id), 42);
    }

    #[test]
    fn string_ids_borrow_and_accept_numbers() {
        let w: WebhookId<'_> = serde_json::from_str(r#""<WEBHOOK_ID>""#).unwrap();
        assert_eq!(w, "<WEBHOOK_ID>");
        let j: JobId<'_> = serde_json::from_str("1234567890").unwrap();
        assert_eq!(j.as_str(), "1234567890");
        assert_eq!(serde_json::to_string(&j).unwrap(), r#""1234567890""#);
        assert_eq!(format!("{w:?}"), r#"WebhookId("<WEBHOOK_ID>")"#);
        let owned: WebhookId<'static> = w.clone().into_owned();
        assert_eq!(owned, w);
        assert!(serde_json::from_str::<JobId<'_>>("null").is_err());
    }
}
