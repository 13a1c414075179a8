#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod forward;
mod ingest;
mod metrics;
mod redact;
mod server;
mod service;
mod store;

pub use config::{AppConfig, ConfigError, FileApp, FileConfig, FileNats, Limits};
pub use forward::Forwarder;
pub use ingest::{Ingested, RESUME_FILE, ResumeFile, StreamIngest};
pub use metrics::{Counters, Metrics, Outcome};
pub use server::{Serve, serve, tls_acceptor};
pub use service::{Receiver, ReceiverBuilder, ResponseBody};
pub use store::delivery::{Appended, Content, Delivery, EventRecord, StoreError, StoreErrorKind};
#[cfg(feature = "nats")]
pub use store::nats::NatsConfig;
pub use store::read::{
    Cursor, EventDetail, EventId, EventPage, EventQuery, ParseError, Start, StoreCounts,
    StoredDelivery, StoredEvent,
};
pub use store::sqlite::StoreConfig;
pub use store::{Missed, Store, Subscription};
