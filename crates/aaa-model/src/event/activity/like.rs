//! `like.create`: a like by or of the filtered user.

use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, TweetId, UserId};

borrowed_struct! {
    /// The payload of `like.create`.
    ///
    /// X's OpenAPI spec names the liked post's author `tweet_author_id`, its event pages and
    /// deliveries `liked_tweet_author_id`; both are read ([`LikeActivity::liked_author`] picks
    /// whichever is there). `timestamp_ms` comes as a number or a string.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct LikeActivity<'a> {
        /// The like's id (32 hexadecimal digits in deliveries).
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub id: Option<Text<'a>>,
        /// The liked post.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub liked_tweet_id: Option<TweetId>,
        /// The liked post's author, as the OpenAPI spec names it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tweet_author_id: Option<UserId>,
        /// The liked post's author, as deliveries name it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub liked_tweet_author_id: Option<UserId>,
        /// When the liked post was created (when X knows it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<Timestamp>,
        /// When the like happened.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub timestamp_ms: Option<Timestamp>,
    }
}

impl LikeActivity<'_> {
    /// The liked post's author, from either field name.
    pub fn liked_author(&self) -> Option<UserId> {
        self.liked_tweet_author_id.or(self.tweet_author_id)
    }
}
