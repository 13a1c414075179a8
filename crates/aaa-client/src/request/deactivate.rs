//! Deactivates a user's subscription with that user's token (`DELETE webhooks/:id/subscriptions/all.json`, v1.1 only, deprecated by X).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client, UserToken};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Deactivates a user's subscription with that user's token (`DELETE webhooks/:id/subscriptions/all.json`, v1.1 only, deprecated by X).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct Deactivate {
    client: Client,
    webhook_id: WebhookId<'static>,
    user: Option<UserToken>,
}

impl Deactivate {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        Deactivate {
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
        let mut call = Call::new(Route::Deactivate {
            webhook_id: self.webhook_id,
        });
        call.user = self.user;
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::subscribed(false),
        )
    }
}

into_future!(Deactivate => StatusFlags);
