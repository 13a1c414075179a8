//! Webhooks: `POST/GET account_activity/webhooks.json` (v1.1) and `/2/webhooks` (v2).

use core::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, WebhookId};

borrowed_struct! {
    /// A registered webhook.
    ///
    /// Deserializes from the v1.1 object (`{"id","url","valid","created_timestamp"}`), the v2
    /// object (`{"id","url","valid","created_at"}`) and the v2 answer that wraps it in `data`.
    /// X documents `created_timestamp` as a date string (`"2016-06-02 23:54:02 +0000"` style); any
    /// timestamp form is accepted. Serializes as the flat object with whichever of the two time
    /// fields is set.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Serialize)]
    pub struct Webhook<'a> {
        /// The webhook id.
        pub id: WebhookId<'a>,
        /// The callback URL.
        pub url: Text<'a>,
        /// Whether the last CRC check passed (an invalid webhook gets no deliveries).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub valid: Option<bool>,
        /// When it was registered (v1.1 `created_timestamp`).
        #[serde(skip_serializing_if = "Option::is_none")]
        pub created_timestamp: Option<Timestamp>,
        /// When it was registered (v2 `created_at`; serialized as RFC 3339).
        #[serde(
            skip_serializing_if = "Option::is_none",
            with = "crate::time::rfc3339::option"
        )]
        pub created_at: Option<Timestamp>,
    }
}

impl<'a> Webhook<'a> {
    /// A webhook with id and URL, valid, and no creation time.
    pub fn new(id: impl Into<WebhookId<'a>>, url: impl Into<Text<'a>>) -> Self {
        Webhook {
            id: id.into(),
            url: url.into(),
            valid: Some(true),
            created_timestamp: None,
            created_at: None,
        }
    }

    /// When it was registered, from either field.
    pub fn created(&self) -> Option<Timestamp> {
        self.created_at.or(self.created_timestamp)
    }
}

#[derive(Deserialize)]
struct RawWebhook<'a> {
    #[serde(default, borrow)]
    data: Option<Box<RawWebhook<'a>>>,
    #[serde(default, borrow)]
    id: Option<WebhookId<'a>>,
    #[serde(default, borrow)]
    url: Option<Text<'a>>,
    #[serde(default, deserialize_with = "crate::lenient::bool")]
    valid: Option<bool>,
    #[serde(default)]
    created_timestamp: Option<Timestamp>,
    #[serde(default)]
    created_at: Option<Timestamp>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Webhook<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut raw = RawWebhook::deserialize(deserializer)?;
        if let Some(inner) = raw.data.take() {
            raw = *inner;
        }
        Ok(Webhook {
            id: raw.id.ok_or_else(|| de::Error::missing_field("id"))?,
            url: raw.url.ok_or_else(|| de::Error::missing_field("url"))?,
            valid: raw.valid,
            created_timestamp: raw.created_timestamp,
            created_at: raw.created_at,
        })
    }
}

borrowed_struct! {
    /// The list of an app's webhooks.
    ///
    /// Deserializes from the v1.1 answer (a bare array of webhooks), the v2 answer
    /// (`{"data":[...],"meta":{"result_count":n}}`, `data` possibly absent when there are none)
    /// and the older `{"environments":[{"environment_name","webhooks":[...]}]}` form. Serializes
    /// in the v2 form.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default)]
    pub struct WebhookList<'a> {
        /// The webhooks.
        pub webhooks: Vec<Webhook<'a>>,
        /// `meta.result_count`, when X sent it.
        pub result_count: Option<u64>,
    }
}

impl<'a> WebhookList<'a> {
    /// A list of these webhooks, with `result_count` set to their number.
    pub fn new(webhooks: Vec<Webhook<'a>>) -> Self {
        let result_count = Some(webhooks.len() as u64);
        WebhookList {
            webhooks,
            result_count,
        }
    }
}

#[derive(Deserialize)]
struct RawWebhookList<'a> {
    #[serde(default, borrow)]
    data: Option<Vec<Webhook<'a>>>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default, borrow)]
    environments: Option<Vec<Environment<'a>>>,
}

#[derive(Deserialize, Serialize)]
struct Meta {
    #[serde(default, deserialize_with = "crate::lenient::count")]
    result_count: Option<u64>,
}

#[derive(Deserialize)]
struct Environment<'a> {
    #[serde(default, borrow)]
    webhooks: Vec<Webhook<'a>>,
}

struct WebhookListVisitor;

impl<'de> Visitor<'de> for WebhookListVisitor {
    type Value = WebhookList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of webhooks or an object with `data`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let webhooks = Vec::<Webhook<'de>>::deserialize(SeqAccessDeserializer::new(seq))?;
        Ok(WebhookList {
            webhooks,
            result_count: None,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let raw = RawWebhookList::deserialize(MapAccessDeserializer::new(map))?;
        let mut webhooks = raw.data.unwrap_or_default();
        for env in raw.environments.into_iter().flatten() {
            webhooks.extend(env.webhooks);
        }
        Ok(WebhookList {
            webhooks,
            result_count: raw.meta.and_then(|m| m.result_count),
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for WebhookList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(WebhookListVisitor)
    }
}

impl Serialize for WebhookList<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Out<'s, 'a> {
            data: &'s [Webhook<'a>],
            meta: Meta,
        }
        Out {
            data: &self.webhooks,
            meta: Meta {
                result_count: Some(self.result_count.unwrap_or(self.webhooks.len() as u64)),
            },
        }
        .serialize(serializer)
    }
}
