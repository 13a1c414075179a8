//! Storing what arrives without a signed POST: the lines of the X Activity API's activity
//! stream (`GET /2/activity/stream`), each an envelope like a webhook body.
//!
//! A line goes into the same store, with the same scan and the same dedupe keys, as a webhook
//! delivery, so an event that comes both ways is stored once. [`ResumeFile`] remembers when the
//! stream was last heard from, so that a restarted consumer (after a crash or `kill -9` too)
//! asks for the backfill that covers the gap.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::mpsc::UnboundedSender;

use crate::service::scan_content;
use crate::store::delivery::{Content, Delivery, StoreError};
use crate::store::read::StoredEvent;
use crate::store::{Store, stored_events};

/// What storing one line did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ingested {
    /// Events stored for the first time.
    pub new: usize,
    /// Events that were stored already (from the webhook, or an earlier line: backfill repeats
    /// what a connection saw).
    pub duplicates: usize,
    /// Why the line was kept as quarantined rather than as events (it is not an envelope).
    pub quarantined: Option<String>,
}

/// Stores activity stream lines as deliveries of one app.
#[derive(Debug, Clone)]
pub struct StreamIngest {
    store: Store,
    app: Arc<str>,
    sink: Option<UnboundedSender<StoredEvent>>,
}

impl StreamIngest {
    /// Lines stored into `store` as deliveries of `app` (a name shown by `aaa events`).
    pub fn new(store: Store, app: impl Into<Arc<str>>) -> Self {
        StreamIngest {
            store,
            app: app.into(),
            sink: None,
        }
    }

    /// Also sends every new event to `sink` once it is durable.
    #[must_use]
    pub fn on_stored(mut self, sink: UnboundedSender<StoredEvent>) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Stores one line (without its line end) received at `received_at` (milliseconds since the
    /// epoch); returns once it is durable. A line that is not an envelope is kept quarantined,
    /// as an authentic webhook body would be. The delivery has no signature: it came over the
    /// stream, authenticated by the connection.
    ///
    /// # Errors
    ///
    /// When the store cannot write.
    pub async fn line(&self, line: Bytes, received_at: i64) -> Result<Ingested, StoreError> {
        let content = scan_content(&line);
        let delivery = Arc::new(Delivery {
            app: Arc::clone(&self.app),
            received_at,
            signature: String::new(),
            secret_index: 0,
            body: line,
            content,
        });
        let appended = self.store.append(Arc::clone(&delivery)).await?;
        let metrics = self.store.metrics();
        Ok(match &delivery.content {
            Content::Quarantined(why) => Ingested {
                quarantined: Some(why.clone()),
                ..Ingested::default()
            },
            Content::Events(_) => {
                metrics.events(appended.new_events.len(), appended.duplicates);
                if let Some(sink) = &self.sink {
                    for e in stored_events(&delivery, &appended) {
                        let _ = sink.send(e);
                    }
                }
                Ingested {
                    new: appended.new_events.len(),
                    duplicates: appended.duplicates,
                    quarantined: None,
                }
            }
        })
    }
}

/// A small file that remembers when the activity stream was last heard from (a line or a
/// keep-alive, after everything before it was stored), written by rename so a crash leaves the
/// old or the new time, never a torn one.
#[derive(Debug)]
pub struct ResumeFile {
    path: PathBuf,
    /// When the time was last written, to write at most once per `every`.
    written: Option<SystemTime>,
    every: Duration,
}

/// The name of the resume file in a data directory.
pub const RESUME_FILE: &str = "activity-stream.json";

impl ResumeFile {
    /// The resume file of `data_dir`, written at most once per second.
    pub fn in_dir(data_dir: &Path) -> Self {
        ResumeFile {
            path: data_dir.join(RESUME_FILE),
            written: None,
            every: Duration::from_secs(1),
        }
    }

    /// When the stream was last heard from, if a previous run wrote it (`None` for a missing or
    /// unreadable file).
    pub fn last_seen(&self) -> Option<SystemTime> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let ms = v.get("last_seen_ms")?.as_u64()?;
        Some(UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// Records that the stream was heard from at `at`, unless it was recorded less than a
    /// second ago (an older time only makes the next backfill longer, never short).
    ///
    /// # Errors
    ///
    /// When the file cannot be written.
    pub fn seen(&mut self, at: SystemTime) -> std::io::Result<()> {
        if self
            .written
            .is_some_and(|w| at.duration_since(w).unwrap_or_default() < self.every)
        {
            return Ok(());
        }
        let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, format!("{{\"last_seen_ms\":{ms}}}\n"))?;
        std::fs::rename(&tmp, &self.path)?;
        self.written = Some(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resume_time_round_trips_and_is_written_at_most_once_a_second() {
        let dir = std::env::temp_dir().join(format!("aaa-resume-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut file = ResumeFile::in_dir(&dir);
        assert_eq!(file.last_seen(), None);
        let t0 = UNIX_EPOCH + Duration::from_millis(1_780_000_000_123);
        file.seen(t0).unwrap();
        assert_eq!(file.last_seen(), Some(t0));
        file.seen(t0 + Duration::from_millis(500)).unwrap();
        assert_eq!(file.last_seen(), Some(t0), "not again within a second");
        file.seen(t0 + Duration::from_secs(2)).unwrap();
        assert_eq!(file.last_seen(), Some(t0 + Duration::from_secs(2)));
        std::fs::write(dir.join(RESUME_FILE), "{torn").unwrap();
        assert_eq!(ResumeFile::in_dir(&dir).last_seen(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
