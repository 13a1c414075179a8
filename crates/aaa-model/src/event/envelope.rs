//! The whole Account Activity API delivery body.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::direct_message::{DirectMessageEvent, DmApp, DmUser};
use super::favorite::FavoriteEvent;
use super::mark_read::MarkReadEvent;
use super::replay::ReplayJobStatus;
use super::revoke::UserEvent;
use super::tweet::Tweet;
use super::tweet_delete::TweetDeleteEvent;
use super::typing::TypingEvent;
use super::user_action::UserActionEvent;
use super::{Event, user_action_event};
use crate::owned::borrowed_struct;
use crate::{AppId, EventKind, Text, UserId};

borrowed_struct! {
    /// A whole Account Activity API delivery body, decoded in one go with serde.
    ///
    /// This is the straightforward typed decode: `serde_json::from_str::<Envelope>(body)`. It
    /// validates and decodes every event; unknown keys are ignored (so events of kinds X adds
    /// later are dropped here; a scanning parser that keeps them as [`Event::Unknown`] is the
    /// alternative). Serializing writes only the keys that have content.
    ///
    /// ```
    /// use aaa_model::Envelope;
    ///
    /// let body = r#"{"for_user_id":"42","tweet_delete_events":[
    ///     {"status":{"id":"7","user_id":"42"},"timestamp_ms":"1432228155593"}]}"#;
    /// let env: Envelope<'_> = serde_json::from_str(body).unwrap();
    /// assert_eq!(env.for_user_id.unwrap().get(), 42);
    /// assert_eq!(env.event_count(), 1);
    /// ```
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct Envelope<'a> {
        /// The subscribed user the events are for (absent in `user_event` and
        /// `replay_job_status` bodies).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub for_user_id: Option<UserId>,
        /// In mention deliveries: whether the subscribed user blocks the author (X has sent this
        /// as the string `"false"`).
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub user_has_blocked: Option<bool>,
        /// In mention deliveries: whether the author blocks the subscribed user.
        #[serde(
            default,
            deserialize_with = "crate::lenient::bool",
            skip_serializing_if = "Option::is_none"
        )]
        pub is_blocked_by: Option<bool>,
        /// `tweet_create_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub tweet_create_events: Vec<Tweet<'a>>,
        /// `favorite_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub favorite_events: Vec<FavoriteEvent<'a>>,
        /// `follow_events` (may hold `"type":"unfollow"` entries).
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub follow_events: Vec<UserActionEvent<'a>>,
        /// `unfollow_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub unfollow_events: Vec<UserActionEvent<'a>>,
        /// `block_events` (may hold `"type":"unblock"` entries).
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub block_events: Vec<UserActionEvent<'a>>,
        /// `unblock_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub unblock_events: Vec<UserActionEvent<'a>>,
        /// `mute_events` (may hold `"type":"unmute"` entries).
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub mute_events: Vec<UserActionEvent<'a>>,
        /// `unmute_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub unmute_events: Vec<UserActionEvent<'a>>,
        /// `tweet_delete_events`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub tweet_delete_events: Vec<TweetDeleteEvent>,
        /// `direct_message_events`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_events: Vec<DirectMessageEvent<'a>>,
        /// `direct_message_indicate_typing_events`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_indicate_typing_events: Vec<TypingEvent>,
        /// `direct_message_mark_read_events`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_mark_read_events: Vec<MarkReadEvent>,
        /// `user_event` (`{"revoke":{...}}`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub user_event: Option<UserEvent>,
        /// `replay_job_status`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub replay_job_status: Option<ReplayJobStatus<'a>>,
        /// Users named by direct message, typing and read events, keyed by id.
        #[serde(default, borrow, skip_serializing_if = "HashMap::is_empty")]
        pub users: HashMap<Text<'a>, DmUser<'a>>,
        /// Apps named by direct messages, keyed by id.
        #[serde(default, borrow, skip_serializing_if = "HashMap::is_empty")]
        pub apps: HashMap<Text<'a>, DmApp<'a>>,
    }
}

impl<'a> Envelope<'a> {
    /// The number of events in the body.
    pub fn event_count(&self) -> usize {
        self.tweet_create_events.len()
            + self.favorite_events.len()
            + self.follow_events.len()
            + self.unfollow_events.len()
            + self.block_events.len()
            + self.unblock_events.len()
            + self.mute_events.len()
            + self.unmute_events.len()
            + self.tweet_delete_events.len()
            + self.direct_message_events.len()
            + self.direct_message_indicate_typing_events.len()
            + self.direct_message_mark_read_events.len()
            + usize::from(self.user_event.as_ref().is_some_and(|u| u.revoke.is_some()))
            + usize::from(self.replay_job_status.is_some())
    }

    /// The user in the `users` map with this id.
    pub fn user(&self, id: UserId) -> Option<&DmUser<'a>> {
        let mut buf = [0; 20];
        self.users.get(decimal(id.get(), &mut buf))
    }

    /// The app in the `apps` map with this id.
    pub fn app(&self, id: AppId) -> Option<&DmApp<'a>> {
        let mut buf = [0; 20];
        self.apps.get(decimal(id.get(), &mut buf))
    }

    /// Moves the events out, in [`EventKind::ALL`] order and, within a kind, in body order.
    /// Follow, block and mute family events become the variant their `type` names (an
    /// `"unfollow"` in `follow_events` is an [`Event::Unfollow`]).
    pub fn into_events(self) -> Vec<Event<'a>> {
        let mut out = Vec::with_capacity(self.event_count());
        out.extend(
            self.tweet_create_events
                .into_iter()
                .map(|t| Event::TweetCreate(Box::new(t))),
        );
        out.extend(
            self.favorite_events
                .into_iter()
                .map(|f| Event::Favorite(Box::new(f))),
        );
        for (kind, events) in [
            (EventKind::Follow, self.follow_events),
            (EventKind::Unfollow, self.unfollow_events),
            (EventKind::Block, self.block_events),
            (EventKind::Unblock, self.unblock_events),
            (EventKind::Mute, self.mute_events),
            (EventKind::Unmute, self.unmute_events),
        ] {
            out.extend(events.into_iter().map(|e| user_action_event(kind, e)));
        }
        out.extend(self.tweet_delete_events.into_iter().map(Event::TweetDelete));
        out.extend(
            self.direct_message_events
                .into_iter()
                .map(|d| Event::DirectMessage(Box::new(d))),
        );
        out.extend(
            self.direct_message_indicate_typing_events
                .into_iter()
                .map(Event::DirectMessageIndicateTyping),
        );
        out.extend(
            self.direct_message_mark_read_events
                .into_iter()
                .map(Event::DirectMessageMarkRead),
        );
        if let Some(revoke) = self.user_event.and_then(|u| u.revoke) {
            out.push(Event::UserRevoke(revoke));
        }
        if let Some(status) = self.replay_job_status {
            out.push(Event::ReplayJobStatus(status));
        }
        out
    }
}

/// Writes `n` in decimal into `buf` (20 bytes hold any `u64`) and returns the digits.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + u8::try_from(n % 10).unwrap_or(0);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    core::str::from_utf8(&buf[i..]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits() {
        let mut buf = [0; 20];
        assert_eq!(decimal(0, &mut buf), "0");
        assert_eq!(decimal(42, &mut buf), "42");
        assert_eq!(decimal(u64::MAX, &mut buf), "18446744073709551615");
    }
}
