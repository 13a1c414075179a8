//! The X API v2 user object, as X Activity API payloads and `includes` carry it.

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::v2_entities::V2UserEntities;
use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, TweetId, UserId};

borrowed_struct! {
    /// An X API v2 user: the `source` / `target` of follow, mute and block events, the host of
    /// a Space or broadcast, a broadcast chat's author, the values of a direct message's `users`
    /// map and the entries of `includes.users`.
    ///
    /// X sends it both bare (`{"id":...,"username":...}`) and wrapped (`{"data":{...}}`); both
    /// read into this type. Only `id` is required. The `users` map of direct message events may
    /// hold Account Activity style users (`screen_name`, `created_timestamp`): those fields are
    /// read into `username` and `created_at`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(remote = "Self")]
    pub struct V2User<'a> {
        /// The user id.
        pub id: UserId,
        /// The display name.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub name: Option<Text<'a>>,
        /// The handle, without `@`.
        #[serde(default, borrow, alias = "screen_name", skip_serializing_if = "Option::is_none")]
        pub username: Option<Text<'a>>,
        /// When the account was created.
        #[serde(default, alias = "created_timestamp", skip_serializing_if = "Option::is_none")]
        pub created_at: Option<Timestamp>,
        /// The bio.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub description: Option<Text<'a>>,
        /// The free-text location.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub location: Option<Text<'a>>,
        /// The profile URL (usually a t.co link; X sends `""` when there is none, kept as is).
        #[serde(
            default,
            borrow,
            deserialize_with = "crate::lenient::url",
            skip_serializing_if = "Option::is_none"
        )]
        pub url: Option<Text<'a>>,
        /// Avatar URL.
        #[serde(
            default,
            borrow,
            deserialize_with = "crate::lenient::url",
            skip_serializing_if = "Option::is_none"
        )]
        pub profile_image_url: Option<Text<'a>>,
        /// Banner URL.
        #[serde(
            default,
            borrow,
            deserialize_with = "crate::lenient::url",
            skip_serializing_if = "Option::is_none"
        )]
        pub profile_banner_url: Option<Text<'a>>,
        /// Whether the account's posts are protected.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub protected: Option<bool>,
        /// Whether the account is verified.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub verified: Option<bool>,
        /// `blue`, `business`, `government` or `none`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub verified_type: Option<Text<'a>>,
        /// Whether the account completed identity verification.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub is_identity_verified: Option<bool>,
        /// Whether the account is a parody account.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub parody: Option<bool>,
        /// The pinned post (`pinned_tweet_id`; the OpenAPI spec says `pinned_post_id`).
        #[serde(default, alias = "pinned_post_id", skip_serializing_if = "Option::is_none")]
        pub pinned_tweet_id: Option<TweetId>,
        /// The most recent post (`most_recent_tweet_id` / `most_recent_post_id`).
        #[serde(
            default,
            alias = "most_recent_post_id",
            skip_serializing_if = "Option::is_none"
        )]
        pub most_recent_tweet_id: Option<TweetId>,
        /// Follower, following, post, list, like and media counts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub public_metrics: Option<UserMetrics>,
        /// The organization the account is affiliated with.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub affiliation: Option<Affiliation<'a>>,
        /// Entities in the profile URL and bio.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub entities: Option<V2UserEntities<'a>>,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for V2User<'a> {
    /// Reads a bare user object or one wrapped as `{"data":{...}}`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a v2 user object, bare or as {\"data\":{...}}")]
        enum Shape<'a> {
            Wrapped {
                #[serde(borrow, with = "V2User")]
                data: V2User<'a>,
            },
            Bare(#[serde(borrow, with = "V2User")] V2User<'a>),
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::Wrapped { data } | Shape::Bare(data) => data,
        })
    }
}

impl Serialize for V2User<'_> {
    /// Writes the bare object.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        V2User::serialize(self, serializer)
    }
}

/// A user's public counts (`public_metrics`); the `*_str` copies X adds are ignored.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct UserMetrics {
    /// Followers.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub followers_count: Option<u64>,
    /// Accounts followed.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub following_count: Option<u64>,
    /// Posts.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub tweet_count: Option<u64>,
    /// Lists that include the account.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub listed_count: Option<u64>,
    /// Likes given.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub like_count: Option<u64>,
    /// Media posted.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub media_count: Option<u64>,
}

crate::owned::owned_types!(UserMetrics);

borrowed_struct! {
    /// The organization an account is affiliated with (its badge).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Affiliation<'a> {
        /// The organization's name.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub description: Option<Text<'a>>,
        /// The organization's profile URL.
        #[serde(
            default,
            borrow,
            deserialize_with = "crate::lenient::url",
            skip_serializing_if = "Option::is_none"
        )]
        pub url: Option<Text<'a>>,
        /// The badge image.
        #[serde(
            default,
            borrow,
            deserialize_with = "crate::lenient::url",
            skip_serializing_if = "Option::is_none"
        )]
        pub badge_url: Option<Text<'a>>,
        /// The organization's account(s).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub user_id: Vec<UserId>,
    }
}

impl V2User<'_> {
    /// A user with only an id.
    pub fn new(id: UserId) -> Self {
        V2User {
            id,
            ..V2User::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_wrapped_and_account_activity_users_read_alike() {
        let bare = r#"{"id":"42","username":"alice","name":"Alice","url":"","public_metrics":
            {"followers_count":5,"followers_count_str":"5"},"affiliation":{"user_id":["7"]}}"#;
        let wrapped = format!(r#"{{"data":{bare}}}"#);
        let a: V2User<'_> = serde_json::from_str(bare).unwrap();
        let b: V2User<'_> = serde_json::from_str(&wrapped).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.id.get(), 42);
        assert!(a.username.as_ref().unwrap().is_borrowed());
        assert!(
            b.name.as_ref().unwrap().is_borrowed(),
            "wrapped strings still borrow"
        );
        assert_eq!(a.url.as_deref(), Some(""), "an empty url is kept as sent");
        assert_eq!(a.public_metrics.unwrap().followers_count, Some(5));
        assert_eq!(a.affiliation.unwrap().user_id, [UserId::new(7)]);

        let aaa = r#"{"id":"9","screen_name":"bob","created_timestamp":"1517338221000"}"#;
        let c: V2User<'_> = serde_json::from_str(aaa).unwrap();
        assert_eq!(c.username.as_deref(), Some("bob"));
        assert_eq!(c.created_at.unwrap().as_millis(), 1_517_338_221_000);

        assert!(serde_json::from_str::<V2User<'_>>(r#"{"name":"no id"}"#).is_err());
        assert!(serde_json::from_str::<V2User<'_>>(r#"{"data":{"name":"no id"}}"#).is_err());

        // Serializes bare and reads back the same.
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.starts_with(r#"{"id":"42""#), "{json}");
        assert_eq!(serde_json::from_str::<V2User<'_>>(&json).unwrap(), b);
        assert_eq!(b.clone().into_owned(), b);
    }
}
