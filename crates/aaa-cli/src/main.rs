//! The `aaa` command: a thin front end over the aaa crates.
//!
//! Every failure is one line on stderr and a non-zero exit: 1 for bad input or a failed check,
//! 2 for `aaa parse` when some event did not decode, 64 for a usage error.

#![forbid(unsafe_code)]

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod activity;
mod config;
mod conn;
mod crypto;
mod dev;
mod emulate;
mod events;
mod failure;
mod input;
mod manage;
mod ops;
mod output;
mod parse;
mod replay;
mod runtime;
mod serve;
mod trigger;

/// Tools for X's Account Activity API webhooks.
#[derive(Debug, Parser)]
#[command(name = "aaa", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan webhook bodies and print one JSON line per event.
    Parse(parse::Args),
    /// Compute the response to a CRC check: {"response_token":"sha256=..."}.
    Crc(crypto::CrcArgs),
    /// Sign or verify a webhook body the way X signs deliveries.
    #[command(subcommand)]
    Signature(crypto::SignatureCommand),
    /// OAuth 1.0a request signing.
    #[command(subcommand)]
    Oauth1(Box<crypto::OAuth1Command>),
    /// Run the webhook receiver: CRC checks, signed deliveries, durable deduplicated store.
    Serve(Box<serve::Args>),
    /// Try everything on this machine: emulator + receiver, a registered webhook, one event of
    /// every kind shown as it is stored.
    Dev(dev::Args),
    /// Run a local stand-in for X (management API, signed deliveries with retries, replay, the
    /// X Activity API's subscriptions and stream); prints its credentials as one JSON line.
    Emulate(emulate::Args),
    /// Inject activities into a running `aaa emulate`, delivered to every subscribed webhook (X
    /// Activity API events also to open activity streams).
    Trigger(trigger::Args),
    /// Register, list, validate and delete webhooks with X's management API.
    Webhooks(Box<manage::WebhooksArgs>),
    /// Add, check, count, list and remove subscriptions with X's management API.
    Subscriptions(Box<manage::SubscriptionsArgs>),
    /// The X Activity API: its subscriptions, and its activity stream read into the store.
    #[command(subcommand)]
    Activity(activity::Command),
    /// Check a replay window against X's rules, plan its jobs and run them one at a time.
    Replay(Box<replay::Args>),
    /// Read the events the receiver stored.
    #[command(subcommand)]
    Events(events::Command),
    /// List the receiver's recorded outage windows and the replays asked for each.
    Gaps(ops::GapsArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "aaa: {} (see {} --help)",
                one_line(&e),
                command_path()
            );
            return ExitCode::from(64);
        }
    };
    let result = match cli.command {
        Command::Parse(args) => parse::run(&args),
        Command::Crc(args) => Ok(crypto::crc(&args)),
        Command::Signature(cmd) => crypto::signature(cmd),
        Command::Oauth1(cmd) => crypto::oauth1(*cmd),
        Command::Serve(args) => {
            init_logging();
            serve::run(&args)
        }
        Command::Events(cmd) => events::run(cmd),
        Command::Gaps(args) => ops::gaps(&args),
        Command::Trigger(args) => trigger::run(&args),
        Command::Webhooks(args) => manage::webhooks(*args),
        Command::Subscriptions(args) => manage::subscriptions(*args),
        Command::Activity(cmd) => activity::run(cmd),
        Command::Replay(args) => replay::run(*args),
        Command::Dev(args) => {
            init_quiet_logging();
            dev::run(&args)
        }
        Command::Emulate(args) => {
            init_logging();
            emulate::run(&args)
        }
    };
    match result {
        Ok(code) => code,
        Err(failure) if failure.is_usage() => {
            let _ = writeln!(
                std::io::stderr(),
                "aaa: {} (see {} --help)",
                failure.message(),
                command_path()
            );
            ExitCode::from(64)
        }
        Err(failure) => {
            let _ = writeln!(std::io::stderr(), "aaa: {}", failure.message());
            ExitCode::FAILURE
        }
    }
}

/// Logs go to stderr; `AAA_LOG` (or `RUST_LOG`) sets the filter, `info` by default.
fn init_logging() {
    let filter = std::env::var("AAA_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// For `aaa dev`, whose stdout is the show: only warnings on stderr unless `AAA_LOG` says more.
fn init_quiet_logging() {
    let filter = std::env::var("AAA_LOG").unwrap_or_else(|_| "warn".to_owned());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

/// The subcommand the arguments name, as far as they name one: `aaa subscriptions remove`.
fn command_path() -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut path = vec!["aaa".to_owned()];
    for arg in std::env::args().skip(1) {
        if arg.starts_with('-') {
            continue;
        }
        let Some(sub) = cmd.find_subcommand(&arg).cloned() else {
            break;
        };
        path.push(sub.get_name().to_owned());
        cmd = sub;
    }
    path.join(" ")
}

/// Clap's error message on one line, without its usage block.
fn one_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let joined = lines.join(" ");
    let joined = joined.trim_start_matches("error: ");
    if joined.is_empty() {
        "usage error".to_owned()
    } else {
        joined.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watchdog_interval_under_a_second_is_a_usage_error() {
        for bad in ["0s", "0", "500ms"] {
            let e = Cli::try_parse_from(["aaa", "serve", "--watchdog-interval", bad]).unwrap_err();
            assert!(e.to_string().contains("at least 1s"), "{bad}: {e}");
        }
        assert!(Cli::try_parse_from(["aaa", "serve", "--watchdog-interval", "2s"]).is_ok());
    }

    #[test]
    fn secrets_given_to_serve_stay_out_of_debug_output() {
        let cli = Cli::try_parse_from([
            "aaa",
            "serve",
            "--consumer-secret",
            "consumer-s3cret-value",
            "--dashboard-token",
            "dashboard-t0ken-value",
            "--access-token-secret",
            "token-s3cret-value",
        ])
        .unwrap();
        let debug = format!("{cli:?}");
        for secret in [
            "consumer-s3cret-value",
            "dashboard-t0ken-value",
            "token-s3cret-value",
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
