//! Deletes a webhook (`DELETE webhooks/:id`).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Deletes a webhook (`DELETE webhooks/:id`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct DeleteWebhook {
    client: Client,
    webhook_id: WebhookId<'static>,
}

impl DeleteWebhook {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        DeleteWebhook {
            client: client.clone(),
            webhook_id,
        }
    }

    fn exec(self) -> ResponseFuture<StatusFlags> {
        let call = Call::new(Route::DeleteWebhook {
            webhook_id: self.webhook_id,
        });
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::deleted(true),
        )
    }
}

into_future!(DeleteWebhook => StatusFlags);
