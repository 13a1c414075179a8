//! One request type per endpoint. Each is made by a [`Client`] method, can be adjusted with its
//! own builder methods, and is sent by awaiting it (it implements [`IntoFuture`]); nothing is
//! sent until then.

use std::future::Future;
use std::pin::Pin;

use aaa_model::event::{ActivityFilter, ActivityType};
use aaa_model::{SubscriptionId, Timestamp, UserId, WebhookId};

use crate::client::{Call, Client, Response};
use crate::error::{Error, ErrorKind};

mod check_subscription;
mod count_subscriptions;
mod create_activity_subscription;
mod deactivate;
mod deactivate_user;
mod delete_activity_subscription;
mod delete_activity_subscriptions;
mod delete_webhook;
mod list_activity_subscriptions;
mod list_subscriptions;
mod list_webhooks;
mod register_webhook;
mod replay;
mod subscribe;
mod trigger_crc;
mod update_activity_subscription;
mod webhook_replay;

pub use self::check_subscription::CheckSubscription;
pub use self::count_subscriptions::CountSubscriptions;
pub use self::create_activity_subscription::CreateActivitySubscription;
pub use self::deactivate::Deactivate;
pub use self::deactivate_user::DeactivateUser;
pub use self::delete_activity_subscription::DeleteActivitySubscription;
pub use self::delete_activity_subscriptions::{DeleteActivitySubscriptions, MAX_BULK_DELETE};
pub use self::delete_webhook::DeleteWebhook;
pub use self::list_activity_subscriptions::{ListActivitySubscriptions, SubscriptionPages};
pub use self::list_subscriptions::ListSubscriptions;
pub use self::list_webhooks::ListWebhooks;
pub use self::register_webhook::RegisterWebhook;
pub use self::replay::Replay;
pub use self::subscribe::Subscribe;
pub use self::trigger_crc::TriggerCrc;
pub use self::update_activity_subscription::UpdateActivitySubscription;
pub use self::webhook_replay::WebhookReplay;

/// The future an awaited request turns into.
pub type ResponseFuture<T> = Pin<Box<dyn Future<Output = Result<Response<T>, Error>> + Send>>;

/// Sends `call` and decodes the answer: an empty body (204) becomes `empty()`, anything else is
/// decoded with `decode`.
pub(crate) fn run<T: Send + 'static>(
    client: &Client,
    call: Call,
    decode: fn(&[u8]) -> Result<T, serde_json::Error>,
    empty: fn() -> T,
) -> ResponseFuture<T> {
    let client = client.clone();
    Box::pin(async move {
        let raw = client.send(call).await?;
        let data = if raw.body.iter().all(u8::is_ascii_whitespace) {
            empty()
        } else {
            decode(&raw.body).map_err(|e| {
                Error::new(ErrorKind::Decode)
                    .with_message(format!("http {} answer did not decode", raw.status))
                    .with_source(e)
            })?
        };
        Ok(Response::new(data, raw.status, raw.rate_limit))
    })
}

macro_rules! into_future {
    ($ty:ident => $out:ty) => {
        impl ::std::future::IntoFuture for $ty {
            type Output = Result<$crate::Response<$out>, $crate::Error>;
            type IntoFuture = $crate::request::ResponseFuture<$out>;

            fn into_future(self) -> Self::IntoFuture {
                self.exec()
            }
        }
    };
}
pub(crate) use into_future;

/// A JSON body (the values are plain strings, so this cannot fail).
pub(crate) fn json(pairs: &[(&str, &str)]) -> Vec<u8> {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
        .collect();
    serde_json::to_vec(&map).unwrap_or_default()
}

impl Client {
    /// Registers a webhook URL (X sends it a CRC check first). The URL is checked locally
    /// (https, no port, no fragment) unless the client was built with
    /// [`check_webhook_urls(false)`](crate::ClientBuilder::check_webhook_urls).
    pub fn register_webhook(&self, url: impl Into<String>) -> RegisterWebhook {
        RegisterWebhook::new(self, url.into())
    }

    /// Lists the app's webhooks.
    pub fn list_webhooks(&self) -> ListWebhooks {
        ListWebhooks::new(self)
    }

    /// Has X send a CRC check to the webhook now; a passing check re-validates it.
    pub fn trigger_crc(&self, webhook_id: impl Into<WebhookId<'static>>) -> TriggerCrc {
        TriggerCrc::new(self, webhook_id.into())
    }

    /// Deletes a webhook.
    pub fn delete_webhook(&self, webhook_id: impl Into<WebhookId<'static>>) -> DeleteWebhook {
        DeleteWebhook::new(self, webhook_id.into())
    }

    /// Subscribes a user to the webhook (the app owner unless [`Subscribe::as_user`]).
    pub fn subscribe(&self, webhook_id: impl Into<WebhookId<'static>>) -> Subscribe {
        Subscribe::new(self, webhook_id.into())
    }

    /// Checks whether a user is subscribed (the app owner unless
    /// [`CheckSubscription::as_user`]).
    pub fn check_subscription(
        &self,
        webhook_id: impl Into<WebhookId<'static>>,
    ) -> CheckSubscription {
        CheckSubscription::new(self, webhook_id.into())
    }

    /// Counts the app's active subscriptions.
    pub fn count_subscriptions(&self) -> CountSubscriptions {
        CountSubscriptions::new(self)
    }

    /// Lists the users subscribed to the webhook.
    pub fn list_subscriptions(
        &self,
        webhook_id: impl Into<WebhookId<'static>>,
    ) -> ListSubscriptions {
        ListSubscriptions::new(self, webhook_id.into())
    }

    /// Deactivates a user's subscription with that user's token (v1.1 only; deprecated by X in
    /// favour of [`Client::deactivate_user`]).
    pub fn deactivate(&self, webhook_id: impl Into<WebhookId<'static>>) -> Deactivate {
        Deactivate::new(self, webhook_id.into())
    }

    /// Deactivates a user's subscription by user id (app-only bearer token).
    pub fn deactivate_user(
        &self,
        webhook_id: impl Into<WebhookId<'static>>,
        user_id: UserId,
    ) -> DeactivateUser {
        DeactivateUser::new(self, webhook_id.into(), user_id)
    }

    /// Starts a replay job for all of a webhook's subscriptions between `from` (inclusive,
    /// within the last 5 days) and `to` (exclusive); minutes precision, UTC.
    pub fn replay(
        &self,
        webhook_id: impl Into<WebhookId<'static>>,
        from: Timestamp,
        to: Timestamp,
    ) -> Replay {
        Replay::new(self, webhook_id.into(), from, to)
    }

    /// Redelivers a webhook's events between `from` and `to` (within the last 24 hours;
    /// `POST /2/webhooks/replay`, v2 only).
    pub fn webhook_replay(
        &self,
        webhook_id: impl Into<WebhookId<'static>>,
        from: Timestamp,
        to: Timestamp,
    ) -> WebhookReplay {
        WebhookReplay::new(self, webhook_id.into(), from, to)
    }

    /// Creates an X Activity API subscription to `event_type` events matching `filter`
    /// (`POST /2/activity/subscriptions`; see [`CreateActivitySubscription`] for tag, webhook,
    /// direction and authentication).
    pub fn create_activity_subscription(
        &self,
        event_type: ActivityType,
        filter: ActivityFilter<'static>,
    ) -> CreateActivitySubscription {
        CreateActivitySubscription::new(self, event_type, filter)
    }

    /// Lists the app's X Activity API subscriptions, a page at a time
    /// ([`ListActivitySubscriptions::pages`] for all).
    pub fn list_activity_subscriptions(&self) -> ListActivitySubscriptions {
        ListActivitySubscriptions::new(self)
    }

    /// Changes a subscription's tag or webhook.
    pub fn update_activity_subscription(
        &self,
        subscription_id: impl Into<SubscriptionId<'static>>,
    ) -> UpdateActivitySubscription {
        UpdateActivitySubscription::new(self, subscription_id.into())
    }

    /// Deletes a subscription.
    pub fn delete_activity_subscription(
        &self,
        subscription_id: impl Into<SubscriptionId<'static>>,
    ) -> DeleteActivitySubscription {
        DeleteActivitySubscription::new(self, subscription_id.into())
    }

    /// Deletes up to 100 subscriptions in one call, with a result per id.
    pub fn delete_activity_subscriptions<I, S>(&self, ids: I) -> DeleteActivitySubscriptions
    where
        I: IntoIterator<Item = S>,
        S: Into<SubscriptionId<'static>>,
    {
        DeleteActivitySubscriptions::new(self, ids.into_iter().map(Into::into).collect())
    }
}
