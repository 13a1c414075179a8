//! Changes a subscription's tag or webhook (`PUT /2/activity/subscriptions/:id`).

use aaa_model::rest::{ActivitySubscriptionAnswer, ActivitySubscriptionUpdate};
use aaa_model::{SubscriptionId, WebhookId};

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Changes a subscription's tag or webhook (`PUT /2/activity/subscriptions/:id`, bearer
/// token). The event type and filter cannot change: delete the subscription and create another.
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct UpdateActivitySubscription {
    client: Client,
    subscription_id: SubscriptionId<'static>,
    body: ActivitySubscriptionUpdate<'static>,
}

impl UpdateActivitySubscription {
    pub(crate) fn new(client: &Client, subscription_id: SubscriptionId<'static>) -> Self {
        UpdateActivitySubscription {
            client: client.clone(),
            subscription_id,
            body: ActivitySubscriptionUpdate::default(),
        }
    }

    /// The new tag (1 to 200 characters).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.body.tag = Some(tag.into().into());
        self
    }

    /// The new webhook.
    pub fn webhook(mut self, webhook_id: impl Into<WebhookId<'static>>) -> Self {
        self.body.webhook_id = Some(webhook_id.into());
        self
    }

    fn exec(self) -> ResponseFuture<ActivitySubscriptionAnswer<'static>> {
        let mut call = Call::new(Route::UpdateActivitySubscription {
            subscription_id: self.subscription_id,
        });
        call.json = Some(serde_json::to_vec(&self.body).unwrap_or_default());
        run(
            &self.client,
            call,
            |b| {
                serde_json::from_slice::<ActivitySubscriptionAnswer<'_>>(b)
                    .map(ActivitySubscriptionAnswer::into_owned)
            },
            ActivitySubscriptionAnswer::default,
        )
    }
}

into_future!(UpdateActivitySubscription => ActivitySubscriptionAnswer<'static>);
