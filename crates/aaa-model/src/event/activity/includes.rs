//! `includes`: the users and posts a payload refers to.

use serde::{Deserialize, Serialize};

use super::{Post, V2User};
use crate::owned::borrowed_struct;
use crate::{TweetId, UserId};

borrowed_struct! {
    /// The `includes` of an X Activity API event: expanded users (bare or wrapped in
    /// `{"data":...}`) and posts (`tweets`, or `posts` as the OpenAPI spec names them). Other
    /// expansions (media, places, polls) are not modelled; they stay in the event's raw JSON.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Includes<'a> {
        /// Users.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub users: Vec<V2User<'a>>,
        /// Posts.
        #[serde(default, borrow, alias = "posts", skip_serializing_if = "Vec::is_empty")]
        pub tweets: Vec<Post<'a>>,
    }
}

impl<'a> Includes<'a> {
    /// The included user with this id.
    pub fn user(&self, id: UserId) -> Option<&V2User<'a>> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The included post with this id.
    pub fn tweet(&self, id: TweetId) -> Option<&Post<'a>> {
        self.tweets.iter().find(|t| t.id == id)
    }
}
