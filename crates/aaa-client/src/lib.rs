#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod client;
mod error;
mod rate_limit;
pub mod replay_plan;
pub mod request;
mod route;
pub mod stream;
mod stream_limits;
mod webhook_url;

pub use crate::client::{Client, ClientBuilder, DEFAULT_BASE_URL, Response, UserToken};
pub use crate::error::{Error, ErrorKind};
pub use crate::rate_limit::RateLimit;
pub use crate::route::{ApiVersion, AuthKind, Route};
pub use crate::webhook_url::check_webhook_url;
