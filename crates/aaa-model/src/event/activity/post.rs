//! The X API v2 Post, the payload of `post.create`, `post.mention.create`, `post.reply.create`,
//! `post.quote.create` and `post.repost.create`.

use serde::{Deserialize, Serialize};

use super::v2_entities::PostEntities;
use crate::event::{EditControls, Indices};
use crate::owned::{borrowed_struct, string_enum};
use crate::{Text, Timestamp, TweetId, UserId};

borrowed_struct! {
    /// An X API v2 Post.
    ///
    /// Only `id` is required. X's deliveries write `referenced_tweets` and
    /// `edit_history_tweet_ids`; its OpenAPI spec says `referenced_posts` and
    /// `edit_history_post_ids`: either is read. The author's profile is not in the Post but in
    /// the event's `includes.users` ([`super::Includes::user`]).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Post<'a> {
        /// The post id.
        pub id: TweetId,
        /// The text.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub text: Option<Text<'a>>,
        /// The author.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub author_id: Option<UserId>,
        /// When it was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<Timestamp>,
        /// The conversation (the id of its first post).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub conversation_id: Option<TweetId>,
        /// The author of the post replied to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub in_reply_to_user_id: Option<UserId>,
        /// The post replied to.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub in_reply_to_tweet_id: Option<TweetId>,
        /// Posts this one replies to, quotes or reposts.
        #[serde(
            default,
            borrow,
            alias = "referenced_posts",
            skip_serializing_if = "Vec::is_empty"
        )]
        pub referenced_tweets: Vec<ReferencedPost<'a>>,
        /// Every version's id, oldest first.
        #[serde(default, alias = "edit_history_post_ids", skip_serializing_if = "Vec::is_empty")]
        pub edit_history_tweet_ids: Vec<TweetId>,
        /// Whether and until when it can be edited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub edit_controls: Option<EditControls>,
        /// The part of the text shown to readers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub display_text_range: Option<Indices>,
        /// Mentions, links, hashtags and cashtags in the text.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub entities: Option<PostEntities<'a>>,
        /// Reposts, replies, likes, quotes, bookmarks and impressions.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub public_metrics: Option<PostMetrics>,
        /// Detected language (BCP 47, or `und`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub lang: Option<Text<'a>>,
        /// Whether a link may lead to sensitive content.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub possibly_sensitive: Option<bool>,
        /// Who can reply (`everyone`, `following`, `mentionedUsers`, ...).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub reply_settings: Option<Text<'a>>,
        /// Whether the author disclosed a paid partnership.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub paid_partnership: Option<bool>,
        /// Media and polls attached.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub attachments: Option<PostAttachments<'a>>,
        /// The whole text of a long post (`note_tweet`).
        #[serde(default, borrow, alias = "note_post", skip_serializing_if = "Option::is_none")]
        pub note_tweet: Option<NotePost<'a>>,
        /// The community the post belongs to.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub community_id: Option<Text<'a>>,
    }
}

impl Post<'_> {
    /// The post this one replies to, from `in_reply_to_tweet_id` or a `replied_to` reference.
    pub fn reply_to(&self) -> Option<TweetId> {
        self.in_reply_to_tweet_id
            .or_else(|| self.referenced(&ReferenceType::RepliedTo))
    }

    /// The quoted post, from a `quoted` reference.
    pub fn quoted(&self) -> Option<TweetId> {
        self.referenced(&ReferenceType::Quoted)
    }

    /// The reposted post, from a `retweeted` reference.
    pub fn reposted(&self) -> Option<TweetId> {
        self.referenced(&ReferenceType::Retweeted)
    }

    /// The whole text: `note_tweet.text` for long posts, else `text`.
    pub fn full_text(&self) -> Option<&str> {
        self.note_tweet
            .as_ref()
            .and_then(|n| n.text.as_deref())
            .or(self.text.as_deref())
    }

    fn referenced(&self, kind: &ReferenceType<'_>) -> Option<TweetId> {
        self.referenced_tweets
            .iter()
            .find(|r| &r.reference_type == kind)
            .map(|r| r.id)
    }
}

string_enum! {
    /// How a post refers to another.
    pub enum ReferenceType<'a> {
        /// A repost.
        Retweeted = "retweeted",
        /// A quote.
        Quoted = "quoted",
        /// A reply.
        RepliedTo = "replied_to",
    }
}

borrowed_struct! {
    /// A reference from a post to another (`referenced_tweets[]`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ReferencedPost<'a> {
        /// How.
        #[serde(borrow, rename = "type")]
        pub reference_type: ReferenceType<'a>,
        /// The other post.
        pub id: TweetId,
    }
}

/// A post's public counts (`public_metrics`); the `*_str` copies X adds are ignored.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct PostMetrics {
    /// Reposts.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub retweet_count: Option<u64>,
    /// Replies.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub reply_count: Option<u64>,
    /// Likes.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub like_count: Option<u64>,
    /// Quotes.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_count: Option<u64>,
    /// Bookmarks.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub bookmark_count: Option<u64>,
    /// Impressions.
    #[serde(
        default,
        deserialize_with = "crate::lenient::count",
        skip_serializing_if = "Option::is_none"
    )]
    pub impression_count: Option<u64>,
}

crate::owned::owned_types!(PostMetrics);

borrowed_struct! {
    /// Media and polls attached to a post (their keys; the objects are in `includes`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct PostAttachments<'a> {
        /// Media keys.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub media_keys: Vec<Text<'a>>,
        /// Poll ids.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub poll_ids: Vec<Text<'a>>,
    }
}

borrowed_struct! {
    /// The whole text of a long post.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct NotePost<'a> {
        /// The text.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub text: Option<Text<'a>>,
        /// Entities in it.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub entities: Option<PostEntities<'a>>,
    }
}
