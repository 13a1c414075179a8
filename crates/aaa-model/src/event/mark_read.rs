//! Read receipts (`direct_message_mark_read_events`).

use serde::{Deserialize, Serialize};

use super::typing::DmTarget;
use crate::{DmEventId, Timestamp, UserId};

/// Someone read a direct message conversation up to `last_read_event_id`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct MarkReadEvent {
    /// When (milliseconds, a string).
    #[serde(default)]
    pub created_timestamp: Option<Timestamp>,
    /// Who read.
    pub sender_id: UserId,
    /// The other party.
    pub target: DmTarget,
    /// The last message read.
    #[serde(default)]
    pub last_read_event_id: Option<DmEventId>,
}

impl MarkReadEvent {
    /// Returns `self`: this type borrows nothing (for symmetry with the other event types).
    #[must_use]
    pub fn into_owned(self) -> Self {
        self
    }
}

crate::owned::owned_types!(MarkReadEvent);
