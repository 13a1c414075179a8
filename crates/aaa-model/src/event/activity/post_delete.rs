//! `post.delete`: the identity of a deleted post.

use serde::{Deserialize, Serialize};

use crate::{TweetId, UserId};

/// The payload of `post.delete`: the deleted post and its author.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct PostDelete {
    /// The deleted post.
    pub id: TweetId,
    /// Its author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<UserId>,
}

crate::owned::owned_types!(PostDelete);
