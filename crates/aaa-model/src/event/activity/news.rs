//! `news.new`: a Grok-curated news item matching a keyword subscription.

use serde::{Deserialize, Serialize};

use crate::owned::borrowed_struct;
use crate::{Text, Timestamp, TweetId};

borrowed_struct! {
    /// The payload of `news.new`.
    ///
    /// X's OpenAPI spec lists `category`, `headline`, `hook` and `summary`; its event page and
    /// sample add `id`, `name` (the headline there), `contexts`, `cluster_posts_results`,
    /// `updated_at` and `disclaimer`. All are read; [`News::title`] gives `headline` or `name`.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct News<'a> {
        /// The news item's id.
        #[serde(default, borrow, deserialize_with = "crate::lenient::text_or_number", skip_serializing_if = "Option::is_none")]
        pub id: Option<Text<'a>>,
        /// The headline (OpenAPI spec).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub headline: Option<Text<'a>>,
        /// The headline or topic name (event page and deliveries).
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub name: Option<Text<'a>>,
        /// The category, e.g. `News`.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub category: Option<Text<'a>>,
        /// A short teaser.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub hook: Option<Text<'a>>,
        /// The longer summary.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub summary: Option<Text<'a>>,
        /// A disclaimer to show with it.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub disclaimer: Option<Text<'a>>,
        /// When it was last updated.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub updated_at: Option<Timestamp>,
        /// Topics and entities it is about.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub contexts: Option<NewsContexts<'a>>,
        /// Posts the story was built from.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub cluster_posts_results: Vec<ClusterPost>,
    }
}

impl News<'_> {
    /// The headline: `headline`, else `name`.
    pub fn title(&self) -> Option<&str> {
        self.headline.as_deref().or(self.name.as_deref())
    }
}

borrowed_struct! {
    /// What a news item is about.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct NewsContexts<'a> {
        /// Named entities by category.
        #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
        pub entities: Option<NewsEntities<'a>>,
        /// Topics, e.g. `Technology`.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub topics: Vec<Text<'a>>,
    }
}

borrowed_struct! {
    /// The named entities of a news item.
    #[non_exhaustive]
    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    pub struct NewsEntities<'a> {
        /// Events.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub events: Vec<Text<'a>>,
        /// Organizations.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub organizations: Vec<Text<'a>>,
        /// People.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub people: Vec<Text<'a>>,
        /// Places.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub places: Vec<Text<'a>>,
        /// Products.
        #[serde(default, borrow, skip_serializing_if = "Vec::is_empty")]
        pub products: Vec<Text<'a>>,
    }
}

/// A post a news item was built from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ClusterPost {
    /// The post.
    pub post_id: TweetId,
}

crate::owned::owned_types!(ClusterPost);
