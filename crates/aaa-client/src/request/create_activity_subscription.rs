//! Creates an X Activity API subscription (`POST /2/activity/subscriptions`).

use aaa_crypto::BearerToken;
use aaa_model::WebhookId;
use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use aaa_model::rest::{ActivitySubscriptionAnswer, NewActivitySubscription};

use crate::client::{AuthChoice, Call, Client, UserToken};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Creates an X Activity API subscription (`POST /2/activity/subscriptions`).
///
/// Sent with the app's bearer token unless [`CreateActivitySubscription::as_user`] or
/// [`CreateActivitySubscription::as_oauth2_user`] says otherwise: X delivers private event
/// types (likes, direct messages, chats, mentions, mutes, blocks, ...) only for users who
/// authorized the app, so their subscriptions are created with that user's credentials.
/// Awaiting it sends the request (once: it is a POST).
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct CreateActivitySubscription {
    client: Client,
    body: NewActivitySubscription<'static>,
    auth: AuthChoice,
}

impl CreateActivitySubscription {
    pub(crate) fn new(
        client: &Client,
        event_type: ActivityType,
        filter: ActivityFilter<'static>,
    ) -> Self {
        let mut body = NewActivitySubscription::default();
        body.event_type = event_type.as_str().into();
        body.filter = filter;
        CreateActivitySubscription {
            client: client.clone(),
            body,
            auth: AuthChoice::Default,
        }
    }

    /// A tag (1 to 200 characters) that every delivery of the subscription carries.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.body.tag = Some(tag.into().into());
        self
    }

    /// Delivers to this webhook as well as to the stream.
    pub fn webhook(mut self, webhook_id: impl Into<WebhookId<'static>>) -> Self {
        self.body.webhook_id = Some(webhook_id.into());
        self
    }

    /// Only events going this way (likes, direct messages and chats).
    pub fn direction(mut self, direction: Direction<'static>) -> Self {
        self.body.filter.direction = Some(direction);
        self
    }

    /// Sends with OAuth 1.0a as this user (the app owner when `None`).
    pub fn as_user(mut self, token: Option<UserToken>) -> Self {
        self.auth = AuthChoice::OAuth1User(token);
        self
    }

    /// Sends with an OAuth 2.0 user access token (the client's when `None`).
    pub fn as_oauth2_user(mut self, token: Option<BearerToken>) -> Self {
        self.auth = AuthChoice::OAuth2User(token);
        self
    }

    fn exec(self) -> ResponseFuture<ActivitySubscriptionAnswer<'static>> {
        let mut call = Call::new(Route::CreateActivitySubscription);
        call.json = Some(serde_json::to_vec(&self.body).unwrap_or_default());
        self.auth.apply(&mut call);
        run(
            &self.client,
            call,
            |b| {
                serde_json::from_slice::<ActivitySubscriptionAnswer<'_>>(b)
                    .map(ActivitySubscriptionAnswer::into_owned)
            },
            ActivitySubscriptionAnswer::default,
        )
    }
}

into_future!(CreateActivitySubscription => ActivitySubscriptionAnswer<'static>);
