//! The emulator's world: apps, users, webhooks, subscriptions, bearer tokens, seen nonces and
//! rate-limit windows, all in memory.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use bytes::Bytes;
use serde::Deserialize;

use crate::activity_state::ActivityState;
use crate::error::Error;
use crate::rng::{random_id, random_text};

/// Default number of webhooks an app may register: the 3 of X's enterprise tier.
pub const DEFAULT_WEBHOOK_LIMIT: usize = 3;
/// Default number of subscriptions an app may hold: the 500 of X's enterprise tier (its
/// `provisioned_count`).
pub const DEFAULT_SUBSCRIPTION_LIMIT: usize = 500;

/// A registered app: its id, consumer credentials, owner and limits.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The app id (a decimal string, as X writes it).
    pub app_id: String,
    /// The consumer (API) key.
    pub consumer_key: String,
    /// The consumer (API) secret.
    pub consumer_secret: String,
    /// The user id of the app's owner; it must be one of the users.
    pub owner: String,
    /// How many webhooks the app may register.
    #[serde(default = "default_webhook_limit")]
    pub webhook_limit: usize,
    /// How many users the app may subscribe, over all its webhooks.
    #[serde(default = "default_subscription_limit")]
    pub subscription_limit: usize,
    /// Whether the app has Account Activity access; when false, subscription calls answer
    /// error 348 and listing webhooks error 99, as X does for an app that is not allowed to.
    #[serde(default = "yes")]
    pub subscriptions_permitted: bool,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("app_id", &self.app_id)
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &"<redacted>")
            .field("owner", &self.owner)
            .field("webhook_limit", &self.webhook_limit)
            .field("subscription_limit", &self.subscription_limit)
            .finish_non_exhaustive()
    }
}

/// A user with an access token. A user's token is accepted together with any app's consumer key.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The user id (a decimal string).
    pub user_id: String,
    /// The screen name.
    pub screen_name: String,
    /// The OAuth 1.0a access token.
    pub access_token: String,
    /// The OAuth 1.0a access token secret.
    pub access_token_secret: String,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("user_id", &self.user_id)
            .field("screen_name", &self.screen_name)
            .field("access_token", &self.access_token)
            .field("access_token_secret", &"<redacted>")
            .finish()
    }
}

/// A registered webhook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// The webhook id (a decimal string).
    pub id: String,
    /// The app that registered it.
    pub app_id: String,
    /// The URL.
    pub url: String,
    /// Whether its last CRC check passed.
    pub valid: bool,
    /// When it was registered, seconds since the epoch.
    pub created: u64,
    /// The subscribed user ids.
    pub subscriptions: BTreeSet<String>,
}

/// An attempted delivery, kept for replay.
#[derive(Clone, Debug)]
pub(crate) struct Logged {
    pub(crate) webhook_id: String,
    /// When it was first attempted, seconds since the epoch on the emulator's timeline.
    pub(crate) at: u64,
    pub(crate) body: Bytes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    #[serde(default)]
    apps: Vec<App>,
    #[serde(default)]
    users: Vec<User>,
}

/// Everything the emulator knows. Kept behind a `Mutex` by the service.
#[derive(Debug, Default)]
pub struct State {
    base_url: Option<String>,
    pub(crate) apps: Vec<App>,
    pub(crate) users: Vec<User>,
    pub(crate) webhooks: Vec<Webhook>,
    /// Bearer token -> app id.
    pub(crate) bearer_tokens: HashMap<String, String>,
    /// (consumer key, nonce) -> the timestamp it came with.
    pub(crate) nonces: HashMap<(String, String), u64>,
    /// (app id, endpoint) -> (window end, calls made).
    pub(crate) rate_windows: HashMap<(String, &'static str), (u64, u32)>,
    /// Every attempted delivery of the last five days, oldest first, for replay.
    pub(crate) log: Vec<Logged>,
    /// Webhook id -> the id of its replay job under way.
    pub(crate) replay_jobs: HashMap<String, String>,
    /// X Activity API subscriptions and OAuth 2.0 user tokens.
    pub(crate) activity: ActivityState,
}

fn default_webhook_limit() -> usize {
    DEFAULT_WEBHOOK_LIMIT
}

fn default_subscription_limit() -> usize {
    DEFAULT_SUBSCRIPTION_LIMIT
}

fn yes() -> bool {
    true
}

impl State {
    /// A state with these apps and users.
    ///
    /// # Errors
    ///
    /// When an app's owner is not one of the users, or an id, key or token appears twice.
    pub fn new(apps: Vec<App>, users: Vec<User>) -> Result<Self, Error> {
        let mut seen = BTreeSet::new();
        for user in &users {
            if !seen.insert(format!("u:{}", user.user_id))
                || !seen.insert(format!("t:{}", user.access_token))
            {
                return Err(Error::config(format!(
                    "user {} repeats a user id or access token",
                    user.user_id
                )));
            }
        }
        for app in &apps {
            if !seen.insert(format!("a:{}", app.app_id))
                || !seen.insert(format!("k:{}", app.consumer_key))
            {
                return Err(Error::config(format!(
                    "app {} repeats an app id or consumer key",
                    app.app_id
                )));
            }
            if !users.iter().any(|u| u.user_id == app.owner) {
                return Err(Error::config(format!(
                    "app {}: owner {} is not among the users",
                    app.app_id, app.owner
                )));
            }
        }
        let app_ids: Vec<&str> = apps.iter().map(|a| a.app_id.as_str()).collect();
        let user_ids: Vec<&str> = users.iter().map(|u| u.user_id.as_str()).collect();
        let activity = ActivityState::new(&app_ids, &user_ids)?;
        Ok(Self {
            apps,
            users,
            activity,
            ..Self::default()
        })
    }

    /// Reads apps and users from TOML: `[[apps]]` tables with `app_id`, `consumer_key`,
    /// `consumer_secret`, `owner` (a user id) and optional `webhook_limit`,
    /// `subscription_limit`, `subscriptions_permitted`; `[[users]]` tables with `user_id`,
    /// `screen_name`, `access_token`, `access_token_secret`.
    ///
    /// # Errors
    ///
    /// When the text is not such TOML or fails the checks of [`State::new`].
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        let seed: Seed =
            toml::from_str(text).map_err(|e| Error::config(format!("seed file: {e}")))?;
        Self::new(seed.apps, seed.users)
    }

    /// Reads a TOML seed file (see [`State::from_toml`]).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or its content is refused.
    pub fn from_toml_file(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
        Self::from_toml(&text)
    }

    /// One app owned by a first user, plus `extra_users` more users, all with random
    /// credentials drawn from the system generator.
    ///
    /// # Errors
    ///
    /// When the system random generator fails.
    pub fn generate(extra_users: usize) -> Result<Self, Error> {
        let mut users = Vec::with_capacity(extra_users + 1);
        for i in 0..=extra_users {
            let user_id = random_id()?.to_string();
            users.push(User {
                access_token: format!("{user_id}-{}", random_text(40)?),
                access_token_secret: random_text(45)?,
                screen_name: format!("emulated_user_{i}"),
                user_id,
            });
        }
        let app = App {
            app_id: random_id()?.to_string(),
            consumer_key: random_text(25)?,
            consumer_secret: random_text(50)?,
            owner: users[0].user_id.clone(),
            webhook_limit: DEFAULT_WEBHOOK_LIMIT,
            subscription_limit: DEFAULT_SUBSCRIPTION_LIMIT,
            subscriptions_permitted: true,
        };
        Self::new(vec![app], users)
    }

    /// Sets every app's webhook and subscription limits (for a generated state; a TOML seed
    /// sets them per app).
    pub fn set_limits(&mut self, webhooks: usize, subscriptions: usize) {
        for app in &mut self.apps {
            app.webhook_limit = webhooks;
            app.subscription_limit = subscriptions;
        }
    }

    /// Records the URL the emulator is reachable at, for [`State::summary_json`].
    pub fn set_base_url(&mut self, base_url: impl Into<String>) {
        self.base_url = Some(base_url.into());
    }

    /// The apps.
    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    /// The users.
    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// The registered webhooks.
    pub fn webhooks(&self) -> &[Webhook] {
        &self.webhooks
    }

    /// One JSON object (one line) with the base URL and every credential, for a test harness to
    /// read: `{"base_url","apps":[{"app_id","consumer_key","consumer_secret","owner":{"user_id",
    /// "access_token","access_token_secret"},"oauth2_user_tokens":{"<user id>":"<token>"}}],
    /// "users":[{"user_id","screen_name","access_token","access_token_secret"}]}` (the OAuth 2.0
    /// user access tokens each user granted the app, for the X Activity API). It holds secrets:
    /// print it only where the caller asked for it.
    pub fn summary_json(&self) -> String {
        let apps: Vec<serde_json::Value> = self
            .apps
            .iter()
            .map(|app| {
                let owner = self.user(&app.owner);
                serde_json::json!({
                    "app_id": app.app_id,
                    "consumer_key": app.consumer_key,
                    "consumer_secret": app.consumer_secret,
                    "owner": {
                        "user_id": app.owner,
                        "access_token": owner.map(|u| u.access_token.as_str()),
                        "access_token_secret": owner.map(|u| u.access_token_secret.as_str()),
                    },
                    "oauth2_user_tokens": self
                        .users
                        .iter()
                        .filter_map(|u| {
                            let t = self.activity.oauth2_token(&app.app_id, &u.user_id)?;
                            Some((u.user_id.clone(), serde_json::Value::from(t)))
                        })
                        .collect::<serde_json::Map<String, serde_json::Value>>(),
                })
            })
            .collect();
        let users: Vec<serde_json::Value> = self
            .users
            .iter()
            .map(|u| {
                serde_json::json!({
                    "user_id": u.user_id,
                    "screen_name": u.screen_name,
                    "access_token": u.access_token,
                    "access_token_secret": u.access_token_secret,
                })
            })
            .collect();
        serde_json::json!({ "base_url": self.base_url, "apps": apps, "users": users }).to_string()
    }

    /// Adds a webhook for `app_id` at `url` directly, without the management API or a CRC
    /// check, and returns its id. For tests and seeding; the API path is the faithful one.
    ///
    /// # Errors
    ///
    /// When the app is unknown or the random generator fails.
    pub fn insert_webhook(&mut self, app_id: &str, url: &str, now: u64) -> Result<String, Error> {
        if self.app(app_id).is_none() {
            return Err(Error::config(format!("no app has the id {app_id}")));
        }
        let id = random_id()?.to_string();
        self.webhooks.push(Webhook {
            id: id.clone(),
            app_id: app_id.to_owned(),
            url: url.to_owned(),
            valid: true,
            created: now,
            subscriptions: BTreeSet::new(),
        });
        Ok(id)
    }

    /// The webhook with this id, to change it directly (validity, subscriptions).
    pub fn webhook_mut(&mut self, id: &str) -> Option<&mut Webhook> {
        self.webhooks.iter_mut().find(|w| w.id == id)
    }

    pub(crate) fn user(&self, user_id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.user_id == user_id)
    }

    pub(crate) fn app(&self, app_id: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.app_id == app_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_state_summary_has_every_credential() {
        let mut state = State::generate(1).unwrap();
        state.set_base_url("http://127.0.0.1:1");
        let v: serde_json::Value = serde_json::from_str(&state.summary_json()).unwrap();
        assert_eq!(v["base_url"], "http://127.0.0.1:1");
        assert_eq!(v["apps"][0]["owner"]["user_id"], v["users"][0]["user_id"]);
        assert_eq!(v["users"].as_array().unwrap().len(), 2);
        assert_eq!(v["apps"][0]["consumer_secret"].as_str().unwrap().len(), 50);
        assert!(!state.summary_json().contains('\n'));
    }

    #[test]
    fn seed_toml_is_checked() {
        let ok = r#"
            [[apps]]
            app_id = "1"
            consumer_key = "ck"
            consumer_secret = "cs"
            owner = "10"
            webhook_limit = 2
            [[users]]
            user_id = "10"
            screen_name = "owner"
            access_token = "10-at"
            access_token_secret = "ats"
        "#;
        let state = State::from_toml(ok).unwrap();
        assert_eq!(state.apps()[0].webhook_limit, 2);
        assert_eq!(
            state.apps()[0].subscription_limit,
            DEFAULT_SUBSCRIPTION_LIMIT
        );
        assert!(!format!("{:?}", state.apps()[0]).contains("\"cs\""));
        assert!(!format!("{:?}", state.users()[0]).contains("ats"));
        let bad = ok.replace("owner = \"10\"", "owner = \"11\"");
        assert!(State::from_toml(&bad).is_err());
    }
}
