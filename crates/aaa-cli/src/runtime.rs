//! The Tokio runtime every asynchronous command runs on.

use std::future::Future;

use crate::failure::Failure;

/// How many threads a command's runtime gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threads {
    /// One thread: a client making calls one after another.
    One,
    /// One per core: a server (`serve`, `emulate`, `dev`).
    PerCore,
}

/// Runs `fut` to completion on a new runtime with timers and I/O, and returns what it returned.
///
/// # Errors
///
/// When the runtime cannot be started, or `fut` failed.
pub(crate) fn block_on<T>(
    threads: Threads,
    fut: impl Future<Output = Result<T, Failure>>,
) -> Result<T, Failure> {
    let mut builder = match threads {
        Threads::One => tokio::runtime::Builder::new_current_thread(),
        Threads::PerCore => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|e| Failure::new(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(fut)
}
