//! Deletes up to 100 subscriptions at once (`DELETE /2/activity/subscriptions?ids=...`).

use aaa_model::SubscriptionId;
use aaa_model::rest::ActivitySubscriptionsDeleted;

use crate::client::{Call, Client, Response};
use crate::error::{Error, ErrorKind};
use crate::request::{ResponseFuture, into_future, run};
use crate::route::Route;

/// The most ids one bulk delete takes.
pub const MAX_BULK_DELETE: usize = 100;

/// Deletes up to [`MAX_BULK_DELETE`] subscriptions (`DELETE /2/activity/subscriptions?ids=...`,
/// bearer token). X deletes what it can and reports each id: the answer lists the deleted ids
/// and, in `errors`, each id that failed with its reason; the call itself succeeds.
///
/// Awaiting it sends the request; no ids, or more than 100, is an [`ErrorKind::InvalidRequest`]
/// and nothing is sent.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct DeleteActivitySubscriptions {
    client: Client,
    ids: Vec<SubscriptionId<'static>>,
}

impl DeleteActivitySubscriptions {
    pub(crate) fn new(client: &Client, ids: Vec<SubscriptionId<'static>>) -> Self {
        DeleteActivitySubscriptions {
            client: client.clone(),
            ids,
        }
    }

    fn exec(self) -> ResponseFuture<ActivitySubscriptionsDeleted<'static>> {
        if self.ids.is_empty() || self.ids.len() > MAX_BULK_DELETE {
            let n = self.ids.len();
            return Box::pin(async move {
                Err::<Response<_>, _>(Error::new(ErrorKind::InvalidRequest).with_message(format!(
                    "a bulk delete takes 1 to {MAX_BULK_DELETE} ids, not {n}"
                )))
            });
        }
        let mut call = Call::new(Route::DeleteActivitySubscriptions);
        let ids: Vec<&str> = self.ids.iter().map(SubscriptionId::as_str).collect();
        call.query.push(("ids", ids.join(",")));
        run(
            &self.client,
            call,
            |b| {
                serde_json::from_slice::<ActivitySubscriptionsDeleted<'_>>(b)
                    .map(ActivitySubscriptionsDeleted::into_owned)
            },
            ActivitySubscriptionsDeleted::default,
        )
    }
}

into_future!(DeleteActivitySubscriptions => ActivitySubscriptionsDeleted<'static>);
