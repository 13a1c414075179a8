//! Checks whether a user is subscribed to a webhook (`GET webhooks/:id/subscriptions/all`; v1.1 answers 204 when subscribed).

use aaa_model::WebhookId;
use aaa_model::rest::StatusFlags;

use crate::client::{Call, Client, Response, UserToken};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::ApiVersion;
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
        let v1_1 = self.client.version() == ApiVersion::V1_1;
        let mut call = Call::new(Route::CheckSubscription {
            webhook_id: self.webhook_id,
        });
        call.user = self.user;
        let answer = run(
            &self.client,
            call,
            |b| serde_json::from_slice::<StatusFlags>(b),
            || StatusFlags::subscribed(true),
        );
        if !v1_1 {
            return answer;
        }
        Box::pin(async move {
            match answer.await {
                // v1.1 answers "not subscribed" with a 404 (X: "if the response code is not
                // 204, then the user does not have an active subscription"), code 34. A 34
                // that says the webhook itself does not exist (the wording X documents for
                // the other calls on this path) is an error, not a "no".
                Err(e)
                    if e.status() == Some(404)
                        && e.code() == Some(34)
                        && !names_missing_webhook(e.message()) =>
                {
                    Ok(Response::new(
                        StatusFlags::subscribed(false),
                        404,
                        e.rate_limit(),
                    ))
                }
                other => other,
            }
        })
    }
}

/// Whether X's message says the webhook is missing ("Webhook does not exist or is associated
/// with a different twitter application."), rather than the subscription.
fn names_missing_webhook(message: Option<&str>) -> bool {
    message.is_some_and(|m| m.to_ascii_lowercase().starts_with("webhook does not exist"))
}

into_future!(CheckSubscription => StatusFlags);
