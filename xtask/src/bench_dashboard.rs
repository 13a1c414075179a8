//! `cargo xtask bench dashboard`: the live dashboard of `aaa serve` under load, measured by
//! `crates/aaa-ops/examples/dashboard_load.rs` (release builds of both): its requests at 100,000
//! stored events, the live feed's lag, the receiver's CPU and memory for it, and with
//! `--browser` the page in headless Chromium. `--store nats` and `--browser` find or install
//! what they need as `cargo xtask test` does.

use std::path::PathBuf;
use std::process::Command;

use crate::run::{Error, cargo, project_root};

/// The options the harness takes, each with a value or (`--browser`) without.
const WITH_VALUE: [&str; 4] = ["--events", "--rate", "--phase-seconds", "--store"];

/// Checks `args` and runs the harness with them.
pub(crate) fn run(args: &[String]) -> Result<(), Error> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            if it.next().is_none() {
                return Err(Error::Usage(format!("{a} needs a value")));
            }
        } else if a != "--browser" {
            return Err(Error::Usage(format!("unknown option `{a}`")));
        }
    }
    let root = project_root();
    cargo(
        &root,
        &[
            "build",
            "--release",
            "-p",
            "aaa-cli",
            "--bin",
            "aaa",
            "-p",
            "aaa-ops",
            "--example",
            "dashboard_load",
        ],
    )?;
    let release = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("release");
    let mut cmd = Command::new(release.join("examples/dashboard_load"));
    cmd.arg("--aaa").arg(release.join("aaa")).args(args);
    if args.iter().any(|a| a == "--store" || a == "--browser") {
        // nats-server, chromium and chromedriver, found or installed as for the tests.
        let found = crate::setup::ensure()?;
        cmd.env("AAA_NATS_SERVER", &found.nats_server);
    }
    let status = cmd
        .status()
        .map_err(|e| Error::failed(format!("cannot run the dashboard harness: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::failed(format!(
            "the dashboard harness failed ({status})"
        )))
    }
}
