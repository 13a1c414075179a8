//! Subscribes a user to a webhook (`POST webhooks/:id/subscriptions/all`).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client, UserToken};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::ApiVersion;
use crate::route::Route;

/// Subscribes a user to a webhook (`POST webhooks/:id/subscriptions/all`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct Subscribe {
    client: Client,
    webhook_id: WebhookId<'static>,
    user: Option<UserToken>,
}

impl Subscribe {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        Subscribe {
            client: client.clone(),
            webhook_id,
            user: None,
        }
    }

    /// Acts as this user (OAuth 1.0a with the user's access token) instead of the app owner.
    pub fn as_user(mut self, token: UserToken) -> Self {
        self.user = Some(token);
        self
    }

    fn exec(self) -> ResponseFuture<StatusFlags> {
        let mut call = Call::new(Route::Subscribe {
            webhook_id: self.webhook_id,
        });
        call.user = self.user;
        if self.client.version() == ApiVersion::V2 {
            call.json = Some(b"{}".to_vec());
        }
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::subscribed(true),
        )
    }
}

into_future!(Subscribe => StatusFlags);
