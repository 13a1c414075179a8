//! The small yes/no answers of the v2 management API.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

/// A v2 answer such as `{"data":{"subscribed":true}}` (subscribe, check, unsubscribe),
/// `{"data":{"deleted":true}}` (delete webhook), `{"data":{"valid":true}}` (trigger CRC) or
/// `{"data":{"attempted":true}}`. The same fields are read unwrapped too. Serializes in the v2
/// form, with the fields that are set.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatusFlags {
    /// Whether the user is (still) subscribed.
    pub subscribed: Option<bool>,
    /// Whether the webhook was deleted.
    pub deleted: Option<bool>,
    /// Whether the webhook passed the CRC check.
    pub valid: Option<bool>,
    /// Whether X attempted the operation (webhook replay).
    pub attempted: Option<bool>,
}

impl StatusFlags {
    /// `{"subscribed": subscribed}`.
    pub fn subscribed(subscribed: bool) -> Self {
        StatusFlags {
            subscribed: Some(subscribed),
            ..StatusFlags::default()
        }
    }

    /// `{"deleted": deleted}`.
    pub fn deleted(deleted: bool) -> Self {
        StatusFlags {
            deleted: Some(deleted),
            ..StatusFlags::default()
        }
    }

    /// `{"valid": valid}`.
    pub fn valid(valid: bool) -> Self {
        StatusFlags {
            valid: Some(valid),
            ..StatusFlags::default()
        }
    }

    /// `{"attempted": attempted}`.
    pub fn attempted(attempted: bool) -> Self {
        StatusFlags {
            attempted: Some(attempted),
            ..StatusFlags::default()
        }
    }
}

#[derive(Deserialize, Serialize, Default)]
struct Flags {
    #[serde(
        default,
        deserialize_with = "crate::lenient::bool",
        skip_serializing_if = "Option::is_none"
    )]
    subscribed: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::lenient::bool",
        skip_serializing_if = "Option::is_none"
    )]
    deleted: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::lenient::bool",
        skip_serializing_if = "Option::is_none"
    )]
    valid: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::lenient::bool",
        skip_serializing_if = "Option::is_none"
    )]
    attempted: Option<bool>,
}

#[derive(Deserialize)]
struct RawFlags {
    #[serde(default)]
    data: Option<Flags>,
    #[serde(flatten)]
    flat: Flags,
}

impl<'de> Deserialize<'de> for StatusFlags {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawFlags::deserialize(deserializer)?;
        let f = raw.data.unwrap_or(raw.flat);
        Ok(StatusFlags {
            subscribed: f.subscribed,
            deleted: f.deleted,
            valid: f.valid,
            attempted: f.attempted,
        })
    }
}

impl Serialize for StatusFlags {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out {
            data: Flags,
        }
        Out {
            data: Flags {
                subscribed: self.subscribed,
                deleted: self.deleted,
                valid: self.valid,
                attempted: self.attempted,
            },
        }
        .serialize(serializer)
    }
}

/// A v2 answer `{"data": T}`, for endpoints whose payload has no type of its own here.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
pub struct Data<T> {
    /// The payload.
    pub data: T,
}

impl<T> Data<T> {
    /// Wraps `data`.
    pub fn new(data: T) -> Self {
        Data { data }
    }
}
