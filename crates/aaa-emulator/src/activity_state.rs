//! The X Activity API's part of the emulator's world: each app's activity subscriptions and
//! the OAuth 2.0 user access tokens its users have granted it.

use std::collections::HashMap;

use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use aaa_model::rest::ActivitySubscription;
use aaa_model::{Timestamp, UserId};

use crate::error::Error;
use crate::rng::{random_id, random_text};

/// One X Activity API subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ActivitySub {
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) event_type: ActivityType,
    pub(crate) user_id: Option<String>,
    pub(crate) keyword: Option<String>,
    pub(crate) direction: Option<Direction<'static>>,
    pub(crate) tag: Option<String>,
    pub(crate) webhook_id: Option<String>,
    /// Milliseconds since the epoch on the emulator's timeline.
    pub(crate) created_ms: i64,
    pub(crate) updated_ms: i64,
}

impl ActivitySub {
    /// The subscription as X's answers write it.
    pub(crate) fn to_model(&self) -> ActivitySubscription<'static> {
        let mut s = ActivitySubscription::default();
        s.subscription_id = self.id.clone().into();
        s.event_type = self.event_type.as_str().into();
        s.filter = self.filter();
        s.tag = self.tag.clone().map(Into::into);
        s.webhook_id = self.webhook_id.clone().map(Into::into);
        s.created_at = Some(Timestamp::from_millis(self.created_ms));
        s.updated_at = Some(Timestamp::from_millis(self.updated_ms));
        s
    }

    /// The filter, as deliveries and answers carry it.
    pub(crate) fn filter(&self) -> ActivityFilter<'static> {
        let mut f = ActivityFilter::default();
        f.user_id = self
            .user_id
            .as_deref()
            .and_then(|u| u.parse::<u64>().ok())
            .map(UserId::new);
        f.keyword = self.keyword.clone().map(Into::into);
        f.direction.clone_from(&self.direction);
        f
    }

    /// Whether an event of `event_type` about `user_id` (or matching `keyword`) going
    /// `direction` is one this subscription delivers.
    pub(crate) fn matches(
        &self,
        event_type: ActivityType,
        user_id: Option<&str>,
        keyword: Option<&str>,
        direction: Option<&Direction<'_>>,
    ) -> bool {
        if self.event_type != event_type {
            return false;
        }
        if self.user_id.is_some() && self.user_id.as_deref() != user_id {
            return false;
        }
        if let Some(k) = &self.keyword {
            let Some(text) = keyword else { return false };
            if !text.to_lowercase().contains(&k.to_lowercase()) {
                return false;
            }
        }
        match (&self.direction, direction) {
            (Some(want), Some(got)) => want == got,
            _ => true,
        }
    }
}

/// The apps' subscriptions and users' OAuth 2.0 tokens.
#[derive(Debug, Default)]
pub(crate) struct ActivityState {
    pub(crate) subscriptions: Vec<ActivitySub>,
    /// OAuth 2.0 user access token -> (app id, user id).
    pub(crate) oauth2_tokens: HashMap<String, (String, String)>,
}

impl ActivityState {
    /// A state in which each of the users `user_ids` has granted each of the apps `app_ids` an
    /// OAuth 2.0 user access token.
    ///
    /// # Errors
    ///
    /// When the system random generator fails.
    pub(crate) fn new(app_ids: &[&str], user_ids: &[&str]) -> Result<Self, Error> {
        let mut oauth2_tokens = HashMap::new();
        for app_id in app_ids {
            for user_id in user_ids {
                let token = format!("{user_id}-oauth2-{}", random_text(40)?);
                oauth2_tokens.insert(token, ((*app_id).to_owned(), (*user_id).to_owned()));
            }
        }
        Ok(ActivityState {
            subscriptions: Vec::new(),
            oauth2_tokens,
        })
    }

    /// The OAuth 2.0 user access token `user_id` granted `app_id`.
    pub(crate) fn oauth2_token(&self, app_id: &str, user_id: &str) -> Option<&str> {
        self.oauth2_tokens
            .iter()
            .find(|(_, (a, u))| a == app_id && u == user_id)
            .map(|(t, _)| t.as_str())
    }

    /// `app_id`'s subscriptions, oldest first.
    pub(crate) fn of_app<'s>(&'s self, app_id: &'s str) -> impl Iterator<Item = &'s ActivitySub> {
        self.subscriptions
            .iter()
            .filter(move |s| s.app_id == app_id)
    }

    /// A new subscription id: a random snowflake-sized number.
    pub(crate) fn new_id() -> Result<String, Error> {
        Ok(random_id()?.to_string())
    }
}
