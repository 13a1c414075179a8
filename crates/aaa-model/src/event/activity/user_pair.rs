//! `follow.*`, `mute.*` and `block.*`: who acted on whom.

use serde::{Deserialize, Serialize};

use super::V2User;
use crate::UserId;
use crate::owned::borrowed_struct;

borrowed_struct! {
    /// The payload of `follow.follow`, `follow.unfollow`, `mute.mute`, `mute.unmute`,
    /// `block.block` and `block.unblock`: the user who acted (`source`) and the user acted on
    /// (`target`), each a v2 user, bare or wrapped in `{"data":...}`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UserPair<'a> {
        /// The follower, muter or blocker.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub source: Option<V2User<'a>>,
        /// The user followed, muted or blocked.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub target: Option<V2User<'a>>,
    }
}

impl UserPair<'_> {
    /// The acting user's id.
    pub fn source_id(&self) -> Option<UserId> {
        self.source.as_ref().map(|u| u.id)
    }

    /// The id of the user acted on.
    pub fn target_id(&self) -> Option<UserId> {
        self.target.as_ref().map(|u| u.id)
    }
}
