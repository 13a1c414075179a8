#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod config;
pub mod forward;
pub mod metrics;
pub mod server;
pub mod service;
pub mod store;

pub use config::{AppConfig, ConfigError, FileConfig, Limits};
pub use forward::Forwarder;
pub use metrics::Metrics;
pub use server::serve;
pub use service::{NewEvent, Receiver};
pub use store::{Store, StoreConfig, StoreError};
