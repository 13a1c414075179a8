//! `dm.*`: legacy (unencrypted) direct message events, in the Account Activity model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::V2User;
use crate::event::{DirectMessageEvent, DmApp, MarkReadEvent, TypingEvent};
use crate::owned::borrowed_struct;
use crate::{Text, UserId};

borrowed_struct! {
    /// The payload of `dm.sent`, `dm.received`, `dm.indicate_typing` and `dm.read`: the same
    /// arrays an Account Activity delivery carries, decoded into the same types
    /// ([`DirectMessageEvent`], [`TypingEvent`], [`MarkReadEvent`]), and the `users` map. X's
    /// `users` values are v2 users wrapped in `{"data":...}`; Account Activity style users read
    /// too (see [`V2User`]). There is no conversation id.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct DmActivity<'a> {
        /// Messages (`dm.sent`, `dm.received`).
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_events: Vec<DirectMessageEvent<'a>>,
        /// Typing indicators (`dm.indicate_typing`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_indicate_typing_events: Vec<TypingEvent>,
        /// Read receipts (`dm.read`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub direct_message_mark_read_events: Vec<MarkReadEvent>,
        /// The users named by the events, keyed by id (sorted, so output is stable).
        #[serde(default, borrow, skip_serializing_if = "BTreeMap::is_empty")]
        pub users: BTreeMap<Text<'a>, V2User<'a>>,
        /// Apps named by the messages, keyed by id (sorted).
        #[serde(default, borrow, skip_serializing_if = "BTreeMap::is_empty")]
        pub apps: BTreeMap<Text<'a>, DmApp<'a>>,
    }
}

impl<'a> DmActivity<'a> {
    /// The user in the `users` map with this id.
    pub fn user(&self, id: UserId) -> Option<&V2User<'a>> {
        self.users.get(id.to_string().as_str())
    }

    /// The number of events in the payload.
    pub fn event_count(&self) -> usize {
        self.direct_message_events.len()
            + self.direct_message_indicate_typing_events.len()
            + self.direct_message_mark_read_events.len()
    }
}
