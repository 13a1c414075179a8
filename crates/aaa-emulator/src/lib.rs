#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod auth;
mod control;
mod crc;
mod delivery;
mod error;
pub mod generate;
mod options;
mod replay;
mod reply;
mod server;
mod service;
mod state;
mod web;

pub use crate::control::TriggerError;
pub use crate::delivery::DeliveryStats;
pub use crate::error::Error;
pub use crate::generate::{Activity, Generator, Party};
pub use crate::options::{Clock, Delivery, Faults, Options, RateLimits};
pub use crate::reply::ResponseBody;
pub use crate::server::serve;
pub use crate::service::Emulator;
pub use crate::state::{
    App, DEFAULT_SUBSCRIPTION_LIMIT, DEFAULT_WEBHOOK_LIMIT, State, User, Webhook,
};
