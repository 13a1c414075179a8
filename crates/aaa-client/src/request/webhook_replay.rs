//! Redelivers up to 24 hours of a webhook's events (`POST /2/webhooks/replay`, v2 only).

use aaa_model::rest::ReplayJob;
use aaa_model::{Timestamp, WebhookId};

use crate::client::{Call, Client};
use crate::request::json;
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Redelivers up to 24 hours of a webhook's events (`POST /2/webhooks/replay`, v2 only).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct WebhookReplay {
    client: Client,
    webhook_id: WebhookId<'static>,
    from: Timestamp,
    to: Timestamp,
}

impl WebhookReplay {
    pub(crate) fn new(
        client: &Client,
        webhook_id: WebhookId<'static>,
        from: Timestamp,
        to: Timestamp,
    ) -> Self {
        WebhookReplay {
            client: client.clone(),
            webhook_id,
            from,
            to,
        }
    }

    fn exec(self) -> ResponseFuture<ReplayJob<'static>> {
        let mut call = Call::new(Route::WebhookReplay);
        call.json = Some(json(&[
            ("webhook_id", self.webhook_id.as_str()),
            ("from_date", &self.from.to_yyyymmddhhmm()),
            ("to_date", &self.to.to_yyyymmddhhmm()),
        ]));
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<ReplayJob<'_>>(b).map(ReplayJob::into_owned),
            ReplayJob::default,
        )
    }
}

into_future!(WebhookReplay => ReplayJob<'static>);
