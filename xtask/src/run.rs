//! Running commands, and the error every task returns.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Why a task stopped.
#[derive(Debug)]
pub(crate) enum Error {
    /// The command line was wrong: the message is followed by the usage text.
    Usage(String),
    /// A step failed: the message says which.
    Failed(String),
}

impl Error {
    pub(crate) fn failed(msg: impl Into<String>) -> Error {
        Error::Failed(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub(crate) fn project_root() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    dir.parent().unwrap_or(dir).to_path_buf()
}

/// The cargo that runs us, so that `cargo +toolchain xtask` stays on that toolchain.
pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// A `cargo` command in `dir`.
pub(crate) fn cargo_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(cargo_bin());
    cmd.args(args).current_dir(dir);
    cmd
}

/// Runs `cargo ARGS` in `dir` with inherited output; fails unless it exits with 0.
pub(crate) fn cargo(dir: &Path, args: &[&str]) -> Result<(), Error> {
    let shown = format!("cargo {}", args.join(" "));
    println!("$ {shown}");
    let status = cargo_cmd(dir, args)
        .status()
        .map_err(|e| Error::failed(format!("could not start `{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::failed(format!("`{shown}` failed ({status})")))
    }
}

/// `1.2 s`, `3 min 04 s`.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}
