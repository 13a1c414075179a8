//! Deletes a subscription (`DELETE /2/activity/subscriptions/:id`).

use aaa_model::SubscriptionId;
use aaa_model::rest::ActivitySubscriptionDeleted;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Deletes a subscription (`DELETE /2/activity/subscriptions/:id`, bearer token).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct DeleteActivitySubscription {
    client: Client,
    subscription_id: SubscriptionId<'static>,
}

impl DeleteActivitySubscription {
    pub(crate) fn new(client: &Client, subscription_id: SubscriptionId<'static>) -> Self {
        DeleteActivitySubscription {
            client: client.clone(),
            subscription_id,
        }
    }

    fn exec(self) -> ResponseFuture<ActivitySubscriptionDeleted> {
        let call = Call::new(Route::DeleteActivitySubscription {
            subscription_id: self.subscription_id,
        });
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<ActivitySubscriptionDeleted>(b),
            ActivitySubscriptionDeleted::default,
        )
    }
}

into_future!(DeleteActivitySubscription => ActivitySubscriptionDeleted);
