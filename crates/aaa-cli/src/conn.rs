//! The connection to X's management API that `aaa webhooks`, `aaa subscriptions`,
//! `aaa replay` and `aaa activity` share: the flags, their `AAA_*` variables, the config file's
//! profile, and the client made from them. Secrets are held in `aaa-crypto`'s redacting types, so no `Debug`
//! output carries one.

use aaa_client::{ApiVersion, Client};
use aaa_crypto::{BearerToken, ConsumerSecret, TokenSecret};

use crate::config::ConfigArgs;
use crate::failure::Failure;

/// Connection and credential flags of the Account Activity management commands, which call
/// either API version: [`Credentials`] and `--api`.
#[derive(Debug, clap::Args)]
pub(crate) struct Conn {
    #[command(flatten)]
    credentials: Credentials,
    /// Which management API to call [default: v2].
    #[arg(long, global = true, env = "AAA_API", value_name = "VERSION", value_parser = ["v1.1", "v2"])]
    api: Option<String>,
}

/// Connection and credential flags shared by the management commands; the X Activity API
/// commands take these alone (their endpoints exist in v2 only, so they offer no `--api`).
/// Each value comes from its flag, else its `AAA_*` variable, else the config file's profile,
/// else the default.
#[derive(Debug, clap::Args)]
pub(crate) struct Credentials {
    #[command(flatten)]
    config: ConfigArgs,
    /// Base URL of X's API (http:// only for a loopback host, such as `aaa emulate`)
    /// [default: https://api.x.com].
    #[arg(long, global = true, env = "AAA_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// The app's consumer key.
    #[arg(long, global = true, env = "AAA_CONSUMER_KEY", hide_env_values = true)]
    consumer_key: Option<String>,
    /// The app's consumer secret.
    #[arg(
        long,
        global = true,
        env = "AAA_CONSUMER_SECRET",
        hide_env_values = true
    )]
    consumer_secret: Option<ConsumerSecret>,
    /// The app owner's (or, for user calls, the user's) access token.
    #[arg(long, global = true, env = "AAA_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// The access token's secret.
    #[arg(
        long,
        global = true,
        env = "AAA_ACCESS_TOKEN_SECRET",
        hide_env_values = true
    )]
    access_token_secret: Option<TokenSecret>,
    /// An app-only bearer token (otherwise one is fetched with the consumer key and secret).
    #[arg(long, global = true, env = "AAA_BEARER_TOKEN", hide_env_values = true)]
    bearer_token: Option<BearerToken>,
}

/// The connection settings after flags, variables and the profile are merged.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) base_url: String,
    pub(crate) version: ApiVersion,
    consumer_key: Option<String>,
    consumer_secret: Option<ConsumerSecret>,
    access_token: Option<String>,
    access_token_secret: Option<TokenSecret>,
    bearer_token: Option<BearerToken>,
}

impl Conn {
    /// Merges flags and variables (already merged by clap) over the profile and the defaults.
    ///
    /// # Errors
    ///
    /// When the config file cannot be read or has no such profile.
    pub(crate) fn settings(&self) -> Result<Settings, Failure> {
        self.credentials.merge(self.api.clone(), true)
    }
}

impl Credentials {
    /// The settings for a v2-only command: flags and variables over the profile and the
    /// defaults; the profile's `api` (a setting of the Account Activity commands) is not read.
    ///
    /// # Errors
    ///
    /// When the config file cannot be read or has no such profile.
    pub(crate) fn settings(&self) -> Result<Settings, Failure> {
        self.merge(None, false)
    }

    fn merge(&self, api: Option<String>, profile_api: bool) -> Result<Settings, Failure> {
        let p = self.config.load()?;
        let api = api
            .or(if profile_api { p.api } else { None })
            .unwrap_or_else(|| "v2".to_owned());
        Ok(Settings {
            base_url: self
                .base_url
                .clone()
                .or(p.base_url)
                .unwrap_or_else(|| aaa_client::DEFAULT_BASE_URL.to_owned()),
            version: if api == "v1.1" {
                ApiVersion::V1_1
            } else {
                ApiVersion::V2
            },
            consumer_key: self.consumer_key.clone().or(p.consumer_key),
            consumer_secret: self.consumer_secret.clone().or(p.consumer_secret),
            access_token: self.access_token.clone().or(p.access_token),
            access_token_secret: self.access_token_secret.clone().or(p.access_token_secret),
            bearer_token: self.bearer_token.clone().or(p.bearer_token),
        })
    }
}

impl Settings {
    /// A client for these settings; `check_urls` is the local webhook URL check.
    ///
    /// # Errors
    ///
    /// A usage failure when half of a credential pair is given, or when the base URL is not
    /// one the client can use.
    pub(crate) fn client(&self, check_urls: bool) -> Result<Client, Failure> {
        let mut b = Client::builder()
            .base_url(self.base_url.clone())
            .version(self.version)
            .check_webhook_urls(check_urls);
        match (&self.consumer_key, &self.consumer_secret) {
            (Some(k), Some(s)) => b = b.consumer(k.clone(), s.clone()),
            (None, None) => {}
            _ => {
                return Err(Failure::usage(
                    "--consumer-key and --consumer-secret go together",
                ));
            }
        }
        match (&self.access_token, &self.access_token_secret) {
            (Some(t), Some(s)) => b = b.app_owner_token(t.clone(), s.clone()),
            (None, None) => {}
            _ => {
                return Err(Failure::usage(
                    "--access-token and --access-token-secret go together",
                ));
            }
        }
        if let Some(t) = &self.bearer_token {
            b = b.bearer_token(t.clone());
        }
        Ok(b.build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrap {
        #[command(flatten)]
        conn: Conn,
    }

    #[test]
    fn debug_hides_secrets() {
        let w = Wrap::try_parse_from([
            "t",
            "--consumer-key",
            "visible-key",
            "--consumer-secret",
            "SECRET-1",
            "--access-token",
            "visible-token",
            "--access-token-secret",
            "SECRET-3",
            "--bearer-token",
            "SECRET-4",
        ])
        .unwrap();
        let text = format!("{w:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(
            text.contains("visible-key") && text.contains("<redacted>"),
            "{text}"
        );
        let settings = w.conn.settings().unwrap();
        let text = format!("{settings:?}");
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}
