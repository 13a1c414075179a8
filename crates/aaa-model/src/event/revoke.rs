//! App access revocations (`user_event` with `revoke`).

use serde::{Deserialize, Serialize};

use crate::{AppId, Timestamp, UserId};

/// A user revoked an app's access: the object under `user_event.revoke`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct RevokeEvent {
    /// When (RFC 3339, e.g. `2018-05-24T09:48:12+00:00`).
    #[serde(default)]
    pub date_time: Option<Timestamp>,
    /// The app whose access was revoked.
    pub target: RevokeTarget,
    /// The user who revoked it.
    pub source: RevokeSource,
}

/// The app named by a revoke.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct RevokeTarget {
    /// The app.
    pub app_id: AppId,
}

/// The user named by a revoke.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct RevokeSource {
    /// The user.
    pub user_id: UserId,
}

/// The `user_event` object of an envelope: `{"revoke":{...}}`.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct UserEvent {
    /// The revocation, when this is one (the only kind X documents).
    #[serde(default)]
    pub revoke: Option<RevokeEvent>,
}

impl RevokeEvent {
    /// Returns `self`: this type borrows nothing (for symmetry with the other event types).
    #[must_use]
    pub fn into_owned(self) -> Self {
        self
    }
}

crate::owned::owned_types!(RevokeEvent, RevokeTarget, RevokeSource, UserEvent);
