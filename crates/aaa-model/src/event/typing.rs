//! Typing indicators (`direct_message_indicate_typing_events`).

use serde::{Deserialize, Serialize};

use crate::{Timestamp, UserId};

/// Someone is typing in a direct message conversation.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct TypingEvent {
    /// When (milliseconds, a string).
    #[serde(default)]
    pub created_timestamp: Option<Timestamp>,
    /// Who is typing.
    pub sender_id: UserId,
    /// To whom.
    pub target: DmTarget,
}

/// The recipient of a direct message, typing indicator or read receipt.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct DmTarget {
    /// The recipient.
    pub recipient_id: UserId,
}

impl DmTarget {
    /// A target naming `recipient_id`.
    pub fn new(recipient_id: UserId) -> Self {
        DmTarget { recipient_id }
    }
}

impl TypingEvent {
    /// Returns `self`: this type borrows nothing (for symmetry with the other event types).
    #[must_use]
    pub fn into_owned(self) -> Self {
        self
    }
}

crate::owned::owned_types!(TypingEvent, DmTarget);
