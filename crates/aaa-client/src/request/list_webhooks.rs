//! Lists the app's webhooks (`GET webhooks.json` / `GET /2/webhooks`).

use aaa_model::rest::WebhookList;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Lists the app's webhooks (`GET webhooks.json` / `GET /2/webhooks`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct ListWebhooks {
    client: Client,
}

impl ListWebhooks {
    pub(crate) fn new(client: &Client) -> Self {
        ListWebhooks {
            client: client.clone(),
        }
    }

    fn exec(self) -> ResponseFuture<WebhookList<'static>> {
        let call = Call::new(Route::ListWebhooks);
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<WebhookList<'_>>(b).map(WebhookList::into_owned),
            WebhookList::default,
        )
    }
}

into_future!(ListWebhooks => WebhookList<'static>);
