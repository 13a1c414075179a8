//! `broadcast.start` and `broadcast.end`: a live video broadcast.

use serde::{Deserialize, Serialize};

use super::V2User;
use crate::owned::borrowed_struct;
use crate::{Text, Timestamp};

borrowed_struct! {
    /// The payload of `broadcast.start` and `broadcast.end`. Times are milliseconds since the
    /// epoch (X also sends `*_str` copies of them, which are ignored).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct BroadcastActivity<'a> {
        /// The broadcaster.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub user: Option<V2User<'a>>,
        /// The broadcast's id.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub broadcast_id: Option<Text<'a>>,
        /// Its title.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub title: Option<Text<'a>>,
        /// `Running` or `Ended`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub broadcast_state: Option<Text<'a>>,
        /// Its language.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub language: Option<Text<'a>>,
        /// A live or replay thumbnail.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub thumbnail_url: Option<Text<'a>>,
        /// Whether a replay will be available.
        #[serde(default, deserialize_with = "crate::lenient::bool", skip_serializing_if = "Option::is_none")]
        pub available_for_replay: Option<bool>,
        /// When this event happened.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub event_timestamp_ms: Option<Timestamp>,
        /// When the broadcast was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_timestamp_ms: Option<Timestamp>,
        /// When it was last updated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub updated_timestamp_ms: Option<Timestamp>,
        /// How long it ran (ended broadcasts), in milliseconds.
        #[serde(default, deserialize_with = "crate::lenient::count", skip_serializing_if = "Option::is_none")]
        pub duration_ms: Option<u64>,
    }
}
