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
        let call = Call::new(Route::TriggerCrc {
            webhook_id: self.webhook_id,
        });
        run(&self.client, call, decode, || StatusFlags::valid(true))
    }
}

/// v2 answers `{"data":{"attempted":true}}`, not `valid`; X answers a failed check with an error
/// (`CrcValidationFailed`), so a check that was attempted and answered with success passed, as
/// v1.1's 204 does.
fn decode(body: &[u8]) -> Result<StatusFlags, serde_json::Error> {
    let mut flags = serde_json::from_slice::<StatusFlags>(body)?;
    if flags.valid.is_none() && flags.attempted == Some(true) {
        flags.valid = Some(true);
    }
    Ok(flags)
}

into_future!(TriggerCrc => StatusFlags);
