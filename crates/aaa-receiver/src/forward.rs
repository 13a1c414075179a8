//! Forwarding stored deliveries to the user's own app, in order, from a durable cursor.

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
use crate::store::{Store, StoredDelivery};

/// The cursor name the forwarder keeps in each shard of the store (each file has its own
/// `cursors` table, so each shard's cursor is that shard's delivery id).
pub const CURSOR: &str = "forward";

/// Delivers each stored delivery that carried a new event to `url`, byte for byte, with X's
/// original `x-twitter-webhooks-signature` header (so the app's own verification passes), one at
/// a time, retrying with exponential backoff until the app answers 2xx. Within a shard (so for
/// one `for_user_id`) deliveries go in storage order; across shards, in the order they were
/// stored, which follows receive time but is not one total order. Progress is a cursor in each
/// shard, so a restart resumes where it stopped and skips nothing.
#[derive(Debug, Clone)]
pub struct Forwarder {
    store: Store,
    url: Uri,
    metrics: Arc<Metrics>,
    client: Client<HttpConnector, Full<Bytes>>,
    max_backoff: Duration,
}

impl Forwarder {
    /// A forwarder to `url` (an `http://` URL).
    ///
    /// # Errors
    ///
    /// When `url` is not an absolute `http://` URL.
    pub fn new(store: Store, url: &str, metrics: Arc<Metrics>) -> Result<Forwarder, ConfigError> {
        let uri: Uri = url
            .parse()
            .map_err(|e| ConfigError(format!("--forward-to {url:?}: {e}")))?;
        match uri.scheme_str() {
            Some("http") if uri.host().is_some() => {}
            Some("https") => {
                return Err(ConfigError(format!(
                    "--forward-to {url:?}: https is not supported; forward over http to an app on the same host or private network"
                )));
            }
            _ => {
                return Err(ConfigError(format!(
                    "--forward-to {url:?}: expected an http:// URL"
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
        let shards = self.store.shards();
        // Register the cursor of every shard before anything else, so that pruning keeps every
        // delivery that has not been forwarded yet (it keeps deliveries above the lowest cursor
        // of their shard).
        let mut k = 0;
        while k < shards {
            let registered = match self.store.reader().and_then(|r| r.shard_cursor(k, CURSOR)) {
                Ok(cursor) => self.store.set_cursor(k, CURSOR, cursor).await,
                Err(e) => Err(e),
            };
            match registered {
                Ok(()) => {
                    k += 1;
                    continue;
                }
                Err(e) => tracing::warn!(error = %e, "forwarder cannot register its cursor"),
            }
            if wait(&mut shutdown, Duration::from_secs(1)).await {
                return;
            }
        }
        let mut reader = None;
        loop {
            let notified = self.store.committed().notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let next = (|| {
                if reader.is_none() {
                    reader = Some(self.store.reader()?);
                }
                let r = reader
                    .as_ref()
                    .ok_or_else(crate::store::StoreError::closed)?;
                next_batch(r, shards, |k| self.store.durable_delivery_id(k))
            })();
            let batch = match next {
                Ok((batch, lag)) => {
                    self.metrics.set_forward_lag(lag);
                    batch
                }
                Err(e) => {
                    tracing::warn!(error = %e, "forwarder cannot read the store");
                    reader = None;
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
                while let Err(e) = self.store.set_cursor(d.shard, CURSOR, d.id).await {
                    tracing::warn!(error = %e, "cannot record forwarding progress");
                    if wait(&mut shutdown, backoff).await {
                        return;
                    }
                    backoff = (backoff * 2).min(self.max_backoff);
                }
            }
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
            let req = Request::post(self.url.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, d.signature.as_str())
                .body(Full::new(Bytes::from(d.body.clone())));
            let outcome = match req {
                Ok(req) => {
                    match tokio::time::timeout(Duration::from_secs(30), self.client.request(req))
                        .await
                    {
                        Ok(Ok(resp)) if resp.status().is_success() => Ok(()),
                        Ok(Ok(resp)) => Err(format!("status {}", resp.status())),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(_) => Err("timed out".to_owned()),
                    }
                }
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(()) => {
                    self.metrics.forward(true);
                    tracing::debug!(delivery = d.id, "forwarded");
                    return true;
                }
                Err(why) => {
                    self.metrics.forward(false);
                    tracing::warn!(delivery = d.id, error = %why, retry_in_ms = backoff.as_millis(), "forwarding failed; will retry");
                    if wait(shutdown, backoff).await {
                        return false;
                    }
                    backoff = (backoff * 2).min(self.max_backoff);
                }
            }
        }
    }
}

/// How many deliveries are read from each shard at a time.
const READ_BATCH: usize = 64;

/// The next deliveries to forward, and how many wait in all. Each shard's deliveries after its
/// cursor are read in storage order and merged by write time (then shard, then id). Only the
/// deliveries up to the last one read from a shard that had more are taken, so a delivery of
/// another shard that was not read yet cannot be older than one taken.
///
/// Only deliveries up to each shard's durable id are taken (`durable(k)`); a shard with a row
/// past it cuts the batch just before that row, for the same reason.
fn next_batch(
    r: &crate::store::Reader,
    shards: usize,
    durable: impl Fn(usize) -> i64,
) -> Result<(Vec<StoredDelivery>, i64), crate::store::StoreError> {
    let mut lag = 0i64;
    let mut bound: Option<(i64, usize, i64)> = None;
    let mut cut: Option<(i64, usize, i64)> = None;
    let mut per_shard = Vec::with_capacity(shards);
    for k in 0..shards {
        let cursor = r.shard_cursor(k, CURSOR)?;
        let mut batch = r.shard_deliveries_after(k, cursor, READ_BATCH)?;
        lag = lag.saturating_add(r.shard_last_delivery_id(k)? - cursor);
        if batch.len() == READ_BATCH {
            if let Some(last) = batch.last() {
                let key = last.order_key();
                bound = Some(bound.map_or(key, |b| b.min(key)));
            }
        }
        let limit = durable(k);
        if let Some(first) = batch.iter().position(|d| d.id > limit) {
            let key = batch[first].order_key();
            cut = Some(cut.map_or(key, |c| c.min(key)));
            batch.truncate(first);
        }
        per_shard.push(batch);
    }
    let mut all: Vec<StoredDelivery> = per_shard.into_iter().flatten().collect();
    all.sort_by_key(StoredDelivery::order_key);
    if let Some(bound) = bound {
        all.retain(|d| d.order_key() <= bound);
    }
    if let Some(cut) = cut {
        all.retain(|d| d.order_key() < cut);
    }
    Ok((all, lag))
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
    use std::sync::Arc;

    use super::*;
    use crate::store::{Content, Delivery, EventRecord, Store, StoreConfig};

    fn delivery(user: &str, n: u32) -> Arc<Delivery> {
        let body = format!(r#"{{"for_user_id":"{user}","favorite_events":[{{"id":"f{n}"}}]}}"#);
        let len = body.len();
        Arc::new(Delivery {
            app: "t".into(),
            received_at: 1,
            signature: "sha256=x".into(),
            body: bytes::Bytes::from(body),
            content: Content::Events(vec![EventRecord {
                key: format!("favorite/{user}/f{n}"),
                kind: "favorite".into(),
                for_user_id: Some(user.into()),
                range: 0..len,
            }]),
        })
    }

    #[tokio::test]
    async fn batches_stop_before_a_delivery_not_yet_durable() {
        let dir = std::env::temp_dir().join(format!("aaa-forward-durable-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = StoreConfig::new(&dir);
        config.shards = 2;
        let store = Store::open(config, Arc::new(crate::Metrics::default())).unwrap();
        let mut ids = Vec::new();
        for n in 0..6 {
            // Alternate users so that both files get deliveries.
            let d = delivery(if n % 2 == 0 { "1" } else { "2" }, n);
            let shard = d.shard(2);
            let id = store.append(d).await.unwrap().delivery_id.unwrap();
            ids.push((shard, id));
        }
        let r = store.reader().unwrap();
        let everything = |k: usize| store.durable_delivery_id(k);
        let (all, _) = next_batch(&r, 2, everything).unwrap();
        assert_eq!(all.len(), 6);
        // Pretend the fourth delivery's sync is still under way: it and everything stored after
        // it, in either file, wait.
        let (held_shard, held_id) = ids[3];
        let (some, _) = next_batch(&r, 2, |k| {
            if k == held_shard {
                held_id - 1
            } else {
                store.durable_delivery_id(k)
            }
        })
        .unwrap();
        let taken: Vec<(usize, i64)> = some.iter().map(|d| (d.shard, d.id)).collect();
        assert_eq!(taken, ids[..3].to_vec());
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
