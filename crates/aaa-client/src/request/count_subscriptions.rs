//! Counts the app's active subscriptions (`GET subscriptions/count`).

use aaa_model::rest::SubscriptionCount;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Counts the app's active subscriptions (`GET subscriptions/count`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct CountSubscriptions {
    client: Client,
}

impl CountSubscriptions {
    pub(crate) fn new(client: &Client) -> Self {
        CountSubscriptions {
            client: client.clone(),
        }
    }

    fn exec(self) -> ResponseFuture<SubscriptionCount<'static>> {
        let call = Call::new(Route::CountSubscriptions);
        run(
            &self.client,
            call,
            |b| {
                serde_json::from_slice::<SubscriptionCount<'_>>(b)
                    .map(SubscriptionCount::into_owned)
            },
            SubscriptionCount::default,
        )
    }
}

into_future!(CountSubscriptions => SubscriptionCount<'static>);
