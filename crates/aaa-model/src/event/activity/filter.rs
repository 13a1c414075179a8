//! The filter of an X Activity API subscription, as subscriptions and deliveries carry it.

use core::fmt;

use serde::de::{Deserialize, Deserializer};
use serde::ser::{Serialize, Serializer};

use crate::owned::borrowed_struct;
use crate::{Text, UserId};

borrowed_struct! {
    /// The filter of an X Activity API subscription: `user_id` for most event types, `keyword`
    /// for `news.new`, an optional `direction` for likes, direct messages and chats. Deliveries
    /// of `oauth.revoke` carry an empty filter.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, serde::Deserialize, serde::Serialize)]
    pub struct ActivityFilter<'a> {
        /// The user the subscription follows.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user_id: Option<UserId>,
        /// The keyword, for keyword subscriptions (e.g. `news.new`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub keyword: Option<Text<'a>>,
        /// Which way: see [`Direction`].
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub direction: Option<Direction<'a>>,
    }
}

impl<'a> ActivityFilter<'a> {
    /// A filter on a user.
    pub fn user(user_id: UserId) -> Self {
        ActivityFilter {
            user_id: Some(user_id),
            ..ActivityFilter::default()
        }
    }

    /// A filter on a keyword.
    pub fn keyword(keyword: impl Into<Text<'a>>) -> Self {
        ActivityFilter {
            keyword: Some(keyword.into()),
            ..ActivityFilter::default()
        }
    }

    /// The same filter with a direction.
    #[must_use]
    pub fn with_direction(mut self, direction: Direction<'a>) -> Self {
        self.direction = Some(direction);
        self
    }

    /// Whether no field is set (the filter of `oauth.revoke` deliveries).
    pub fn is_empty(&self) -> bool {
        self.user_id.is_none() && self.keyword.is_none() && self.direction.is_none()
    }
}

/// Which way a directional event goes, seen from the filtered user.
///
/// X's OpenAPI spec says `inbound` / `outbound`; its changelog introduced the filter as
/// `received` / `sent`. Both spellings read; `sent` is [`Direction::Outbound`] and `received`
/// is [`Direction::Inbound`], and the spec's spelling is written.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Direction<'a> {
    /// Towards the user: likes of their posts, messages they receive.
    Inbound,
    /// From the user: their likes, messages they send.
    Outbound,
    /// A value this crate does not know, kept verbatim.
    Other(Text<'a>),
}

impl<'a> Direction<'a> {
    /// The direction a value names; `sent` and `received` are accepted.
    pub fn from_text(s: Text<'a>) -> Self {
        match s.as_str() {
            "inbound" | "received" => Direction::Inbound,
            "outbound" | "sent" => Direction::Outbound,
            _ => Direction::Other(s),
        }
    }

    /// The value as the OpenAPI spec writes it (`inbound`, `outbound`), or the unknown value.
    pub fn as_str(&self) -> &str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Other(s) => s.as_str(),
        }
    }

    /// Whether this is one of the two known directions.
    pub fn is_known(&self) -> bool {
        !matches!(self, Direction::Other(_))
    }

    /// Converts into a value that owns its string.
    pub fn into_owned(self) -> Direction<'static> {
        match self {
            Direction::Inbound => Direction::Inbound,
            Direction::Outbound => Direction::Outbound,
            Direction::Other(s) => Direction::Other(s.into_owned()),
        }
    }
}

impl fmt::Display for Direction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Direction<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Direction<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer).map(Direction::from_text)
    }
}

impl crate::owned::IntoStatic for Direction<'_> {
    type Static = Direction<'static>;
    fn into_static(self) -> Direction<'static> {
        self.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_direction_read() {
        for (json, want) in [
            (r#""inbound""#, Direction::Inbound),
            (r#""received""#, Direction::Inbound),
            (r#""outbound""#, Direction::Outbound),
            (r#""sent""#, Direction::Outbound),
        ] {
            let d: Direction<'_> = serde_json::from_str(json).unwrap();
            assert_eq!(d, want);
        }
        let d: Direction<'_> = serde_json::from_str(r#""sideways""#).unwrap();
        assert_eq!(d.as_str(), "sideways");
        assert!(!d.is_known());
        assert_eq!(
            serde_json::to_string(&Direction::Outbound).unwrap(),
            r#""outbound""#
        );
        let f: ActivityFilter<'_> = serde_json::from_str("{}").unwrap();
        assert!(f.is_empty());
        let f = ActivityFilter::user(UserId::new(7)).with_direction(Direction::Inbound);
        assert_eq!(
            serde_json::to_string(&f).unwrap(),
            r#"{"user_id":"7","direction":"inbound"}"#
        );
    }
}
