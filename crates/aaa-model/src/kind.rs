//! The kinds of Account Activity events.

use core::fmt;

/// The kind of one Account Activity API event.
///
/// X delivers events in arrays keyed by kind (`tweet_create_events`, ...). Unfollow, unblock and
/// unmute events arrive either under their own key or inside `follow_events` / `block_events` /
/// `mute_events` with `"type":"unfollow"` etc.; both forms map to the same kind here.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A post (tweet) created by, mentioning, replying to or quoting the user (`tweet_create_events`).
    TweetCreate,
    /// A like by or of the user (`favorite_events`).
    Favorite,
    /// A follow (`follow_events`, `"type":"follow"`).
    Follow,
    /// An unfollow (`unfollow_events`, or `follow_events` with `"type":"unfollow"`).
    Unfollow,
    /// A block (`block_events`).
    Block,
    /// An unblock (`unblock_events`, or `block_events` with `"type":"unblock"`).
    Unblock,
    /// A mute (`mute_events`).
    Mute,
    /// An unmute (`unmute_events`, or `mute_events` with `"type":"unmute"`).
    Unmute,
    /// A post deletion (`tweet_delete_events`).
    TweetDelete,
    /// A direct message sent or received (`direct_message_events`).
    DirectMessage,
    /// A typing indicator in a DM conversation (`direct_message_indicate_typing_events`).
    DirectMessageIndicateTyping,
    /// A read receipt in a DM conversation (`direct_message_mark_read_events`).
    DirectMessageMarkRead,
    /// The user revoked the app's access (`user_event` with `revoke`).
    UserRevoke,
    /// The end of a replay job (`replay_job_status`).
    ReplayJobStatus,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 14] = [
        EventKind::TweetCreate,
        EventKind::Favorite,
        EventKind::Follow,
        EventKind::Unfollow,
        EventKind::Block,
        EventKind::Unblock,
        EventKind::Mute,
        EventKind::Unmute,
        EventKind::TweetDelete,
        EventKind::DirectMessage,
        EventKind::DirectMessageIndicateTyping,
        EventKind::DirectMessageMarkRead,
        EventKind::UserRevoke,
        EventKind::ReplayJobStatus,
    ];

    /// The kind's stable short name (`tweet_create`, `unfollow`, `user_revoke`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::TweetCreate => "tweet_create",
            EventKind::Favorite => "favorite",
            EventKind::Follow => "follow",
            EventKind::Unfollow => "unfollow",
            EventKind::Block => "block",
            EventKind::Unblock => "unblock",
            EventKind::Mute => "mute",
            EventKind::Unmute => "unmute",
            EventKind::TweetDelete => "tweet_delete",
            EventKind::DirectMessage => "direct_message",
            EventKind::DirectMessageIndicateTyping => "direct_message_indicate_typing",
            EventKind::DirectMessageMarkRead => "direct_message_mark_read",
            EventKind::UserRevoke => "user_revoke",
            EventKind::ReplayJobStatus => "replay_job_status",
        }
    }

    /// The envelope key X uses for this kind when it has a key of its own.
    pub const fn envelope_key(self) -> &'static str {
        match self {
            EventKind::TweetCreate => "tweet_create_events",
            EventKind::Favorite => "favorite_events",
            EventKind::Follow => "follow_events",
            EventKind::Unfollow => "unfollow_events",
            EventKind::Block => "block_events",
            EventKind::Unblock => "unblock_events",
            EventKind::Mute => "mute_events",
            EventKind::Unmute => "unmute_events",
            EventKind::TweetDelete => "tweet_delete_events",
            EventKind::DirectMessage => "direct_message_events",
            EventKind::DirectMessageIndicateTyping => "direct_message_indicate_typing_events",
            EventKind::DirectMessageMarkRead => "direct_message_mark_read_events",
            EventKind::UserRevoke => "user_event",
            EventKind::ReplayJobStatus => "replay_job_status",
        }
    }

    /// The kind delivered under an envelope key, if the key is a known one.
    pub fn from_envelope_key(key: &[u8]) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.envelope_key().as_bytes() == key)
    }

    /// Parses a short name as returned by [`EventKind::as_str`].
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether events of this kind are delivered as a JSON array under their key (all but
    /// `user_event` and `replay_job_status`, which are single objects).
    pub const fn is_array(self) -> bool {
        !matches!(self, EventKind::UserRevoke | EventKind::ReplayJobStatus)
    }

    /// The kind an event in this kind's array really is, given its `type` field.
    ///
    /// Follow, block and mute arrays carry `"type":"unfollow"`, `"unblock"`, `"unmute"` entries
    /// too. Returns `self` when `ty` is absent or names the family itself, and `None` when `ty`
    /// names something that does not belong in this array.
    pub fn refine_by_type(self, ty: Option<&[u8]>) -> Option<EventKind> {
        let Some(ty) = ty else { return Some(self) };
        let (pos, neg) = match self {
            EventKind::Follow | EventKind::Unfollow => (EventKind::Follow, EventKind::Unfollow),
            EventKind::Block | EventKind::Unblock => (EventKind::Block, EventKind::Unblock),
            EventKind::Mute | EventKind::Unmute => (EventKind::Mute, EventKind::Unmute),
            _ => return Some(self),
        };
        if ty == pos.as_str().as_bytes() {
            Some(pos)
        } else if ty == neg.as_str().as_bytes() {
            Some(neg)
        } else {
            None
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_keys_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.as_str()), Some(kind));
            assert_eq!(
                EventKind::from_envelope_key(kind.envelope_key().as_bytes()),
                Some(kind)
            );
        }
        assert_eq!(EventKind::from_envelope_key(b"users"), None);
    }

    #[test]
    fn type_field_refines_families() {
        let f = EventKind::Follow;
        assert_eq!(
            f.refine_by_type(Some(b"unfollow")),
            Some(EventKind::Unfollow)
        );
        assert_eq!(f.refine_by_type(Some(b"follow")), Some(EventKind::Follow));
        assert_eq!(f.refine_by_type(None), Some(EventKind::Follow));
        assert_eq!(f.refine_by_type(Some(b"block")), None);
        assert_eq!(
            EventKind::Mute.refine_by_type(Some(b"unmute")),
            Some(EventKind::Unmute)
        );
        assert_eq!(
            EventKind::TweetCreate.refine_by_type(Some(b"anything")),
            Some(EventKind::TweetCreate)
        );
    }
}
