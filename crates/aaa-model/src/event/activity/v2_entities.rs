//! X API v2 entities: mentions, links, hashtags and cashtags with `start` / `end` offsets.

use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{Text, UserId};

borrowed_struct! {
    /// The `entities` of a v2 Post, or of a user's bio (`entities.description`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct PostEntities<'a> {
        /// `@mentions`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub mentions: Vec<V2Mention<'a>>,
        /// Links.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub urls: Vec<V2Url<'a>>,
        /// `#hashtags`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub hashtags: Vec<V2Tag<'a>>,
        /// `$cashtags`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub cashtags: Vec<V2Tag<'a>>,
    }
}

borrowed_struct! {
    /// The `entities` of a v2 user: links in the profile URL and entities in the bio.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct V2UserEntities<'a> {
        /// The profile URL's link (`{"urls":[...]}`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub url: Option<PostEntities<'a>>,
        /// Entities in the bio.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub description: Option<PostEntities<'a>>,
    }
}

borrowed_struct! {
    /// A mention (`start` / `end` are code point offsets; X adds `*_str` copies, ignored).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct V2Mention<'a> {
        /// Start offset.
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub start: Option<u64>,
        /// End offset (exclusive).
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub end: Option<u64>,
        /// The handle, without `@`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub username: Option<Text<'a>>,
        /// The user's id, when X resolved it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub id: Option<UserId>,
    }
}

borrowed_struct! {
    /// A link.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct V2Url<'a> {
        /// Start offset.
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub start: Option<u64>,
        /// End offset (exclusive).
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub end: Option<u64>,
        /// The t.co link as it appears in the text.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub url: Option<Text<'a>>,
        /// The full URL.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url", skip_serializing_if = "Option::is_none")]
        pub expanded_url: Option<Text<'a>>,
        /// The URL as shown to readers.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub display_url: Option<Text<'a>>,
        /// The final URL after redirects, when X followed them.
        #[serde(default, borrow, deserialize_with = "crate::lenient::url", skip_serializing_if = "Option::is_none")]
        pub unwound_url: Option<Text<'a>>,
        /// The linked page's title.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub title: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// A hashtag or cashtag.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct V2Tag<'a> {
        /// Start offset.
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub start: Option<u64>,
        /// End offset (exclusive).
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub end: Option<u64>,
        /// The tag, without `#` / `$`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub tag: Option<Text<'a>>,
    }
}
