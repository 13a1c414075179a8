//! `aaa activity`: the X Activity API - its subscriptions, and its activity stream read into
//! the receiver's store.

use std::process::ExitCode;

use crate::failure::Failure;

pub(crate) mod dev;
mod stream;
mod subscriptions;

/// `aaa activity`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create, list, update and delete X Activity API subscriptions.
    Subscriptions(Box<subscriptions::Args>),
    /// Read the activity stream into the event store of `aaa serve` (deduplicated with the
    /// webhook's events), reconnecting with backfill, until SIGTERM or SIGINT.
    Stream(Box<stream::Args>),
}

pub(crate) fn run(command: Command) -> Result<ExitCode, Failure> {
    match command {
        Command::Subscriptions(args) => subscriptions::run(*args),
        Command::Stream(args) => stream::run(*args),
    }
}
