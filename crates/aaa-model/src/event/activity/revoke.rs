//! `oauth.revoke`: a user revoked the app's access.

use serde::{Deserialize, Serialize};

use crate::{AppId, Timestamp, UserId};

/// The payload of `oauth.revoke` (delivered with an empty `filter`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct OauthRevoke {
    /// When (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<Timestamp>,
    /// The user who revoked access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The app whose access was revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<AppId>,
}

crate::owned::owned_types!(OauthRevoke);
