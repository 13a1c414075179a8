//! `aaa activity subscriptions create|list|update|delete`.

use std::process::ExitCode;

use aaa_client::request::MAX_BULK_DELETE;
use aaa_client::{Client, UserToken};
use aaa_crypto::BearerToken;
use aaa_model::UserId;
use aaa_model::event::{ActivityFilter, ActivityType, Direction};
use aaa_model::rest::ActivitySubscription;

use crate::conn::Credentials;
use crate::failure::Failure;
use crate::output::{print_json, print_line, print_table};
use crate::runtime::{Threads, block_on};

/// `aaa activity subscriptions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    conn: Credentials,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Sub,
}

/// How `create` and `list` authenticate: the app's bearer token by default.
#[derive(Debug, clap::Args)]
struct UserAuth {
    /// Authenticate as the user of --access-token (OAuth 1.0a user context) instead of with
    /// the app's bearer token: private event types need the filtered user's authorization.
    #[arg(long, conflicts_with = "oauth2_user_token")]
    as_user: bool,
    /// Authenticate with this OAuth 2.0 user access token instead of the app's bearer token.
    #[arg(
        long,
        env = "AAA_OAUTH2_USER_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    oauth2_user_token: Option<BearerToken>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Create a subscription to one event type for a user (or, for news.new, a keyword).
    Create {
        /// The event type, e.g. profile.update.bio, post.create, like.create, dm.received.
        #[arg(long, value_name = "TYPE")]
        event_type: String,
        /// The user whose events to deliver.
        #[arg(long, value_name = "USER_ID", required_unless_present = "keyword")]
        user: Option<u64>,
        /// The keyword to match (news.new; 1 to 150 characters).
        #[arg(long, value_name = "KEYWORD")]
        keyword: Option<String>,
        /// Only events going this way: inbound or outbound (also received or sent), for likes,
        /// direct messages and chats.
        #[arg(long, value_name = "DIRECTION", value_parser = ["inbound", "outbound", "received", "sent"])]
        direction: Option<String>,
        /// A tag (1 to 200 characters) that every delivery carries.
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// Deliver to this webhook too (the stream gets the events either way).
        #[arg(long, value_name = "ID")]
        webhook: Option<String>,
        #[command(flatten)]
        auth: UserAuth,
    },
    /// List the app's subscriptions (every page).
    List {
        /// Subscriptions per page fetched (1 to 1000).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
        max_results: Option<u32>,
        #[command(flatten)]
        auth: UserAuth,
    },
    /// Change a subscription's tag or webhook (a new event type or filter needs a new one).
    #[command(group(clap::ArgGroup::new("change").required(true).multiple(true).args(["tag", "webhook"])))]
    Update {
        /// The subscription id.
        #[arg(value_parser = subscription_id)]
        id: String,
        /// The new tag.
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// The new webhook.
        #[arg(long, value_name = "ID")]
        webhook: Option<String>,
    },
    /// Delete subscriptions: one id, or several with X's bulk delete (100 per call).
    Delete {
        /// The subscription ids.
        #[arg(required = true, value_name = "ID", value_parser = subscription_id)]
        ids: Vec<String>,
    },
}

/// A subscription id as X's spec writes it: 1 to 19 digits.
fn subscription_id(text: &str) -> Result<String, String> {
    if (1..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("a subscription id is 1 to 19 digits".to_owned())
    }
}

fn event_type(name: &str) -> Result<ActivityType, Failure> {
    ActivityType::from_name(name).ok_or_else(|| {
        Failure::usage(format!(
            "--event-type {name:?} is not an X Activity API event type (e.g. {}, {}, {})",
            ActivityType::ProfileUpdateBio,
            ActivityType::PostCreate,
            ActivityType::DmReceived
        ))
    })
}

impl UserAuth {
    fn token(&self) -> Option<BearerToken> {
        self.oauth2_user_token.clone()
    }
}

/// The filter as a table cell: `user 42`, `keyword ferry`, with `, inbound` where set.
fn filter_text(s: &ActivitySubscription<'_>) -> String {
    let f = &s.filter;
    let mut text = match (&f.user_id, &f.keyword) {
        (Some(u), Some(k)) => format!("user {u}, keyword {k}"),
        (Some(u), None) => format!("user {u}"),
        (None, Some(k)) => format!("keyword {k}"),
        (None, None) => "-".to_owned(),
    };
    if let Some(d) = &f.direction {
        text.push_str(", ");
        text.push_str(d.as_str());
    }
    text
}

fn print_subscriptions(subs: &[ActivitySubscription<'_>]) -> std::io::Result<()> {
    let rows: Vec<[String; 6]> = subs
        .iter()
        .map(|s| {
            [
                s.subscription_id.to_string(),
                s.event_type.to_string(),
                filter_text(s),
                s.tag.as_deref().unwrap_or("-").to_owned(),
                s.webhook_id
                    .as_ref()
                    .map_or("-".into(), ToString::to_string),
                s.created_at
                    .map_or("-".into(), aaa_model::Timestamp::to_rfc3339),
            ]
        })
        .collect();
    print_table(
        ["ID", "EVENT_TYPE", "FILTER", "TAG", "WEBHOOK", "CREATED"],
        &rows,
    )
}

fn print_one(json: bool, s: &ActivitySubscription<'_>) -> std::io::Result<()> {
    if json {
        print_json(&serde_json::to_value(s).unwrap_or_default())
    } else {
        print_subscriptions(std::slice::from_ref(s))
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode, Failure> {
    let json = args.json;
    if let Sub::Create { event_type: t, .. } = &args.command {
        event_type(t)?;
    }
    let settings = args.conn.settings()?;
    block_on(Threads::One, async move {
        let client = settings.client(true)?;
        match args.command {
            Sub::Create {
                event_type: t,
                user,
                keyword,
                direction,
                tag,
                webhook,
                auth,
            } => {
                let mut filter = ActivityFilter::default();
                filter.user_id = user.map(UserId::new);
                filter.keyword = keyword.map(Into::into);
                let mut req = client.create_activity_subscription(event_type(&t)?, filter);
                if let Some(d) = direction {
                    req = req.direction(Direction::from_text(d.into()));
                }
                if let Some(tag) = tag {
                    req = req.tag(tag);
                }
                if let Some(w) = webhook {
                    req = req.webhook(w);
                }
                if auth.as_user {
                    req = req.as_user(None::<UserToken>);
                } else if let Some(token) = auth.token() {
                    req = req.as_oauth2_user(Some(token));
                }
                let created = req.await?.into_data();
                print_one(json, &created.subscription)?;
            }
            Sub::List { max_results, auth } => {
                let mut req = client.list_activity_subscriptions();
                if let Some(n) = max_results {
                    req = req.max_results(n);
                }
                if auth.as_user {
                    req = req.as_user(None);
                } else if let Some(token) = auth.token() {
                    req = req.as_oauth2_user(Some(token));
                }
                let all = req.pages().all().await?;
                if json {
                    print_json(&serde_json::to_value(&all).unwrap_or_default())?;
                } else {
                    print_subscriptions(&all)?;
                }
            }
            Sub::Update { id, tag, webhook } => {
                let mut req = client.update_activity_subscription(id);
                if let Some(tag) = tag {
                    req = req.tag(tag);
                }
                if let Some(w) = webhook {
                    req = req.webhook(w);
                }
                let updated = req.await?.into_data();
                print_one(json, &updated.subscription)?;
            }
            Sub::Delete { ids } => delete(&client, ids, json).await?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Deletes `ids`: one with `DELETE /:id`, several with the bulk endpoint in calls of at most
/// 100. Prints each id's result; when some failed, fails with one line naming them.
async fn delete(client: &Client, ids: Vec<String>, json: bool) -> Result<(), Failure> {
    let report = |id: &str, deleted: bool, why: Option<(&str, &str)>| {
        if json {
            let mut v = serde_json::json!({"subscription_id": id, "deleted": deleted});
            if let Some((reason, message)) = why {
                v["reason"] = reason.into();
                v["message"] = message.into();
            }
            print_json(&v)
        } else if deleted {
            print_line(&format!("subscription {id} deleted"))
        } else {
            Ok(())
        }
    };
    if let [id] = ids.as_slice() {
        let answer = client
            .delete_activity_subscription(id.clone())
            .await?
            .into_data();
        report(id, answer.deleted, None)?;
        if !answer.deleted {
            return Err(Failure::new(format!("subscription {id} was not deleted")));
        }
        return Ok(());
    }
    let mut failed = Vec::new();
    for chunk in ids.chunks(MAX_BULK_DELETE) {
        let answer = client
            .delete_activity_subscriptions(chunk.iter().cloned())
            .await?
            .into_data();
        for d in &answer.deleted {
            let id = d.subscription_id.as_str();
            let deleted = d.deleted != Some(false);
            report(id, deleted, None)?;
            if !deleted {
                failed.push(format!("{id} (not deleted)"));
            }
        }
        for e in &answer.errors {
            let id = e.subscription_id.as_ref().map_or("?", |s| s.as_str());
            let reason = e.reason.as_deref().unwrap_or("failed");
            let message = e.message.as_deref().unwrap_or_default();
            report(id, false, Some((reason, message)))?;
            failed.push(format!(
                "{id} ({reason}{}{message})",
                if message.is_empty() { "" } else { ": " }
            ));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::new(format!(
            "{} of {} subscriptions not deleted: {}",
            failed.len(),
            ids.len(),
            failed.join(", ")
        )))
    }
}
