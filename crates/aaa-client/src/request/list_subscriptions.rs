//! Lists the users subscribed to a webhook (`GET webhooks/:id/subscriptions/all/list`).

use aaa_model::WebhookId;
use aaa_model::rest::SubscriptionList;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Lists the users subscribed to a webhook (`GET webhooks/:id/subscriptions/all/list`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct ListSubscriptions {
    client: Client,
    webhook_id: WebhookId<'static>,
}

impl ListSubscriptions {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        ListSubscriptions {
            client: client.clone(),
            webhook_id,
        }
    }

    fn exec(self) -> ResponseFuture<SubscriptionList<'static>> {
        let call = Call::new(Route::ListSubscriptions {
            webhook_id: self.webhook_id,
        });
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<SubscriptionList<'_>>(b).map(SubscriptionList::into_owned),
            SubscriptionList::default,
        )
    }
}

into_future!(ListSubscriptions => SubscriptionList<'static>);
