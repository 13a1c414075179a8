//! Likes (`favorite_events`).

use serde::{Deserialize, Serialize};

use super::tweet::Tweet;
use super::user::User;
use crate::owned::borrowed_struct;
use crate::{Text, Timestamp};

borrowed_struct! {
    /// A like: `user` liked `favorited_status`. Delivered both when the subscribed user likes a
    /// post and when someone likes the subscribed user's post.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct FavoriteEvent<'a> {
        /// The like's id, a 32-digit hexadecimal string (the dedupe key). Absent in some older
        /// samples.
        #[serde(default, borrow)]
        pub id: Option<Text<'a>>,
        /// When the like happened (`created_at` form).
        #[serde(default)]
        pub created_at: Option<Timestamp>,
        /// When the like happened, in milliseconds (a number in likes).
        #[serde(default)]
        pub timestamp_ms: Option<Timestamp>,
        /// The liked post.
        #[serde(borrow)]
        pub favorited_status: Tweet<'a>,
        /// Who liked it.
        #[serde(borrow)]
        pub user: User<'a>,
    }
}
