//! Checks whether a user is subscribed to a webhook (`GET webhooks/:id/subscriptions/all`; v1.1 answers 204 when subscribed).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client, UserToken};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Checks whether a user is subscribed to a webhook (`GET webhooks/:id/subscriptions/all`; v1.1 answers 204 when subscribed).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct CheckSubscription {
    client: Client,
    webhook_id: WebhookId<'static>,
    user: Option<UserToken>,
}

impl CheckSubscription {
    pub(crate) fn new(client: &Client, webhook_id: WebhookId<'static>) -> Self {
        CheckSubscription {
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
        #[allow(unused_mut)]
        let mut call = Call::new(Route::CheckSubscription {
            webhook_id: self.webhook_id,
        });
        call.user = self.user;
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::subscribed(true),
        )
    }
}

into_future!(CheckSubscription => StatusFlags);
