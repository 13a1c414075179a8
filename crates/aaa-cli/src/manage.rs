//! `aaa webhooks` and `aaa subscriptions`: the management API through `aaa-client`.

use std::io::Write;
use std::process::ExitCode;

use aaa_model::rest::Webhook;

use crate::conn::Conn;
use crate::failure::Failure;
use crate::output::{print_json, print_line, print_table};
use crate::runtime::{Threads, block_on};

/// `aaa webhooks`.
#[derive(Debug, clap::Args)]
pub(crate) struct WebhooksArgs {
    #[command(flatten)]
    conn: Conn,
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
        /// Skip the local webhook URL check (https, no port), for a local emulator.
        #[arg(long)]
        allow_local_urls: bool,
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

/// A webhook in the one shape X's v1.1 reference documents, whichever API answered and
/// whichever time field it used: `{"id","url","valid","created_at":"2016-06-02T23:54:02Z"}`.
fn webhook_json(webhook: &Webhook<'_>) -> serde_json::Value {
    let created_at = webhook.created().map(|t| {
        let (year, month, day, hour, minute, second, _) = t.to_utc();
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    });
    serde_json::json!({
        "id": webhook.id.to_string(),
        "url": webhook.url.to_string(),
        "valid": webhook.valid,
        "created_at": created_at,
    })
}

fn print_webhooks(webhooks: &[Webhook<'_>]) -> std::io::Result<()> {
    let rows: Vec<[String; 4]> = webhooks
        .iter()
        .map(|w| {
            [
                w.id.to_string(),
                w.valid.map_or("-".into(), |v| v.to_string()),
                w.created()
                    .map_or("-".into(), aaa_model::Timestamp::to_rfc3339),
                w.url.to_string(),
            ]
        })
        .collect();
    print_table(["ID", "VALID", "CREATED", "URL"], &rows)
}

pub(crate) fn webhooks(args: WebhooksArgs) -> Result<ExitCode, Failure> {
    let json = args.json;
    let settings = args.conn.settings()?;
    run(async move {
        let check_urls = !matches!(
            args.command,
            WebhooksCommand::Register {
                allow_local_urls: true,
                ..
            }
        );
        let client = settings.client(check_urls)?;
        match args.command {
            WebhooksCommand::Register { url, .. } => {
                let w = client
                    .register_webhook(url)
                    .await
                    .map_err(|e| match e.kind() {
                        aaa_client::ErrorKind::InvalidWebhookUrl => Failure::new(format!(
                            "{} (--allow-local-urls lets an http:// URL of this machine \
                             through, for aaa emulate)",
                            crate::output::one_line(&e.to_string())
                        )),
                        _ => Failure::from(e),
                    })?
                    .into_data();
                if json {
                    print_json(&webhook_json(&w))?;
                } else {
                    print_webhooks(std::slice::from_ref(&w))?;
                }
            }
            WebhooksCommand::List => {
                let list = client.list_webhooks().await?.into_data();
                if json {
                    let items: Vec<_> = list.webhooks.iter().map(webhook_json).collect();
                    print_json(&serde_json::Value::Array(items))?;
                } else {
                    print_webhooks(&list.webhooks)?;
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
                    return Err(Failure::new(format!("webhook {id} failed the CRC check")));
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

/// `aaa subscriptions`.
#[derive(Debug, clap::Args)]
pub(crate) struct SubscriptionsArgs {
    #[command(flatten)]
    conn: Conn,
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
    if let SubscriptionsCommand::Remove { user: None, .. } = &args.command {
        if settings.version == aaa_client::ApiVersion::V2 {
            return Err(Failure::usage(
                "v2 removes a subscription by user id: give --user USER_ID (with the app's \
                 bearer token), or --api v1.1 to remove the user of --access-token",
            ));
        }
    }
    run(async move {
        let client = settings.client(true)?;
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

/// Runs a management call on a one-thread runtime.
pub(crate) fn run(
    fut: impl std::future::Future<Output = Result<(), Failure>>,
) -> Result<ExitCode, Failure> {
    block_on(Threads::One, fut)?;
    Ok(ExitCode::SUCCESS)
}
