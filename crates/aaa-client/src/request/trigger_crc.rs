//! Has X send a CRC check to a webhook now (`PUT webhooks/:id`).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Has X send a CRC check to a webhook now (`PUT webhooks/:id`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct TriggerCrc {
    client: Client,
    webhook_id: WebhookId<'static>,
}

impl TriggerCrc {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        TriggerCrc {
            client: client.clone(),
            webhook_id,
        }
    }

    fn exec(self) -> ResponseFuture<StatusFlags> {
        #[allow(unused_mut)]
        let mut call = Call::new(Route::TriggerCrc {
            webhook_id: self.webhook_id,
        });
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::valid(true),
        )
    }
}

into_future!(TriggerCrc => StatusFlags);
