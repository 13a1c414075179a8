//! Every endpoint of the management API: method, path per version and the authentication it
//! needs.

use std::fmt;

use aaa_model::{SubscriptionId, UserId, WebhookId};
use http::Method;

/// Which generation of the management API to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// The v1.1 enterprise API (`/1.1/account_activity/...json`). Its paths carry no
    /// environment name (that was the retired premium tier's `all/:env_name/`).
    V1_1,
    /// The v2 API (`/2/webhooks`, `/2/account_activity/...`).
    #[default]
    V2,
}

/// The authentication an endpoint needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthKind {
    /// OAuth 1.0a with the app owner's access token.
    OAuth1AppOwner,
    /// OAuth 1.0a with the access token of the user concerned.
    OAuth1User,
    /// An app-only OAuth 2.0 bearer token.
    Bearer,
    /// An OAuth 2.0 user access token (authorization code flow with PKCE), sent as
    /// `Authorization: Bearer <token>`.
    OAuth2User,
}

impl AuthKind {
    /// A short lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            AuthKind::OAuth1AppOwner => "oauth 1.0a as the app owner",
            AuthKind::OAuth1User => "oauth 1.0a as the subscribing user",
            AuthKind::Bearer => "an app-only bearer token",
            AuthKind::OAuth2User => "an oauth 2.0 user access token",
        }
    }
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One endpoint of the Account Activity management API, with its path parameters.
///
/// v1.1 paths are the enterprise ones (`/1.1/account_activity/...json`), which carry no
/// environment name; v2 paths are under `/2/`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// Register a webhook URL.
    RegisterWebhook,
    /// List the app's webhooks.
    ListWebhooks,
    /// Ask X to send a CRC check to a webhook now (re-validates an invalid webhook).
    TriggerCrc {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Delete a webhook.
    DeleteWebhook {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Subscribe the authenticating user to a webhook.
    Subscribe {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Check whether the authenticating user is subscribed.
    CheckSubscription {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Count the app's active subscriptions.
    CountSubscriptions,
    /// List the users subscribed to a webhook.
    ListSubscriptions {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Deactivate the authenticating user's subscription (v1.1 only, deprecated by X).
    Deactivate {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Deactivate a user's subscription by user id.
    DeactivateUser {
        /// The webhook.
        webhook_id: WebhookId<'static>,
        /// The user.
        user_id: UserId,
    },
    /// Start a replay job of up to five days for all of a webhook's subscriptions.
    Replay {
        /// The webhook.
        webhook_id: WebhookId<'static>,
    },
    /// Redeliver up to 24 hours of a webhook's events (`POST /2/webhooks/replay`, v2 only).
    WebhookReplay,
    /// Create an X Activity API subscription (`POST /2/activity/subscriptions`).
    CreateActivitySubscription,
    /// List the app's X Activity API subscriptions (`GET /2/activity/subscriptions`).
    ListActivitySubscriptions,
    /// Change a subscription's tag or webhook (`PUT /2/activity/subscriptions/:id`).
    UpdateActivitySubscription {
        /// The subscription.
        subscription_id: SubscriptionId<'static>,
    },
    /// Delete a subscription (`DELETE /2/activity/subscriptions/:id`).
    DeleteActivitySubscription {
        /// The subscription.
        subscription_id: SubscriptionId<'static>,
    },
    /// Delete up to 100 subscriptions (`DELETE /2/activity/subscriptions?ids=...`).
    DeleteActivitySubscriptions,
    /// The activity stream (`GET /2/activity/stream`, newline-delimited, long-lived).
    ActivityStream,
}

impl Route {
    /// A short name for messages (`register webhook`, ...).
    pub const fn name(&self) -> &'static str {
        match self {
            Route::RegisterWebhook => "register webhook",
            Route::ListWebhooks => "list webhooks",
            Route::TriggerCrc { .. } => "trigger crc",
            Route::DeleteWebhook { .. } => "delete webhook",
            Route::Subscribe { .. } => "subscribe",
            Route::CheckSubscription { .. } => "check subscription",
            Route::CountSubscriptions => "count subscriptions",
            Route::ListSubscriptions { .. } => "list subscriptions",
            Route::Deactivate { .. } => "deactivate subscription",
            Route::DeactivateUser { .. } => "deactivate subscription by user id",
            Route::Replay { .. } => "replay",
            Route::WebhookReplay => "webhook replay",
            Route::CreateActivitySubscription => "create activity subscription",
            Route::ListActivitySubscriptions => "list activity subscriptions",
            Route::UpdateActivitySubscription { .. } => "update activity subscription",
            Route::DeleteActivitySubscription { .. } => "delete activity subscription",
            Route::DeleteActivitySubscriptions => "delete activity subscriptions",
            Route::ActivityStream => "activity stream",
        }
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        match self {
            Route::RegisterWebhook
            | Route::Subscribe { .. }
            | Route::Replay { .. }
            | Route::WebhookReplay
            | Route::CreateActivitySubscription => Method::POST,
            Route::ListWebhooks
            | Route::CheckSubscription { .. }
            | Route::CountSubscriptions
            | Route::ListSubscriptions { .. }
            | Route::ListActivitySubscriptions
            | Route::ActivityStream => Method::GET,
            Route::TriggerCrc { .. } | Route::UpdateActivitySubscription { .. } => Method::PUT,
            Route::DeleteWebhook { .. }
            | Route::Deactivate { .. }
            | Route::DeactivateUser { .. }
            | Route::DeleteActivitySubscription { .. }
            | Route::DeleteActivitySubscriptions => Method::DELETE,
        }
    }

    /// Whether repeating the call has no further effect (GET, PUT, DELETE), so that a transient
    /// failure may be retried.
    pub fn is_idempotent(&self) -> bool {
        self.method() != Method::POST
    }

    /// The path (without query) for `version`; `None` when the version has no such endpoint.
    /// The X Activity API exists only under `/2/`, whichever Account Activity version the
    /// client is set to.
    pub fn path(&self, version: &ApiVersion) -> Option<String> {
        if let Some(path) = self.activity_path() {
            return Some(path);
        }
        match version {
            ApiVersion::V1_1 => self.path_v1(),
            ApiVersion::V2 => self.path_v2(),
        }
    }

    /// The path of an X Activity API route.
    fn activity_path(&self) -> Option<String> {
        const XAA: &str = "/2/activity";
        Some(match self {
            Route::CreateActivitySubscription
            | Route::ListActivitySubscriptions
            | Route::DeleteActivitySubscriptions => format!("{XAA}/subscriptions"),
            Route::UpdateActivitySubscription { subscription_id }
            | Route::DeleteActivitySubscription { subscription_id } => format!(
                "{XAA}/subscriptions/{}",
                aaa_crypto::oauth1::percent_encode(subscription_id.as_str())
            ),
            Route::ActivityStream => format!("{XAA}/stream"),
            _ => return None,
        })
    }

    fn path_v1(&self) -> Option<String> {
        const BASE: &str = "/1.1/account_activity";
        Some(match self {
            Route::RegisterWebhook | Route::ListWebhooks => format!("{BASE}/webhooks.json"),
            Route::TriggerCrc { webhook_id } | Route::DeleteWebhook { webhook_id } => {
                format!("{BASE}/webhooks/{}.json", seg(webhook_id))
            }
            Route::Subscribe { webhook_id }
            | Route::CheckSubscription { webhook_id }
            | Route::Deactivate { webhook_id } => {
                format!("{BASE}/webhooks/{}/subscriptions/all.json", seg(webhook_id))
            }
            Route::CountSubscriptions => format!("{BASE}/subscriptions/count.json"),
            Route::ListSubscriptions { webhook_id } => format!(
                "{BASE}/webhooks/{}/subscriptions/all/list.json",
                seg(webhook_id)
            ),
            Route::DeactivateUser {
                webhook_id,
                user_id,
            } => format!(
                "{BASE}/webhooks/{}/subscriptions/{user_id}/all.json",
                seg(webhook_id)
            ),
            Route::Replay { webhook_id } => format!(
                "{BASE}/replay/webhooks/{}/subscriptions/all.json",
                seg(webhook_id)
            ),
            _ => return None,
        })
    }

    fn path_v2(&self) -> Option<String> {
        const AAA: &str = "/2/account_activity";
        Some(match self {
            Route::RegisterWebhook | Route::ListWebhooks => "/2/webhooks".to_owned(),
            Route::TriggerCrc { webhook_id } | Route::DeleteWebhook { webhook_id } => {
                format!("/2/webhooks/{}", seg(webhook_id))
            }
            Route::Subscribe { webhook_id } | Route::CheckSubscription { webhook_id } => {
                format!("{AAA}/webhooks/{}/subscriptions/all", seg(webhook_id))
            }
            Route::CountSubscriptions => format!("{AAA}/subscriptions/count"),
            Route::ListSubscriptions { webhook_id } => {
                format!("{AAA}/webhooks/{}/subscriptions/all/list", seg(webhook_id))
            }
            Route::DeactivateUser {
                webhook_id,
                user_id,
            } => format!(
                "{AAA}/webhooks/{}/subscriptions/{user_id}/all",
                seg(webhook_id)
            ),
            Route::Replay { webhook_id } => format!(
                "{AAA}/replay/webhooks/{}/subscriptions/all",
                seg(webhook_id)
            ),
            Route::WebhookReplay => "/2/webhooks/replay".to_owned(),
            _ => return None,
        })
    }

    /// Every authentication the endpoint accepts in `version`, the default
    /// ([`Route::auth`]) first. X's OpenAPI spec lets `POST /2/activity/subscriptions` take an
    /// OAuth 2.0 user token, OAuth 1.0a user context or the app's bearer token (private event
    /// types need one of the user kinds), and `GET /2/activity/subscriptions` the same; the other
    /// X Activity API calls take the bearer token only.
    pub fn accepted_auth(&self, version: &ApiVersion) -> &'static [AuthKind] {
        match self {
            Route::CreateActivitySubscription | Route::ListActivitySubscriptions => {
                &[AuthKind::Bearer, AuthKind::OAuth2User, AuthKind::OAuth1User]
            }
            _ => match self.auth(version) {
                AuthKind::OAuth1AppOwner => &[AuthKind::OAuth1AppOwner],
                AuthKind::OAuth1User => &[AuthKind::OAuth1User],
                AuthKind::OAuth2User => &[AuthKind::OAuth2User],
                AuthKind::Bearer => &[AuthKind::Bearer],
            },
        }
    }

    /// The authentication the endpoint needs in `version` (its default, when it accepts
    /// several: see [`Route::accepted_auth`]).
    pub fn auth(&self, version: &ApiVersion) -> AuthKind {
        match (self, version) {
            (
                Route::Subscribe { .. }
                | Route::CheckSubscription { .. }
                | Route::Deactivate { .. },
                _,
            ) => AuthKind::OAuth1User,
            (
                Route::RegisterWebhook | Route::TriggerCrc { .. } | Route::DeleteWebhook { .. },
                ApiVersion::V1_1,
            ) => AuthKind::OAuth1AppOwner,
            _ => AuthKind::Bearer,
        }
    }
}

/// A path segment, percent-encoded (ids are digits, but a caller may pass anything).
fn seg(id: &WebhookId<'_>) -> String {
    aaa_crypto::oauth1::percent_encode(id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_a_v1_and_v2_shape() {
        let w = WebhookId::new("123");
        let u = UserId::new(42);
        let cases = [
            (
                Route::RegisterWebhook,
                Some("/1.1/account_activity/webhooks.json"),
                Some("/2/webhooks"),
            ),
            (
                Route::DeactivateUser {
                    webhook_id: w.clone(),
                    user_id: u,
                },
                Some("/1.1/account_activity/webhooks/123/subscriptions/42/all.json"),
                Some("/2/account_activity/webhooks/123/subscriptions/42/all"),
            ),
            (
                Route::Deactivate {
                    webhook_id: w.clone(),
                },
                Some("/1.1/account_activity/webhooks/123/subscriptions/all.json"),
                None,
            ),
            (Route::WebhookReplay, None, Some("/2/webhooks/replay")),
            (
                Route::CreateActivitySubscription,
                Some("/2/activity/subscriptions"),
                Some("/2/activity/subscriptions"),
            ),
            (
                Route::DeleteActivitySubscription {
                    subscription_id: SubscriptionId::new("19"),
                },
                Some("/2/activity/subscriptions/19"),
                Some("/2/activity/subscriptions/19"),
            ),
            (
                Route::ActivityStream,
                Some("/2/activity/stream"),
                Some("/2/activity/stream"),
            ),
        ];
        for (route, v1, v2) in cases {
            assert_eq!(route.path(&ApiVersion::V1_1).as_deref(), v1, "{route:?}");
            assert_eq!(route.path(&ApiVersion::V2).as_deref(), v2, "{route:?}");
        }
        assert!(!Route::RegisterWebhook.is_idempotent());
        assert!(Route::TriggerCrc { webhook_id: w }.is_idempotent());
        assert_eq!(
            Route::RegisterWebhook.auth(&ApiVersion::V2),
            AuthKind::Bearer
        );
        assert_eq!(
            Route::RegisterWebhook.auth(&ApiVersion::V1_1),
            AuthKind::OAuth1AppOwner
        );
        let v2 = &ApiVersion::V2;
        assert_eq!(
            Route::CreateActivitySubscription.accepted_auth(v2),
            [AuthKind::Bearer, AuthKind::OAuth2User, AuthKind::OAuth1User]
        );
        assert_eq!(Route::ActivityStream.accepted_auth(v2), [AuthKind::Bearer]);
        assert_eq!(
            Route::Subscribe {
                webhook_id: WebhookId::new("1")
            }
            .accepted_auth(v2),
            [AuthKind::OAuth1User]
        );
        assert_eq!(Route::DeleteActivitySubscriptions.method(), Method::DELETE);
        assert!(!Route::CreateActivitySubscription.is_idempotent());
    }
}
