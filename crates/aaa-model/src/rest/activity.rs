//! X Activity API subscriptions (`/2/activity/subscriptions`): the subscription object, the
//! request bodies and every answer shape X documents.

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::event::ActivityFilter;
use crate::owned::borrowed_struct;
use crate::{SubscriptionId, Text, Timestamp, WebhookId};

borrowed_struct! {
    /// An X Activity API subscription, as `GET /2/activity/subscriptions` lists it and the
    /// other calls answer with it.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ActivitySubscription<'a> {
        /// The subscription's id.
        #[serde(borrow)]
        pub subscription_id: SubscriptionId<'a>,
        /// The event type (X answers with the canonical name).
        #[serde(borrow)]
        pub event_type: Text<'a>,
        /// Whose events, or which keyword, and which direction.
        #[serde(default, borrow)]
        pub filter: ActivityFilter<'a>,
        /// The caller's tag.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub tag: Option<Text<'a>>,
        /// The webhook events also go to.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub webhook_id: Option<WebhookId<'a>>,
        /// When it was created (written as RFC 3339).
        #[serde(
            default,
            with = "crate::time::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        pub created_at: Option<Timestamp>,
        /// When it was last updated (written as RFC 3339).
        #[serde(
            default,
            with = "crate::time::rfc3339::option",
            skip_serializing_if = "Option::is_none"
        )]
        pub updated_at: Option<Timestamp>,
    }
}

borrowed_struct! {
    /// The body of `POST /2/activity/subscriptions`.
    ///
    /// X refuses members it does not know, and so does this type when read.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct NewActivitySubscription<'a> {
        /// The event type (`chat.conversation_join` is accepted as the old name of
        /// `chat.conversation.join`).
        #[serde(borrow)]
        pub event_type: Text<'a>,
        /// Whose events (`user_id`) or which `keyword`, and an optional `direction`.
        #[serde(borrow)]
        pub filter: ActivityFilter<'a>,
        /// A tag of 1 to 200 characters that deliveries carry.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub tag: Option<Text<'a>>,
        /// A webhook to deliver to as well as the stream.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub webhook_id: Option<WebhookId<'a>>,
    }
}

borrowed_struct! {
    /// The body of `PUT /2/activity/subscriptions/:id`: only the tag and the webhook can change
    /// (a new event type or filter needs a new subscription).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct ActivitySubscriptionUpdate<'a> {
        /// The new tag.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub tag: Option<Text<'a>>,
        /// The new webhook.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub webhook_id: Option<WebhookId<'a>>,
    }
}

/// The `meta` object of subscription answers.
#[derive(Deserialize, Default)]
struct Meta<'a> {
    #[serde(default, deserialize_with = "crate::lenient::count")]
    total_subscriptions: Option<u64>,
    #[serde(default, deserialize_with = "crate::lenient::count")]
    result_count: Option<u64>,
    #[serde(default, borrow)]
    next_token: Option<Text<'a>>,
    #[serde(default, borrow)]
    previous_token: Option<Text<'a>>,
}

borrowed_struct! {
    /// The answer to creating or updating a subscription: the subscription and, when X says,
    /// how many the app has.
    ///
    /// X documents three shapes and all read: `{"data":{"subscription":{...}}}` (the OpenAPI
    /// spec; updates add `data.total_subscriptions`), `{"data":{"subscription_id",...}}` and
    /// `{"data":[{...}],"meta":{"total_subscriptions":1}}` (the quickstart). Serializes in the
    /// spec's shape.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ActivitySubscriptionAnswer<'a> {
        /// The subscription.
        pub subscription: ActivitySubscription<'a>,
        /// The app's active subscriptions after the call.
        pub total_subscriptions: Option<u64>,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ActivitySubscriptionAnswer<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(
            untagged,
            expecting = "a subscription, {\"subscription\":{...}} or [{...}]"
        )]
        enum Data<'a> {
            Wrapped {
                #[serde(borrow)]
                subscription: ActivitySubscription<'a>,
                #[serde(default, deserialize_with = "crate::lenient::count")]
                total_subscriptions: Option<u64>,
            },
            Bare(#[serde(borrow)] ActivitySubscription<'a>),
            List(#[serde(borrow)] Vec<ActivitySubscription<'a>>),
        }
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(borrow)]
            data: Data<'a>,
            #[serde(default, borrow)]
            meta: Option<Meta<'a>>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let meta_total = raw.meta.and_then(|m| m.total_subscriptions);
        let (subscription, total) = match raw.data {
            Data::Wrapped {
                subscription,
                total_subscriptions,
            } => (subscription, total_subscriptions),
            Data::Bare(s) => (s, None),
            Data::List(list) => match list.into_iter().next() {
                Some(s) => (s, None),
                None => return Err(serde::de::Error::invalid_length(0, &"one subscription")),
            },
        };
        Ok(ActivitySubscriptionAnswer {
            subscription,
            total_subscriptions: total.or(meta_total),
        })
    }
}

impl Serialize for ActivitySubscriptionAnswer<'_> {
    /// `{"data":{"subscription":{...},"total_subscriptions"?}}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Data<'s, 'a> {
            subscription: &'s ActivitySubscription<'a>,
            #[serde(skip_serializing_if = "Option::is_none")]
            total_subscriptions: Option<u64>,
        }
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(
            "data",
            &Data {
                subscription: &self.subscription,
                total_subscriptions: self.total_subscriptions,
            },
        )?;
        map.end()
    }
}

borrowed_struct! {
    /// One page of `GET /2/activity/subscriptions`: `{"data":[...],"meta":{...}}` (no `data`
    /// when there are none).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct ActivitySubscriptionPage<'a> {
        /// The subscriptions on this page.
        pub subscriptions: Vec<ActivitySubscription<'a>>,
        /// The app's active subscriptions.
        pub total_subscriptions: Option<u64>,
        /// How many are on this page, when X says.
        pub result_count: Option<u64>,
        /// The `pagination_token` of the next page; `None` on the last page.
        pub next_token: Option<Text<'a>>,
        /// The `pagination_token` of the previous page.
        pub previous_token: Option<Text<'a>>,
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for ActivitySubscriptionPage<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw<'a> {
            #[serde(default, borrow)]
            data: Option<Vec<ActivitySubscription<'a>>>,
            #[serde(default, borrow)]
            meta: Option<Meta<'a>>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let meta = raw.meta.unwrap_or_default();
        Ok(ActivitySubscriptionPage {
            subscriptions: raw.data.unwrap_or_default(),
            total_subscriptions: meta.total_subscriptions,
            result_count: meta.result_count,
            next_token: meta.next_token,
            previous_token: meta.previous_token,
        })
    }
}

impl Serialize for ActivitySubscriptionPage<'_> {
    /// `{"data":[...],"meta":{"total_subscriptions","result_count","next_token"}}`, with the
    /// parts that are set (`data` is left out when empty, as X does).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct MetaOut<'s> {
            #[serde(skip_serializing_if = "Option::is_none")]
            total_subscriptions: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            result_count: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            next_token: Option<&'s str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            previous_token: Option<&'s str>,
        }
        let mut map = serializer.serialize_map(None)?;
        if !self.subscriptions.is_empty() {
            map.serialize_entry("data", &self.subscriptions)?;
        }
        map.serialize_entry(
            "meta",
            &MetaOut {
                total_subscriptions: self.total_subscriptions,
                result_count: self.result_count,
                next_token: self.next_token.as_deref(),
                previous_token: self.previous_token.as_deref(),
            },
        )?;
        map.end()
    }
}

/// The answer to `DELETE /2/activity/subscriptions/:id`: `{"data":{"deleted":true}}`, with
/// `meta.total_subscriptions` in X's quickstart.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ActivitySubscriptionDeleted {
    /// Whether it was deleted.
    pub deleted: bool,
    /// The app's active subscriptions after the call.
    pub total_subscriptions: Option<u64>,
}

crate::owned::owned_types!(ActivitySubscriptionDeleted);

impl<'de> Deserialize<'de> for ActivitySubscriptionDeleted {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Data {
            #[serde(deserialize_with = "crate::lenient::bool")]
            deleted: Option<bool>,
        }
        #[derive(Deserialize)]
        struct Raw<'a> {
            data: Data,
            #[serde(default, borrow)]
            meta: Option<Meta<'a>>,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(ActivitySubscriptionDeleted {
            deleted: raw.data.deleted.unwrap_or(false),
            total_subscriptions: raw.meta.and_then(|m| m.total_subscriptions),
        })
    }
}

impl Serialize for ActivitySubscriptionDeleted {
    /// `{"data":{"deleted":..},"meta":{"total_subscriptions":..}}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("data", &serde_json::json!({ "deleted": self.deleted }))?;
        if let Some(total) = self.total_subscriptions {
            map.serialize_entry("meta", &serde_json::json!({ "total_subscriptions": total }))?;
        }
        map.end()
    }
}

borrowed_struct! {
    /// One id's result in a bulk delete (`data[]`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct DeletedSubscription<'a> {
        /// The subscription.
        #[serde(borrow)]
        pub subscription_id: SubscriptionId<'a>,
        /// Whether it was deleted.
        #[serde(default, deserialize_with = "crate::lenient::bool")]
        pub deleted: Option<bool>,
    }
}

borrowed_struct! {
    /// One id's failure in a bulk delete (`errors[]`).
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct SubscriptionFailure<'a> {
        /// The subscription.
        #[serde(default, borrow)]
        pub subscription_id: Option<SubscriptionId<'a>>,
        /// A machine-readable reason (e.g. `not_found`).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub reason: Option<Text<'a>>,
        /// What went wrong.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub message: Option<Text<'a>>,
    }
}

borrowed_struct! {
    /// The answer to `DELETE /2/activity/subscriptions?ids=...`: per id, deleted or why not;
    /// X goes on deleting the other ids when one fails.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct ActivitySubscriptionsDeleted<'a> {
        /// The ids X deleted (or found already gone).
        #[serde(default, borrow, rename = "data", skip_serializing_if = "Vec::is_empty")]
        pub deleted: Vec<DeletedSubscription<'a>>,
        /// The ids that failed.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub errors: Vec<SubscriptionFailure<'a>>,
        /// `{"total_subscriptions": n}`: what remains.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub meta: Option<TotalSubscriptions>,
    }
}

/// `{"total_subscriptions": n}`.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct TotalSubscriptions {
    /// The app's active subscriptions.
    #[serde(default, deserialize_with = "crate::lenient::count")]
    pub total_subscriptions: Option<u64>,
}

impl TotalSubscriptions {
    /// `{"total_subscriptions": total}`.
    pub fn new(total: u64) -> Self {
        TotalSubscriptions {
            total_subscriptions: Some(total),
        }
    }
}

crate::owned::owned_types!(TotalSubscriptions);

impl ActivitySubscriptionsDeleted<'_> {
    /// The remaining subscriptions, when X said.
    pub fn total_subscriptions(&self) -> Option<u64> {
        self.meta.and_then(|m| m.total_subscriptions)
    }

    /// Whether every id was deleted.
    pub fn all_deleted(&self) -> bool {
        self.errors.is_empty() && self.deleted.iter().all(|d| d.deleted != Some(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    #[test]
    fn every_documented_create_answer_reads() {
        let sub = r#"{"subscription_id":"1976325569252868096","event_type":"profile.update.bio",
            "filter":{"user_id":"123456789"},"created_at":"2025-10-09T16:35:08.000Z",
            "updated_at":"2025-10-09T16:35:08.000Z","tag":"my bio updates",
            "webhook_id":"1976325569252868099"}"#;
        let shapes = [
            format!(r#"{{"data":{{"subscription":{sub}}}}}"#),
            format!(r#"{{"data":{sub}}}"#),
            format!(r#"{{"data":[{sub}],"meta":{{"total_subscriptions":1}}}}"#),
            format!(r#"{{"data":{{"subscription":{sub},"total_subscriptions":1}}}}"#),
        ];
        for shape in &shapes {
            let a: ActivitySubscriptionAnswer<'_> =
                serde_json::from_str(shape).unwrap_or_else(|e| panic!("{shape}: {e}"));
            assert_eq!(a.subscription.subscription_id, "1976325569252868096");
            assert_eq!(
                a.subscription.filter.user_id,
                Some(UserId::new(123_456_789))
            );
            assert_eq!(a.subscription.tag.as_deref(), Some("my bio updates"));
            assert_eq!(
                a.subscription.created_at.unwrap().to_rfc3339(),
                "2025-10-09T16:35:08.000Z"
            );
        }
        let a: ActivitySubscriptionAnswer<'_> = serde_json::from_str(&shapes[2]).unwrap();
        assert_eq!(a.total_subscriptions, Some(1));
        // Written in the OpenAPI shape, with RFC 3339 times; reads back equal.
        let json = serde_json::to_string(&a).unwrap();
        assert!(
            json.starts_with(r#"{"data":{"subscription":{"subscription_id":"#),
            "{json}"
        );
        assert!(
            json.contains(r#""created_at":"2025-10-09T16:35:08.000Z""#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<ActivitySubscriptionAnswer<'_>>(&json).unwrap(),
            a
        );
        assert!(serde_json::from_str::<ActivitySubscriptionAnswer<'_>>(r#"{"data":[]}"#).is_err());
    }

    #[test]
    fn pages_deletes_and_bulk_deletes() {
        let page: ActivitySubscriptionPage<'_> = serde_json::from_str(
            r#"{"data":[{"subscription_id":"1","event_type":"news.new","filter":{"keyword":"ai"}}],
                "meta":{"total_subscriptions":3,"result_count":1,"next_token":"0000000000000001"}}"#,
        )
        .unwrap();
        assert_eq!(page.subscriptions.len(), 1);
        assert_eq!(page.next_token.as_deref(), Some("0000000000000001"));
        let empty: ActivitySubscriptionPage<'_> =
            serde_json::from_str(r#"{"meta":{"total_subscriptions":0}}"#).unwrap();
        assert!(empty.subscriptions.is_empty() && empty.next_token.is_none());
        let json = serde_json::to_string(&page).unwrap();
        assert_eq!(
            serde_json::from_str::<ActivitySubscriptionPage<'_>>(&json).unwrap(),
            page
        );

        let d: ActivitySubscriptionDeleted =
            serde_json::from_str(r#"{"data":{"deleted":true},"meta":{"total_subscriptions":0}}"#)
                .unwrap();
        assert!(d.deleted);
        assert_eq!(d.total_subscriptions, Some(0));
        let d: ActivitySubscriptionDeleted =
            serde_json::from_str(r#"{"data":{"deleted":false}}"#).unwrap();
        assert!(!d.deleted);

        let bulk: ActivitySubscriptionsDeleted<'_> = serde_json::from_str(
            r#"{"data":[{"subscription_id":"1","deleted":true}],
                "errors":[{"subscription_id":"2","reason":"not_found","message":"no such subscription"}],
                "meta":{"total_subscriptions":4}}"#,
        )
        .unwrap();
        assert_eq!(bulk.deleted[0].subscription_id, "1");
        assert_eq!(bulk.errors[0].reason.as_deref(), Some("not_found"));
        assert_eq!(bulk.total_subscriptions(), Some(4));
        assert!(!bulk.all_deleted());
    }

    #[test]
    fn request_bodies_refuse_unknown_members() {
        let ok: NewActivitySubscription<'_> = serde_json::from_str(
            r#"{"event_type":"like.create","filter":{"user_id":"1","direction":"outbound"},"tag":"t"}"#,
        )
        .unwrap();
        assert_eq!(ok.filter.user_id, Some(UserId::new(1)));
        assert!(
            serde_json::from_str::<NewActivitySubscription<'_>>(
                r#"{"event_type":"like.create","filter":{},"extra":1}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<ActivitySubscriptionUpdate<'_>>(r#"{"event_type":"x"}"#)
                .is_err()
        );
        let json = serde_json::to_string(&ActivitySubscriptionUpdate {
            tag: Some("new".into()),
            webhook_id: None,
        })
        .unwrap();
        assert_eq!(json, r#"{"tag":"new"}"#);
    }
}
