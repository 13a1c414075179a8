//! Registers a webhook URL (`POST webhooks.json?url=` / `POST /2/webhooks {"url"}`).

use aaa_model::rest::Webhook;

use crate::client::{Call, Client};
use crate::request::json;
use crate::request::{ResponseFuture, into_future, run};
use crate::route::ApiVersion;
use crate::route::Route;
use crate::webhook_url::check_webhook_url;

/// Registers a webhook URL (`POST webhooks.json?url=` / `POST /2/webhooks {"url"}`).
///
/// Awaiting it sends the request.
#[must_use = "requests do nothing until awaited"]
#[derive(Debug)]
pub struct RegisterWebhook {
    client: Client,
    url: String,
}

impl RegisterWebhook {
    pub(crate) fn new(client: &Client, url: String) -> Self {
        RegisterWebhook {
            client: client.clone(),
            url,
        }
    }

    fn exec(self) -> ResponseFuture<Webhook<'static>> {
        if self.client.checks_webhook_urls() {
            if let Err(e) = check_webhook_url(&self.url) {
                return Box::pin(std::future::ready(Err(e)));
            }
        }
        let mut call = Call::new(Route::RegisterWebhook);
        match self.client.version() {
            ApiVersion::V1_1 => call.query.push(("url", self.url)),
            _ => call.json = Some(json(&[("url", &self.url)])),
        }
        run(
            &self.client,
            call,
            |b| serde_json::from_slice::<Webhook<'_>>(b).map(Webhook::into_owned),
            Webhook::default,
        )
    }
}

into_future!(RegisterWebhook => Webhook<'static>);
