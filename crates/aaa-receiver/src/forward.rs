//! Forwarding stored deliveries to the user's own app, in order, from a durable cursor.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use aaa_crypto::SIGNATURE_HEADER;
use bytes::Bytes;
use http::{Request, Uri, header};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::config::ConfigError;
use crate::metrics::Metrics;
use crate::redact::url_without_userinfo;
use crate::store::Store;
use crate::store::read::StoredDelivery;

/// The consumer name the forwarder keeps its cursor under in the store.
const CURSOR: &str = "forward";

/// Delivers each stored delivery that carried a new event to `url`, byte for byte, with X's
/// original `x-twitter-webhooks-signature` header (so the app's own verification passes), one at
/// a time, retrying with exponential backoff until the app answers 2xx. Within a shard (so for
/// one `for_user_id`) deliveries go in storage order; across shards, in the order they were
/// stored, which follows receive time but is not one total order. Progress is a cursor in each
/// shard, so a restart resumes where it stopped and skips nothing.
#[derive(Clone)]
pub struct Forwarder {
    store: Store,
    url: Uri,
    metrics: Arc<Metrics>,
    client: Client<HttpConnector, Full<Bytes>>,
    max_backoff: Duration,
}

impl fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forwarder")
            .field("store", &self.store)
            .field("url", &self.url())
            .field("max_backoff", &self.max_backoff)
            .finish_non_exhaustive()
    }
}

impl Forwarder {
    /// A forwarder of `store`'s deliveries to `url` (an `http://` URL). It counts what it does
    /// in the store's metrics.
    ///
    /// # Errors
    ///
    /// When `url` is not an absolute `http://` URL. A user name and password in it are never
    /// shown, in errors or `Debug` output.
    pub fn new(store: Store, url: &str) -> Result<Forwarder, ConfigError> {
        let metrics = Arc::clone(store.metrics());
        let shown = url_without_userinfo(url);
        let uri: Uri = url
            .parse()
            .map_err(|e| ConfigError(format!("forward URL {shown:?}: {e}")))?;
        match uri.scheme_str() {
            Some("http") if uri.host().is_some() => {}
            Some("https") => {
                return Err(ConfigError(format!(
                    "forward URL {shown:?}: https is not supported; forward over http to an app on the same host or private network"
                )));
            }
            _ => {
                return Err(ConfigError(format!(
                    "forward URL {shown:?}: expected an http:// URL"
                )));
            }
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Forwarder {
            store,
            url: uri,
            metrics,
            client,
            max_backoff: Duration::from_secs(30),
        })
    }

    /// Caps the delay between retries (30 s by default).
    #[must_use]
    pub fn max_backoff(mut self, max: Duration) -> Forwarder {
        self.max_backoff = max;
        self
    }

    /// Runs until `shutdown` resolves.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        // Register the cursor before anything else, so that pruning keeps every delivery that
        // has not been forwarded yet.
        while let Err(e) = self.store.consumer_start(CURSOR).await {
            tracing::warn!(error = %e, "forwarder cannot register its cursor");
            if wait(&mut shutdown, Duration::from_secs(1)).await {
                return;
            }
        }
        loop {
            let notified = self.store.committed();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let batch = match self.store.consumer_next(CURSOR).await {
                Ok((batch, lag)) => {
                    self.metrics
                        .set_forward_lag(i64::try_from(lag).unwrap_or(i64::MAX));
                    batch
                }
                Err(e) => {
                    tracing::warn!(error = %e, "forwarder cannot read the store");
                    if wait(&mut shutdown, Duration::from_secs(1)).await {
                        return;
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = notified => {}
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                continue;
            }
            for d in batch {
                if !self.deliver(&d, &mut shutdown).await {
                    return;
                }
                let mut backoff = Duration::from_millis(100);
                while let Err(e) = self.store.consumer_ack(CURSOR, &d).await {
                    tracing::warn!(error = %e, "cannot record forwarding progress");
                    if wait(&mut shutdown, backoff).await {
                        return;
                    }
                    backoff = (backoff * 2).min(self.max_backoff);
                }
            }
        }
    }

    /// The URL deliveries are forwarded to, any user name and password in it shown as
    /// `<redacted>`.
    pub fn url(&self) -> String {
        url_without_userinfo(&self.url.to_string())
    }

    /// Posts `d` to the app once, as forwarding does (body byte for byte, X's signature
    /// header), without touching the forwarder's cursor: a redelivery an operator asks for.
    /// Counts in the forwarding metrics.
    ///
    /// # Errors
    ///
    /// The app's status when it is not 2xx, or why the request failed, in words.
    pub async fn send_once(&self, d: &StoredDelivery) -> Result<u16, String> {
        let req = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, d.signature.as_str())
            .body(Full::new(d.body.clone()))
            .map_err(|e| e.to_string())?;
        match tokio::time::timeout(Duration::from_secs(30), self.client.request(req)).await {
            Ok(Ok(resp)) if resp.status().is_success() => Ok(resp.status().as_u16()),
            Ok(Ok(resp)) => Err(format!("status {}", resp.status())),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("timed out".to_owned()),
        }
    }

    /// Posts one delivery until the app accepts it; false if shut down first.
    async fn deliver(
        &self,
        d: &StoredDelivery,
        shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
    ) -> bool {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.send_once(d).await {
                Ok(_) => {
                    self.metrics.forward(true);
                    tracing::debug!(delivery = %d.id, "forwarded");
                    return true;
                }
                Err(why) => {
                    self.metrics.forward(false);
                    tracing::warn!(delivery = %d.id, error = %why, retry_in_ms = backoff.as_millis(), "forwarding failed; will retry");
                    if wait(shutdown, backoff).await {
                        return false;
                    }
                    backoff = (backoff * 2).min(self.max_backoff);
                }
            }
        }
    }
}

/// Sleeps for `d`; true if `shutdown` resolved first.
async fn wait(shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>, d: Duration) -> bool {
    tokio::select! {
        () = shutdown.as_mut() => true,
        () = tokio::time::sleep(d) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::StoreConfig;

    #[test]
    fn a_password_in_the_forward_url_is_never_shown() {
        let dir = std::env::temp_dir().join(format!(
            "aaa-forward-redact-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let store = Store::open(StoreConfig::new(&dir)).unwrap();
        let f = Forwarder::new(store.clone(), "http://alice:s3cret@127.0.0.1:9/hook").unwrap();
        let debug = format!("{f:?}");
        assert!(
            !debug.contains("s3cret") && !debug.contains("alice"),
            "{debug}"
        );
        assert!(
            debug.contains("http://<redacted>@127.0.0.1:9/hook"),
            "{debug}"
        );
        assert_eq!(f.url(), "http://<redacted>@127.0.0.1:9/hook");
        for bad in [
            "https://alice:s3cret@127.0.0.1/hook",
            "ftp://alice:s3cret@127.0.0.1/hook",
            "http://alice:s3cret@127.0.0.1/a hook",
        ] {
            let e = Forwarder::new(store.clone(), bad).unwrap_err().to_string();
            assert!(!e.contains("s3cret") && !e.contains("alice"), "{e}");
            assert!(e.contains("<redacted>@127.0.0.1"), "{e}");
        }
        drop(f);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
