//! Bodies of the management REST API (v1.1 enterprise and v2): webhooks, subscriptions,
//! replay jobs, yes/no answers and errors; and the X Activity API's subscriptions.
//!
//! Where v1.1 and v2 answer in different shapes, one type reads both (v2 wraps its answers in
//! `data`), so a client can decode either version's body with the same type.

mod activity;
mod error;
mod replay;
mod status;
mod subscription;
mod token;
mod webhook;

pub use activity::{
    ActivitySubscription, ActivitySubscriptionAnswer, ActivitySubscriptionDeleted,
    ActivitySubscriptionPage, ActivitySubscriptionUpdate, ActivitySubscriptionsDeleted,
    DeletedSubscription, NewActivitySubscription, SubscriptionFailure, TotalSubscriptions,
};
pub use error::{ApiError, ErrorBody, ProblemKind, codes, error_summary};
pub use replay::ReplayJob;
pub use status::{Data, StatusFlags};
pub use subscription::{Subscription, SubscriptionCount, SubscriptionList};
pub use token::{BearerToken, CrcResponse};
pub use webhook::{Webhook, WebhookList};
