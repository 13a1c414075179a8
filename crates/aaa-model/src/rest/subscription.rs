//! Subscriptions: list, count and the v2 yes/no answers.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{AppId, Text, UserId, WebhookId};

borrowed_struct! {
    /// The users subscribed to a webhook (`.../subscriptions/all/list`).
    ///
    /// Deserializes from the v1.1 answer (`{"environment","application_id","subscriptions":[...]}`)
    /// and the v2 answer (`{"data":{"application_id","webhook_id","webhook_url","subscriptions"}}`).
    /// Serializes flat, with the fields that are set.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Serialize)]
    pub struct SubscriptionList<'a> {
        /// The v1.1 environment name (often the webhook id).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub environment: Option<Text<'a>>,
        /// The app.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub application_id: Option<AppId>,
        /// The webhook (v2).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub webhook_id: Option<WebhookId<'a>>,
        /// The webhook's URL (v2).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub webhook_url: Option<Text<'a>>,
        /// The subscribed users.
        pub subscriptions: Vec<Subscription>,
    }
}

/// One subscribed user.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct Subscription {
    /// The user.
    pub user_id: UserId,
}

impl Subscription {
    /// A subscription of `user_id`.
    pub fn new(user_id: UserId) -> Self {
        Subscription { user_id }
    }
}

crate::owned::owned_types!(Subscription);

#[derive(Deserialize)]
struct RawSubscriptionList<'a> {
    #[serde(default, borrow)]
    data: Option<Box<RawSubscriptionList<'a>>>,
    #[serde(default, borrow)]
    environment: Option<Text<'a>>,
    #[serde(default)]
    application_id: Option<AppId>,
    #[serde(default, borrow)]
    webhook_id: Option<WebhookId<'a>>,
    #[serde(default, borrow)]
    webhook_url: Option<Text<'a>>,
    #[serde(default)]
    subscriptions: Option<Vec<Subscription>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for SubscriptionList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawSubscriptionList::deserialize(deserializer)?;
        if let Some(inner) = raw.data.take() {
            raw = *inner;
        }
        Ok(SubscriptionList {
            environment: raw.environment,
            application_id: raw.application_id,
            webhook_id: raw.webhook_id,
            webhook_url: raw.webhook_url,
            subscriptions: raw.subscriptions.unwrap_or_default(),
        })
    }
}

borrowed_struct! {
    /// The number of active subscriptions (`subscriptions/count`).
    ///
    /// Deserializes from the v1.1 answer and from the v2 answer under `data`; X writes the counts
    /// as numbers or as strings (v2 documents strings), both are read. Serializes flat, counts as
    /// numbers.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Serialize)]
    pub struct SubscriptionCount<'a> {
        /// The account or app name.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub account_name: Option<Text<'a>>,
        /// The subscription limit.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub provisioned_count: Option<u64>,
        /// Active subscriptions.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub subscriptions_count_all: Option<u64>,
        /// Direct-message-only subscriptions (always 0 now).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub subscriptions_count_direct_messages: Option<u64>,
        /// The older single `subscriptions_count` field.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub subscriptions_count: Option<u64>,
    }
}

impl SubscriptionCount<'_> {
    /// Active subscriptions, from whichever field X sent.
    pub fn active(&self) -> Option<u64> {
        self.subscriptions_count_all.or(self.subscriptions_count)
    }
}

#[derive(Deserialize)]
struct RawSubscriptionCount<'a> {
    #[serde(default, borrow)]
    data: Option<Box<RawSubscriptionCount<'a>>>,
    #[serde(default, borrow)]
    account_name: Option<Text<'a>>,
    #[serde(default, deserialize_with = "crate::lenient::count")]
    provisioned_count: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::count")]
    subscriptions_count_all: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::count")]
    subscriptions_count_direct_messages: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::count")]
    subscriptions_count: Option<u64>,
}

impl<'de: 'a, 'a> Deserialize<'de> for SubscriptionCount<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawSubscriptionCount::deserialize(deserializer)?;
        if let Some(inner) = raw.data.take() {
            raw = *inner;
        }
        Ok(SubscriptionCount {
            account_name: raw.account_name,
            provisioned_count: raw.provisioned_count,
            subscriptions_count_all: raw.subscriptions_count_all,
            subscriptions_count_direct_messages: raw.subscriptions_count_direct_messages,
            subscriptions_count: raw.subscriptions_count,
        })
    }
}
