//! `aaa activity`: the X Activity API - its subscriptions, and (`stream`) its activity stream.

use std::process::ExitCode;

use crate::failure::Failure;

mod subscriptions;

/// `aaa activity`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create, list, update and delete X Activity API subscriptions.
    Subscriptions(Box<subscriptions::Args>),
}

pub(crate) fn run(command: Command) -> Result<ExitCode, Failure> {
    match command {
        Command::Subscriptions(args) => subscriptions::run(*args),
    }
}
