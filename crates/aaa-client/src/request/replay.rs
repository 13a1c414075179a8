//! Starts a replay job for all of a webhook's subscriptions (`POST replay/webhooks/:id/subscriptions/all?from_date&to_date`).

use aaa_model::rest::ReplayJob;
use aaa_model::{Timestamp, WebhookId};

use crate::client::{Call, Client};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// Starts a replay job for all of a webhook's subscriptions (`POST replay/webhooks/:id/subscriptions/all?from_date&to_date`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct Replay {
    client: Client,
    webhook_id: WebhookId<'static>,
    from: Timestamp,
    to: Timestamp,
}

impl Replay {
    pub(crate) fn new(
        client: &Client,
        webhook_id: WebhookId<'static>,
        from: Timestamp,
        to: Timestamp,
    ) -> Self {
        Replay {
            client: client.clone(),
            webhook_id,
            from,
            to,
        }
    }

    fn exec(self) -> ResponseFuture<ReplayJob<'static>> {
        let mut call = Call::new(Route::Replay {
            webhook_id: self.webhook_id,
        });
        call.query.push(("from_date", self.from.to_yyyymmddhhmm()));
        call.query.push(("to_date", self.to.to_yyyymmddhhmm()));
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<ReplayJob<'_>>(b).map(ReplayJob::into_owned),
            ReplayJob::default,
        )
    }
}

into_future!(Replay => ReplayJob<'static>);
