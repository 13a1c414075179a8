//! The v1.1 post (tweet) object, as delivered in `tweet_create_events`.

use serde::{Deserialize, Serialize};

use super::entities::{Entities, ExtendedEntities, Indices};
use super::user::User;
use crate::owned::borrowed_struct;
use crate::{RuleId, Text, Timestamp, TweetId, UserId};

borrowed_struct! {
    /// A v1.1 post object: an element of `tweet_create_events`, a like's `favorited_status`, or a
    /// quoted / reposted post.
    ///
    /// Only `id` is required; everything else is optional and unknown fields are ignored. For
    /// posts longer than 140 characters `text` is truncated and the whole text is in
    /// [`ExtendedTweet::full_text`]; [`Tweet::full_text`] picks the right one.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Tweet<'a> {
        /// The post id (`id`, a number or a string).
        pub id: TweetId,
        /// The same id as a string, when X sent `id_str` (exact where a producer rounded `id`).
        #[serde(default)]
        pub id_str: Option<TweetId>,
        /// When the post was created (`created_at`).
        #[serde(default)]
        pub created_at: Option<Timestamp>,
        /// The text (up to 140 characters when `truncated`).
        #[serde(default, borrow)]
        pub text: Option<Text<'a>>,
        /// The whole text, where the object was rendered in extended mode.
        #[serde(default, borrow)]
        pub full_text: Option<Text<'a>>,
        /// The part of the text shown to readers (leading mentions and trailing links excluded).
        #[serde(default)]
        pub display_text_range: Option<Indices>,
        /// Whether `text` is cut short (the whole text is in `extended_tweet`).
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub truncated: Option<bool>,
        /// The posting client as an HTML link.
        #[serde(default, borrow)]
        pub source: Option<Text<'a>>,
        /// The post replied to.
        #[serde(default)]
        pub in_reply_to_status_id: Option<TweetId>,
        /// The same as a string.
        #[serde(default)]
        pub in_reply_to_status_id_str: Option<TweetId>,
        /// The author of the post replied to.
        #[serde(default)]
        pub in_reply_to_user_id: Option<UserId>,
        /// The same as a string.
        #[serde(default)]
        pub in_reply_to_user_id_str: Option<UserId>,
        /// The handle of the author replied to.
        #[serde(default, borrow)]
        pub in_reply_to_screen_name: Option<Text<'a>>,
        /// The author. Absent in some trimmed samples, which carry `author_id` instead.
        #[serde(default, borrow)]
        pub user: Option<User<'a>>,
        /// The author id, in trimmed v2-style samples that have no `user`.
        #[serde(default)]
        pub author_id: Option<UserId>,
        /// Deprecated: the location as `[latitude, longitude]`.
        #[serde(default, borrow)]
        pub geo: Option<Coordinates<'a>>,
        /// The location as GeoJSON `[longitude, latitude]`.
        #[serde(default, borrow)]
        pub coordinates: Option<Coordinates<'a>>,
        /// The place the post is tagged with.
        #[serde(default, borrow)]
        pub place: Option<Place<'a>>,
        /// The id of the quoted post.
        #[serde(default)]
        pub quoted_status_id: Option<TweetId>,
        /// The same as a string.
        #[serde(default)]
        pub quoted_status_id_str: Option<TweetId>,
        /// The quoted post.
        #[serde(default, borrow)]
        pub quoted_status: Option<Box<Tweet<'a>>>,
        /// The link to the quoted post.
        #[serde(default, borrow)]
        pub quoted_status_permalink: Option<QuotedStatusPermalink<'a>>,
        /// The reposted post, when this is a repost.
        #[serde(default, borrow)]
        pub retweeted_status: Option<Box<Tweet<'a>>>,
        /// Whether this post quotes another.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub is_quote_status: Option<bool>,
        /// Quotes of this post.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub quote_count: Option<u64>,
        /// Replies to this post.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub reply_count: Option<u64>,
        /// Reposts of this post.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub retweet_count: Option<u64>,
        /// Likes of this post.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub favorite_count: Option<u64>,
        /// Viewer-relative: whether the viewer liked it.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub favorited: Option<bool>,
        /// Viewer-relative: whether the viewer reposted it.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub retweeted: Option<bool>,
        /// Whether a link in the post may lead to sensitive content.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub possibly_sensitive: Option<bool>,
        /// Stream filter level (`none`, `low`, `medium`).
        #[serde(default, borrow)]
        pub filter_level: Option<Text<'a>>,
        /// Detected language (BCP 47, or `und`).
        #[serde(default, borrow)]
        pub lang: Option<Text<'a>>,
        /// When X processed the post (`timestamp_ms`, a string in posts).
        #[serde(default)]
        pub timestamp_ms: Option<Timestamp>,
        /// The whole text and entities of a post longer than 140 characters.
        #[serde(default, borrow)]
        pub extended_tweet: Option<ExtendedTweet<'a>>,
        /// Entities in `text`.
        #[serde(default, borrow)]
        pub entities: Option<Entities<'a>>,
        /// Every attached media item.
        #[serde(default, borrow)]
        pub extended_entities: Option<ExtendedEntities<'a>>,
        /// The post's edit chain.
        #[serde(default)]
        pub edit_history: Option<EditHistory>,
        /// Whether and until when the post can be edited.
        #[serde(default)]
        pub edit_controls: Option<EditControls>,
        /// Top-level copy of `edit_controls.editable_until_ms`, where a producer flattens it.
        #[serde(default)]
        pub editable_until_ms: Option<Timestamp>,
        /// Top-level copy of `edit_controls.edits_remaining`.
        #[serde(default, deserialize_with = "crate::lenient::count")]
        pub edits_remaining: Option<u64>,
        /// Top-level copy of `edit_controls.is_edit_eligible`.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub is_edit_eligible: Option<bool>,
        /// Filtering rules that matched (enterprise streams).
        #[serde(default, borrow)]
        pub matching_rules: Option<Vec<MatchingRule<'a>>>,
        /// Countries where the post is withheld.
        #[serde(default, borrow)]
        pub withheld_in_countries: Vec<Text<'a>>,
    }
}

impl Tweet<'_> {
    /// The id, from `id_str` when present (exact even where a producer rounded the number).
    pub fn tweet_id(&self) -> TweetId {
        self.id_str.unwrap_or(self.id)
    }

    /// The author's id, from `user` or `author_id`.
    pub fn author(&self) -> Option<UserId> {
        self.user.as_ref().map(User::user_id).or(self.author_id)
    }

    /// The whole text: `extended_tweet.full_text`, else `full_text`, else `text`.
    pub fn full_text(&self) -> Option<&str> {
        self.extended_tweet
            .as_ref()
            .and_then(|e| e.full_text.as_deref())
            .or(self.full_text.as_deref())
            .or(self.text.as_deref())
    }

    /// The entities of the whole text: `extended_tweet.entities`, else `entities`.
    pub fn full_entities(&self) -> Option<&Entities<'_>> {
        self.extended_tweet
            .as_ref()
            .and_then(|e| e.entities.as_ref())
            .or(self.entities.as_ref())
    }

    /// The id of the post this one replies to.
    pub fn reply_to(&self) -> Option<TweetId> {
        self.in_reply_to_status_id_str
            .or(self.in_reply_to_status_id)
    }
}

borrowed_struct! {
    /// The `extended_tweet` object of a post longer than 140 characters.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ExtendedTweet<'a> {
        /// The whole text.
        #[serde(default, borrow)]
        pub full_text: Option<Text<'a>>,
        /// The part of the text shown to readers.
        #[serde(default)]
        pub display_text_range: Option<Indices>,
        /// Entities in the whole text.
        #[serde(default, borrow)]
        pub entities: Option<Entities<'a>>,
        /// Every attached media item.
        #[serde(default, borrow)]
        pub extended_entities: Option<ExtendedEntities<'a>>,
    }
}

borrowed_struct! {
    /// A GeoJSON point.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Coordinates<'a> {
        /// Always `Point`.
        #[serde(default, borrow, rename = "type")]
        pub geo_type: Option<Text<'a>>,
        /// `[longitude, latitude]` in `coordinates`, `[latitude, longitude]` in `geo`.
        pub coordinates: [f64; 2],
    }
}

borrowed_struct! {
    /// A place a post is tagged with (the commonly used fields; `attributes` and
    /// `contained_within` are not kept).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Place<'a> {
        /// The place id (a hexadecimal string).
        #[serde(default, borrow)]
        pub id: Option<Text<'a>>,
        /// The API URL of the place.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
        /// `city`, `admin`, `country`, `poi`, `neighborhood`.
        #[serde(default, borrow)]
        pub place_type: Option<Text<'a>>,
        /// Short name.
        #[serde(default, borrow)]
        pub name: Option<Text<'a>>,
        /// Full name, e.g. `Manhattan, NY`.
        #[serde(default, borrow)]
        pub full_name: Option<Text<'a>>,
        /// ISO country code.
        #[serde(default, borrow)]
        pub country_code: Option<Text<'a>>,
        /// Country name.
        #[serde(default, borrow)]
        pub country: Option<Text<'a>>,
        /// The place's bounding box.
        #[serde(default, borrow)]
        pub bounding_box: Option<BoundingBox<'a>>,
    }
}

borrowed_struct! {
    /// A GeoJSON polygon.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct BoundingBox<'a> {
        /// Always `Polygon`.
        #[serde(default, borrow, rename = "type")]
        pub geo_type: Option<Text<'a>>,
        /// Rings of `[longitude, latitude]` points.
        #[serde(default)]
        pub coordinates: Vec<Vec<[f64; 2]>>,
    }
}

borrowed_struct! {
    /// The link to a quoted post.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct QuotedStatusPermalink<'a> {
        /// The t.co link.
        #[serde(default, borrow)]
        pub url: Option<Text<'a>>,
        /// The full URL.
        #[serde(default, borrow)]
        pub expanded: Option<Text<'a>>,
        /// The URL as shown.
        #[serde(default, borrow)]
        pub display: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A filtering rule that matched a post.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct MatchingRule<'a> {
        /// The rule's tag.
        #[serde(default, borrow)]
        pub tag: Option<Text<'a>>,
        /// The rule id.
        #[serde(default)]
        pub id: Option<RuleId>,
        /// The same as a string.
        #[serde(default)]
        pub id_str: Option<RuleId>,
    }
}

/// The edit chain of a post.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct EditHistory {
    /// The first version's id.
    #[serde(default)]
    pub initial_tweet_id: Option<TweetId>,
    /// Every version's id, oldest first.
    #[serde(default)]
    pub edit_tweet_ids: Vec<TweetId>,
}

/// Whether and until when a post can be edited.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct EditControls {
    /// Edits left.
    #[serde(default, deserialize_with = "crate::lenient::count")]
    pub edits_remaining: Option<u64>,
    /// Whether the post can be edited at all.
    #[serde(default, deserialize_with = "crate::lenient::bool")]
    pub is_edit_eligible: Option<bool>,
    /// The end of the edit window (v1.1, milliseconds).
    #[serde(default)]
    pub editable_until_ms: Option<Timestamp>,
    /// The end of the edit window (v2, RFC 3339).
    #[serde(default)]
    pub editable_until: Option<Timestamp>,
}

crate::owned::owned_types!(EditHistory, EditControls);
