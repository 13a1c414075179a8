//! `aaa webhooks` and `aaa subscriptions`: the management API through `aaa-client`.

use std::io::Write;
use std::process::ExitCode;

use aaa_client::{ApiVersion, Client, ErrorKind};
use aaa_model::rest::Webhook;

use crate::Failure;
use crate::config::ConfigArgs;

/// Connection and credential flags shared by the management commands. Each value comes from
/// its flag, else its `AAA_*` variable, else the config file's profile, else the default.
/// `Debug` prints no secret.
#[derive(clap::Args)]
pub(crate) struct Conn {
    #[command(flatten)]
    config: ConfigArgs,
    /// Base URL of X's API (http:// only for a loopback host, such as `aaa emulate`)
    /// [default: https://api.x.com].
    #[arg(long, global = true, env = "AAA_BASE_URL", value_name = "URL")]
    base_url: Option<String>,
    /// Which management API to call [default: v2].
    #[arg(long, global = true, env = "AAA_API", value_name = "VERSION", value_parser = ["v1.1", "v2"])]
    api: Option<String>,
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
    consumer_secret: Option<String>,
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
    access_token_secret: Option<String>,
    /// An app-only bearer token (otherwise one is fetched with the consumer key and secret).
    #[arg(long, global = true, env = "AAA_BEARER_TOKEN", hide_env_values = true)]
    bearer_token: Option<String>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<redacted>" } else { "-" };
        f.debug_struct("Conn")
            .field("config", &self.config)
            .field("base_url", &self.base_url)
            .field("api", &self.api)
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &set(&self.consumer_secret))
            .field("access_token", &set(&self.access_token))
            .field("access_token_secret", &set(&self.access_token_secret))
            .field("bearer_token", &set(&self.bearer_token))
            .finish()
    }
}

/// The connection settings after flags, variables and the profile are merged. `Debug` prints
/// no secret.
pub(crate) struct Settings {
    pub(crate) base_url: String,
    pub(crate) version: ApiVersion,
    consumer_key: Option<String>,
    consumer_secret: Option<String>,
    access_token: Option<String>,
    access_token_secret: Option<String>,
    bearer_token: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("base_url", &self.base_url)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// Merges flags and variables (already merged by clap) over the profile and the defaults.
    pub(crate) fn settings(&self) -> Result<Settings, Failure> {
        let p = self.config.load()?;
        let api = self
            .api
            .clone()
            .or(p.api)
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

/// `aaa webhooks`.
#[derive(Debug, clap::Args)]
pub(crate) struct WebhooksArgs {
    #[command(flatten)]
    conn: Conn,
    /// Skip the local webhook URL check (https, no port), for a local emulator.
    #[arg(long, global = true)]
    allow_local_urls: bool,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: WebhooksCommand,
}

#[derive(Debug, clap::Subcommand)]
enum WebhooksCommand {
    /// Register a webhook URL (X sends it a CRC check first).
    Register {
        /// The webhook URL.
        url: String,
    },
    /// List the app's webhooks.
    List,
    /// Have X send a CRC check to the webhook now; a passing check re-validates it.
    Validate {
        /// The webhook id.
        id: String,
    },
    /// Delete a webhook.
    Delete {
        /// The webhook id.
        id: String,
    },
}

/// A failure of a management command: usage (exit 64) or anything else (exit 1).
pub(crate) enum Fail {
    Usage(String),
    Other(String),
}

impl From<aaa_client::Error> for Fail {
    fn from(e: aaa_client::Error) -> Fail {
        let text = one_line(&e.to_string());
        if *e.kind() == ErrorKind::MissingCredentials {
            Fail::Usage(text)
        } else {
            Fail::Other(text)
        }
    }
}

impl From<Failure> for Fail {
    fn from(e: Failure) -> Fail {
        Fail::Other(e.0)
    }
}

impl From<std::io::Error> for Fail {
    fn from(e: std::io::Error) -> Fail {
        Fail::Other(e.to_string())
    }
}

pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Settings {
    /// A client for these settings; `check_urls` is the local webhook URL check.
    pub(crate) fn client(&self, check_urls: bool) -> Result<Client, Fail> {
        let mut b = Client::builder()
            .base_url(self.base_url.clone())
            .version(self.version)
            .check_webhook_urls(check_urls);
        match (&self.consumer_key, &self.consumer_secret) {
            (Some(k), Some(s)) => b = b.consumer(k.clone(), s.clone()),
            (None, None) => {}
            _ => {
                return Err(Fail::Usage(
                    "--consumer-key and --consumer-secret go together".into(),
                ));
            }
        }
        match (&self.access_token, &self.access_token_secret) {
            (Some(t), Some(s)) => b = b.app_owner_token(t.clone(), s.clone()),
            (None, None) => {}
            _ => {
                return Err(Fail::Usage(
                    "--access-token and --access-token-secret go together".into(),
                ));
            }
        }
        if let Some(t) = &self.bearer_token {
            b = b.bearer_token(t.clone());
        }
        Ok(b.build()?)
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(format!("cannot start the runtime: {e}")))
}

/// Runs `fut` and turns its failure into the exit code: 64 for usage, 1 otherwise.
pub(crate) fn finish(
    fut: impl std::future::Future<Output = Result<(), Fail>>,
) -> Result<ExitCode, Failure> {
    match runtime()?.block_on(fut) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Fail::Other(msg)) => Err(Failure(msg)),
        Err(Fail::Usage(msg)) => {
            let _ = writeln!(std::io::stderr(), "aaa: {msg}");
            Ok(ExitCode::from(64))
        }
    }
}

fn webhook_json(w: &Webhook<'_>) -> serde_json::Value {
    serde_json::to_value(w).unwrap_or(serde_json::Value::Null)
}

fn print_table(webhooks: &[Webhook<'_>]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let rows: Vec<[String; 4]> = webhooks
        .iter()
        .map(|w| {
            [
                w.id.to_string(),
                w.valid.map_or("-".into(), |v| v.to_string()),
                w.created_at
                    .or(w.created_timestamp)
                    .map_or("-".into(), aaa_model::Timestamp::to_rfc3339),
                w.url.to_string(),
            ]
        })
        .collect();
    let head = ["ID", "VALID", "CREATED", "URL"];
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.len());
        }
    }
    for r in std::iter::once(head.map(str::to_owned)).chain(rows) {
        writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2]
        )?;
    }
    out.flush()
}

pub(crate) fn print_json(v: &serde_json::Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{v}")?;
    out.flush()
}

pub(crate) fn webhooks(args: WebhooksArgs) -> Result<ExitCode, Failure> {
    let json = args.json;
    let settings = args.conn.settings()?;
    finish(async move {
        let client = settings.client(!args.allow_local_urls)?;
        match args.command {
            WebhooksCommand::Register { url } => {
                let w = client.register_webhook(url).await?.into_data();
                if json {
                    print_json(&webhook_json(&w))?;
                } else {
                    print_table(std::slice::from_ref(&w))?;
                }
            }
            WebhooksCommand::List => {
                let list = client.list_webhooks().await?.into_data();
                if json {
                    let items: Vec<_> = list.webhooks.iter().map(webhook_json).collect();
                    print_json(&serde_json::Value::Array(items))?;
                } else {
                    print_table(&list.webhooks)?;
                }
            }
            WebhooksCommand::Validate { id } => {
                let flags = client.trigger_crc(id.clone()).await?.into_data();
                // v2 answers `attempted`; a failed check comes back as an error.
                let valid = flags.valid.or(flags.attempted).unwrap_or(true);
                if json {
                    print_json(&serde_json::json!({"id": id, "valid": valid}))?;
                } else {
                    print_line(&format!(
                        "webhook {id}: {}",
                        if valid { "valid" } else { "not valid" }
                    ))?;
                }
                if !valid {
                    return Err(Fail::Other(format!("webhook {id} failed the CRC check")));
                }
            }
            WebhooksCommand::Delete { id } => {
                let flags = client.delete_webhook(id.clone()).await?.into_data();
                let deleted = flags.deleted.unwrap_or(true);
                if json {
                    print_json(&serde_json::json!({"id": id, "deleted": deleted}))?;
                } else {
                    print_line(&format!("webhook {id} deleted"))?;
                }
            }
        }
        Ok(())
    })
}

pub(crate) fn print_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// `aaa subscriptions`.
#[derive(Debug, clap::Args)]
pub(crate) struct SubscriptionsArgs {
    #[command(flatten)]
    conn: Conn,
    /// Skip the local webhook URL check (https, no port), for a local emulator.
    #[arg(long, global = true)]
    allow_local_urls: bool,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: SubscriptionsCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SubscriptionsCommand {
    /// Subscribe the user of --access-token to the webhook's events.
    Add {
        /// The webhook id.
        #[arg(long, value_name = "ID")]
        webhook: String,
    },
    /// Whether the user of --access-token is subscribed.
    Check {
        /// The webhook id.
        #[arg(long, value_name = "ID")]
        webhook: String,
    },
    /// Remove a subscription: the user of --access-token (v1.1 only), or --user with the app's
    /// bearer token.
    Remove {
        /// The webhook id.
        #[arg(long, value_name = "ID")]
        webhook: String,
        /// The subscribed user's id.
        #[arg(long, value_name = "USER_ID")]
        user: Option<u64>,
    },
    /// How many subscriptions the app has.
    Count,
    /// The users subscribed to a webhook.
    List {
        /// The webhook id.
        #[arg(long, value_name = "ID")]
        webhook: String,
    },
}

pub(crate) fn subscriptions(args: SubscriptionsArgs) -> Result<ExitCode, Failure> {
    let json = args.json;
    let settings = args.conn.settings()?;
    finish(async move {
        let client = settings.client(!args.allow_local_urls)?;
        match args.command {
            SubscriptionsCommand::Add { webhook } => {
                client.subscribe(webhook.clone()).await?;
                if json {
                    print_json(&serde_json::json!({"webhook_id": webhook, "subscribed": true}))?;
                } else {
                    print_line(&format!("subscribed to webhook {webhook}"))?;
                }
            }
            SubscriptionsCommand::Check { webhook } => {
                let yes = client
                    .check_subscription(webhook.clone())
                    .await?
                    .into_data()
                    .subscribed
                    .unwrap_or(false);
                if json {
                    print_json(&serde_json::json!({"webhook_id": webhook, "subscribed": yes}))?;
                } else {
                    print_line(if yes { "subscribed" } else { "not subscribed" })?;
                }
            }
            SubscriptionsCommand::Remove { webhook, user } => {
                match user {
                    Some(u) => {
                        client
                            .deactivate_user(webhook.clone(), aaa_model::UserId::new(u))
                            .await?;
                    }
                    None => {
                        client.deactivate(webhook.clone()).await?;
                    }
                }
                if json {
                    let mut v = serde_json::json!({"webhook_id": webhook, "subscribed": false});
                    if let Some(u) = user {
                        v["user_id"] = u.to_string().into();
                    }
                    print_json(&v)?;
                } else {
                    let line = match user {
                        Some(u) => format!("user {u} unsubscribed from webhook {webhook}"),
                        None => format!("unsubscribed from webhook {webhook}"),
                    };
                    print_line(&line)?;
                }
            }
            SubscriptionsCommand::Count => {
                let count = client.count_subscriptions().await?.into_data();
                if json {
                    print_json(&serde_json::to_value(&count).unwrap_or_default())?;
                } else {
                    let mut out = std::io::stdout().lock();
                    if let Some(name) = &count.account_name {
                        writeln!(out, "account_name: {name}")?;
                    }
                    for (k, v) in [
                        ("subscriptions_count", count.subscriptions_count),
                        ("subscriptions_count_all", count.subscriptions_count_all),
                        (
                            "subscriptions_count_direct_messages",
                            count.subscriptions_count_direct_messages,
                        ),
                        ("provisioned_count", count.provisioned_count),
                    ] {
                        if let Some(v) = v {
                            writeln!(out, "{k}: {v}")?;
                        }
                    }
                    out.flush()?;
                }
            }
            SubscriptionsCommand::List { webhook } => {
                let list = client.list_subscriptions(webhook).await?.into_data();
                if json {
                    print_json(&serde_json::to_value(&list).unwrap_or_default())?;
                } else {
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "USER_ID")?;
                    for s in &list.subscriptions {
                        writeln!(out, "{}", s.user_id)?;
                    }
                    out.flush()?;
                }
            }
        }
        Ok(())
    })
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
            "SECRET-2",
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
        let settings = Settings {
            base_url: "https://api.x.com".into(),
            version: ApiVersion::V2,
            consumer_key: Some("k".into()),
            consumer_secret: Some("SECRET-5".into()),
            access_token: Some("SECRET-6".into()),
            access_token_secret: Some("SECRET-7".into()),
            bearer_token: Some("SECRET-8".into()),
        };
        let text = format!("{settings:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
