//! The v1.1 user object.

use serde::{Deserialize, Serialize};

use super::entities::UrlEntity;
use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, UserId};

borrowed_struct! {
    /// A v1.1 user object, as in a post's `user`, a like's `user` and the `source` / `target` of
    /// follow, block and mute events.
    ///
    /// Only `id` is required. Everything else is optional because real payloads leave fields out
    /// (likes carry users with four fields) and fill them oddly (some producers send colours as
    /// `-1` and `id` only as a string); unknown fields are ignored.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct User<'a> {
        /// The user id (`id`, a number or a string).
        pub id: UserId,
        /// The same id as a string, when X sent `id_str`.
        #[serde(default)]
        pub id_str: Option<UserId>,
        /// The display name.
        #[serde(default, borrow)]
        pub name: Option<Text<'a>>,
        /// The handle, without `@`.
        #[serde(default, borrow)]
        pub screen_name: Option<Text<'a>>,
        /// The free-text location.
        #[serde(default, borrow)]
        pub location: Option<Text<'a>>,
        /// The profile URL (usually a t.co link).
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub url: Option<Text<'a>>,
        /// The bio.
        #[serde(default, borrow)]
        pub description: Option<Text<'a>>,
        /// Whether the account's posts are protected.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub protected: Option<bool>,
        /// Whether the account is verified (legacy verification).
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub verified: Option<bool>,
        /// Followers.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub followers_count: Option<u64>,
        /// Accounts followed.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub friends_count: Option<u64>,
        /// Lists that include the account.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub listed_count: Option<u64>,
        /// Likes given.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub favourites_count: Option<u64>,
        /// Posts, reposts included.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub statuses_count: Option<u64>,
        /// When the account was created (`created_at`).
        #[serde(default)]
        pub created_at: Option<Timestamp>,
        /// Deprecated: UTC offset in seconds.
        #[serde(default, deserialize_with = "crate::lenient::int")]
        pub utc_offset: Option<i64>,
        /// Deprecated: time zone name.
        #[serde(default, borrow)]
        pub time_zone: Option<Text<'a>>,
        /// Whether the account geotags posts.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub geo_enabled: Option<bool>,
        /// Deprecated: interface language.
        #[serde(default, borrow)]
        pub lang: Option<Text<'a>>,
        /// Whether contributor mode is on.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub contributors_enabled: Option<bool>,
        /// Whether the account is a translator.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub is_translator: Option<bool>,
        /// Translator type (`none`, `regular`, ...).
        #[serde(default, borrow)]
        pub translator_type: Option<Text<'a>>,
        /// Profile background colour (hex, or a number from some producers).
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
        pub profile_background_color: Option<Text<'a>>,
        /// Profile background image URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_background_image_url: Option<Text<'a>>,
        /// Profile background image URL over https.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_background_image_url_https: Option<Text<'a>>,
        /// Whether the background image is tiled.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub profile_background_tile: Option<bool>,
        /// Link colour.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
        pub profile_link_color: Option<Text<'a>>,
        /// Sidebar border colour.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
        pub profile_sidebar_border_color: Option<Text<'a>>,
        /// Sidebar fill colour.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
        pub profile_sidebar_fill_color: Option<Text<'a>>,
        /// Text colour.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number")]
        pub profile_text_color: Option<Text<'a>>,
        /// Whether the background image is shown.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub profile_use_background_image: Option<bool>,
        /// Avatar URL (`"null"` reads as `None`).
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_image_url: Option<Text<'a>>,
        /// Avatar URL over https.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_image_url_https: Option<Text<'a>>,
        /// Banner URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url")]
        pub profile_banner_url: Option<Text<'a>>,
        /// Whether the profile theme is untouched.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub default_profile: Option<bool>,
        /// Whether the avatar is the default one.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub default_profile_image: Option<bool>,
        /// Deprecated, viewer-relative: whether the viewer follows this account.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub following: Option<bool>,
        /// Deprecated, viewer-relative: whether a follow request is pending.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub follow_request_sent: Option<bool>,
        /// Deprecated, viewer-relative: whether notifications are on.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub notifications: Option<bool>,
        /// Countries where the account is withheld.
        #[serde(default, borrow)]
        pub withheld_in_countries: Vec<Text<'a>>,
        /// Entities of the profile `url` and `description`.
        #[serde(default, borrow)]
        pub entities: Option<UserEntities<'a>>,
    }
}

impl User<'_> {
    /// The id, from `id_str` when present (exact even where a producer rounded the number).
    pub fn user_id(&self) -> UserId {
        self.id_str.unwrap_or(self.id)
    }
}

borrowed_struct! {
    /// The entities of a user's profile.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UserEntities<'a> {
        /// Links in the profile `url` field.
        #[serde(default, borrow)]
        pub url: Option<UrlEntities<'a>>,
        /// Links in the profile `description`.
        #[serde(default, borrow)]
        pub description: Option<UrlEntities<'a>>,
    }
}

borrowed_struct! {
    /// A `{"urls":[...]}` object.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UrlEntities<'a> {
        /// The links.
        #[serde(default, borrow)]
        pub urls: Vec<UrlEntity<'a>>,
    }
}
