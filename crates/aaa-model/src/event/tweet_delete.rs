//! Post deletions (`tweet_delete_events`).

use serde::{Deserialize, Serialize};

use crate::{Timestamp, TweetId, UserId};

/// A post deletion.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct TweetDeleteEvent {
    /// The deleted post.
    pub status: DeletedStatus,
    /// When it was deleted (milliseconds, a string).
    #[serde(default)]
    pub timestamp_ms: Option<Timestamp>,
}

/// The post named by a deletion.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct DeletedStatus {
    /// The post id.
    pub id: TweetId,
    /// Its author.
    pub user_id: UserId,
}

impl TweetDeleteEvent {
    /// Returns `self`: this type borrows nothing (for symmetry with the other event types).
    #[must_use]
    pub fn into_owned(self) -> Self {
        self
    }
}

crate::owned::owned_types!(TweetDeleteEvent);
