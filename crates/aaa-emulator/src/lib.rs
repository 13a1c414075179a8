#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

// Top-down: the request handlers (`api`) over the handle (`emulator`) over the delivery
// machinery (`delivery`) over the shared state, over the leaves (constants, time, randomness).
mod api;
mod emulator;
mod server;

pub mod activity_payloads;
mod activity_state;
mod auth;
mod crc;
mod delivery;
pub mod generate;
mod reply;
mod shared;
mod state;

mod consts;
mod error;
mod options;
mod rng;
mod time;
mod web;

pub use crate::delivery::DeliveryStats;
pub use crate::emulator::{ActivityDelivered, ActivityTrigger, Emulator, TriggerError};
pub use crate::error::Error;
pub use crate::generate::{Activity, Generator, Party};
pub use crate::options::{
    ActivityOptions, Clock, Delivery, Faults, Options, RateLimits, ReplayMinAge,
};
pub use crate::reply::ResponseBody;
pub use crate::server::serve;
pub use crate::state::{
    App, DEFAULT_SUBSCRIPTION_LIMIT, DEFAULT_WEBHOOK_LIMIT, State, User, Webhook,
};
