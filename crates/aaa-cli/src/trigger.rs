//! `aaa trigger`: inject activities into a running `aaa emulate` through its control endpoint.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use aaa_emulator::Activity;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::failure::Failure;
use crate::runtime::{Threads, block_on};

/// Arguments of `aaa trigger`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The activity to generate (see --help for every kind), or `all` for one of each; or an X
    /// Activity API event type (post.create, dm.received, ...).
    #[arg(
        value_name = "KIND",
        required_unless_present = "payload",
        long_help = kinds_help()
    )]
    kind: Option<String>,
    /// The subscribed user the activity happens to (default: the payload's `for_user_id`).
    #[arg(long, value_name = "ID")]
    user: Option<String>,
    /// For news.new: the keyword the news item matches.
    #[arg(long, value_name = "KEYWORD", conflicts_with = "payload")]
    keyword: Option<String>,
    /// For X Activity API likes, direct messages and chats: which way the event goes, seen
    /// from the user (default: in; dm.sent and chat.sent always go out).
    #[arg(long, value_name = "DIRECTION", value_parser = ["inbound", "outbound"],
          conflicts_with = "payload")]
    direction: Option<String>,
    /// How many activities to generate (1 to 10000).
    #[arg(long, default_value_t = 1, value_name = "N", conflicts_with = "payload",
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    count: u32,
    /// Deliver this file's JSON object byte for byte instead of a generated activity.
    #[arg(long, value_name = "FILE", conflicts_with = "kind")]
    payload: Option<PathBuf>,
    /// The emulator's base URL, as `aaa emulate` printed it.
    #[arg(long, env = "AAA_EMULATOR_URL", value_name = "URL")]
    emulator: String,
    /// Print the emulator's answer as JSON.
    #[arg(long)]
    json: bool,
}

/// The long help of KIND: every activity the emulator can make, with what happens.
fn kinds_help() -> String {
    let width = Activity::ALL
        .iter()
        .map(|a| a.name().len())
        .max()
        .unwrap_or(0);
    let mut text = String::from(
        "The activity to generate, happening to the subscribed user (--user), or `all` for one \
         of each (the revoke last: it ends the user's subscription, as at X):\n",
    );
    for a in Activity::ALL {
        let _ = write!(text, "\n  {:<width$}  {}", a.name(), a.description());
    }
    text.push_str(
        "\n\nOr an X Activity API event type, delivered to each matching activity subscription's \
         webhook and to open activity streams (news.new takes --keyword instead of --user):\n",
    );
    for chunk in aaa_model::ActivityType::ALL.chunks(4) {
        let names: Vec<&str> = chunk.iter().map(|t| t.as_str()).collect();
        let _ = write!(text, "\n  {}", names.join(", "));
    }
    text
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Failure> {
    let requests = requests(args)?;
    block_on(Threads::One, async {
        let mut out = std::io::stdout().lock();
        for request in requests {
            let answer = post(&args.emulator, "/_emulator/trigger", &request).await?;
            let line = if args.json {
                answer.to_string()
            } else {
                describe(&request, &answer)
            };
            writeln!(out, "{line}").map_err(|e| Failure::new(format!("stdout: {e}")))?;
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The control requests for the arguments: one per kind (`all` gives every kind).
fn requests(args: &Args) -> Result<Vec<serde_json::Value>, Failure> {
    if let Some(path) = &args.payload {
        let text =
            std::fs::read(path).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
        let payload: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|e| Failure::new(format!("{}: not JSON: {e}", path.display())))?;
        if !payload.is_object() {
            return Err(Failure::new(format!(
                "{}: the payload must be a JSON object",
                path.display()
            )));
        }
        let mut request = serde_json::json!({ "payload": payload });
        if let Some(user) = &args.user {
            request["user_id"] = user.as_str().into();
        }
        return Ok(vec![request]);
    }
    let kind = args.kind.as_deref().unwrap_or_default();
    if kind.contains('.') {
        return activity_request(args, kind).map(|r| vec![r]);
    }
    let kinds: Vec<&str> = if kind == "all" {
        Activity::ALL.iter().map(|a| a.name()).collect()
    } else if Activity::from_name(kind).is_some() {
        vec![kind]
    } else {
        let known: Vec<&str> = Activity::ALL.iter().map(|a| a.name()).collect();
        return Err(Failure::usage(format!(
            "unknown activity {kind:?}; known: {}, all; or an X Activity API event type such \
             as post.create",
            known.join(", ")
        )));
    };
    if args.direction.is_some() {
        return Err(Failure::usage(format!(
            "--direction is for X Activity API likes, direct messages and chats, not {kind}"
        )));
    }
    if args.keyword.is_some() {
        return Err(Failure::usage(format!(
            "--keyword is for news.new, not {kind}"
        )));
    }
    let Some(user) = &args.user else {
        return Err(Failure::usage(
            "--user ID is required with a KIND: the subscribed user the activity happens to",
        ));
    };
    Ok(kinds
        .into_iter()
        .map(|k| serde_json::json!({"kind": k, "user_id": user, "count": args.count}))
        .collect())
}

/// The control request for an X Activity API event type.
fn activity_request(args: &Args, kind: &str) -> Result<serde_json::Value, Failure> {
    let Some(ty) = aaa_model::ActivityType::from_name(kind) else {
        return Err(Failure::usage(format!(
            "unknown X Activity API event type {kind:?} (e.g. post.create, dm.received)"
        )));
    };
    let mut request = serde_json::json!({"kind": ty.as_str(), "count": args.count});
    if ty == aaa_model::ActivityType::NewsNew {
        let Some(keyword) = &args.keyword else {
            return Err(Failure::usage(
                "news.new is matched by --keyword K".to_owned(),
            ));
        };
        if args.user.is_some() {
            return Err(Failure::usage(
                "news.new is matched by --keyword K, not by a user: leave out --user",
            ));
        }
        request["keyword"] = keyword.as_str().into();
    } else {
        if args.keyword.is_some() {
            return Err(Failure::usage(format!(
                "--keyword is for news.new, not {ty}"
            )));
        }
        let Some(user) = &args.user else {
            return Err(Failure::usage(format!("--user ID is required with {ty}")));
        };
        request["user_id"] = user.as_str().into();
    }
    if let Some(d) = &args.direction {
        let direction = aaa_model::event::Direction::from_text(d.clone().into());
        aaa_emulator::activity_payloads::event_direction(ty, Some(&direction))
            .map_err(|why| Failure::usage(format!("--direction {d}: {why}")))?;
        request["direction"] = d.as_str().into();
    }
    Ok(request)
}

fn describe(request: &serde_json::Value, answer: &serde_json::Value) -> String {
    let what = request["kind"].as_str().unwrap_or("payload");
    if answer.get("event_type").is_some() {
        let list = |key: &str| -> Vec<&str> {
            answer[key]
                .as_array()
                .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
                .unwrap_or_default()
        };
        let whom = answer["user_id"].as_str().map_or_else(
            || format!("keyword {}", request["keyword"]),
            |u| format!("user {u}"),
        );
        let webhooks = list("webhooks");
        return format!(
            "{} {what} for {whom} -> {} subscription(s), webhook {}, {} stream cop{}",
            answer["events"],
            list("subscriptions").len().max(1),
            if webhooks.is_empty() {
                "none".to_owned()
            } else {
                webhooks.join(", ")
            },
            answer["stream_copies"],
            if answer["stream_copies"] == 1 {
                "y"
            } else {
                "ies"
            }
        );
    }
    let webhooks: Vec<&str> = answer["webhooks"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    format!(
        "{} {what} for user {} -> webhook {}",
        answer["activities"],
        answer["user_id"].as_str().unwrap_or("?"),
        webhooks.join(", ")
    )
}

/// POSTs `body` to the emulator's control endpoint `path`; the answer's JSON, or its `error` as
/// a failure.
pub(crate) async fn post(
    base: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, Failure> {
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let request = http::Request::post(&url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .map_err(|e| Failure::usage(format!("bad emulator URL {base:?}: {e}")))?;
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let exchange = async {
        let response = client.request(request).await?;
        let status = response.status();
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, bytes))
    };
    let (status, bytes) = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| Failure::new(format!("the emulator at {base} did not answer in 30 s")))?
        .map_err(|e| {
            Failure::new(format!(
                "cannot reach the emulator at {base}: {}",
                with_causes(e.as_ref())
            ))
        })?;
    let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if status.is_success() {
        Ok(answer)
    } else {
        let why = answer["error"]
            .as_str()
            .map_or_else(|| format!("HTTP {status}"), str::to_owned);
        Err(Failure::new(format!("emulator: {why}")))
    }
}

/// An error and every cause under it, `outer: inner: ...` (hyper names only "client error
/// (Connect)" itself; the refused connection is a cause).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.ends_with(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}
