//! Deactivates a user's subscription by user id (`DELETE webhooks/:id/subscriptions/:user_id/all`).

use aaa_model::rest::StatusFlags;
use aaa_model::{UserId, WebhookId};

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Deactivates a user's subscription by user id (`DELETE webhooks/:id/subscriptions/:user_id/all`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct DeactivateUser {
    client: Client,
    webhook_id: WebhookId<'static>,
    user_id: UserId,
}

impl DeactivateUser {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>, user_id: UserId) -> Self {
        DeactivateUser {
            client: client.clone(),
            webhook_id,
            user_id,
        }
    }

    fn exec(self) -> ResponseFuture<StatusFlags> {
        let call = Call::new(Route::DeactivateUser {
            webhook_id: self.webhook_id,
            user_id: self.user_id,
        });
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::subscribed(false),
        )
    }
}

into_future!(DeactivateUser => StatusFlags);
