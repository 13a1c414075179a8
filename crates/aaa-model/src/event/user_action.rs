//! Follows, unfollows, blocks, unblocks, mutes and unmutes.

use serde::{Deserialize, Serialize};

use super::user::User;
use crate::owned::{borrowed_struct, string_enum};
use crate::{EventKind, Timestamp};

string_enum! {
    /// The `type` of a follow, block or mute family event.
    pub enum UserActionType<'a> {
        /// `source` followed `target`.
        Follow = "follow",
        /// `source` unfollowed `target`.
        Unfollow = "unfollow",
        /// `source` blocked `target`.
        Block = "block",
        /// `source` unblocked `target`.
        Unblock = "unblock",
        /// `source` muted `target`.
        Mute = "mute",
        /// `source` unmuted `target`.
        Unmute = "unmute",
    }
}

impl UserActionType<'_> {
    /// The event kind this type names, if it is one of the six.
    pub fn kind(&self) -> Option<EventKind> {
        Some(match self {
            UserActionType::Follow => EventKind::Follow,
            UserActionType::Unfollow => EventKind::Unfollow,
            UserActionType::Block => EventKind::Block,
            UserActionType::Unblock => EventKind::Unblock,
            UserActionType::Mute => EventKind::Mute,
            UserActionType::Unmute => EventKind::Unmute,
            UserActionType::Other(_) => return None,
        })
    }
}

borrowed_struct! {
    /// A follow, unfollow, block, unblock, mute or unmute: `source` acted on `target`.
    ///
    /// X delivers unfollows, unblocks and unmutes either under their own keys or inside
    /// `follow_events` / `block_events` / `mute_events`; `action_type` tells which it is. These
    /// events have no id of their own.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct UserActionEvent<'a> {
        /// What happened (`type`).
        #[serde(default, borrow, rename = "type")]
        pub action_type: Option<UserActionType<'a>>,
        /// When it happened (milliseconds, a string).
        #[serde(default)]
        pub created_timestamp: Option<Timestamp>,
        /// Who acted.
        #[serde(borrow)]
        pub source: User<'a>,
        /// Who was acted on.
        #[serde(borrow)]
        pub target: User<'a>,
    }
}
